"""Personal data: erasing a participant (service, command, admin action) and the retention sweep.

What must hold: after an erasure nothing in the database names the person or holds what they
typed, their scores are still there for statistics, and the audit log says who erased them and why.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from scoring import services as scoring_services
from scoring.models import DimensionScore, Override, Review, Scorecard
from simulator import services
from simulator.erasure import (
    ERASED_NAME,
    ErasureRefused,
    participant_erase,
    participants_due_for_erasure,
    participants_erase_expired,
)
from simulator.errors import DomainError
from simulator.models import (
    Attempt,
    AttemptStatus,
    AuditEntry,
    Event,
    Participant,
    Response,
    ResponseRevision,
)
from simulator.signals import participant_erased

pytestmark = pytest.mark.django_db

NAME = "Quentin Zanzibar"
EMAIL = "quentin.zanzibar@example.com"
TYPED = "Zanzibar-typed-phrase 7731"


@pytest.fixture
def person(review_exercise, lead, reviewer):
    """A participant with a scored, reviewed and overridden attempt whose answers, events, review
    notes and override justification all carry words that identify them."""
    _, token = services.invitation_create(
        exercise=review_exercise, participant_name=NAME, participant_email=EMAIL, created_by=lead
    )
    attempt, _, _ = services.attempt_start(invitation_token=token)
    for item in attempt.items.order_by("position"):
        answer = (
            {"update": f"We are investigating errors since 09:40 UTC, next update by 10:30. {TYPED}"}
            if item.kind == "customer_comms"
            else {"notes": f"Worked by severity. {TYPED}"}
        )
        services.response_save(attempt=attempt, item=item, base_version=0, answer=answer)
    services.events_record(attempt=attempt, events=[{"kind": "log_search", "data": {"query": TYPED}}])
    services.attempt_submit(attempt=attempt, submitted_by="participant")
    scoring_services.attempt_score(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    scoring_services.review_submit(
        attempt=attempt, reviewer=reviewer, scores={"communication": 3}, notes=f"{NAME} was vague."
    )
    scoring_services.override_create(
        attempt=attempt, dimension="communication", score=4, reason_code="other",
        justification=f"{NAME} explained it on the call", author=lead,
    )  # fmt: skip
    return Participant.objects.get(email=EMAIL), attempt


def _database_text() -> str:
    """Every row the project holds (scenarios aside: they are generated, not personal), as text."""
    out = StringIO()
    call_command("dumpdata", "simulator", "scoring", stdout=out)
    return out.getvalue()


def test_erasure_leaves_nothing_that_names_the_person_or_holds_what_they_typed(person, lead):
    participant, attempt = person
    assert NAME in _database_text() and EMAIL in _database_text() and TYPED in _database_text()

    participant_erase(participant=participant, erased_by=lead, reason="request of the person")

    text = _database_text()
    assert NAME not in text and "Zanzibar" not in text
    assert EMAIL not in text and "quentin" not in text.lower()
    assert TYPED not in text
    participant.refresh_from_db()
    assert participant.name == ERASED_NAME
    assert participant.erased_at is not None
    assert all(
        a == {} for a in Response.objects.filter(item__attempt=attempt).values_list("answer", flat=True)
    )
    assert all(
        r == {}
        for r in ResponseRevision.objects.filter(item__attempt=attempt).values_list("answer", flat=True)
    )
    assert all(d == {} for d in Event.objects.filter(attempt=attempt).values_list("data", flat=True))


def test_erasure_keeps_the_scores_reviews_and_overrides_for_statistics(person, lead):
    participant, attempt = person
    scorecard = Scorecard.objects.get(attempt=attempt)
    scores = sorted(
        DimensionScore.objects.filter(item_score__score_set__attempt=attempt).values_list(
            "dimension", "score"
        )
    )
    checks_before = DimensionScore.objects.filter(item_score__score_set__attempt=attempt).values_list(
        "checks", flat=True
    )
    verdicts = sorted((c["id"], c["passed"]) for checks in checks_before for c in checks)

    participant_erase(participant=participant, erased_by=lead, reason="request of the person")

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SCORED
    after = Scorecard.objects.get(attempt=attempt)
    assert after.final_scores == scorecard.final_scores
    assert after.final_scores["communication"] == {"score": 4.0, "source": "override"}
    assert after.mean_score == scorecard.mean_score
    assert (
        sorted(
            DimensionScore.objects.filter(item_score__score_set__attempt=attempt).values_list(
                "dimension", "score"
            )
        )
        == scores
    )
    checks_after = DimensionScore.objects.filter(item_score__score_set__attempt=attempt).values_list(
        "checks", flat=True
    )
    assert sorted((c["id"], c["passed"]) for checks in checks_after for c in checks) == verdicts
    assert Review.objects.get(attempt=attempt).scores == {"communication": 3}
    override = Override.objects.get(attempt=attempt)
    assert (override.score, override.reason_code) == (4, "other")


def test_erasure_is_written_to_the_audit_log_with_who_and_why(person, lead):
    participant, _ = person

    participant_erase(participant=participant, erased_by=lead, reason="request of the person")

    entry = AuditEntry.objects.get(action="participant.erased")
    assert entry.actor == lead
    assert entry.target == f"participant:{participant.pk}"
    assert entry.organisation_id == participant.organisation_id
    assert entry.after["reason"] == "request of the person"
    assert entry.after["attempts"] == 1
    # The earlier entries still say what happened: the invitation, the review, the override.
    assert {"invitation.created", "review.submitted", "override.created"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )


def test_the_signal_is_sent_inside_the_transaction_before_the_fields_are_cleared(person):
    participant, _ = person
    seen = []

    def receiver(sender, participant, **kwargs):
        stored = Participant.objects.get(pk=participant.pk)
        seen.append((participant.email, stored.name, connection.in_atomic_block))

    participant_erased.connect(receiver)
    try:
        participant_erase(participant=participant, reason="request of the person")
    finally:
        participant_erased.disconnect(receiver)

    assert seen == [(EMAIL, NAME, True)]


def test_a_receiver_that_fails_undoes_the_whole_erasure(person):
    participant, attempt = person

    def broken(sender, participant, **kwargs):
        raise RuntimeError("the other app could not erase")

    participant_erased.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            participant_erase(participant=participant, reason="request of the person")
    finally:
        participant_erased.disconnect(broken)

    participant.refresh_from_db()
    assert (participant.name, participant.erased_at) == (NAME, None)
    assert TYPED in str(Response.objects.filter(item__attempt=attempt).values_list("answer", flat=True))


def test_an_attempt_in_progress_is_cancelled_and_its_link_and_token_stop_working(all_kinds_exercise, invite):
    _, token = invite(all_kinds_exercise)
    attempt, access_token, _ = services.attempt_start(invitation_token=token)

    participant_erase(participant=attempt.participant, reason="request of the person")

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.CANCELLED
    assert attempt.access_token_hash is None
    with pytest.raises(DomainError):
        services.attempt_start(invitation_token=token)
    assert attempt.invitation.__class__.objects.get(pk=attempt.invitation_id).link_secret == ""


def test_an_attempt_waiting_for_its_score_refuses_the_erasure_and_changes_nothing(all_kinds_exercise, invite):
    _, token = invite(all_kinds_exercise)
    attempt, _, _ = services.attempt_start(invitation_token=token)
    services.attempt_submit(attempt=attempt, submitted_by="participant")

    with pytest.raises(ErasureRefused, match="waiting for its score"):
        participant_erase(participant=attempt.participant, reason="request of the person")

    participant = Participant.objects.get(pk=attempt.participant_id)
    assert participant.erased_at is None and participant.email == "casey@example.com"
    assert not AuditEntry.objects.filter(action="participant.erased").exists()


def test_erasing_twice_changes_nothing_the_second_time(person):
    participant, _ = person
    participant_erase(participant=participant, reason="request of the person")

    again = participant_erase(participant=participant, reason="request of the person")

    assert again.already_erased
    assert AuditEntry.objects.filter(action="participant.erased").count() == 1


def test_an_erasure_needs_a_reason(person):
    with pytest.raises(DomainError, match="needs a reason"):
        participant_erase(participant=person[0], reason="  ")


def test_the_same_address_can_be_invited_again_after_an_erasure(person, review_exercise, lead):
    participant, _ = person
    participant_erase(participant=participant, reason="request of the person")

    invitation, _ = services.invitation_create(
        exercise=review_exercise, participant_name=NAME, participant_email=EMAIL, created_by=lead
    )

    assert invitation.participant_id != participant.pk


# The command ----------------------------------------------------------------------------------------


def test_the_command_erases_by_email_or_id(person, all_kinds_exercise, invite):
    participant, _ = person
    out = StringIO()
    call_command("erase_participant", EMAIL.upper(), "--reason", "request by e-mail", stdout=out)
    assert f"erased participant {participant.pk}" in out.getvalue()
    assert AuditEntry.objects.get(action="participant.erased").actor is None

    invite(all_kinds_exercise, email="other@example.com")
    other = Participant.objects.get(email="other@example.com")
    call_command("erase_participant", str(other.pk), stdout=StringIO())
    other.refresh_from_db()
    assert other.erased_at is not None


def test_the_command_refuses_an_unknown_or_ambiguous_participant(person, outsiders):
    other_org, users = outsiders
    other_exercise = other_org.exercises.first()
    services.invitation_create(
        exercise=other_exercise, participant_name="Q", participant_email=EMAIL, created_by=users["lead"]
    )

    with pytest.raises(CommandError, match="no participant"):
        call_command("erase_participant", "nobody@example.com")
    with pytest.raises(CommandError, match="several organisations"):
        call_command("erase_participant", EMAIL)

    call_command("erase_participant", EMAIL, "--organisation", "other", stdout=StringIO())
    assert Participant.objects.get(organisation=other_org, erased_at__isnull=False)
    assert Participant.objects.get(email=EMAIL).organisation_id == person[0].organisation_id


# Retention ------------------------------------------------------------------------------------------


def _closed(days_ago: int, *, exercise, invite, email: str) -> Attempt:
    """An attempt submitted `days_ago` days ago and scored."""
    then = timezone.now() - timedelta(days=days_ago)
    _, token = invite(exercise, email=email, now=then)
    attempt, _, _ = services.attempt_start(invitation_token=token, now=then)
    services.attempt_submit(attempt=attempt, submitted_by="participant", now=then)
    scoring_services.attempt_score(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return attempt


def test_retention_erases_only_participants_whose_attempts_all_closed_long_enough_ago(
    review_exercise, invite, settings
):
    settings.PARTICIPANT_RETENTION_DAYS = 90
    old = _closed(120, exercise=review_exercise, invite=invite, email="old@example.com")
    recent = _closed(10, exercise=review_exercise, invite=invite, email="recent@example.com")
    # An old attempt and a new one still open: the person is still in a hiring loop.
    busy = _closed(200, exercise=review_exercise, invite=invite, email="busy@example.com")
    invite(review_exercise, email="busy@example.com")

    assert list(participants_due_for_erasure(days=90)) == [old.participant]
    result = participants_erase_expired()

    assert (result.due, result.erased, result.refused) == (1, 1, 0)
    erased = set(Participant.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert erased == {old.participant_id}
    assert recent.participant_id not in erased and busy.participant_id not in erased
    assert (
        AuditEntry.objects.get(action="participant.erased").after["reason"]
        == "retention period of 90 days passed"
    )


def test_retention_is_off_by_default_and_the_command_reports_what_it_did(review_exercise, invite, settings):
    settings.PARTICIPANT_RETENTION_DAYS = 0
    _closed(400, exercise=review_exercise, invite=invite, email="old@example.com")

    assert participants_erase_expired().erased == 0
    out = StringIO()
    call_command("erase_expired_participants", stdout=out)
    assert "retention is off" in out.getvalue()

    out = StringIO()
    call_command("erase_expired_participants", "--days", "365", "--dry-run", stdout=out)
    assert "1 participants whose attempts closed over 365 days ago: 0 erased" in out.getvalue()
    assert not Participant.objects.filter(erased_at__isnull=False).exists()

    out = StringIO()
    call_command("erase_expired_participants", "--days", "365", stdout=out)
    assert "1 erased" in out.getvalue()
    assert Participant.objects.filter(erased_at__isnull=False).count() == 1


def test_the_retention_task_runs_the_sweep(review_exercise, invite, settings):
    from simulator.tasks import erase_expired_participants

    settings.PARTICIPANT_RETENTION_DAYS = 30
    _closed(31, exercise=review_exercise, invite=invite, email="old@example.com")

    assert "1 erased" in erase_expired_participants()
    assert "erase-expired-participants" in settings.CELERY_BEAT_SCHEDULE


# The admin action ------------------------------------------------------------------------------------


def test_the_admin_action_asks_for_a_reason_then_erases(person, client):
    participant, _ = person
    operator = get_user_model().objects.create_superuser(username="op", password="operator-password-1")
    client.force_login(operator)
    url = "/admin/simulator/participant/"
    selection = {"action": "erase_personal_data", "_selected_action": [participant.pk]}

    confirm = client.post(url, selection)
    assert confirm.status_code == 200
    assert b"cannot be undone" in confirm.content
    participant.refresh_from_db()
    assert participant.erased_at is None

    done = client.post(url, {**selection, "confirm": "yes", "reason": "request of the person"}, follow=True)
    assert done.status_code == 200
    assert b"Erased the personal data of 1 participant." in done.content
    participant.refresh_from_db()
    assert participant.erased_at is not None
    entry = AuditEntry.objects.get(action="participant.erased")
    assert entry.actor == operator


# The participant's page ----------------------------------------------------------------------------


def test_a_lead_erases_a_participant_from_their_page(person, client, lead):
    participant, _ = person
    client.force_login(lead)
    page = client.get(f"/staff/participants/{participant.pk}/")
    assert b"Erase personal data" in page.content

    response = client.post(
        f"/staff/participants/{participant.pk}/erase/", {"reason": "request by phone"}, follow=True
    )

    assert response.status_code == 200
    assert b"their anonymous scores stay" in response.content
    assert b"Erase personal data" not in response.content  # nothing left to erase
    participant.refresh_from_db()
    assert participant.name == ERASED_NAME
    entry = AuditEntry.objects.get(action="participant.erased")
    assert (entry.actor, entry.after["reason"]) == (lead, "request by phone")


def test_a_reviewer_or_another_organisations_lead_cannot_erase(person, client, reviewer, outsiders):
    participant, _ = person
    client.force_login(reviewer)
    assert b"Erase personal data" not in client.get(f"/staff/participants/{participant.pk}/").content
    assert client.post(f"/staff/participants/{participant.pk}/erase/", {"reason": "x"}).status_code == 404
    client.force_login(outsiders[1]["lead"])
    assert client.post(f"/staff/participants/{participant.pk}/erase/", {"reason": "x"}).status_code == 404

    participant.refresh_from_db()
    assert participant.erased_at is None


def test_an_erasure_without_a_reason_is_refused_on_the_page(person, client, lead):
    participant, _ = person
    client.force_login(lead)

    response = client.post(f"/staff/participants/{participant.pk}/erase/", {"reason": " "}, follow=True)

    assert b"Nothing was erased: an erasure needs a reason" in response.content
    participant.refresh_from_db()
    assert participant.erased_at is None
