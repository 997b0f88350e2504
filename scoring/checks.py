"""What every scorer returns: checks with evidence, rolled up into a 1-5 score per dimension, with
how sure the roll-up is and a label that says what happened."""

from dataclasses import dataclass, field

# A dimension whose confidence falls below this goes to a person (the review queue's flag).
REVIEW_BELOW = 0.6
# Answers this short or this long are harder to read by rule: fewer signals, or more chances to hit one.
SHORT_ANSWER_WORDS = 25
LONG_ANSWER_WORDS = 1200
# A share of passed check weight in this range leaves the score in the middle, between readings.
SPLIT_LOW, SPLIT_HIGH = 0.4, 0.6
# Dimensions of one item this far apart (a 5 and a 2) disagree about the same answer.
SPREAD = 3


@dataclass(frozen=True)
class Check:
    """One thing a scorer looked for. `quote` is the part of the response that satisfied it (or
    that failed it, for a check the response broke); `explanation` is one line a candidate or a
    reviewer understands. A failed `gate` sinks its dimension to 1 whatever else passed.

    `assessed` is False when the check could not be judged from what was recorded (a process check
    with no events, say): it then neither earns nor loses, and the dimension is scored on the rest.
    `doubt` says why the verdict may be wrong (a negation near the matched words, a single match):
    it lowers the dimension's confidence, not its score.

    `ceiling` is the most its dimension can score when the check fails: an investigation that names
    no cause tells at best an incomplete story (3), however well it cites the logs."""

    id: str
    dimension: str
    passed: bool
    weight: float
    explanation: str
    quote: str = ""
    gate: bool = False
    assessed: bool = True
    doubt: str = ""
    ceiling: int = 5

    def as_dict(self) -> dict:
        # Every field is a plain value, so a shallow dict is what dataclasses.asdict would give,
        # without its recursive copy (a noticeable share of writing a score set's checks).
        return {name: getattr(self, name) for name in _CHECK_FIELDS}


_CHECK_FIELDS = tuple(Check.__dataclass_fields__)


@dataclass
class DimensionResult:
    dimension: str
    score: int
    checks: list[Check] = field(default_factory=list)
    confidence: float = 1.0
    needs_review: bool = False
    doubts: list[str] = field(default_factory=list)
    label: str = ""

    def as_dict(self) -> dict:
        return {
            "dimension": self.dimension,
            "score": self.score,
            "confidence": self.confidence,
            "needs_review": self.needs_review,
            "doubts": list(self.doubts),
            "label": self.label,
            "checks": [c.as_dict() for c in self.checks],
        }


def _share(checks: list[Check]) -> float | None:
    """The weighted share of passed checks among the assessed, non-gate ones (None when none count)."""
    counted = [c for c in checks if c.assessed and not c.gate]
    total = sum(c.weight for c in counted)
    if total <= 0:
        return None
    return sum(c.weight for c in counted if c.passed) / total


def score_from_checks(checks: list[Check]) -> int:
    """1 plus 4 times the weighted share of passed checks, rounded half up; a failed gate gives 1.
    Checks that were not assessed do not count either way."""
    if any(c.gate and c.assessed and not c.passed for c in checks):
        return 1
    share = _share(checks)
    if share is None:
        return 1
    return min(int(1 + 4 * share + 0.5), _ceiling(checks))


def _ceiling(checks: list[Check]) -> int:
    """The most the dimension can score: the lowest ceiling of a failed, assessed check."""
    return min((c.ceiling for c in checks if c.assessed and not c.passed), default=5)


def confidence(checks: list[Check], *, words: int | None = None) -> tuple[float, list[str]]:
    """How far to trust a dimension's score (0-1), and why not fully. Lowered by: a score close to
    the boundary between two levels, a failed gate or a check whose verdict the scorer doubts
    (a negation near the matched words, a single match), checks that disagree (half pass, half
    fail), checks that could not be assessed, and very short or very long answers."""
    doubts: list[str] = []
    value = 1.0
    gate = next((c for c in checks if c.gate and c.assessed and not c.passed), None)
    if gate is not None:
        if gate.doubt:
            value -= 0.45
            doubts.append(f"a gate sank the score on a doubtful reading: {gate.doubt}")
        else:
            value -= 0.1
    else:
        share = _share(checks)
        if share is not None:
            raw = 1 + 4 * share
            margin = abs((raw % 1) - 0.5) / 0.5  # 0 on a boundary between two levels, 1 on a level
            if raw not in (1.0, 5.0) and margin < 0.3:
                value -= 0.25 * (1 - margin / 0.3)
                doubts.append("the score sits on the boundary between two levels")
            if SPLIT_LOW <= share <= SPLIT_HIGH:
                # About half the weight passed: the score sits between a good answer and a weak one,
                # where most large disagreements with reviewers were found.
                value -= 0.45
                doubts.append("the checks split about evenly: the answer sits between good and weak")
    doubtful = [c for c in checks if c.doubt and c.assessed and c is not gate]
    if doubtful:
        value -= min(0.45, 0.15 * len(doubtful))
        doubts += [f"{c.id}: {c.doubt}" for c in doubtful[:3]]
    unassessed = [c for c in checks if not c.assessed]
    if unassessed:
        total = sum(c.weight for c in checks if not c.gate) or 1.0
        missing = sum(c.weight for c in unassessed) / total
        value -= 0.05 + 0.3 * missing
        doubts.append(f"{len(unassessed)} check(s) could not be assessed from what was recorded")
    if words is not None and words < SHORT_ANSWER_WORDS:
        value -= 0.2
        doubts.append(f"a very short answer ({words} words)")
    elif words is not None and words > LONG_ANSWER_WORDS:
        value -= 0.15
        doubts.append(f"a very long answer ({words} words)")
    return round(max(0.0, min(1.0, value)), 2), doubts


def describe(checks: list[Check]) -> str:
    """One line on what happened, from the checks' own explanations: the gate that sank the
    dimension, else what was missed (heaviest first), else that every check was met."""
    gate = next((c for c in checks if c.gate and c.assessed and not c.passed), None)
    if gate is not None:
        return gate.explanation
    counted = [c for c in checks if c.assessed and not c.gate]
    # A check that capped the score says first why the score is no higher.
    missed = sorted((c for c in counted if not c.passed), key=lambda c: (c.ceiling, -c.weight))
    met = len(counted) - len(missed)
    if not counted:
        return "Nothing could be assessed for this dimension."
    if not missed:
        return f"Met all {met} checks."
    shown = " ".join(c.explanation for c in missed[:2])
    return f"Met {met} of {len(counted)} checks. {shown}"


def describe_checks(stored: list[dict]) -> str:
    """`describe` for checks stored as dicts (a DimensionScore's `checks`), older ones included."""
    names = set(Check.__dataclass_fields__)
    return describe([Check(**{k: v for k, v in c.items() if k in names}) for c in stored or []])


def cross_check(results: list[DimensionResult]) -> list[DimensionResult]:
    """Dimensions of one answer that disagree strongly (a packet's communication 5 while its
    escalation is 1): the extremes are less sure, since one of the readings is likely wrong."""
    scores = [r.score for r in results]
    if len(scores) < 2 or max(scores) - min(scores) < SPREAD:
        return results
    low, high = min(scores), max(scores)
    for result in results:
        if result.score in (low, high):
            result.confidence = round(max(0.0, result.confidence - 0.45), 2)
            result.needs_review = result.confidence < REVIEW_BELOW
            result.doubts.append(f"the answer's dimensions disagree ({high} against {low})")
    return results


def roll_up(
    dimensions: tuple[str, ...], checks: list[Check], *, words: int | None = None
) -> list[DimensionResult]:
    results = []
    for dimension in dimensions:
        own = [c for c in checks if c.dimension == dimension]
        sure, doubts = confidence(own, words=words)
        results.append(
            DimensionResult(
                dimension=dimension,
                score=score_from_checks(own),
                checks=own,
                confidence=sure,
                needs_review=sure < REVIEW_BELOW,
                doubts=doubts,
                label=describe(own),
            )
        )
    return cross_check(results)
