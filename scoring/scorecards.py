"""How the numbers on a scorecard are decided, as plain functions over plain data.

A dimension's final score is the latest standing override; else the median of the submitted
reviews; else the auto-score. The recommendation follows the exercise's rule from the final scores.
Kept apart from the database so the precedence and the rules read in one place and test fast.
"""

from dataclasses import dataclass
from statistics import median

SOURCE_OVERRIDE = "override"
SOURCE_REVIEWS = "reviews"
SOURCE_AUTO = "auto"

# Two scores this far apart (or more) on a dimension need a lead's adjudication.
DISAGREEMENT_POINTS = 2

HIRING_OUTCOMES = ("strong_hire", "hire", "no_hire", "strong_no_hire")
TRAINING_OUTCOMES = ("ready", "not_yet")
OUTCOME_LABELS = {
    "strong_hire": "Strong hire",
    "hire": "Hire",
    "no_hire": "No hire",
    "strong_no_hire": "Strong no hire",
    "ready": "Ready",
    "not_yet": "Not yet",
}

DEFAULT_RULES = {
    "hiring": {
        "bands": [
            {"outcome": "strong_hire", "min_mean": 4.3, "min_each": 3},
            {"outcome": "hire", "min_mean": 3.5, "min_each": 2},
            {"outcome": "no_hire", "min_mean": 2.5, "min_each": 1},
        ],
        "otherwise": "strong_no_hire",
    },
    "training": {
        "bands": [{"outcome": "ready", "min_mean": 3.5, "min_each": 2}],
        "otherwise": "not_yet",
    },
}


@dataclass(frozen=True)
class OverrideEvent:
    """An override or a revert as the precedence needs it: `reverts` is the id of the reverted event."""

    id: int
    dimension: str
    action: str
    score: int | None
    reverts: int | None = None


def standing_overrides(events: list[OverrideEvent]) -> dict[str, OverrideEvent]:
    """Per dimension, the latest override that no later revert has undone. Events oldest first."""
    reverted = {e.reverts for e in events if e.action == "revert" and e.reverts is not None}
    standing: dict[str, OverrideEvent] = {}
    for event in events:
        if event.action == "override" and event.id not in reverted:
            standing[event.dimension] = event
    return standing


def final_scores(
    *, auto: dict[str, float], reviews: list[dict[str, int]], overrides: list[OverrideEvent]
) -> dict[str, dict]:
    """{dimension: {"score", "source"}} for every dimension the attempt was scored on."""
    standing = standing_overrides(overrides)
    dimensions = list(auto) + [d for d in standing if d not in auto]
    result = {}
    for dimension in dimensions:
        if dimension in standing:
            result[dimension] = {"score": float(standing[dimension].score), "source": SOURCE_OVERRIDE}
            continue
        reviewed = [r[dimension] for r in reviews if r.get(dimension) is not None]
        if reviewed:
            result[dimension] = {"score": float(median(reviewed)), "source": SOURCE_REVIEWS}
        else:
            result[dimension] = {"score": round(float(auto[dimension]), 2), "source": SOURCE_AUTO}
    return result


def level_of(score: float) -> int:
    """A final score rounded half up to a whole level 1-5 (3.5 is a 4)."""
    return min(5, max(1, int(score + 0.5)))


def levels_text(finals: dict[str, dict], keys: tuple[str, ...]) -> str:
    """One digit per dimension key: the final score's level, or 0 where there is none."""
    return "".join(str(level_of(finals[k]["score"])) if k in finals else "0" for k in keys)


def mean_of(finals: dict[str, dict]) -> float | None:
    if not finals:
        return None
    return round(sum(entry["score"] for entry in finals.values()) / len(finals), 2)


def rule_for(purpose: str, rule: dict | None) -> dict:
    return rule if rule else DEFAULT_RULES[purpose]


def recommend(finals: dict[str, dict], rule: dict) -> tuple[str, str]:
    """(outcome, why): the first band whose mean and per-dimension minimum hold."""
    if not finals:
        return "", ""
    mean = mean_of(finals)
    lowest = min(entry["score"] for entry in finals.values())
    for band in rule["bands"]:
        if mean >= band["min_mean"] and lowest >= band["min_each"]:
            return band["outcome"], describe_band(band)
    return rule["otherwise"], "no band's thresholds hold"


def describe_band(band: dict) -> str:
    return (
        f"{OUTCOME_LABELS.get(band['outcome'], band['outcome'])} if the mean ≥ {band['min_mean']:g} "
        f"and no dimension below {band['min_each']:g}"
    )


def describe_rule(rule: dict) -> list[str]:
    return [describe_band(band) for band in rule["bands"]] + [
        f"otherwise {OUTCOME_LABELS.get(rule['otherwise'], rule['otherwise'])}"
    ]


def validate_rule(*, purpose: str, bands: list[dict], otherwise: str) -> list[str]:
    """Problems with a rule, in words a lead understands; empty when it is usable."""
    outcomes = HIRING_OUTCOMES if purpose == "hiring" else TRAINING_OUTCOMES
    problems = []
    if not bands:
        problems.append("a rule needs at least one band")
    for index, band in enumerate(bands, start=1):
        if band.get("outcome") not in outcomes:
            problems.append(f"band {index}: the outcome must be one of {', '.join(outcomes)}")
        for field in ("min_mean", "min_each"):
            value = band.get(field)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 1 <= value <= 5:
                problems.append(f"band {index}: {field} must be a number from 1 to 5")
    if otherwise not in outcomes:
        problems.append(f"otherwise must be one of {', '.join(outcomes)}")
    return problems


def disagreements(*, auto: dict[str, float], reviews: list[dict[str, int]]) -> list[dict]:
    """Dimensions where two reviewers, or a reviewer and the auto-score, are 2+ points apart."""
    found = []
    dimensions = sorted({d for review in reviews for d in review})
    for dimension in dimensions:
        given = [review[dimension] for review in reviews if review.get(dimension) is not None]
        if len(given) >= 2 and max(given) - min(given) >= DISAGREEMENT_POINTS:
            found.append({"dimension": dimension, "between": "reviewers", "scores": sorted(given)})
        elif dimension in auto and any(
            abs(score - auto[dimension]) >= DISAGREEMENT_POINTS for score in given
        ):
            found.append(
                {"dimension": dimension, "between": "reviewer_and_auto", "scores": sorted(given),
                 "auto_score": auto[dimension]}
            )  # fmt: skip
    return found
