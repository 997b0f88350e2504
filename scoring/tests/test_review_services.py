"""The human side of scoring: assignments, claims, reviews, overrides, finalize/reopen, rescoring."""

from datetime import timedelta

import pytest
from django.utils import timezone

from scoring import services
from scoring.models import DimensionScore, Override, Review, ReviewAssignment, Scorecard, ScoreSet
from simulator.errors import DomainError
from simulator.models import AuditEntry
from simulator.services import NotAllowed

pytestmark = pytest.mark.django_db


def test_a_scored_hiring_attempt_gets_a_scorecard_and_is_assigned_to_a_panel_reviewer(scored_attempt, panel):
    attempt = scored_attempt()

    scorecard = Scorecard.objects.get(attempt=attempt)
    assert set(scorecard.auto_scores) == {
        "troubleshooting",
        "escalation",
        "operational_discipline",
        "communication",
    }
    assert all(entry["source"] == "auto" for entry in scorecard.final_scores.values())
    assert scorecard.needs_review is True
    assert scorecard.reviews_required == 1
    assert ReviewAssignment.objects.filter(attempt=attempt).count() == 1


def test_assignments_go_round_robin_to_the_reviewer_with_the_fewest(
    scored_attempt, reviewer, second_reviewer
):
    attempts = [scored_attempt(f"c{n}@example.com") for n in range(4)]

    reviewers = [ReviewAssignment.objects.get(attempt=a).reviewer for a in attempts]

    assert reviewers.count(reviewer) == 2
    assert reviewers.count(second_reviewer) == 2


def test_a_review_replaces_the_auto_score_by_the_median_and_clears_needs_review(scored_attempt, reviewer):
    attempt = scored_attempt()

    services.review_submit(
        attempt=attempt, reviewer=reviewer, scores={"communication": 2}, notes="Vague on timing."
    )

    scorecard = Scorecard.objects.get(attempt=attempt)
    assert scorecard.final_scores["communication"] == {"score": 2.0, "source": "reviews"}
    assert scorecard.needs_review is False
    assert scorecard.reviews_submitted == 1


def test_a_review_of_a_dimension_the_attempt_was_not_scored_on_is_refused(scored_attempt, reviewer):
    attempt = scored_attempt()

    with pytest.raises(DomainError, match="not scored on continuous_improvement"):
        services.review_submit(attempt=attempt, reviewer=reviewer, scores={"continuous_improvement": 3})
    with pytest.raises(DomainError, match="from 1 to 5"):
        services.review_submit(attempt=attempt, reviewer=reviewer, scores={"communication": 6})


def test_an_override_needs_a_justification_and_keeps_the_original_auto_score(scored_attempt, lead):
    attempt = scored_attempt()
    auto_before = list(
        DimensionScore.objects.filter(item_score__score_set__attempt=attempt).values_list("score", flat=True)
    )

    with pytest.raises(DomainError, match="justification"):
        services.override_create(
            attempt=attempt, dimension="communication", score=1, reason_code="scorer_credited_keywords",
            justification="   ", author=lead,
        )  # fmt: skip
    override = services.override_create(
        attempt=attempt, dimension="communication", score=1, reason_code="scorer_credited_keywords",
        justification="Promises a fix time nobody gave.", author=lead,
    )  # fmt: skip

    scorecard = Scorecard.objects.get(attempt=attempt)
    assert scorecard.final_scores["communication"] == {"score": 1.0, "source": "override"}
    assert override.previous_score == scorecard.auto_scores["communication"]
    assert override.auto_score == scorecard.auto_scores["communication"]
    auto_after = list(
        DimensionScore.objects.filter(item_score__score_set__attempt=attempt).values_list("score", flat=True)
    )
    assert auto_after == auto_before
    entry = AuditEntry.objects.get(action="override.created")
    assert entry.actor == lead and entry.after["reason_code"] == "scorer_credited_keywords"


def test_an_unknown_reason_code_is_refused(scored_attempt, lead):
    with pytest.raises(DomainError, match="reason_code must be one of"):
        services.override_create(
            attempt=scored_attempt(), dimension="communication", score=1, reason_code="felt_like_it",
            justification="x", author=lead,
        )  # fmt: skip


def test_overrides_are_append_only_the_latest_stands_and_a_revert_is_recorded(scored_attempt, reviewer, lead):
    attempt = scored_attempt()
    services.review_submit(attempt=attempt, reviewer=reviewer, scores={"troubleshooting": 3})
    first = services.override_create(
        attempt=attempt,
        dimension="communication",
        score=2,
        reason_code="other",
        justification="first",
        author=reviewer,
    )
    second = services.override_create(
        attempt=attempt, dimension="communication", score=5, reason_code="scorer_missed_evidence",
        justification="The update does give a time.", author=lead,
    )  # fmt: skip
    assert Scorecard.objects.get(attempt=attempt).final_scores["communication"]["score"] == 5.0

    revert = services.override_revert(
        override=second, justification="Checked again: no time given.", author=lead
    )

    assert revert.action == "revert" and revert.reverts == second and revert.author == lead
    assert Scorecard.objects.get(attempt=attempt).final_scores["communication"] == {
        "score": 2.0,
        "source": "override",
    }
    assert Override.objects.filter(attempt=attempt).count() == 3
    assert Override.objects.get(pk=first.pk).score == 2
    with pytest.raises(DomainError, match="reverted already"):
        services.override_revert(override=second, justification="again", author=lead)
    with pytest.raises(DomainError, match="justification"):
        services.override_revert(override=first, justification="", author=lead)


def test_a_blind_reviewer_overrides_only_after_their_own_review(scored_attempt, reviewer):
    attempt = scored_attempt()

    with pytest.raises(services.BlindReviewPending):
        services.override_create(
            attempt=attempt,
            dimension="communication",
            score=2,
            reason_code="other",
            justification="x",
            author=reviewer,
        )
    services.review_submit(attempt=attempt, reviewer=reviewer, scores={"communication": 3})
    services.override_create(
        attempt=attempt,
        dimension="communication",
        score=2,
        reason_code="other",
        justification="x",
        author=reviewer,
    )


def test_a_claim_keeps_a_second_reviewer_from_grading_at_the_same_time(
    scored_attempt, reviewer, second_reviewer
):
    attempt = scored_attempt()
    now = timezone.now()
    services.review_claim(attempt=attempt, reviewer=reviewer, now=now)

    with pytest.raises(services.ClaimHeld, match="rui is reviewing this attempt until"):
        services.review_claim(attempt=attempt, reviewer=second_reviewer, now=now + timedelta(minutes=5))
    with pytest.raises(services.ClaimHeld):
        services.review_submit(
            attempt=attempt, reviewer=second_reviewer, scores={"communication": 3}, now=now
        )

    services.review_claim(attempt=attempt, reviewer=second_reviewer, now=now + timedelta(minutes=31))
    services.review_submit(
        attempt=attempt,
        reviewer=second_reviewer,
        scores={"communication": 3},
        now=now + timedelta(minutes=32),
    )
    assert Review.objects.filter(attempt=attempt).count() == 1


def test_reviewers_two_points_apart_flag_the_attempt_for_adjudication(
    scored_attempt, reviewer, second_reviewer
):
    attempt = scored_attempt()
    services.review_submit(attempt=attempt, reviewer=reviewer, scores={"communication": 2})
    assert Scorecard.objects.get(attempt=attempt).needs_adjudication is (
        abs(2 - Scorecard.objects.get(attempt=attempt).auto_scores["communication"]) >= 2
    )

    services.review_submit(attempt=attempt, reviewer=second_reviewer, scores={"communication": 4})

    assert Scorecard.objects.get(attempt=attempt).needs_adjudication is True


def test_a_reviewer_far_from_the_auto_score_flags_the_attempt(scored_attempt, reviewer):
    attempt = scored_attempt()
    auto = Scorecard.objects.get(attempt=attempt).auto_scores["communication"]
    far = 1 if auto >= 3 else 5

    services.review_submit(attempt=attempt, reviewer=reviewer, scores={"communication": far})

    assert Scorecard.objects.get(attempt=attempt).needs_adjudication is True


def test_finalize_freezes_the_scorecard_until_a_lead_reopens_it_with_a_reason(scored_attempt, lead, reviewer):
    attempt = scored_attempt()
    with pytest.raises(NotAllowed):
        services.scorecard_finalize(attempt=attempt, finalized_by=reviewer)

    with pytest.raises(services.ReviewRefused, match="0 of the 1 required human reviews"):
        services.scorecard_finalize(attempt=attempt, finalized_by=lead)
    services.scorecard_finalize(attempt=attempt, finalized_by=lead, without_required_reviews=True)
    attempt.refresh_from_db()
    assert attempt.status == "finalized"
    with pytest.raises(services.ScorecardFrozen):
        services.review_submit(attempt=attempt, reviewer=reviewer, scores={"communication": 3})
    with pytest.raises(services.ScorecardFrozen):
        services.override_create(
            attempt=attempt,
            dimension="communication",
            score=3,
            reason_code="other",
            justification="x",
            author=lead,
        )
    with pytest.raises(DomainError, match="needs a reason"):
        services.scorecard_reopen(attempt=attempt, reopened_by=lead, reason=" ")

    services.scorecard_reopen(
        attempt=attempt, reopened_by=lead, reason="The candidate's appeal names missed evidence."
    )
    attempt.refresh_from_db()
    assert attempt.status == "scored"
    services.review_submit(attempt=attempt, reviewer=reviewer, scores={"communication": 3})
    actions = list(
        AuditEntry.objects.filter(target=f"attempt:{attempt.public_id}").values_list("action", flat=True)
    )
    assert {"scorecard.finalized", "scorecard.reopened", "review.submitted"} <= set(actions)


def _rescore_with_changed_auto_scores(attempt, new_score: int):
    """A rescoring by a newer scorer version: a new score set whose communication differs."""
    old = ScoreSet.objects.filter(attempt=attempt).latest("created_at")
    new = ScoreSet.objects.create(
        attempt=attempt, rubric=old.rubric, scorer_version=old.scorer_version + "+next"
    )
    for item_score in old.items.all():
        copy = item_score.__class__.objects.create(
            score_set=new, attempt_item=item_score.attempt_item, kind=item_score.kind,
            scorer_version=item_score.scorer_version + 1,
        )  # fmt: skip
        for d in item_score.dimensions.all():
            DimensionScore.objects.create(
                item_score=copy, dimension=d.dimension, score=new_score if d.dimension == "communication" else d.score,
                checks=d.checks,
            )  # fmt: skip
    ScoreSet.objects.filter(pk=new.pk).update(created_at=old.created_at + timedelta(seconds=1))
    attempt.refresh_from_db()
    return services.scorecard_refresh(attempt=attempt)


def test_rescoring_keeps_reviews_and_overrides_and_flags_overrides_whose_auto_score_changed(
    scored_attempt, reviewer, lead
):
    attempt = scored_attempt()
    services.review_submit(attempt=attempt, reviewer=reviewer, scores={"troubleshooting": 3})
    services.override_create(
        attempt=attempt,
        dimension="communication",
        score=4,
        reason_code="other",
        justification="j",
        author=lead,
    )
    auto = Scorecard.objects.get(attempt=attempt).auto_scores["communication"]
    changed = 1 if auto != 1 else 5

    scorecard = _rescore_with_changed_auto_scores(attempt, changed)

    assert scorecard.auto_scores["communication"] == changed
    assert scorecard.final_scores["communication"] == {"score": 4.0, "source": "override"}
    assert scorecard.final_scores["troubleshooting"] == {"score": 3.0, "source": "reviews"}
    assert scorecard.overrides_to_recheck == 1


def test_rescoring_a_finalized_attempt_leaves_its_scorecard_frozen(scored_attempt, lead):
    attempt = scored_attempt()
    services.scorecard_finalize(attempt=attempt, finalized_by=lead, without_required_reviews=True)
    frozen = Scorecard.objects.get(attempt=attempt).auto_scores

    _rescore_with_changed_auto_scores(attempt, 1 if frozen["communication"] != 1 else 5)

    assert Scorecard.objects.get(attempt=attempt).auto_scores == frozen


def test_a_recommendation_rule_reevaluates_every_scorecard_of_the_exercise(
    scored_attempt, lead, review_exercise
):
    attempts = [scored_attempt(f"r{n}@example.com") for n in range(2)]

    services.recommendation_rule_set(
        exercise=review_exercise, bands=[{"outcome": "strong_hire", "min_mean": 1, "min_each": 1}],
        otherwise="strong_no_hire", set_by=lead,
    )  # fmt: skip

    assert {Scorecard.objects.get(attempt=a).recommendation for a in attempts} == {"strong_hire"}
    with pytest.raises(DomainError, match="outcome must be one of"):
        services.recommendation_rule_set(
            exercise=review_exercise, bands=[{"outcome": "ready", "min_mean": 3, "min_each": 1}],
            otherwise="no_hire", set_by=lead,
        )  # fmt: skip


def test_staff_of_another_organisation_cannot_review_or_override(scored_attempt, outsiders):
    attempt = scored_attempt()
    _, users = outsiders

    for user in users.values():
        with pytest.raises(NotAllowed):
            services.review_submit(attempt=attempt, reviewer=user, scores={"communication": 3})
        with pytest.raises(NotAllowed):
            services.override_create(
                attempt=attempt,
                dimension="communication",
                score=3,
                reason_code="other",
                justification="x",
                author=user,
            )
