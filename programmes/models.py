"""Onboarding programmes: ordered stages of drills with a readiness rule each, and the trainees
enrolled in them. State changes live in programmes/services.py; reads in selectors.py."""

from django.conf import settings
from django.db import models


class Programme(models.Model):
    organisation = models.ForeignKey(
        "simulator.Organisation", on_delete=models.CASCADE, related_name="programmes"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class Stage(models.Model):
    """One milestone of a programme (e.g. "by 30 days"): its drills, when it is due after the
    trainee's start date, and the rule that says the trainee is ready.

    Readiness (programmes/readiness.py): over the last `attempts_needed` scored attempts of the
    stage's drills that evidence a dimension, each dimension's mean is at least `min_each` and the
    mean of those is at least `min_mean`. `dimensions` empty means the dimensions the drills evidence.
    """

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    goal = models.TextField(blank=True)
    due_days = models.PositiveSmallIntegerField(help_text="Days after the trainee's start date")
    drills = models.ManyToManyField("simulator.Exercise", related_name="programme_stages")
    dimensions = models.JSONField(default=list, blank=True)
    min_mean = models.FloatField(default=3.5)
    min_each = models.FloatField(default=2.0)
    attempts_needed = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering = ["programme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "position"], name="stage_position_per_programme")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.programme})"


class Enrolment(models.Model):
    """A trainee in a programme from a start date. The trainee has no account: their page is reached
    by a link whose token is derived from `link_secret` and the server's key (only its hash is
    looked up), like an invitation's. `participant` is filled when the first drill starts."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="enrolments")
    participant = models.ForeignKey(
        "simulator.Participant", on_delete=models.CASCADE, null=True, blank=True, related_name="enrolments"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    start_date = models.DateField()
    link_secret = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    enrolled_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["programme", "email"], name="one_enrolment_per_email")]

    def __str__(self) -> str:
        return f"{self.name} in {self.programme}"


class DrillAttempt(models.Model):
    """An attempt a trainee started from their programme page: which drill (exercise) it was."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="drill_attempts")
    exercise = models.ForeignKey("simulator.Exercise", on_delete=models.PROTECT, related_name="+")
    attempt = models.OneToOneField("simulator.Attempt", on_delete=models.CASCADE, related_name="drill")
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["enrolment", "started_at", "pk"]

    def __str__(self) -> str:
        return f"drill {self.exercise_id} of {self.enrolment_id}"
