"""What every scorer returns: checks with evidence, rolled up into a 1-5 score per dimension."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Check:
    """One thing a scorer looked for. `quote` is the part of the response that satisfied it (or
    that failed it, for a check the response broke); `explanation` is one line a candidate or a
    reviewer understands. A failed `gate` sinks its dimension to 1 whatever else passed."""

    id: str
    dimension: str
    passed: bool
    weight: float
    explanation: str
    quote: str = ""
    gate: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class DimensionResult:
    dimension: str
    score: int
    checks: list[Check] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "dimension": self.dimension,
            "score": self.score,
            "checks": [c.as_dict() for c in self.checks],
        }


def score_from_checks(checks: list[Check]) -> int:
    """1 plus 4 times the weighted share of passed checks, rounded half up; a failed gate gives 1."""
    if any(c.gate and not c.passed for c in checks):
        return 1
    total = sum(c.weight for c in checks if not c.gate)
    if total <= 0:
        return 1
    share = sum(c.weight for c in checks if c.passed and not c.gate) / total
    return int(1 + 4 * share + 0.5)


def roll_up(dimensions: tuple[str, ...], checks: list[Check]) -> list[DimensionResult]:
    results = []
    for dimension in dimensions:
        own = [c for c in checks if c.dimension == dimension]
        results.append(DimensionResult(dimension=dimension, score=score_from_checks(own), checks=own))
    return results
