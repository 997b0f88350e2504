"""Fault tests against real services: a Celery worker killed mid-scoring, Redis restarted under a
running worker, PostgreSQL restarted under clients autosaving through gunicorn. Each test starts its
own redis-server, or its own PostgreSQL cluster, on a free port (never the shared ones); the worker
tests run against the PostgreSQL test database.

Marked `fault`: they run where FAULT_TESTS=1 and DATABASE_URL is PostgreSQL (.ci/run's fault step).
"""

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import psycopg
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


# --- PostgreSQL restarted while clients autosave -------------------------------------------------

AUTOSAVE_CLIENTS = 20

# Run in a process of its own against the test's cluster: the attempts the clients save into, made
# through the services as the API would make them. Prints [{attempt, item, access_token}].
SETUP_ATTEMPTS = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from simulator import services

organisation = services.organisation_create(name="Restart", slug="restart")
lead = get_user_model().objects.create_user(username="restart-lead", password="restart-lead-password")
services.member_add(organisation=organisation, user=lead, role="lead")
exercise = services.exercise_create(
    organisation=organisation, slug="comms", title="Comms", purpose="hiring", time_limit_minutes=60,
    base_seed=7, items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "medium"}],
)
clients = []
for index in range(int(sys.argv[1])):
    _, token = services.invitation_create(
        exercise=exercise, participant_name=f"Client {index}",
        participant_email=f"client{index}@restart.invalid", created_by=lead,
    )
    attempt, access_token, _ = services.attempt_start(invitation_token=token)
    item = attempt.items.get()
    clients.append({"attempt": attempt.public_id, "item": item.public_id, "access_token": access_token})
print(json.dumps(clients))
"""


def _postgresql_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        pytest.fail("the PostgreSQL restart test needs PostgreSQL's server binaries (initdb, pg_ctl)")
    return Path(initdb).parent


class PostgreSQL:
    """A throwaway cluster of the test's own (never the shared one) on a free port: initdb, pg_ctl.

    PostgreSQL refuses to run as root; under root the cluster belongs to the `postgres` account,
    in a directory of its own under /tmp (pytest's tmp_path is private to root)."""

    def __init__(self):
        self.bin = _postgresql_bin()
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.directory = Path(tempfile.mkdtemp(prefix="fault-postgresql-"))
        if self.user:
            shutil.chown(self.directory, user=self.user)
        self.data = self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60):
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]], user=self.user, cwd=self.directory,
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if result.returncode != 0:
            pytest.fail(f"{' '.join(args[:2])} failed:\n{result.stdout}{result.stderr}{self.log()}")

    def init(self):
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")

    def start(self):
        # fsync off: a fast shutdown writes every committed change out anyway, and no test here
        # crashes the machine; it keeps the 20 clients from waiting on a shared disk.
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "start", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.directory / "log"),
                  "-o", options)  # fmt: skip

    def stop(self):
        """A fast shutdown: open sessions are ended and their transactions rolled back."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "60")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def log(self) -> str:
        path = self.directory / "log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def remove(self):
        if self.running():
            subprocess.run(
                [str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w"],
                user=self.user, capture_output=True, timeout=60,
            )  # fmt: skip
        shutil.rmtree(self.directory, ignore_errors=True)


class Gunicorn:
    """The app as it is deployed (gunicorn.conf.py: gevent workers, a connection pool, group commit)."""

    def __init__(self, database_url: str, directory: Path):
        self.database_url = database_url
        self.port = _free_port()
        self.log_path = directory / "gunicorn.log"
        self.process = None

    def start(self):
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "AUTOSAVE_REVISION_SECONDS": "0",  # keep every revision, so every acknowledged save can be found
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("CELERY_BROKER_URL", None)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "simulator.wsgi:application", "--config", "gunicorn.conf.py",
                 "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--log-level", "warning"],
                cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        _wait(self._ready, 60, "gunicorn to answer")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{self.log()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz/", timeout=2) as response:
                return response.status == 204
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Outcome:
    """One PUT as a client saw it."""

    status: int | None  # None: no HTTP answer (connection refused, reset, timed out)
    body: bytes
    started: float
    ended: float


@dataclass
class AutosaveClient:
    """One candidate's workspace: saves a new answer based on the last version it was given, and
    retries a failed save (no answer, 5xx) with backoff, as the workspace does."""

    port: int
    attempt: str
    item: str
    access_token: str
    version: int = 0
    acknowledged: list[tuple[int, dict]] = field(default_factory=list)  # (version, answer) of each 200
    adopted: list[tuple[int, dict]] = field(default_factory=list)  # a lost 200, recognised from a 409
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def put(self, answer: dict) -> Outcome:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        started = time.monotonic()
        try:
            connection.request(
                "PUT", f"/api/v1/attempts/{self.attempt}/items/{self.item}/response/",
                body=json.dumps({"version": self.version, "answer": answer}),
                headers={"Authorization": f"Bearer {self.access_token}", "Content-Type": "application/json"},
            )  # fmt: skip
            response = connection.getresponse()
            outcome = Outcome(response.status, response.read(), started, time.monotonic())
        except OSError:
            outcome = Outcome(None, b"", started, time.monotonic())
        finally:
            connection.close()
        self.outcomes.append(outcome)
        return outcome

    def save(self, answer: dict, give_up_at: float) -> bool:
        """Save `answer` until it lands; False if it has not by `give_up_at`."""
        backoff = 0.1
        while time.monotonic() < give_up_at:
            outcome = self.put(answer)
            if outcome.status == 200:
                self.version = json.loads(outcome.body)["version"]
                self.acknowledged.append((self.version, answer))
                return True
            if outcome.status == 409:
                body = json.loads(outcome.body)
                # The try before reached PostgreSQL but its answer was lost: the current answer is
                # this client's own, one version on (the workspace's adoptOwnSave).
                if body.get("answer") == answer and body.get("current_version") == self.version + 1:
                    self.version = body["current_version"]
                    self.adopted.append((self.version, answer))
                    return True
                self.problems.append(f"409 not explained by a lost answer: {body}")
                return False
            if outcome.status is not None and outcome.status < 500:
                self.problems.append(f"{outcome.status}: {outcome.body[:300]!r}")
                return False
            if outcome.status is not None:
                self.check_server_error(outcome)
            time.sleep(backoff)
            backoff = min(backoff * 2, 1.0)
        self.problems.append(f"a save never landed: {answer}")
        return False

    def check_server_error(self, outcome: Outcome):
        """While the database is away the API answers 503 with the documented {error, detail}."""
        if outcome.status != 503 or b"Traceback" in outcome.body:
            self.problems.append(f"{outcome.status} during the outage: {outcome.body[:300]!r}")
            return
        try:
            body = json.loads(outcome.body)
        except ValueError:
            self.problems.append(f"503 without a JSON body: {outcome.body[:300]!r}")
            return
        if set(body) != {"error", "detail"} or body["error"] != "database_unavailable":
            self.problems.append(f"503 with an unexpected body: {body}")

    def run(self, client_index: int, stop: threading.Event, give_up_at: float):
        number = 0
        while not stop.is_set() and not self.problems:
            number += 1
            if not self.save({"update": f"Client {client_index}, save {number}."}, give_up_at):
                return
            time.sleep(0.05)


def test_postgresql_restarted_while_clients_autosave_loses_no_acknowledged_save(tmp_path):
    """20 clients autosave through gunicorn into a cluster of the test's own; PostgreSQL is stopped
    (fast shutdown) for two seconds and started again. Every save answered 200 is in the database
    afterwards, the outage gets 503s with the documented body and no traceback, and every client's
    retries land once PostgreSQL is back."""
    database = PostgreSQL()
    server = None
    try:
        database.init()
        database.start()
        env = {**os.environ, "DATABASE_URL": database.url, "DJANGO_SETTINGS_MODULE": "simulator.settings"}
        env.pop("CELERY_BROKER_URL", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=PROJECT, env=env,
                       check=True, timeout=300)  # fmt: skip
        made = subprocess.run([sys.executable, "-c", SETUP_ATTEMPTS, str(AUTOSAVE_CLIENTS)], cwd=PROJECT, env=env,
                              check=True, timeout=300, capture_output=True, text=True)  # fmt: skip
        server = Gunicorn(database.url, tmp_path)
        server.start()

        clients = [
            AutosaveClient(port=server.port, **spec) for spec in json.loads(made.stdout.splitlines()[-1])
        ]
        stop = threading.Event()
        give_up_at = time.monotonic() + 90
        threads = [
            threading.Thread(target=client.run, args=(index, stop, give_up_at), daemon=True)
            for index, client in enumerate(clients)
        ]
        for thread in threads:
            thread.start()

        _wait(
            lambda: all(len(c.acknowledged) >= 3 for c in clients),
            30,
            "every client to save before the outage",
        )
        outage_started = time.monotonic()
        database.stop()
        time.sleep(2)
        database.start()
        outage_ended = time.monotonic()
        before = [len(c.acknowledged) + len(c.adopted) for c in clients]
        _wait(
            lambda: (
                all(
                    len(c.acknowledged) + len(c.adopted) >= n + 3
                    for c, n in zip(clients, before, strict=True)
                )
                or any(c.problems for c in clients)
            ),
            60,
            "every client to save three times after the restart",
        )
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a client is still retrying"
        server.stop()  # so its log is complete
        gunicorn_log = server.log()

        problems = [f"client {i}: {p}" for i, c in enumerate(clients) for p in c.problems]
        assert not problems, "\n".join(problems) + f"\n{gunicorn_log}"

        outcomes = [o for c in clients for o in c.outcomes]
        during = [o for o in outcomes if o.started < outage_ended and o.ended > outage_started]
        failed = [o for o in outcomes if o.status != 200]
        print(
            f"\nPostgreSQL restart under {len(clients)} autosaving clients: {len(outcomes)} PUTs, "
            f"{sum(len(c.acknowledged) for c in clients)} answered 200, {len(failed)} failed and retried "
            f"({sum(o.status == 503 for o in failed)} x 503, {sum(o.status is None for o in failed)} without an "
            f"answer), {sum(len(c.adopted) for c in clients)} recognised from a 409; outage "
            f"{outage_ended - outage_started:.1f} s"
        )
        assert during, "no save was in flight during the outage"

        with psycopg.connect(f"host=127.0.0.1 port={database.port} user=postgres dbname=postgres") as db:
            for client in clients:
                rows = db.execute(
                    """SELECT rev.version, rev.answer, r.version, r.answer
                       FROM simulator_attemptitem i
                       JOIN simulator_response r ON r.item_id = i.id
                       LEFT JOIN simulator_responserevision rev ON rev.item_id = i.id
                       WHERE i.public_id = %s""",
                    [client.item],
                ).fetchall()
                revisions = {version: answer for version, answer, _, _ in rows}
                current_version, current_answer = rows[0][2], rows[0][3]
                landed = sorted(client.acknowledged + client.adopted)
                for version, answer in landed:
                    assert revisions.get(version) == answer, (
                        f"save {version} of {client.item} answered 200 but is lost"
                    )
                assert (current_version, current_answer) == landed[-1]
    finally:
        if server is not None:
            server.stop()
        database.remove()
