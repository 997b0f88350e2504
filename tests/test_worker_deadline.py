"""Company scale: the deadline task is queued with the deadline as its ETA and a worker submits."""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from simulator import services
from simulator.models import Attempt, Response

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_submits_the_last_saved_work_at_the_deadline(celery_worker_process, organisation, invite):
    _, token = invite(organisation.exercises.get(slug="customer-communication"))
    attempt, _, _ = services.attempt_start(invitation_token=token)
    item = attempt.items.get()
    services.response_save(attempt=attempt, item=item, base_version=0, answer={"update": "last saved words"})
    with transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=2))
        attempt.refresh_from_db()
        services._schedule_deadline(attempt)

    deadline = time.monotonic() + 60
    while Attempt.objects.get(pk=attempt.pk).status == "in_progress" and time.monotonic() < deadline:
        time.sleep(0.2)

    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_by) == ("submitted", "deadline")
    assert Response.objects.get(item=item).answer == {"update": "last saved words"}


def test_the_sweep_task_on_a_worker_submits_an_attempt_whose_deadline_task_was_lost(
    celery_worker_process, organisation, invite
):
    from simulator.tasks import sweep_attempts

    _, token = invite(organisation.exercises.get(slug="customer-communication"))
    attempt, _, _ = services.attempt_start(invitation_token=token)
    # The deadline passed and its task is gone (a broker restarted without its queue).
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))

    sweep_attempts.delay()

    deadline = time.monotonic() + 60
    while Attempt.objects.get(pk=attempt.pk).status == "in_progress" and time.monotonic() < deadline:
        time.sleep(0.2)
    attempt.refresh_from_db()
    assert attempt.status in ("submitted", "scored")
    assert attempt.submitted_by == "deadline"
