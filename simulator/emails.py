"""E-mail to participants and staff, through Django's e-mail framework (settings: EMAIL_URL or
EMAIL_HOST..., DEFAULT_FROM_EMAIL; the console backend when nothing is configured).

Every message is plain text with an HTML alternative, rendered from
`simulator/templates/simulator/emails/<name>{_subject.txt,.txt,.html}`. No tracking: no pixel, no
redirecting link; every link is an address of this site built from SITE_URL. A participant's
message carries no credential but their own invitation link; a staff message carries none at all,
and no message ever carries a score's evidence or an answer key.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from simulator.models import Attempt, Invitation, Purpose


def site_url(path: str) -> str:
    """The absolute address of a path of this site, from the configured base URL (SITE_URL): mail
    sent by the sweep has no request to take a host from, and a Host header should not choose it."""
    return settings.SITE_URL.rstrip("/") + path


def take_url(token: str) -> str:
    return site_url(reverse("take", args=[token]))


def _send(template: str, context: dict, *, to: str) -> None:
    # A header cannot hold a line break, and a title could.
    subject = " ".join(render_to_string(f"simulator/emails/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"simulator/emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"simulator/emails/{template}.html", context), "text/html")
    message.send()


def _invitation_context(invitation: Invitation, link: str) -> dict:
    exercise = invitation.exercise
    return {
        "participant_name": invitation.participant.name,
        "organisation_name": invitation.organisation.name,
        "exercise_title": exercise.title,
        "exercise_description": exercise.description,
        "training": exercise.purpose == Purpose.TRAINING,
        "time_limit": duration_text(exercise.time_limit_minutes),
        "expires_at": utc_text(invitation.expires_at),
        "link": link,
    }


def invitation_email_send(*, invitation: Invitation, link: str) -> None:
    """Send the participant their link, with the exercise, its time limit and when the link expires.

    `link` is the absolute URL with the token, which only the caller has: the database keeps a hash.
    A mail server's refusal or time-out raises (smtplib.SMTPException, OSError), so the caller can
    tell staff the e-mail did not go and leave the invitation marked as not sent.
    """
    _send("invitation", _invitation_context(invitation, link), to=invitation.participant.email)


def invitation_reminder_send(*, invitation: Invitation, link: str) -> None:
    """Remind the participant that their link expires soon and has not been used yet."""
    _send("invitation_reminder", _invitation_context(invitation, link), to=invitation.participant.email)


def feedback_ready_send(*, attempt: Attempt, link: str | None) -> None:
    """Tell a trainee their drill's feedback is ready. The feedback itself (scores, checks, the
    worked answer) stays on the site, behind the browser session that took the drill: `link` is
    their own invitation link, which opens it there and nothing anywhere else."""
    context = {
        "participant_name": attempt.participant.name,
        "organisation_name": attempt.organisation.name,
        "exercise_title": attempt.exercise.title,
        "submitted_at": utc_text(attempt.submitted_at) if attempt.submitted_at else "",
        "link": link,
    }
    _send("feedback_ready", context, to=attempt.participant.email)


def appeal_answered_send(*, attempt: Attempt, link: str | None) -> None:
    """Tell a participant the second look they asked for has been answered. The outcome and the
    note stay on the site, behind their own link, as the feedback does."""
    context = {
        "participant_name": attempt.participant.name,
        "organisation_name": attempt.organisation.name,
        "exercise_title": attempt.exercise.title,
        "link": link,
    }
    _send("appeal_answered", context, to=attempt.participant.email)


def review_digest_send(*, reviewer, organisation_name: str, assigned: list[dict], unclaimed: list[dict],
                       assigned_total: int, unclaimed_total: int, day) -> None:  # fmt: skip
    """A reviewer's morning list: what waits for their review, and what in their panels still
    needs a reviewer and is not claimed. Rows are {exercise, participant, submitted_at, url}."""
    context = {
        "reviewer_name": reviewer.get_full_name() or reviewer.get_username(),
        "organisation_name": organisation_name,
        "assigned": assigned,
        "unclaimed": unclaimed,
        "assigned_total": assigned_total,
        "unclaimed_total": unclaimed_total,
        "assigned_more": assigned_total - len(assigned),
        "unclaimed_more": unclaimed_total - len(unclaimed),
        "queue_url": site_url(reverse("staff-queue")),
        "settings_note": "Your organisation's leads can switch this e-mail off.",
        "day": f"{day:%A} {day.day} {day:%B %Y}",
    }
    _send("review_digest", context, to=reviewer.email)


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
