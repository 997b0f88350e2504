"""What scoring holds about a participant, erased when simulator.erasure erases them: the words of
their answers quoted as evidence in the checks, reviewers' notes and override justifications. The
scores themselves stay (anonymous once the participant is), so calibration and item statistics
keep their data."""

from django.dispatch import receiver

from scoring.models import DimensionScore, Override, Review
from simulator.signals import participant_erased

ERASED = "[erased]"


@receiver(participant_erased, dispatch_uid="scoring.erase_participant")
def erase_participant(sender, participant, **kwargs) -> None:
    scores = list(
        DimensionScore.objects.filter(item_score__score_set__attempt__participant=participant).only(
            "pk", "checks"
        )
    )
    for score in scores:
        score.checks = [
            {**check, "quote": ERASED} if isinstance(check, dict) and check.get("quote") else check
            for check in score.checks or []
        ]
    DimensionScore.objects.bulk_update(scores, ["checks"], batch_size=500)
    Review.objects.filter(attempt__participant=participant).exclude(notes="").update(notes=ERASED)
    Override.objects.filter(attempt__participant=participant).update(justification=ERASED)
