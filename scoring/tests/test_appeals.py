"""Appeals: once per attempt, to a reviewer's queue, ending in an override or a recorded "upheld"."""

import pytest

from scoring import appeals, services
from scoring.models import Appeal, AppealStatus, Override, Scorecard
from simulator import services as simulator_services
from simulator.errors import DomainError
from simulator.models import AuditEntry
from simulator.services import NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def training_exercise(organisation):
    return simulator_services.exercise_create(
        organisation=organisation, slug="comms-drill", title="Comms drill", purpose="training",
        time_limit_minutes=20, base_seed=5151,
        items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "medium"}],
    )  # fmt: skip


def test_a_trainee_asks_once_and_a_second_request_is_refused(scored_attempt, training_exercise):
    attempt = scored_attempt("tia@example.com", exercise=training_exercise)

    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="I did give a time.")

    assert appeal.status == AppealStatus.OPEN
    assert (
        appeal.score_before == Scorecard.objects.get(attempt=attempt).final_scores["communication"]["score"]
    )
    with pytest.raises(appeals.AppealRefused, match="one request per attempt"):
        appeals.appeal_request(attempt=attempt, dimension="communication", reason="Again.")
    assert Appeal.objects.filter(attempt=attempt).count() == 1
    assert AuditEntry.objects.filter(action="appeal.requested").count() == 1


def test_a_hiring_candidate_may_ask_only_where_the_exercise_allows_it(scored_attempt, review_exercise, lead):
    attempt = scored_attempt()

    with pytest.raises(appeals.AppealsClosed):
        appeals.appeal_request(attempt=attempt, dimension="communication", reason="Please look again.")

    simulator_services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=lead)
    attempt.refresh_from_db()
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Please look again.")
    assert appeal.pk is not None


def test_only_a_lead_changes_the_exercise_setting(review_exercise, reviewer):
    with pytest.raises(NotAllowed):
        simulator_services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=reviewer)


def test_a_request_needs_a_scored_dimension_and_a_reason(scored_attempt, training_exercise):
    attempt = scored_attempt("tia@example.com", exercise=training_exercise)

    with pytest.raises(DomainError, match="dimensions this attempt was scored on: Customer communication$"):
        appeals.appeal_request(attempt=attempt, dimension="api_http", reason="x")
    with pytest.raises(DomainError, match="why"):
        appeals.appeal_request(attempt=attempt, dimension="communication", reason="   ")
    with pytest.raises(DomainError, match="under 1000"):
        appeals.appeal_request(attempt=attempt, dimension="communication", reason="x" * 1001)
    assert not Appeal.objects.exists()


def test_an_unscored_attempt_cannot_be_appealed(training_exercise, invite):
    _, token = invite(training_exercise, email="early@example.com")
    attempt, _, _ = simulator_services.attempt_start(invitation_token=token)

    with pytest.raises(appeals.AppealRefused, match="once your work has been scored"):
        appeals.appeal_request(attempt=attempt, dimension="communication", reason="Too early.")


def test_the_appeal_goes_to_a_panel_reviewer_who_has_not_reviewed_the_attempt(
    scored_attempt, review_exercise, lead, reviewer, second_reviewer
):
    simulator_services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=lead)
    attempt = scored_attempt()
    services.review_submit(attempt=attempt, reviewer=reviewer, scores={"communication": 3})

    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again please.")

    assert appeal.assigned_to == second_reviewer
    assert list(appeals.open_appeals_for(viewer=second_reviewer)) == [appeal]
    assert list(appeals.open_appeals_for(viewer=reviewer)) == []
    assert list(appeals.open_appeals_for(viewer=lead)) == [appeal]


def test_the_appeal_skips_a_reviewer_assigned_to_the_first_review(
    scored_attempt, review_exercise, lead, reviewer, second_reviewer
):
    simulator_services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=lead)
    attempt = scored_attempt()
    services.review_assign(attempt=attempt, reviewer=reviewer, assigned_by=lead)
    # The one assigned has not reviewed it yet, but the first review is theirs to do.
    assert not attempt.reviews.exists()

    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again please.")

    assert appeal.assigned_to == second_reviewer


def test_with_every_panel_reviewer_assigned_or_done_the_appeal_goes_to_the_leads(
    scored_attempt, review_exercise, lead, reviewer, second_reviewer
):
    simulator_services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=lead)
    attempt = scored_attempt()
    services.review_assign(attempt=attempt, reviewer=reviewer, assigned_by=lead)
    services.review_submit(attempt=attempt, reviewer=second_reviewer, scores={"communication": 3})

    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again please.")

    assert appeal.assigned_to is None
    assert list(appeals.open_appeals_for(viewer=reviewer)) == []
    assert list(appeals.open_appeals_for(viewer=second_reviewer)) == []
    assert list(appeals.open_appeals_for(viewer=lead)) == [appeal]


def test_a_training_appeal_without_a_panel_waits_for_the_leads(scored_attempt, training_exercise, lead):
    attempt = scored_attempt("tia@example.com", exercise=training_exercise)

    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")

    assert appeal.assigned_to is None
    assert list(appeals.open_appeals_for(viewer=lead)) == [appeal]


def test_changing_the_score_records_an_override_and_the_requester_sees_the_outcome(
    scored_attempt, training_exercise, lead
):
    attempt = scored_attempt("tia@example.com", exercise=training_exercise)
    before = Scorecard.objects.get(attempt=attempt).final_scores["communication"]["score"]
    new_score = 5 if before < 5 else 4
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="I gave the time.")

    resolved = appeals.appeal_resolve(
        appeal=appeal, outcome="changed", score=new_score, reason_code="scorer_missed_evidence",
        note="You did give the next update time; the scorer missed it.", resolver=lead,
    )  # fmt: skip

    override = Override.objects.get(attempt=attempt)
    assert resolved.override == override
    assert override.score == new_score
    assert override.justification == "Appeal: You did give the next update time; the scorer missed it."
    assert Scorecard.objects.get(attempt=attempt).final_scores["communication"] == {
        "score": float(new_score),
        "source": "override",
    }
    view = appeals.requester_view(attempt=attempt)
    assert view["can_ask"] is False
    assert view["appeal"]["status"] == "changed"
    assert view["appeal"]["score_before"] == before
    assert view["appeal"]["score_after"] == new_score
    assert view["appeal"]["note"] == "You did give the next update time; the scorer missed it."


def test_upholding_records_the_outcome_and_changes_no_score(scored_attempt, training_exercise, lead):
    attempt = scored_attempt("tia@example.com", exercise=training_exercise)
    finals = Scorecard.objects.get(attempt=attempt).final_scores
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")

    appeals.appeal_resolve(
        appeal=appeal, outcome="upheld", note="The update promises a fix time.", resolver=lead
    )

    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD
    assert appeal.resolved_by == lead and appeal.resolved_at is not None
    assert appeal.override is None
    assert not Override.objects.filter(attempt=attempt).exists()
    assert Scorecard.objects.get(attempt=attempt).final_scores == finals
    assert AuditEntry.objects.filter(action="appeal.resolved", actor=lead).count() == 1
    with pytest.raises(appeals.AppealRefused, match="answered already"):
        appeals.appeal_resolve(appeal=appeal, outcome="upheld", note="Twice.", resolver=lead)


def test_an_answer_needs_a_note_a_known_outcome_and_a_new_score(scored_attempt, training_exercise, lead):
    attempt = scored_attempt("tia@example.com", exercise=training_exercise)
    current = int(Scorecard.objects.get(attempt=attempt).final_scores["communication"]["score"])
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")

    with pytest.raises(DomainError, match="note"):
        appeals.appeal_resolve(appeal=appeal, outcome="upheld", note=" ", resolver=lead)
    with pytest.raises(DomainError, match="changed or upheld"):
        appeals.appeal_resolve(appeal=appeal, outcome="maybe", note="n", resolver=lead)
    with pytest.raises(DomainError, match="upheld instead"):
        appeals.appeal_resolve(appeal=appeal, outcome="changed", score=current, note="n", resolver=lead)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.OPEN


def test_only_the_assigned_reviewer_or_a_lead_answers(
    scored_attempt, review_exercise, lead, reviewer, second_reviewer, outsiders
):
    simulator_services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=lead)
    attempt = scored_attempt()
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")
    other = second_reviewer if appeal.assigned_to == reviewer else reviewer

    with pytest.raises(NotAllowed):
        appeals.appeal_resolve(appeal=appeal, outcome="upheld", note="n", resolver=other)
    with pytest.raises(NotAllowed):
        appeals.appeal_resolve(appeal=appeal, outcome="upheld", note="n", resolver=outsiders[1]["lead"])


def test_a_blind_reviewer_reviews_before_answering(scored_attempt, review_exercise, lead):
    simulator_services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=lead)
    attempt = scored_attempt()
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")
    assigned = appeal.assigned_to

    with pytest.raises(services.BlindReviewPending):
        appeals.appeal_resolve(appeal=appeal, outcome="upheld", note="Fine.", resolver=assigned)
    services.review_submit(attempt=attempt, reviewer=assigned, scores={"communication": 3})
    appeals.appeal_resolve(appeal=appeal, outcome="upheld", note="Fine.", resolver=assigned)

    appeal.refresh_from_db()
    final = Scorecard.objects.get(attempt=attempt).final_scores["communication"]["score"]
    # Recorded against the score when answered: "upheld" only if the review left it where it was.
    assert appeal.score_at_answer == final
    assert appeal.status == (AppealStatus.UPHELD if final == appeal.score_before else AppealStatus.CHANGED)


def test_keeping_a_score_that_a_first_review_moved_is_recorded_as_changed_not_upheld(
    scored_attempt, training_exercise, lead
):
    attempt = scored_attempt("tia@example.com", exercise=training_exercise)
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")
    moved = 2 if appeal.score_before != 2 else 3
    # The first review arrives after the request and moves the final score.
    services.review_submit(attempt=attempt, reviewer=lead, scores={"communication": moved})
    assert Scorecard.objects.get(attempt=attempt).final_scores["communication"]["score"] == moved

    appeals.appeal_resolve(appeal=appeal, outcome="upheld", note="The reviewed score stands.", resolver=lead)

    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CHANGED
    assert appeal.override is None and appeal.score_at_answer == moved
    view = appeals.requester_view(attempt=attempt)["appeal"]
    assert view["status_label"] == "Score changed"
    assert (view["score_before"], view["score_after"]) == (appeal.score_before, moved)
    entry = AuditEntry.objects.get(action="appeal.resolved")
    assert entry.after["status"] == "changed" and entry.after["score"] == moved


def test_a_finalized_scorecard_can_be_upheld_but_changing_it_needs_a_reopen(
    scored_attempt, training_exercise, lead
):
    attempt = scored_attempt("tia@example.com", exercise=training_exercise)
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")
    services.scorecard_finalize(attempt=attempt, finalized_by=lead)

    with pytest.raises(services.ScorecardFrozen):
        appeals.appeal_resolve(appeal=appeal, outcome="changed", score=1 if appeal.score_before > 1 else 2,
                               note="n", resolver=lead)  # fmt: skip
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.OPEN and not Override.objects.exists()
    appeals.appeal_resolve(appeal=appeal, outcome="upheld", note="It stands.", resolver=lead)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD


def test_a_hiring_candidate_sees_the_outcome_without_any_score(scored_attempt, review_exercise, lead):
    simulator_services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=lead)
    attempt = scored_attempt()
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")
    appeals.appeal_resolve(appeal=appeal, outcome="changed", score=1 if appeal.score_before > 1 else 2,
                           note="Looked again.", resolver=lead)  # fmt: skip

    view = appeals.requester_view(attempt=attempt)

    assert view["appeal"]["status"] == "changed"
    assert view["appeal"]["score_before"] is None
    assert view["appeal"]["score_after"] is None


# The requester is told ---------------------------------------------------------------------------


def test_the_requester_is_emailed_once_when_their_appeal_is_answered(
    eager, scored_attempt, training_exercise, lead, mailoutbox, django_capture_on_commit_callbacks
):
    from simulator import notifications

    attempt = scored_attempt("tia@example.com", exercise=training_exercise)
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")
    assert mailoutbox == []  # asking sends nothing

    with django_capture_on_commit_callbacks(execute=True):
        appeals.appeal_resolve(
            appeal=appeal, outcome="upheld", note="The update promises a fix time.", resolver=lead
        )

    [message] = mailoutbox
    assert (
        message.to == ["tia@example.com"] and message.subject == "Your appeal has been answered: Comms drill"
    )
    body = message.body
    assert "http://" in body and "/take/" in body  # their own link, where the answer is
    assert "promises a fix time" not in body and "upheld" not in body.lower()  # the answer stays on the site
    assert notifications.appeal_answered_notify(appeal_id=appeal.pk) is False  # a second run sends nothing
    assert len(mailoutbox) == 1


def test_no_email_when_the_organisation_switched_it_off(
    scored_attempt, training_exercise, lead, organisation, mailoutbox, django_capture_on_commit_callbacks
):
    from simulator import notifications

    notifications.notification_settings_update(
        organisation=organisation, updated_by=lead, invitation_emails=True, invitation_reminders=True,
        reminder_hours_before=24, feedback_ready_emails=True, review_digest=True, appeal_answered_emails=False,
    )  # fmt: skip
    attempt = scored_attempt("tia@example.com", exercise=training_exercise)
    appeal = appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")

    with django_capture_on_commit_callbacks(execute=True):
        appeals.appeal_resolve(appeal=appeal, outcome="upheld", note="It stands.", resolver=lead)

    assert mailoutbox == []
    # Leaving the switch out of an update keeps it as it is.
    notifications.notification_settings_update(
        organisation=organisation, updated_by=lead, invitation_emails=True, invitation_reminders=True,
        reminder_hours_before=24, feedback_ready_emails=True, review_digest=True,
    )  # fmt: skip
    assert notifications.settings_for(organisation.pk).appeal_answered_emails is False
