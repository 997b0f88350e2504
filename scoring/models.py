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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item_score", "dimension"], name="one_score_per_dimension"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="score_from_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.score}"
