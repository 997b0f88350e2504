from celery import shared_task
from django.db import OperationalError

from scenarios import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, acks_late=True)
def generate_scenario_batch(batch_id: int) -> dict:
    """Generate a batch; progress is on the GenerationBatch row (completed of total)."""
    batch = services.generation_batch_run(batch_id=batch_id)
    return {"batch": batch.pk, "completed": batch.completed, "total": batch.total, "status": batch.status}
