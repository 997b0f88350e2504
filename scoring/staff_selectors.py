"""Reads of the staff side: scorecards with blind review applied, comparisons and their CSV.

Blind review: on an exercise with `blind_review`, a reviewer who has not submitted their own review
of an attempt sees neither the auto-score (nor its checks), nor other reviewers' scores, nor the
overrides, nor the final scores and recommendation, and sees the participant by a code. Leads always
see everything: they adjudicate.
"""

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from scoring import scorecards
from scoring.dimensions import DEFAULT_RUBRIC, DIMENSION_KEYS
from scoring.models import Override, RecommendationRule, Review, ReviewAssignment, ReviewClaim, Scorecard
from scoring.selectors import latest_score_set
from simulator.access import attempts_visible_to, staff_membership
from simulator.models import Attempt, Role

DIMENSION_NAMES = {d["key"]: d["name"] for d in DEFAULT_RUBRIC}
DIMENSION_ANCHORS = {d["key"]: d["anchors"] for d in DEFAULT_RUBRIC}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def participant_code(participant_id: int) -> str:
    """A stable code that stands for a participant in blind review; not derivable without the server key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"participant:{participant_id}".encode(), hashlib.sha256)
    return "P-" + digest.hexdigest()[:6].upper()


def is_blinded(*, attempt: Attempt, viewer, submitted_reviewer_ids: set[int]) -> bool:
    membership = staff_membership(viewer)
    if membership is None or membership.role == Role.LEAD:
        return False
    return bool(attempt.exercise.blind_review) and viewer.pk not in submitted_reviewer_ids


def participant_label(*, attempt: Attempt, blinded: bool) -> str:
    return participant_code(attempt.participant_id) if blinded else attempt.participant.name


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def rule_of(exercise) -> dict:
    rule = RecommendationRule.objects.filter(exercise=exercise).first()
    return scorecards.rule_for(
        exercise.purpose, {"bands": rule.bands, "otherwise": rule.otherwise} if rule else None
    )


@dataclass
class ScorecardView:
    """What the review page, the scorecard page and the scorecard API show to one viewer."""

    attempt: Attempt
    blinded: bool
    participant: str
    dimensions: list[dict]
    reviews: list[dict]
    overrides: list[dict]
    my_review: dict | None
    recommendation: dict | None
    flags: dict
    claim: dict | None
    assignments: list[dict]
    items: list[dict]
    scorer_version: str
    mean_score: float | None

    def as_api(self) -> dict:
        return {
            "attempt_id": self.attempt.public_id,
            "status": self.attempt.status,
            "participant": self.participant,
            "blind": self.blinded,
            "dimensions": [
                {
                    "dimension": d["key"],
                    "name": d["name"],
                    "score": d["score"],
                    "source": d["source"],
                    "auto_score": d["auto_score"],
                    "reviews": d["reviews"],
                    "overrides": d["overrides"],
                    "override_to_recheck": d["override_to_recheck"],
                }
                for d in self.dimensions
            ],
            "mean_score": self.mean_score,
            "recommendation": self.recommendation,
            "flags": self.flags,
            "reviews": self.reviews,
            "my_review": self.my_review,
        }


def scorecard_view(*, attempt: Attempt, viewer) -> ScorecardView:
    """The attempt's scorecard as `viewer` may see it, in a fixed number of queries."""
    score_set = latest_score_set(attempt=attempt)
    reviews = list(
        Review.objects.filter(attempt=attempt).select_related("reviewer").order_by("submitted_at", "pk")
    )
    submitted = {r.reviewer_id for r in reviews}
    blinded = is_blinded(attempt=attempt, viewer=viewer, submitted_reviewer_ids=submitted)
    overrides = list(
        Override.objects.filter(attempt=attempt).select_related("author").order_by("created_at", "pk")
    )
    events = [
        scorecards.OverrideEvent(
            id=o.pk, dimension=o.dimension, action=o.action, score=o.score, reverts=o.reverts_id
        )
        for o in overrides
    ]
    standing = scorecards.standing_overrides(events)
    reverted = {o.reverts_id for o in overrides if o.reverts_id}
    items = []
    auto_totals: dict[str, list[int]] = {}
    checks_by_dimension: dict[str, list[dict]] = {}
    item_needs_review: dict[str, bool] = {}
    if score_set is not None:
        for item_score in score_set.items.all():
            item = {"item_id": item_score.attempt_item.public_id, "position": item_score.attempt_item.position,
                    "kind": item_score.kind, "scorer_version": item_score.scorer_version, "dimensions": []}  # fmt: skip
            for d in item_score.dimensions.all():
                auto_totals.setdefault(d.dimension, []).append(d.score)
                entry = {
                    "dimension": d.dimension, "name": DIMENSION_NAMES.get(d.dimension, d.dimension), "score": d.score,
                    "checks": d.checks, "confidence": getattr(d, "confidence", None),
                    "needs_review": bool(getattr(d, "needs_review", False)),
                }  # fmt: skip
                item["dimensions"].append(entry)
                checks_by_dimension.setdefault(d.dimension, []).append({"item": item, **entry})
                item_needs_review[d.dimension] = (
                    item_needs_review.get(d.dimension, False) or entry["needs_review"]
                )
            items.append(item)
    items.sort(key=lambda entry: entry["position"])
    auto = {key: round(sum(v) / len(v), 2) for key, v in auto_totals.items()}
    order = {d["key"]: position for position, d in enumerate(DEFAULT_RUBRIC)}
    review_scores = [r.scores for r in reviews]
    finals = scorecards.final_scores(auto=auto, reviews=review_scores, overrides=events)
    override_rows = [
        {
            "id": o.pk,
            "dimension": o.dimension,
            "action": o.action,
            "score": o.score,
            "previous_score": o.previous_score,
            "auto_score": o.auto_score,
            "reason_code": o.reason_code,
            "justification": o.justification,
            "author": _name(o.author),
            "created_at": o.created_at,
            "reverts": o.reverts_id,
            "reverted": o.pk in reverted,
            "standing": standing.get(o.dimension) is not None and standing[o.dimension].id == o.pk,
        }  # fmt: skip
        for o in overrides
    ]
    dimensions = []
    for key in sorted(auto, key=lambda k: order.get(k, 99)):
        standing_row = next(
            (row for row in override_rows if row["standing"] and row["dimension"] == key), None
        )
        recheck = bool(
            standing_row
            and standing_row["auto_score"] is not None
            and abs(standing_row["auto_score"] - auto[key]) > 1e-9
        )
        dimensions.append(
            {
                "key": key,
                "name": DIMENSION_NAMES.get(key, key),
                "anchors": DIMENSION_ANCHORS.get(key, {}),
                "score": None if blinded else finals[key]["score"],
                "source": None if blinded else finals[key]["source"],
                "auto_score": None if blinded else auto[key],
                "needs_human_review": None if blinded else item_needs_review.get(key, False),
                "checks": [] if blinded else checks_by_dimension.get(key, []),
                "reviews": []
                if blinded
                else [
                    {"reviewer": _name(r.reviewer), "score": r.scores.get(key)}
                    for r in reviews
                    if key in r.scores
                ],
                "overrides": [] if blinded else [row for row in override_rows if row["dimension"] == key],
                "override_to_recheck": False if blinded else recheck,
                "my_score": next((r.scores.get(key) for r in reviews if r.reviewer_id == viewer.pk), None),
            }
        )
    mine = next((r for r in reviews if r.reviewer_id == viewer.pk), None)
    my_review = (
        {"scores": mine.scores, "notes": mine.notes, "submitted_at": mine.submitted_at} if mine else None
    )
    review_rows = (
        []
        if blinded
        else [
            {
                "reviewer": _name(r.reviewer),
                "scores": r.scores,
                "notes": r.notes,
                "submitted_at": r.submitted_at,
            }
            for r in reviews
        ]
    )
    recommendation = None
    mean = None
    if not blinded and finals:
        rule = rule_of(attempt.exercise)
        outcome, why = scorecards.recommend(finals, rule)
        mean = scorecards.mean_of(finals)
        recommendation = {
            "outcome": outcome,
            "label": scorecards.OUTCOME_LABELS.get(outcome, outcome),
            "because": why,
            "rule": scorecards.describe_rule(rule),
        }
    disagreements = [] if blinded else scorecards.disagreements(auto=auto, reviews=review_scores)
    flags = {
        "needs_review": len(reviews) < attempt.exercise.reviews_required,
        "reviews_submitted": len(reviews),
        "reviews_required": attempt.exercise.reviews_required,
        "needs_adjudication": None if blinded else bool(disagreements),
        "disagreements": disagreements,
        "low_confidence": None if blinded else any(item_needs_review.values()),
        "overrides_to_recheck": None if blinded else sum(1 for d in dimensions if d["override_to_recheck"]),
        "finalized": attempt.status == "finalized",
    }
    claim = ReviewClaim.objects.filter(attempt=attempt).select_related("reviewer").first()
    assignments = [
        {
            "reviewer": _name(a.reviewer),
            "reviewer_id": a.reviewer_id,
            "by_hand": a.assigned_by_id is not None,
            "done": a.reviewer_id in submitted,
        }  # fmt: skip
        for a in ReviewAssignment.objects.filter(attempt=attempt).select_related("reviewer")
    ]
    return ScorecardView(
        attempt=attempt,
        blinded=blinded,
        participant=participant_label(attempt=attempt, blinded=blinded),
        dimensions=dimensions,
        reviews=review_rows,
        overrides=[] if blinded else override_rows,
        my_review=my_review,
        recommendation=recommendation,
        flags=flags,
        claim={
            "reviewer": _name(claim.reviewer),
            "reviewer_id": claim.reviewer_id,
            "expires_at": claim.expires_at,
        }
        if claim
        else None,
        assignments=assignments,
        items=[] if blinded else items,
        scorer_version=score_set.scorer_version if score_set else "",
        mean_score=mean,
    )


# Comparison and export -------------------------------------------------------------------------------

COMPARISON_SORTS = {
    "mean": "mean_score",
    "-mean": "-mean_score",
    "submitted": "attempt__submitted_at",
    "-submitted": "-attempt__submitted_at",
    "participant": "attempt__participant__name",
    "-participant": "-attempt__participant__name",
}


def comparison_scorecards(
    *, exercise, viewer, status: str = "", recommendation: str = "", needs_review: bool | None = None,
    adjudication: bool | None = None, sort: str = "-mean", dimension_sort: str = "",
) -> QuerySet[Scorecard]:  # fmt: skip
    """The exercise's scorecards the viewer may see, filtered and sorted; one query when evaluated.

    `dimension_sort` ("troubleshooting" or "-troubleshooting") sorts by a dimension's final score.
    """
    from django.db.models import F, FloatField
    from django.db.models.fields.json import KT
    from django.db.models.functions import Cast

    membership = staff_membership(viewer)
    if membership is None:
        return Scorecard.objects.none()
    scope = (
        Q(organisation_id=membership.organisation_id)
        if membership.role == Role.LEAD
        else Q(attempt__in=attempts_visible_to(viewer))
    )
    rows = (
        Scorecard.objects.filter(scope, exercise=exercise)
        .select_related("attempt__participant")
        .only(
            "attempt_id", "exercise_id", "auto_scores", "final_scores", "mean_score", "recommendation",
            "reviews_submitted", "reviews_required", "needs_review", "needs_adjudication", "low_confidence",
            "overrides_to_recheck", "attempt__public_id", "attempt__status", "attempt__submitted_at",
            "attempt__started_at", "attempt__participant_id", "attempt__participant__name",
            "attempt__participant__email",
        )
    )  # fmt: skip
    if status:
        rows = rows.filter(attempt__status=status)
    if recommendation:
        rows = rows.filter(recommendation=recommendation)
    if needs_review is not None:
        rows = rows.filter(needs_review=needs_review)
    if adjudication is not None:
        rows = rows.filter(needs_adjudication=adjudication)
    key = dimension_sort.lstrip("-")
    if key in DIMENSION_NAMES:
        rows = rows.annotate(_dim=Cast(KT(f"final_scores__{key}__score"), FloatField()))
        ordered = (
            F("_dim").desc(nulls_last=True)
            if dimension_sort.startswith("-")
            else F("_dim").asc(nulls_last=True)
        )
        return rows.order_by(ordered, "attempt_id")
    return rows.order_by(COMPARISON_SORTS.get(sort, "-mean_score"), "attempt_id")


def comparison_dimensions(exercise) -> list[str]:
    """The dimensions the exercise's items evidence, in the rubric's order."""
    from scoring.dimensions import KIND_DIMENSIONS

    wanted = {d for item in exercise.items for d in KIND_DIMENSIONS.get(item.get("kind"), ())}
    return [d["key"] for d in DEFAULT_RUBRIC if d["key"] in wanted]


def comparison_row(scorecard: Scorecard, dimensions: list[str]) -> dict:
    attempt = scorecard.attempt
    finals = scorecard.final_scores or {}
    return {
        "attempt_id": attempt.public_id,
        "participant": attempt.participant.name,
        "participant_id": attempt.participant_id,
        "email": attempt.participant.email,
        "status": attempt.status,
        "submitted_at": attempt.submitted_at,
        "scores": {d: (finals.get(d) or {}).get("score") for d in dimensions},
        "sources": {d: (finals.get(d) or {}).get("source") for d in dimensions},
        "auto_scores": {d: (scorecard.auto_scores or {}).get(d) for d in dimensions},
        "mean": scorecard.mean_score,
        "recommendation": scorecard.recommendation,
        "recommendation_label": scorecards.OUTCOME_LABELS.get(
            scorecard.recommendation, scorecard.recommendation
        ),
        "reviews": f"{scorecard.reviews_submitted}/{scorecard.reviews_required}",
        "needs_review": scorecard.needs_review,
        "needs_adjudication": scorecard.needs_adjudication,
        "low_confidence": scorecard.low_confidence,
        "overridden": [
            d for d in dimensions if (finals.get(d) or {}).get("source") == scorecards.SOURCE_OVERRIDE
        ],
        "overrides_to_recheck": scorecard.overrides_to_recheck,
    }


def distribution(rows_scores: list[dict], dimensions: list[str]) -> dict[str, list[int]]:
    """Per dimension, how many final scores fall in each whole level 1-5 (x.5 rounds half up)."""
    counts = {d: [0, 0, 0, 0, 0] for d in dimensions}
    for scores in rows_scores:
        for d in dimensions:
            value = scores.get(d)
            if value is not None:
                counts[d][min(5, max(1, int(value + 0.5))) - 1] += 1
    return counts


def distribution_counts(rows: QuerySet[Scorecard], dimensions: list[str]) -> dict[str, list[int]]:
    """`distribution` of every row of a comparison, from the scorecards' `levels` digits: one query
    reading a short string per row (decoding every row's JSON took most of the page's time)."""
    positions = {d: DIMENSION_KEYS.index(d) for d in dimensions if d in DIMENSION_KEYS}
    tallies = {d: Counter() for d in positions}
    for levels in rows.order_by().values_list("levels", flat=True):
        for d, position in positions.items():
            tallies[d][levels[position : position + 1]] += 1
    return {d: [tallies.get(d, Counter())[str(level)] for level in range(1, 6)] for d in dimensions}


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab/CR) gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_header(dimensions: list[str]) -> list[str]:
    return (
        ["attempt", "participant", "email", "status", "submitted_at"]
        + [DIMENSION_NAMES.get(d, d) for d in dimensions]
        + ["sources", "mean", "recommendation", "reviews", "needs_review", "needs_adjudication"]
    )


def csv_cells(row: dict, dimensions: list[str]) -> list[str]:
    sources = "; ".join(f"{d}={row['sources'][d]}" for d in dimensions if row["sources"].get(d))
    cells = [
        row["attempt_id"], row["participant"], row["email"], row["status"],
        row["submitted_at"].isoformat() if row["submitted_at"] else "",
        *[row["scores"].get(d) for d in dimensions],
        sources, row["mean"], row["recommendation"], row["reviews"],
        "yes" if row["needs_review"] else "no", "yes" if row["needs_adjudication"] else "no",
    ]  # fmt: skip
    return [csv_safe(cell) for cell in cells]


def reviewer_queue(*, reviewer) -> QuerySet[Attempt]:
    """The attempts assigned to a reviewer that still wait for their review (a calibration example
    is graded as such, never reviewed live)."""
    return (
        attempts_visible_to(reviewer)
        .filter(review_assignments__reviewer=reviewer, status="scored", calibration_example__isnull=True)
        .exclude(reviews__reviewer=reviewer)
        .select_related("exercise", "participant", "scorecard")
        .order_by("submitted_at", "pk")
    )


def attempt_answers(*, attempt: Attempt) -> list[dict]:
    """Each item's final answer and every saved revision (staff only), in two queries."""
    from simulator.models import AttemptItem, ResponseRevision

    items = list(AttemptItem.objects.filter(attempt=attempt).select_related("response").order_by("position"))
    revisions: dict[int, list[dict]] = {item.pk: [] for item in items}
    for revision in ResponseRevision.objects.filter(item_id__in=list(revisions)).order_by(
        "item_id", "version"
    ):
        revisions[revision.item_id].append(
            {"version": revision.version, "saved_at": revision.saved_at, "answer": revision.answer}
        )
    return [
        {
            "item_id": item.public_id,
            "position": item.position,
            "kind": item.kind,
            "answer": getattr(getattr(item, "response", None), "answer", {}) or {},
            "version": getattr(getattr(item, "response", None), "version", 0),
            "revisions": revisions[item.pk],
        }
        for item in items
    ]


def blinded_for(*, attempt: Attempt, viewer) -> bool:
    """Whether blind review still hides this attempt's scores from the viewer (one query at most)."""
    membership = staff_membership(viewer)
    if membership is None or membership.role == Role.LEAD or not attempt.exercise.blind_review:
        return False
    return not Review.objects.filter(attempt=attempt, reviewer=viewer).exists()
