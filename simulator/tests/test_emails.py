"""Invitation e-mail: the link, the exercise, the time limit and the expiry, in text and HTML."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from simulator import services
from simulator.emails import duration_text, invitation_email_send, utc_text

LINK = "https://simulator.example.com/take/abc123-token/"


@pytest.fixture
def exercise(organisation):
    return services.exercise_create(
        organisation=organisation,
        slug="queue",
        title="Queue triage & comms",
        purpose="hiring",
        time_limit_minutes=90,
        base_seed=5,
        items=[{"kind": "triage_queue", "archetypes": [], "difficulty": "medium"}],
    )


def _invitation(exercise, lead, name="Casey <Candidate>"):
    invitation, _ = services.invitation_create(
        exercise=exercise,
        participant_name=name,
        participant_email="Casey@Example.com",
        created_by=lead,
        now=datetime(2025, 11, 7, 17, 0, tzinfo=UTC),
    )
    return invitation


def test_the_participant_gets_the_link_exercise_time_limit_and_expiry(exercise, lead, settings):
    settings.DEFAULT_FROM_EMAIL = "Hiring at Acme <hiring@acme.example>"
    invitation_email_send(invitation=_invitation(exercise, lead), link=LINK)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["casey@example.com"]
    assert message.from_email == "Hiring at Acme <hiring@acme.example>"
    assert message.subject == "Your exercise: Queue triage & comms"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for body in (message.body, html):
        assert "Acme Support" in body
        assert "1 hour 30 minutes" in body
        assert "Friday 14 November 2025, 17:00 UTC" in body
    assert LINK in message.body
    assert "Queue triage & comms" in message.body
    assert f'href="{LINK}"' in html
    assert "Queue triage &amp; comms" in html


def test_names_are_escaped_in_html_and_left_as_typed_in_text(exercise, lead):
    invitation_email_send(invitation=_invitation(exercise, lead, name="Casey <b>Bold</b>"), link=LINK)
    message = mail.outbox[0]
    assert "Hello Casey <b>Bold</b>," in message.body
    assert "Casey &lt;b&gt;Bold&lt;/b&gt;" in message.alternatives[0][0]


def test_the_expiry_is_in_utc_whatever_the_current_time_zone(exercise, lead):
    invitation = _invitation(exercise, lead)
    invitation.expires_at = invitation.expires_at.astimezone(ZoneInfo("America/Los_Angeles"))
    with timezone.override("Asia/Tokyo"):
        invitation_email_send(invitation=invitation, link=LINK)
    assert "Friday 14 November 2025, 17:00 UTC" in mail.outbox[0].body


def test_a_title_with_a_line_break_makes_a_one_line_subject(exercise, lead):
    exercise.title = "Queue\ntriage"
    exercise.save()
    invitation_email_send(invitation=_invitation(exercise, lead), link=LINK)
    assert mail.outbox[0].subject == "Your exercise: Queue triage"


def test_a_training_invitation_says_training_drill(organisation, lead):
    drill = services.exercise_create(
        organisation=organisation,
        slug="drill",
        title="Week 2 drill",
        purpose="training",
        time_limit_minutes=45,
        base_seed=6,
        items=[{"kind": "triage_queue", "archetypes": [], "difficulty": "easy"}],
    )
    invitation_email_send(invitation=_invitation(drill, lead), link=LINK)
    assert mail.outbox[0].subject == "Your training drill: Week 2 drill"
    assert "45 minutes" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (1, "1 minute"),
        (45, "45 minutes"),
        (60, "1 hour"),
        (61, "1 hour 1 minute"),
        (150, "2 hours 30 minutes"),
    ],
)
def test_duration_text(minutes, text):
    assert duration_text(minutes) == text


def test_utc_text_converts_to_utc():
    assert (
        utc_text(datetime(2025, 3, 1, 9, 5, tzinfo=ZoneInfo("Europe/Paris")))
        == "Saturday 1 March 2025, 08:05 UTC"
    )


def _email_settings(**environment) -> str:
    """The e-mail settings a fresh process reads from this environment."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'simulator.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD,"
        " s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DEFAULT_FROM_EMAIL"))}
    result = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **environment}, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_e_mail_goes_to_the_console_unless_configured():
    assert _email_settings().startswith("django.core.mail.backends.console.EmailBackend ")


def test_smtp_from_one_url():
    assert _email_settings(
        EMAIL_URL="smtp+tls://mailer:s%40cret@mail.example.com:587", DEFAULT_FROM_EMAIL="hiring@acme.example"
    ) == (
        "django.core.mail.backends.smtp.EmailBackend mail.example.com 587 mailer s@cret True False "
        "hiring@acme.example"
    )


def test_smtp_from_separate_variables():
    assert _email_settings(EMAIL_HOST="mail.example.com", EMAIL_PORT="465", EMAIL_USE_SSL="true") == (
        "django.core.mail.backends.smtp.EmailBackend mail.example.com 465   False True "
        "Support simulator <noreply@localhost>"
    )
