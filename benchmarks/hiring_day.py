"""Benchmark: a hiring day. Many candidates take a six-part hiring exercise at once against gunicorn +
PostgreSQL + a Celery worker, then every saved answer and every score is checked in the database.

Target (issue): 500 candidates, each autosaving every 2 s and searching the logs now and then for
2 minutes, then submitting: zero lost or duplicated revisions, every attempt scored, p99 under 100 ms.

Set-up, in this process through the services: a throwaway organisation, the exercise (same scenarios
for everyone, as a hiring exercise deals them) and one invitation per candidate. Then gunicorn as
gunicorn.conf.py deploys it (gevent workers, pooled connections, grouped autosaves; tasks to the
broker) and one Celery worker as deploy/systemd runs it (`--concurrency=2`) are started.

Each simulated candidate (one asyncio task over one keep-alive connection; all candidates share this
one process) starts their attempt through the API (`POST /api/v1/attempts/`, the link's call), works
through the six items in turn, saves the item in front of them every 2 s with some jitter, each save
on the version the previous one returned (as the workspace does), runs a log search now and then,
and submits when their time is up. A save whose response is lost (a transport error or a 5xx) is retried as
the workspace retries it: when the retry is refused as stale and the answer stored is the one sent,
the save did land.

Afterwards, for every item, what the client was told is compared with what PostgreSQL holds
(`check_item`): the saves acknowledged are the versions 1..N in order; the item's version is N
and its answer the last one sent (nothing lost, nothing applied twice); the stored revisions are
the ones the coalescing rule keeps (README, Security: the first, the latest and the last one of
each AUTOSAVE_REVISION_SECONDS window), each holding the answer sent for its version, saved while
that request was in flight. Then the harness waits until the worker has scored every attempt.

The candidates start one after another over --ramp seconds (half the duration by default), as
people arriving for a session do. The server's throttle on starting attempts (per client address) is raised for the run: all the
candidates come from 127.0.0.1.
"""

import asyncio
import contextlib
import gc
import hashlib
import json
import math
import random
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count

from benchmarks.autosave import (
    TRANSPORT_ERRORS,
    GunicornServer,
    HttpConnection,
    _tree_cpu_seconds,
    add_server_arguments,
    bench_user,
    database_url,
    default_workers,
    delete_fixtures,
    latency_figures,
    load_average,
    machine_busy_ticks,
    require_postgresql,
)
from benchmarks.log_search import query_mix
from benchmarks.scoring import KINDS, Answers, Workers

TARGET_P99_MS = 100.0
SEED = 20_260_301
# The free-text field of each kind that a candidate keeps writing in (every save differs).
DRAFT_FIELD = {
    "triage_queue": "notes",
    "log_investigation": "notes",
    "escalation_writeup": "packet",
    "customer_comms": "update",
    "incident": "log",
    "postmortem": "document",
}
REQUEST_TYPES = ("start", "autosave", "log_search", "submit")
RETRIES = 3  # after the first try, 0.5, 1 and 2 s apart


class HiringDayWorker(Workers):
    COUNT = 1
    CONCURRENCY = 2
    DESCRIPTION = "1 worker process x --concurrency=2 (prefork), as deploy/systemd runs it"
    TAG = "bench-hiring-day"


# The check: what each client was told against what the database holds -------------------------------


def answer_digest(answer) -> str:
    """The same digest for equal JSON values, whatever their key order (PostgreSQL's jsonb reorders)."""
    text = json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Save:
    """One save the server acknowledged (200), as the client saw it: the version it returned, the
    client's wall clock when the request went out and when the answer came back, and the answer."""

    version: int
    sent: float
    received: float
    digest: str


@dataclass(frozen=True)
class Revision:
    version: int
    saved_at: float  # epoch seconds, the server's clock
    digest: str


@dataclass(frozen=True)
class StoredItem:
    version: int
    digest: str
    revisions: tuple[Revision, ...]


@dataclass
class Verdict:
    items: int = 0
    saves: int = 0
    revisions: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unacknowledged: list[str] = field(default_factory=list)
    misplaced: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.unacknowledged or self.misplaced)

    def add(self, name: str, saves: list[Save], stored: StoredItem, window: float, base_version: int = 0):
        self.items += 1
        self.saves += len(saves)
        self.revisions += len(stored.revisions)
        for kind, message in check_item(saves, stored, window, base_version):
            getattr(self, kind).append(f"{name}: {message}")


def _window(moment: float, window: float) -> int:
    return math.floor(moment / window)


def check_item(
    saves: list[Save], stored: StoredItem, window: float, base_version: int = 0, tolerance: float = 0.002
) -> list[tuple[str, str]]:
    """What is wrong with one item: [(lost | duplicated | unacknowledged | misplaced, message)], empty
    when nothing is. Unacknowledged: the item holds a version the client was never told of (a save
    whose every try answered with an error was applied after all); duplicated: a version was
    acknowledged twice, or an answer was applied again as a new version.

    `saves` are the client's acknowledged saves in order, `stored` what the database holds, `window`
    AUTOSAVE_REVISION_SECONDS (0 keeps every revision). A revision v (saved at t_v) is deleted by the
    save of v+1 when v > 1 and both fall in one window; so v must be kept when it is the first or the
    latest, or when v's answer came back in an earlier window than the one v+1 was sent in, and must
    be gone when v was sent in the window in which v+1's answer came back. Between the two, the
    client's clocks cannot tell, and either is right."""
    problems: list[tuple[str, str]] = []
    expected = list(range(base_version + 1, base_version + len(saves) + 1))
    versions = [s.version for s in saves]
    if versions != expected:
        repeated = sorted({v for v in versions if versions.count(v) > 1})
        if repeated:
            problems.append(("duplicated", f"versions {repeated} acknowledged more than once"))
        else:
            problems.append(("duplicated", f"acknowledged versions {versions} are not {expected}"))
    last = expected[-1] if expected else base_version
    if stored.version < last:
        problems.append(("lost", f"version {stored.version} stored, {last} acknowledged"))
    elif stored.version > last and saves and stored.digest == saves[-1].digest:
        problems.append(
            ("duplicated", f"the last answer acknowledged is stored again as version {stored.version}")
        )
    elif stored.version > last:
        # A save the client was told had failed (every try answered with an error) was applied.
        problems.append(("unacknowledged", f"version {stored.version} stored, only {last} acknowledged"))
    elif saves and stored.digest != saves[-1].digest:
        problems.append(("lost", "the stored answer is not the last one acknowledged"))

    by_version = {s.version: s for s in saves}
    kept = {}
    for revision in stored.revisions:
        if revision.version in kept:
            problems.append(("duplicated", f"revision {revision.version} stored twice"))
        kept[revision.version] = revision
        save = by_version.get(revision.version)
        if save is None:
            if not last < revision.version <= stored.version:  # else reported above
                problems.append(("duplicated", f"revision {revision.version} was never acknowledged"))
            continue
        if revision.digest != save.digest:
            problems.append(("misplaced", f"revision {revision.version} holds another answer than was sent"))
        if not save.sent - tolerance <= revision.saved_at <= save.received + tolerance:
            problems.append(
                ("misplaced", f"revision {revision.version} saved at {revision.saved_at:.3f}, outside its "
                 f"request ({save.sent:.3f}-{save.received:.3f})")
            )  # fmt: skip
    for index, save in enumerate(saves):
        v = save.version
        following = saves[index + 1] if index + 1 < len(saves) else None
        if not window or v == 1 or following is None:
            must_keep, must_go = True, False
        else:
            must_keep = _window(save.received, window) < _window(following.sent, window)
            must_go = _window(save.sent, window) == _window(following.received, window)
        if must_keep and v not in kept:
            problems.append(("lost", f"revision {v} is missing"))
        if must_go and v in kept:
            problems.append(("misplaced", f"revision {v} was kept in a window with a later one"))
    return problems


def stored_items(attempt_ids: list[int]) -> dict[str, tuple[StoredItem, int]]:
    """{item public id: (what the database holds, the attempt's primary key)} for these attempts."""
    from simulator.models import AttemptItem, ResponseRevision

    revisions: dict[int, list[Revision]] = {}
    rows = ResponseRevision.objects.filter(item__attempt_id__in=attempt_ids).values_list(
        "item_id", "version", "saved_at", "answer"
    )
    for item_id, version, saved_at, answer in rows.iterator(chunk_size=2000):
        revisions.setdefault(item_id, []).append(
            Revision(version, saved_at.timestamp(), answer_digest(answer))
        )
    items = AttemptItem.objects.filter(attempt_id__in=attempt_ids).values_list(
        "pk", "public_id", "attempt_id", "response__version", "response__answer"
    )
    return {
        public_id: (
            StoredItem(
                version,
                answer_digest(answer),
                tuple(sorted(revisions.get(pk, []), key=lambda r: r.version)),
            ),
            attempt_id,
        )
        for pk, public_id, attempt_id, version, answer in items
    }


# The candidates ----------------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {t: [] for t in REQUEST_TYPES})
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: {t: {} for t in REQUEST_TYPES})
    transport_errors: dict[str, int] = field(default_factory=lambda: {t: 0 for t in REQUEST_TYPES})
    recovered_saves: int = 0
    candidates_failed: list[str] = field(default_factory=list)

    def record(self, kind: str, started: float, status: int) -> None:
        self.latencies[kind].append(time.perf_counter() - started)
        self.statuses[kind][status] = self.statuses[kind].get(status, 0) + 1


OK_STATUS = {"start": 201, "autosave": 200, "log_search": 200, "submit": 200}


class Candidate:
    def __init__(self, *, index: int, port: int, token: str, answers: dict, queries: list, options, stats):
        self.index, self.token, self.answers, self.queries = index, token, answers, queries
        self.rng = random.Random(f"{SEED}|{index}")
        self.connection = HttpConnection(port)
        self.stats = stats
        self.every = options["save_every"]
        self.search_probability = options["search_probability"]
        self.attempt_id = ""
        self.items: list[dict] = []  # [{id, kind, base_version, version, saves: [Save]}]
        self.drafts = 0
        self.submitted = False

    async def _request(self, kind: str, method: str, path: str, headers: bytes, body: bytes = b""):
        """One request, retried as the workspace retries (a transport error or a 5xx, with backoff):
        (status, body, whether it was retried). Every try is counted; a transport error on the last
        one is raised."""
        for attempt in range(RETRIES + 1):
            started = time.perf_counter()
            try:
                status, payload = await self.connection.request(method, path, headers, body)
            except TRANSPORT_ERRORS:
                self.stats.transport_errors[kind] += 1
                if attempt == RETRIES:
                    raise
            else:
                self.stats.record(kind, started, status)
                if status < 500 or attempt == RETRIES:
                    return status, payload, attempt > 0
            await asyncio.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    async def run(self, start_at: float, duration: float) -> None:
        await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
        try:
            await self._start()
            end = time.perf_counter() + duration
            per_item = duration / len(self.items)
            begun = time.perf_counter()
            next_save = begun + self.every * self.rng.uniform(0.5, 1.0)
            while True:
                await asyncio.sleep(max(0.0, next_save - time.perf_counter()))
                now = time.perf_counter()
                if now >= end:
                    break
                item = self.items[min(len(self.items) - 1, int((now - begun) / per_item))]
                await self._save(item)
                next_save += self.every * self.rng.uniform(0.8, 1.2)
                if self.queries and self.rng.random() < self.search_probability:
                    await asyncio.sleep(self.rng.uniform(0.1, 0.5))
                    await self._search()
            await self._submit()
        except (CommandError, *TRANSPORT_ERRORS) as error:
            self.stats.candidates_failed.append(f"candidate {self.index}: {error!r}")
        finally:
            self.connection.close()

    async def _start(self) -> None:
        body = json.dumps({"invitation_token": self.token}).encode()
        headers = b"Content-Type: application/json\r\n"
        status, payload, _ = await self._request("start", "POST", "/api/v1/attempts/", headers, body)
        if status not in (200, 201):
            raise CommandError(f"starting the attempt answered {status}: {payload[:300]!r}")
        started = json.loads(payload)
        self.attempt_id = started["id"]
        self.auth = f"Authorization: Bearer {started['access_token']}\r\n".encode()
        self.items = [
            {
                "id": item["id"],
                "kind": item["kind"],
                "base_version": item["response"]["version"],
                "version": item["response"]["version"],
                "saves": [],
            }
            for item in sorted(started["items"], key=lambda item: item["position"])
        ]
        self.log_item = next((i for i in self.items if i["kind"] == "log_investigation"), None)

    async def _save(self, item: dict) -> None:
        self.drafts += 1
        answer = dict(self.answers[item["kind"]])
        draft_field = DRAFT_FIELD[item["kind"]]
        answer[draft_field] = f"{answer.get(draft_field) or ''} (draft {self.drafts})".strip()
        digest = answer_digest(answer)
        path = f"/api/v1/attempts/{self.attempt_id}/items/{item['id']}/response/"
        headers = self.auth + b"Content-Type: application/json\r\n"
        body = json.dumps({"version": item["version"], "answer": answer}).encode()
        sent = time.time()
        status, payload, retried = await self._request("autosave", "PUT", path, headers, body)
        if status == 200:
            version = json.loads(payload)["version"]
        elif status == 409 and retried and self._own(json.loads(payload), item["version"] + 1, digest):
            # An earlier try landed and its response was lost: the workspace recognises its own words.
            version = item["version"] + 1
            self.stats.recovered_saves += 1
        else:
            return  # refused: counted as an error; the check shows what became of the item
        item["saves"].append(Save(version, sent, time.time(), digest))
        item["version"] = version

    @staticmethod
    def _own(refused: dict, version: int, digest: str) -> bool:
        return refused.get("current_version") == version and answer_digest(refused.get("answer")) == digest

    async def _search(self) -> None:
        params = self.rng.choice(self.queries)
        path = f"/api/v1/attempts/{self.attempt_id}/items/{self.log_item['id']}/logs/"
        with contextlib.suppress(*TRANSPORT_ERRORS):  # counted; a search only reads
            await self._request(
                "log_search", "GET", f"{path}?{urlencode(params)}" if params else path, self.auth
            )

    async def _submit(self) -> None:
        path = f"/api/v1/attempts/{self.attempt_id}/submit/"
        headers = self.auth + b"Content-Type: application/json\r\n"
        status, _, _ = await self._request("submit", "POST", path, headers, b"{}")
        self.submitted = status == 200


async def run_candidates(candidates: list[Candidate], *, ramp: float, duration: float) -> float:
    """Run every candidate; they start one after another over `ramp` seconds. The wall time taken."""
    began = time.perf_counter()
    step = ramp / max(1, len(candidates) - 1) if len(candidates) > 1 else 0.0
    await asyncio.gather(*(c.run(began + i * step, duration) for i, c in enumerate(candidates)))
    return time.perf_counter() - began


# The harness -----------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Benchmark: a hiring day. Simulated candidates start, autosave every 2 s, search the logs and "
        "submit against gunicorn + PostgreSQL + a Celery worker; then every item's versions and "
        "revisions are checked and every attempt must be scored. Needs DATABASE_URL (PostgreSQL) and "
        "CELERY_BROKER_URL (a broker database of its own: its queue is purged before and after)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--candidates", type=int, default=500)
        parser.add_argument("--duration", type=float, default=120.0, help="seconds each candidate works")
        parser.add_argument(
            "--ramp", type=float, default=None, help="seconds over which the candidates start, one after "
            "another (default: half of --duration)"
        )  # fmt: skip
        parser.add_argument("--save-every", type=float, default=2.0, help="seconds between saves (+-20%%)")
        parser.add_argument(
            "--search-probability", type=float, default=0.2, help="chance of a log search after each save"
        )
        parser.add_argument("--log-lines", type=int, default=None, help="log lines of the log scenario")
        parser.add_argument("--score-timeout", type=float, default=600.0, help="seconds to wait for scores")
        parser.add_argument(
            "--allow-other-workers", action="store_true", help="run even if other workers use the broker"
        )
        parser.add_argument(
            "--keep", action="store_true", help="keep the organisation and attempts afterwards"
        )
        add_server_arguments(parser)
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        require_postgresql("benchmarks.hiring_day")
        if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"):
            raise CommandError(
                "benchmarks.hiring_day scores through a Celery worker: set CELERY_BROKER_URL to a broker "
                "database of its own, e.g. CELERY_BROKER_URL=redis://127.0.0.1:6379/10"
            )
        if options["candidates"] < 1 or options["duration"] <= 0 or options["save_every"] <= 0:
            raise CommandError("--candidates must be >= 1, --duration and --save-every > 0")
        if not 0 <= options["search_probability"] <= 1:
            raise CommandError("--search-probability must be between 0 and 1")
        ramp = options["ramp"] if options["ramp"] is not None else options["duration"] / 2
        from simulator import services
        from simulator.celery import app

        others = sorted(name for reply in app.control.ping(timeout=1.0) for name in reply)
        if others and not options["allow_other_workers"]:
            raise CommandError(
                f"other Celery workers already consume from {settings.CELERY_BROKER_URL}: {', '.join(others)}. "
                "Stop them, use another broker database, or pass --allow-other-workers."
            )
        self.load_before = load_average()
        call_command("migrate", verbosity=0, interactive=False)
        org = services.organisation_create(name="Hiring day", slug=f"bench-hiring-{secrets.token_hex(4)}")
        user = bench_user(org)
        try:
            figures = self._run(org, user, ramp, options, others)
        finally:
            app.control.purge()  # the deadline tasks of the run's attempts, now submitted
            if not options["keep"]:
                delete_fixtures(org, user, self.stderr)
        self._print(figures, options["json"])

    def _log(self, message: str) -> None:
        if not self._as_json:
            self.stderr.write(message)

    def _run(self, org, user, ramp: float, options, others) -> dict:
        from scenarios.models import Scenario
        from simulator import services
        from simulator.celery import app
        from simulator.models import Attempt, AttemptStatus
        from simulator.responses import validate_answer

        self._as_json = options["json"]
        set_up = time.perf_counter()
        exercise = services.exercise_create(
            organisation=org,
            slug="hiring-day",
            title="Hiring day",
            purpose="hiring",
            time_limit_minutes=90,
            base_seed=SEED,
            items=[
                {
                    "kind": kind,
                    "archetypes": [],
                    "difficulty": "medium",
                    **({"log_lines": options["log_lines"]} if options["log_lines"] and kind == "log_investigation" else {}),
                }
                for kind in KINDS
            ],
        )  # fmt: skip
        # One attempt started here generates the exercise's scenarios (everyone gets the same ones),
        # so the candidates' answers and log queries can be drawn from them.
        _, token = services.invitation_create(
            exercise=exercise, participant_name="Scenario warm-up", participant_email="warm-up@bench.invalid",
            created_by=user,
        )  # fmt: skip
        warm_up, _, _ = services.attempt_start(invitation_token=token)
        items = list(warm_up.items.order_by("position"))
        scenarios = Scenario.objects.select_related("answer_key").in_bulk([i.scenario_id for i in items])
        by_kind = {item.kind: scenarios[item.scenario_id] for item in items}
        answers = Answers(by_kind)
        mix, _ = query_mix(by_kind["log_investigation"])
        queries = [params for name, params in mix.items() if not name.startswith("cursor")]
        tokens = []
        for index in range(options["candidates"]):
            _, token = services.invitation_create(
                exercise=exercise,
                participant_name=f"Candidate {index}",
                participant_email=f"candidate-{index}@{org.slug}.bench.invalid",
                created_by=user,
            )
            tokens.append(token)
        plans = [
            {kind: revisions[-1][1] for kind, (revisions, _) in answers.for_attempt(index).items()}
            for index in range(options["candidates"])
        ]
        for kind, answer in plans[0].items():  # what the candidates send is valid, or the run stops here
            validate_answer(
                kind, {**answer, DRAFT_FIELD[kind]: f"{answer.get(DRAFT_FIELD[kind]) or ''} (draft 1)"}
            )
        set_up = time.perf_counter() - set_up
        self._log(f"set up in {set_up:.1f} s: {options['candidates']} invitations; starting the servers")

        app.control.purge()
        server = GunicornServer(
            worker_class=options["worker_class"],
            workers=options["workers"] or default_workers(options["worker_class"]),
            threads=options["threads"],
            conn_max_age=options["conn_max_age"],
            env={
                "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
                "THROTTLE_ATTEMPT_START": f"{max(1000, 10 * options['candidates'])}/min",
            },
        )
        worker = HiringDayWorker(
            database=database_url(connection.settings_dict["CONN_MAX_AGE"] or 0),
            broker=settings.CELERY_BROKER_URL,
            debug=False,
        )
        connection.close()
        stats = Stats()
        with worker, server:
            port = server.port
            candidates = [
                Candidate(
                    index=i, port=port, token=tokens[i], answers=plans[i], queries=queries, options=options,
                    stats=stats,
                )
                for i in range(options["candidates"])
            ]  # fmt: skip
            self._log(
                f"{server.description}; {worker.DESCRIPTION}; {len(candidates)} candidates for "
                f"{options['duration']:g} s each, starting over {ramp:g} s"
            )
            cpu = (time.process_time(), server.cpu_seconds(), self._worker_cpu(worker), machine_busy_ticks())
            gc.collect()
            gc.freeze()
            try:
                wall = asyncio.run(run_candidates(candidates, ramp=ramp, duration=options["duration"]))
            finally:
                gc.unfreeze()
            cpu_after = (
                time.process_time(),
                server.cpu_seconds(),
                self._worker_cpu(worker),
                machine_busy_ticks(),
            )
            load_after = load_average()
            attempt_ids = dict(
                Attempt.objects.filter(organisation=org).exclude(pk=warm_up.pk).values_list("public_id", "pk")
            )
            wanted = [attempt_ids[c.attempt_id] for c in candidates if c.attempt_id in attempt_ids]
            self._log(f"load done in {wall:.1f} s; waiting for the worker to score {len(wanted)} attempts")
            scoring_started = time.perf_counter()
            deadline = time.monotonic() + options["score_timeout"]
            while True:
                scored = Attempt.objects.filter(pk__in=wanted, status=AttemptStatus.SCORED).count()
                if scored == len(wanted) or time.monotonic() > deadline:
                    break
                worker.check_alive()
                time.sleep(0.5)
            scoring_wait = time.perf_counter() - scoring_started
            worker_cpu = self._worker_cpu(worker) - cpu[2]
            if any(code >= 500 for codes in stats.statuses.values() for code in codes):
                self._log(f"gunicorn's output (the end):\n{server._output()}")

        verdict = Verdict()
        stored = stored_items(wanted)
        window = float(settings.AUTOSAVE_REVISION_SECONDS)
        for candidate in candidates:
            for item in candidate.items:
                held = stored.get(item["id"])
                if held is None:
                    verdict.lost.append(f"{item['id']}: not in the database")
                    continue
                verdict.add(item["id"], item["saves"], held[0], window, item["base_version"])
        statuses = dict(
            Attempt.objects.filter(pk__in=wanted).values_list("status").annotate(n=Count("id")).order_by()
        )
        return self._figures(
            options=options, ramp=ramp, set_up=set_up, wall=wall, stats=stats, verdict=verdict,
            candidates=candidates, wanted=wanted, scored=scored, scoring_wait=scoring_wait, statuses=statuses,
            server=server, worker=worker, cpu=cpu, cpu_after=cpu_after, worker_cpu=worker_cpu,
            load_after=load_after, window=window, others=others,
        )  # fmt: skip

    @staticmethod
    def _worker_cpu(worker: Workers) -> float:
        return sum(_tree_cpu_seconds(p.pid) for p in worker.processes)

    def _figures(self, *, options, ramp, set_up, wall, stats, verdict, candidates, wanted, scored,
                 scoring_wait, statuses, server, worker, cpu, cpu_after, worker_cpu, load_after, window,
                 others) -> dict:  # fmt: skip
        per_type = {}
        every = []
        for kind in REQUEST_TYPES:
            latencies = stats.latencies[kind]
            every += latencies
            ok = stats.statuses[kind].get(OK_STATUS[kind], 0)
            if kind == "start":
                ok += stats.statuses[kind].get(200, 0)
            per_type[kind] = {
                "requests": len(latencies),
                "errors": len(latencies) - ok + stats.transport_errors[kind],
                "non_ok_statuses": {
                    str(k): v
                    for k, v in sorted(stats.statuses[kind].items())
                    if k not in (OK_STATUS[kind], 200)
                },
                "transport_errors": stats.transport_errors[kind],
                "rps": round(len(latencies) / wall, 1) if wall else 0.0,
                **latency_figures(latencies),
            }
        working = [x for kind in REQUEST_TYPES if kind != "start" for x in stats.latencies[kind]]
        overall = {
            "requests": len(every),
            "errors": sum(p["errors"] for p in per_type.values()),
            "rps": round(len(every) / wall, 1) if wall else 0.0,
            **latency_figures(every),
        }
        # While they work: every request but the one that starts an attempt (a candidate's first).
        at_work = {"requests": len(working), **latency_figures(working)}
        (gen0, srv0, _, (busy0, total0)), (gen1, srv1, _, (busy1, total1)) = cpu, cpu_after
        figures = {
            "candidates": options["candidates"],
            "duration_s": options["duration"],
            "ramp_s": ramp,
            "save_every_s": options["save_every"],
            "search_probability": options["search_probability"],
            "server": server.description,
            "worker": worker.DESCRIPTION,
            "other_workers": others,
            "load_average_before": self.load_before,
            "load_average_after": load_after,
            "set_up_s": round(set_up, 1),
            "wall_s": round(wall, 1),
            "cores_used": {
                "gunicorn": round((srv1 - srv0) / wall, 2),
                "load_generator": round((gen1 - gen0) / wall, 2),
                "celery_worker": round(worker_cpu / (wall + scoring_wait), 2),
                "machine_busy_percent": round((busy1 - busy0) / (total1 - total0) * 100, 1)
                if total1 > total0
                else 0.0,
            },  # fmt: skip
            "per_type": per_type,
            "overall": overall,
            "at_work": at_work,
            "candidates_failed": stats.candidates_failed[:20],
            "candidates_failed_count": len(stats.candidates_failed),
            "submitted": sum(c.submitted for c in candidates),
            "recovered_saves": stats.recovered_saves,
            "check": {
                "revision_window_s": window,
                "items": verdict.items,
                "acknowledged_saves": verdict.saves,
                "revisions_kept": verdict.revisions,
                "lost": len(verdict.lost),
                "duplicated": len(verdict.duplicated),
                "unacknowledged": len(verdict.unacknowledged),
                "misplaced": len(verdict.misplaced),
                "examples": verdict.lost[:3]
                + verdict.duplicated[:3]
                + verdict.unacknowledged[:3]
                + verdict.misplaced[:3],
            },
            "scoring": {
                "attempts": len(wanted),
                "scored": scored,
                "statuses": statuses,
                "wait_after_load_s": round(scoring_wait, 1),
            },
            "target_p99_ms": TARGET_P99_MS,
        }
        figures["meets_p99"] = overall["requests"] > 0 and overall["p99_ms"] < TARGET_P99_MS
        figures["meets_targets"] = (
            figures["meets_p99"]
            and verdict.ok
            and overall["errors"] == 0
            and not stats.candidates_failed
            and len(wanted) == options["candidates"]
            and scored == len(wanted)
        )
        return figures

    def _print(self, figures: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(figures))
            return
        f, check, scoring, cores = figures, figures["check"], figures["scoring"], figures["cores_used"]
        lines = [
            f"hiring day: {f['candidates']} candidates, {f['duration_s']:g} s each (starting over "
            f"{f['ramp_s']:g} s), a save every {f['save_every_s']:g} s +-20%, a log search after "
            f"{f['search_probability']:.0%} of saves; {f['wall_s']:g} s in all",
            f"server: {f['server']}; {f['worker']}",
            f"load average: {f['load_average_before']} before, {f['load_average_after']} at the end of the load; "
            f"cores used: gunicorn {cores['gunicorn']}, load generator {cores['load_generator']}, "
            f"Celery worker {cores['celery_worker']}, machine busy {cores['machine_busy_percent']}%",
            f"{'request':14}{'count':>8}{'errors':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}",
        ]
        for name, row in (*f["per_type"].items(), ("all", f["overall"])):
            lines.append(
                f"{name:14}{row['requests']:>8}{row['errors']:>8}{row['rps']:>8.1f}{row['p50_ms']:>9.2f}"
                f"{row['p95_ms']:>9.2f}{row['p99_ms']:>9.2f}{row['max_ms']:>9.2f}"
            )
            if row.get("non_ok_statuses") or row.get("transport_errors"):
                lines.append(
                    f"  {name} errors: statuses {row['non_ok_statuses']}, transport {row['transport_errors']}"
                )
        lines += [
            f"saves checked: {check['acknowledged_saves']} acknowledged on {check['items']} items, "
            f"{check['revisions_kept']} revisions kept (window {check['revision_window_s']:g} s); "
            f"lost {check['lost']}, duplicated {check['duplicated']}, applied though answered with an error "
            f"{check['unacknowledged']}, misplaced {check['misplaced']}"
            + (f"; saves whose lost response was recovered: {f['recovered_saves']}" if f["recovered_saves"] else ""),
            *(f"  {example}" for example in check["examples"]),
            f"submitted: {f['submitted']} of {f['candidates']}; scored by the worker: {scoring['scored']} of "
            f"{scoring['attempts']}, {scoring['wait_after_load_s']:g} s after the load ended",
            *(f"  {failure}" for failure in f["candidates_failed"]),
            f"at work (autosave, log search, submit): p50 {f['at_work']['p50_ms']:.2f} ms, p95 "
            f"{f['at_work']['p95_ms']:.2f} ms, p99 {f['at_work']['p99_ms']:.2f} ms",
            f"p99 of all requests: {f['overall']['p99_ms']:.2f} ms (target < {f['target_p99_ms']:g} ms: "
            f"{'met' if f['meets_p99'] else 'NOT met'})",
            f"meets targets: {'yes' if f['meets_targets'] else 'NO'}",
        ]  # fmt: skip
        self.stdout.write("\n".join(lines))


if __name__ == "__main__":
    from benchmarks import run

    run(Command, "benchmarks.hiring_day")
