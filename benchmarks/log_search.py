"""Benchmark: log search latency on a 100,000-line log_investigation scenario, through gunicorn +
PostgreSQL. Target (issue): p95 under 50 ms.

One attempt on a scenario with `--lines` lines (generated once: the exercise has a fixed seed, so
later runs on the same database reuse the stored scenario). The query parameters come from the
scenario itself: a word of a signal message, a rare word, one service, one trace id, a window
around the onset, and paging 5 pages deep. The requests go round-robin over the query types.
"""

import asyncio
import json
import re
import secrets
import time
from urllib.parse import urlencode

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count

from benchmarks.autosave import (
    TRANSPORT_ERRORS,
    GunicornServer,
    HttpConnection,
    add_server_arguments,
    bench_user,
    default_workers,
    delete_fixtures,
    latency_figures,
    load_average,
    require_postgresql,
    start_attempts,
)

TARGET_P95_MS = 50.0
BENCH_SEED = 20_251_128
PAGE_DEPTH = 5
WORD = re.compile(r"[A-Za-z]{5,}")


def _words(message: str) -> set[str]:
    return {w.lower() for w in WORD.findall(message)}


def _iso_shift(ts: str, seconds: int) -> str:
    from datetime import UTC, datetime, timedelta

    moment = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def query_mix(scenario) -> tuple[dict[str, dict], dict]:
    """The query types of the benchmark, with parameters taken from the scenario's own lines."""
    from scenarios.models import AnswerKey, LogLine

    rows = LogLine.objects.filter(scenario=scenario)
    key = AnswerKey.objects.get(scenario=scenario).content
    evidence_ids = [e["line_id"] for e in key["key_evidence"] if not e["why"].startswith("the trigger")]
    evidence = {line.line_id: line for line in rows.filter(line_id__in=evidence_ids)}
    signal_line = evidence[evidence_ids[-1]]

    # How many lines each word matches as the search does (a substring, any case), from the distinct
    # messages: there are few, since lines come from templates.
    total = rows.count()
    messages = {e["message"].lower(): e["n"] for e in rows.values("message").annotate(n=Count("id"))}
    words = set().union(*(_words(m) for m in messages))
    counts = {w: sum(n for m, n in messages.items() if w in m) for w in words}
    signal_word = max(_words(signal_line.message), key=lambda w: (counts[w] <= total // 20, len(w), w))
    rare_word = min(counts, key=lambda w: (counts[w], -len(w), w))
    onset = key["onset"]
    mix = {
        "first_page": {},
        "level=ERROR": {"level": "ERROR"},
        "service": {"service": signal_line.service},
        "q=signal word": {"q": signal_word},
        "q=rare word": {"q": rare_word},
        "trace_id": {"trace_id": signal_line.trace_id},
        "start/end range": {"start": _iso_shift(onset, -150), "end": _iso_shift(onset, 150)},
        f"cursor page {PAGE_DEPTH}": {"q": signal_word},  # the cursor is added once it is known
    }
    about = {
        "signal_word": signal_word,
        "signal_word_lines": counts[signal_word],
        "rare_word": rare_word,
        "rare_word_lines": counts[rare_word],
        "service": signal_line.service,
        "trace_id": signal_line.trace_id,
        "range": [mix["start/end range"]["start"], mix["start/end range"]["end"]],
    }
    return mix, about


class Command(BaseCommand):
    help = (
        "Benchmark: log search p50/p95/p99 per query type on a large log_investigation scenario, "
        "through gunicorn + PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=100_000, help="log lines of the scenario")
        parser.add_argument("--requests", type=int, default=200, help="measured requests in all")
        parser.add_argument("--concurrency", type=int, default=1, help="clients sending at the same time")
        parser.add_argument(
            "--warmup-rounds", type=int, default=2, help="unmeasured rounds of every query type per client"
        )
        parser.add_argument(
            "--no-analyze",
            action="store_true",
            help="do not ANALYZE the log table first (measure with whatever planner statistics it has: "
            "right after a scenario is stored, none until autovacuum gets to it)",
        )
        parser.add_argument(
            "--keep-fixtures", action="store_true", help="keep the organisation and attempt afterwards"
        )
        add_server_arguments(parser)
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        require_postgresql("benchmarks.log_search")
        self.load_before = load_average()
        if options["requests"] < 1 or options["concurrency"] < 1:
            raise CommandError("--requests and --concurrency must be >= 1")
        from scenarios.models import LogLine
        from simulator import services

        call_command("migrate", verbosity=0, interactive=False)
        org = services.organisation_create(name="Bench", slug=f"bench-{secrets.token_hex(4)}")
        user = bench_user(org)
        try:
            exercise = services.exercise_create(
                organisation=org,
                slug="bench-logs",
                title="Bench logs",
                purpose="hiring",
                time_limit_minutes=600,
                base_seed=BENCH_SEED,
                items=[
                    {
                        "kind": "log_investigation",
                        "archetypes": [],
                        "difficulty": "hard",
                        "log_lines": options["lines"],
                    }
                ],
            )
            started = time.perf_counter()
            attempt = start_attempts(org=org, user=user, exercise=exercise, count=1)[0]
            setup_seconds = time.perf_counter() - started
            item = attempt["items"][0]
            scenario = item["item"].scenario
            stored = LogLine.objects.filter(scenario=scenario).count()
            if stored != options["lines"]:
                raise CommandError(f"the scenario has {stored} stored lines, expected {options['lines']}")
            mix, about = query_mix(scenario)
            about["analyzed"] = not options["no_analyze"]
            if about["analyzed"]:
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(LogLine._meta.db_table)}")
            server = GunicornServer(
                worker_class=options["worker_class"],
                workers=options["workers"] or default_workers(options["worker_class"]),
                threads=options["threads"],
                conn_max_age=options["conn_max_age"],
            )
            connection.close()
            with server:
                results = asyncio.run(self._run(server.port, attempt, item, mix, options))
            figures = self._figures(options, server, about, setup_seconds, results)
        finally:
            if not options["keep_fixtures"]:
                delete_fixtures(org, user, self.stderr)
        self._print(figures, options["json"])

    async def _run(self, port: int, attempt: dict, item: dict, mix: dict, options) -> dict:
        path = f"/api/v1/attempts/{attempt['id']}/items/{item['id']}/logs/"
        headers = f"Authorization: Bearer {attempt['access_token']}\r\n".encode()
        conns = [HttpConnection(port) for _ in range(options["concurrency"])]
        setup = conns[0]

        async def get(conn: HttpConnection, params: dict) -> tuple[int, dict | None]:
            status, body = await conn.request(
                "GET", f"{path}?{urlencode(params)}" if params else path, headers
            )
            return status, (json.loads(body) if status == 200 else None)

        # Page down to the last page before PAGE_DEPTH, for the cursor of the deep page.
        deep = f"cursor page {PAGE_DEPTH}"
        params = dict(mix[deep])
        for _ in range(PAGE_DEPTH - 1):
            status, page = await get(setup, params)
            if status != 200:
                raise CommandError(f"log search answered {status} while paging")
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        mix[deep] = params
        # Warm-up, unmeasured: every query type a few times on every client's connection.
        for conn in conns:
            for _ in range(options["warmup_rounds"]):
                for query in mix.values():
                    status, _ = await get(conn, query)
                    if status != 200:
                        raise CommandError(f"log search answered {status} for {query}")

        names = list(mix)
        plan = [names[i % len(names)] for i in range(options["requests"])]
        results = {name: {"latencies": [], "errors": 0, "lines": set()} for name in names}
        queue: asyncio.Queue = asyncio.Queue()
        for name in plan:
            queue.put_nowait(name)

        async def client(conn: HttpConnection):
            while not queue.empty():
                name = queue.get_nowait()
                started = time.perf_counter()
                try:
                    status, page = await get(conn, mix[name])
                except TRANSPORT_ERRORS:
                    results[name]["errors"] += 1
                    continue
                results[name]["latencies"].append(time.perf_counter() - started)
                if status != 200:
                    results[name]["errors"] += 1
                else:
                    results[name]["lines"].add(len(page["lines"]))
            conn.close()

        await asyncio.gather(*(client(conn) for conn in conns))
        return {"mix": mix, "results": results}

    def _figures(self, options, server, about, setup_seconds, run) -> dict:
        per_type, everything, errors = {}, [], 0
        for name, result in run["results"].items():
            everything += result["latencies"]
            errors += result["errors"]
            per_type[name] = {
                "params": run["mix"][name],
                "requests": len(result["latencies"]),
                "errors": result["errors"],
                "lines_returned": sorted(result["lines"]),
                **latency_figures(result["latencies"]),
            }
        overall = {"requests": len(everything), "errors": errors, **latency_figures(everything)}
        return {
            "server": server.description,
            "load_average_before": self.load_before,
            "lines": options["lines"],
            "concurrency": options["concurrency"],
            "setup_seconds": round(setup_seconds, 2),
            "queries": about,
            "per_type": per_type,
            "overall": overall,
            "target_p95_ms": TARGET_P95_MS,
            "slow_types": [name for name, f in per_type.items() if f["p95_ms"] >= TARGET_P95_MS],
            "meets_target": errors == 0 and overall["requests"] > 0 and overall["p95_ms"] < TARGET_P95_MS,
        }

    def _print(self, figures: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(figures))
            return
        about = figures["queries"]
        lines = [
            f"log search benchmark: {figures['lines']:,} lines, {figures['overall']['requests']} requests, "
            f"{figures['concurrency']} client(s) (attempt start incl. scenario: {figures['setup_seconds']:.1f} s)",
            f"server: {figures['server']}; load average before the run: {figures['load_average_before']}",
            f"signal word {about['signal_word']!r} ({about['signal_word_lines']:,} lines), rare word "
            f"{about['rare_word']!r} ({about['rare_word_lines']:,} lines), service {about['service']!r}, "
            f"log table {'ANALYZEd first' if about['analyzed'] else 'not ANALYZEd by the benchmark'}",
            f"{'query':22}{'n':>5}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  lines/page",
        ]
        for name, f in [*figures["per_type"].items(), ("overall", figures["overall"])]:
            returned = ",".join(str(n) for n in f.get("lines_returned", []))
            lines.append(
                f"{name:22}{f['requests']:>5}{f['errors']:>8}{f['p50_ms']:>9.2f}{f['p95_ms']:>9.2f}"
                f"{f['p99_ms']:>9.2f}{f['max_ms']:>9.2f}  {returned}"
            )
        slow = ", ".join(figures["slow_types"]) or "none"
        lines += [
            f"overall p95: {figures['overall']['p95_ms']:.2f} ms (target < {TARGET_P95_MS:g} ms: "
            f"{'met' if figures['meets_target'] else 'NOT met'}); query types with p95 over the target: {slow}",
            f"meets target: {'yes' if figures['meets_target'] else 'NO'}",
        ]
        self.stdout.write("\n".join(lines))


if __name__ == "__main__":
    from benchmarks import run

    run(Command, "benchmarks.log_search")
