"""Automatic e-mail: what goes to whom and when, each at most once, each switchable per organisation.

The services of notifications (the writes are the organisation's settings and the log of what was
sent). Sending is `simulator/emails.py`; the timing is Celery's (simulator/tasks.py) at company
scale and the sweep's (`manage.py sweep`) on one machine:

- invitation reminder: once per invitation, when it is e-mailed, unused and expires within the
  organisation's lead time (and was e-mailed before that window began);
- feedback ready: once per training attempt, when it is scored (a task queued on commit; the sweep
  makes up a lost task);
- appeal answered: once per appeal, when staff answer it (a task queued on commit);
- review digest: once a day per reviewer with something in their queue, at REVIEW_DIGEST_HOUR UTC.

"Once" is a row of NotificationSent with a unique (kind, key), written in the transaction that
sends: a send that fails leaves no row, so the next sweep tries again; two sweeps at once send one.
"""

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from simulator import emails
from simulator.access import attempts_visible_to
from simulator.errors import DomainError
from simulator.models import (
    Attempt,
    AttemptStatus,
    Invitation,
    NotificationKind,
    NotificationSent,
    NotificationSettings,
    Organisation,
    Purpose,
    Role,
)

logger = logging.getLogger(__name__)

BATCH = 500
# A scored drill whose "feedback ready" task was lost is made up by the sweep for this long after
# its submission; older ones are left alone (a switch turned back on does not mail the past).
FEEDBACK_CATCH_UP = timedelta(days=2)
DIGEST_ROWS = 20
MAX_REMINDER_HOURS = 7 * 24
SEND_ERRORS = (smtplib.SMTPException, OSError)


class NotificationsOff(DomainError):
    status_code = 409
    code = "notifications_off"


def settings_for(organisation_id: int) -> NotificationSettings:
    """The organisation's notification settings: its row, or the defaults (everything on)."""
    row = NotificationSettings.objects.filter(organisation_id=organisation_id).first()
    return row or NotificationSettings(organisation_id=organisation_id)


@transaction.atomic
def notification_settings_update(
    *, organisation: Organisation, updated_by, invitation_emails: bool, invitation_reminders: bool,
    reminder_hours_before: int, feedback_ready_emails: bool, review_digest: bool,
    appeal_answered_emails: bool | None = None,
) -> NotificationSettings:  # fmt: skip
    """A lead switches the organisation's e-mails on or off and sets the reminder's lead time.
    A switch left as None keeps its current value."""
    from simulator.services import NotAllowed, audit_record

    membership = getattr(updated_by, "membership", None)
    if membership is None or membership.organisation_id != organisation.pk or membership.role != Role.LEAD:
        raise NotAllowed("only a lead of this organisation can change its notifications")
    row = NotificationSettings.objects.select_for_update().filter(organisation=organisation).first()
    row = row or NotificationSettings(organisation=organisation)
    fields = ("invitation_emails", "invitation_reminders", "reminder_hours_before", "feedback_ready_emails",
              "appeal_answered_emails", "review_digest")  # fmt: skip
    before = {name: getattr(row, name) for name in fields}
    row.invitation_emails = invitation_emails
    row.invitation_reminders = invitation_reminders
    row.reminder_hours_before = reminder_hours_before
    row.feedback_ready_emails = feedback_ready_emails
    if appeal_answered_emails is not None:
        row.appeal_answered_emails = appeal_answered_emails
    row.review_digest = review_digest
    row.full_clean()
    row.save()
    after = {name: getattr(row, name) for name in fields}
    audit_record(
        organisation_id=organisation.pk, actor=updated_by, action="notifications.updated",
        target=f"organisation:{organisation.pk}", before=before, after=after,
    )  # fmt: skip
    return row


def invitation_emails_allowed(organisation_id: int) -> None:
    """Refuse to e-mail an invitation when the organisation has switched invitation e-mails off."""
    if not settings_for(organisation_id).invitation_emails:
        raise NotificationsOff(
            "invitation e-mails are switched off for this organisation; copy the link to the participant"
        )


def _once(*, organisation_id: int, kind: str, key: str, recipient: str, send: Callable[[], None],
          now: datetime) -> bool:  # fmt: skip
    """Send unless a message of this kind and key went already. True when it went now; a mail
    server's refusal is logged, leaves no row (so it is tried again) and returns False."""
    try:
        with transaction.atomic():
            NotificationSent.objects.create(
                organisation_id=organisation_id, kind=kind, key=key, recipient=recipient, sent_at=now
            )
            send()
    except IntegrityError:
        return False
    except SEND_ERRORS:
        logger.exception("%s e-mail (%s) was not accepted by the mail server", kind, key)
        return False
    return True


def _not_sent(kind: str, prefix: str) -> Exists:
    """An expression for querysets whose rows have no NotificationSent of `kind` for "prefix:<pk>"."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    return ~Exists(
        NotificationSent.objects.filter(
            kind=kind, key=Concat(Value(prefix), Cast(OuterRef("pk"), CharField()), output_field=CharField())
        )
    )


# Reminders -----------------------------------------------------------------------------------------


def invitation_reminders_send(*, now: datetime | None = None) -> tuple[int, int]:
    """Remind participants whose e-mailed invitation is unused and expires within their
    organisation's lead time. Returns (sent, failed)."""
    from simulator.services import invitation_token_for

    now = now or timezone.now()
    due = list(
        Invitation.objects.filter(
            attempt__status=AttemptStatus.INVITED,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(hours=MAX_REMINDER_HOURS),
            last_sent_at__isnull=False,
        )
        .exclude(link_secret="")
        .filter(_not_sent(NotificationKind.INVITATION_REMINDER, "invitation:"))
        .select_related("exercise", "participant", "organisation")
        .order_by("expires_at", "pk")[:BATCH]
    )
    per_organisation: dict[int, NotificationSettings] = {}
    sent = failed = 0
    for invitation in due:
        options = per_organisation.get(invitation.organisation_id)
        if options is None:
            options = per_organisation[invitation.organisation_id] = settings_for(invitation.organisation_id)
        lead = timedelta(hours=options.reminder_hours_before)
        window_opens = invitation.expires_at - lead
        # Not before the window; and not to someone whose invitation came inside it (a link valid
        # for a day needs no reminder the day it arrives).
        if not options.invitation_reminders or now < window_opens or invitation.last_sent_at >= window_opens:
            continue
        link = emails.take_url(invitation_token_for(invitation))
        went = _once(
            organisation_id=invitation.organisation_id, kind=NotificationKind.INVITATION_REMINDER,
            key=f"invitation:{invitation.pk}", recipient=invitation.participant.email, now=now,
            send=lambda invitation=invitation, link=link: emails.invitation_reminder_send(
                invitation=invitation, link=link
            ),
        )  # fmt: skip
        sent += went
        failed += not went and not _was_sent(
            NotificationKind.INVITATION_REMINDER, f"invitation:{invitation.pk}"
        )
    return sent, failed


def _was_sent(kind: str, key: str) -> bool:
    return NotificationSent.objects.filter(kind=kind, key=key).exists()


# Feedback ready ------------------------------------------------------------------------------------


def feedback_ready_notify(*, attempt_id: int, now: datetime | None = None) -> bool:
    """Tell a trainee their drill's feedback is ready, once. Only a scored training attempt of an
    organisation that has not switched it off; True when the e-mail went now."""
    from simulator.services import invitation_token_for

    now = now or timezone.now()
    attempt = (
        Attempt.objects.select_related("exercise", "participant", "organisation", "invitation")
        .filter(pk=attempt_id)
        .first()
    )
    if (
        attempt is None
        or attempt.exercise.purpose != Purpose.TRAINING
        or attempt.status not in (AttemptStatus.SCORED, AttemptStatus.FINALIZED)
        or not settings_for(attempt.organisation_id).feedback_ready_emails
    ):
        return False
    token = invitation_token_for(attempt.invitation)
    link = emails.take_url(token) if token else None
    return _once(
        organisation_id=attempt.organisation_id, kind=NotificationKind.FEEDBACK_READY,
        key=f"attempt:{attempt.pk}", recipient=attempt.participant.email, now=now,
        send=lambda: emails.feedback_ready_send(attempt=attempt, link=link),
    )  # fmt: skip


def feedback_ready_catch_up(*, now: datetime | None = None) -> tuple[int, int]:
    """Scored drills of the last FEEDBACK_CATCH_UP whose "feedback ready" e-mail has not gone (a
    lost task, a mail server that was down). Returns (sent, failed)."""
    now = now or timezone.now()
    waiting = list(
        Attempt.objects.filter(
            exercise__purpose=Purpose.TRAINING,
            status__in=[AttemptStatus.SCORED, AttemptStatus.FINALIZED],
            submitted_at__gte=now - FEEDBACK_CATCH_UP,
        )
        .exclude(organisation__notification_settings__feedback_ready_emails=False)
        .filter(_not_sent(NotificationKind.FEEDBACK_READY, "attempt:"))
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    sent = failed = 0
    for attempt_id in waiting:
        went = feedback_ready_notify(attempt_id=attempt_id, now=now)
        sent += went
        failed += not went
    return sent, failed


# Appeal answered ------------------------------------------------------------------------------------


def appeal_answered_notify(*, appeal_id: int, now: datetime | None = None) -> bool:
    """Tell a participant their appeal has been answered, once, unless the organisation switched it
    off. The outcome and the note stay on the site: the e-mail says only that there is an answer,
    with their own invitation link. True when the e-mail went now."""
    from scoring.models import Appeal, AppealStatus
    from simulator.services import invitation_token_for

    now = now or timezone.now()
    appeal = (
        Appeal.objects.select_related(
            "attempt__exercise", "attempt__participant", "attempt__organisation", "attempt__invitation"
        )
        .filter(pk=appeal_id)
        .first()
    )
    if (
        appeal is None
        or appeal.status == AppealStatus.OPEN
        or not appeal.attempt.participant.email
        or not settings_for(appeal.attempt.organisation_id).appeal_answered_emails
    ):
        return False
    attempt = appeal.attempt
    token = invitation_token_for(attempt.invitation)
    link = emails.take_url(token) if token else None
    return _once(
        organisation_id=attempt.organisation_id, kind=NotificationKind.APPEAL_ANSWERED,
        key=f"appeal:{appeal.pk}", recipient=attempt.participant.email, now=now,
        send=lambda: emails.appeal_answered_send(attempt=attempt, link=link),
    )  # fmt: skip


# The reviewers' digest -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewerQueue:
    assigned: list[dict]
    unclaimed: list[dict]
    assigned_total: int
    unclaimed_total: int


def reviewer_digest_queue(*, reviewer, now: datetime) -> ReviewerQueue:
    """What a reviewer's digest lists, within what they may see (their panels and assignments):
    attempts assigned to them that wait for their review, and attempts of their panels that still
    need a review, are not assigned to them, not reviewed by them and claimed by nobody now.
    Blind review hides a participant's name here as on the pages."""
    from scoring.models import Review, ReviewAssignment, ReviewClaim
    from scoring.staff_selectors import reviewer_queue
    from simulator.staff_selectors import _blinded, attempt_row

    assigned = reviewer_queue(reviewer=reviewer).annotate(blinded=_blinded(reviewer))
    claimed = ReviewClaim.objects.filter(attempt_id=OuterRef("pk"), expires_at__gt=now)
    unclaimed = (
        attempts_visible_to(reviewer)
        .filter(
            status=AttemptStatus.SCORED, scorecard__needs_review=True, invitation__panel__reviewers=reviewer
        )
        .exclude(Exists(ReviewAssignment.objects.filter(attempt_id=OuterRef("pk"), reviewer_id=reviewer.pk)))
        .exclude(Exists(Review.objects.filter(attempt_id=OuterRef("pk"), reviewer_id=reviewer.pk)))
        .exclude(Exists(claimed))
        .select_related("exercise", "participant", "scorecard")
        .annotate(blinded=_blinded(reviewer))
        .order_by("submitted_at", "pk")
    )

    def rows(attempts) -> list[dict]:
        out = []
        for attempt in attempts[:DIGEST_ROWS]:
            row = attempt_row(attempt, now=now)
            out.append(
                {
                    "exercise": row["exercise"],
                    "participant": row["participant"],
                    "submitted_at": emails.utc_text(attempt.submitted_at) if attempt.submitted_at else "",
                    "url": emails.site_url(reverse("staff-attempt", args=[attempt.public_id])),
                }
            )
        return out

    return ReviewerQueue(
        assigned=rows(assigned),
        unclaimed=rows(unclaimed),
        assigned_total=assigned.count(),
        unclaimed_total=unclaimed.count(),
    )


def review_digests_send(*, now: datetime | None = None, day: date | None = None) -> tuple[int, int]:
    """Send each reviewer with something waiting their digest for today (UTC), once a day.
    Reviewers with an empty queue get nothing. Returns (sent, failed)."""
    now = now or timezone.now()
    day = day or now.date()
    reviewers = list(
        get_user_model()
        .objects.filter(membership__role=Role.REVIEWER, is_active=True)
        .exclude(email="")
        .exclude(membership__organisation__notification_settings__review_digest=False)
        .filter(_not_sent(NotificationKind.REVIEW_DIGEST, f"day:{day.isoformat()}:reviewer:"))
        .select_related("membership__organisation")
        .order_by("pk")[:BATCH]
    )
    sent = failed = 0
    for reviewer in reviewers:
        key = f"day:{day.isoformat()}:reviewer:{reviewer.pk}"
        queue = reviewer_digest_queue(reviewer=reviewer, now=now)
        if not queue.assigned_total and not queue.unclaimed_total:
            continue
        went = _once(
            organisation_id=reviewer.membership.organisation_id, kind=NotificationKind.REVIEW_DIGEST, key=key,
            recipient=reviewer.email, now=now,
            send=lambda reviewer=reviewer, queue=queue: emails.review_digest_send(
                reviewer=reviewer, organisation_name=reviewer.membership.organisation.name,
                assigned=queue.assigned, unclaimed=queue.unclaimed, assigned_total=queue.assigned_total,
                unclaimed_total=queue.unclaimed_total, day=day,
            ),
        )  # fmt: skip
        sent += went
        failed += not went and not _was_sent(NotificationKind.REVIEW_DIGEST, key)
    return sent, failed


# The sweep's part ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationSweepResult:
    reminders: int
    feedback: int
    digests: int
    failed: int

    def __str__(self) -> str:
        return (
            f"sent {self.reminders} invitation reminders, {self.feedback} feedback-ready e-mails and "
            f"{self.digests} review digests, {self.failed} not sent"
        )


def notifications_sweep(*, now: datetime | None = None, digests: bool = True) -> NotificationSweepResult:
    """The e-mails that are due: reminders, feedback a lost task did not announce, and (with
    `digests`, during REVIEW_DIGEST_HOUR UTC) the reviewers' digests. Celery beat sends the digests
    on its own schedule, so its periodic run passes digests=False."""
    now = now or timezone.now()
    reminders, reminders_failed = invitation_reminders_send(now=now)
    feedback, feedback_failed = feedback_ready_catch_up(now=now)
    digests_sent = digests_failed = 0
    if digests and now.hour == settings.REVIEW_DIGEST_HOUR:
        digests_sent, digests_failed = review_digests_send(now=now)
    return NotificationSweepResult(
        reminders=reminders, feedback=feedback, digests=digests_sent,
        failed=reminders_failed + feedback_failed + digests_failed,
    )  # fmt: skip
