"""The Celery application.

With CELERY_BROKER_URL unset, tasks run in-process (eager), so a laptop needs no broker; with it
set (Redis), they go to real worker processes started with `celery -A simulator worker`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simulator.settings")

app = Celery("simulator")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _closed_broker_connection_is_a_connection_error():
    """Keep a worker alive when Redis restarts while it holds unacknowledged messages.

    On a lost connection the worker first collects the broken connection (which drops its
    parameters) and then closes it; closing tries to put the unacknowledged messages back, builds a
    new Redis client from the dropped parameters and fails with an AttributeError that kombu does
    not treat as a connection error, so the worker exits ("Unrecoverable error ... hostname"; a
    long-standing kombu bug, still in 5.7). Raising a Redis connection error instead lets kombu
    ignore it as it ignores the first failed attempt; the messages stay in Redis's unacked set and
    the worker reconnects when the broker is back. tests/test_faults.py restarts Redis under a
    worker to prove it; systemd's Restart=always (deploy/systemd/) remains the backstop.
    """
    from kombu.transport import redis as kombu_redis

    if kombu_redis.redis is None or getattr(kombu_redis.Channel._connparams, "_simulator_guard", False):
        return
    original = kombu_redis.Channel._connparams

    def _connparams(self, asynchronous=False):
        transport = self.connection
        if transport is None or transport.client is None:
            raise kombu_redis.redis.exceptions.ConnectionError("the broker connection is already closed")
        return original(self, asynchronous=asynchronous)

    _connparams._simulator_guard = True
    kombu_redis.Channel._connparams = _connparams


_closed_broker_connection_is_a_connection_error()
