"""Writes of the scoring side: rubric versions, auto-score sets, and the human side (assignments,
claims, reviews, overrides, finalize/reopen, recommendation rules), each refreshing the scorecard."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from scoring import scorecards
from scoring.context import build_context
from scoring.dimensions import DEFAULT_RUBRIC, DIMENSION_KEYS
from scoring.models import (
    CalibrationExample,
    CalibrationGrade,
    DimensionScore,
    ItemScore,
    Override,
    OverrideAction,
    OverrideReason,
    RecommendationRule,
    Review,
    ReviewAssignment,
    ReviewClaim,
    Rubric,
    RubricDimension,
    Scorecard,
    ScoreSet,
)
from scoring.scorers import score_item, scorer_set_version
from simulator import events
from simulator.errors import DomainError
from simulator.models import Role
from simulator.services import NotAllowed


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
        locked = (
            Attempt.objects.select_for_update().select_related("exercise", "invitation").get(pk=attempt.pk)
        )
        if locked.status == AttemptStatus.SUBMITTED:
            simulator_services.attempt_mark_scored(attempt=locked)
        scorecard_refresh(attempt=locked)
        if locked.status == AttemptStatus.SCORED:
            assignments_make(attempt=locked)
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
                        checks=[c.as_dict() for c in d.checks], check_outcomes=check_outcomes(d.checks),
                        confidence=d.confidence, needs_review=d.needs_review,
                    )
                    for d in result.dimensions
                )  # fmt: skip
    except IntegrityError:
        return ScoreSet.objects.get(attempt=attempt, scorer_version=version)
    return score_set


def check_outcomes(checks) -> dict[str, bool]:
    """{check id: passed} of the checks that were assessed (a DimensionScore's `check_outcomes`)."""
    return {c.id: bool(c.passed) for c in checks if c.assessed}


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


# The human side -------------------------------------------------------------------------------------

CLAIM_DURATION = timedelta(minutes=30)


class ReviewRefused(DomainError):
    status_code = 409
    code = "review_refused"


class ClaimHeld(DomainError):
    status_code = 409
    code = "claimed_by_another_reviewer"

    def __init__(self, claim: ReviewClaim):
        self.claim = claim
        name = claim.reviewer.get_full_name() or claim.reviewer.get_username()
        super().__init__(f"{name} is reviewing this attempt until {claim.expires_at:%H:%M} UTC")


class ScorecardFrozen(DomainError):
    status_code = 409
    code = "scorecard_finalized"

    def __init__(self):
        super().__init__("this scorecard is finalized; a lead must reopen it before anything changes")


def _staff(user, attempt):
    """The user's membership if they may act on this attempt at all (the pages and API have
    already scoped it; services check again so no caller can skip it)."""
    from simulator.access import attempts_visible_to, staff_membership

    membership = staff_membership(user)
    if membership is None or not attempts_visible_to(user).filter(pk=attempt.pk).exists():
        raise NotAllowed("this attempt is not yours to review")
    return membership


def _lead(user, attempt):
    membership = _staff(user, attempt)
    if membership.role != Role.LEAD:
        raise NotAllowed("only a lead can do this")
    return membership


class BlindReviewPending(DomainError):
    status_code = 403
    code = "blind_review"

    def __init__(self):
        super().__init__(
            "blind review: submit your own review of this attempt before you override or revert its scores"
        )


def _may_change_scores(attempt, user, now) -> None:
    """Overrides and reverts show the scores they replace, so on a blind exercise a reviewer makes
    them only after their own review; and never while another reviewer holds the claim. Leads
    adjudicate and are not blind."""
    membership = getattr(user, "membership", None)
    if membership is not None and membership.role == Role.LEAD:
        return
    if attempt.exercise.blind_review and not Review.objects.filter(attempt=attempt, reviewer=user).exists():
        raise BlindReviewPending()
    claim = ReviewClaim.objects.select_related("reviewer").filter(attempt=attempt).first()
    if claim is not None and claim.reviewer_id != user.pk and claim.expires_at > (now or timezone.now()):
        raise ClaimHeld(claim)


def _open_for_changes(attempt) -> None:
    from simulator.models import AttemptStatus

    if attempt.status == AttemptStatus.FINALIZED:
        raise ScorecardFrozen()
    if attempt.status != AttemptStatus.SCORED:
        raise ReviewRefused(f"only a scored attempt can be reviewed; this one is {attempt.status}")


def _dimensions_of(attempt) -> list[str]:
    scorecard = Scorecard.objects.filter(attempt=attempt).first()
    return list(scorecard.auto_scores) if scorecard else []


def auto_dimension_scores(score_set: ScoreSet | None) -> tuple[dict[str, float], bool]:
    """The attempt-level auto-score per dimension (the mean over its items) and whether any item's
    dimension asked for a human look (low confidence)."""
    if score_set is None:
        return {}, False
    totals: dict[str, list[int]] = {}
    doubtful = False
    for item_score in score_set.items.all():
        for d in item_score.dimensions.all():
            totals.setdefault(d.dimension, []).append(d.score)
            doubtful = doubtful or bool(getattr(d, "needs_review", False))
    order = {key: position for position, key in enumerate(DIMENSION_KEYS)}
    return (
        {
            k: round(sum(v) / len(v), 2)
            for k, v in sorted(totals.items(), key=lambda kv: order.get(kv[0], 99))
        },
        doubtful,
    )


def _override_events(overrides) -> list[scorecards.OverrideEvent]:
    return [
        scorecards.OverrideEvent(
            id=o.pk, dimension=o.dimension, action=o.action, score=o.score, reverts=o.reverts_id
        )
        for o in overrides
    ]


def scorecard_refresh(*, attempt, now=None, force: bool = False) -> Scorecard | None:
    """Rebuild the attempt's scorecard row from its latest score set, reviews and overrides.

    Every service that changes one of those calls this, so lists, filters and the comparison read
    one row per attempt. Returns None while the attempt has no score set. A finalized scorecard is
    frozen: a rescoring adds its score set but changes nothing here until a lead reopens it.
    """
    from scoring.selectors import latest_score_set
    from simulator.models import AttemptStatus

    if attempt.status == AttemptStatus.FINALIZED and not force:
        frozen = Scorecard.objects.filter(attempt=attempt).first()
        if frozen is not None:
            return frozen

    score_set = latest_score_set(attempt=attempt)
    if score_set is None:
        return None
    exercise = attempt.exercise
    auto, doubtful = auto_dimension_scores(score_set)
    reviews = [r.scores for r in Review.objects.filter(attempt=attempt)]
    overrides = list(Override.objects.filter(attempt=attempt).order_by("created_at", "pk"))
    finals = scorecards.final_scores(auto=auto, reviews=reviews, overrides=_override_events(overrides))
    rule = RecommendationRule.objects.filter(exercise=exercise).first()
    outcome, _ = scorecards.recommend(
        finals,
        scorecards.rule_for(
            exercise.purpose, {"bands": rule.bands, "otherwise": rule.otherwise} if rule else None
        ),
    )
    standing = scorecards.standing_overrides(_override_events(overrides))
    by_id = {o.pk: o for o in overrides}
    recheck = sum(
        1
        for event in standing.values()
        if by_id[event.id].auto_score is not None
        and auto.get(event.dimension) is not None
        and abs(by_id[event.id].auto_score - auto[event.dimension]) > 1e-9
    )
    values = {
        "organisation_id": attempt.organisation_id,
        "exercise_id": attempt.exercise_id,
        "auto_scores": auto,
        "final_scores": finals,
        "mean_score": scorecards.mean_of(finals),
        "levels": scorecards.levels_text(finals, DIMENSION_KEYS),
        "recommendation": outcome,
        "reviews_submitted": len(reviews),
        "reviews_required": exercise.reviews_required,
        "needs_review": len(reviews) < exercise.reviews_required,
        "needs_adjudication": bool(scorecards.disagreements(auto=auto, reviews=reviews)),
        "low_confidence": doubtful,
        "overrides_to_recheck": recheck,
        "updated_at": now or timezone.now(),
    }
    scorecard, _ = Scorecard.objects.update_or_create(attempt=attempt, defaults=values)
    return scorecard


def _current_scorecard(attempt, now=None) -> Scorecard | None:
    """The attempt's scorecard row, which every change keeps current; built if it is missing."""
    return Scorecard.objects.filter(attempt=attempt).first() or scorecard_refresh(attempt=attempt, now=now)


def assignments_make(*, attempt, now=None) -> list[ReviewAssignment]:
    """Put a scored attempt in the queues of as many of its panel's reviewers as the exercise
    requires, round-robin: the reviewers with the fewest assignments on this exercise first."""
    from django.db.models import Count, Q

    exercise = attempt.exercise
    panel_id = attempt.invitation.panel_id
    needed = exercise.reviews_required - ReviewAssignment.objects.filter(attempt=attempt).count()
    if needed <= 0 or panel_id is None:
        return []
    User = get_user_model()
    panel_members = (
        User.objects.filter(panels=panel_id, membership__organisation_id=attempt.organisation_id)
        .exclude(review_assignments__attempt=attempt)
        .annotate(load=Count("review_assignments", filter=Q(review_assignments__attempt__exercise=exercise)))
        .order_by("load", "pk")
    )
    if CalibrationExample.objects.filter(attempt=attempt).exists():
        return []  # a calibration example is graded as such, never reviewed live
    if CalibrationExample.objects.filter(exercise=exercise).exists():
        # Reviewers who have not cleared the exercise's calibration set wait for it.
        members = list(panel_members)
        statuses = calibration_statuses(exercises=[exercise], reviewers=members)
        candidates = [user for user in members if statuses[(exercise.pk, user.pk)].cleared][:needed]
    else:
        candidates = list(panel_members[:needed])
    now = now or timezone.now()
    assignments = [
        ReviewAssignment.objects.create(attempt=attempt, reviewer=reviewer, assigned_at=now)
        for reviewer in candidates
    ]
    if assignments:
        events.emit(events.REVIEW_REQUESTED, organisation_id=attempt.organisation_id, attempt_id=attempt.pk)
    return assignments


@transaction.atomic
def review_assign(*, attempt, reviewer, assigned_by, now=None) -> ReviewAssignment:
    """A lead puts an attempt in a reviewer's queue by hand."""
    _lead(assigned_by, attempt)
    membership = getattr(reviewer, "membership", None)
    if membership is None or membership.organisation_id != attempt.organisation_id:
        raise NotAllowed("the reviewer must belong to this organisation")
    if not ReviewAssignment.objects.filter(attempt=attempt, reviewer=reviewer).exists():
        _require_calibrated(reviewer, attempt.exercise)
        _require_not_an_example(reviewer, attempt)
    now = now or timezone.now()
    assignment, created = ReviewAssignment.objects.get_or_create(
        attempt=attempt, reviewer=reviewer, defaults={"assigned_by": assigned_by, "assigned_at": now}
    )
    if created:
        _audit(attempt, assigned_by, "review.assigned", after={"reviewer": reviewer.get_username()}, now=now)
        events.emit(events.REVIEW_REQUESTED, organisation_id=attempt.organisation_id, attempt_id=attempt.pk)
    return assignment


@transaction.atomic
def review_claim(*, attempt, reviewer, now=None) -> ReviewClaim:
    """Claim the attempt for CLAIM_DURATION, or extend one's own claim; refused while someone else holds it."""
    _staff(reviewer, attempt)
    _open_for_changes(attempt)
    _require_calibrated(reviewer, attempt.exercise)
    _require_not_an_example(reviewer, attempt)
    now = now or timezone.now()
    claim = ReviewClaim.objects.select_for_update().select_related("reviewer").filter(attempt=attempt).first()
    if claim is not None and claim.reviewer_id != reviewer.pk and claim.expires_at > now:
        raise ClaimHeld(claim)
    if claim is None:
        return ReviewClaim.objects.create(attempt=attempt, reviewer=reviewer, expires_at=now + CLAIM_DURATION)
    claim.reviewer = reviewer
    claim.expires_at = now + CLAIM_DURATION
    claim.save(update_fields=["reviewer", "expires_at"])
    return claim


def review_release(*, attempt, reviewer) -> None:
    ReviewClaim.objects.filter(attempt=attempt, reviewer=reviewer).delete()


def _check_scores(scores: dict, dimensions: list[str]) -> dict[str, int]:
    if not isinstance(scores, dict) or not scores:
        raise DomainError("scores must give at least one dimension a score from 1 to 5")
    unknown = sorted(set(scores) - set(dimensions))
    if unknown:
        raise DomainError(
            f"this attempt was not scored on {', '.join(unknown)}; its dimensions are {', '.join(dimensions)}"
        )
    clean = {}
    for dimension, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise DomainError(f"{dimension}: a score must be a whole number from 1 to 5")
        clean[dimension] = value
    return clean


@transaction.atomic
def review_submit(*, attempt, reviewer, scores: dict, notes: str = "", now=None) -> Review:
    """Record (or revise) a reviewer's own scores; the claim is released and blind review lifts for them."""
    from simulator.models import Attempt

    attempt = Attempt.objects.select_for_update().select_related("exercise").get(pk=attempt.pk)
    _staff(reviewer, attempt)
    _open_for_changes(attempt)
    _require_calibrated(reviewer, attempt.exercise)
    _require_not_an_example(reviewer, attempt)
    now = now or timezone.now()
    claim = ReviewClaim.objects.select_related("reviewer").filter(attempt=attempt).first()
    if claim is not None and claim.reviewer_id != reviewer.pk and claim.expires_at > now:
        raise ClaimHeld(claim)
    clean = _check_scores(scores, _dimensions_of(attempt))
    review = Review.objects.filter(attempt=attempt, reviewer=reviewer).first()
    before = dict(review.scores) if review else {}
    if review is None:
        review = Review(attempt=attempt, reviewer=reviewer, submitted_at=now)
    review.scores = clean
    review.notes = notes.strip()
    review.updated_at = now
    review.full_clean()
    review.save()
    ReviewClaim.objects.filter(attempt=attempt).delete()
    _audit(attempt, reviewer, "review.submitted", before=before, after=clean, now=now)
    scorecard_refresh(attempt=attempt, now=now)
    return review


@transaction.atomic
def override_create(
    *, attempt, dimension: str, score: int, reason_code: str, justification: str, author, now=None
) -> Override:
    """Set one dimension's score by hand. Append-only: the auto-score and every earlier event stay."""
    from simulator.models import Attempt

    attempt = Attempt.objects.select_for_update().select_related("exercise").get(pk=attempt.pk)
    _staff(author, attempt)
    _open_for_changes(attempt)
    _may_change_scores(attempt, author, now)
    if reason_code not in OverrideReason.values:
        raise DomainError(f"reason_code must be one of {', '.join(OverrideReason.values)}")
    if not (justification or "").strip():
        raise DomainError("an override needs a justification: say why the score should change")
    scorecard = _current_scorecard(attempt, now)
    dimensions = list(scorecard.auto_scores) if scorecard else []
    _check_scores({dimension: score}, dimensions)
    now = now or timezone.now()
    override = Override(
        attempt=attempt, dimension=dimension, action=OverrideAction.OVERRIDE, score=score,
        previous_score=scorecard.final_scores[dimension]["score"], auto_score=scorecard.auto_scores[dimension],
        reason_code=reason_code, justification=justification.strip(), author=author, created_at=now,
    )  # fmt: skip
    override.full_clean()
    override.save()
    _audit(
        attempt, author, "override.created",
        before={dimension: override.previous_score},
        after={dimension: score, "reason_code": reason_code, "justification": override.justification}, now=now,
    )  # fmt: skip
    scorecard_refresh(attempt=attempt, now=now)
    return override


@transaction.atomic
def override_revert(*, override: Override, justification: str, author, now=None) -> Override:
    """Undo an override that still stands; the revert is itself a recorded event."""
    from simulator.models import Attempt

    attempt = Attempt.objects.select_for_update().select_related("exercise").get(pk=override.attempt_id)
    _staff(author, attempt)
    _open_for_changes(attempt)
    _may_change_scores(attempt, author, now)
    if not (justification or "").strip():
        raise DomainError("a revert needs a justification: say why the override should go")
    override = Override.objects.select_for_update().get(pk=override.pk)
    if override.action != OverrideAction.OVERRIDE:
        raise ReviewRefused("only an override can be reverted, not a revert")
    if Override.objects.filter(reverts=override).exists():
        raise ReviewRefused("this override has been reverted already")
    scorecard = _current_scorecard(attempt, now)
    now = now or timezone.now()
    revert = Override(
        attempt=attempt, dimension=override.dimension, action=OverrideAction.REVERT, score=None,
        previous_score=scorecard.final_scores.get(override.dimension, {}).get("score"),
        auto_score=scorecard.auto_scores.get(override.dimension), reverts=override,
        justification=justification.strip(), author=author, created_at=now,
    )  # fmt: skip
    revert.full_clean()
    revert.save()
    _audit(
        attempt, author, "override.reverted", before={override.dimension: revert.previous_score},
        after={"reverted_override": override.pk, "justification": revert.justification}, now=now,
    )  # fmt: skip
    scorecard_refresh(attempt=attempt, now=now)
    return revert


@transaction.atomic
def scorecard_finalize(*, attempt, finalized_by, without_required_reviews: bool = False, now=None):
    """A lead freezes the scorecard: scored → finalized. While the exercise's required human reviews
    are missing the lead must say so explicitly (`without_required_reviews`), and the audit keeps it."""
    from simulator import services as simulator_services
    from simulator.models import Attempt

    attempt = Attempt.objects.select_for_update().select_related("exercise").get(pk=attempt.pk)
    _lead(finalized_by, attempt)
    submitted = Review.objects.filter(attempt=attempt).count()
    required = attempt.exercise.reviews_required
    if submitted < required and not without_required_reviews:
        raise ReviewRefused(
            f"{submitted} of the {required} required human reviews are in; finalize without them only "
            "deliberately (without_required_reviews)"
        )
    simulator_services.attempt_finalize(attempt=attempt)
    scorecard = scorecard_refresh(attempt=attempt, now=now, force=True)
    # Announced once this transaction commits, so listeners read the frozen scorecard.
    events.emit(events.ATTEMPT_FINALIZED, organisation_id=attempt.organisation_id, attempt_id=attempt.pk)
    ReviewClaim.objects.filter(attempt=attempt).delete()
    _audit(
        attempt, finalized_by, "scorecard.finalized", before={"status": "scored"},
        after={"status": "finalized", "final_scores": scorecard.final_scores if scorecard else {},
               "recommendation": scorecard.recommendation if scorecard else "",
               "reviews": f"{submitted}/{required}"},
        now=now,
    )  # fmt: skip
    return attempt


@transaction.atomic
def scorecard_reopen(*, attempt, reopened_by, reason: str, now=None):
    """A lead reopens a finalized scorecard so reviews and overrides may change it again; the reason is kept."""
    from simulator import services as simulator_services
    from simulator.models import Attempt

    attempt = Attempt.objects.select_for_update().select_related("exercise").get(pk=attempt.pk)
    _lead(reopened_by, attempt)
    if not (reason or "").strip():
        raise DomainError("reopening a finalized scorecard needs a reason")
    simulator_services.attempt_reopen(attempt=attempt)
    _audit(
        attempt, reopened_by, "scorecard.reopened", before={"status": "finalized"},
        after={"status": "scored", "reason": reason.strip()}, now=now,
    )  # fmt: skip
    scorecard_refresh(attempt=attempt, now=now)
    return attempt


@transaction.atomic
def recommendation_rule_set(
    *, exercise, bands: list[dict], otherwise: str, set_by, now=None
) -> RecommendationRule:
    """A lead sets the exercise's rule; every scorecard of the exercise is re-evaluated."""
    from simulator.access import staff_membership
    from simulator.models import AttemptStatus

    membership = staff_membership(set_by)
    if (
        membership is None
        or membership.role != Role.LEAD
        or membership.organisation_id != exercise.organisation_id
    ):
        raise NotAllowed("only a lead of this organisation can set its recommendation rules")
    problems = scorecards.validate_rule(purpose=exercise.purpose, bands=bands, otherwise=otherwise)
    if problems:
        raise DomainError("; ".join(problems))
    now = now or timezone.now()
    clean = [
        {"outcome": b["outcome"], "min_mean": float(b["min_mean"]), "min_each": float(b["min_each"])}
        for b in bands
    ]
    previous = RecommendationRule.objects.filter(exercise=exercise).first()
    rule, _ = RecommendationRule.objects.update_or_create(
        exercise=exercise,
        defaults={"bands": clean, "otherwise": otherwise, "updated_by": set_by, "updated_at": now},
    )
    from simulator import services as simulator_services

    simulator_services.audit_record(
        organisation_id=exercise.organisation_id, actor=set_by, action="recommendation_rule.set",
        target=f"exercise:{exercise.pk}",
        before={"bands": previous.bands, "otherwise": previous.otherwise} if previous else {},
        after={"bands": clean, "otherwise": otherwise}, now=now,
    )  # fmt: skip
    # Only the recommendation depends on the rule: recompute it from the stored final scores in one
    # pass instead of rebuilding every scorecard. Finalized scorecards stay frozen.
    rule_now = {"bands": clean, "otherwise": otherwise}
    cards = list(
        Scorecard.objects.filter(exercise=exercise)
        .exclude(attempt__status=AttemptStatus.FINALIZED)
        .only("attempt_id", "final_scores", "recommendation", "updated_at")
    )
    for card in cards:
        card.recommendation = scorecards.recommend(card.final_scores, rule_now)[0]
        card.updated_at = now
    Scorecard.objects.bulk_update(cards, ["recommendation", "updated_at"], batch_size=1000)
    return rule


# Calibration sets ------------------------------------------------------------------------------------


class NotCalibrated(DomainError):
    status_code = 409
    code = "calibration_pending"


@dataclass(frozen=True)
class CalibrationStatus:
    """Where a reviewer stands with an exercise's calibration set."""

    examples: int
    graded: int
    reviewed_live: bool

    @property
    def cleared(self) -> bool:
        """The gating rule: a reviewer gets an exercise's live attempts once they have graded every
        calibration example of it. An exercise without examples gates no one, and a reviewer who
        already reviewed live attempts of it before its set was made keeps their place."""
        return self.examples == 0 or self.graded >= self.examples or self.reviewed_live


def calibration_statuses(*, exercises, reviewers) -> dict[tuple[int, int], CalibrationStatus]:
    """Where each reviewer stands with each exercise's calibration set, keyed (exercise id, reviewer
    id): the one definition the gate and every page read. Three queries whatever the numbers."""
    from django.db.models import Count

    exercise_ids = [getattr(e, "pk", e) for e in exercises]
    reviewer_ids = [getattr(r, "pk", r) for r in reviewers]
    counts = dict(
        CalibrationExample.objects.filter(exercise_id__in=exercise_ids)
        .values("exercise_id")
        .annotate(n=Count("pk"))
        .values_list("exercise_id", "n")
    )
    graded: dict[tuple[int, int], int] = {}
    live: set[tuple[int, int]] = set()
    gated = [e for e in exercise_ids if counts.get(e)]
    if gated and reviewer_ids:
        graded = {
            (e, r): n
            for e, r, n in CalibrationGrade.objects.filter(
                example__exercise_id__in=gated, reviewer_id__in=reviewer_ids
            )
            .values("example__exercise_id", "reviewer_id")
            .annotate(n=Count("pk"))
            .values_list("example__exercise_id", "reviewer_id", "n")
        }
        live = set(
            Review.objects.filter(attempt__exercise_id__in=gated, reviewer_id__in=reviewer_ids)
            .exclude(attempt__calibration_example__isnull=False)
            .values_list("attempt__exercise_id", "reviewer_id")
            .distinct()
        )
    out = {}
    for e in exercise_ids:
        examples = counts.get(e, 0)
        for r in reviewer_ids:
            done = graded.get((e, r), 0)
            out[(e, r)] = CalibrationStatus(
                examples=examples,
                graded=done,
                reviewed_live=bool(examples) and done < examples and (e, r) in live,
            )
    return out


def reviewer_calibration(*, reviewer, exercise) -> CalibrationStatus:
    """How much of the exercise's calibration set the reviewer has graded (see `calibration_statuses`)."""
    return calibration_statuses(exercises=[exercise], reviewers=[reviewer])[(exercise.pk, reviewer.pk)]


def _require_calibrated(reviewer, exercise) -> None:
    """Leads adjudicate and are never gated; a reviewer must have cleared the exercise's calibration set."""
    membership = getattr(reviewer, "membership", None)
    if membership is not None and membership.role == Role.LEAD:
        return
    status = reviewer_calibration(reviewer=reviewer, exercise=exercise)
    if not status.cleared:
        name = reviewer.get_full_name() or reviewer.get_username()
        raise NotCalibrated(
            f"{name} has graded {status.graded} of the {status.examples} calibration examples of "
            f"{exercise.title}; the exercise's live attempts come after the whole set"
        )


def _require_not_an_example(reviewer, attempt) -> None:
    """A reviewer who graded an attempt as a calibration example has seen its agreed scores: they
    cannot review it blind any more."""
    if CalibrationGrade.objects.filter(example__attempt=attempt, reviewer=reviewer).exists():
        raise ReviewRefused(
            "you graded this attempt as a calibration example and have seen its agreed scores, so you "
            "cannot review it live"
        )


class ExampleNotFinalized(DomainError):
    status_code = 409
    code = "example_not_finalized"


def _agreed_scores(attempt, scores: dict) -> dict[str, int]:
    return _check_scores(scores, _dimensions_of(attempt))


@transaction.atomic
def calibration_example_mark(*, attempt, agreed_scores: dict, marked_by, notes: str = "", now=None):
    """A lead marks a finalized attempt as a calibration example of its exercise with the scores the
    panel agreed on (every dimension the attempt was scored on); marking again updates them."""
    from simulator.models import AttemptStatus

    _lead(marked_by, attempt)
    if attempt.status != AttemptStatus.FINALIZED:
        raise ExampleNotFinalized(
            f"only an attempt whose scorecard is finalized can be a calibration example; this one is "
            f"{attempt.status}, so its live reviews may still be under way and a reviewer grading it "
            "as an example would see the agreed scores of an attempt they review blind"
        )
    clean = _agreed_scores(attempt, agreed_scores)
    missing = [d for d in _dimensions_of(attempt) if d not in clean]
    if missing:
        raise DomainError(f"give an agreed score for every dimension; missing: {', '.join(missing)}")
    now = now or timezone.now()
    example = CalibrationExample.objects.filter(attempt=attempt).first()
    before = dict(example.agreed_scores) if example else {}
    if example is None:
        example = CalibrationExample(exercise_id=attempt.exercise_id, attempt=attempt, marked_at=now)
    example.agreed_scores = clean
    example.notes = (notes or "").strip()
    example.marked_by = marked_by
    example.full_clean()
    example.save()
    _audit(attempt, marked_by, "calibration_example.marked", before=before, after=clean, now=now)
    return example


@transaction.atomic
def calibration_example_unmark(*, example: CalibrationExample, unmarked_by, now=None) -> None:
    """A lead takes an attempt out of the calibration set; the grades made of it go with it."""
    _lead(unmarked_by, example.attempt)
    _audit(
        example.attempt, unmarked_by, "calibration_example.unmarked", before=dict(example.agreed_scores),
        after={"grades_removed": example.grades.count()}, now=now,
    )  # fmt: skip
    example.delete()


@transaction.atomic
def calibration_grade_submit(*, example: CalibrationExample, reviewer, scores: dict, now=None) -> dict:
    """A reviewer grades a calibration example (once; the grade stands as given) and learns how far
    they are from the agreed scores: {dimension: {"mine", "agreed", "difference"}}.

    The grade never touches the attempt's live scorecard."""
    from simulator.access import staff_membership

    membership = staff_membership(reviewer)
    if membership is None or membership.organisation_id != example.attempt.organisation_id:
        raise NotAllowed("this calibration example is not in your organisation")
    if CalibrationGrade.objects.filter(example=example, reviewer=reviewer).exists():
        raise ReviewRefused("you have graded this calibration example already")
    clean = _check_scores(scores, list(example.agreed_scores))
    missing = [d for d in example.agreed_scores if d not in clean]
    if missing:
        raise DomainError(f"grade every dimension of the example; missing: {', '.join(missing)}")
    grade = CalibrationGrade(
        example=example, reviewer=reviewer, scores=clean, graded_at=now or timezone.now()
    )
    grade.full_clean()
    grade.save()
    return calibration_distance(grade)


def calibration_distance(grade: CalibrationGrade) -> dict:
    agreed = grade.example.agreed_scores
    return {
        d: {"mine": grade.scores[d], "agreed": agreed[d], "difference": grade.scores[d] - agreed[d]}
        for d in agreed
        if d in grade.scores
    }


# Items ------------------------------------------------------------------------------------------------


def item_retire(*, exercise, kind: str, archetype: str, difficulty: str, reason: str, retired_by, now=None):
    """A lead retires a scenario (kind × archetype × difficulty) from an exercise: new attempts are
    not given it; attempts already started keep what they had. The reason is recorded."""
    from simulator import services as simulator_services
    from simulator.access import staff_membership

    membership = staff_membership(retired_by)
    if (
        membership is None
        or membership.role != Role.LEAD
        or membership.organisation_id != exercise.organisation_id
    ):
        raise NotAllowed("only a lead of this organisation can retire an exercise's scenarios")
    if not (reason or "").strip():
        raise DomainError("retiring a scenario needs a reason")
    positions = simulator_services.exercise_archetype_retire(
        exercise=exercise, kind=kind, archetype=archetype, difficulty=difficulty
    )
    simulator_services.audit_record(
        organisation_id=exercise.organisation_id, actor=retired_by, action="item.retired",
        target=f"exercise:{exercise.pk}",
        after={"kind": kind, "archetype": archetype, "difficulty": difficulty, "parts": [p + 1 for p in positions],
               "reason": reason.strip()}, now=now,
    )  # fmt: skip
    return positions


def _audit(attempt, actor, action: str, *, before=None, after=None, now=None) -> None:
    from simulator import services as simulator_services

    simulator_services.audit_record(
        organisation_id=attempt.organisation_id, actor=actor, action=action,
        target=f"attempt:{attempt.public_id}", before=before, after=after, now=now,
    )  # fmt: skip
