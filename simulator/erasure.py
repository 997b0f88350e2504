"""Erasing a participant's personal data, on request or when the retention period has passed.

What goes: the name and e-mail address, every answer and revision the person typed, the payloads
of their events, the link secret and access token of their invitations, and whatever other apps
hold about them (each app erases its own on `simulator.signals.participant_erased`, sent inside the
same transaction; `scoring` clears the quoted evidence, review notes and override justifications).
What stays, anonymous: the participant row under a placeholder name (so counts hold), the attempts
with their times and status, the scores per dimension, reviews' scores and override events, so
calibration and item statistics keep their data. Every erasure is written to the audit log, and
the person's e-mail address and name are scrubbed from earlier audit entries about them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from simulator.errors import DomainError
from simulator.models import (
    Attempt,
    AttemptStatus,
    AuditEntry,
    Event,
    Invitation,
    Participant,
    Response,
    ResponseRevision,
)
from simulator.services import TRANSITIONS, audit_record
from simulator.signals import participant_erased

ERASED_NAME = "Erased participant"
ERASED = "[erased]"
# Audit values under these keys are free text about the person (a justification, a reason, notes).
FREE_TEXT_KEYS = frozenset({"justification", "reason", "notes"})
# An attempt in one of these states still needs its answers: an erasure waits until it is scored.
WAITING_FOR_SCORE = frozenset({AttemptStatus.SUBMITTED})


class ErasureRefused(DomainError):
    status_code = 409
    code = "erasure_refused"


@dataclass(frozen=True)
class Erasure:
    participant_id: int
    attempts: int
    cancelled: int
    answers: int
    revisions: int
    events: int
    audit_entries: int
    already_erased: bool = False

    def __str__(self) -> str:
        if self.already_erased:
            return f"participant {self.participant_id} was erased already"
        return (
            f"erased participant {self.participant_id}: {self.attempts} attempts ({self.cancelled} cancelled), "
            f"{self.answers} answers, {self.revisions} revisions, {self.events} events, "
            f"{self.audit_entries} audit entries scrubbed"
        )


def erased_email(participant_id: int) -> str:
    """A placeholder that keeps the (organisation, email) constraint and can never receive mail."""
    return f"erased-{participant_id}@erased.invalid"


@transaction.atomic
def participant_erase(
    *, participant: Participant, erased_by=None, reason: str, now: datetime | None = None
) -> Erasure:
    """Remove a participant's personal data and keep their anonymous scores (see the module).

    Attempts not started or in progress are cancelled first (their link stops working); an attempt
    submitted but not scored yet refuses the erasure (ErasureRefused), since scoring reads the
    answers: retry once it is scored. Erasing an erased participant changes nothing.
    `erased_by` is the staff user who asked, or None for an operator or the retention sweep.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("an erasure needs a reason, e.g. 'request of the person' or 'retention period'")
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.erased_at is not None:
        return Erasure(participant.pk, 0, 0, 0, 0, 0, 0, already_erased=True)
    attempts = list(Attempt.objects.select_for_update().filter(participant=participant).order_by("pk"))
    waiting = [a.public_id for a in attempts if a.status in WAITING_FOR_SCORE]
    if waiting:
        raise ErasureRefused(
            f"attempt {', '.join(waiting)} is waiting for its score; erase once it is scored"
        )
    cancelled = 0
    for attempt in attempts:
        if AttemptStatus.CANCELLED in TRANSITIONS[attempt.status]:
            attempt.status = AttemptStatus.CANCELLED
            cancelled += 1
        attempt.access_token_hash = None
    Attempt.objects.bulk_update(attempts, ["status", "access_token_hash"])

    # Other apps erase what they hold first, while the name and e-mail are still there to find it by.
    participant_erased.send(sender=Participant, participant=participant)

    mine = Q(item__attempt__participant=participant)
    answers = Response.objects.filter(mine).update(answer={})
    revisions = ResponseRevision.objects.filter(mine).update(answer={})
    events = Event.objects.filter(attempt__participant=participant).update(data={})
    Invitation.objects.filter(participant=participant).update(link_secret="")
    scrubbed = _scrub_audit(participant, attempts)

    participant.name = ERASED_NAME
    participant.email = erased_email(participant.pk)
    participant.erased_at = now
    participant.save(update_fields=["name", "email", "erased_at"])
    audit_record(
        organisation_id=participant.organisation_id, actor=erased_by, action="participant.erased",
        target=f"participant:{participant.pk}",
        after={"reason": reason, "attempts": len(attempts), "cancelled": cancelled, "answers": answers,
               "revisions": revisions, "events": events, "audit_entries_scrubbed": scrubbed},
        now=now,
    )  # fmt: skip
    return Erasure(participant.pk, len(attempts), cancelled, answers, revisions, events, scrubbed)


def _scrub_audit(participant: Participant, attempts: list[Attempt]) -> int:
    """Earlier audit entries about this person keep what happened, not who it happened to: their
    name and e-mail address, and free text written about them, become "[erased]"."""
    targets = [f"attempt:{a.public_id}" for a in attempts] + [
        f"invitation:{pk}"
        for pk in Invitation.objects.filter(participant=participant).values_list("pk", flat=True)
    ]
    identifiers = {v.strip().lower() for v in (participant.name, participant.email) if v and v.strip()}

    def scrub(value, key=""):
        if isinstance(value, dict):
            return {k: scrub(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v, key) for v in value]
        if isinstance(value, str) and (
            key in FREE_TEXT_KEYS or any(identifier in value.lower() for identifier in identifiers)
        ):
            return ERASED
        return value

    changed = []
    for entry in AuditEntry.objects.filter(organisation_id=participant.organisation_id, target__in=targets):
        before, after = scrub(entry.before), scrub(entry.after)
        if (before, after) != (entry.before, entry.after):
            entry.before, entry.after = before, after
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["before", "after"])
    return len(changed)


# Retention ----------------------------------------------------------------------------------------

OPEN = frozenset({AttemptStatus.INVITED, AttemptStatus.IN_PROGRESS, AttemptStatus.SUBMITTED})


def participants_due_for_erasure(*, days: int, now: datetime | None = None) -> QuerySet[Participant]:
    """Participants not erased yet, with no attempt still open (invited, in progress, waiting for
    its score), whose attempts all closed more than `days` days ago. An attempt closed when it was
    submitted, or, if it never was (expired, cancelled), when it last changed."""
    now = now or timezone.now()
    open_attempt = Attempt.objects.filter(participant_id=OuterRef("pk"), status__in=OPEN)
    return (
        Participant.objects.filter(erased_at__isnull=True)
        .annotate(
            has_open=Exists(open_attempt),
            closed_at=Max(Coalesce(F("attempts__submitted_at"), F("attempts__updated_at"))),
        )
        .filter(has_open=False, closed_at__lt=now - timedelta(days=days))
        .order_by("pk")
    )


@dataclass(frozen=True)
class RetentionResult:
    days: int
    due: int
    erased: int
    refused: int

    def __str__(self) -> str:
        if not self.days:
            return "retention is off (PARTICIPANT_RETENTION_DAYS is 0): nothing erased"
        return (
            f"{self.due} participants whose attempts closed over {self.days} days ago: "
            f"{self.erased} erased, {self.refused} refused"
        )


def participants_erase_expired(
    *, days: int | None = None, now: datetime | None = None, dry_run: bool = False
) -> RetentionResult:
    """Erase every participant due under the retention period (PARTICIPANT_RETENTION_DAYS unless
    `days` is given; 0 turns retention off). Each erasure is its own transaction, so one refusal
    does not undo the others."""
    days = settings.PARTICIPANT_RETENTION_DAYS if days is None else days
    if days <= 0:
        return RetentionResult(days=0, due=0, erased=0, refused=0)
    now = now or timezone.now()
    due = list(participants_due_for_erasure(days=days, now=now))
    if dry_run:
        return RetentionResult(days=days, due=len(due), erased=0, refused=0)
    erased = refused = 0
    for participant in due:
        try:
            participant_erase(
                participant=participant, reason=f"retention period of {days} days passed", now=now
            )
            erased += 1
        except ErasureRefused:
            refused += 1
    return RetentionResult(days=days, due=len(due), erased=erased, refused=refused)
