from celery import shared_task
from django.db import OperationalError

from simulator import notifications, services
from simulator.models import Attempt


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def submit_at_deadline(attempt_id: int) -> str:
    """Submit an attempt's last saved work at its deadline; a deadline moved by extra time is left
    to the task scheduled for it."""
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        return "missing"
    return services.attempt_enforce_deadline(attempt=attempt).status


@shared_task(acks_late=True)
def sweep_attempts() -> str:
    """The periodic sweep (CELERY_BEAT_SCHEDULE runs it every SWEEP_INTERVAL_SECONDS)."""
    return str(services.attempts_sweep())


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def send_feedback_ready(attempt_id: int) -> bool:
    """Tell a trainee their drill's feedback is ready (once; queued when the drill is scored)."""
    return notifications.feedback_ready_notify(attempt_id=attempt_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def send_appeal_answered(appeal_id: int) -> bool:
    """Tell a participant their appeal has been answered (once; queued when it is answered)."""
    return notifications.appeal_answered_notify(appeal_id=appeal_id)


@shared_task(acks_late=True)
def send_notifications() -> str:
    """Invitation reminders and feedback e-mails a lost task left unsent (CELERY_BEAT_SCHEDULE, every
    SWEEP_INTERVAL_SECONDS); the digests have their own daily entry."""
    return str(notifications.notifications_sweep(digests=False))


@shared_task(acks_late=True)
def send_review_digests() -> str:
    """The reviewers' daily digest (CELERY_BEAT_SCHEDULE, at REVIEW_DIGEST_HOUR UTC)."""
    sent, failed = notifications.review_digests_send()
    return f"sent {sent} review digests, {failed} not sent"


@shared_task(acks_late=True)
def erase_expired_participants() -> str:
    """The retention sweep (CELERY_BEAT_SCHEDULE): erase participants past PARTICIPANT_RETENTION_DAYS."""
    from simulator.erasure import participants_erase_expired

    return str(participants_erase_expired())
