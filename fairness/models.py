"""Voluntary self-identification of hiring candidates, kept apart from everything about their work.

Nothing here is reachable from an attempt: no attempt, score or review points at these rows, and
they point only at the participant. Reviewers' pages, APIs and exports never read this app; leads
see only the aggregate adverse-impact report. The rows go when the participant is erased.
"""

from django.conf import settings
from django.db import models


class QuestionSet(models.Model):
    """An organisation's own self-identification questions; without one, the default set is asked."""

    organisation = models.OneToOneField("simulator.Organisation", on_delete=models.CASCADE, related_name="+")
    questions = models.JSONField(help_text='[{"key", "label", "prompt", "options": [{"key", "label"}]}]')
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"self-identification questions of {self.organisation_id}"


class SelfIdentification(models.Model):
    """One participant's answers ({question key: option key or "prefer_not_to_say"}), or their
    decision not to answer (`declined`, with no answers)."""

    organisation = models.ForeignKey("simulator.Organisation", on_delete=models.CASCADE, related_name="+")
    participant = models.OneToOneField("simulator.Participant", on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    declined = models.BooleanField(default=False)
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(declined=False) | models.Q(answers={}), name="declined_holds_no_answers"
            )
        ]

    def __str__(self) -> str:
        # Never the answers: this may end up in a log line.
        return f"self-identification of participant {self.participant_id}"
