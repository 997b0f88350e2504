"""The staff API of reviews and scorecards: blind review, overrides, finalize, export, and who may
reach what (everything outside the caller's scope is a 404)."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from scoring import services as scoring_services
from scoring.models import Override
from scoring.staff_selectors import csv_safe
from simulator import services

pytestmark = pytest.mark.django_db


def client_for(user=None, bearer=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    if bearer is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {bearer}")
    return client


@pytest.fixture
def off_panel_reviewer(organisation):
    """A reviewer of the same organisation who sits on no panel of the exercise."""
    user = get_user_model().objects.create_user(username="otto", password="reviewer-password-000")
    services.member_add(organisation=organisation, user=user, role="reviewer")
    return user


def test_a_reviewer_sees_neither_auto_scores_nor_names_until_they_submit(
    scored_attempt, reviewer, second_reviewer
):
    attempt = scored_attempt()
    scoring_services.review_submit(attempt=attempt, reviewer=second_reviewer, scores={"communication": 4})
    client = client_for(reviewer)

    blind = client.get(f"/api/v1/attempts/{attempt.public_id}/scorecard/").json()

    assert blind["blind"] is True
    assert blind["participant"].startswith("P-") and "Casey" not in blind["participant"]
    assert all(d["auto_score"] is None and d["score"] is None for d in blind["dimensions"])
    assert all(d["reviews"] == [] and d["overrides"] == [] for d in blind["dimensions"])
    assert blind["reviews"] == [] and blind["recommendation"] is None
    scores = client.get(f"/api/v1/attempts/{attempt.public_id}/scores/")
    assert scores.status_code == 403 and scores.json()["error"] == "blind_review"

    submitted = client.post(
        f"/api/v1/attempts/{attempt.public_id}/reviews/",
        {"scores": {"communication": 2}, "notes": "Thin on next steps."},
        format="json",
    )

    assert submitted.status_code == 201
    seen = submitted.json()
    assert seen["blind"] is False and seen["participant"] == "Casey"
    communication = next(d for d in seen["dimensions"] if d["dimension"] == "communication")
    assert sorted(r["score"] for r in communication["reviews"]) == [2, 4]
    assert communication["auto_score"] is not None
    assert client.get(f"/api/v1/attempts/{attempt.public_id}/scores/").status_code == 200


def test_a_lead_always_sees_everything(scored_attempt, lead):
    attempt = scored_attempt()

    card = client_for(lead).get(f"/api/v1/attempts/{attempt.public_id}/scorecard/").json()

    assert card["blind"] is False and card["participant"] == "Casey"
    assert all(d["source"] == "auto" and d["auto_score"] is not None for d in card["dimensions"])
    assert card["recommendation"]["rule"][-1].startswith("otherwise")


def test_an_override_through_the_api_requires_reason_and_justification_and_can_be_reverted(
    scored_attempt, lead
):
    attempt = scored_attempt()
    client = client_for(lead)
    url = f"/api/v1/attempts/{attempt.public_id}/overrides/"

    missing = client.post(
        url, {"dimension": "communication", "score": 1, "reason_code": "other"}, format="json"
    )
    empty = client.post(
        url,
        {"dimension": "communication", "score": 1, "reason_code": "other", "justification": "  "},
        format="json",
    )
    unknown = client.post(
        url,
        {"dimension": "communication", "score": 1, "reason_code": "vibes", "justification": "x"},
        format="json",
    )
    made = client.post(
        url,
        {
            "dimension": "communication",
            "score": 1,
            "reason_code": "scorer_credited_keywords",
            "justification": "Stuffed.",
        },
        format="json",
    )

    assert [missing.status_code, empty.status_code, unknown.status_code] == [400, 400, 400]
    assert "justification" in missing.json()["detail"]
    assert made.status_code == 201 and made.json()["score"] == 1
    card = client.get(f"/api/v1/attempts/{attempt.public_id}/scorecard/").json()
    communication = next(d for d in card["dimensions"] if d["dimension"] == "communication")
    assert communication == {**communication, "score": 1.0, "source": "override"}

    reverted = client.post(
        f"/api/v1/overrides/{made.json()['id']}/revert/", {"justification": "Misread."}, format="json"
    )

    assert reverted.status_code == 201 and reverted.json()["action"] == "revert"
    card = client.get(f"/api/v1/attempts/{attempt.public_id}/scorecard/").json()
    communication = next(d for d in card["dimensions"] if d["dimension"] == "communication")
    assert communication["source"] == "auto" and len(communication["overrides"]) == 2


def test_finalize_and_reopen_are_for_leads_and_a_finalized_scorecard_refuses_changes(
    scored_attempt, lead, reviewer
):
    attempt = scored_attempt()
    base = f"/api/v1/attempts/{attempt.public_id}"

    assert client_for(reviewer).post(f"{base}/finalize/").status_code == 404
    missing = client_for(lead).post(f"{base}/finalize/")
    assert missing.status_code == 409 and "0 of the 1 required human reviews" in missing.json()["detail"]
    assert (
        client_for(lead)
        .post(f"{base}/finalize/", {"without_required_reviews": True}, format="json")
        .status_code
        == 200
    )
    refused = client_for(reviewer).post(f"{base}/reviews/", {"scores": {"communication": 3}}, format="json")
    assert refused.status_code == 409 and refused.json()["error"] == "scorecard_finalized"
    assert client_for(lead).post(f"{base}/reopen/", {"reason": ""}, format="json").status_code == 400
    reopened = client_for(lead).post(f"{base}/reopen/", {"reason": "Appeal upheld."}, format="json")
    assert reopened.status_code == 200 and reopened.json()["status"] == "scored"


def test_a_second_reviewer_gets_409_while_the_attempt_is_claimed(scored_attempt, reviewer, second_reviewer):
    attempt = scored_attempt()
    assert client_for(reviewer).post(f"/api/v1/attempts/{attempt.public_id}/claim/").status_code == 200

    response = client_for(second_reviewer).post(f"/api/v1/attempts/{attempt.public_id}/claim/")

    assert response.status_code == 409 and "rui is reviewing" in response.json()["detail"]


def test_the_answers_endpoint_gives_final_answers_and_every_revision(scored_attempt, reviewer):
    attempt = scored_attempt()

    items = client_for(reviewer).get(f"/api/v1/attempts/{attempt.public_id}/answers/").json()

    comms = next(item for item in items if item["kind"] == "customer_comms")
    assert comms["answer"]["update"].startswith("We are investigating")
    assert [r["version"] for r in comms["revisions"]] == [1]


def test_a_blind_reviewer_can_neither_override_nor_revert_before_their_review(scored_attempt, lead, reviewer):
    attempt = scored_attempt()
    made = client_for(lead).post(
        f"/api/v1/attempts/{attempt.public_id}/overrides/",
        {"dimension": "communication", "score": 2, "reason_code": "other", "justification": "Lead's call."},
        format="json",
    )
    client = client_for(reviewer)

    override = client.post(
        f"/api/v1/attempts/{attempt.public_id}/overrides/",
        {"dimension": "communication", "score": 4, "reason_code": "other", "justification": "x"},
        format="json",
    )
    revert = client.post(
        f"/api/v1/overrides/{made.json()['id']}/revert/", {"justification": "x"}, format="json"
    )

    for response in (override, revert):
        assert response.status_code == 403 and response.json()["error"] == "blind_review"
        assert "auto_score" not in response.content.decode()
    assert Override.objects.filter(attempt=attempt).count() == 1


def test_an_override_waits_for_another_reviewers_claim(scored_attempt, reviewer, second_reviewer):
    attempt = scored_attempt()
    attempt.exercise.blind_review = False
    attempt.exercise.save()
    scoring_services.review_claim(attempt=attempt, reviewer=reviewer)

    response = client_for(second_reviewer).post(
        f"/api/v1/attempts/{attempt.public_id}/overrides/",
        {"dimension": "communication", "score": 4, "reason_code": "other", "justification": "x"},
        format="json",
    )

    assert response.status_code == 409 and response.json()["error"] == "claimed_by_another_reviewer"


def test_a_refused_csv_export_is_a_json_error(lead, reviewer, review_exercise):
    missing = client_for(lead).get("/api/v1/exercises/999999/scorecards/?format=csv")
    refused = client_for(reviewer).get(f"/api/v1/exercises/{review_exercise.pk}/scorecards/?format=csv")

    for response in (missing, refused):
        assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
        assert response.json()["error"]


def test_the_csv_export_has_every_scorecard_and_neutralises_formulas(scored_attempt, lead, review_exercise):
    scored_attempt("ann@example.com")
    hostile = scored_attempt("eve@example.com")
    hostile.participant.name = '=HYPERLINK("http://evil","x")'
    hostile.participant.save()
    scored_attempt("bob@example.com")

    response = client_for(lead).get(
        f"/api/v1/exercises/{review_exercise.pk}/scorecards/?format=csv&sort=participant"
    )

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["attempt", "participant", "email", "status", "submitted_at"]
    assert len(rows) == 4
    names = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil","x")' in names
    page = client_for(lead).get(f"/api/v1/exercises/{review_exercise.pk}/scorecards/?sort=participant").json()
    assert page["count"] == 3
    assert [csv_safe(r["attempt_id"]) for r in page["results"]] == [row[0] for row in rows[1:]]


def test_the_json_export_is_paginated_and_bounds_are_checked(scored_attempt, lead, review_exercise):
    for n in range(3):
        scored_attempt(f"p{n}@example.com")
    client = client_for(lead)

    page = client.get(f"/api/v1/exercises/{review_exercise.pk}/scorecards/?limit=2&offset=2").json()

    assert page["count"] == 3 and len(page["results"]) == 1
    assert client.get(f"/api/v1/exercises/{review_exercise.pk}/scorecards/?limit=0").status_code == 400
    assert client.get(f"/api/v1/exercises/{review_exercise.pk}/scorecards/?limit=x").status_code == 400


def test_the_export_keeps_a_pinned_number_of_queries_whatever_the_rows(
    scored_attempt, lead, review_exercise, django_assert_max_num_queries
):
    for n in range(6):
        scored_attempt(f"q{n}@example.com")
    client = client_for(lead)

    with django_assert_max_num_queries(6):
        assert client.get(f"/api/v1/exercises/{review_exercise.pk}/scorecards/").status_code == 200
    with django_assert_max_num_queries(7):
        response = client.get(f"/api/v1/exercises/{review_exercise.pk}/scorecards/?format=csv")
        b"".join(response.streaming_content)


def test_the_scorecard_keeps_a_pinned_number_of_queries(scored_attempt, lead, django_assert_max_num_queries):
    attempt = scored_attempt()

    with django_assert_max_num_queries(16):
        assert client_for(lead).get(f"/api/v1/attempts/{attempt.public_id}/scorecard/").status_code == 200


def test_the_recommendation_rule_is_set_by_leads_only(review_exercise, lead, reviewer):
    url = f"/api/v1/exercises/{review_exercise.pk}/recommendation-rule/"
    rule = {"bands": [{"outcome": "hire", "min_mean": 3, "min_each": 2}], "otherwise": "no_hire"}

    assert client_for(reviewer).put(url, rule, format="json").status_code == 404
    response = client_for(lead).put(url, rule, format="json")

    assert response.status_code == 200
    assert response.json()["text"] == ["Hire if the mean ≥ 3 and no dimension below 2", "otherwise No hire"]
    bad = client_for(lead).put(
        url,
        {"bands": [{"outcome": "ready", "min_mean": 3, "min_each": 2}], "otherwise": "no_hire"},
        format="json",
    )
    assert bad.status_code == 400


def _routes(attempt, exercise, override):
    a = f"/api/v1/attempts/{attempt.public_id}"
    return [
        ("get", f"{a}/answers/", None),
        ("get", f"{a}/scorecard/", None),
        ("get", f"{a}/scores/", None),
        ("post", f"{a}/claim/", None),
        ("post", f"{a}/reviews/", {"scores": {"communication": 3}}),
        (
            "post",
            f"{a}/overrides/",
            {"dimension": "communication", "score": 3, "reason_code": "other", "justification": "x"},
        ),
        ("post", f"/api/v1/overrides/{override.pk}/revert/", {"justification": "x"}),
        ("post", f"{a}/finalize/", None),
        ("post", f"{a}/reopen/", {"reason": "x"}),
        ("get", f"/api/v1/exercises/{exercise.pk}/scorecards/", None),
        ("get", f"/api/v1/exercises/{exercise.pk}/scorecards/?format=csv", None),
        ("put", f"/api/v1/exercises/{exercise.pk}/recommendation-rule/", {"bands": [], "otherwise": "hire"}),
        ("get", f"/api/v1/exercises/{exercise.pk}/adverse-impact/", None),
        ("get", f"/api/v1/exercises/{exercise.pk}/calibration/", None),
        ("get", f"/api/v1/items/statistics/?exercise={exercise.pk}", None),
        (
            "post",
            f"/api/v1/exercises/{exercise.pk}/items/retire/",
            {"kind": "triage_queue", "archetype": "x", "difficulty": "medium", "reason": "x"},
        ),
    ]


@pytest.mark.parametrize(
    "who", ["anonymous", "participant", "off_panel_reviewer", "other_lead", "other_reviewer"]
)
def test_every_staff_route_is_closed_to_outsiders(
    who, request, scored_attempt, review_exercise, lead, outsiders
):
    attempt = scored_attempt()
    override = scoring_services.override_create(
        attempt=attempt,
        dimension="communication",
        score=2,
        reason_code="other",
        justification="x",
        author=lead,
    )
    _, invitation_token = services.invitation_create(
        exercise=review_exercise, participant_name="Pat", participant_email="pat@example.com", created_by=lead
    )
    _, access_token, _ = services.attempt_start(invitation_token=invitation_token)
    client = {
        "anonymous": lambda: client_for(),
        "participant": lambda: client_for(bearer=access_token),
        "off_panel_reviewer": lambda: client_for(request.getfixturevalue("off_panel_reviewer")),
        "other_lead": lambda: client_for(outsiders[1]["lead"]),
        "other_reviewer": lambda: client_for(outsiders[1]["reviewer"]),
    }[who]()

    for method, url, body in _routes(attempt, review_exercise, override):
        response = (
            getattr(client, method)(url, body, format="json")
            if body is not None
            else getattr(client, method)(url)
        )
        expected = {401, 403} if who in ("anonymous", "participant") else {404}
        assert response.status_code in expected, (who, method, url, response.status_code)
    assert Override.objects.filter(attempt=attempt).count() == 1


def test_an_attempt_out_of_scope_is_a_not_found_error_body(outsiders):
    response = client_for(outsiders[1]["lead"]).get("/api/v1/attempts/nope/scorecard/")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_huge_offset_is_refused_not_sent_to_the_database(lead, review_exercise):
    client = client_for(lead)

    for url in (
        f"/api/v1/exercises/{review_exercise.pk}/scorecards/?offset=99999999999999999999",
        "/api/v1/attempts/?offset=99999999999999999999",
        "/api/v1/invitations/?offset=99999999999999999999",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
