"""The fast paths of calibration and item statistics give the same figures as the straightforward
computation: one Python object per check verdict, every figure worked out from the full lists.

Counts, shares, means and flags must be equal. A check's discrimination comes from exact integer sums
instead of numpy's centred dot products, and a scenario's is summed in the order the database returns
the rows (which it does not promise), so a discrimination may differ in the last bits: compared to 1e-12."""

import random
import statistics
from collections import Counter, defaultdict
from datetime import timedelta

import orjson
import pytest
from django.db.models import F

from benchmarks.calibration import Command
from scoring.calibration import _check_verdicts, reviewer_deviations
from scoring.item_statistics import (
    CheckSums,
    ScoredDimension,
    corrected_item_total,
    correlation_from_sums,
    exercise_item_statistics,
    grouped_item_statistics,
    item_statistics,
)
from scoring.models import DimensionScore, ItemScore, ScoreSet


def _same_statistics(fast: dict, reference: dict) -> None:
    for part in ("scenarios", "checks"):
        assert [_without_r(row) for row in fast[part]] == [_without_r(row) for row in reference[part]]
        for ours, theirs in zip(fast[part], reference[part], strict=True):
            if theirs["discrimination"] is None:
                assert ours["discrimination"] is None
            else:
                assert ours["discrimination"] == pytest.approx(theirs["discrimination"], rel=1e-12, abs=1e-12)


def _without_r(row: dict) -> dict:
    # `retired` is added by exercise_item_statistics; the reference does not know about retiring.
    return {key: value for key, value in row.items() if key not in ("discrimination", "retired")}


def _random_rows(seed: int, attempts: int) -> list[ScoredDimension]:
    """Attempts over two scenarios of two dimensions each; check c2 always passes (no spread) and
    check c3 is only assessed on one attempt in ten (too few attempts for a correlation)."""
    rng = random.Random(seed)
    rows = []
    for attempt in range(attempts):
        ability = rng.gauss(0, 1)
        for item, scenario in enumerate([("triage_queue", "a", "easy"), ("customer_comms", "b", "hard")]):
            for dimension in ("accuracy", "communication"):
                outcomes = {f"c{k}": rng.gauss(ability, 1) > k * 0.4 - 0.5 for k in range(2)}
                outcomes["c2"] = True
                if attempt % 10 == 0:
                    outcomes["c3"] = rng.random() < 0.5
                score = 1 + sum(outcomes.values())
                rows.append(
                    ScoredDimension(attempt, (attempt, item), scenario, dimension, min(score, 5), outcomes)
                )
    return rows


def _as_grouped(rows: list[ScoredDimension]) -> list[tuple]:
    return [
        (r.attempt, r.item, r.scenario, r.dimension, r.score, orjson.dumps(r.outcomes).decode()) for r in rows
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_item_statistics_equal_the_straightforward_computation(seed):
    rows = _random_rows(seed, attempts=40)

    fast, reference = grouped_item_statistics(_as_grouped(rows)), item_statistics(rows)

    _same_statistics(fast, reference)
    by_check = {
        row["check"]: row
        for row in fast["checks"]
        if (row["kind"], row["dimension"]) == ("triage_queue", "accuracy")
    }
    assert by_check["c2"]["discrimination"] is None and by_check["c2"]["share_passing"] == 1.0
    assert by_check["c3"]["n"] == 4 and by_check["c3"]["flags"] == []  # too few attempts to flag


def test_the_correlation_from_sums_is_pearsons_r_and_none_without_spread():
    passed, rests = [1, 0, 1, 1, 0], [7, 3, 6, 8, 5]
    sums = CheckSums(
        n=5, passed=sum(passed), rest=sum(rests), passed_rest=sum(x * y for x, y in zip(passed, rests, strict=True)),
        rest_squared=sum(y * y for y in rests),
    )  # fmt: skip

    assert correlation_from_sums(sums) == pytest.approx(corrected_item_total(passed, rests), rel=1e-12)
    assert correlation_from_sums(CheckSums(n=3, passed=3, rest=9, passed_rest=9, rest_squared=29)) is None
    assert correlation_from_sums(CheckSums(n=2, passed=1, rest=3, passed_rest=1, rest_squared=5)) is None


def _reference_deviations(scores):
    """reviewer_deviations as first written, with statistics.fmean over every list."""
    deviations = defaultdict(list)
    for (_, dimension), by_reviewer in scores.items():
        if len(by_reviewer) < 2:
            continue
        total = sum(by_reviewer.values())
        others = len(by_reviewer) - 1
        for reviewer, score in by_reviewer.items():
            deviations[reviewer].append((dimension, score - (total - score) / others))
    out = {}
    for reviewer, rows in deviations.items():
        values = [d for _, d in rows]
        per_dimension = defaultdict(list)
        for dimension, value in rows:
            per_dimension[dimension].append(value)
        out[reviewer] = {
            "n": len(values),
            "mean_deviation": statistics.fmean(values),
            "mean_absolute_deviation": statistics.fmean(abs(d) for d in values),
            "deviating": sum(abs(d) >= 1.0 for d in values),
            "lower": sum(d <= -1.0 for d in values),
            "higher": sum(d >= 1.0 for d in values),
            "by_dimension": {k: statistics.fmean(v) for k, v in per_dimension.items()},
        }
    return out


def test_reviewer_deviations_equal_the_straightforward_computation():
    rng = random.Random(7)
    scores = {
        (attempt, dimension): {
            reviewer: rng.randint(1, 5) for reviewer in rng.sample(range(6), rng.randint(1, 4))
        }
        for attempt in range(200)
        for dimension in ("accuracy", "communication", "escalation")
    }

    fast = reviewer_deviations(scores)

    for figures in fast.values():
        figures.pop("direction")
    assert fast == _reference_deviations(scores)  # exactly: fsum / n is what fmean computes


@pytest.fixture
def bench_exercise(db):
    """The benchmark's exercise at a small size (30 attempts), with a newer score set for a third of
    the attempts whose check verdicts are all reversed, so that only the latest set may count."""
    _, exercise = Command()._populate(30, 3, 4)
    for score_set in list(ScoreSet.objects.filter(attempt__exercise=exercise).order_by("attempt_id"))[::3]:
        newer = ScoreSet.objects.create(
            attempt_id=score_set.attempt_id, rubric_id=score_set.rubric_id, scorer_version="newer"
        )
        ScoreSet.objects.filter(pk=newer.pk).update(created_at=score_set.created_at + timedelta(hours=1))
        for item_score in score_set.items.all():
            copy = ItemScore.objects.create(
                score_set=newer,
                attempt_item_id=item_score.attempt_item_id,
                kind=item_score.kind,
                scorer_version=2,
            )
            for dimension in item_score.dimensions.all():
                DimensionScore.objects.create(
                    item_score=copy, dimension=dimension.dimension, score=6 - dimension.score, checks=[],
                    check_outcomes={check: not passed for check, passed in dimension.check_outcomes.items()},
                )  # fmt: skip
    return exercise


def _latest_dimension_scores(exercise) -> list[DimensionScore]:
    sets = ScoreSet.objects.filter(attempt__exercise=exercise).order_by("attempt_id", "created_at", "pk")
    latest = {s.attempt_id: s.pk for s in sets}
    return list(
        DimensionScore.objects.filter(item_score__score_set_id__in=latest.values())
        .select_related("item_score__attempt_item__scenario")
        .annotate(attempt_id=F("item_score__score_set__attempt_id"))
    )


def test_exercise_item_statistics_equal_the_straightforward_computation(bench_exercise):
    rows = [
        ScoredDimension(
            attempt=d.attempt_id,
            item=d.item_score.attempt_item_id,
            scenario=(
                d.item_score.kind,
                d.item_score.attempt_item.scenario.archetype,
                d.item_score.attempt_item.scenario.difficulty,
            ),
            dimension=d.dimension,
            score=d.score,
            outcomes=d.check_outcomes,
        )  # fmt: skip
        for d in _latest_dimension_scores(bench_exercise)
    ]

    figures = exercise_item_statistics(exercise=bench_exercise)

    assert figures["attempts"] == 30
    assert sum(row["n"] for row in figures["scenarios"]) == 90  # 30 attempts x 3 items, latest sets only
    _same_statistics(figures, item_statistics(rows))


def test_the_counted_check_verdicts_equal_the_straightforward_count(bench_exercise):
    reference = defaultdict(Counter)
    for d in _latest_dimension_scores(bench_exercise):
        for check, passed in d.check_outcomes.items():
            reference[(d.item_score.kind, d.dimension, check)][passed] += 1

    counted = _check_verdicts(bench_exercise, {})

    assert dict(counted) == dict(reference)
    assert sum(sum(c.values()) for c in counted.values()) == 30 * 8 * 6  # 8 dimensions a attempt, 6 checks
