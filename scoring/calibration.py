"""Calibration of an exercise over a period: do reviewers agree with each other, does the auto-score
agree with the people, who scores high or low, and which scorer checks the overrides point at.

The figures are plain functions over small tables (so each can be checked by hand); `exercise_calibration`
reads an exercise's scorecards, reviews, overrides and auto-scores in a fixed number of queries and
hands them to those functions. Krippendorff's alpha comes from the `krippendorff` package, quadratic
weighted kappa from scikit-learn (`scoring.agreement.quadratic_kappa`).
"""

import math
import statistics
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import orjson
from django.utils import timezone

from scoring.agreement import quadratic_kappa
from scoring.dimensions import DIMENSION_KEYS
from scoring.item_statistics import (
    json_text,
)
from scoring.models import OverrideAction, OverrideReason

LEVELS = (1, 2, 3, 4, 5)
# A reviewer whose mean signed deviation from the others is beyond this reads as stricter or more lenient.
DIRECTION_MARGIN = 0.25
# A deviation of at least this many points from the others' mean counts as deviating.
DEVIATION_POINTS = 1.0
# Alpha or kappa over fewer attempts than this swings with a single score: shown, but as too few to judge.
ENOUGH_TO_JUDGE = 10


def level(value: float) -> int:
    """A score rounded half up to a level 1-5 (3.5 -> 4), as the scorecard rounds."""
    return max(1, min(5, int(value + 0.5)))


# Periods -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Attempts submitted from `start` to `end`, both days included; None is open-ended."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> "Period":
        """From two ISO dates (either may be empty); ValueError says which one is wrong."""
        days = []
        for name, text in (("from", start), ("to", end)):
            text = (text or "").strip()
            if not text:
                days.append(None)
                continue
            try:
                days.append(date.fromisoformat(text))
            except ValueError:
                raise ValueError(f"{name} must be a date as YYYY-MM-DD, not {text!r}") from None
        if days[0] and days[1] and days[0] > days[1]:
            raise ValueError("from must be on or before to")
        return cls(*days)

    def attempt_filter(self, prefix: str = "") -> dict:
        """Keyword filters on `<prefix>submitted_at` for this period."""
        tz = timezone.get_current_timezone()
        filters = {}
        if self.start:
            filters[f"{prefix}submitted_at__gte"] = datetime.combine(self.start, time.min, tzinfo=tz)
        if self.end and self.end < date.max:  # the last day there is has no day after it
            filters[f"{prefix}submitted_at__lt"] = datetime.combine(
                self.end + timedelta(days=1), time.min, tzinfo=tz
            )
        return filters

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


# Agreement between reviewers -----------------------------------------------------------------------


def reviewer_alpha(ratings_by_unit: dict[object, list[int]]) -> dict:
    """Krippendorff's alpha (ordinal, levels 1-5) over units (attempts) rated by several reviewers.

    Only units with at least two ratings can be paired; `attempts` and `reviews` count those. Alpha is
    None when it is undefined: no pairable unit, or every rating the same level. `enough_data` is False
    below ENOUGH_TO_JUDGE pairable attempts.
    """
    import krippendorff
    import numpy as np

    pairable = [ratings for ratings in ratings_by_unit.values() if len(ratings) >= 2]
    figures = {
        "alpha": None,
        "attempts": len(pairable),
        "reviews": sum(len(r) for r in pairable),
        "enough_data": len(pairable) >= ENOUGH_TO_JUDGE,
    }
    if not pairable or len({value for ratings in pairable for value in ratings}) < 2:
        return figures
    counts = np.zeros((len(pairable), len(LEVELS)), dtype=float)
    for row, ratings in enumerate(pairable):
        for value in ratings:
            counts[row, value - 1] += 1
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        alpha = krippendorff.alpha(
            value_counts=counts, value_domain=list(LEVELS), level_of_measurement="ordinal"
        )
    figures["alpha"] = None if alpha is None or math.isnan(alpha) else float(alpha)
    return figures


# Agreement between the auto-score and the people ---------------------------------------------------


def auto_vs_human(pairs: list[tuple[float, float]]) -> dict:
    """Quadratic weighted kappa between the auto-score and the final human score (both rounded to a
    level) and the mean signed difference auto − human on the unrounded scores: above 0 the scorer is
    more generous than the people, below 0 harsher. `enough_data` is False below ENOUGH_TO_JUDGE pairs."""
    # level() written out: this runs for every scored dimension of every reviewed attempt.
    autos = [max(1, min(5, int(a + 0.5))) for a, _ in pairs]
    humans = [max(1, min(5, int(h + 0.5))) for _, h in pairs]
    return {
        "n": len(pairs),
        "qwk": quadratic_kappa(autos, humans),
        "mean_signed_difference": statistics.fmean(a - h for a, h in pairs) if pairs else None,
        "enough_data": len(pairs) >= ENOUGH_TO_JUDGE,
    }


# Reviewers against each other ----------------------------------------------------------------------


def reviewer_deviations(scores: dict[tuple[object, str], dict[object, int]]) -> dict[object, dict]:
    """Per reviewer, how far their score is from the mean of the other reviewers of the same attempt
    and dimension, over every (attempt, dimension) that at least one other reviewer scored.

    `scores` is {(attempt, dimension): {reviewer: score}}. A reviewer's `mean_deviation` below 0 means
    stricter than the others; `deviating` counts scores at least DEVIATION_POINTS away, split into
    `lower` and `higher`."""
    deviations: dict[object, list[float]] = defaultdict(list)
    per_dimension: dict[object, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (_, dimension), by_reviewer in scores.items():
        if len(by_reviewer) < 2:
            continue
        total = sum(by_reviewer.values())
        others = len(by_reviewer) - 1
        for reviewer, score in by_reviewer.items():
            value = score - (total - score) / others
            deviations[reviewer].append(value)
            per_dimension[reviewer][dimension].append(value)
    out = {}
    for reviewer, values in deviations.items():
        # math.fsum(v) / len(v) is statistics.fmean(v), without its per-value overhead.
        mean = math.fsum(values) / len(values)
        out[reviewer] = {
            "n": len(values),
            "mean_deviation": mean,
            "mean_absolute_deviation": math.fsum(map(abs, values)) / len(values),
            "deviating": sum(1 for d in values if abs(d) >= DEVIATION_POINTS),
            "lower": sum(1 for d in values if d <= -DEVIATION_POINTS),
            "higher": sum(1 for d in values if d >= DEVIATION_POINTS),
            "direction": direction(mean),
            "by_dimension": {k: math.fsum(v) / len(v) for k, v in per_dimension[reviewer].items()},
        }
    return out


def direction(mean_deviation: float) -> str:
    if mean_deviation <= -DIRECTION_MARGIN:
        return "stricter"
    if mean_deviation >= DIRECTION_MARGIN:
        return "more lenient"
    return "in line"


# Overrides -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverrideFact:
    """One override of one dimension, with the auto-score it replaced and the checks behind it."""

    attempt: object
    dimension: str
    score: int
    auto_score: float | None
    reason_code: str
    scorer_version: str
    # (kind, check id, passed) of every assessed check of the dimension, over the attempt's items.
    checks: tuple[tuple[str, str, bool], ...] = ()

    @property
    def moved(self) -> float:
        """Points the override moved the score: above 0 raised, below 0 lowered."""
        return 0.0 if self.auto_score is None else self.score - self.auto_score


def override_rates(overrides: list[OverrideFact], scored: dict[str, int]) -> list[dict]:
    """Per dimension: attempts scored on it, attempts with an override of it, the rate, and the
    reason codes given."""
    overridden: dict[str, set] = defaultdict(set)
    reasons: dict[str, Counter] = defaultdict(Counter)
    for fact in overrides:
        overridden[fact.dimension].add(fact.attempt)
        reasons[fact.dimension][fact.reason_code] += 1
    order = {key: position for position, key in enumerate(DIMENSION_KEYS)}
    rows = []
    for dimension in sorted(set(scored) | set(overridden), key=lambda d: order.get(d, 99)):
        attempts = scored.get(dimension, 0)
        count = len(overridden.get(dimension, ()))
        rows.append(
            {
                "dimension": dimension,
                "attempts": attempts,
                "overridden": count,
                "rate": count / attempts if attempts else None,
                "reasons": dict(reasons.get(dimension, {})),
            }
        )
    return rows


def weakest_checks(
    overrides: list[OverrideFact], assessed: dict[tuple[str, str, str], Counter]
) -> list[dict]:
    """The scorer's checks that the overrides point at, most harmful first.

    An override that raised a score implicates the dimension's checks that failed (the scorer missed
    something); one that lowered it implicates the checks that passed (the scorer credited something).
    A check's `harm` is the points moved by the overrides that implicate it; its `rate` is how many
    of the times it gave that verdict ended in such an override. `assessed` is
    {(kind, dimension, check): Counter({True: passed, False: failed})} over the period's attempts.
    """
    rows: dict[tuple[str, str, str], dict] = {}
    for fact in overrides:
        if fact.moved == 0:
            continue
        for kind, check, passed in fact.checks:
            row = rows.setdefault(
                (kind, fact.dimension, check),
                {"kind": kind, "dimension": fact.dimension, "check": check, "failing": 0, "passing": 0,
                 "implicated": 0, "harm": 0.0, "reasons": Counter()},
            )  # fmt: skip
            row["passing" if passed else "failing"] += 1
            if passed == (fact.moved < 0):
                row["implicated"] += 1
                row["harm"] += abs(fact.moved)
                row["reasons"][fact.reason_code] += 1
    out = []
    for key, row in rows.items():
        verdicts = assessed.get(key, Counter())
        # The verdict an override of this check corrects: failing when overrides raised, passing when lowered.
        implicated_verdicts = verdicts[False] + verdicts[True]
        out.append(
            {
                **row,
                "harm": round(row["harm"], 2),
                "reasons": dict(row["reasons"]),
                "assessed": implicated_verdicts,
                "pass_rate": verdicts[True] / implicated_verdicts if implicated_verdicts else None,
                "rate": row["implicated"] / implicated_verdicts if implicated_verdicts else None,
            }
        )
    out = [row for row in out if row["implicated"]]
    out.sort(key=lambda r: (-r["harm"], -r["implicated"], r["kind"], r["check"]))
    return out


def override_versions(overrides: list[OverrideFact], scored_by_version: dict[str, int]) -> list[dict]:
    """Per scorer version: attempts it scored, overrides made against its scores, attempts overridden."""
    events: Counter = Counter()
    attempts: dict[str, set] = defaultdict(set)
    for fact in overrides:
        events[fact.scorer_version] += 1
        attempts[fact.scorer_version].add(fact.attempt)
    rows = []
    for version in sorted(set(scored_by_version) | set(events)):
        scored = scored_by_version.get(version, 0)
        rows.append(
            {
                "scorer_version": version,
                "attempts": scored,
                "overrides": events[version],
                "attempts_overridden": len(attempts[version]),
                "rate": len(attempts[version]) / scored if scored else None,
            }
        )
    return rows


# Reading an exercise -------------------------------------------------------------------------------


def exercise_calibration(*, exercise, period: Period = Period()) -> dict:
    """Every calibration figure of an exercise over a period (attempts submitted in it), per dimension.

    Eight queries whatever the number of attempts: scorecards, reviews, reviewer names, overrides,
    score sets, the auto-scores' check outcomes, the checks of the overridden dimensions, calibration set.
    """
    from django.contrib.auth import get_user_model

    from scoring.models import Review, Scorecard
    from scoring.scorecards import SOURCE_OVERRIDE, SOURCE_REVIEWS
    from scoring.staff_selectors import DIMENSION_NAMES, comparison_dimensions

    attempt_filter = period.attempt_filter("attempt__")
    dimensions = comparison_dimensions(exercise)

    human_pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    scored_on: Counter = Counter()
    attempt_count = 0
    for auto_text, finals_text in (
        Scorecard.objects.filter(exercise=exercise, **attempt_filter)
        .annotate(auto_text=json_text("auto_scores"), finals_text=json_text("final_scores"))
        .values_list("auto_text", "finals_text")
    ):
        auto, finals = orjson.loads(auto_text), orjson.loads(finals_text)
        attempt_count += 1
        for dimension, value in auto.items():
            scored_on[dimension] += 1
            final = finals.get(dimension) or {}
            if final.get("source") in (SOURCE_OVERRIDE, SOURCE_REVIEWS) and value is not None:
                human_pairs[dimension].append((value, final["score"]))

    by_unit: dict[tuple[object, str], dict[object, int]] = defaultdict(dict)
    review_count = 0
    for attempt_id, reviewer_id, scores in (
        Review.objects.filter(attempt__exercise=exercise, **attempt_filter)
        .annotate(scores_text=json_text("scores"))
        .values_list("attempt_id", "reviewer_id", "scores_text")
    ):
        review_count += 1
        for dimension, value in orjson.loads(scores).items():
            by_unit[(attempt_id, dimension)][reviewer_id] = value
    ratings_by_dimension: dict[str, dict[object, list[int]]] = defaultdict(dict)
    for (attempt, dimension), by_reviewer in by_unit.items():
        ratings_by_dimension[dimension][attempt] = list(by_reviewer.values())

    agreement_rows = []
    for dimension in dimensions:
        ratings = ratings_by_dimension.get(dimension, {})
        agreement_rows.append(
            {
                "dimension": dimension,
                "name": DIMENSION_NAMES.get(dimension, dimension),
                "reviewers": reviewer_alpha(ratings),
                "auto_vs_human": auto_vs_human(human_pairs.get(dimension, [])),
            }
        )

    deviations = reviewer_deviations(by_unit)
    names = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model()
        .objects.filter(pk__in=list(deviations))
        .only("pk", "username", "first_name", "last_name")
    }
    reviewers = sorted(
        (
            {"reviewer": names.get(pk, str(pk)), "reviewer_id": pk, **figures}
            for pk, figures in deviations.items()
        ),
        key=lambda row: (row["mean_deviation"], row["reviewer"]),
    )

    overrides, assessed, scored_by_version = _override_facts(exercise, attempt_filter)
    return {
        "exercise": {"id": exercise.pk, "title": exercise.title},
        "period": period.as_dict(),
        "attempts": attempt_count,
        "reviews": review_count,
        "dimensions": agreement_rows,
        "reviewers": reviewers,
        "overrides": {
            "total": len(overrides),
            "by_dimension": override_rates(overrides, dict(scored_on)),
            "by_reason": dict(Counter(fact.reason_code for fact in overrides)),
            "weakest_checks": weakest_checks(overrides, assessed),
            "by_scorer_version": override_versions(overrides, scored_by_version),
        },
    }


def _override_facts(exercise, attempt_filter: dict):
    """The period's overrides with the checks of the score set each was made against; the verdicts of
    every check over the period's latest score sets; attempts per scorer version."""
    from scoring.models import DimensionScore, Override, ScoreSet

    score_sets = list(
        ScoreSet.objects.filter(attempt__exercise=exercise, **attempt_filter)
        .order_by("attempt_id", "created_at", "pk")
        .values_list("pk", "attempt_id", "scorer_version", "created_at")
    )
    sets_of: dict[object, list[tuple]] = defaultdict(list)
    for pk, attempt_id, version, created_at in score_sets:
        sets_of[attempt_id].append((pk, version, created_at))
    scored_by_version = Counter(version for sets in sets_of.values() for _, version, _ in sets)

    assessed = _check_verdicts(exercise, attempt_filter)

    events = list(
        Override.objects.filter(attempt__exercise=exercise, action=OverrideAction.OVERRIDE, **attempt_filter)
        .order_by("created_at", "pk")
        .values_list("attempt_id", "dimension", "score", "auto_score", "reason_code", "created_at")
    )
    made_against = {}
    for attempt_id, _, _, _, _, created_at in events:
        sets = sets_of.get(attempt_id) or []
        before = [s for s in sets if s[2] <= created_at] or sets
        if before:
            made_against[(attempt_id, created_at)] = before[-1]
    checks_of: dict[tuple[int, str], list[tuple[str, str, bool]]] = defaultdict(list)
    wanted_sets = {s[0] for s in made_against.values()}
    if wanted_sets:
        for set_id, kind, dimension, outcomes in (
            DimensionScore.objects.filter(
                item_score__score_set_id__in=wanted_sets, dimension__in={e[1] for e in events}
            )
            .annotate(outcomes_text=json_text("check_outcomes"))
            .values_list("item_score__score_set_id", "item_score__kind", "dimension", "outcomes_text")
        ):
            checks_of[(set_id, dimension)] += [
                (kind, check, passed) for check, passed in orjson.loads(outcomes).items()
            ]
    facts = []
    for attempt_id, dimension, score, auto_score, reason_code, created_at in events:
        against = made_against.get((attempt_id, created_at))
        facts.append(
            OverrideFact(
                attempt=attempt_id, dimension=dimension, score=score, auto_score=auto_score,
                reason_code=reason_code or OverrideReason.OTHER, scorer_version=against[1] if against else "",
                checks=tuple(checks_of.get((against[0], dimension), ())) if against else (),
            )
        )  # fmt: skip
    return facts, assessed, dict(scored_by_version)


def _check_verdicts(exercise, attempt_filter: dict) -> dict[tuple[str, str, str], Counter]:
    """{(kind, dimension, check): Counter({True: passed, False: failed})} over each attempt's latest
    score set in the period. The database counts the dimension scores per (kind, dimension, outcomes)
    — a few hundred distinct outcomes objects for tens of thousands of scores, grouped as jsonb (no
    text cast per row) — and each distinct object is read once here."""
    from django.db.models import Count, Exists, OuterRef, Q

    from scoring.models import DimensionScore, ScoreSet

    later = ScoreSet.objects.filter(attempt_id=OuterRef("item_score__score_set__attempt_id")).filter(
        Q(created_at__gt=OuterRef("item_score__score_set__created_at"))
        | Q(
            created_at=OuterRef("item_score__score_set__created_at"),
            pk__gt=OuterRef("item_score__score_set_id"),
        )
    )
    assessed: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    for kind, dimension, outcomes, count in (
        DimensionScore.objects.filter(
            item_score__score_set__attempt__exercise=exercise,
            **_prefixed(attempt_filter, "item_score__score_set__"),
        )
        .filter(~Exists(later))
        .values("item_score__kind", "dimension", "check_outcomes")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("item_score__kind", "dimension", "check_outcomes", "count")
    ):
        for check, passed in outcomes.items():
            assessed[(kind, dimension, check)][passed] += count
    return assessed


def _prefixed(attempt_filter: dict, prefix: str) -> dict:
    return {prefix + key: value for key, value in attempt_filter.items()}
