"""Reads behind the staff lists of the delivery side: attempts, a reviewer's queue, invitations and
a participant's history, for the pages under /staff/ and the list APIs alike.

Every queryset starts from `simulator.access`, so nothing outside the caller's scope is listed.
Blind review (see `scoring.staff_selectors`) is decided per row in SQL: a reviewer who has not
submitted their own review of an attempt on a blind exercise gets the participant's code, no
scores, no recommendation and no flags that come from scores; searching and sorting never look
at what such a row hides, so neither can be used to find out who or how good it is.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from scoring.models import Review, ReviewAssignment
from scoring.scorecards import OUTCOME_LABELS
from scoring.staff_selectors import DIMENSION_NAMES, participant_code, reviewer_queue
from simulator.access import (
    attempts_visible_to,
    invitations_visible_to,
    participants_visible_to,
    staff_membership,
)
from simulator.models import Attempt, AttemptStatus, Invitation, Role
from simulator.selectors import elapsed_seconds

PAGE_SIZE = 50
STATUS_LABELS = dict(AttemptStatus.choices)


def _is_lead(viewer) -> bool:
    membership = staff_membership(viewer)
    return membership is not None and membership.role == Role.LEAD


def _blinded(viewer, *, attempt_ref: str = "pk") -> Value | ExpressionWrapper:
    """An expression: true on rows whose scores and participant blind review hides from `viewer`.
    `attempt_ref` leads from the row to its attempt's id ("pk" on attempts)."""
    if _is_lead(viewer):
        return Value(False, output_field=BooleanField())
    own_review = Review.objects.filter(attempt_id=OuterRef(attempt_ref), reviewer_id=viewer.pk)
    return ExpressionWrapper(
        Q(exercise__blind_review=True) & ~Q(Exists(own_review)), output_field=BooleanField()
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _day_end(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max), timezone.get_current_timezone())


# Attempts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptFilters:
    exercise: int | None = None
    purpose: str = ""
    status: str = ""
    reviewer: int | None = None
    needs_review: bool | None = None
    needs_adjudication: bool | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    search: str = ""
    participant: int | None = None


# Sort keys: what the page's column links and the API accept; "-" sorts descending.
ATTEMPT_SORTS = {
    "submitted": "submitted_at",
    "time": "_time_used",
    "mean": "_mean_sort",
    "participant": "_participant_sort",
}
DEFAULT_ATTEMPT_SORT = "-submitted"


def _attempts_base(viewer) -> QuerySet[Attempt]:
    return (
        attempts_visible_to(viewer)
        .select_related("exercise", "participant", "scorecard")
        .annotate(blinded=_blinded(viewer))
    )


def _filtered(
    attempts: QuerySet[Attempt], filters: AttemptFilters, *, with_status: bool
) -> QuerySet[Attempt]:
    if filters.exercise:
        attempts = attempts.filter(exercise_id=filters.exercise)
    if filters.purpose:
        attempts = attempts.filter(exercise__purpose=filters.purpose)
    if with_status and filters.status:
        attempts = attempts.filter(status=filters.status)
    if filters.participant:
        # Like a search by name: a blinded row is never found by who it is.
        attempts = attempts.filter(participant_id=filters.participant, blinded=False)
    if filters.reviewer:
        attempts = attempts.filter(
            Exists(ReviewAssignment.objects.filter(attempt_id=OuterRef("pk"), reviewer_id=filters.reviewer))
        )
    if filters.needs_review is not None:
        attempts = attempts.filter(scorecard__needs_review=filters.needs_review)
    if filters.needs_adjudication is not None:
        # A blinded row's flag is not the viewer's to know: it never matches "needs adjudication".
        flagged = Q(scorecard__needs_adjudication=True, blinded=False)
        attempts = attempts.filter(flagged if filters.needs_adjudication else ~flagged)
    if filters.submitted_from:
        attempts = attempts.filter(submitted_at__gte=_day_start(filters.submitted_from))
    if filters.submitted_to:
        attempts = attempts.filter(submitted_at__lte=_day_end(filters.submitted_to))
    if filters.search:
        words = Q(participant__name__icontains=filters.search) | Q(
            participant__email__icontains=filters.search
        )
        attempts = attempts.filter(words, blinded=False)
    return attempts


def attempts_for_staff(
    *, viewer, filters: AttemptFilters, sort: str = DEFAULT_ATTEMPT_SORT
) -> QuerySet[Attempt]:
    """The attempts the viewer may see, filtered and sorted, each annotated with `blinded`."""
    attempts = _filtered(_attempts_base(viewer), filters, with_status=True)
    key = sort.lstrip("-")
    if key not in ATTEMPT_SORTS:
        sort, key = DEFAULT_ATTEMPT_SORT, DEFAULT_ATTEMPT_SORT.lstrip("-")
    attempts = attempts.annotate(
        _time_used=ExpressionWrapper(F("submitted_at") - F("started_at"), output_field=DurationField()),
        # Blinded rows sort as if they had no score and no name, so order reveals nothing.
        _mean_sort=Case(
            When(blinded=True, then=Value(None)),
            default=F("scorecard__mean_score"),
            output_field=FloatField(),
        ),
        _participant_sort=Case(
            When(blinded=True, then=Value("")), default=F("participant__name"), output_field=CharField()
        ),
    )
    field = F(ATTEMPT_SORTS[key])
    ordered = field.desc(nulls_last=True) if sort.startswith("-") else field.asc(nulls_last=True)
    return attempts.order_by(ordered, "-pk")


def attempt_status_counts(*, viewer, filters: AttemptFilters) -> dict[str, int]:
    """How many of the filtered attempts are in each status (the status filter itself left out)."""
    rows = (
        _filtered(_attempts_base(viewer), filters, with_status=False)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = {status: 0 for status in AttemptStatus.values}
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def _auto_mean(auto_scores: dict) -> float | None:
    values = [v for v in (auto_scores or {}).values() if isinstance(v, int | float)]
    return round(sum(values) / len(values), 2) if values else None


def attempt_row(attempt: Attempt, *, now: datetime | None = None) -> dict:
    """One attempt as a staff list shows it; what blind review hides is None. No queries when the
    attempt comes from `attempts_for_staff` (or carries `blinded` and its scorecard)."""
    now = now or timezone.now()
    blinded = bool(getattr(attempt, "blinded", False))
    scorecard = getattr(attempt, "scorecard", None)
    shown = scorecard is not None and not blinded
    return {
        "id": attempt.public_id,
        "participant_id": None if blinded else attempt.participant_id,
        "participant": participant_code(attempt.participant_id) if blinded else attempt.participant.name,
        "email": "" if blinded else attempt.participant.email,
        "blinded": blinded,
        "exercise_id": attempt.exercise_id,
        "exercise": attempt.exercise.title,
        "purpose": attempt.exercise.purpose,
        "status": attempt.status,
        "status_label": STATUS_LABELS.get(attempt.status, attempt.status),
        "started_at": attempt.started_at,
        "submitted_at": attempt.submitted_at,
        "time_used_seconds": elapsed_seconds(attempt, now) if attempt.started_at else None,
        "time_limit_seconds": attempt.time_limit_seconds + attempt.extra_seconds,
        "auto_score_mean": _auto_mean(scorecard.auto_scores) if shown else None,
        "mean_score": scorecard.mean_score if shown else None,
        "final_scores": (
            {d: (v or {}).get("score") for d, v in (scorecard.final_scores or {}).items()} if shown else None
        ),
        "recommendation": (scorecard.recommendation or None) if shown else None,
        "recommendation_label": OUTCOME_LABELS.get(scorecard.recommendation, scorecard.recommendation)
        if shown and scorecard.recommendation
        else "",
        "reviews_submitted": scorecard.reviews_submitted if scorecard else None,
        "reviews_required": scorecard.reviews_required if scorecard else attempt.exercise.reviews_required,
        "needs_review": scorecard.needs_review if scorecard else None,
        "needs_adjudication": scorecard.needs_adjudication if shown else None,
        "low_confidence": scorecard.low_confidence if shown else None,
        "overrides_to_recheck": scorecard.overrides_to_recheck if shown else None,
    }


def reviewers_of(*, viewer) -> QuerySet:
    """The reviewers of the viewer's organisation, for the "assigned to" filter."""
    membership = staff_membership(viewer)
    if membership is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(membership__organisation_id=membership.organisation_id)
        .order_by("first_name", "last_name", "username")
    )


# A reviewer's queue --------------------------------------------------------------------------------


def queue_for(*, reviewer) -> tuple[QuerySet[Attempt], QuerySet[Review]]:
    """What is assigned to the reviewer and still waits for their review, and what they reviewed."""
    to_review = reviewer_queue(reviewer=reviewer).annotate(blinded=_blinded(reviewer))
    done = (
        Review.objects.filter(reviewer=reviewer, attempt__in=attempts_visible_to(reviewer))
        .select_related("attempt__exercise", "attempt__participant", "attempt__scorecard")
        .order_by("-submitted_at", "-pk")
    )
    return to_review, done


def appeals_waiting_for(*, viewer) -> QuerySet[Attempt]:
    """The attempts whose appeal waits in the viewer's queue (scoring.appeals.open_appeals_for),
    oldest request first, each annotated with `blinded` and carrying its appeal. One query."""
    from scoring.appeals import open_appeals_for

    return (
        _attempts_base(viewer)
        .filter(appeal__in=open_appeals_for(viewer=viewer).values("pk"))
        .select_related("appeal")
        .order_by("appeal__requested_at", "pk")
    )


# Invitations ---------------------------------------------------------------------------------------

INVITATION_STATUSES = {
    "not_sent": "Not sent",
    "sent": "Sent",
    "started": "Started",
    "submitted": "Submitted",
    "expired": "Expired",
    "revoked": "Revoked",
}
_SUBMITTED = [AttemptStatus.SUBMITTED, AttemptStatus.SCORED, AttemptStatus.FINALIZED]


def invitation_status(invitation: Invitation, *, now: datetime) -> str:
    """An invitation's state for staff, from its attempt's status, its expiry and when it was sent."""
    status = invitation.attempt.status
    if status == AttemptStatus.CANCELLED:
        return "revoked"
    if status == AttemptStatus.EXPIRED or (status == AttemptStatus.INVITED and invitation.expires_at <= now):
        return "expired"
    if status == AttemptStatus.IN_PROGRESS:
        return "started"
    if status in _SUBMITTED:
        return "submitted"
    return "sent" if invitation.last_sent_at else "not_sent"


def _invitation_status_q(status: str, *, now: datetime) -> Q:
    waiting = Q(attempt__status=AttemptStatus.INVITED, expires_at__gt=now)
    return {
        "revoked": Q(attempt__status=AttemptStatus.CANCELLED),
        "expired": Q(attempt__status=AttemptStatus.EXPIRED)
        | Q(attempt__status=AttemptStatus.INVITED, expires_at__lte=now),
        "started": Q(attempt__status=AttemptStatus.IN_PROGRESS),
        "submitted": Q(attempt__status__in=_SUBMITTED),
        "sent": waiting & Q(last_sent_at__isnull=False),
        "not_sent": waiting & Q(last_sent_at__isnull=True),
    }[status]


def _invitations_base(viewer, *, exercise: int | None) -> QuerySet[Invitation]:
    invitations = invitations_visible_to(viewer).select_related("attempt", "exercise", "participant")
    invitations = invitations.annotate(blinded=_blinded(viewer, attempt_ref="attempt__id"))
    if exercise:
        invitations = invitations.filter(exercise_id=exercise)
    return invitations


def invitations_for_staff(
    *, viewer, exercise: int | None = None, status: str = "", now: datetime | None = None
) -> QuerySet[Invitation]:
    """The invitations the viewer may see, newest first, each annotated with `blinded`."""
    now = now or timezone.now()
    invitations = _invitations_base(viewer, exercise=exercise)
    if status in INVITATION_STATUSES:
        invitations = invitations.filter(_invitation_status_q(status, now=now))
    return invitations.order_by("-created_at", "-pk")


def invitation_status_counts(
    *, viewer, exercise: int | None = None, now: datetime | None = None
) -> dict[str, int]:
    """How many of the viewer's invitations are in each state, in one query."""
    now = now or timezone.now()
    aggregates = {
        status: Count("pk", filter=_invitation_status_q(status, now=now)) for status in INVITATION_STATUSES
    }
    return _invitations_base(viewer, exercise=exercise).order_by().aggregate(**aggregates)


def may_manage_invitation(viewer, invitation: Invitation) -> bool:
    """Leads manage every invitation of their organisation; a reviewer those they created
    (the same rule as `services.invitation_revoke` and `invitation_send`)."""
    return _is_lead(viewer) or invitation.created_by_id == viewer.pk


def invitation_row(invitation: Invitation, *, viewer, now: datetime) -> dict:
    blinded = bool(getattr(invitation, "blinded", False))
    status = invitation_status(invitation, now=now)
    may_manage = may_manage_invitation(viewer, invitation)
    return {
        "id": invitation.pk,
        "attempt_id": invitation.attempt.public_id,
        "participant_id": None if blinded else invitation.participant_id,
        "participant": participant_code(invitation.participant_id)
        if blinded
        else invitation.participant.name,
        "email": "" if blinded else invitation.participant.email,
        "blinded": blinded,
        "exercise_id": invitation.exercise_id,
        "exercise": invitation.exercise.title,
        "status": status,
        "status_label": INVITATION_STATUSES[status],
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "last_sent_at": invitation.last_sent_at,
        "may_manage": may_manage,
        "revocable": may_manage and status in ("not_sent", "sent", "started"),
    }


def invitation_for_staff(*, viewer, invitation_id: int) -> Invitation:
    """An invitation the viewer may see, else Http404."""
    invitation = (
        invitations_visible_to(viewer)
        .select_related("attempt", "exercise", "participant")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


# A participant's history ---------------------------------------------------------------------------


@dataclass
class ParticipantHistory:
    participant_id: int
    label: str
    email: str
    kind: str
    blinded: bool
    attempts: list[dict]
    erased: bool = False


def participant_history(*, viewer, participant_id: int, now: datetime | None = None) -> ParticipantHistory:
    """Every attempt of one participant the viewer may see, newest first; Http404 outside scope.
    A reviewer blinded on any of them sees the participant only by code, here and on every row."""
    participant = participants_visible_to(viewer).filter(pk=participant_id).first()
    if participant is None:
        raise Http404
    attempts = list(
        _attempts_base(viewer).filter(participant=participant).order_by(F("created_at").desc(), "-pk")
    )
    blinded = any(attempt.blinded for attempt in attempts)
    rows = []
    for attempt in attempts:
        row = attempt_row(attempt, now=now)
        if blinded:
            row.update(participant=participant_code(participant.pk), email="", participant_id=None)
        row["dimensions"] = [
            {"key": key, "name": DIMENSION_NAMES.get(key, key), "score": score}
            for key, score in (row["final_scores"] or {}).items()
        ]
        row["created_at"] = attempt.created_at
        rows.append(row)
    return ParticipantHistory(
        participant_id=participant.pk,
        label=participant_code(participant.pk) if blinded else participant.name,
        email="" if blinded else participant.email,
        kind=participant.get_kind_display(),
        blinded=blinded,
        attempts=rows,
        erased=participant.erased_at is not None,
    )
