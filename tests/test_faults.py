"""Fault tests against real services: a Celery worker killed mid-scoring, Redis restarted under a
running worker. Each test starts its own redis-server on a free port (never the shared one) and its
own worker over it, against the PostgreSQL test database.

Marked `fault`: they run where FAULT_TESTS=1 and DATABASE_URL is PostgreSQL (.ci/run's fault step).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from scoring.models import ScoreSet
from scoring.tasks import score_attempt
from simulator import services
from simulator.celery import app
from simulator.models import Attempt

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

PROJECT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


class Redis:
    """A redis-server of the test's own, persisting to an append-only file so it can be restarted."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.directory = directory
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        _wait(self.ping, 10, "redis-server to answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis flushes its append-only file and exits
            self.process.wait(timeout=10)


class Worker:
    def __init__(self, broker_url: str):
        self.broker_url = broker_url
        self.process = None

    def start(self):
        settings_dict = connection.settings_dict
        database_url = (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@"
            f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        )
        env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": self.broker_url}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "simulator", "worker", "--concurrency=1", "--loglevel=WARNING",
             "-n", f"fault-{os.getpid()}-{time.monotonic_ns()}@%h"],
            cwd=PROJECT, env=env, start_new_session=True,
        )  # fmt: skip
        _wait(lambda: app.control.ping(timeout=1.0), 60, "the worker to start")

    def active_pids(self) -> list[int]:
        """The pool processes running a task right now."""
        active = app.control.inspect(timeout=1.0).active() or {}
        return [task["worker_pid"] for tasks in active.values() for task in tasks if task.get("worker_pid")]

    def kill(self):
        """SIGKILL the worker and its pool: no chance to ack, reject or clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path)
    server.start()
    yield server
    server.stop()


def _use_broker(url: str | None, eager: bool):
    """Point this process's Celery app at `url` (the pools cache connections to the old one)."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.task_always_eager = eager


@pytest.fixture
def broker(redis):
    """This process sends tasks and control commands through the test's own Redis."""
    before = (app.conf.broker_url, app.conf.task_always_eager)
    _use_broker(redis.url, False)
    yield redis
    _use_broker(*before)


@pytest.fixture
def worker(broker):
    redis = broker
    started = []

    def start():
        w = Worker(redis.url)
        w.start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.fail("fault tests need PostgreSQL: set DATABASE_URL (they start their own Redis and worker)")


def _submitted(exercise, invite, n: int) -> list[Attempt]:
    """n attempts submitted with an answer; the scoring is not queued yet (see _queue)."""
    attempts = []
    for i in range(n):
        _, token = invite(exercise, email=f"fault{i}@example.com")
        attempt, _, _ = services.attempt_start(invitation_token=token)
        item = attempt.items.get(kind="customer_comms")
        services.response_save(attempt=attempt, item=item, base_version=0, answer={"update": f"Update {i}."})
        with mock.patch.object(score_attempt, "delay"):
            services.attempt_submit(attempt=attempt, submitted_by="participant")
        attempts.append(attempt)
    return attempts


def _queue(attempts: list[Attempt]):
    for attempt in attempts:
        score_attempt.delay(attempt.pk)


def _all_scored_once(attempts: list[Attempt]) -> bool:
    ids = [a.pk for a in attempts]
    return Attempt.objects.filter(pk__in=ids, status="scored").count() == len(ids)


def _assert_scored_exactly_once(attempts: list[Attempt]):
    for attempt in attempts:
        assert ScoreSet.objects.filter(attempt_id=attempt.pk).count() == 1, attempt.public_id


def test_a_pool_process_killed_mid_scoring_loses_no_attempt(redis, worker, all_kinds_exercise, invite):
    """acks_late + task_reject_on_worker_lost: the killed task's message goes back to the queue and
    the worker's next pool process scores it."""
    running = worker()
    attempts = _submitted(all_kinds_exercise, invite, 4)
    _queue(attempts)

    victim = _wait(running.active_pids, 60, "a scoring task to be running")[0]
    os.kill(victim, signal.SIGKILL)

    _wait(lambda: _all_scored_once(attempts), 120, "every attempt to be scored")
    assert running.process.poll() is None
    _assert_scored_exactly_once(attempts)


def test_a_worker_killed_mid_scoring_is_replaced_and_the_sweep_requeues_what_it_held(
    redis, worker, all_kinds_exercise, invite
):
    """The whole worker SIGKILLed holds messages it never acked; a new worker plus the sweep (which
    queues again every submission left unscored past its grace) scores each attempt once."""
    first = worker()
    # Enough work that the kill lands with most of it still queued or held: scoring one attempt
    # takes a fraction of a second, so a handful can all finish while the worker is inspected.
    attempts = _submitted(all_kinds_exercise, invite, 24)
    _queue(attempts)
    _wait(first.active_pids, 60, "a scoring task to be running")
    first.kill()
    assert not _all_scored_once(attempts)

    # The sweep runs before any worker is back, so it sees every attempt the dead worker left
    # unscored (the one it held and those still queued); the queued ones are then sent twice, and
    # scoring must still happen exactly once.
    result = services.attempts_sweep(now=timezone.now() + services.SCORING_GRACE)
    assert result.scoring_queued >= 1
    worker()

    _wait(lambda: _all_scored_once(attempts), 120, "every attempt to be scored")
    _assert_scored_exactly_once(attempts)


def test_redis_restarted_under_a_running_worker_loses_no_save_and_no_scoring(
    redis, worker, all_kinds_exercise, invite
):
    running = worker()
    attempts = _submitted(all_kinds_exercise, invite, 4)
    _, token = invite(all_kinds_exercise, email="typing@example.com")
    typing, _, _ = services.attempt_start(invitation_token=token)
    item = typing.items.get(kind="customer_comms")
    _queue(attempts)
    _wait(running.active_pids, 60, "a scoring task to be running")

    redis.stop()
    saved = services.response_save(
        attempt=typing, item=item, base_version=0, answer={"update": "Saved while down."}
    )
    time.sleep(2)
    redis.start()

    assert saved.version == 1
    _wait(lambda: _all_scored_once(attempts), 120, "every attempt to be scored after the restart")
    assert running.process.poll() is None, "the worker exited when Redis restarted"
    _assert_scored_exactly_once(attempts)
    typing.refresh_from_db()
    assert typing.items.get(kind="customer_comms").response.answer == {"update": "Saved while down."}
    # The worker still takes new work after the restart.
    _, token = invite(all_kinds_exercise, email="after@example.com")
    after, _, _ = services.attempt_start(invitation_token=token)
    with mock.patch.object(score_attempt, "delay"):
        services.attempt_submit(attempt=after, submitted_by="participant")
    _queue([after])
    _wait(lambda: _all_scored_once([after]), 60, "an attempt submitted after the restart to be scored")
