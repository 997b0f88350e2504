"""The staff list APIs: GET /api/v1/attempts/ and GET /api/v1/invitations/ — scope, blind review,
filters, limit/offset pages and a pinned number of queries — while POST on the same paths keeps
starting an attempt without an account and inviting a participant."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from scoring import services as scoring_services
from scoring.staff_selectors import participant_code
from simulator import services

pytestmark = pytest.mark.django_db

ATTEMPTS, INVITATIONS = "/api/v1/attempts/", "/api/v1/invitations/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def two_scored(scored_attempt):
    return scored_attempt("ann@example.com"), scored_attempt("bob@example.com")


@pytest.mark.parametrize("path", [ATTEMPTS, INVITATIONS])
def test_an_anonymous_caller_is_refused(path, two_scored):
    response = APIClient().get(path)

    assert response.status_code == 401
    assert '"Ann"' not in response.content.decode() and "ann@example.com" not in response.content.decode()


@pytest.mark.parametrize("path", [ATTEMPTS, INVITATIONS])
def test_a_participant_with_their_attempt_token_is_refused(path, review_exercise, invite):
    _, token = invite(review_exercise)
    started = APIClient().post(ATTEMPTS, {"invitation_token": token}, format="json").json()
    candidate = APIClient()
    candidate.credentials(HTTP_AUTHORIZATION=f"Bearer {started['access_token']}")

    assert candidate.get(path).status_code in (401, 403)


@pytest.mark.parametrize("path", [ATTEMPTS, INVITATIONS])
def test_a_user_without_a_membership_is_refused(path, two_scored):
    operator = get_user_model().objects.create_user(username="op", password="operator-password-123")

    assert token_client(operator).get(path).status_code == 403


@pytest.mark.parametrize("path", [ATTEMPTS, INVITATIONS])
@pytest.mark.parametrize("role", ["lead", "reviewer"])
def test_another_organisations_staff_get_an_empty_list(path, role, two_scored, outsiders):
    _, users = outsiders

    body = token_client(users[role]).get(path).json()

    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_a_reviewer_of_another_panel_gets_an_empty_list(organisation, two_scored):
    pat = get_user_model().objects.create_user(username="pat", password="reviewer-password-789")
    services.member_add(organisation=organisation, user=pat, role="reviewer")
    services.panel_create(organisation=organisation, name="Platform hiring", reviewers=[pat])

    assert token_client(pat).get(ATTEMPTS).json()["count"] == 0
    assert token_client(pat).get(INVITATIONS).json()["count"] == 0


def test_starting_an_attempt_without_an_account_still_works(review_exercise, invite):
    _, token = invite(review_exercise)

    response = APIClient().post(ATTEMPTS, {"invitation_token": token}, format="json")

    assert response.status_code == 201 and response.json()["access_token"]


def test_a_lead_lists_attempts_with_names_scores_and_flags(two_scored, lead):
    body = token_client(lead).get(ATTEMPTS).json()

    assert body["count"] == 2
    by_name = {row["participant"]: row for row in body["results"]}
    ann = by_name["Ann"]
    assert ann["email"] == "ann@example.com" and ann["blind"] is False
    assert ann["status"] == "scored" and ann["mean_score"] is not None and ann["recommendation"]
    assert ann["auto_score_mean"] is not None and set(ann["final_scores"]) == set(
        two_scored[0].scorecard.auto_scores
    )
    assert ann["reviews_submitted"] == 0 and ann["needs_review"] is True


def test_a_blinded_reviewer_gets_codes_and_no_scores_until_they_review(two_scored, reviewer):
    ann, bob = two_scored
    client = token_client(reviewer)

    rows = client.get(ATTEMPTS).json()["results"]

    assert {row["participant"] for row in rows} == {
        participant_code(ann.participant_id),
        participant_code(bob.participant_id),
    }
    for row in rows:
        assert row["blind"] is True and row["email"] == "" and row["participant_id"] is None
        assert row["auto_score_mean"] is None and row["mean_score"] is None and row["final_scores"] is None
        assert row["recommendation"] is None and row["needs_adjudication"] is None
    # Random ids may contain any letters: look for the name as a JSON value, not as a substring.
    invitations = client.get(INVITATIONS).json()["results"]
    assert all(row["participant"] != "Ann" and "ann@" not in row["email"] for row in invitations)
    assert '"Ann"' not in client.get(INVITATIONS).content.decode()

    scoring_services.review_submit(
        attempt=ann, reviewer=reviewer, scores=dict.fromkeys(ann.scorecard.auto_scores, 3)
    )
    rows = {row["id"]: row for row in client.get(ATTEMPTS).json()["results"]}

    assert rows[ann.public_id]["participant"] == "Ann" and rows[ann.public_id]["mean_score"] is not None
    assert rows[bob.public_id]["blind"] is True


def test_the_participant_filter_never_finds_a_blinded_row(two_scored, reviewer, lead):
    ann = two_scored[0]

    assert token_client(lead).get(ATTEMPTS, {"participant": ann.participant_id}).json()["count"] == 1
    assert token_client(reviewer).get(ATTEMPTS, {"participant": ann.participant_id}).json()["count"] == 0


def test_attempts_filter_by_exercise_status_and_needs_review(two_scored, lead, all_kinds_exercise, invite):
    invite(all_kinds_exercise, email="cleo@example.com")
    client = token_client(lead)

    assert client.get(ATTEMPTS).json()["count"] == 3
    assert client.get(ATTEMPTS, {"exercise": all_kinds_exercise.pk}).json()["count"] == 1
    assert client.get(ATTEMPTS, {"status": "scored"}).json()["count"] == 2
    assert client.get(ATTEMPTS, {"needs_review": "true"}).json()["count"] == 2
    assert client.get(ATTEMPTS, {"needs_review": "false"}).json()["count"] == 0


def test_bad_filters_and_limits_are_refused_with_the_field_named(lead):
    client = token_client(lead)

    for query in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"status": "nope"}, {"exercise": "x"}):
        response = client.get(ATTEMPTS, query)
        assert response.status_code == 400 and response.json()["error"] == "invalid", query
        assert list(query)[0] in response.json()["detail"]
    assert client.get(INVITATIONS, {"status": "nope"}).status_code == 400


def test_pages_follow_limit_and_offset_with_next_and_previous_links(lead, all_kinds_exercise, invite):
    for n in range(5):
        invite(all_kinds_exercise, email=f"p{n}@example.com")
    client = token_client(lead)

    first = client.get(ATTEMPTS, {"limit": 2}).json()
    second = client.get(first["next"]).json()
    last = client.get(ATTEMPTS, {"limit": 2, "offset": 4}).json()

    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    assert "offset=2" in first["next"] and len(second["results"]) == 2 and "offset=0" in second["previous"]
    assert len(last["results"]) == 1 and last["next"] is None
    seen = {row["id"] for row in first["results"] + second["results"] + last["results"]}
    assert len(seen) == 5


def test_invitations_list_with_status_and_exercise_filters(lead, review_exercise, all_kinds_exercise, invite):
    kept, _ = invite(review_exercise, email="kept@example.com")
    gone, _ = invite(review_exercise, email="gone@example.com")
    invite(all_kinds_exercise, email="other@example.com")
    services.invitation_revoke(invitation=gone, revoked_by=lead)
    client = token_client(lead)

    everything = client.get(INVITATIONS).json()
    revoked = client.get(INVITATIONS, {"status": "revoked"}).json()
    not_sent = client.get(INVITATIONS, {"status": "not_sent", "exercise": review_exercise.pk}).json()

    assert everything["count"] == 3
    assert [row["email"] for row in revoked["results"]] == ["gone@example.com"]
    assert [row["id"] for row in not_sent["results"]] == [kept.pk]
    row = not_sent["results"][0]
    assert (
        row["status"] == "not_sent"
        and row["attempt_id"] == kept.attempt.public_id
        and row["last_sent_at"] is None
    )


def test_inviting_through_the_api_still_works(lead, review_exercise):
    response = token_client(lead).post(
        INVITATIONS,
        {"exercise": review_exercise.pk, "participant_name": "Dana", "participant_email": "dana@example.com"},
        format="json",
    )

    assert response.status_code == 201 and "/take/" in response.json()["url"]


@pytest.mark.parametrize("who", ["lead", "reviewer"])
def test_the_attempt_list_runs_the_same_queries_for_two_rows_or_eight(
    who, request, scored_attempt, all_kinds_exercise, invite, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    client = token_client(user)
    scored_attempt("a@example.com"), scored_attempt("b@example.com")
    expected = 4  # token with its user, membership, count, page

    with django_assert_num_queries(expected):
        assert client.get(ATTEMPTS, {"sort": "-mean"}).status_code == 200
    for n in range(3):
        scored_attempt(f"more{n}@example.com")
        invite(all_kinds_exercise, email=f"inv{n}@example.com")
    with django_assert_num_queries(expected):
        assert client.get(ATTEMPTS, {"sort": "-mean"}).json()["count"] >= 5


def test_the_invitation_list_runs_the_same_queries_for_two_rows_or_eight(
    lead, all_kinds_exercise, invite, django_assert_num_queries
):
    client = token_client(lead)
    for n in range(2):
        invite(all_kinds_exercise, email=f"p{n}@example.com")
    expected = 4  # token with its user, membership, count, page

    with django_assert_num_queries(expected):
        assert client.get(INVITATIONS).status_code == 200
    for n in range(6):
        invite(all_kinds_exercise, email=f"q{n}@example.com")
    with django_assert_num_queries(expected):
        assert client.get(INVITATIONS).json()["count"] == 8
