"""Item statistics of an exercise: how hard each scenario and each scorer check is, and whether it
tells strong attempts from weak ones.

- difficulty: the mean auto-score of a scenario (1-5) and the share of attempts passing it (a mean of
  at least PASS_LEVEL); for a check, the share of attempts where it passed;
- discrimination: the corrected item-total correlation, Pearson's r between the item's score and the
  rest of the attempt (the attempt's total auto-score minus the item's own part: the scenario's
  scores for a scenario, the check's dimension score for a check), so an item is not correlated with
  itself;
- flags: an item that does not discriminate (r below LOW_DISCRIMINATION, or no spread at all) or
  that nearly everyone fails (share passing below NEARLY_ALL_FAIL), once MIN_ATTEMPTS attempts are in.

A scenario is (kind, archetype, difficulty): every participant of an exercise's part faces the same
archetype and difficulty, with the same seed or an isomorphic variant.
"""

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

import orjson

PASS_LEVEL = 3.0
LOW_DISCRIMINATION = 0.2
NEARLY_ALL_FAIL = 0.1
MIN_ATTEMPTS = 20


def corrected_item_total(item, rest) -> float | None:
    """Pearson's r between an item's scores and the rest of each attempt; None when either side has no
    spread (or fewer than three attempts)."""
    import numpy as np

    x = np.asarray(item, dtype=float)
    y = np.asarray(rest, dtype=float)
    if len(x) < 3 or len(x) != len(y):
        return None
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return max(-1.0, min(1.0, float(dx @ dy) / math.sqrt(sxx * syy)))


def flags(*, n: int, share_passing: float | None, discrimination: float | None) -> list[str]:
    if n < MIN_ATTEMPTS:
        return []
    out = []
    if discrimination is None or discrimination < LOW_DISCRIMINATION:
        out.append("does_not_discriminate")
    if share_passing is not None and share_passing < NEARLY_ALL_FAIL:
        out.append("nearly_everyone_fails")
    return out


FLAG_LABELS = {
    "does_not_discriminate": "does not discriminate",
    "nearly_everyone_fails": "nearly everyone fails",
}


@dataclass(frozen=True)
class ScoredDimension:
    """One auto-scored dimension of one item of one attempt (the attempt's latest score set)."""

    attempt: object
    item: object
    scenario: tuple[str, str, str]  # (kind, archetype, difficulty)
    dimension: str
    score: int
    outcomes: dict  # {check id: passed}


def item_statistics(rows: list[ScoredDimension]) -> dict:
    """Per scenario and per check: n, difficulty, discrimination and flags."""
    totals: dict[object, float] = defaultdict(float)
    items: dict[tuple, list[ScoredDimension]] = defaultdict(list)
    for row in rows:
        totals[row.attempt] += row.score
        items[(row.attempt, row.item)].append(row)

    # Per scenario: the item's mean score and the rest of its attempt; per check: passed and the rest.
    scenario_scores: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    check_scores: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    for (attempt, _), dims in items.items():
        own = sum(d.score for d in dims)
        means, rests = scenario_scores[dims[0].scenario]
        means.append(own / len(dims))
        rests.append(totals[attempt] - own)
        for d in dims:
            rest = totals[attempt] - d.score
            for check, passed in d.outcomes.items():
                xs, ys = check_scores[(d.scenario, d.dimension, check)]
                xs.append(1.0 if passed else 0.0)
                ys.append(rest)

    return {
        "scenarios": _scenario_rows(scenario_scores),
        "checks": _check_rows(check_scores, corrected_item_total),
    }


def _scenario_rows(scenario_scores: dict[tuple, tuple[list, list]]) -> list[dict]:
    rows = []
    for (kind, archetype, difficulty), (means, rests) in sorted(scenario_scores.items()):
        share = sum(x >= PASS_LEVEL for x in means) / len(means)
        r = corrected_item_total(means, rests)
        rows.append(
            {
                "kind": kind, "archetype": archetype, "difficulty": difficulty, "n": len(means),
                "mean_score": statistics.fmean(means), "share_passing": share, "discrimination": r,
                "flags": flags(n=len(means), share_passing=share, discrimination=r),
            }
        )  # fmt: skip
    return rows


def _check_rows(check_scores: dict[tuple, object], correlation) -> list[dict]:
    """One row per check from {(scenario, dimension, check): figures}; `correlation(figures)` is the
    discrimination, `figures` either (passed, rests) lists or CheckSums."""
    rows = []
    for ((kind, archetype, difficulty), dimension, check), figures in sorted(check_scores.items()):
        n, passed = _count_and_passed(figures)
        share = passed / n
        r = correlation(*figures) if isinstance(figures, tuple) else correlation(figures)
        rows.append(
            {
                "kind": kind, "archetype": archetype, "difficulty": difficulty, "dimension": dimension,
                "check": check, "n": n, "share_passing": share, "discrimination": r,
                "flags": flags(n=n, share_passing=share, discrimination=r),
            }
        )  # fmt: skip
    return rows


def _count_and_passed(figures) -> tuple[int, float]:
    if isinstance(figures, CheckSums):
        return figures.n, figures.passed
    passed, _ = figures
    return len(passed), sum(passed)


@dataclass(frozen=True)
class CheckSums:
    """Exact integer sums over the attempts that assessed a check: x is 1 when it passed, y the rest of
    the attempt (its total auto-score minus the check's dimension score). Enough for the share passing
    and Pearson's r without the rows themselves, so PostgreSQL can add them up."""

    n: int
    passed: int  # sum of x (and of x squared, x being 0 or 1)
    rest: int  # sum of y
    passed_rest: int  # sum of x * y
    rest_squared: int  # sum of y squared


def correlation_from_sums(sums: CheckSums) -> float | None:
    """Pearson's r of a check's verdicts with the rest of the attempt, from exact sums; None exactly
    when `corrected_item_total` gives None (fewer than three attempts, or no spread on either side: the
    integer variances below are 0, while any spread makes them at least 1/n)."""
    n = sums.n
    if n < 3:
        return None
    sxx = n * sums.passed - sums.passed * sums.passed
    syy = n * sums.rest_squared - sums.rest * sums.rest
    if sxx <= 0 or syy <= 0:
        return None
    sxy = n * sums.passed_rest - sums.passed * sums.rest
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def grouped_item_statistics(rows) -> dict:
    """The figures of `item_statistics` from rows (attempt, item, scenario, dimension, score, outcomes
    as JSON text), without a Python object per check verdict.

    A check's figures need only exact integer sums (CheckSums), and the rest of an attempt is the same
    for every check of one dimension score. So the dimension scores are added up per (scenario,
    dimension, outcomes text): count, sum and sum of squares of the rest; each distinct outcomes object
    (a few per check pattern, not one per attempt) is parsed once and its sums credited to its checks.
    Scenario figures are computed exactly as in `item_statistics`."""
    totals: dict[object, int] = defaultdict(int)
    own: dict[tuple, list] = {}
    for attempt, item, scenario, _, score, _ in rows:
        totals[attempt] += score
        entry = own.get((attempt, item))
        if entry is None:
            own[(attempt, item)] = [scenario, score, 1]
        else:
            entry[1] += score
            entry[2] += 1
    scenario_scores: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    for (attempt, _), (scenario, score_sum, count) in own.items():
        means, rests = scenario_scores[scenario]
        means.append(score_sum / count)
        rests.append(totals[attempt] - score_sum)

    groups: dict[tuple, list[int]] = {}
    for attempt, _, scenario, dimension, score, outcomes in rows:
        rest = totals[attempt] - score
        group = groups.get((scenario, dimension, outcomes))
        if group is None:
            groups[(scenario, dimension, outcomes)] = [1, rest, rest * rest]
        else:
            group[0] += 1
            group[1] += rest
            group[2] += rest * rest
    sums: dict[tuple, list[int]] = {}
    for (scenario, dimension, outcomes), (n, rest, rest_squared) in groups.items():
        for check, passed in orjson.loads(outcomes).items():
            acc = sums.setdefault((scenario, dimension, check), [0, 0, 0, 0, 0])
            acc[0] += n
            acc[2] += rest
            acc[4] += rest_squared
            if passed:
                acc[1] += n
                acc[3] += rest
    check_scores = {key: CheckSums(*acc) for key, acc in sums.items()}
    return {
        "scenarios": _scenario_rows(scenario_scores),
        "checks": _check_rows(check_scores, correlation_from_sums),
    }


def json_text(field: str):
    """A JSON column read as its text, to be parsed with orjson: Django's JSONField converter costs
    several times more per row, and these reads are tens of thousands of rows."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    return Cast(field, TextField())


def exercise_item_statistics(*, exercise, period=None) -> dict:
    """Item statistics of an exercise's attempts submitted in the period, from each attempt's latest
    score set: two queries whatever the number of attempts. The check outcomes stay JSON text and are
    parsed once per distinct (scenario, dimension, outcomes), see `grouped_item_statistics`."""
    from scoring.calibration import Period
    from scoring.models import DimensionScore, ScoreSet

    period = period or Period()
    attempt_filter = period.attempt_filter("attempt__")
    latest = {}
    for pk, attempt_id in (
        ScoreSet.objects.filter(attempt__exercise=exercise, **attempt_filter)
        .order_by("attempt_id", "created_at", "pk")
        .values_list("pk", "attempt_id")
    ):
        latest[attempt_id] = pk
    current = set(latest.values())
    rows = [
        (attempt_id, item_id, (kind, archetype, difficulty), dimension, score, outcomes)
        for set_id, attempt_id, item_id, kind, archetype, difficulty, dimension, score, outcomes in (
            DimensionScore.objects.filter(
                item_score__score_set__attempt__exercise=exercise,
                **{"item_score__score_set__" + k: v for k, v in attempt_filter.items()},
            )
            .annotate(outcomes_text=json_text("check_outcomes"))
            .values_list(
                "item_score__score_set_id",
                "item_score__score_set__attempt_id",
                "item_score__attempt_item_id",
                "item_score__kind",
                "item_score__attempt_item__scenario__archetype",
                "item_score__attempt_item__scenario__difficulty",
                "dimension",
                "score",
                "outcomes_text",
            )
        )
        if set_id in current
    ]
    stats = grouped_item_statistics(rows)
    retired = retired_scenarios(exercise)
    for row in stats["scenarios"]:
        row["retired"] = (row["kind"], row["archetype"], row["difficulty"]) in retired
    return {
        "exercise": {"id": exercise.pk, "title": exercise.title},
        "period": period.as_dict(),
        "attempts": len(latest),
        "thresholds": {
            "pass_level": PASS_LEVEL,
            "low_discrimination": LOW_DISCRIMINATION,
            "nearly_all_fail": NEARLY_ALL_FAIL,
            "min_attempts": MIN_ATTEMPTS,
        },  # fmt: skip
        **stats,
    }


def retired_scenarios(exercise) -> set[tuple[str, str, str]]:
    """(kind, archetype, difficulty) of every scenario retired from the exercise's parts."""
    return {
        (spec["kind"], archetype, spec["difficulty"])
        for spec in exercise.items
        for archetype in spec.get("retired_archetypes") or ()
    }
