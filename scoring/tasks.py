from celery import shared_task
from django.db import OperationalError

from scoring import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def score_attempt(attempt_id: int) -> int:
    """Auto-score a submitted attempt; safe to run twice (one score set per attempt and scorers)."""
    return services.attempt_score(attempt_id=attempt_id).pk
