"""The HTTP API end to end: every endpoint, its permissions, and its refusals."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from simulator import services
from simulator.models import Attempt, Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def staff(lead):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=lead).key}")
    return api


@pytest.fixture
def candidate(client, all_kinds_exercise, invite):
    _, token = invite(all_kinds_exercise)
    started = client.post("/api/v1/attempts/", {"invitation_token": token}, format="json").json()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {started['access_token']}")
    api.attempt = started
    api.items = {item["kind"]: item for item in started["items"]}
    return api


def _url(candidate, suffix=""):
    return f"/api/v1/attempts/{candidate.attempt['id']}/{suffix}"


def test_staff_get_a_token_with_their_password_and_not_without(client, lead):
    good = client.post(
        "/api/v1/auth/token/", {"username": "lena", "password": "lead-password-123"}, format="json"
    )
    bad = client.post("/api/v1/auth/token/", {"username": "lena", "password": "wrong"}, format="json")

    assert good.status_code == 200 and good.json()["token"] == Token.objects.get(user=lead).key
    assert bad.status_code == 400


@pytest.mark.parametrize("who", ["lead", "reviewer"])
def test_a_lead_or_reviewer_invites_and_gets_the_link_once(who, request, review_exercise, client):
    user = request.getfixturevalue(who)  # the reviewer sits on the exercise's panel
    client.force_authenticate(user)
    exercise = review_exercise

    response = client.post(
        "/api/v1/invitations/",
        {"exercise": exercise.pk, "participant_name": "Ana", "participant_email": "ana@example.com"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["url"].endswith(f"/take/{body['token']}/")
    assert set(body) == {"id", "url", "token", "expires_at"}
    invitation = exercise.invitations.get(pk=body["id"])
    assert invitation.token_hash == services.token_hash(body["token"]) != body["token"]


def test_invitations_need_staff_and_an_exercise_of_their_own_organisation(client, staff, lead):
    other = services.organisation_create(name="Other", slug="other")
    payload = {
        "exercise": other.exercises.first().pk,
        "participant_name": "Ana",
        "participant_email": "ana@example.com",
    }

    assert client.post("/api/v1/invitations/", payload, format="json").status_code == 401
    assert staff.post("/api/v1/invitations/", payload, format="json").status_code == 404


def test_a_user_outside_every_organisation_is_refused_403_by_the_staff_api(lead):
    from django.contrib.auth import get_user_model

    outsider = get_user_model().objects.create_user(username="outsider", password="outsider-password")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=outsider).key}")
    exercise = lead.membership.organisation.exercises.first()
    payload = {"exercise": exercise.pk, "participant_name": "Ana", "participant_email": "ana@example.com"}

    for response in (api.get("/api/v1/exercises/"), api.post("/api/v1/invitations/", payload, format="json")):
        assert response.status_code == 403, response.content
        assert response.json() == {
            "error": "not_allowed",
            "detail": "only members of an organisation can use the staff API",
        }


def test_a_malformed_invitation_is_refused_with_the_field_named(staff, organisation):
    exercise = organisation.exercises.first()
    response = staff.post(
        "/api/v1/invitations/",
        {"exercise": exercise.pk, "participant_name": "A", "participant_email": "nope"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and body["detail"].startswith("participant_email: ")
    assert "participant_email" in body["fields"]


def test_starting_twice_gives_the_same_attempt_with_201_then_200(client, all_kinds_exercise, invite):
    _, token = invite(all_kinds_exercise)
    first = client.post("/api/v1/attempts/", {"invitation_token": token}, format="json")
    again = client.post("/api/v1/attempts/", {"invitation_token": token}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["access_token"] == again.json()["access_token"]
    assert Attempt.objects.count() == 1
    body = first.json()
    assert {"id", "access_token", "deadline", "server_time", "items"} <= set(body)


def test_a_bad_or_expired_invitation_token_is_refused_clearly(client, all_kinds_exercise, invite):
    assert client.post("/api/v1/attempts/", {"invitation_token": "forged"}, format="json").status_code == 404
    _, token = invite(all_kinds_exercise, expires_in=timedelta(seconds=-1))
    expired = client.post("/api/v1/attempts/", {"invitation_token": token}, format="json")
    assert expired.status_code == 410
    assert "expired on" in expired.json()["detail"]
    assert client.post("/api/v1/attempts/", {"wrong": "shape"}, format="json").status_code == 400


def test_the_candidate_view_has_items_responses_and_the_server_clock(candidate):
    response = candidate.get(_url(candidate))

    assert response.status_code == 200
    body = response.json()
    assert body["deadline"] and body["server_time"] and body["status"] == "in_progress"
    assert [item["kind"] for item in body["items"]] == [
        "triage_queue", "log_investigation", "escalation_writeup", "customer_comms", "incident", "postmortem",
    ]  # fmt: skip
    assert all(item["response"] == {"version": 0, "answer": {}} for item in body["items"])
    logs = next(item for item in body["items"] if item["kind"] == "log_investigation")
    assert "logs" not in logs["payload"] and logs["payload"]["log_count"] == 600


def test_a_wrong_token_is_401_and_another_candidates_attempt_is_404(
    candidate, client, all_kinds_exercise, invite
):
    _, other_token = invite(all_kinds_exercise, email="other@example.com")
    other = client.post("/api/v1/attempts/", {"invitation_token": other_token}, format="json").json()

    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert forged.get(_url(candidate)).status_code == 401
    assert client.get(_url(candidate)).status_code in (401, 403)
    assert candidate.get(f"/api/v1/attempts/{other['id']}/").status_code == 404
    item = other["items"][0]["id"]
    put = candidate.put(
        f"/api/v1/attempts/{other['id']}/items/{item}/response/", {"version": 0, "answer": {}}, format="json"
    )
    assert put.status_code == 404
    foreign_item = candidate.put(
        _url(candidate, f"items/{item}/response/"), {"version": 0, "answer": {}}, format="json"
    )
    assert foreign_item.status_code == 404


def test_autosave_then_a_stale_save_gets_409_with_the_current_version(candidate):
    item = candidate.items["customer_comms"]["id"]
    url = _url(candidate, f"items/{item}/response/")

    saved = candidate.put(url, {"version": 0, "answer": {"update": "We are investigating."}}, format="json")
    stale = candidate.put(url, {"version": 0, "answer": {"update": "other tab"}}, format="json")

    assert saved.status_code == 200 and saved.json()["version"] == 1
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 1
    assert stale.json()["answer"] == {"update": "We are investigating."}
    assert candidate.get(_url(candidate)).json()["items"][3]["response"]["answer"] == {
        "update": "We are investigating."
    }


def test_a_save_after_the_deadline_is_409_naming_the_deadline(candidate):
    Attempt.objects.update(deadline=timezone.now() - timedelta(seconds=1))
    item = candidate.items["customer_comms"]["id"]

    response = candidate.put(
        _url(candidate, f"items/{item}/response/"), {"version": 0, "answer": {}}, format="json"
    )

    assert response.status_code == 409
    assert "the deadline of this attempt was" in response.json()["detail"]
    assert Attempt.objects.get().status == "submitted"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"answer": {}}, "version"),
        ({"version": "one", "answer": {}}, "version"),
        ({"version": 0, "answer": {"update": 5}}, "answer.update: 5 is not of type 'string'"),
        ({"version": 0, "answer": {"unknown_field": "x"}}, "Additional properties are not allowed"),
        (
            {"version": 0, "answer": {"next_update_at": "in an hour"}},
            "answer.next_update_at: 'in an hour' must be an ISO 8601 date and time with a timezone",
        ),
    ],
)
def test_malformed_saves_are_400_with_the_problem_named(candidate, body, fragment):
    item = candidate.items["customer_comms"]["id"]
    response = candidate.put(_url(candidate, f"items/{item}/response/"), body, format="json")
    assert response.status_code == 400
    assert fragment in json.dumps(response.json())
    assert Response.objects.get(item__public_id=item).version == 0


def test_a_body_that_is_not_json_is_400(candidate):
    item = candidate.items["customer_comms"]["id"]
    response = candidate.generic(
        "PUT", _url(candidate, f"items/{item}/response/"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_an_oversized_body_is_413_and_saves_nothing(candidate, settings):
    item = candidate.items["escalation_writeup"]["id"]
    body = {"version": 0, "answer": {"packet": "x" * (settings.API_MAX_BODY_BYTES + 10)}}
    response = candidate.put(_url(candidate, f"items/{item}/response/"), body, format="json")
    assert response.status_code == 413
    assert "the limit is" in response.json()["detail"]
    assert Response.objects.get(item__public_id=item).version == 0


def test_events_are_recorded_in_batches_and_bad_kinds_refused(candidate):
    item = candidate.items["triage_queue"]
    ticket = item["payload"]["tickets"][0]["id"]
    ok = candidate.post(
        _url(candidate, "events/"),
        {"events": [{"kind": "item_opened", "item_id": item["id"]}, {"kind": "ticket_viewed", "item_id": item["id"], "data": {"ticket_id": ticket}}]},
        format="json",
    )  # fmt: skip
    bad = candidate.post(_url(candidate, "events/"), {"events": [{"kind": "answer_saved"}]}, format="json")
    too_many = candidate.post(
        _url(candidate, "events/"), {"events": [{"kind": "item_opened"}] * 201}, format="json"
    )

    assert ok.status_code == 201 and ok.json() == {"accepted": 2}
    assert bad.status_code == 400 and too_many.status_code == 400


def test_log_search_filters_and_pages_in_time_order(candidate):
    item = candidate.items["log_investigation"]["id"]
    url = _url(candidate, f"items/{item}/logs/")

    errors = candidate.get(url, {"level": "ERROR", "limit": 500}).json()["lines"]
    first = candidate.get(url, {"limit": 250}).json()
    second = candidate.get(url, {"limit": 250, "cursor": first["next_cursor"]}).json()
    trace = errors[0]["trace_id"]
    by_trace = candidate.get(url, {"trace_id": trace}).json()["lines"]
    word = errors[0]["message"].split()[0]
    by_word = candidate.get(url, {"q": word}).json()["lines"]

    assert errors and all(line["level"] == "ERROR" for line in errors)
    ids = [line["id"] for line in first["lines"] + second["lines"]]
    assert ids == [f"L{i:06d}" for i in range(500)]
    assert [line["trace_id"] for line in by_trace] == [trace]
    assert by_word and all(word.lower() in line["message"].lower() for line in by_word)
    assert candidate.get(url, {"limit": 0}).status_code == 400


def test_log_search_on_an_item_without_logs_is_404(candidate):
    item = candidate.items["incident"]["id"]
    assert candidate.get(_url(candidate, f"items/{item}/logs/")).status_code == 404


def test_submit_is_idempotent(candidate):
    first = candidate.post(_url(candidate, "submit/"))
    second = candidate.post(_url(candidate, "submit/"))
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["status"] == "submitted"


def test_leads_grant_extra_time_reviewers_off_the_panel_and_other_organisations_see_404(
    candidate, staff, reviewer
):
    url = _url(candidate, "extra-time/")
    granted = staff.post(url, {"minutes": 10}, format="json")
    reviewer_api = APIClient()
    reviewer_api.force_authenticate(reviewer)
    outsider = services.organisation_create(name="Other", slug="other")
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user(username="x", password="x-password-123")
    services.member_add(organisation=outsider, user=stranger, role="lead")
    stranger_api = APIClient()
    stranger_api.force_authenticate(stranger)

    assert granted.status_code == 200 and granted.json()["extra_seconds"] == 600
    # The attempt has no panel: a reviewer sees only their panels' attempts, so to them it does not exist.
    assert reviewer_api.post(url, {"minutes": 10}, format="json").status_code == 404
    assert stranger_api.post(url, {"minutes": 10}, format="json").status_code == 404
    assert staff.post(url, {"minutes": 0}, format="json").status_code == 400


def test_staff_read_kpis_and_candidates_cannot(candidate, staff):
    assert staff.get(_url(candidate, "kpis/")).status_code == 200
    assert candidate.get(_url(candidate, "kpis/")).status_code in (401, 403)


def test_response_schemas_are_published_per_kind(client):
    schema = client.get("/api/v1/schemas/responses/triage_queue/").json()
    assert "tickets" in schema["properties"]
    assert client.get("/api/v1/schemas/responses/nonsense/").status_code == 404


def test_the_openapi_schema_builds_without_warnings(client):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_the_candidate_view_has_a_pinned_query_count(candidate, django_assert_num_queries):
    """Token, attempt, then items with scenarios and responses in one prefetch: not one per item."""
    with django_assert_num_queries(3):
        assert candidate.get(_url(candidate)).status_code == 200


def test_log_search_has_a_pinned_query_count(candidate, django_assert_num_queries):
    item = candidate.items["log_investigation"]["id"]
    with django_assert_num_queries(3):
        assert candidate.get(_url(candidate, f"items/{item}/logs/"), {"level": "ERROR"}).status_code == 200


def test_the_exercise_list_has_a_pinned_query_count(staff, django_assert_num_queries):
    with django_assert_num_queries(3):
        assert len(staff.get("/api/v1/exercises/").json()) == 6
