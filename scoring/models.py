from django.conf import settings
from django.db import models


class Rubric(models.Model):
    """A published rubric version. Never edited in place: a change is a new version."""

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=200)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RubricDimension(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="dimensions")
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    description = models.TextField()
    anchors = models.JSONField(help_text='Anchor text per level: {"1": ..., "5": ...}')
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rubric", "position"]
        constraints = [models.UniqueConstraint(fields=["rubric", "key"], name="dimension_key_per_rubric")]

    def __str__(self) -> str:
        return f"{self.name} ({self.rubric})"


class ScoreSet(models.Model):
    """The auto-scores of one attempt by one set of scorer versions; made once, never changed."""

    attempt = models.ForeignKey("simulator.Attempt", on_delete=models.CASCADE, related_name="score_sets")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="score_sets")
    scorer_version = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "scorer_version"], name="one_score_set_per_attempt_and_scorers"
            )
        ]

    def __str__(self) -> str:
        return f"scores of {self.attempt_id} ({self.scorer_version})"


class ItemScore(models.Model):
    score_set = models.ForeignKey(ScoreSet, on_delete=models.CASCADE, related_name="items")
    attempt_item = models.ForeignKey("simulator.AttemptItem", on_delete=models.CASCADE, related_name="scores")
    kind = models.CharField(max_length=32)
    scorer_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["score_set", "attempt_item__position"]
        constraints = [
            models.UniqueConstraint(fields=["score_set", "attempt_item"], name="one_score_per_item_and_set")
        ]

    def __str__(self) -> str:
        return f"{self.kind} score in {self.score_set_id}"


class DimensionScore(models.Model):
    """A 1-5 score on one dimension for one item, with the checks behind it."""

    item_score = models.ForeignKey(ItemScore, on_delete=models.CASCADE, related_name="dimensions")
    dimension = models.SlugField(max_length=40)
    score = models.PositiveSmallIntegerField()
    checks = models.JSONField()
    # How far the auto-score can be trusted (0-1); below scoring.checks.REVIEW_BELOW a person should look.
    confidence = models.FloatField(default=1.0)
    needs_review = models.BooleanField(default=False)
    # {check id: passed} of the assessed checks: what item statistics and override analytics read for
    # thousands of attempts without decoding every quote and explanation in `checks`.
    check_outcomes = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item_score", "dimension"], name="one_score_per_dimension"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="score_from_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.score}"


# The human side: assignments, claims, reviews, overrides, recommendation rules and the scorecard.


class ReviewAssignment(models.Model):
    """An attempt put in a reviewer's queue, round-robin when it was scored or by a lead's hand."""

    attempt = models.ForeignKey(
        "simulator.Attempt", on_delete=models.CASCADE, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Empty when the assignment was made round-robin",
    )  # fmt: skip
    assigned_at = models.DateTimeField()

    class Meta:
        ordering = ["assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "reviewer"], name="one_assignment_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} assigned to {self.reviewer_id}"


class ReviewClaim(models.Model):
    """Who is reviewing an attempt right now, so two reviewers do not grade it at once by accident."""

    attempt = models.OneToOneField("simulator.Attempt", on_delete=models.CASCADE, related_name="review_claim")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.attempt_id} claimed by {self.reviewer_id} until {self.expires_at}"


class Review(models.Model):
    """One reviewer's own 1-5 scores of an attempt, per dimension, with notes."""

    attempt = models.ForeignKey("simulator.Attempt", on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    scores = models.JSONField(help_text='{"dimension": 1-5}')
    notes = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "reviewer"], name="one_review_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"review of {self.attempt_id} by {self.reviewer_id}"


class OverrideReason(models.TextChoices):
    SCORER_MISSED_EVIDENCE = "scorer_missed_evidence", "The scorer missed evidence"
    SCORER_CREDITED_KEYWORDS = "scorer_credited_keywords", "The scorer credited keywords"
    RUBRIC_DOES_NOT_FIT = "rubric_does_not_fit", "The rubric does not fit"
    REVIEWER_DISAGREEMENT = "reviewer_disagreement", "Reviewers disagree"
    OTHER = "other", "Other"


class OverrideAction(models.TextChoices):
    OVERRIDE = "override", "Override"
    REVERT = "revert", "Revert"


class Override(models.Model):
    """An append-only record: a dimension's score set by a person, or an earlier override reverted.

    The latest override that has not been reverted stands. Nothing here is ever edited or deleted;
    the auto-score it replaced stays in its score set, and `auto_score` keeps what it was then, so a
    rescoring that changes it can be flagged for a second look.
    """

    attempt = models.ForeignKey("simulator.Attempt", on_delete=models.CASCADE, related_name="overrides")
    dimension = models.SlugField(max_length=40)
    action = models.CharField(max_length=16, choices=OverrideAction.choices, default=OverrideAction.OVERRIDE)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    previous_score = models.FloatField(null=True, blank=True, help_text="The final score before this event")
    auto_score = models.FloatField(null=True, blank=True, help_text="The auto-score when this event was made")
    reason_code = models.CharField(max_length=32, choices=OverrideReason.choices, blank=True)
    justification = models.TextField()
    reverts = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reverted_by"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="overrides")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action="revert") | models.Q(score__gte=1, score__lte=5),
                name="override_score_from_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.dimension}={self.score} on {self.attempt_id}"


class RecommendationRule(models.Model):
    """A lead's rule from final scores to a recommendation for one exercise.

    `bands` are tried in order; the first whose thresholds hold gives the outcome:
    [{"outcome": "hire", "min_mean": 3.5, "min_each": 2}, ...]; `otherwise` when none holds.
    """

    exercise = models.OneToOneField(
        "simulator.Exercise", on_delete=models.CASCADE, related_name="recommendation_rule"
    )
    bands = models.JSONField()
    otherwise = models.CharField(max_length=32)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"recommendation rule of {self.exercise_id}"


class Scorecard(models.Model):
    """What the staff pages list, filter and compare: one row per scored attempt, rebuilt by
    `scoring.services.scorecard_refresh` after every change to its scores, reviews or overrides.

    `final_scores` is {dimension: {"score": float, "source": "override"|"reviews"|"auto"}}.
    """

    attempt = models.OneToOneField(
        "simulator.Attempt", on_delete=models.CASCADE, primary_key=True, related_name="scorecard"
    )
    organisation = models.ForeignKey("simulator.Organisation", on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey("simulator.Exercise", on_delete=models.CASCADE, related_name="scorecards")
    auto_scores = models.JSONField(default=dict)
    final_scores = models.JSONField(default=dict)
    mean_score = models.FloatField(null=True, blank=True)
    # The final scores rounded to a level, one digit per rubric dimension in DIMENSION_KEYS order ("0"
    # where the attempt has no score): what the comparison's distribution counts without decoding JSON.
    levels = models.CharField(max_length=16, blank=True)
    recommendation = models.CharField(max_length=32, blank=True)
    reviews_submitted = models.PositiveSmallIntegerField(default=0)
    reviews_required = models.PositiveSmallIntegerField(default=0)
    needs_review = models.BooleanField(default=False)
    needs_adjudication = models.BooleanField(default=False)
    low_confidence = models.BooleanField(default=False)
    overrides_to_recheck = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["exercise", "mean_score"]),
            models.Index(fields=["organisation", "needs_review"]),
        ]

    def __str__(self) -> str:
        return f"scorecard of {self.attempt_id}"


class AppealStatus(models.TextChoices):
    OPEN = "open", "Waiting for a second look"
    CHANGED = "changed", "Score changed"
    UPHELD = "upheld", "Score upheld"


class Appeal(models.Model):
    """A participant's request for a second look at one dimension of their attempt, and its outcome.

    One per attempt (the one-to-one). It ends in an override made through `override_create`
    (`changed`, the override linked) or in `upheld` with a note; `response_note` is written for the
    requester to read. `score_before` is the final score when the request was made; `score_at_answer`
    the one when it was answered. When a first review moved the score in between, the appeal is
    recorded as `changed` (no override linked), never `upheld`.
    """

    attempt = models.OneToOneField("simulator.Attempt", on_delete=models.CASCADE, related_name="appeal")
    organisation = models.ForeignKey("simulator.Organisation", on_delete=models.CASCADE, related_name="+")
    dimension = models.SlugField(max_length=40)
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=16, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    score_before = models.FloatField(null=True, blank=True)
    score_at_answer = models.FloatField(
        null=True, blank=True,
        help_text="The final score when the appeal was answered (the new one when it was changed)",
    )  # fmt: skip
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="appeals",
        help_text="The reviewer whose queue it is in; empty when only the leads can answer it",
    )  # fmt: skip
    requested_at = models.DateTimeField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    response_note = models.TextField(blank=True)
    override = models.OneToOneField(
        Override, on_delete=models.PROTECT, null=True, blank=True, related_name="appeal"
    )

    class Meta:
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["organisation", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(resolved_at__isnull=False),
                name="appeal_resolved_has_a_time",
            )
        ]

    def __str__(self) -> str:
        return f"appeal of {self.attempt_id} on {self.dimension} ({self.status})"


# Calibration: attempts a lead marked as examples with agreed scores, and reviewers' grades of them.


class CalibrationExample(models.Model):
    """An attempt a lead marked as a calibration example of its exercise, with the agreed scores.

    A reviewer new to the exercise grades its examples (CalibrationGrade) before the exercise's live
    attempts reach them (`scoring.services.reviewer_calibration`)."""

    exercise = models.ForeignKey(
        "simulator.Exercise", on_delete=models.CASCADE, related_name="calibration_examples"
    )
    attempt = models.OneToOneField(
        "simulator.Attempt", on_delete=models.CASCADE, related_name="calibration_example"
    )
    agreed_scores = models.JSONField(help_text='{"dimension": 1-5}')
    notes = models.TextField(blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField()

    class Meta:
        ordering = ["marked_at", "pk"]

    def __str__(self) -> str:
        return f"calibration example {self.attempt_id} of {self.exercise_id}"


class CalibrationGrade(models.Model):
    """A reviewer's own grades of a calibration example: kept apart from live reviews, so they never
    change a scorecard."""

    example = models.ForeignKey(CalibrationExample, on_delete=models.CASCADE, related_name="grades")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calibration_grades"
    )
    scores = models.JSONField(help_text='{"dimension": 1-5}')
    graded_at = models.DateTimeField()

    class Meta:
        ordering = ["graded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["example", "reviewer"], name="one_calibration_grade_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"calibration grade of {self.example_id} by {self.reviewer_id}"
