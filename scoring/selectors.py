"""Reads of the scoring side."""

from django.db.models import Prefetch

from scenarios.models import LogLine
from scoring.checks import describe_checks
from scoring.context import _VOCABULARIES, remember_scenario_contents, scenario_contents
from scoring.models import DimensionScore, ItemScore, Rubric, ScoreSet
from simulator.errors import DomainError


def scoring_inputs(*, attempt):
    """(item, build_context keyword arguments) for every item of an attempt, in a handful of queries.

    Reads the cited log lines only; a scenario's view payload and answer key only when they are not
    cached yet (every attempt at the scenario shares them: never change them), and its distinct log
    messages only when its vocabulary is not.
    """
    from scenarios.models import Scenario
    from simulator.models import AttemptItem, Event, ResponseRevision

    items = list(
        AttemptItem.objects.filter(attempt=attempt)
        .select_related("scenario", "response")
        .defer("scenario__payload", "scenario__view_payload")
        .order_by("position")
    )
    contents = {item.scenario_id: scenario_contents(item.scenario.content_hash) for item in items}
    missing = [scenario_id for scenario_id, cached in contents.items() if cached is None]
    if missing:
        for scenario_id, content_hash, view_payload, answer_key in Scenario.objects.filter(
            pk__in=missing
        ).values_list("pk", "content_hash", "view_payload", "answer_key__content"):
            contents[scenario_id] = (view_payload, answer_key)
            remember_scenario_contents(content_hash, view_payload, answer_key)
    started = attempt.started_at
    events_by_item: dict[int, list[dict]] = {item.pk: [] for item in items}
    # A save is a revision (below), never an event: the offline format has no `answer_saved` event.
    for item_id, kind, data, server_ts in (
        Event.objects.filter(attempt=attempt)
        .exclude(kind="answer_saved")
        .order_by("server_ts", "id")
        .values_list("item_id", "kind", "data", "server_ts")
    ):
        entry = {"kind": kind, "data": data, "elapsed": (server_ts - started).total_seconds()}
        if item_id in events_by_item:
            events_by_item[item_id].append(entry)
        else:
            for bucket in events_by_item.values():
                bucket.append(entry)
    revisions_by_item: dict[int, list] = {item.pk: [] for item in items}
    for item_id, saved_at, answer in (
        ResponseRevision.objects.filter(item_id__in=list(revisions_by_item))
        .order_by("item_id", "version")
        .values_list("item_id", "saved_at", "answer")
    ):
        revisions_by_item[item_id].append(((saved_at - started).total_seconds(), answer))
    cited = {
        item.scenario_id: set(item.response.answer.get("evidence_ids") or [])
        for item in items
        if item.kind == "log_investigation"
    }
    lines: dict[int, dict] = {scenario_id: {} for scenario_id in cited}
    wanted = {line_id for ids in cited.values() for line_id in ids}
    if wanted:
        for row in LogLine.objects.filter(scenario_id__in=list(cited), line_id__in=list(wanted)):
            lines[row.scenario_id][row.line_id] = row.as_line()
    for item in items:
        scenario = item.scenario
        view_payload, answer_key = contents[scenario.pk]
        messages = None
        if item.kind == "log_investigation" and scenario.content_hash not in _VOCABULARIES:
            messages = list(
                LogLine.objects.filter(scenario=scenario)
                .values_list("message", flat=True)
                .distinct()
                .order_by("message")
            )
        yield (
            item,
            {
                "kind": item.kind,
                "payload": view_payload,
                "answer_key": answer_key,
                "answer": item.response.answer,
                "content_hash": scenario.content_hash,
                "archetype": scenario.archetype,
                "events": tuple(events_by_item[item.pk]),
                "revisions": tuple(revisions_by_item[item.pk]),
                "cited_lines": lines.get(scenario.pk, {}) if item.kind == "log_investigation" else {},
                "log_messages": messages,
            },
        )


def attempt_offline_files(*, attempt, item_public_id: str = "") -> tuple[dict, list[tuple]]:
    """A finished attempt as offline files: the pack of its scenarios (answer keys included, staff
    only) and, per item, a response file holding exactly what live scoring reads (`scoring_inputs`),
    so `score_response` gives each item its live score. Only one item with `item_public_id`."""
    from scenarios.packs import pack_document
    from scenarios.selectors import scenarios_for_export
    from scoring.offline import AnswerRecord
    from simulator.services import CLOSED

    if attempt.status not in CLOSED:
        raise DomainError(
            f"attempt {attempt.public_id} is {attempt.status}; only a submitted, scored or finalized "
            "attempt can be exported"
        )
    inputs = list(scoring_inputs(attempt=attempt))
    if item_public_id:
        inputs = [(item, kwargs) for item, kwargs in inputs if item.public_id == item_public_id]
        if not inputs:
            raise DomainError(f"attempt {attempt.public_id} has no item {item_public_id!r}")
    scenarios = scenarios_for_export(references=sorted({item.scenario.reference for item, _ in inputs}))
    files = [
        (
            item,
            AnswerRecord(
                answer=kwargs["answer"], events=kwargs["events"], revisions=kwargs["revisions"]
            ).as_document(
                scenario=item.scenario.reference,
                exported_from={
                    "attempt": attempt.public_id,
                    "item": item.public_id,
                    "position": item.position,
                },
            ),
        )
        for item, kwargs in inputs
    ]
    return pack_document(scenarios), files


def latest_score_set(*, attempt) -> ScoreSet | None:
    """The newest score set with its items, dimensions and rubric, in four queries."""
    return (
        ScoreSet.objects.filter(attempt=attempt)
        .select_related("rubric")
        .prefetch_related(
            Prefetch("rubric__dimensions"),
            Prefetch(
                "items",
                queryset=ItemScore.objects.select_related("attempt_item").prefetch_related(
                    Prefetch("dimensions", queryset=DimensionScore.objects.order_by("pk"))
                ),
            ),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def score_report(*, score_set: ScoreSet) -> dict:
    """Per item and dimension: the score, the checks and their evidence; the rubric and scorer versions."""
    rubric: Rubric = score_set.rubric
    names = {d.key: d.name for d in rubric.dimensions.all()}
    items = []
    totals: dict[str, list[int]] = {}
    for item_score in score_set.items.all():
        dimensions = []
        for d in item_score.dimensions.all():
            totals.setdefault(d.dimension, []).append(d.score)
            dimensions.append(
                {
                    "dimension": d.dimension,
                    "name": names.get(d.dimension, d.dimension),
                    "score": d.score,
                    "confidence": d.confidence,
                    "needs_review": d.needs_review,
                    "label": describe_checks(d.checks),
                    "checks": d.checks,
                }
            )
        items.append(
            {
                "item_id": item_score.attempt_item.public_id,
                "position": item_score.attempt_item.position,
                "kind": item_score.kind,
                "scorer_version": item_score.scorer_version,
                "dimensions": dimensions,
            }
        )
    items.sort(key=lambda entry: entry["position"])
    return {
        "rubric": {
            "version": rubric.version,
            "name": rubric.name,
            "dimensions": [
                {"key": d.key, "name": d.name, "anchors": d.anchors} for d in rubric.dimensions.all()
            ],
        },
        "scorer_version": score_set.scorer_version,
        "scored_at": score_set.created_at,
        "items": items,
        "summary": {key: round(sum(values) / len(values), 2) for key, values in sorted(totals.items())},
    }


def worked_answers(*, attempt) -> list[dict]:
    """Each item's answer key, for a trainee once a training attempt is scored. Never for hiring."""
    from simulator.models import AttemptItem, Purpose

    if attempt.exercise.purpose != Purpose.TRAINING:
        raise PermissionError("worked answers are shown only for training exercises")
    items = (
        AttemptItem.objects.filter(attempt=attempt)
        .select_related("scenario__answer_key")
        .defer("scenario__payload", "scenario__view_payload")
        .order_by("position")
    )
    return [
        {"item_id": item.public_id, "kind": item.kind, "worked_answer": item.scenario.answer_key.content}
        for item in items
    ]


# Where a trainee's number came from, in their words.
SOURCE_LABELS = {
    "override": "changed by a reviewer",
    "appeal": "changed after your second look",
    "reviews": "scored by reviewers",
}


def trainee_final_scores(*, attempt, report: dict) -> dict:
    """Per dimension, the score a trainee is shown: the scorecard's final score (a standing override,
    else the reviewers' median, else the auto-score) with where it came from and the automatic
    score beside it. Falls back to the report's auto-scores where the scorecard is not built yet.

    {dimension: {"score", "auto", "source", "source_label"}}; `source_label` is '' for automatic."""
    from scoring.models import Appeal, AppealStatus, Scorecard

    scorecard = Scorecard.objects.filter(attempt=attempt).only("final_scores").first()
    finals = (scorecard and scorecard.final_scores) or {}
    changed = (
        Appeal.objects.filter(attempt=attempt, status=AppealStatus.CHANGED).select_related("override").first()
        if any(entry.get("source") == "override" for entry in finals.values())
        else None
    )
    result = {}
    for dimension, auto in report["summary"].items():
        entry = finals.get(dimension) or {"score": auto, "source": "auto"}
        source = entry.get("source", "auto")
        if (
            source == "override"
            and changed is not None
            and changed.dimension == dimension
            and changed.override is not None
            and float(changed.override.score) == float(entry["score"])
        ):
            source = "appeal"
        result[dimension] = {
            "score": entry["score"],
            "auto": auto,
            "source": source,
            "source_label": SOURCE_LABELS.get(source, ""),
        }
    return result
