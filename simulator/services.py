"""Every state change of the delivery side: organisations, invitations, attempts, responses, events.

The attempt's states and the moves between them are declared once, in TRANSITIONS; the server
owns the clock (every function that depends on time takes `now`, defaulting to the server's).
"""

import base64
import hashlib
import hmac
import logging
import math
import random
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from django import db
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scenarios.catalog import archetype_ids, get_archetype
from scenarios.generation import GenerationError, validate_inputs
from scenarios.services import scenario_generate
from simulator import access, events, groupcommit
from simulator.builtin_exercises import builtin_exercises_for, keyed_seed
from simulator.errors import DomainError
from simulator.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    AuditEntry,
    Event,
    EventKind,
    Exercise,
    Invitation,
    Membership,
    Organisation,
    Panel,
    Participant,
    ParticipantKind,
    Purpose,
    Response,
    ResponseRevision,
    Role,
    SubmittedBy,
    VariantPolicy,
)
from simulator.responses import InvalidAnswer, validate_answer

logger = logging.getLogger(__name__)

TRANSITIONS: dict[str, frozenset[str]] = {
    AttemptStatus.INVITED: frozenset(
        {AttemptStatus.IN_PROGRESS, AttemptStatus.EXPIRED, AttemptStatus.CANCELLED}
    ),
    AttemptStatus.IN_PROGRESS: frozenset({AttemptStatus.SUBMITTED, AttemptStatus.CANCELLED}),
    AttemptStatus.SUBMITTED: frozenset({AttemptStatus.SCORED}),
    AttemptStatus.SCORED: frozenset({AttemptStatus.FINALIZED}),
    AttemptStatus.FINALIZED: frozenset({AttemptStatus.SCORED}),  # a lead's explicit reopen
    AttemptStatus.EXPIRED: frozenset(),
    AttemptStatus.CANCELLED: frozenset(),
}
CLOSED = frozenset({AttemptStatus.SUBMITTED, AttemptStatus.SCORED, AttemptStatus.FINALIZED})
INVITATION_LIFETIME = timedelta(days=7)
MAX_EXTRA_MINUTES = 240
MAX_EVENTS_PER_BATCH = 200


class IllegalTransition(DomainError):
    status_code = 409
    code = "illegal_transition"

    def __init__(self, attempt: Attempt, to: str):
        super().__init__(f"an attempt that is {attempt.status} cannot become {to}")
        self.current, self.target = attempt.status, to


class InvitationUnusable(DomainError):
    status_code = 410
    code = "invitation_unusable"


class InvitationNotFound(InvitationUnusable):
    status_code = 404
    code = "not_found"


class AttemptAlreadySubmitted(DomainError):
    """The invitation's attempt is over: its link no longer opens anything (no token, no answers)."""

    status_code = 409
    code = "already_submitted"


class DeadlinePassed(DomainError):
    status_code = 409
    code = "deadline_passed"

    def __init__(self, deadline: datetime):
        super().__init__(
            f"the deadline of this attempt was {deadline.isoformat(timespec='seconds')}; nothing is accepted after it"
        )
        self.deadline = deadline


class AttemptClosed(DomainError):
    status_code = 409
    code = "attempt_closed"


class StaleVersion(DomainError):
    status_code = 409
    code = "stale_version"

    def __init__(self, response: Response):
        super().__init__(
            f"this answer was saved elsewhere as version {response.version}; reload it before saving again"
        )
        self.response = response


class NotAllowed(DomainError):
    status_code = 403
    code = "not_allowed"


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def access_token_for(invitation_token: str) -> str:
    """The candidate's access token, derived from the invitation token so a repeated start returns
    the same one, while only its hash is stored."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), b"attempt-access|" + invitation_token.encode(), hashlib.sha256
    )
    return digest.hexdigest()


def _move(attempt: Attempt, to: str) -> None:
    if to not in TRANSITIONS[attempt.status]:
        raise IllegalTransition(attempt, to)
    attempt.status = to


# Organisations and people ----------------------------------------------------------------------


@transaction.atomic
def organisation_create(*, name: str, slug: str, seed_secret: str | None = None) -> Organisation:
    """An organisation with the built-in exercises. Its seed secret is random unless given (the demo
    gives one, so that its public content looks the same on every machine)."""
    organisation = Organisation(name=name, slug=slug)
    if seed_secret is not None:
        organisation.seed_secret = seed_secret
    organisation.full_clean()
    organisation.save()
    for spec in builtin_exercises_for(organisation.seed_secret):
        exercise_create(organisation=organisation, builtin=True, **spec)
    return organisation


def member_add(*, organisation: Organisation, user, role: str) -> Membership:
    membership = Membership(organisation=organisation, user=user, role=role)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def panel_create(*, organisation: Organisation, name: str, reviewers: list) -> Panel:
    """A hiring panel of the organisation's staff; a reviewer may sit on several."""
    outsiders = [
        u.username
        for u in reviewers
        if getattr(getattr(u, "membership", None), "organisation_id", None) != organisation.pk
    ]
    if outsiders:
        raise NotAllowed(f"not members of {organisation.name}: {', '.join(sorted(outsiders))}")
    panel = Panel(organisation=organisation, name=name)
    panel.full_clean()
    panel.save()
    panel.reviewers.set(reviewers)
    return panel


def exercise_create(
    *,
    organisation: Organisation,
    slug: str,
    title: str,
    purpose: str,
    time_limit_minutes: int,
    items: list[dict],
    description: str = "",
    variant_policy: str = VariantPolicy.SAME_SEED,
    base_seed: int | None = None,
    builtin: bool = False,
    panel: Panel | None = None,
    reviews_required: int | None = None,
    blind_review: bool | None = None,
    appeals_allowed: bool = False,
) -> Exercise:
    """An exercise of the organisation. By default a hiring exercise needs one blind human review
    per attempt, and a training exercise none."""
    _check_items(items)
    hiring = purpose == Purpose.HIRING
    if panel is not None and panel.organisation_id != organisation.pk:
        raise NotAllowed("this panel belongs to another organisation")
    exercise = Exercise(
        panel=panel,
        reviews_required=(1 if hiring else 0) if reviews_required is None else reviews_required,
        blind_review=hiring if blind_review is None else blind_review,
        appeals_allowed=appeals_allowed,
        organisation=organisation,
        slug=slug,
        title=title,
        description=description,
        purpose=purpose,
        time_limit_minutes=time_limit_minutes,
        variant_policy=variant_policy,
        base_seed=base_seed if base_seed is not None else random.SystemRandom().randrange(1, 2**40),
        items=items,
        builtin=builtin,
    )
    exercise.full_clean()
    exercise.save()
    return exercise


@transaction.atomic
def exercise_set_appeals(
    *, exercise: Exercise, allowed: bool, set_by, now: datetime | None = None
) -> Exercise:
    """A lead lets a hiring exercise's candidates ask for a second look at one dimension (or stops
    it). Trainees may always ask; the setting is for hiring exercises."""
    membership = _membership(set_by)
    if membership.role != Role.LEAD or membership.organisation_id != exercise.organisation_id:
        raise NotAllowed("only a lead of this organisation can change whether an exercise takes appeals")
    before = exercise.appeals_allowed
    exercise.appeals_allowed = bool(allowed)
    exercise.save(update_fields=["appeals_allowed"])
    audit_record(
        organisation_id=exercise.organisation_id, actor=set_by, action="exercise.appeals_set",
        target=f"exercise:{exercise.pk}", before={"appeals_allowed": before},
        after={"appeals_allowed": exercise.appeals_allowed}, now=now,
    )  # fmt: skip
    return exercise


def _check_items(items: list[dict]) -> None:
    """Refuse item specs that could not generate a scenario, naming the item and the problem."""
    if not items:
        raise DomainError("an exercise needs at least one scenario item")
    for index, item in enumerate(items):
        unknown = set(item) - {"kind", "archetypes", "difficulty", "log_lines", "retired_archetypes"}
        if unknown:
            raise DomainError(f"item {index}: unknown fields {sorted(unknown)}")
        kind = item.get("kind")
        candidates = item.get("archetypes") or [
            a for a in archetype_ids() if kind in get_archetype(a)["kinds"]
        ]
        if not candidates:
            raise DomainError(f"item {index}: no archetype supports kind {kind!r}")
        retired = item.get("retired_archetypes") or []
        if not isinstance(retired, list) or not set(candidates) - set(retired):
            raise DomainError(f"item {index}: retired_archetypes must leave at least one archetype to serve")
        for archetype_id in candidates:
            try:
                validate_inputs(
                    kind, archetype_id, 0, item.get("difficulty"), log_lines=item.get("log_lines")
                )
            except GenerationError as error:
                raise DomainError(f"item {index}: {error}") from None


@transaction.atomic
def exercise_archetype_retire(*, exercise: Exercise, kind: str, archetype: str, difficulty: str) -> list[int]:
    """Stop serving one scenario (kind × archetype × difficulty) in the exercise's new attempts: the
    parts that could serve it pick another of their archetypes. Returns the positions changed;
    refused when a part would be left with nothing to serve. Attempts already started keep theirs."""
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    items = [dict(spec) for spec in exercise.items]
    changed = []
    for position, spec in enumerate(items):
        if spec.get("kind") != kind or spec.get("difficulty") != difficulty:
            continue
        candidates = spec.get("archetypes") or [
            a for a in archetype_ids() if kind in get_archetype(a)["kinds"]
        ]
        retired = list(spec.get("retired_archetypes") or [])
        if archetype not in candidates or archetype in retired:
            continue
        if not set(candidates) - set(retired) - {archetype}:
            raise DomainError(
                f"part {position + 1} serves only {archetype}: add another archetype to it before retiring this one"
            )
        spec["retired_archetypes"] = sorted(retired + [archetype])
        changed.append(position)
    if not changed:
        raise DomainError(f"the exercise serves no {kind} scenario of {archetype} at {difficulty} difficulty")
    _check_items(items)
    exercise.items = items
    exercise.save(update_fields=["items"])
    return changed


def _membership(user) -> Membership:
    membership = getattr(user, "membership", None)
    if membership is None:
        raise NotAllowed("only members of an organisation can do this")
    return membership


# Invitations and the start of an attempt ---------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    exercise: Exercise,
    participant_name: str,
    participant_email: str,
    created_by,
    expires_in: timedelta = INVITATION_LIFETIME,
    now: datetime | None = None,
    panel: Panel | None = None,
) -> tuple[Invitation, str]:
    """Invite a participant; returns the invitation and its token. Who may invite is one rule for
    every caller (API, staff page, partner API): access.may_invite. Only the token's hash is stored;
    staff get the link again through `invitation_link_token`. The attempt's reviewers are the
    panel given, else the exercise's panel."""
    membership = _membership(created_by)
    if membership.organisation_id != exercise.organisation_id:
        raise NotAllowed("this exercise belongs to another organisation")
    if not access.may_invite(created_by, exercise):
        raise NotAllowed("only leads and the reviewers on this exercise's panel can invite to it")
    if panel is not None and panel.organisation_id != exercise.organisation_id:
        raise NotAllowed("this panel belongs to another organisation")
    now = now or timezone.now()
    kind = ParticipantKind.CANDIDATE if exercise.purpose == Purpose.HIRING else ParticipantKind.TRAINEE
    participant, _ = Participant.objects.get_or_create(
        organisation=exercise.organisation,
        email=participant_email.strip().lower(),
        defaults={"name": participant_name.strip(), "kind": kind},
    )
    link_secret = secrets.token_urlsafe(24)
    token = invitation_link_token(link_secret)
    invitation = Invitation(
        organisation=exercise.organisation,
        exercise=exercise,
        participant=participant,
        panel=panel or exercise.panel,
        token_hash=token_hash(token),
        link_secret=link_secret,
        expires_at=now + expires_in,
        created_by=created_by,
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        organisation_id=exercise.organisation_id, actor=created_by, action="invitation.created",
        target=f"invitation:{invitation.pk}",
        after={"exercise": exercise.slug, "participant": participant.email, "expires_at": invitation.expires_at},
        now=now,
    )  # fmt: skip
    attempt = Attempt.objects.create(
        organisation=exercise.organisation,
        invitation=invitation,
        exercise=exercise,
        participant=participant,
        time_limit_seconds=exercise.time_limit_minutes * 60,
    )
    events.emit(events.INVITATION_CREATED, organisation_id=exercise.organisation_id, attempt_id=attempt.pk)
    return invitation, token


def _may_manage(membership: Membership, invitation: Invitation, verb: str) -> None:
    """Leads manage every invitation of their organisation; a reviewer only those they created."""
    if membership.organisation_id != invitation.organisation_id or (
        membership.role != Role.LEAD and invitation.created_by_id != membership.user_id
    ):
        raise NotAllowed(f"only a lead of this organisation or the invitation's author can {verb} it")


def invitation_link_token(link_secret: str) -> str:
    """The invitation token for a link secret: an HMAC under the server's key, so a copy of the
    database alone holds no usable link."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), b"invitation-link:" + link_secret.encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def invitation_token_for(invitation: Invitation) -> str | None:
    """The token of an invitation's link, for staff to copy or resend; None for links made before
    links could be recovered."""
    return invitation_link_token(invitation.link_secret) if invitation.link_secret else None


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, revoked_by, now: datetime | None = None) -> Attempt:
    """Withdraw an invitation: its attempt is cancelled (if not submitted yet) and the link stops working."""
    membership = _membership(revoked_by)
    _may_manage(membership, invitation, "revoke")
    attempt = Attempt.objects.select_for_update().get(invitation=invitation)
    before = attempt.status
    _move(attempt, AttemptStatus.CANCELLED)
    attempt.save(update_fields=["status", "updated_at"])
    audit_record(
        organisation_id=invitation.organisation_id, actor=revoked_by, action="invitation.revoked",
        target=f"invitation:{invitation.pk}", before={"status": before}, after={"status": attempt.status},
        now=now,
    )  # fmt: skip
    return attempt


@transaction.atomic
def invitation_send(*, invitation: Invitation, link: str, sent_by, now: datetime | None = None) -> Invitation:
    """E-mail the invitation's link to the participant (again); only while it can still be started."""
    from simulator.emails import invitation_email_send
    from simulator.notifications import invitation_emails_allowed

    now = now or timezone.now()
    membership = _membership(sent_by)
    _may_manage(membership, invitation, "send")
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("attempt", "exercise", "participant")
        .get(pk=invitation.pk)
    )
    if invitation.attempt.status != AttemptStatus.INVITED or invitation.expires_at <= now:
        raise InvitationUnusable(
            "only an invitation that has not been started, expired or revoked can be sent; create a new one"
        )
    invitation_emails_allowed(invitation.organisation_id)
    invitation_email_send(invitation=invitation, link=link)
    invitation.last_sent_at = now
    invitation.save(update_fields=["last_sent_at"])
    audit_record(
        organisation_id=invitation.organisation_id, actor=sent_by, action="invitation.sent",
        target=f"invitation:{invitation.pk}", after={"to": invitation.participant.email}, now=now,
    )  # fmt: skip
    return invitation


def audit_record(
    *, organisation_id: int, actor, action: str, target: str, before: dict | None = None,
    after: dict | None = None, now: datetime | None = None,
) -> AuditEntry:  # fmt: skip
    """Append one privileged action to the organisation's audit log (values made JSON-safe)."""
    return AuditEntry.objects.create(
        organisation_id=organisation_id,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target=target,
        before=orjson.loads(orjson.dumps(before or {}, default=str)),
        after=orjson.loads(orjson.dumps(after or {}, default=str)),
        at=now or timezone.now(),
    )


def attempt_start(*, invitation_token: str, now: datetime | None = None) -> tuple[Attempt, str, bool]:
    """Start the attempt of an invitation, or return it if it has started already.

    Returns (attempt, access token, created). The same token always gives the same attempt and
    the same access token while the attempt is in progress; a second attempt is never made. Once
    it is submitted the link is spent (AttemptAlreadySubmitted): a link found later in a mailbox
    must not reopen the answers. An expired invitation's attempt is moved to `expired` (and that
    is kept) before the refusal is raised.
    """
    outcome = _attempt_start(invitation_token=invitation_token, now=now or timezone.now())
    if isinstance(outcome, InvitationUnusable):
        raise outcome
    return outcome


@transaction.atomic
def _attempt_start(*, invitation_token: str, now: datetime):
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("exercise", "participant")
        .filter(token_hash=token_hash(invitation_token))
        .first()
    )
    if invitation is None:
        raise InvitationNotFound("this invitation link is not valid")
    attempt = Attempt.objects.select_for_update().get(invitation=invitation)
    access_token = access_token_for(invitation_token)
    if attempt.status == AttemptStatus.CANCELLED:
        raise InvitationUnusable("this invitation was cancelled")
    if attempt.status in CLOSED:
        raise AttemptAlreadySubmitted(
            "this exercise has been submitted; its invitation link opens nothing more"
        )
    if attempt.status == AttemptStatus.EXPIRED or (
        attempt.status == AttemptStatus.INVITED and now >= invitation.expires_at
    ):
        if attempt.status == AttemptStatus.INVITED:
            _move(attempt, AttemptStatus.EXPIRED)
            attempt.save(update_fields=["status", "updated_at"])
        return InvitationUnusable(
            f"this invitation expired on {invitation.expires_at.isoformat(timespec='minutes')}; ask for a new one"
        )
    if attempt.status != AttemptStatus.INVITED:
        return attempt, access_token, False

    _materialise_items(attempt, invitation)
    _move(attempt, AttemptStatus.IN_PROGRESS)
    attempt.started_at = now
    attempt.deadline = now + timedelta(seconds=attempt.time_limit_seconds)
    attempt.access_token_hash = token_hash(access_token)
    attempt.save()
    _schedule_deadline(attempt)
    events.emit(events.ATTEMPT_STARTED, organisation_id=attempt.organisation_id, attempt_id=attempt.pk)
    return attempt, access_token, True


def _materialise_items(attempt: Attempt, invitation: Invitation) -> None:
    exercise = invitation.exercise
    secret = exercise.organisation.seed_secret
    used: set[str] = set()
    for position, spec in enumerate(exercise.items):
        kind = spec["kind"]
        candidates = sorted(
            spec.get("archetypes") or [a for a in archetype_ids() if kind in get_archetype(a)["kinds"]]
        )
        # The archetype comes from the exercise's seed: every participant of an exercise faces the
        # same failure mode, and the items of one exercise face different ones when they can; the
        # policy decides whether participants also get the same seed. Every draw is keyed with the
        # organisation's secret, so neither can be recomputed from the exercise's settings.
        random.Random(keyed_seed(secret, exercise.base_seed, position, "archetype")).shuffle(candidates)
        # A retired scenario is never served again; parts that did not draw it keep their archetype.
        retired = set(spec.get("retired_archetypes") or ())
        live = [a for a in candidates if a not in retired] or candidates
        archetype = next((a for a in live if a not in used), live[0])
        used.add(archetype)
        seed_parts: list[object] = [exercise.base_seed, position]
        if exercise.variant_policy == VariantPolicy.PER_PARTICIPANT:
            seed_parts += [f"participant-{invitation.participant_id}", f"invitation-{invitation.pk}"]
        seed = keyed_seed(secret, *seed_parts)
        scenario = scenario_generate(
            kind=kind,
            archetype=archetype,
            seed=seed,
            difficulty=spec["difficulty"],
            log_lines=spec.get("log_lines"),
        )
        item = AttemptItem.objects.create(attempt=attempt, position=position, scenario=scenario, kind=kind)
        Response.objects.create(item=item)


def _schedule_deadline(attempt: Attempt) -> None:
    from simulator.celery import app
    from simulator.tasks import submit_at_deadline

    if app.conf.task_always_eager:
        return  # in-process mode: the next request and the sweep enforce the deadline instead
    attempt_id, eta = attempt.pk, attempt.deadline
    # `robust`: with the broker down the attempt still starts (or gets its extra time); the failure
    # is logged, and the next request or the sweep submits the attempt at its deadline.
    transaction.on_commit(lambda: submit_at_deadline.apply_async((attempt_id,), eta=eta), robust=True)


# The clock -----------------------------------------------------------------------------------------


def attempt_enforce_deadline(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Submit the last saved work of an attempt whose deadline has passed. Called by the deadline
    task and lazily on every request, so a lost task loses nothing."""
    now = now or timezone.now()
    if attempt.status == AttemptStatus.IN_PROGRESS and attempt.deadline and now >= attempt.deadline:
        return attempt_submit(attempt=attempt, submitted_by=SubmittedBy.DEADLINE, now=now)
    return attempt


@transaction.atomic
def attempt_extend(*, attempt: Attempt, minutes: int, granted_by, now: datetime | None = None) -> Attempt:
    membership = _membership(granted_by)
    if membership.role != Role.LEAD or membership.organisation_id != attempt.organisation_id:
        raise NotAllowed("only a lead of this organisation can grant extra time")
    if not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise DomainError(f"extra time must be from 1 to {MAX_EXTRA_MINUTES} minutes, got {minutes}")
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    attempt = attempt_enforce_deadline(attempt=attempt, now=now)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed(
            f"extra time can only be given to an attempt in progress; this one is {attempt.status}"
        )
    attempt.extra_seconds += minutes * 60
    attempt.deadline += timedelta(minutes=minutes)
    attempt.save(update_fields=["extra_seconds", "deadline", "updated_at"])
    _schedule_deadline(attempt)
    return attempt


@transaction.atomic
def attempt_submit(*, attempt: Attempt, submitted_by: str, now: datetime | None = None) -> Attempt:
    """Close an attempt with its last saved work. Idempotent: a closed attempt is returned as it is."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.status in CLOSED:
        return attempt
    if submitted_by == SubmittedBy.PARTICIPANT and attempt.deadline and now >= attempt.deadline:
        submitted_by = SubmittedBy.DEADLINE
    _move(attempt, AttemptStatus.SUBMITTED)
    attempt.submitted_at = min(now, attempt.deadline) if attempt.deadline else now
    attempt.submitted_by = submitted_by
    attempt.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    _enqueue_scoring(attempt)
    events.emit(events.ATTEMPT_SUBMITTED, organisation_id=attempt.organisation_id, attempt_id=attempt.pk)
    return attempt


def _enqueue_scoring(attempt: Attempt) -> None:
    """Queue the auto-score once the submission is committed. `robust`: a failure to queue or score
    is logged, never turns the participant's submission into an error, and the sweep
    (attempts_sweep) queues the scoring again."""
    from scoring.tasks import score_attempt

    attempt_id = attempt.pk
    transaction.on_commit(lambda: score_attempt.delay(attempt_id), robust=True)


@transaction.atomic
def attempt_cancel(*, attempt: Attempt, cancelled_by) -> Attempt:
    membership = _membership(cancelled_by)
    if membership.organisation_id != attempt.organisation_id:
        raise NotAllowed("this attempt belongs to another organisation")
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    _move(attempt, AttemptStatus.CANCELLED)
    attempt.save(update_fields=["status", "updated_at"])
    return attempt


def attempt_mark_scored(*, attempt: Attempt) -> Attempt:
    """submitted → scored. A training drill's feedback is then ready: its trainee is told by e-mail,
    queued once the score is committed (robust: the sweep makes up a lost task)."""
    from simulator.tasks import send_feedback_ready

    _move(attempt, AttemptStatus.SCORED)
    attempt.save(update_fields=["status", "updated_at"])
    if attempt.exercise.purpose == Purpose.TRAINING:
        attempt_id = attempt.pk
        transaction.on_commit(lambda: send_feedback_ready.delay(attempt_id), robust=True)
    events.emit(events.ATTEMPT_SCORED, organisation_id=attempt.organisation_id, attempt_id=attempt.pk)
    return attempt


def attempt_finalize(*, attempt: Attempt) -> Attempt:
    """scored → finalized. Called by scoring.services.scorecard_finalize, which checks who may."""
    _move(attempt, AttemptStatus.FINALIZED)
    attempt.save(update_fields=["status", "updated_at"])
    return attempt


def attempt_reopen(*, attempt: Attempt) -> Attempt:
    """finalized → scored. Called by scoring.services.scorecard_reopen, which checks who may."""
    _move(attempt, AttemptStatus.SCORED)
    attempt.save(update_fields=["status", "updated_at"])
    return attempt


def attempts_expire_unstarted(*, now: datetime | None = None) -> int:
    """Move invited attempts whose invitation has expired to `expired`."""
    now = now or timezone.now()
    expired = 0
    for attempt in Attempt.objects.filter(status=AttemptStatus.INVITED, invitation__expires_at__lte=now):
        with transaction.atomic():
            _move(attempt, AttemptStatus.EXPIRED)
            attempt.save(update_fields=["status", "updated_at"])
            expired += 1
    return expired


# The sweep ------------------------------------------------------------------------------------------

# How long a submission may wait for its score before the sweep queues scoring again.
SCORING_GRACE = timedelta(minutes=5)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    expired: int
    submitted: int
    scoring_queued: int
    failed: int

    def __str__(self) -> str:
        return (
            f"expired {self.expired} unstarted attempts, submitted {self.submitted} past their deadline, "
            f"queued scoring again for {self.scoring_queued}, {self.failed} failed"
        )


def attempts_sweep(*, now: datetime | None = None, scoring_grace: timedelta = SCORING_GRACE) -> SweepResult:
    """What must happen even when nobody asks: run every minute (Celery beat, or `manage.py sweep`).

    - Invited attempts whose invitation expired move to `expired`.
    - Attempts past their deadline are submitted with their last saved work. The deadline task
      does this on time, and so does the participant's next request; the sweep covers an attempt
      whose task was lost (a broker restarted without its queue) and whose participant never came
      back, which would otherwise stay in progress, unscored, for good.
    - Submissions that have waited longer than `scoring_grace` for their score are queued again
      (a lost or failed scoring task); scoring is idempotent, so a slow task scored twice is one set.

    One attempt's failure is logged and counted; the sweep goes on with the others.
    """
    from scoring.tasks import score_attempt

    now = now or timezone.now()
    failed = 0
    waiting = list(
        Attempt.objects.filter(status=AttemptStatus.SUBMITTED, updated_at__lte=now - scoring_grace)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    queued = 0
    for attempt_id in waiting:
        try:
            score_attempt.delay(attempt_id)
            queued += 1
        except Exception:
            logger.exception("sweep: could not queue scoring for attempt %s", attempt_id)
            failed += 1
    overdue = list(
        Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    submitted = 0
    for attempt_id in overdue:
        try:
            attempt = attempt_enforce_deadline(attempt=Attempt.objects.get(pk=attempt_id), now=now)
            submitted += attempt.status in CLOSED
        except Exception:
            logger.exception("sweep: could not submit attempt %s at its deadline", attempt_id)
            failed += 1
    return SweepResult(
        expired=attempts_expire_unstarted(now=now), submitted=submitted, scoring_queued=queued, failed=failed
    )


# Work inside an attempt ----------------------------------------------------------------------------


def _writable(attempt: Attempt, now: datetime) -> None:
    if attempt.status == AttemptStatus.IN_PROGRESS and attempt.deadline and now >= attempt.deadline:
        attempt_enforce_deadline(attempt=attempt, now=now)
        raise DeadlinePassed(attempt.deadline)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        if attempt.status in CLOSED and attempt.submitted_by == SubmittedBy.DEADLINE:
            raise DeadlinePassed(attempt.deadline)
        raise AttemptClosed(f"this attempt is {attempt.status}; nothing more can be saved")


def response_save(
    *, attempt: Attempt, item: AttemptItem, base_version: int, answer: dict, now: datetime | None = None
) -> Response:
    """Save a new version of an answer, if it is based on the current one.

    A save based on an older version is refused with the current version and content (the
    caller shows them); nothing is merged silently. Every version is kept as a revision. A save
    after the deadline submits the attempt (that is kept) and is refused.
    """
    now = now or timezone.now()
    _writable(attempt, now)
    validate_answer(item.kind, answer)
    try:
        with transaction.atomic():
            response = Response.objects.select_for_update().get(item=item)
            if base_version != response.version:
                raise StaleVersion(response)
            response.version += 1
            response.answer = answer
            response.save(update_fields=["version", "answer", "updated_at"])
            ResponseRevision.objects.create(item=item, version=response.version, answer=answer, saved_at=now)
            _coalesce_revisions(item_id=item.pk, version=response.version, now=now)
            if item.kind == "triage_queue":
                _record_severities(attempt_id=attempt.pk, item_id=item.pk, answer=answer, now=now)
    except db.DataError as error:
        raise InvalidAnswer(f"answer: the database cannot store it ({error})") from None
    return response


def _coalesce_revisions(*, item_id: int, version: int, now: datetime) -> None:
    """Keep the first revision, the latest, and the last one of each AUTOSAVE_REVISION_SECONDS
    window: the revision the new one replaces as the latest goes when both fall in one window.
    groupcommit's statements do the same in SQL."""
    window = groupcommit.revision_window()
    if not window or version <= 2:
        return
    window_start = datetime.fromtimestamp(math.floor(now.timestamp() / window) * window, tz=UTC)
    ResponseRevision.objects.filter(item_id=item_id, version=version - 1, saved_at__gte=window_start).delete()


@dataclass(frozen=True)
class SavedResponse:
    version: int
    deadline: datetime
    status: str


_ITEM_KINDS: "OrderedDict[str, str]" = OrderedDict()
_ITEM_KINDS_SIZE = 20_000


def _item_kind(item_public_id: str) -> str | None:
    """An item's kind never changes, so it is remembered per process after the first lookup."""
    kind = _ITEM_KINDS.get(item_public_id)
    if kind is None:
        kind = AttemptItem.objects.filter(public_id=item_public_id).values_list("kind", flat=True).first()
        if kind is None:
            return None
        _ITEM_KINDS[item_public_id] = kind
        if len(_ITEM_KINDS) > _ITEM_KINDS_SIZE:
            _ITEM_KINDS.popitem(last=False)
    return kind


def response_save_by_token(
    *,
    access_token: str,
    attempt_public_id: str,
    item_public_id: str,
    base_version: int,
    answer: dict,
    now: datetime | None = None,
) -> SavedResponse:
    """Autosave as the API receives it: the access token, the attempt and item ids, the version.

    The common case (a current version, an open attempt) takes groupcommit's fast path on
    PostgreSQL: one statement, alone or shared with the saves arriving together. Anything else,
    and every save on SQLite, goes through response_save, which
    gives the precise refusal: 401 for a bad token, 404 for an attempt or item that is not the
    caller's, 409 for a stale version or a passed deadline.
    """
    now = now or timezone.now()
    kind = _item_kind(item_public_id)
    if kind is not None and groupcommit.available():
        validate_answer(kind, answer)
        try:
            applied = groupcommit.apply(
                groupcommit.PendingSave(
                    attempt=attempt_public_id,
                    token_hash=token_hash(access_token),
                    item=item_public_id,
                    version=base_version,
                    answer=orjson.dumps(answer).decode(),
                    now=now,
                )
            )
        except groupcommit.Unstorable as error:
            raise InvalidAnswer(f"answer: the database cannot store it ({error})") from None
        if applied is not None:
            if kind == "triage_queue":
                _record_severities(
                    attempt_id=applied.attempt_id, item_id=applied.item_id, answer=answer, now=now
                )
            return SavedResponse(
                version=applied.version, deadline=applied.deadline, status=AttemptStatus.IN_PROGRESS
            )
    attempt = (
        Attempt.objects.filter(access_token_hash=token_hash(access_token))
        .exclude(status=AttemptStatus.CANCELLED)
        .first()
    )
    if attempt is None:
        raise NotAuthenticated("the access token is not valid")
    item = AttemptItem.objects.filter(attempt=attempt, public_id=item_public_id).first()
    if attempt.public_id != attempt_public_id or item is None:
        raise NotFound("no such attempt or item")
    attempt = attempt_enforce_deadline(attempt=attempt, now=now)
    response = response_save(attempt=attempt, item=item, base_version=base_version, answer=answer, now=now)
    return SavedResponse(version=response.version, deadline=attempt.deadline, status=attempt.status)


def _record_severities(*, attempt_id: int, item_id: int, answer: dict, now: datetime) -> None:
    item = AttemptItem(pk=item_id, attempt_id=attempt_id, kind="triage_queue")
    Event.objects.bulk_create(
        Event(attempt_id=attempt_id, item_id=item_id, kind=EventKind.SEVERITY_SET, data={"ticket_id": ticket_id, "severity": severity}, server_ts=now)
        for ticket_id, severity in _newly_set_severities(item, answer)
    )  # fmt: skip


def _newly_set_severities(item: AttemptItem, after: dict):
    if item.kind != "triage_queue" or not after.get("tickets"):
        return []
    already = set(
        Event.objects.filter(item=item, kind=EventKind.SEVERITY_SET).values_list("data__ticket_id", flat=True)
    )
    return [
        (ticket_id, ticket["severity"])
        for ticket_id, ticket in sorted((after.get("tickets") or {}).items())
        if ticket.get("severity") and ticket_id not in already
    ]


CLIENT_EVENT_KINDS = frozenset(
    {
        EventKind.ITEM_OPENED,
        EventKind.TICKET_VIEWED,
        EventKind.LOG_SEARCH,
        EventKind.TRACE_OPENED,
        EventKind.INJECT_SEEN,
    }
)


def events_record(*, attempt: Attempt, events: list[dict], now: datetime | None = None) -> int:
    """Append a batch of the participant's events; the server's clock stamps them.

    Events are accepted while the attempt is open. `severity_set` is written by the server when
    answers are saved and `answer_saved` is each saved revision (selectors.attempt_timeline);
    neither is ever taken from the client.
    """
    now = now or timezone.now()
    _writable(attempt, now)
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise DomainError(f"at most {MAX_EVENTS_PER_BATCH} events per batch, got {len(events)}")
    items = {item.public_id: item for item in attempt.items.all()}
    rows = []
    for index, event in enumerate(events):
        if event["kind"] not in CLIENT_EVENT_KINDS:
            raise DomainError(f"events[{index}].kind: {event['kind']!r} is not an event a client can send")
        item = None
        if event.get("item_id"):
            item = items.get(event["item_id"])
            if item is None:
                raise DomainError(f"events[{index}].item_id: no such item in this attempt")
        rows.append(
            Event(
                attempt=attempt,
                item=item,
                kind=event["kind"],
                data=event.get("data") or {},
                client_ts=event.get("client_ts"),
                server_ts=now,
            )
        )
    Event.objects.bulk_create(rows)  # one statement: the batch is stored whole or not at all
    return len(rows)
