"""Whether a trainee is ready for a stage, and how their scores move: plain functions over plain
data, so a rule can be tried without a database.

A stage's rule: over the last `attempts` scored attempts that evidence each of the stage's
dimensions, every dimension's mean is at least `min_each`, and the mean of those dimension means is
at least `min_mean`. A dimension with fewer scored attempts than `attempts` is not ready yet.
"""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ReadinessRule:
    dimensions: tuple[str, ...]
    min_mean: float = 3.5
    min_each: float = 2.0
    attempts: int = 2

    def words(self) -> str:
        n = self.attempts
        return (
            f"Mean of at least {self.min_mean:g} over the stage's dimensions and no dimension below "
            f"{self.min_each:g}, over the last {n} attempt{'s' if n != 1 else ''} that score each dimension"
        )


@dataclass(frozen=True)
class ScoredAttempt:
    """One scored drill attempt: when it was submitted and its final score per dimension."""

    at: datetime
    scores: dict[str, float]
    exercise_id: int | None = None


@dataclass(frozen=True)
class Readiness:
    ready: bool
    mean: float | None
    levels: dict[str, float | None]  # each dimension's mean over its window; None without scores
    counts: dict[str, int]  # scored attempts in each dimension's window
    reasons: tuple[str, ...] = field(default=())


def evaluate(
    rule: ReadinessRule, attempts: Sequence[ScoredAttempt], names: dict[str, str] | None = None
) -> Readiness:
    """The rule applied to a trainee's scored attempts (any order); `names` words the reasons."""

    def named(ds):
        return ", ".join((names or {}).get(d, d) for d in ds)

    ordered = sorted(attempts, key=lambda a: a.at)
    levels: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    for dimension in rule.dimensions:
        window = [a.scores[dimension] for a in ordered if a.scores.get(dimension) is not None]
        window = window[-rule.attempts :]
        counts[dimension] = len(window)
        levels[dimension] = statistics.fmean(window) if window else None
    reasons = []
    short = [d for d in rule.dimensions if counts[d] < rule.attempts]
    if short:
        reasons.append(f"too few scored attempts on {named(short)} (needs {rule.attempts} each)")
    scored = [v for v in levels.values() if v is not None]
    mean = statistics.fmean(scored) if scored else None
    low = [d for d in rule.dimensions if levels[d] is not None and levels[d] < rule.min_each]
    if low:
        reasons.append(f"below {rule.min_each:g} on {named(low)}")
    if mean is not None and mean < rule.min_mean:
        reasons.append(f"mean {mean:.2f} is below {rule.min_mean:g}")
    ready = bool(rule.dimensions) and not reasons
    if not rule.dimensions:
        reasons.append("the stage has no dimensions to judge")
    return Readiness(ready=ready, mean=mean, levels=levels, counts=counts, reasons=tuple(reasons))


def ready_since(rule: ReadinessRule, attempts: Sequence[ScoredAttempt]) -> datetime | None:
    """When the trainee first met the rule (the submission that made them ready), or None."""
    ordered = sorted(attempts, key=lambda a: a.at)
    for index in range(1, len(ordered) + 1):
        if evaluate(rule, ordered[:index]).ready:
            return ordered[index - 1].at
    return None


def trend(values: Sequence[float], *, last: int = 6) -> float | None:
    """The slope of the last `last` values per attempt (least squares), or None with fewer than two."""
    recent = list(values)[-last:]
    if len(recent) < 2:
        return None
    return statistics.linear_regression(range(len(recent)), recent).slope


def trend_word(slope: float | None) -> str:
    if slope is None:
        return "not enough attempts"
    if slope >= 0.1:
        return "improving"
    if slope <= -0.1:
        return "declining"
    return "steady"
