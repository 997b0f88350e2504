"""Appeals: a participant asks for a second look at one dimension of their attempt, once; a reviewer
answers it with an override (through `services.override_create`) or records that the score stands.

Who may ask: a trainee on any training drill, a hiring candidate where the exercise allows it
(`Exercise.appeals_allowed`), once the attempt is scored. Where it goes: to a reviewer of the
attempt's panel who is neither assigned to review it first nor has reviewed it (a second look is
fresh eyes), the one with the fewest open appeals; with no such reviewer or no panel, to the leads.
"Upheld" is recorded only when the score is still the one asked about: keeping a score that a first
review moved in the meantime is recorded as "changed", against the score at the time of answering. Leads may answer any appeal
of their organisation. What the requester sees: the outcome and the note written for them; a
hiring candidate is never shown a score, a check or anything of the answer key.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from scoring import services
from scoring.dimensions import DEFAULT_RUBRIC
from scoring.models import Appeal, AppealStatus, OverrideReason, Review, ReviewAssignment, Scorecard
from simulator.errors import DomainError
from simulator.models import Attempt, AttemptStatus, Purpose, Role
from simulator.services import NotAllowed

REASON_MAX_CHARS = 1000
NOTE_MAX_CHARS = 2000
DIMENSION_NAMES = {d["key"]: d["name"] for d in DEFAULT_RUBRIC}
APPEALABLE = (AttemptStatus.SCORED, AttemptStatus.FINALIZED)


class AppealRefused(DomainError):
    status_code = 409
    code = "appeal_refused"


class AppealsClosed(DomainError):
    status_code = 403
    code = "appeals_not_allowed"


def appeals_open_to(attempt: Attempt) -> bool:
    """Whether the attempt's participant may ask for a second look at all (its exercise's rule)."""
    exercise = attempt.exercise
    return exercise.purpose == Purpose.TRAINING or bool(exercise.appeals_allowed)


def _resolver_for(attempt: Attempt):
    """A reviewer of the attempt's panel who is neither assigned to review it first nor has reviewed
    it (fresh eyes), the one with the fewest open appeals. None when there is no such reviewer or no
    panel: the leads answer it."""
    panel_id = attempt.invitation.panel_id  # what makes the attempt visible to its reviewers
    if panel_id is None:
        return None
    reviewed = Review.objects.filter(attempt=attempt).values("reviewer_id")
    assigned = ReviewAssignment.objects.filter(attempt=attempt).values("reviewer_id")
    return (
        get_user_model()
        .objects.filter(
            panels=panel_id,
            membership__organisation_id=attempt.organisation_id,
            membership__role=Role.REVIEWER,
            is_active=True,
        )
        .exclude(pk__in=reviewed)
        .exclude(pk__in=assigned)
        .annotate(open_appeals=Count("appeals", filter=Q(appeals__status=AppealStatus.OPEN)))
        .order_by("open_appeals", "pk")
        .first()
    )


@transaction.atomic
def appeal_request(*, attempt: Attempt, dimension: str, reason: str, now=None) -> Appeal:
    """The participant of `attempt` asks for a second look at `dimension`. Once per attempt.

    The caller has already proved it is the participant (the attempt's access token in the browser
    session); this service checks everything else."""
    attempt = Attempt.objects.select_for_update().select_related("exercise", "invitation").get(pk=attempt.pk)
    if not appeals_open_to(attempt):
        raise AppealsClosed("this exercise does not take requests for a second look")
    if attempt.status not in APPEALABLE:
        raise AppealRefused("you can ask for a second look once your work has been scored")
    if Appeal.objects.filter(attempt=attempt).exists():
        raise AppealRefused(
            "you have already asked for a second look at this attempt; one request per attempt"
        )
    scorecard = Scorecard.objects.filter(attempt=attempt).first()
    finals = (scorecard.final_scores if scorecard else {}) or {}
    if dimension not in finals:
        names = ", ".join(DIMENSION_NAMES.get(d, d) for d in finals)
        raise DomainError(f"choose one of the dimensions this attempt was scored on: {names}")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("say in a sentence or two why the score should be looked at again")
    if len(reason) > REASON_MAX_CHARS:
        raise DomainError(f"keep the reason under {REASON_MAX_CHARS} characters (it has {len(reason)})")
    now = now or timezone.now()
    appeal = Appeal(
        attempt=attempt, organisation_id=attempt.organisation_id, dimension=dimension, reason=reason,
        score_before=finals[dimension]["score"], assigned_to=_resolver_for(attempt), requested_at=now,
    )  # fmt: skip
    appeal.full_clean()
    appeal.save()
    services._audit(
        attempt, None, "appeal.requested",
        after={"dimension": dimension, "assigned_to": appeal.assigned_to.get_username() if appeal.assigned_to else ""},
        now=now,
    )  # fmt: skip
    return appeal


def may_resolve(appeal: Appeal, user) -> bool:
    """The reviewer the appeal is assigned to, or any lead of the organisation."""
    membership = getattr(user, "membership", None)
    if membership is None or membership.organisation_id != appeal.organisation_id:
        return False
    return membership.role == Role.LEAD or appeal.assigned_to_id == user.pk


@transaction.atomic
def appeal_resolve(
    *, appeal: Appeal, outcome: str, note: str, resolver, score: int | None = None,
    reason_code: str = OverrideReason.OTHER, now=None,
) -> Appeal:  # fmt: skip
    """Answer an open appeal: `changed` records an override of the dimension through
    `services.override_create` (its justification is the note); `upheld` records that the score
    stands. Either way the note is what the requester reads."""
    appeal = Appeal.objects.select_for_update().select_related("attempt__exercise").get(pk=appeal.pk)
    attempt = appeal.attempt
    services._staff(resolver, attempt)
    if not may_resolve(appeal, resolver):
        raise NotAllowed("this appeal is in another reviewer's queue; a lead can answer it too")
    if appeal.status != AppealStatus.OPEN:
        raise AppealRefused("this appeal has been answered already")
    note = (note or "").strip()
    if not note:
        raise DomainError("write a note for the participant: what the second look found")
    if len(note) > NOTE_MAX_CHARS:
        raise DomainError(f"keep the note under {NOTE_MAX_CHARS} characters (it has {len(note)})")
    now = now or timezone.now()
    if outcome == AppealStatus.CHANGED:
        if score is None:
            raise DomainError("choose the new score from 1 to 5")
        current = Scorecard.objects.get(attempt=attempt).final_scores.get(appeal.dimension, {}).get("score")
        if current is not None and float(score) == float(current):
            raise DomainError(f"the score is {score} already; record that it is upheld instead")
        appeal.override = services.override_create(
            attempt=attempt, dimension=appeal.dimension, score=score, reason_code=reason_code,
            justification=f"Appeal: {note}", author=resolver, now=now,
        )  # fmt: skip
        appeal.score_at_answer = float(score)
    elif outcome == AppealStatus.UPHELD:
        # Upholding judges the score as much as changing it: the same blind-review and claim rules.
        # A finalized scorecard can be upheld (nothing on it changes); changing it needs a reopen.
        if attempt.status not in APPEALABLE:
            raise AppealRefused(f"this attempt is {attempt.status}")
        services._may_change_scores(attempt, resolver, now)
        current = Scorecard.objects.get(attempt=attempt).final_scores.get(appeal.dimension, {}).get("score")
        appeal.score_at_answer = current
        if current is not None and appeal.score_before is not None and float(current) != appeal.score_before:
            # The score moved since the request (a first review, say): keeping it is not "upheld",
            # which the requester would read as "the score you asked about stands".
            outcome = AppealStatus.CHANGED
    else:
        raise DomainError("outcome must be changed or upheld")
    appeal.status = outcome
    appeal.response_note = note
    appeal.resolved_by = resolver
    appeal.resolved_at = now
    appeal.full_clean()
    appeal.save()
    _enqueue_appeal_answered(appeal.pk)
    services._audit(
        attempt, resolver, "appeal.resolved", before={"status": AppealStatus.OPEN},
        after={"status": outcome, "dimension": appeal.dimension, "score": appeal.score_at_answer},
        now=now,
    )  # fmt: skip
    return appeal


def _enqueue_appeal_answered(appeal_id: int) -> None:
    """The participant's e-mail goes once the answer is committed; it is sent at most once
    (NotificationSent), so a task that runs twice is harmless."""
    from simulator.tasks import send_appeal_answered

    transaction.on_commit(lambda: send_appeal_answered.delay(appeal_id), robust=True)


# Reads -----------------------------------------------------------------------------------------------


def open_appeals_for(*, viewer) -> QuerySet[Appeal]:
    """The open appeals waiting in the viewer's queue: assigned to them, or, for a lead, every open
    appeal of their organisation. Attempts outside the viewer's scope are never listed."""
    from simulator.access import attempts_visible_to, staff_membership

    membership = staff_membership(viewer)
    if membership is None:
        return Appeal.objects.none()
    appeals = Appeal.objects.filter(
        organisation_id=membership.organisation_id,
        status=AppealStatus.OPEN,
        attempt__in=attempts_visible_to(viewer),
    )
    if membership.role != Role.LEAD:
        appeals = appeals.filter(assigned_to=viewer)
    return appeals.select_related(
        "attempt__exercise", "attempt__participant", "attempt__scorecard", "assigned_to"
    ).order_by("requested_at", "pk")


def appeal_of(attempt: Attempt) -> Appeal | None:
    return (
        Appeal.objects.filter(attempt=attempt)
        .select_related("assigned_to", "resolved_by", "override")
        .first()
    )


def _score_after(appeal: Appeal):
    """The score the outcome stands against, when it differs from the one asked about."""
    if appeal.status != AppealStatus.CHANGED:
        return None
    if appeal.override is not None:
        return appeal.override.score
    return appeal.score_at_answer


def requester_view(*, attempt: Attempt) -> dict:
    """What the participant's page shows about appeals: whether they may ask, the dimensions to
    choose from, and their request with its outcome. A hiring candidate gets no score."""
    appeal = appeal_of(attempt)
    training = attempt.exercise.purpose == Purpose.TRAINING
    scorecard = Scorecard.objects.filter(attempt=attempt).only("final_scores").first()
    dimensions = [
        {"key": key, "name": DIMENSION_NAMES.get(key, key)}
        for key in ((scorecard and scorecard.final_scores) or {})
    ]
    view = {
        "allowed": appeals_open_to(attempt),
        "can_ask": appeals_open_to(attempt)
        and appeal is None
        and attempt.status in APPEALABLE
        and bool(dimensions),
        "dimensions": dimensions,
        "reason_max": REASON_MAX_CHARS,
        "appeal": None,
    }
    if appeal is not None:
        view["appeal"] = {
            "dimension": DIMENSION_NAMES.get(appeal.dimension, appeal.dimension),
            "reason": appeal.reason,
            "requested_at": appeal.requested_at,
            "status": appeal.status,
            "status_label": AppealStatus(appeal.status).label,
            "resolved_at": appeal.resolved_at,
            "note": appeal.response_note,
            # Scores only for a trainee, who sees their scores anyway.
            "score_before": appeal.score_before if training else None,
            "score_after": _score_after(appeal) if training else None,
        }
    return view
