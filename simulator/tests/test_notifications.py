"""Automatic e-mail, caught in Django's test outbox: each at the right moment, once, to the right
person with the right link, and never when its organisation switched it off."""

import io
import re
import smtplib
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from scoring import services as scoring_services
from scoring.models import ReviewAssignment, ReviewClaim
from simulator import notifications, services
from simulator.models import NotificationKind, NotificationSent, NotificationSettings
from simulator.tests.fixtures import GOOD_COMMS_UPDATE

pytestmark = pytest.mark.django_db

CREATED = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
SITE = "https://simulator.example.com"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _switch(organisation, **values):
    row, _ = NotificationSettings.objects.get_or_create(organisation=organisation)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()


# Invitations and reminders -------------------------------------------------------------------------


@pytest.fixture
def comms(organisation):
    return organisation.exercises.get(slug="customer-communication")


def _emailed_invitation(comms, lead, email="casey@example.com", *, sent_at=CREATED, days=7):
    invitation, token = services.invitation_create(
        exercise=comms, participant_name="Casey", participant_email=email, created_by=lead,
        expires_in=timedelta(days=days), now=CREATED,
    )  # fmt: skip
    services.invitation_send(invitation=invitation, link=f"{SITE}/take/{token}/", sent_by=lead, now=sent_at)
    mail.outbox.clear()
    invitation.refresh_from_db()
    return invitation, token


def test_a_reminder_goes_once_inside_the_lead_time_with_the_participants_own_link(comms, lead):
    invitation, token = _emailed_invitation(comms, lead)
    expires = invitation.expires_at

    assert notifications.notifications_sweep(now=expires - timedelta(hours=25)).reminders == 0
    assert mail.outbox == []

    result = notifications.notifications_sweep(now=expires - timedelta(hours=23))
    assert result.reminders == 1
    [message] = mail.outbox
    assert message.to == ["casey@example.com"]
    assert message.subject.startswith("Reminder: your exercise link expires")
    link = f"{SITE}/take/{token}/"
    assert link in message.body
    assert f'href="{link}"' in message.alternatives[0][0]
    # No other link and no tracking pixel: the only addresses are the participant's own link.
    assert set(re.findall(r"https?://\S+", message.body)) == {link}
    assert "<img" not in message.alternatives[0][0]

    notifications.notifications_sweep(now=expires - timedelta(hours=22))
    notifications.notifications_sweep(now=expires - timedelta(hours=1))
    assert len(mail.outbox) == 1
    assert (
        NotificationSent.objects.get(kind=NotificationKind.INVITATION_REMINDER).recipient
        == "casey@example.com"
    )


def test_the_lead_time_is_the_organisations(comms, lead, organisation):
    _switch(organisation, reminder_hours_before=48)
    invitation, _ = _emailed_invitation(comms, lead)

    notifications.notifications_sweep(now=invitation.expires_at - timedelta(hours=49))
    assert mail.outbox == []
    notifications.notifications_sweep(now=invitation.expires_at - timedelta(hours=47))
    assert len(mail.outbox) == 1


def test_no_reminder_when_switched_off_started_never_e_mailed_or_sent_inside_the_window(
    comms, lead, organisation, invite
):
    started, token = _emailed_invitation(comms, lead, "started@example.com")
    services.attempt_start(invitation_token=token, now=CREATED + timedelta(hours=1))
    invite(comms, email="copied@example.com", now=CREATED)  # link copied by hand, never e-mailed
    _emailed_invitation(comms, lead, "late@example.com", sent_at=CREATED + timedelta(days=6, hours=12))
    due = started.expires_at - timedelta(hours=2)

    notifications.notifications_sweep(now=due)
    assert mail.outbox == []

    _emailed_invitation(comms, lead, "off@example.com")
    _switch(organisation, invitation_reminders=False)
    notifications.notifications_sweep(now=due)
    assert mail.outbox == []
    _switch(organisation, invitation_reminders=True)
    notifications.notifications_sweep(now=due)
    assert [m.to for m in mail.outbox] == [["off@example.com"]]


def test_a_reminder_the_mail_server_refused_is_sent_by_the_next_sweep(comms, lead):
    invitation, _ = _emailed_invitation(comms, lead)
    due = invitation.expires_at - timedelta(hours=3)

    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send", side_effect=smtplib.SMTPException("down")
    ):
        result = notifications.notifications_sweep(now=due)
    assert (result.reminders, result.failed) == (0, 1)
    assert not NotificationSent.objects.exists()

    assert notifications.notifications_sweep(now=due + timedelta(minutes=1)).reminders == 1
    assert len(mail.outbox) == 1


def test_the_sweep_command_sends_due_reminders(comms, lead):
    invitation, _ = _emailed_invitation(comms, lead)
    out = io.StringIO()
    with mock.patch("django.utils.timezone.now", return_value=invitation.expires_at - timedelta(hours=2)):
        call_command("sweep", stdout=out)
    assert "sent 1 invitation reminders" in out.getvalue()
    assert len(mail.outbox) == 1


def test_invitation_e_mails_switched_off_are_refused_with_a_reason(comms, lead, organisation):
    _switch(organisation, invitation_emails=False)
    invitation, token = services.invitation_create(
        exercise=comms, participant_name="Casey", participant_email="casey@example.com", created_by=lead
    )
    with pytest.raises(notifications.NotificationsOff, match="invitation e-mails are switched off"):
        services.invitation_send(invitation=invitation, link=f"{SITE}/take/{token}/", sent_by=lead)
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.last_sent_at is None


# Feedback ready ------------------------------------------------------------------------------------


@pytest.fixture
def drill(organisation):
    return services.exercise_create(
        organisation=organisation, slug="comms-drill", title="Week 1: status update", purpose="training",
        time_limit_minutes=20, base_seed=77, items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "easy"}],
    )  # fmt: skip


def _take(exercise, lead, email, capture):
    invitation, token = services.invitation_create(
        exercise=exercise, participant_name="Tara Trainee", participant_email=email, created_by=lead
    )
    attempt, _, _ = services.attempt_start(invitation_token=token)
    item = attempt.items.get()
    services.response_save(attempt=attempt, item=item, base_version=0, answer={"update": GOOD_COMMS_UPDATE})
    with capture(execute=True):  # scoring, then the e-mail, each queued on commit, run in-process
        services.attempt_submit(attempt=attempt, submitted_by="participant")
    attempt.refresh_from_db()
    return attempt, token


def test_a_trainee_is_told_once_when_the_drills_feedback_is_ready(
    drill, lead, eager, django_capture_on_commit_callbacks
):
    attempt, token = _take(drill, lead, "tara@example.com", django_capture_on_commit_callbacks)

    assert attempt.status == "scored"
    [message] = mail.outbox
    assert message.to == ["tara@example.com"]
    assert message.subject == "Your feedback is ready: Week 1: status update"
    assert f"{SITE}/take/{token}/" in message.body
    assert set(re.findall(r"https?://[^\s\"<]+", message.alternatives[0][0])) == {f"{SITE}/take/{token}/"}

    # Nothing of the answer key or the scores is in the e-mail.
    key = attempt.items.get().scenario.answer_key.content
    key_texts = {v for v in _strings(key) if len(v) > 12}
    for body in (message.body, message.alternatives[0][0]):
        assert not [text for text in key_texts if text in body]
        assert "access_token" not in body

    # Scored again (a scorer fix), or the sweep passing by: still one e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        scoring_services.attempts_rescore(attempt_ids=[attempt.pk])
    notifications.notifications_sweep(now=attempt.submitted_at + timedelta(hours=1))
    assert len(mail.outbox) == 1


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_no_feedback_e_mail_for_a_hiring_attempt_or_when_switched_off(
    drill, lead, organisation, scored_attempt, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        scored_attempt("hired@example.com")
    _switch(organisation, feedback_ready_emails=False)
    _take(drill, lead, "tara@example.com", django_capture_on_commit_callbacks)
    notifications.notifications_sweep()

    assert mail.outbox == []


def test_the_sweep_sends_the_feedback_e_mail_a_lost_task_did_not(
    drill, lead, eager, django_capture_on_commit_callbacks
):
    with mock.patch("simulator.tasks.send_feedback_ready.delay"):  # the task is lost
        attempt, _ = _take(drill, lead, "tara@example.com", django_capture_on_commit_callbacks)
    assert mail.outbox == []

    assert notifications.notifications_sweep(now=attempt.submitted_at + timedelta(minutes=10)).feedback == 1
    assert notifications.notifications_sweep(now=attempt.submitted_at + timedelta(minutes=11)).feedback == 0
    assert [m.to for m in mail.outbox] == [["tara@example.com"]]


# The reviewers' digest -----------------------------------------------------------------------------

DAY = datetime(2025, 11, 10, 7, 0, tzinfo=UTC)


@pytest.fixture
def mailboxes(reviewer, second_reviewer):
    reviewer.email, second_reviewer.email = "rui@acme.example", "sam@acme.example"
    reviewer.save()
    second_reviewer.save()


def _digests(now=DAY):
    notifications.review_digests_send(now=now)
    return {m.to[0]: m for m in mail.outbox}


def test_a_reviewer_gets_what_is_assigned_to_them_and_what_is_unclaimed_in_their_panels(
    scored_attempt, reviewer, second_reviewer, mailboxes
):
    first = scored_attempt("first@example.com")
    second = scored_attempt("second@example.com")
    mine = {
        a.public_id for a in (first, second) if ReviewAssignment.objects.get(attempt=a).reviewer == reviewer
    }
    theirs = {first.public_id, second.public_id} - mine
    assert len(mine) == len(theirs) == 1  # round-robin

    sent = _digests()

    message = sent["rui@acme.example"]
    assert message.subject == "Review queue: 1 waiting for you, 1 unclaimed"
    assigned, unclaimed = message.body.split("Unclaimed in your panels")
    assert f"{SITE}/staff/attempts/{mine.pop()}/" in assigned
    assert f"{SITE}/staff/attempts/{theirs.pop()}/" in unclaimed
    assert f"{SITE}/staff/queue/" in message.body
    # Blind review: no participant's name or address before the reviewer's own review.
    for body in (message.body, message.alternatives[0][0]):
        assert "first@example.com" not in body and "First" not in body
    assert set(sent) == {"rui@acme.example", "sam@acme.example"}


def test_the_digest_goes_once_a_day_and_not_to_an_empty_queue(
    scored_attempt, reviewer, second_reviewer, mailboxes
):
    attempt = scored_attempt()
    assignee = ReviewAssignment.objects.get(attempt=attempt).reviewer
    scoring_services.review_submit(attempt=attempt, reviewer=assignee, scores={"communication": 3})

    assert _digests() == {}  # reviewed: nothing waits for anybody

    scored_attempt("another@example.com")
    assert len(_digests()) == 2
    _digests(DAY + timedelta(hours=3))
    assert len(mail.outbox) == 2  # the same day: nothing more
    _digests(DAY + timedelta(days=1))
    assert len(mail.outbox) == 4  # the next day: again


def test_a_claimed_attempt_is_not_unclaimed_and_other_panels_are_not_listed(
    scored_attempt, organisation, reviewer, second_reviewer, mailboxes, review_exercise
):
    attempt = scored_attempt()
    assignee = ReviewAssignment.objects.get(attempt=attempt).reviewer
    other = second_reviewer if assignee == reviewer else reviewer
    ReviewClaim.objects.create(attempt=attempt, reviewer=assignee, expires_at=DAY + timedelta(minutes=30))
    # A reviewer of another panel of the same organisation, and one of another organisation.
    outsider = get_user_model().objects.create_user(username="olga", email="olga@acme.example")
    services.member_add(organisation=organisation, user=outsider, role="reviewer")
    services.panel_create(organisation=organisation, name="Other loop", reviewers=[outsider])
    elsewhere = services.organisation_create(name="Elsewhere", slug="elsewhere")
    stranger = get_user_model().objects.create_user(username="eve", email="eve@elsewhere.example")
    services.member_add(organisation=elsewhere, user=stranger, role="reviewer")

    sent = _digests()

    assert set(sent) == {assignee.email}  # the other reviewer: the one attempt is claimed
    assert other.email not in sent


def test_no_digest_when_the_organisation_switched_it_off(scored_attempt, organisation, mailboxes):
    scored_attempt()
    _switch(organisation, review_digest=False)
    assert _digests() == {}


def test_the_sweep_sends_digests_only_in_the_digest_hour(scored_attempt, mailboxes, settings):
    settings.REVIEW_DIGEST_HOUR = 7
    scored_attempt()
    assert notifications.notifications_sweep(now=DAY - timedelta(minutes=1)).digests == 0
    assert notifications.notifications_sweep(now=DAY + timedelta(minutes=5)).digests == 2
    assert notifications.notifications_sweep(now=DAY + timedelta(minutes=6)).digests == 0
    assert notifications.notifications_sweep(now=DAY + timedelta(minutes=7), digests=False).digests == 0


def test_the_beat_schedule_names_registered_tasks(settings):
    from simulator.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
    schedule = settings.CELERY_BEAT_SCHEDULE["send-review-digests"]["schedule"]
    assert schedule.hour == {settings.REVIEW_DIGEST_HOUR} and schedule.minute == {0}
