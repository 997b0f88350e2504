"""Writes of the scoring side: rubric versions and auto-score sets."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from scoring.context import build_context
from scoring.dimensions import DEFAULT_RUBRIC
from scoring.models import DimensionScore, ItemScore, Rubric, RubricDimension, ScoreSet
from scoring.scorers import score_item, scorer_set_version
from simulator.errors import DomainError


def rubric_current() -> Rubric:
    """The newest published rubric; the default one is published on first use."""
    rubric = Rubric.objects.order_by("-version").first()
    return rubric or rubric_publish(name="Support engineer scorecard", dimensions=DEFAULT_RUBRIC)


@transaction.atomic
def rubric_publish(*, name: str, dimensions: list[dict]) -> Rubric:
    """Publish a new rubric version; earlier versions stay as they were, with the scores made under them."""
    keys = [d["key"] for d in dimensions]
    if len(set(keys)) != len(keys):
        raise DomainError("each dimension key may appear once in a rubric")
    for dimension in dimensions:
        missing = [level for level in "12345" if not str(dimension.get("anchors", {}).get(level, "")).strip()]
        if missing:
            raise DomainError(
                f"dimension {dimension['key']}: anchor text is missing for levels {', '.join(missing)}"
            )
    latest = Rubric.objects.select_for_update().order_by("-version").first()
    rubric = Rubric.objects.create(
        version=(latest.version + 1) if latest else 1, name=name, published_at=timezone.now()
    )
    RubricDimension.objects.bulk_create(
        RubricDimension(
            rubric=rubric, key=d["key"], name=d["name"], description=d["description"],
            anchors={level: d["anchors"][level] for level in "12345"}, position=position,
        )
        for position, d in enumerate(dimensions)
    )  # fmt: skip
    return rubric


def attempt_score(*, attempt_id: int) -> ScoreSet:
    """Score a submitted attempt with the current scorers, once.

    Idempotent and safe to retry: one score set per attempt and scorer versions; a second run
    (or a concurrent one) returns the set that exists. The attempt then moves to `scored`.
    """
    from simulator import services as simulator_services
    from simulator.models import Attempt, AttemptStatus

    version = scorer_set_version()
    attempt = Attempt.objects.get(pk=attempt_id)
    existing = ScoreSet.objects.filter(attempt=attempt, scorer_version=version).first()
    if existing is None:
        if attempt.status not in (AttemptStatus.SUBMITTED, AttemptStatus.SCORED, AttemptStatus.FINALIZED):
            raise DomainError(f"only a submitted attempt can be scored; this one is {attempt.status}")
        existing = _store_scores(attempt, version)
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.status == AttemptStatus.SUBMITTED:
            simulator_services.attempt_mark_scored(attempt=locked)
    return existing


def _store_scores(attempt, version: str) -> ScoreSet:
    from scoring.selectors import scoring_inputs

    results = [
        (item, score_item(build_context(**inputs))) for item, inputs in scoring_inputs(attempt=attempt)
    ]
    try:
        with transaction.atomic():
            score_set = ScoreSet.objects.create(
                attempt=attempt, rubric=rubric_current(), scorer_version=version
            )
            for item, result in results:
                item_score = ItemScore.objects.create(
                    score_set=score_set,
                    attempt_item=item,
                    kind=result.kind,
                    scorer_version=result.scorer_version,
                )
                DimensionScore.objects.bulk_create(
                    DimensionScore(
                        item_score=item_score, dimension=d.dimension, score=d.score,
                        checks=[c.as_dict() for c in d.checks],
                    )
                    for d in result.dimensions
                )  # fmt: skip
    except IntegrityError:
        return ScoreSet.objects.get(attempt=attempt, scorer_version=version)
    return score_set


def attempts_rescore(*, attempt_ids: list[int]) -> int:
    """Score attempts again with the current scorers (after a scorer fix): the current version's
    score sets of these attempts are replaced; sets made by other versions stay as history."""
    from scoring.tasks import score_attempt

    version = scorer_set_version()
    with transaction.atomic():
        ScoreSet.objects.filter(attempt_id__in=attempt_ids, scorer_version=version).delete()
        for attempt_id in attempt_ids:
            transaction.on_commit(lambda attempt_id=attempt_id: score_attempt.delay(attempt_id))
    return len(attempt_ids)
