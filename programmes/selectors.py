"""Reads of onboarding programmes: who may see which programme, a trainee's progress through the
stages and the lead's overview of every trainee. Each read is a fixed number of queries, whatever
the number of stages, drills, trainees or attempts.

Scores are the attempts' final scores (`scoring.models.Scorecard.final_scores`: a standing override,
else the reviews' median, else the auto-score); times come from the recorded events and saved
revisions (`simulator.selectors.ticket_kpis`).
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from programmes import readiness
from programmes.models import DrillAttempt, Enrolment, Programme, Stage
from programmes.services import token_hash
from scoring.dimensions import DIMENSION_KEYS, KIND_DIMENSIONS
from scoring.staff_selectors import DIMENSION_NAMES
from simulator.access import staff_membership
from simulator.models import AttemptStatus, Event, Exercise, ResponseRevision, Role
from simulator.selectors import KPI_EVENT_KINDS, ticket_kpis

SCORED = (AttemptStatus.SCORED, AttemptStatus.FINALIZED)
FINISHED = (AttemptStatus.SUBMITTED, *SCORED)


# Scope ---------------------------------------------------------------------------------------------


def programmes_visible_to(user) -> QuerySet[Programme]:
    """A lead's organisation's programmes. Reviewers see none: trainees' drills are not theirs to
    review (training attempts have no panel), so their progress is not either."""
    membership = staff_membership(user)
    if membership is None or membership.role != Role.LEAD:
        return Programme.objects.none()
    return Programme.objects.filter(organisation_id=membership.organisation_id)


def programme_for_staff(user, programme_id: int) -> Programme:
    programme = programmes_visible_to(user).filter(pk=programme_id).first()
    if programme is None:
        raise Http404
    return programme


def enrolment_for_staff(user, enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.filter(programme__in=programmes_visible_to(user), pk=enrolment_id)
        .select_related("programme")
        .first()
    )
    if enrolment is None:
        raise Http404
    return enrolment


def enrolment_for_token(token: str) -> Enrolment | None:
    """The enrolment a trainee's link names (only the token's hash is stored)."""
    return Enrolment.objects.filter(token_hash=token_hash(token)).select_related("programme").first()


def finished_drill_attempt(*, enrolment: Enrolment, attempt_id: str):
    """A finished drill attempt of this enrolment (its feedback page is the way back to it), or None:
    another trainee's attempt, an unknown one or one still running is never found through it."""
    row = (
        DrillAttempt.objects.filter(
            enrolment=enrolment, attempt__public_id=attempt_id, attempt__status__in=FINISHED
        )
        .select_related("attempt__invitation")
        .first()
    )
    return row.attempt if row else None


# Building blocks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillRecord:
    """One drill attempt of a trainee, with its final scores once scored."""

    attempt_id: str
    attempt_pk: int
    exercise_id: int
    status: str
    started_at: datetime
    submitted_at: datetime | None
    scores: dict[str, float] | None
    mean: float | None

    def scored(self) -> readiness.ScoredAttempt:
        return readiness.ScoredAttempt(
            at=self.submitted_at or self.started_at, scores=self.scores or {}, exercise_id=self.exercise_id
        )


def _stages_with_drills(programme_ids: list[int]) -> dict[int, list[Stage]]:
    """Stages per programme, in order, each with `drill_list` (two queries)."""
    stages = Stage.objects.filter(programme_id__in=programme_ids).prefetch_related(
        Prefetch("drills", queryset=Exercise.objects.order_by("title", "pk"), to_attr="drill_list")
    )
    out: dict[int, list[Stage]] = defaultdict(list)
    for stage in stages.order_by("programme_id", "position"):
        out[stage.programme_id].append(stage)
    return out


def _records(enrolment_ids: list[int]) -> dict[int, list[DrillRecord]]:
    """Every drill attempt of the enrolments, oldest first, with final scores (one query)."""
    rows = (
        DrillAttempt.objects.filter(enrolment_id__in=enrolment_ids)
        .select_related("attempt__scorecard")
        .order_by("started_at", "pk")
    )
    out: dict[int, list[DrillRecord]] = defaultdict(list)
    for row in rows:
        attempt = row.attempt
        card = getattr(attempt, "scorecard", None) if attempt.status in SCORED else None
        scores = (
            {d: v["score"] for d, v in card.final_scores.items() if v.get("score") is not None}
            if card
            else None
        )
        out[row.enrolment_id].append(
            DrillRecord(
                attempt_id=attempt.public_id,
                attempt_pk=attempt.pk,
                exercise_id=row.exercise_id,
                status=attempt.status,
                started_at=attempt.started_at or row.started_at,
                submitted_at=attempt.submitted_at,
                scores=scores,
                mean=statistics.fmean(scores.values()) if scores else None,
            )  # fmt: skip
        )
    return out


def drill_dimensions(exercise: Exercise) -> list[str]:
    """The dimensions a drill's scenario kinds evidence, in rubric order."""
    kinds = {item["kind"] for item in exercise.items}
    found = {d for kind in kinds for d in KIND_DIMENSIONS.get(kind, ())}
    return [d for d in DIMENSION_KEYS if d in found]


def stage_dimensions(stage: Stage) -> list[str]:
    if stage.dimensions:
        return list(stage.dimensions)
    found = {d for drill in stage.drill_list for d in drill_dimensions(drill)}
    return [d for d in DIMENSION_KEYS if d in found]


def stage_rule(stage: Stage) -> readiness.ReadinessRule:
    return readiness.ReadinessRule(
        dimensions=tuple(stage_dimensions(stage)),
        min_mean=stage.min_mean,
        min_each=stage.min_each,
        attempts=stage.attempts_needed,
    )


# A trainee's progress --------------------------------------------------------------------------------


@dataclass
class DrillProgress:
    exercise: Exercise
    attempts: int
    scored: int
    last_mean: float | None
    in_progress: bool
    dimensions: list[str]
    # The finished attempts (submitted, scored or finalised), oldest first: each has its feedback.
    finished: list[DrillRecord] = field(default_factory=list)


@dataclass
class StageProgress:
    stage: Stage
    due_date: date
    state: str  # ready | current | upcoming | overdue
    readiness: readiness.Readiness
    ready_on: datetime | None
    dimensions: list[str]
    drills: list[DrillProgress]
    rule_words: str

    @property
    def state_label(self) -> str:
        return {"ready": "Ready", "current": "In progress", "upcoming": "Upcoming", "overdue": "Overdue"}[
            self.state
        ]


@dataclass
class EnrolmentProgress:
    enrolment: Enrolment
    stages: list[StageProgress]
    records: list[DrillRecord]
    current: StageProgress | None  # the first stage not ready yet; None when all are
    slope: float | None
    weakest: dict | None  # {"dimension", "name", "level", "drills": [Exercise]}
    kpis: list[dict] = field(default_factory=list)  # per triage attempt: {"at", "first_action", "triage"}

    @property
    def trend_word(self) -> str:
        return readiness.trend_word(self.slope)

    @property
    def scored_records(self) -> list[DrillRecord]:
        return [r for r in self.records if r.scores]

    @property
    def last_activity(self) -> datetime | None:
        return max((r.submitted_at or r.started_at for r in self.records), default=None)

    @property
    def state(self) -> str:
        return "complete" if self.current is None else self.current.state


def _stage_progress(stage: Stage, records: list[DrillRecord], start: date, today: date) -> StageProgress:
    drill_ids = {d.pk for d in stage.drill_list}
    own = [r for r in records if r.exercise_id in drill_ids]
    scored = [r.scored() for r in own if r.scores]
    rule = stage_rule(stage)
    result = readiness.evaluate(rule, scored, DIMENSION_NAMES)
    due = start + timedelta(days=stage.due_days)
    drills = []
    for drill in stage.drill_list:
        mine = [r for r in own if r.exercise_id == drill.pk]
        done = [r for r in mine if r.scores]
        drills.append(
            DrillProgress(
                exercise=drill,
                attempts=len(mine),
                scored=len(done),
                last_mean=done[-1].mean if done else None,
                in_progress=any(r.status == AttemptStatus.IN_PROGRESS for r in mine),
                dimensions=drill_dimensions(drill),
                finished=[r for r in mine if r.status in FINISHED],
            )  # fmt: skip
        )
    return StageProgress(
        stage=stage, due_date=due, state="ready" if result.ready else ("overdue" if today > due else "upcoming"),
        readiness=result, ready_on=readiness.ready_since(rule, scored) if result.ready else None,
        dimensions=list(rule.dimensions), drills=drills, rule_words=rule.words(),
    )  # fmt: skip


def _weakest(
    stages: list[StageProgress], records: list[DrillRecord], current: StageProgress | None
) -> dict | None:
    """The dimension with the lowest recent level (the mean of its last two scores), and the
    programme's drills that train it, those of the current stage first."""
    recent: dict[str, list[float]] = defaultdict(list)
    for record in records:
        for dimension, score in (record.scores or {}).items():
            recent[dimension].append(score)
    if not recent:
        return None
    levels = {d: statistics.fmean(scores[-2:]) for d, scores in recent.items()}
    dimension = min(levels, key=lambda d: (levels[d], DIMENSION_KEYS.index(d) if d in DIMENSION_KEYS else 99))
    ordered = ([current] if current else []) + [s for s in stages if s is not current]
    drills, seen = [], set()
    for stage in ordered:
        for drill in stage.drills:
            if dimension in drill.dimensions and drill.exercise.pk not in seen:
                seen.add(drill.exercise.pk)
                drills.append({"exercise": drill.exercise, "stage": stage.stage})
    return {"dimension": dimension, "name": DIMENSION_NAMES.get(dimension, dimension), "level": levels[dimension],
            "drills": drills}  # fmt: skip


def _progress(enrolment: Enrolment, stages: list[Stage], records: list[DrillRecord], today: date):
    progress = [_stage_progress(stage, records, enrolment.start_date, today) for stage in stages]
    current = next((p for p in progress if p.state != "ready"), None)
    if current is not None and current.state == "upcoming":
        current.state = "current"
    means = [r.mean for r in records if r.mean is not None]
    return EnrolmentProgress(
        enrolment=enrolment, stages=progress, records=records, current=current,
        slope=readiness.trend(means), weakest=_weakest(progress, records, current),
    )  # fmt: skip


def _kpis(records: list[DrillRecord]) -> list[dict]:
    """Per closed attempt with a ticket queue: the median minutes to first action and to triage over
    its tickets (two queries for all attempts)."""
    closed = {r.attempt_pk: r for r in records if r.submitted_at is not None}
    if not closed:
        return []
    events: dict[int, list] = defaultdict(list)
    for attempt_id, server_ts, data in (
        Event.objects.filter(attempt_id__in=list(closed), kind__in=KPI_EVENT_KINDS)
        .order_by("server_ts", "id")
        .values_list("attempt_id", "server_ts", "data")
    ):
        events[attempt_id].append((server_ts, data))
    revisions: dict[int, list] = defaultdict(list)
    for attempt_id, saved_at, answer in (
        ResponseRevision.objects.filter(item__attempt_id__in=list(closed), item__kind="triage_queue")
        .order_by("saved_at", "version")
        .values_list("item__attempt_id", "saved_at", "answer")
    ):
        revisions[attempt_id].append((saved_at, answer))
    out = []
    for attempt_pk, record in closed.items():
        if attempt_pk not in revisions:
            continue
        tickets = ticket_kpis(
            started_at=record.started_at,
            ticket_events=events[attempt_pk],
            triage_revisions=revisions[attempt_pk],
        )["tickets"].values()
        first = [
            t["time_to_first_action_seconds"]
            for t in tickets
            if t["time_to_first_action_seconds"] is not None
        ]
        triage = [t["time_to_triage_seconds"] for t in tickets if t["time_to_triage_seconds"] is not None]
        out.append(
            {
                "at": record.submitted_at,
                "attempt_id": record.attempt_id,
                "first_action": statistics.median(first) / 60 if first else None,
                "triage": statistics.median(triage) / 60 if triage else None,
                "tickets": len(tickets),
            }
        )
    return sorted(out, key=lambda k: k["at"])


def trainee_progress(*, enrolment: Enrolment, today: date) -> EnrolmentProgress:
    """Everything a trainee's page shows, in five queries (stages, drills, attempts, events,
    revisions) whatever the number of attempts."""
    stages = _stages_with_drills([enrolment.programme_id])[enrolment.programme_id]
    records = _records([enrolment.pk])[enrolment.pk]
    progress = _progress(enrolment, stages, records, today)
    progress.kpis = _kpis(records)
    return progress


def programme_overview(*, programme: Programme, today: date) -> tuple[list[Stage], list[EnrolmentProgress]]:
    """The programme's stages and every trainee with their stage, readiness and trend (four queries)."""
    enrolments = list(Enrolment.objects.filter(programme=programme).order_by("name", "pk"))
    stages = _stages_with_drills([programme.pk])[programme.pk]
    records = _records([e.pk for e in enrolments]) if enrolments else {}
    return stages, [_progress(e, stages, records.get(e.pk, []), today) for e in enrolments]


def enrolments_page(*, programme: Programme, offset: int, limit: int, today: date):
    """(count, a page of trainees' progress) for the API (four or five queries)."""
    rows = Enrolment.objects.filter(programme=programme).order_by("name", "pk")
    count = rows.count()
    enrolments = list(rows[offset : offset + limit])
    stages = _stages_with_drills([programme.pk])[programme.pk]
    records = _records([e.pk for e in enrolments]) if enrolments else {}
    return count, [_progress(e, stages, records.get(e.pk, []), today) for e in enrolments]


def programme_stages(programme: Programme) -> list[Stage]:
    return _stages_with_drills([programme.pk])[programme.pk]


def eligible_drills(organisation_id: int) -> QuerySet[Exercise]:
    return Exercise.objects.filter(
        organisation_id=organisation_id, purpose="training", variant_policy="per_participant"
    ).order_by("title")
