"""Contract of the Greenhouse-compatible assessment partner API: shapes, status codes, auth, scoping,
and the completion PATCH to a local fake ATS once a scorecard is finalized."""

import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from integrations import services as integration_services
from integrations.models import Delivery, DeliveryKind, PartnerInterview
from integrations.tests.conftest import basic, take_and_score
from scoring import services as scoring_services
from simulator.models import AuditEntry, Invitation

LIST, SEND, STATUS = (
    "/integrations/greenhouse/list_tests",
    "/integrations/greenhouse/send_test",
    "/integrations/greenhouse/test_status",
)


@pytest.fixture
def ats(api_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(api_key[1]))
    return client


def send(
    ats, url="https://app.greenhouse.io/integrations/testing_partners/take_home_tests/12345", **candidate
):
    body = {
        "partner_test_id": "comms-screen",
        "candidate": {"first_name": "Harry", "last_name": "Potter", "email": "hpotter@example.com",
                      "greenhouse_profile_url": "https://app.greenhouse.io/people/1", **candidate},
        "url": url,
    }  # fmt: skip
    return ats.post(SEND, body, format="json")


def test_list_tests_gives_the_hiring_exercises_as_id_and_name(
    ats, comms_exercise, training_exercise, organisation
):
    response = ats.get(LIST)
    assert response.status_code == 200
    tests = response.json()
    assert all(set(t) == {"partner_test_id", "partner_test_name"} for t in tests)
    ids = {t["partner_test_id"] for t in tests}
    hiring = set(organisation.exercises.filter(purpose="hiring").values_list("slug", flat=True))
    assert ids == hiring and "comms-screen" in ids and "comms-drill" not in ids
    assert {"partner_test_id": "comms-screen", "partner_test_name": "Customer update screen"} in tests


def test_list_tests_runs_a_fixed_number_of_queries(ats, comms_exercise, django_assert_num_queries):
    ats.get(LIST)  # the key's last use is written at most once a minute
    with django_assert_num_queries(2):  # the key, the exercises
        assert ats.get(LIST).status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "Basic " + "bm90LWEta2V5Og==", "Bearer sim_whatever", "Basic ###"],
    ids=["no header", "unknown key", "another scheme", "not base64"],
)
def test_calls_without_a_live_key_get_401_with_a_basic_challenge(db, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    for call in (lambda: client.get(LIST), lambda: client.post(SEND, {}, format="json"),
                 lambda: client.get(STATUS, {"partner_interview_id": "x"})):  # fmt: skip
        response = call()
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Basic realm=")
        assert set(response.json()) == {"error", "detail"}


def test_a_revoked_key_gets_401(ats, api_key, lead):
    assert ats.get(LIST).status_code == 200
    integration_services.api_key_revoke(api_key=api_key[0], revoked_by=lead)
    assert ats.get(LIST).status_code == 401


def test_send_test_invites_and_mails_the_candidate_and_is_idempotent_per_url(ats, comms_exercise):
    response = send(ats)
    assert response.status_code == 200
    assert set(response.json()) == {"partner_interview_id"}
    interview = PartnerInterview.objects.get(public_id=response.json()["partner_interview_id"])
    invitation = interview.attempt.invitation
    assert invitation.exercise == comms_exercise
    assert (invitation.participant.name, invitation.participant.email) == (
        "Harry Potter",
        "hpotter@example.com",
    )
    assert interview.candidate["greenhouse_profile_url"] == "https://app.greenhouse.io/people/1"
    assert [m.to for m in mail.outbox] == [["hpotter@example.com"]]
    link = re.search(r"https?://\S+/take/(\S+?)/", mail.outbox[0].body)
    assert link and Invitation.objects.get(pk=invitation.pk).last_sent_at is not None

    again = send(ats)
    assert again.status_code == 200 and again.json() == response.json()
    assert len(mail.outbox) == 1 and PartnerInterview.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"candidate": {"first_name": "H"}}, "candidate.email"),
        ({"candidate": {"email": "not-an-address"}}, "candidate.email"),
        ({"url": "not a url"}, "url"),
        ({"partner_test_id": ""}, "partner_test_id"),
    ],
)
def test_send_test_refuses_bad_input_with_400_naming_the_field(ats, comms_exercise, change, field):
    body = {
        "partner_test_id": "comms-screen",
        "candidate": {"email": "a@example.com"},
        "url": "https://gh.example.com/t/1",
    }
    body.update(change)
    response = ats.post(SEND, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid" and field in response.json()["detail"]
    assert not PartnerInterview.objects.exists() and not mail.outbox


def test_send_test_refuses_a_callback_that_is_not_http(ats, comms_exercise):
    response = send(ats, url="ftp://gh.example.com/t/1")
    assert response.status_code == 400 and response.json()["error"] == "target_refused"


def test_send_test_of_an_unknown_or_training_test_is_404(ats, training_exercise, other_org):
    for test_id in ("no-such-test", "comms-drill"):
        response = ats.post(SEND, {"partner_test_id": test_id, "candidate": {"email": "a@example.com"},
                                   "url": f"https://gh.example.com/t/{test_id}"}, format="json")  # fmt: skip
        assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert not Invitation.objects.exists()


def test_another_organisations_key_sees_none_of_its_tests_or_interviews(ats, comms_exercise, other_org):
    interview_id = send(ats).json()["partner_interview_id"]
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=basic(other_org[2]))
    assert "comms-screen" not in {t["partner_test_id"] for t in outsider.get(LIST).json()}
    response = outsider.get(STATUS, {"partner_interview_id": interview_id})
    assert response.status_code == 404
    blocked = outsider.post(SEND, {"partner_test_id": "comms-screen", "candidate": {"email": "x@example.com"},
                                   "url": "https://gh.example.com/t/9"}, format="json")  # fmt: skip
    assert blocked.status_code == 404


def test_test_status_needs_an_id_and_knows_only_its_own(ats):
    missing = ats.get(STATUS)
    assert missing.status_code == 400 and "partner_interview_id" in missing.json()["detail"]
    assert ats.get(STATUS, {"partner_interview_id": "nope"}).status_code == 404


def test_test_status_follows_the_attempt_and_is_complete_only_once_finalized(ats, comms_exercise, lead):
    interview_id = send(ats).json()["partner_interview_id"]

    def status():
        response = ats.get(STATUS, {"partner_interview_id": interview_id})
        assert response.status_code == 200
        body = response.json()
        assert all(isinstance(v, str | int | float | bool) for v in body["metadata"].values()), (
            "metadata is flat"
        )
        return body

    assert status()["partner_status"] == "sent"
    attempt = PartnerInterview.objects.get(public_id=interview_id).attempt
    attempt = take_and_score(attempt)
    scored = status()
    assert scored["partner_status"] == "in_review"
    assert "partner_profile_url" not in scored and "partner_score" not in scored

    scoring_services.scorecard_finalize(attempt=attempt, finalized_by=lead, without_required_reviews=True)
    done = status()
    assert set(done) == {"partner_status", "partner_profile_url", "partner_score", "metadata"}
    assert done["partner_status"] == "complete"
    assert (
        done["partner_profile_url"]
        == f"https://sim.example.com/staff/attempts/{attempt.public_id}/scorecard/"
    )
    card = attempt.scorecard
    card.refresh_from_db()
    assert done["partner_score"] == round(card.mean_score, 2)
    assert done["metadata"]["Customer communication"] == card.final_scores["communication"]["score"]
    assert done["metadata"]["Score Scale"] == "1 (lowest) to 5 (highest)"


def test_finalizing_patches_the_ats_url_with_the_key_and_records_it(
    ats, api_key, comms_exercise, lead, receiver, django_capture_on_commit_callbacks
):
    fake_ats = receiver(statuses=[200])
    callback = fake_ats.url("/integrations/testing_partners/take_home_tests/12345")
    interview_id = send(ats, url=callback).json()["partner_interview_id"]
    attempt = take_and_score(PartnerInterview.objects.get(public_id=interview_id).attempt)
    assert fake_ats.requests == [], "nothing is reported before the scorecard is final"

    with django_capture_on_commit_callbacks(execute=True):
        scoring_services.scorecard_finalize(attempt=attempt, finalized_by=lead, without_required_reviews=True)

    assert [(r["method"], r["path"]) for r in fake_ats.requests] == [
        ("PATCH", "/integrations/testing_partners/take_home_tests/12345")
    ]
    assert fake_ats.basic_auth(0) == (api_key[1], "")
    delivery = Delivery.objects.get(kind=DeliveryKind.ATS_COMPLETION)
    assert (delivery.status, delivery.tries, delivery.last_status_code) == ("succeeded", 1, 200)
    assert delivery.attempt_id == attempt.pk and delivery.organisation_id == attempt.organisation_id


def test_a_failing_ats_is_patched_again_until_it_answers(
    ats, comms_exercise, lead, receiver, django_capture_on_commit_callbacks
):
    fake_ats = receiver(statuses=[503, 502, 204])
    interview_id = send(ats, url=fake_ats.url("/th/1")).json()["partner_interview_id"]
    attempt = take_and_score(PartnerInterview.objects.get(public_id=interview_id).attempt)
    with django_capture_on_commit_callbacks(execute=True):
        scoring_services.scorecard_finalize(attempt=attempt, finalized_by=lead, without_required_reviews=True)
    assert [r["method"] for r in fake_ats.requests] == ["PATCH", "PATCH", "PATCH"]
    delivery = Delivery.objects.get(kind=DeliveryKind.ATS_COMPLETION)
    assert (delivery.status, delivery.tries) == ("succeeded", 3)
    assert list(delivery.try_records.values_list("number", "status_code")) == [(1, 503), (2, 502), (3, 204)]


def test_the_patch_uses_a_live_key_when_the_sending_key_was_revoked(
    ats, api_key, organisation, comms_exercise, lead, receiver, django_capture_on_commit_callbacks
):
    fake_ats = receiver()
    interview_id = send(ats, url=fake_ats.url("/th/2")).json()["partner_interview_id"]
    attempt = take_and_score(PartnerInterview.objects.get(public_id=interview_id).attempt)
    integration_services.api_key_revoke(api_key=api_key[0], revoked_by=lead)
    _, new_key = integration_services.api_key_create(
        organisation=organisation, name="Greenhouse 2", created_by=lead
    )
    with django_capture_on_commit_callbacks(execute=True):
        scoring_services.scorecard_finalize(attempt=attempt, finalized_by=lead, without_required_reviews=True)
    assert fake_ats.basic_auth(0) == (new_key, "")


def test_response_error_reports_are_kept_in_the_audit_log(ats, api_key):
    body = {"api_call": "test_status", "errors": ["partner_status is complete but partner_profile_url is missing"],
            "partner_interview_id": "98765", "candidate_email": "kate@example.com"}  # fmt: skip
    response = ats.post("/integrations/greenhouse/response_error", body, format="json")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="partner_api.response_error")
    assert entry.organisation_id == api_key[0].organisation_id
    assert entry.after["errors"] == body["errors"] and entry.after["partner_interview_id"] == "98765"
    bad = ats.post("/integrations/greenhouse/response_error", {"errors": "x"}, format="json")
    assert bad.status_code == 400 and "api_call" in bad.json()["detail"]


class RefusingMailServer:
    """An e-mail backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPDataError(554, b"refused")


def test_a_refused_invitation_email_creates_nothing_and_says_so(ats, comms_exercise, settings):
    settings.EMAIL_BACKEND = "integrations.tests.test_partner_api.RefusingMailServer"
    response = send(ats)
    assert response.status_code == 502 and response.json()["error"] == "email_failed"
    assert not PartnerInterview.objects.exists() and not Invitation.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send(ats).status_code == 200, "the ATS can send the test again"
