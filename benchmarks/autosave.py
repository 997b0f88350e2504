"""Benchmark: autosave throughput and latency through gunicorn + PostgreSQL, beside a bare 204 view.

The target (issue): with 50 concurrent clients, autosave p99 under 50 ms and at least 40% of the
throughput of `GET /healthz/` (a bare Django view returning 204) on the same server.

The load generator is one asyncio loop speaking raw HTTP/1.1 over loopback (keep-alive when the
server allows it; gunicorn's sync workers close after every response, so those clients reconnect):
no dependency, and cheap enough not to starve a 2-core server. Each client saves its own item of
its own attempt, sequentially, with the version the previous save returned, so every save should
succeed; anything but a 200 is counted as an error.

The helpers here (GunicornServer, HttpConnection, percentile, ...) are shared with the log-search, scoring and hiring-day benchmarks.
"""

import asyncio
import gc
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

VACUUMED = (
    "simulator_response",
    "simulator_responserevision",
    "simulator_attemptitem",
    "simulator_attempt",
    "simulator_event",
)
TARGET_P99_MS = 50.0
TARGET_RATIO = 0.40
HOST = "127.0.0.1"
PROJECT_DIR = Path(settings.BASE_DIR)


# Shared helpers ------------------------------------------------------------------------------------


def require_postgresql(command: str) -> None:
    if connection.vendor != "postgresql":
        raise CommandError(
            f"{command} measures gunicorn + PostgreSQL: set DATABASE_URL to a PostgreSQL database, e.g. "
            f"DATABASE_URL=postgres://postgres@127.0.0.1:5432/simulator_bench "
            f"(the current database is {connection.vendor})"
        )


def vacuum_tables(*tables: str) -> None:
    """VACUUM ANALYZE what a benchmark writes to: where autovacuum is off (as on some test machines),
    the dead rows of earlier runs would slow this one down, and stale statistics mislead the planner."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


@dataclass
class WalState:
    """Where PostgreSQL's write-ahead log stands, and how many segments are ready to be reused."""

    lsn_bytes: int
    segment_bytes: int
    segments_ready: int | None  # None where the role may not list pg_wal (pg_monitor or superuser)

    @property
    def segment(self) -> int:
        return self.lsn_bytes // self.segment_bytes


def checkpoint(stderr=None) -> bool:
    """CHECKPOINT, as database benchmarks do before they measure. It writes out what the set-up left
    dirty, and it recycles the WAL segments the server no longer needs as the next ones. Without it, a
    server that has not checkpointed for a while creates each new 16 MB segment during the run by
    writing zeros to it while every commit waits (about 50 ms each here, 25 times in a 20 s autosave
    run): that is the server's warm-up, which a server under steady load does not pay."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as error:
        if stderr is not None:
            stderr.write(f"no CHECKPOINT before the run ({error}); the figures may include WAL warm-up")
        return False
    return True


def wal_state() -> WalState:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, "
            "(SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')"
        )
        lsn_bytes, segment_bytes = cursor.fetchone()
        try:
            with transaction.atomic():
                cursor.execute(
                    "SELECT count(*) FROM pg_ls_waldir() "
                    "WHERE name ~ '^[0-9A-F]{24}$' AND name > pg_walfile_name(pg_current_wal_lsn())"
                )
                ready = cursor.fetchone()[0]
        except DatabaseError:
            ready = None
    return WalState(lsn_bytes, segment_bytes, ready)


def wal_figures(before: WalState, after: WalState, checkpointed: bool) -> dict:
    """What the run wrote to the WAL, and how many segments PostgreSQL had to create meanwhile."""
    used = after.segment - before.segment
    created = None if before.segments_ready is None else max(0, used - before.segments_ready)
    return {
        "checkpoint_before": checkpointed,
        "written_mb": round((after.lsn_bytes - before.lsn_bytes) / 2**20, 1),
        "segments_used": used,
        "segments_ready_before": before.segments_ready,
        "segments_created": created,
    }


def database_url(conn_max_age: int) -> str:
    """The URL of the database this process uses (the test database under pytest), for gunicorn."""
    s = connection.settings_dict
    user = quote(s["USER"] or "", safe="")
    password = quote(s["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    # No host: libpq's default Unix socket, as in DATABASE_URL=postgres://user@/name.
    address = f"{s['HOST']}:{s['PORT'] or 5432}" if s["HOST"] else ""
    url = f"postgres://{credentials}{address}/{quote(s['NAME'], safe='')}"
    return url + (f"?conn_max_age={conn_max_age}" if conn_max_age else "")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def default_workers(worker_class: str) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    # A gevent worker serves many requests at once: one per core, as gunicorn.conf.py deploys it.
    # A sync worker serves one; autosave waits on PostgreSQL, so more of them keep the cores busy.
    return cores if worker_class == "gevent" else 3 * cores


def add_server_arguments(parser) -> None:
    parser.add_argument(
        "--worker-class",
        choices=["gevent", "sync", "gthread"],
        default="gevent",
        help="gunicorn worker class (gevent, as gunicorn.conf.py deploys it, groups concurrent saves)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: cores for gevent, 3*cores else)"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=600,
        help="CONN_MAX_AGE for sync and gthread workers, via DATABASE_URL (gevent workers use a pool)",
    )


class GunicornServer:
    """`gunicorn simulator.wsgi:application` on 127.0.0.1:<free port>, stopped on exit."""

    def __init__(
        self, *, worker_class: str, workers: int, threads: int, conn_max_age: int, env: dict | None = None
    ):
        self.worker_class, self.workers, self.threads = worker_class, workers, threads
        self.conn_max_age = conn_max_age
        self.extra_env = env or {}  # e.g. a CELERY_BROKER_URL, where tasks must go to workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def description(self) -> str:
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        database = "connection pool" if self.worker_class == "gevent" else f"CONN_MAX_AGE={self.conn_max_age}"
        return f"gunicorn {self.worker_class}, {self.workers} workers{threads}, 127.0.0.1:{self.port}, {database}"

    def __enter__(self) -> "GunicornServer":
        env = {
            **os.environ,
            "DATABASE_URL": database_url(self.conn_max_age),
            "DJANGO_DEBUG": "false",
            # Production settings without TLS: a key of its own (tokens are checked by hash alone)
            # and no redirect to HTTPS on the benchmark's plain-HTTP port.
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SETTINGS_MODULE": "simulator.settings",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("CELERY_BROKER_URL", None)  # tasks in-process, as the benchmark is specified
        env.update(self.extra_env)
        command = [
            sys.executable, "-m", "gunicorn", "simulator.wsgi:application",
            "--config", str(PROJECT_DIR / "gunicorn.conf.py"),
            "--bind", f"{HOST}:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", self.worker_class,
            "--log-level", "warning",
            "--graceful-timeout", "5",
        ]  # fmt: skip
        if self.worker_class == "gthread":
            command += ["--threads", str(self.threads)]
        self._log = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT
            )
        except OSError as error:
            raise CommandError(f"could not start gunicorn: {error}") from error
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _output(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://{HOST}:{self.port}/healthz/"
        while True:
            if self.process.poll() is not None:
                raise CommandError(
                    f"gunicorn exited with code {self.process.returncode} before answering (is gunicorn "
                    f"installed in this environment?):\n{self._output()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 204:
                        return
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise CommandError(f"gunicorn did not answer {url} within {timeout:.0f} s:\n{self._output()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the master and its workers so far (Linux; 0.0 elsewhere)."""
        if self.process is None:
            return 0.0
        return _tree_cpu_seconds(self.process.pid)


def _tree_cpu_seconds(pid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(child) for child in children)
        except (OSError, IndexError, ValueError):
            continue
    return total


def load_average() -> float | None:
    """The 1-minute load average when the run starts: other work on the machine skews every figure."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def machine_busy_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat; (0, 0) where there is no /proc."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class HttpConnection:
    """One HTTP/1.1 client connection over asyncio streams; reconnects when the server closes it."""

    def __init__(self, port: int, host: str = HOST):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.connects = 0
        self._host_header = f"Host: {host}:{port}\r\n".encode()

    async def request(
        self, method: str, path: str, headers: bytes = b"", body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.connects += 1
        head = (
            f"{method} {path} HTTP/1.1\r\n".encode()
            + self._host_header
            + (f"Content-Length: {len(body)}\r\n".encode() if body or method in ("POST", "PUT") else b"")
            + headers
            + b"\r\n"
        )
        try:
            self.writer.write(head + body)
            raw = await self.reader.readuntil(b"\r\n\r\n")
            status_line, _, header_block = raw[:-4].partition(b"\r\n")
            status = int(status_line.split(b" ", 2)[1])
            length, chunked = 0, False
            close = status_line.startswith(b"HTTP/1.0")
            for line in header_block.split(b"\r\n"):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
            if chunked:
                body = await self._read_chunked()
            else:
                body = await self.reader.readexactly(length) if length else b""
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return status, body

    async def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_figures(latencies_s: list[float]) -> dict:
    values = sorted(latencies_s)
    return {
        "p50_ms": round(percentile(values, 50) * 1000, 2),
        "p95_ms": round(percentile(values, 95) * 1000, 2),
        "p99_ms": round(percentile(values, 99) * 1000, 2),
        "max_ms": round(values[-1] * 1000, 2) if values else 0.0,
    }


def bench_user(org):
    from simulator import services

    user = get_user_model().objects.create_user(
        username=f"{org.slug}-lead", email=f"{org.slug}@bench.invalid", password=secrets.token_urlsafe(16)
    )
    services.member_add(organisation=org, user=user, role="lead")
    return user


def start_attempts(*, org, user, exercise, count: int) -> list[dict]:
    """`count` started attempts of `exercise`, each with its own participant: [{id, token, items}]."""
    from simulator import services

    attempts = []
    for index in range(count):
        _, token = services.invitation_create(
            exercise=exercise,
            participant_name=f"Bench client {index}",
            participant_email=f"client-{index}@{org.slug}.bench.invalid",
            created_by=user,
        )
        attempt, access_token, _ = services.attempt_start(invitation_token=token)
        items = [
            {"id": item.public_id, "kind": item.kind, "version": item.response.version, "item": item}
            for item in attempt.items.select_related("response").order_by("position")
        ]
        attempts.append({"id": attempt.public_id, "access_token": access_token, "items": items})
    return attempts


def delete_fixtures(org, user, stderr=None) -> None:
    """Remove what a run created (attempts, events, revisions...); scenarios are shared and stay.

    A failure here is reported, not raised: it must not hide the figures of the run."""
    from simulator.models import Attempt, Event, Invitation, ResponseRevision

    try:
        with transaction.atomic():
            Event.objects.filter(attempt__organisation=org).delete()
            ResponseRevision.objects.filter(item__attempt__organisation=org).delete()
            Attempt.objects.filter(organisation=org).delete()
            Invitation.objects.filter(organisation=org).delete()
            org.delete()
            user.delete()
    except DatabaseError as error:
        if stderr is not None:
            stderr.write(f"could not delete the benchmark's fixtures (organisation {org.slug}): {error}")


# The autosave load ---------------------------------------------------------------------------------


@dataclass
class Phase:
    """One kind of load, measured over one or more windows (rounds) of `seconds` each."""

    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0
    connects: int = 0
    measured_seconds: float = 0.0
    round_throughputs: list[float] = field(default_factory=list)
    client_cpu_seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    busy_ticks: int = 0
    total_ticks: int = 0
    ok_status: int = 200

    def figures(self) -> dict:
        requests = len(self.latencies)
        ok = self.statuses.get(self.ok_status, 0)
        measured = self.measured_seconds
        return {
            "requests": requests,
            "errors": requests - ok + self.transport_errors,
            "non_ok_statuses": {str(k): v for k, v in sorted(self.statuses.items()) if k != self.ok_status},
            "transport_errors": self.transport_errors,
            "throughput_rps": round(requests / measured, 1) if measured else 0.0,
            "round_throughputs_rps": [round(r, 1) for r in self.round_throughputs],
            **latency_figures(self.latencies),
            "connections_opened": self.connects,
            "server_cpu_cores": round(self.server_cpu_seconds / measured, 2) if measured else 0.0,
            "client_cpu_cores": round(self.client_cpu_seconds / measured, 2) if measured else 0.0,
            "machine_busy_percent": round(self.busy_ticks / self.total_ticks * 100, 1)
            if self.total_ticks
            else 0.0,
        }


async def run_phase(*, phase: Phase, clients: list, warmup: float, server: GunicornServer) -> None:
    """One round: run every client's loop; keep what completes in the measured window after the warm-up."""
    loop_start = time.perf_counter()
    window_start = loop_start + warmup
    window_end = window_start + phase.seconds
    marks: dict[str, tuple] = {}

    async def measure_marks():
        await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
        marks["start"] = (time.process_time(), server.cpu_seconds(), machine_busy_ticks())
        await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
        marks["end"] = (time.process_time(), server.cpu_seconds(), machine_busy_ticks())

    async def run_client(client, start_after: float):
        # Clients join one by one over the first half of the warm-up, as people do, rather than in
        # one burst: a burst of connections lands on whichever worker happens to be waiting in
        # accept, and keep-alive keeps it there for the whole round.
        await asyncio.sleep(start_after)
        while (started := time.perf_counter()) < window_end:
            try:
                status = await client.step()
            except TRANSPORT_ERRORS:
                finished = time.perf_counter()
                if window_start <= finished <= window_end:
                    phase.transport_errors += 1
                await asyncio.sleep(0.01)
                continue
            finished = time.perf_counter()
            if window_start <= finished <= window_end:
                phase.latencies.append(finished - started)
                phase.statuses[status] = phase.statuses.get(status, 0) + 1

    requests_before = len(phase.latencies)
    stagger = warmup / 2 / len(clients)
    await asyncio.gather(
        measure_marks(), *(run_client(client, i * stagger) for i, client in enumerate(clients))
    )
    for client in clients:
        phase.connects += client.connection.connects
        client.connection.connects = 0
        client.connection.close()
    (cpu0, server0, (busy0, total0)), (cpu1, server1, (busy1, total1)) = marks["start"], marks["end"]
    phase.measured_seconds += phase.seconds
    phase.round_throughputs.append((len(phase.latencies) - requests_before) / phase.seconds)
    phase.client_cpu_seconds += cpu1 - cpu0
    phase.server_cpu_seconds += server1 - server0
    phase.busy_ticks += busy1 - busy0
    phase.total_ticks += total1 - total0


class AutosaveClient:
    """Saves its own item again and again, each time on top of the version the last save returned."""

    def __init__(self, port: int, attempt: dict, packet_bytes: int):
        self.connection = HttpConnection(port)
        item = attempt["items"][0]
        self.path = f"/api/v1/attempts/{attempt['id']}/items/{item['id']}/response/"
        self.headers = (
            f"Authorization: Bearer {attempt['access_token']}\r\nContent-Type: application/json\r\n".encode()
        )
        self.version = item["version"]
        self.saves = 0
        filler = ("Customer reports intermittent 502s on checkout since the deploy. " * 400)[
            : max(packet_bytes, 0)
        ]
        # The body is assembled from pre-encoded parts: the generator shares the server's cores, and
        # encoding 1.5 kB of JSON per request would be its largest cost.
        self._tail = (json.dumps(filler)[1:-1] + '", "severity": "SEV2", "route": "Engineering"}}').encode()

    async def step(self) -> int:
        self.saves += 1
        body = b'{"version": %d, "answer": {"packet": "Draft %d. ' % (self.version, self.saves) + self._tail
        status, payload = await self.connection.request("PUT", self.path, self.headers, body)
        if status == 200:
            self.version = json.loads(payload)["version"]
        elif status == 409:
            current = json.loads(payload).get("current_version")
            if current is not None:
                self.version = current
        return status


class CeilingClient:
    def __init__(self, port: int):
        self.connection = HttpConnection(port)

    async def step(self) -> int:
        status, _ = await self.connection.request("GET", "/healthz/")
        return status


class Command(BaseCommand):
    help = (
        "Benchmark: autosave (PUT .../response/) throughput and p50/p95/p99 latency with concurrent "
        "clients against gunicorn + PostgreSQL, beside a bare Django view returning 204 (the ceiling)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=50)
        parser.add_argument(
            "--seconds", type=float, default=20.0, help="measured duration of each load, over all rounds"
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=4,
            help="alternate autosave and ceiling this many times, so drift in a shared machine hits both alike",
        )
        parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each round")
        parser.add_argument(
            "--packet-bytes", type=int, default=1500, help="size of the escalation packet text in each save"
        )
        parser.add_argument(
            "--keep-fixtures", action="store_true", help="keep the organisation and attempts afterwards"
        )
        add_server_arguments(parser)
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        require_postgresql("benchmarks.autosave")
        self.load_before = load_average()
        if (
            options["clients"] < 1
            or options["seconds"] <= 0
            or options["warmup"] < 0
            or options["rounds"] < 1
        ):
            raise CommandError("--clients and --rounds must be >= 1, --seconds > 0 and --warmup >= 0")
        from simulator import services

        call_command("migrate", verbosity=0, interactive=False)
        org = services.organisation_create(name="Bench", slug=f"bench-{secrets.token_hex(4)}")
        user = bench_user(org)
        try:
            attempts = start_attempts(
                org=org,
                user=user,
                exercise=org.exercises.get(slug="escalation-writeup"),
                count=options["clients"],
            )
            server = GunicornServer(
                worker_class=options["worker_class"],
                workers=options["workers"] or default_workers(options["worker_class"]),
                threads=options["threads"],
                conn_max_age=options["conn_max_age"],
            )
            vacuum_tables(*VACUUMED)
            checkpointed = checkpoint(self.stderr)
            wal_before = wal_state()
            connection.close()  # nothing of ours holds a database connection during the load
            window = options["seconds"] / options["rounds"]
            autosave = Phase("autosave", window)
            ceiling = Phase("ceiling", window, ok_status=204)
            with server:
                savers = [AutosaveClient(server.port, a, options["packet_bytes"]) for a in attempts]
                readers = [CeilingClient(server.port) for _ in attempts]
                # What this process allocated so far (Django, the fixtures) is frozen, so the collector's
                # pauses here, which would count as server latency, stay short.
                gc.collect()
                gc.freeze()
                try:
                    for _ in range(options["rounds"]):
                        for phase, clients in ((autosave, savers), (ceiling, readers)):
                            asyncio.run(
                                run_phase(
                                    phase=phase, clients=clients, warmup=options["warmup"], server=server
                                )
                            )
                finally:
                    gc.unfreeze()
            wal = wal_figures(wal_before, wal_state(), checkpointed)
            figures = self._figures(options, server, autosave.figures(), ceiling.figures(), wal)
        finally:
            if not options["keep_fixtures"]:
                delete_fixtures(org, user, self.stderr)
        self._print(figures, options["json"])

    def _figures(self, options, server, autosave: dict, ceiling: dict, wal: dict) -> dict:
        ratio = autosave["throughput_rps"] / ceiling["throughput_rps"] if ceiling["throughput_rps"] else 0.0
        figures = {
            "server": server.description,
            "load_average_before": self.load_before,
            "clients": options["clients"],
            "seconds": options["seconds"],
            "rounds": options["rounds"],
            "warmup_seconds": options["warmup"],
            "autosave": autosave,
            "ceiling": ceiling,
            "wal": wal,
            "throughput_ratio": round(ratio, 3),
            "round_ratios": [
                round(a / c, 3) if c else 0.0
                for a, c in zip(
                    autosave["round_throughputs_rps"], ceiling["round_throughputs_rps"], strict=True
                )
            ],
            "target_p99_ms": TARGET_P99_MS,
            "target_ratio": TARGET_RATIO,
            "meets_p99": autosave["requests"] > 0 and autosave["p99_ms"] < TARGET_P99_MS,
            "meets_ratio": ratio >= TARGET_RATIO,
        }
        figures["meets_targets"] = figures["meets_p99"] and figures["meets_ratio"] and autosave["errors"] == 0
        return figures

    def _print(self, figures: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(figures))
            return
        lines = [
            f"autosave benchmark: {figures['clients']} clients, {figures['seconds']:g} s measured per load in "
            f"{figures['rounds']} alternating rounds, each after {figures['warmup_seconds']:g} s of warm-up",
            f"server: {figures['server']}; load average before the run: {figures['load_average_before']}",
            f"{'':22}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'max ms':>9}{'srv cpu':>9}{'gen cpu':>9}",
        ]
        for label, key in (("autosave PUT", "autosave"), ("ceiling GET /healthz/", "ceiling")):
            f = figures[key]
            lines.append(
                f"{label:22}{f['requests']:>9}{f['errors']:>8}{f['throughput_rps']:>9.1f}{f['p50_ms']:>9.2f}"
                f"{f['p95_ms']:>9.2f}{f['p99_ms']:>9.2f}{f['max_ms']:>9.2f}{f['server_cpu_cores']:>9.2f}"
                f"{f['client_cpu_cores']:>9.2f}"
            )
            if f["non_ok_statuses"] or f["transport_errors"]:
                lines.append(
                    f"  {key} errors: statuses {f['non_ok_statuses']}, transport {f['transport_errors']}"
                )
        lines.append(self._wal_line(figures["wal"]))
        lines += [
            "  (srv cpu / gen cpu: cores used by gunicorn and by this load generator; PostgreSQL is the rest "
            f"of machine busy: autosave {figures['autosave']['machine_busy_percent']}%, "
            f"ceiling {figures['ceiling']['machine_busy_percent']}%)",
            f"autosave / ceiling throughput: {figures['throughput_ratio']:.1%} "
            f"(target >= {TARGET_RATIO:.0%}: {'met' if figures['meets_ratio'] else 'NOT met'}); by round: "
            + ", ".join(f"{r:.1%}" for r in figures["round_ratios"]),
            f"autosave p99: {figures['autosave']['p99_ms']:.2f} ms "
            f"(target < {TARGET_P99_MS:g} ms: {'met' if figures['meets_p99'] else 'NOT met'})",
            f"meets targets: {'yes' if figures['meets_targets'] else 'NO'}",
        ]
        self.stdout.write("\n".join(lines))

    @staticmethod
    def _wal_line(wal: dict) -> str:
        checkpoint = "after a CHECKPOINT" if wal["checkpoint_before"] else "with no CHECKPOINT before"
        line = f"PostgreSQL WAL ({checkpoint}): {wal['written_mb']:.0f} MB in {wal['segments_used']} segments"
        if wal["segments_created"] is None:
            return line + " (this role may not list pg_wal, so segment reuse is unknown)"
        if wal["segments_created"] == 0:
            return line + f", all reused ({wal['segments_ready_before']} were ready)"
        return (
            line + f"; {wal['segments_created']} had to be created during the run, each stalling every "
            "commit while it is filled with zeros: raise min_wal_size, or run again"
        )


if __name__ == "__main__":
    from benchmarks import run

    run(Command, "benchmarks.autosave")
