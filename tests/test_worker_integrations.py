"""Company scale: webhook deliveries go through a real Celery worker, which waits before each retry
(exponential backoff, shortened here to 1 s and 2 s) and records every try."""

import os
import time

import pytest

from integrations import services as integration_services
from integrations.models import Delivery
from integrations.signing import HEADER, verify
from integrations.tests.conftest import Receiver

# Read by the worker process when the session starts it (collection comes first): a short backoff,
# and the local receiver's loopback address allowed.
os.environ.setdefault("INTEGRATIONS_RETRY_BASE_SECONDS", "1")
os.environ.setdefault("INTEGRATIONS_ALLOW_PRIVATE_TARGETS", "true")

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_retries_a_failing_webhook_with_backoff_until_it_succeeds(
    celery_worker_process, organisation, lead, invite, all_kinds_exercise, settings
):
    settings.INTEGRATIONS_ALLOW_PRIVATE_TARGETS = True
    receiver = Receiver(statuses=[500, 500, 200])
    receiver.thread.start()
    try:
        _, secret = integration_services.webhook_endpoint_create(
            organisation=organisation,
            url=receiver.url("/hooks"),
            event_types=["invitation.created"],
            created_by=lead,
        )
        invite(all_kinds_exercise)
        deadline = time.monotonic() + 60
        while not Delivery.objects.filter(status="succeeded").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.tries) == ("succeeded", 3)
        tries = list(delivery.try_records.order_by("number"))
        assert [t.status_code for t in tries] == [500, 500, 200]
        gaps = [(b.at - a.at).total_seconds() for a, b in zip(tries, tries[1:], strict=False)]
        assert gaps[0] >= 0.9 and gaps[1] >= 1.9, gaps
        for request in receiver.requests:
            verify(secret, request["body"], request["headers"][HEADER])
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
