from celery import shared_task
from django.conf import settings

from integrations import services


@shared_task(bind=True, acks_late=True)
def deliver(self, delivery_id: int) -> str:
    """Try a delivery; after a failure, try again later with exponential backoff (services.retry_delay)
    until INTEGRATIONS_MAX_TRIES. In-process (no broker, no worker to come back later) the tries
    follow one another without the waits."""
    while True:
        result = services.delivery_try(delivery_id=delivery_id)
        if result.retry_in is None:
            return result.status
        if not self.request.is_eager:
            raise self.retry(countdown=result.retry_in, max_retries=settings.INTEGRATIONS_MAX_TRIES)


@shared_task(acks_late=True)
def resume_deliveries() -> int:
    """The periodic sweep of deliveries whose task was lost (CELERY_BEAT_SCHEDULE)."""
    return services.deliveries_resume()
