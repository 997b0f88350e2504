"""The staff pages of the scoring side: the attempt review page (blind review, claims, reviews,
overrides, finalize/reopen), the printable scorecard, the exercises index and the comparison (sort,
filter, CSV), each scoped to the caller."""

import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from scoring import services as scoring_services
from scoring.models import Override, Review, ReviewClaim
from scoring.staff_selectors import csv_safe
from simulator import services
from simulator.models import Participant

pytestmark = pytest.mark.django_db


def page(public_id: str) -> str:
    return reverse("staff-attempt", args=[public_id])


def submit_review(client, attempt, scores: dict, notes: str = ""):
    data = {f"score-{dimension}": str(score) for dimension, score in scores.items()}
    return client.post(reverse("staff-attempt-review", args=[attempt.public_id]), {**data, "notes": notes})


def dimensions_of(attempt) -> list[str]:
    attempt.scorecard.refresh_from_db()
    return list(attempt.scorecard.auto_scores)


def override(
    client, attempt, dimension: str, score: int, justification="The reply names the cause.", **extra
):
    data = {"dimension": dimension, "score": str(score), "reason_code": "scorer_missed_evidence"}
    return client.post(
        reverse("staff-attempt-override", args=[attempt.public_id]),
        {**data, "justification": justification, **extra},
    )


def auto_check_explanations(attempt) -> list[str]:
    from scoring.models import DimensionScore

    return [
        check["explanation"]
        for d in DimensionScore.objects.filter(item_score__score_set__attempt=attempt)
        for check in d.checks
        if len(check.get("explanation", "")) > 30
    ]


# Reviews ------------------------------------------------------------------------------------------


def test_a_reviewer_submits_their_scores_and_notes_from_the_review_page(client, scored_attempt, reviewer):
    attempt = scored_attempt()
    client.force_login(reviewer)
    assert client.get(page(attempt.public_id)).status_code == 200
    scores = {dimension: 4 for dimension in dimensions_of(attempt)}

    response = submit_review(client, attempt, scores, notes="Clear and careful.")

    assert response.status_code == 302
    review = Review.objects.get(attempt=attempt, reviewer=reviewer)
    assert review.scores == scores
    assert review.notes == "Clear and careful."
    assert not ReviewClaim.objects.filter(attempt=attempt).exists()


def test_a_review_without_any_score_is_refused_on_the_page(client, scored_attempt, reviewer):
    attempt = scored_attempt()
    client.force_login(reviewer)

    response = submit_review(client, attempt, {})

    assert response.status_code == 400
    assert "Score at least one dimension" in response.content.decode()
    assert not Review.objects.exists()


def test_a_blind_reviewer_sees_no_auto_score_other_reviews_overrides_or_names_until_they_submit(
    client, scored_attempt, reviewer, second_reviewer, lead
):
    attempt = scored_attempt(email="casey.jones@example.com")
    first = dimensions_of(attempt)[0]
    second_reviewer.first_name, second_reviewer.last_name = "Zebedee", "Quarrington"
    second_reviewer.save()
    scoring_services.review_submit(
        attempt=attempt, reviewer=second_reviewer, scores={first: 2}, notes="SECOND-REVIEWER-NOTE"
    )
    scoring_services.override_create(
        attempt=attempt, dimension=first, score=5, reason_code="other",
        justification="LEAD-OVERRIDE-JUSTIFICATION", author=lead,
    )  # fmt: skip
    client.force_login(reviewer)

    html = client.get(page(attempt.public_id)).content.decode()

    hidden = ["Casey.Jones", "casey.jones@example.com", "SECOND-REVIEWER-NOTE", "LEAD-OVERRIDE-JUSTIFICATION",
              "Zebedee", "data-worked-answer", "data-part-scoring", "Auto-score", "data-final-score"]  # fmt: skip
    assert [text for text in hidden if text in html] == []
    assert [text for text in auto_check_explanations(attempt) if text in html] == []
    assert "Blind review" in html

    submit_review(client, attempt, {first: 3})
    html = client.get(page(attempt.public_id)).content.decode()
    for text in ["Casey.Jones", "SECOND-REVIEWER-NOTE", "LEAD-OVERRIDE-JUSTIFICATION", "data-worked-answer"]:
        assert text in html


def test_a_lead_sees_everything_without_reviewing(client, scored_attempt, lead):
    attempt = scored_attempt(email="casey.jones@example.com")
    client.force_login(lead)

    html = client.get(page(attempt.public_id)).content.decode()

    assert "Casey.Jones" in html
    assert "data-worked-answer" in html
    assert "Blind review" not in html
    assert not ReviewClaim.objects.exists(), "a lead adjudicates; opening the page claims nothing"


def test_the_review_page_shows_the_final_answer_and_a_diff_between_revisions(client, scored_attempt, lead):
    attempt = scored_attempt()
    item = attempt.items.get(kind="customer_comms")
    # A hand-made later revision: the page diffs it against the one before.
    from simulator.models import ResponseRevision

    ResponseRevision.objects.create(
        item=item, version=2, answer={"update": "We found the cause: an expired certificate."},
        saved_at=attempt.submitted_at,
    )  # fmt: skip
    client.force_login(lead)

    html = client.get(page(attempt.public_id) + f"?item={item.public_id}&from=1&to=2").content.decode()

    assert "<del>" in html and "<ins>" in html
    assert "certificate" in html
    assert "Removed" in html and "Added" in html


# Claims -------------------------------------------------------------------------------------------


def test_opening_the_page_claims_the_attempt_and_a_second_reviewer_sees_who_and_cannot_submit(
    client, scored_attempt, reviewer, second_reviewer
):
    attempt = scored_attempt()
    client.force_login(reviewer)
    client.get(page(attempt.public_id))
    assert ReviewClaim.objects.get(attempt=attempt).reviewer == reviewer

    client.force_login(second_reviewer)
    html = client.get(page(attempt.public_id)).content.decode()
    assert 'data-claim="other"' in html
    assert f"<strong>{reviewer.username}</strong> is reviewing this attempt until" in html
    assert re.search(r'<fieldset class="levels" disabled>', html)
    response = submit_review(client, attempt, {dimensions_of(attempt)[0]: 4})

    assert response.status_code == 400
    assert "is reviewing this attempt until" in response.content.decode()
    assert not Review.objects.exists()
    assert ReviewClaim.objects.get(attempt=attempt).reviewer == reviewer


# Overrides ----------------------------------------------------------------------------------------


def test_an_override_needs_a_justification_and_the_form_says_so(client, scored_attempt, lead):
    attempt = scored_attempt()
    dimension = dimensions_of(attempt)[0]
    client.force_login(lead)

    response = override(client, attempt, dimension, 4, justification="   ")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Say why the score should change." in html
    assert 'aria-invalid="true"' in html
    assert not Override.objects.exists()


def test_an_override_needs_a_reason_code(client, scored_attempt, lead):
    attempt = scored_attempt()
    client.force_login(lead)

    response = override(client, attempt, dimensions_of(attempt)[0], 4, reason_code="")

    assert response.status_code == 400
    assert "Choose a reason." in response.content.decode()
    assert not Override.objects.exists()


def test_an_override_with_a_reason_is_recorded_and_shown_in_the_trail(client, scored_attempt, reviewer):
    attempt = scored_attempt()
    dimension = dimensions_of(attempt)[0]
    client.force_login(reviewer)
    submit_review(client, attempt, {dimension: 2})

    response = override(client, attempt, dimension, 5, justification="Quoted the right log line.")

    assert response.status_code == 302
    recorded = Override.objects.get(attempt=attempt)
    assert (recorded.score, recorded.reason_code, recorded.author) == (5, "scorer_missed_evidence", reviewer)
    html = client.get(page(attempt.public_id)).content.decode()
    assert "Quoted the right log line." in html
    assert "The scorer missed evidence" in html
    assert "overridden" in html


def test_a_blind_reviewer_cannot_override_before_reviewing(client, scored_attempt, reviewer):
    attempt = scored_attempt()
    client.force_login(reviewer)

    assert "Override this score" not in client.get(page(attempt.public_id)).content.decode()


def test_a_revert_is_recorded_with_its_justification(client, scored_attempt, lead):
    attempt = scored_attempt()
    dimension = dimensions_of(attempt)[0]
    client.force_login(lead)
    override(client, attempt, dimension, 5)
    standing = Override.objects.get()
    url = reverse("staff-attempt-override-revert", args=[attempt.public_id, standing.pk])

    refused = client.post(url, {"justification": ""})
    assert refused.status_code == 400
    assert "Say why the override should go." in refused.content.decode()

    assert client.post(url, {"justification": "Scorer was right after all."}).status_code == 302
    revert = Override.objects.get(reverts=standing)
    assert (revert.action, revert.justification, revert.author) == (
        "revert",
        "Scorer was right after all.",
        lead,
    )
    attempt.scorecard.refresh_from_db()
    assert attempt.scorecard.final_scores[dimension]["source"] == "auto"


# Finalize and reopen ------------------------------------------------------------------------------


def test_only_a_lead_finalizes_and_reopens_and_a_reopen_needs_a_reason(
    client, scored_attempt, reviewer, lead
):
    attempt = scored_attempt()
    finalize = reverse("staff-attempt-finalize", args=[attempt.public_id])
    reopen = reverse("staff-attempt-reopen", args=[attempt.public_id])
    client.force_login(reviewer)
    assert client.post(finalize).status_code == 404
    assert "Finalize the scorecard" not in client.get(page(attempt.public_id)).content.decode()

    client.force_login(lead)
    missing = client.post(finalize)
    assert missing.status_code == 400 and "0 of the 1 required human reviews" in missing.content.decode()
    assert client.post(finalize, {"without_required_reviews": "yes"}).status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == "finalized"
    assert "This scorecard is finalized" in client.get(page(attempt.public_id)).content.decode()

    client.force_login(reviewer)
    assert client.post(reopen, {"reason": "x"}).status_code == 404
    client.force_login(lead)
    refused = client.post(reopen, {"reason": " "})
    assert refused.status_code == 400
    assert "Say why the scorecard is reopened." in refused.content.decode()
    assert client.post(reopen, {"reason": "A reviewer found a missed answer."}).status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == "scored"


def test_a_lead_assigns_a_reviewer_of_the_panel(client, scored_attempt, lead, second_reviewer):
    from scoring.models import ReviewAssignment

    attempt = scored_attempt()
    client.force_login(lead)
    response = client.post(
        reverse("staff-attempt-assign", args=[attempt.public_id]), {"reviewer": second_reviewer.pk}
    )

    assert response.status_code == 302
    assert ReviewAssignment.objects.filter(attempt=attempt, reviewer=second_reviewer).exists()


# The scorecard ------------------------------------------------------------------------------------


def test_the_scorecard_shows_sources_the_recommendation_and_its_rule(client, scored_attempt, lead):
    attempt = scored_attempt()
    dimension = dimensions_of(attempt)[0]
    scoring_services.override_create(
        attempt=attempt, dimension=dimension, score=5, reason_code="other", justification="Seen in the logs.",
        author=lead,
    )  # fmt: skip
    client.force_login(lead)

    html = client.get(reverse("staff-scorecard", args=[attempt.public_id])).content.decode()

    assert "data-recommendation" in html
    assert "Rule that produced it" in html
    assert "Override" in html and "Auto-score" in html
    assert "Seen in the logs." in html
    assert "not finalized" in html


def test_the_scorecard_stays_hidden_from_a_blind_reviewer(client, scored_attempt, reviewer):
    attempt = scored_attempt(email="casey.jones@example.com")
    client.force_login(reviewer)

    html = client.get(reverse("staff-scorecard", args=[attempt.public_id])).content.decode()

    assert "hidden until you review" in html
    assert "Casey.Jones" not in html and "data-recommendation" not in html


# The comparison -----------------------------------------------------------------------------------


@pytest.fixture
def compared(scored_attempt, lead):
    """Three scored attempts whose first dimension is overridden to 2, 5 and 3."""
    attempts = [scored_attempt(email=f"p{n}@example.com") for n in range(3)]
    dimension = dimensions_of(attempts[0])[0]
    for attempt, score in zip(attempts, (2, 5, 3), strict=True):
        scoring_services.override_create(
            attempt=attempt, dimension=dimension, score=score, reason_code="other", justification="Because.",
            author=lead,
        )  # fmt: skip
    return attempts, dimension


def compare_url(exercise) -> str:
    return reverse("staff-compare", args=[exercise.pk])


def shown_order(html: str) -> list[str]:
    return re.findall(r'<tr data-attempt="([^"]+)"', html)


def test_the_comparison_sorts_by_a_dimension_and_marks_overridden_cells(
    client, compared, lead, review_exercise
):
    attempts, dimension = compared
    client.force_login(lead)

    html = client.get(compare_url(review_exercise), {"sort": f"-{dimension}"}).content.decode()
    assert shown_order(html) == [attempts[1].public_id, attempts[2].public_id, attempts[0].public_id]
    assert html.count("cell-score is-overridden") == 3
    assert "(overridden)" in html

    html = client.get(compare_url(review_exercise), {"sort": dimension}).content.decode()
    assert shown_order(html) == [attempts[0].public_id, attempts[2].public_id, attempts[1].public_id]


def test_the_comparison_filters_by_status_and_needs_review(client, compared, lead, review_exercise):
    attempts, _ = compared
    scoring_services.scorecard_finalize(attempt=attempts[0], finalized_by=lead, without_required_reviews=True)
    client.force_login(lead)

    html = client.get(compare_url(review_exercise), {"status": "finalized"}).content.decode()
    assert shown_order(html) == [attempts[0].public_id]
    html = client.get(compare_url(review_exercise), {"needs_review": "no"}).content.decode()
    assert shown_order(html) == []
    html = client.get(
        compare_url(review_exercise), {"adjudication": "no", "sort": "participant"}
    ).content.decode()
    assert shown_order(html) == [a.public_id for a in attempts]


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_has_the_rows_shown_in_the_order_shown(client, compared, lead, review_exercise):
    attempts, dimension = compared
    client.force_login(lead)
    params = {"sort": f"-{dimension}", "status": "scored"}

    html = client.get(compare_url(review_exercise), params).content.decode()
    response = client.get(compare_url(review_exercise), {**params, "format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    # An id that starts with "-" is quoted against formulas like any other cell.
    assert [row[0] for row in rows[1:]] == [csv_safe(public_id) for public_id in shown_order(html)]
    column = rows[0].index("Troubleshooting methodology") if dimension == "troubleshooting" else None
    if column is not None:
        assert [row[column] for row in rows[1:]] == ["5", "3", "2"]


def test_the_csv_neutralises_formulas_in_every_text_cell(client, compared, lead, review_exercise):
    attempts, _ = compared
    for attempt, name in zip(attempts, ("=HYPERLINK(1)", "+SUM(A1)", "@cmd"), strict=True):
        Participant.objects.filter(pk=attempt.participant_id).update(name=name)
    Participant.objects.filter(pk=attempts[0].participant_id).update(name="-2+3")
    client.force_login(lead)

    rows = read_csv(client.get(compare_url(review_exercise), {"format": "csv", "sort": "participant"}))

    names = sorted(row[1] for row in rows[1:])
    assert names == sorted(["'-2+3", "'+SUM(A1)", "'@cmd"])
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_recommendation_rule_form_saves_a_rule_and_explains_a_bad_one(
    client, compared, lead, review_exercise
):
    client.force_login(lead)
    url = reverse("staff-exercise-rule", args=[review_exercise.pk])

    bad = client.post(url, {"band-1-outcome": "hire", "band-1-min_mean": "abc", "band-1-min_each": "2",
                            "otherwise": "no_hire"})  # fmt: skip
    assert bad.status_code == 400
    assert "Band 1: the lowest mean must be a number from 1 to 5." in bad.content.decode()
    worse = client.post(url, {"band-1-outcome": "ready", "band-1-min_mean": "3", "band-1-min_each": "2",
                              "otherwise": "no_hire"})  # fmt: skip
    assert worse.status_code == 400
    assert "outcome must be one of" in worse.content.decode()

    good = client.post(url, {"band-1-outcome": "hire", "band-1-min_mean": "1", "band-1-min_each": "1",
                             "otherwise": "no_hire"})  # fmt: skip
    assert good.status_code == 302
    assert review_exercise.recommendation_rule.bands == [
        {"outcome": "hire", "min_mean": 1.0, "min_each": 1.0}
    ]


def test_the_exercises_index_links_leads_to_the_comparison(client, review_exercise, lead, reviewer):
    client.force_login(lead)
    assert compare_url(review_exercise) in client.get(reverse("staff-exercises")).content.decode()
    client.force_login(reviewer)
    assert compare_url(review_exercise) not in client.get(reverse("staff-exercises")).content.decode()


# Who may see what ---------------------------------------------------------------------------------

GET_ROUTES = ["staff-attempt", "staff-scorecard"]
POST_ROUTES = ["staff-attempt-review", "staff-attempt-release", "staff-attempt-override", "staff-attempt-assign",
               "staff-attempt-finalize", "staff-attempt-reopen"]  # fmt: skip


def every_url(attempt, exercise) -> list[tuple[str, str]]:
    urls = [("get", reverse(name, args=[attempt.public_id])) for name in GET_ROUTES]
    urls += [("post", reverse(name, args=[attempt.public_id])) for name in POST_ROUTES]
    urls += [("post", reverse("staff-attempt-override-revert", args=[attempt.public_id, 1]))]
    urls += [("get", reverse("staff-compare", args=[exercise.pk])), ("get", reverse("staff-exercises"))]
    urls += [("post", reverse("staff-exercise-rule", args=[exercise.pk]))]
    return urls


def test_every_route_sends_an_anonymous_caller_to_the_login_page(client, scored_attempt, review_exercise):
    attempt = scored_attempt()
    for method, url in every_url(attempt, review_exercise):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/staff/login/"), url


def test_a_reviewer_of_another_panel_and_a_lead_of_another_organisation_get_404(
    client, scored_attempt, review_exercise, organisation, outsiders
):
    attempt = scored_attempt()
    stranger = get_user_model().objects.create_user(username="pat", password="pat-password-123")
    services.member_add(organisation=organisation, user=stranger, role="reviewer")
    _, other = outsiders
    for user in (stranger, other["lead"], other["reviewer"]):
        client.force_login(user)
        for method, url in every_url(attempt, review_exercise):
            if url == reverse("staff-exercises"):
                continue
            assert getattr(client, method)(url).status_code == 404, (user.username, url)


def test_a_reviewer_cannot_reach_the_comparison(client, review_exercise, reviewer):
    client.force_login(reviewer)
    assert client.get(compare_url(review_exercise)).status_code == 404
    assert client.get(compare_url(review_exercise), {"format": "csv"}).status_code == 404


# Query counts -------------------------------------------------------------------------------------


def test_the_review_page_runs_a_fixed_number_of_queries(
    client, scored_attempt, lead, reviewer, django_assert_num_queries
):
    attempt = scored_attempt()
    client.force_login(lead)
    client.get(page(attempt.public_id))
    with django_assert_num_queries(25):  # 24 + the attempt's appeal
        client.get(page(attempt.public_id))


def test_the_scorecard_page_runs_a_fixed_number_of_queries(
    client, scored_attempt, lead, django_assert_num_queries
):
    attempt = scored_attempt()
    client.force_login(lead)
    with django_assert_num_queries(13):
        client.get(reverse("staff-scorecard", args=[attempt.public_id]))


def test_the_comparison_runs_the_same_queries_whatever_the_number_of_attempts(
    client, scored_attempt, lead, review_exercise, django_assert_num_queries
):
    scored_attempt(email="one@example.com")
    client.force_login(lead)
    with django_assert_num_queries(8):
        client.get(compare_url(review_exercise))
    for n in range(3):
        scored_attempt(email=f"more{n}@example.com")
    with django_assert_num_queries(8):
        client.get(compare_url(review_exercise))
    with django_assert_num_queries(5):
        b"".join(client.get(compare_url(review_exercise), {"format": "csv"}).streaming_content)
