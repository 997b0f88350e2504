"""How far the auto-scores agree with expert grades: the figures `evaluate_scoring` prints.

Plain functions over a table of graded dimensions (one row per response and dimension), so each
figure can be checked by hand on a small table. Kappa and Spearman come from maintained
implementations (scikit-learn, SciPy); the rest is counting.
"""

import math
import statistics
import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

LEVELS = [1, 2, 3, 4, 5]
GOOD_STYLES = ("expert", "own_words", "terse")
BAD_STYLES = ("fluent_wrong", "stuffed", "filler")
LARGE_ERROR = 2  # |auto - expert| at least this is an error a person must catch

TARGET_QWK_OVERALL = 0.80
TARGET_QWK_DIMENSION = 0.70
TARGET_OWN_WORDS_GAP = 0.25


@dataclass
class GradedDimension:
    """One response's score on one dimension, with every grader's grade."""

    scenario: str
    kind: str
    style: str
    dimension: str
    auto: int
    grades: dict[str, int] = field(default_factory=dict)
    flagged: bool | None = None  # the scorer's "needs human review", when it has one

    @property
    def expert(self) -> int:
        return expert_grade(self.grades.values())


def expert_grade(grades: Iterable[int]) -> int:
    """The mean of the graders' grades, rounded half up (2.5 -> 3), in integers so 2.5 is exact."""
    grades = list(grades)
    if not grades:
        raise ValueError("an expert grade needs at least one grader's grade")
    return (2 * sum(grades) + len(grades)) // (2 * len(grades))


def quadratic_kappa(first: list[int], second: list[int]) -> float | None:
    """Quadratic weighted kappa on the 1-5 scale; None where it is undefined (fewer than two
    rows, or both sides giving one same grade throughout)."""
    from sklearn.metrics import cohen_kappa_score

    if len(first) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cohen_kappa_score(first, second, weights="quadratic", labels=LEVELS)
    return None if math.isnan(value) else float(value)


def spearman(first: list[int], second: list[int]) -> float | None:
    """Spearman's rank correlation; None where it is undefined (a side that never varies)."""
    from scipy.stats import spearmanr

    if len(first) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = spearmanr(first, second).statistic
    return None if math.isnan(value) else float(value)


def mean_absolute_error(first: list[int], second: list[int]) -> float | None:
    return statistics.fmean(abs(a - b) for a, b in zip(first, second, strict=True)) if first else None


def agreement(rows: list[GradedDimension]) -> dict:
    auto, expert = [r.auto for r in rows], [r.expert for r in rows]
    return {
        "n": len(rows),
        "qwk": quadratic_kappa(auto, expert),
        "spearman": spearman(auto, expert),
        "mae": mean_absolute_error(auto, expert),
    }


def grouped(rows: list[GradedDimension], key) -> dict[str, list[GradedDimension]]:
    groups: dict[str, list[GradedDimension]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return dict(sorted(groups.items()))


def by_style(rows: list[GradedDimension]) -> dict[str, dict]:
    return {
        style: {
            "n": len(group),
            "mean_auto": statistics.fmean(r.auto for r in group),
            "mean_expert": statistics.fmean(r.expert for r in group),
        }
        for style, group in grouped(rows, lambda r: r.style).items()
    }


def inter_grader(rows: list[GradedDimension]) -> list[dict]:
    """QWK between every two graders, on the dimensions both graded."""
    graders = sorted({grader for row in rows for grader in row.grades})
    pairs = []
    for first, second in combinations(graders, 2):
        both = [row for row in rows if first in row.grades and second in row.grades]
        pairs.append(
            {
                "graders": [first, second],
                "n": len(both),
                "qwk": quadratic_kappa([r.grades[first] for r in both], [r.grades[second] for r in both]),
            }
        )
    return pairs


def inverted_pairs(rows: list[GradedDimension]) -> list[tuple[GradedDimension, GradedDimension]]:
    """(worse, better) pairs of responses to one scenario on one dimension where the worse one (a
    lower expert grade) scores at least as high as the better one."""
    inverted = []
    for group in grouped(rows, lambda r: f"{r.scenario}\t{r.dimension}").values():
        for a, b in combinations(group, 2):
            worse, better = (a, b) if a.expert < b.expert else (b, a)
            if worse.expert < better.expert and worse.auto >= better.auto:
                inverted.append((worse, better))
    return inverted


def comparable_pairs(rows: list[GradedDimension]) -> int:
    """Pairs of responses to one scenario on one dimension whose expert grades differ."""
    return sum(
        a.expert != b.expert
        for group in grouped(rows, lambda r: f"{r.scenario}\t{r.dimension}").values()
        for a, b in combinations(group, 2)
    )


def good_bad_inversions(
    inverted: list[tuple[GradedDimension, GradedDimension]],
) -> list[tuple[GradedDimension, GradedDimension]]:
    """The inverted pairs where a bad style (wrong, stuffed, filler) scores at least as high as a
    good one (expert, own words, terse) that the experts graded higher."""
    return [
        (worse, better)
        for worse, better in inverted
        if worse.style in BAD_STYLES and better.style in GOOD_STYLES
    ]


def own_words_gap(rows: list[GradedDimension]) -> dict:
    """Mean auto score of the own-words response minus the expert-style one, over the scenarios
    and dimensions that have both."""
    scores = {(r.scenario, r.dimension, r.style): r.auto for r in rows}
    gaps = [
        scores[(scenario, dimension, "own_words")] - auto
        for (scenario, dimension, style), auto in scores.items()
        if style == "expert" and (scenario, dimension, "own_words") in scores
    ]
    return {"n": len(gaps), "mean": statistics.fmean(gaps) if gaps else None}


def review_flag(rows: list[GradedDimension]) -> dict | None:
    """How often the scorer flags a dimension for a person, and how many of the large errors
    (|auto - expert| >= 2) it flags; None when the scores carry no flag."""
    flagged_rows = [r for r in rows if r.flagged is not None]
    if not flagged_rows:
        return None
    large = [r for r in flagged_rows if abs(r.auto - r.expert) >= LARGE_ERROR]
    caught = [r for r in large if r.flagged]
    return {
        "n": len(flagged_rows),
        "flagged": sum(r.flagged for r in flagged_rows),
        "flag_rate": sum(r.flagged for r in flagged_rows) / len(flagged_rows),
        "large_errors": len(large),
        "large_errors_flagged": len(caught),
        "recall": len(caught) / len(large) if large else None,
    }


def targets(report: dict) -> list[dict]:
    """The issue's targets, each with the figure it is judged on and whether it is met."""
    overall = report["overall"]["qwk"]
    dimensions = {name: figures["qwk"] for name, figures in report["by_dimension"].items()}
    lowest = min(dimensions.items(), key=lambda item: -2 if item[1] is None else item[1], default=None)
    gap = report["own_words_gap"]["mean"]
    good_bad = report["inverted_pairs"]["good_vs_bad"]
    return [
        {
            "target": f"QWK overall >= {TARGET_QWK_OVERALL:.2f}",
            "value": overall,
            "met": overall is not None and overall >= TARGET_QWK_OVERALL,
        },
        {
            "target": f"QWK >= {TARGET_QWK_DIMENSION:.2f} on every dimension",
            "value": lowest[1] if lowest else None,
            "where": lowest[0] if lowest else None,
            "met": bool(dimensions)
            and all(v is not None and v >= TARGET_QWK_DIMENSION for v in dimensions.values()),
        },
        {
            "target": "no inverted pairs between good and bad styles",
            "value": good_bad,
            "met": good_bad == 0,
        },
        {
            "target": f"own words within {TARGET_OWN_WORDS_GAP:.2f} of expert",
            "value": gap,
            "met": gap is not None and abs(gap) <= TARGET_OWN_WORDS_GAP,
        },
    ]


def evaluation_report(rows: list[GradedDimension]) -> dict:
    """Every figure of the evaluation for a table of graded dimensions, and the targets."""
    inverted = inverted_pairs(rows)
    good_bad = good_bad_inversions(inverted)
    report = {
        "overall": agreement(rows),
        "by_dimension": {
            name: agreement(group) for name, group in grouped(rows, lambda r: r.dimension).items()
        },
        "by_kind": {name: agreement(group) for name, group in grouped(rows, lambda r: r.kind).items()},
        "by_style": by_style(rows),
        "inter_grader": inter_grader(rows),
        "inverted_pairs": {
            "comparable": comparable_pairs(rows),
            "all": len(inverted),
            "good_vs_bad": len(good_bad),
            "good_vs_bad_pairs": [
                {
                    "scenario": worse.scenario,
                    "dimension": worse.dimension,
                    "worse": {"style": worse.style, "auto": worse.auto, "expert": worse.expert},
                    "better": {"style": better.style, "auto": better.auto, "expert": better.expert},
                }
                for worse, better in good_bad
            ],
        },
        "own_words_gap": own_words_gap(rows),
        "review_flag": review_flag(rows),
    }
    report["targets"] = targets(report)
    return report
