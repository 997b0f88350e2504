"""E-mail to participants, through Django's e-mail framework (settings: EMAIL_URL or EMAIL_HOST...,
DEFAULT_FROM_EMAIL; the console backend when nothing is configured)."""

from datetime import UTC, datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from simulator.models import Invitation, Purpose


def invitation_email_send(*, invitation: Invitation, link: str) -> None:
    """Send the participant their link, with the exercise, its time limit and when the link expires.

    `link` is the absolute URL with the token, which only the caller has: the database keeps a hash.
    A mail server's refusal or time-out raises (smtplib.SMTPException, OSError), so the caller can
    tell staff the e-mail did not go and leave the invitation marked as not sent.
    """
    exercise = invitation.exercise
    context = {
        "participant_name": invitation.participant.name,
        "organisation_name": invitation.organisation.name,
        "exercise_title": exercise.title,
        "exercise_description": exercise.description,
        "training": exercise.purpose == Purpose.TRAINING,
        "time_limit": duration_text(exercise.time_limit_minutes),
        "expires_at": utc_text(invitation.expires_at),
        "link": link,
    }
    # A header cannot hold a line break, and a title could.
    subject = " ".join(render_to_string("simulator/emails/invitation_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("simulator/emails/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.participant.email],
    )
    message.attach_alternative(render_to_string("simulator/emails/invitation.html", context), "text/html")
    message.send()


def duration_text(minutes: int) -> str:
    """90 -> "1 hour 30 minutes"."""
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def utc_text(moment: datetime) -> str:
    """A time for a reader anywhere: "Friday 14 November 2025, 17:00 UTC"."""
    moment = moment.astimezone(UTC)
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M} UTC"
