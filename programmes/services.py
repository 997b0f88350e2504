"""Every state change of onboarding programmes: programmes and their stages, enrolments, and the
start of a drill. Simulator models change only through `simulator.services`.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from programmes.models import DrillAttempt, Enrolment, Programme, Stage
from programmes.templates_default import DEFAULT_RULE, DEFAULT_STAGES, DRILL_LIBRARY
from scoring.dimensions import DIMENSION_KEYS
from simulator import services as simulator_services
from simulator.errors import DomainError
from simulator.models import (
    Attempt,
    AttemptStatus,
    Exercise,
    Membership,
    Organisation,
    Purpose,
    Role,
    VariantPolicy,
)

MAX_STAGES = 12
MAX_DUE_DAYS = 730
MAX_ATTEMPTS_NEEDED = 10
# A drill's invitation is made and started at once; it only needs to outlive the start.
DRILL_INVITATION_LIFETIME = timedelta(days=1)


class NotAllowed(DomainError):
    status_code = 403
    code = "not_allowed"


class InvalidProgramme(DomainError):
    code = "invalid"


@dataclass
class StageSpec:
    """A stage as a form or the API gives it: drills as exercises of the organisation."""

    title: str
    due_days: int
    drills: list[Exercise]
    goal: str = ""
    dimensions: list[str] = field(default_factory=list)
    min_mean: float = DEFAULT_RULE["min_mean"]
    min_each: float = DEFAULT_RULE["min_each"]
    attempts_needed: int = DEFAULT_RULE["attempts_needed"]


def _lead_of(user, organisation_id: int) -> Membership:
    membership = getattr(user, "membership", None) if user is not None else None
    if membership is None or membership.role != Role.LEAD or membership.organisation_id != organisation_id:
        raise NotAllowed("only a lead of this organisation can do this")
    return membership


def drill_eligible(exercise: Exercise) -> bool:
    """A drill must be a training exercise that gives every attempt its own variant: repeating it
    then gives a fresh scenario of the same archetype, kind and difficulty."""
    return exercise.purpose == Purpose.TRAINING and exercise.variant_policy == VariantPolicy.PER_PARTICIPANT


@transaction.atomic
def drill_library_install(*, organisation: Organisation) -> dict[str, Exercise]:
    """The default programme's drills as training exercises of the organisation (made once, by slug)."""
    existing = {e.slug: e for e in organisation.exercises.filter(slug__in=[d["slug"] for d in DRILL_LIBRARY])}
    for position, spec in enumerate(DRILL_LIBRARY):
        if spec["slug"] not in existing:
            existing[spec["slug"]] = simulator_services.exercise_create(
                organisation=organisation, purpose=Purpose.TRAINING,
                variant_policy=VariantPolicy.PER_PARTICIPANT, base_seed=9000 + position, **spec,
            )  # fmt: skip
    return existing


def default_stages(*, organisation: Organisation) -> list[StageSpec]:
    """The blueprint's 30/60/90-day stages with their drills, installing the drills if needed."""
    library = drill_library_install(organisation=organisation)
    return [
        StageSpec(
            title=stage["title"],
            goal=stage["goal"],
            due_days=stage["due_days"],
            drills=[library[slug] for slug in stage["drills"]],
        )  # fmt: skip
        for stage in DEFAULT_STAGES
    ]


def _check_stages(organisation: Organisation, stages: list[StageSpec]) -> None:
    """Refuse stages that could not be followed, naming the stage and the problem."""
    problems = []
    if not stages:
        problems.append("a programme needs at least one stage")
    if len(stages) > MAX_STAGES:
        problems.append(f"at most {MAX_STAGES} stages")
    previous_due = 0
    for number, stage in enumerate(stages, start=1):
        where = f"stage {number}"
        if not stage.title.strip():
            problems.append(f"{where}: a title is required")
        if not 1 <= stage.due_days <= MAX_DUE_DAYS:
            problems.append(f"{where}: due days must be from 1 to {MAX_DUE_DAYS}")
        elif stage.due_days <= previous_due:
            problems.append(f"{where}: due days must come after the previous stage's ({previous_due})")
        previous_due = max(previous_due, stage.due_days)
        if not stage.drills:
            problems.append(f"{where}: choose at least one drill")
        for exercise in stage.drills:
            if exercise.organisation_id != organisation.pk:
                problems.append(f"{where}: {exercise.title} belongs to another organisation")
            elif not drill_eligible(exercise):
                problems.append(
                    f"{where}: {exercise.title} cannot be a drill: only a training exercise with a variant per "
                    "participant gives a fresh scenario on every repeat"
                )
        unknown = sorted(set(stage.dimensions) - set(DIMENSION_KEYS))
        if unknown:
            problems.append(f"{where}: unknown dimensions {', '.join(unknown)}")
        if not 1 <= stage.min_mean <= 5:
            problems.append(f"{where}: the lowest mean must be from 1 to 5")
        if not 1 <= stage.min_each <= 5:
            problems.append(f"{where}: the lowest dimension must be from 1 to 5")
        if not 1 <= stage.attempts_needed <= MAX_ATTEMPTS_NEEDED:
            problems.append(f"{where}: attempts needed must be from 1 to {MAX_ATTEMPTS_NEEDED}")
    if problems:
        raise InvalidProgramme("; ".join(problems))


def _write_stages(programme: Programme, stages: list[StageSpec]) -> None:
    programme.stages.all().delete()  # attempts belong to enrolments and drills, never to a stage row
    for position, spec in enumerate(stages):
        stage = Stage(
            programme=programme, position=position, title=spec.title.strip(), goal=spec.goal.strip(),
            due_days=spec.due_days, dimensions=sorted(set(spec.dimensions), key=DIMENSION_KEYS.index),
            min_mean=spec.min_mean, min_each=spec.min_each, attempts_needed=spec.attempts_needed,
        )  # fmt: skip
        stage.full_clean()
        stage.save()
        stage.drills.set(spec.drills)


@transaction.atomic
def programme_create(
    *, organisation: Organisation, title: str, stages: list[StageSpec], created_by, description: str = "",
    now: datetime | None = None,
) -> Programme:  # fmt: skip
    _lead_of(created_by, organisation.pk)
    now = now or timezone.now()
    _check_stages(organisation, stages)
    programme = Programme(
        organisation=organisation, title=title.strip(), description=description.strip(),
        created_by=created_by, created_at=now, updated_at=now,
    )  # fmt: skip
    programme.full_clean()
    programme.save()
    _write_stages(programme, stages)
    simulator_services.audit_record(
        organisation_id=organisation.pk, actor=created_by, action="programme.created",
        target=f"programme:{programme.pk}", after=_summary(programme), now=now,
    )  # fmt: skip
    return programme


@transaction.atomic
def programme_update(
    *, programme: Programme, title: str, stages: list[StageSpec], updated_by, description: str = "",
    now: datetime | None = None,
) -> Programme:  # fmt: skip
    """Change a programme's title and stages. Trainees keep every attempt: a stage counts the
    attempts of the drills it has now."""
    _lead_of(updated_by, programme.organisation_id)
    now = now or timezone.now()
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _check_stages(programme.organisation, stages)
    before = _summary(programme)
    programme.title, programme.description, programme.updated_at = title.strip(), description.strip(), now
    programme.full_clean()
    programme.save()
    _write_stages(programme, stages)
    simulator_services.audit_record(
        organisation_id=programme.organisation_id, actor=updated_by, action="programme.updated",
        target=f"programme:{programme.pk}", before=before, after=_summary(programme), now=now,
    )  # fmt: skip
    return programme


def _summary(programme: Programme) -> dict:
    return {
        "title": programme.title,
        "stages": [
            {"title": s.title, "due_days": s.due_days, "drills": sorted(s.drills.values_list("slug", flat=True)),
             "rule": [s.min_mean, s.min_each, s.attempts_needed], "dimensions": s.dimensions}
            for s in programme.stages.order_by("position")
        ],
    }  # fmt: skip


# Enrolments -----------------------------------------------------------------------------------------


def trainee_link_token(link_secret: str) -> str:
    """The token of a trainee's link: an HMAC under the server's key, so the database alone holds no
    usable link and staff can copy it again."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), b"programme-trainee:" + link_secret.encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def enrolment_create(
    *, programme: Programme, name: str, email: str, start_date: date, enrolled_by, now: datetime | None = None
) -> tuple[Enrolment, str]:
    """Enrol a trainee from a start date; returns the enrolment and the token of their link."""
    _lead_of(enrolled_by, programme.organisation_id)
    now = now or timezone.now()
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidProgramme(f"email: {email!r} is not an e-mail address") from None
    if not name.strip():
        raise InvalidProgramme("name: the trainee's name is required")
    if Enrolment.objects.filter(programme=programme, email=email).exists():
        raise InvalidProgramme(f"email: {email} is already enrolled in {programme.title}")
    link_secret = secrets.token_urlsafe(24)
    token = trainee_link_token(link_secret)
    participant = programme.organisation.participants.filter(email=email).first()
    enrolment = Enrolment(
        programme=programme, participant=participant, name=name.strip(), email=email, start_date=start_date,
        link_secret=link_secret, token_hash=token_hash(token), enrolled_by=enrolled_by, enrolled_at=now,
    )  # fmt: skip
    enrolment.full_clean()
    enrolment.save()
    simulator_services.audit_record(
        organisation_id=programme.organisation_id, actor=enrolled_by, action="programme.enrolled",
        target=f"programme:{programme.pk}", after={"email": email, "start_date": start_date}, now=now,
    )  # fmt: skip
    return enrolment, token


@transaction.atomic
def drill_start(
    *, enrolment: Enrolment, exercise: Exercise, now: datetime | None = None
) -> tuple[Attempt, str]:
    """Start a drill for a trainee: (attempt, access token) for the workspace.

    A drill already in progress is resumed. Otherwise a new invitation is made and started through
    `simulator.services` on behalf of the lead who enrolled the trainee; the exercise gives every
    invitation its own seed, so a repeat is a fresh variant of the same archetype, kind and difficulty.
    """
    now = now or timezone.now()
    enrolment = Enrolment.objects.select_for_update().select_related("programme").get(pk=enrolment.pk)
    if not Stage.objects.filter(programme_id=enrolment.programme_id, drills=exercise).exists():
        raise simulator_services.NotFound("this drill is not part of the programme")
    if not drill_eligible(exercise):
        raise InvalidProgramme("this exercise no longer gives a fresh variant per attempt; ask your lead")
    running = (
        DrillAttempt.objects.filter(
            enrolment=enrolment,
            exercise=exercise,
            attempt__status=AttemptStatus.IN_PROGRESS,
            attempt__deadline__gt=now,
        )  # fmt: skip
        .select_related("attempt__invitation")
        .first()
    )
    if running is not None:
        token = simulator_services.invitation_token_for(running.attempt.invitation)
        attempt, access_token, _ = simulator_services.attempt_start(invitation_token=token, now=now)
        return attempt, access_token
    invitation, token = simulator_services.invitation_create(
        exercise=exercise, participant_name=enrolment.name, participant_email=enrolment.email,
        created_by=enrolment.enrolled_by, expires_in=DRILL_INVITATION_LIFETIME, now=now,
    )  # fmt: skip
    attempt, access_token, _ = simulator_services.attempt_start(invitation_token=token, now=now)
    if enrolment.participant_id is None:
        enrolment.participant_id = invitation.participant_id
        enrolment.save(update_fields=["participant"])
    DrillAttempt.objects.create(enrolment=enrolment, exercise=exercise, attempt=attempt, started_at=now)
    return attempt, access_token
