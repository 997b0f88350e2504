"""Company scale: a submitted attempt is scored by a separate Celery worker, exactly once."""

import time

import pytest

from scoring.models import ScoreSet
from simulator import services
from simulator.models import Attempt

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_scores_a_submitted_attempt_once(celery_worker_process, all_kinds_exercise, invite):
    _, token = invite(all_kinds_exercise)
    attempt, _, _ = services.attempt_start(invitation_token=token)
    item = attempt.items.get(kind="customer_comms")
    services.response_save(
        attempt=attempt, item=item, base_version=0, answer={"update": "We are investigating."}
    )

    services.attempt_submit(attempt=attempt, submitted_by="participant")
    services.attempt_submit(attempt=attempt, submitted_by="participant")

    deadline = time.monotonic() + 90
    while Attempt.objects.get(pk=attempt.pk).status != "scored" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Attempt.objects.get(pk=attempt.pk).status == "scored"
    assert ScoreSet.objects.filter(attempt=attempt).count() == 1
    assert ScoreSet.objects.get(attempt=attempt).items.count() == 6
