import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scenarios.catalog import archetype_ids
from scenarios.generation import MAX_LOG_LINES, MIN_LOG_LINES, generate

TARGET_LINES_PER_SECOND = 150_000
TARGET_RATIO = 2.0
TARGET_PEAK_RSS_MIB = 250
# The json.dumps floor needs the lines as dicts (about 1.2 KB each): measured up to this size only.
FLOOR_MAX_LINES = 200_000
PROJECT = Path(__file__).resolve().parent.parent


def peak_rss_mib() -> int:
    """This process's peak resident memory so far: VmHWM where there is /proc (getrusage's maxrss
    starts a child at its parent's peak on Linux, so it would count the parent's memory), else
    maxrss (KiB on Linux)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024)


def load_average() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


class Command(BaseCommand):
    requires_system_checks = []  # they import every URL and view: memory the pipeline does not use
    help = (
        "Benchmark: a log_investigation scenario of each size given, generated, hashed, serialised "
        "and (with --store) stored in a fresh process, with its peak memory and lines per second; "
        "and, up to 200,000 lines, the median time to generate it and make its canonical bundle "
        "against the standard library's json.dumps of the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--lines", type=int, nargs="+", default=[100_000], help="sizes, e.g. 100000 1000000"
        )
        parser.add_argument("--repeat", type=int, default=5, help="repeats of the timing (median)")
        parser.add_argument("--archetype", default=None)
        parser.add_argument(
            "--store",
            action="store_true",
            help="also store each scenario (DATABASE_URL, else a throwaway SQLite database)",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the figures as JSON, one line per size"
        )
        parser.add_argument("--pipeline-child", type=int, help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        archetype = options["archetype"] or archetype_ids()[2]
        for lines in options["lines"] + ([options["pipeline_child"]] if options["pipeline_child"] else []):
            if not MIN_LOG_LINES <= lines <= MAX_LOG_LINES:
                raise CommandError(f"--lines must be from {MIN_LOG_LINES} to {MAX_LOG_LINES}, got {lines}")
        if options["pipeline_child"]:
            self.stdout.write(
                json.dumps(pipeline(options["pipeline_child"], archetype, store=options["store"]))
            )
            return
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
        load = load_average()
        with tempfile.TemporaryDirectory(prefix="bench-generation-") as scratch:
            env = dict(os.environ)
            if options["store"] and not env.get("DATABASE_URL"):
                env["DATABASE_URL"] = f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
            if options["store"]:
                run_child([sys.executable, "manage.py", "migrate", "--verbosity", "0"], env)
            for lines in options["lines"]:
                figures = {"lines": lines, "archetype": archetype, "load_average": load}
                if lines <= FLOOR_MAX_LINES:
                    figures |= timing(lines, archetype, options["repeat"])
                command = [sys.executable, "-m", "benchmarks.generation", "--pipeline-child", str(lines)]
                command += ["--archetype", archetype] + (["--store"] if options["store"] else [])
                figures["pipeline"] = json.loads(run_child(command, env))
                figures["meets_targets"] = meets_targets(figures)
                self.stdout.write(json.dumps(figures) if options["json"] else report(figures))


def run_child(command: list[str], env: dict) -> str:
    done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise CommandError(f"{' '.join(command[1:])} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def timing(lines: int, archetype: str, repeat: int) -> dict:
    """Median CPU and wall seconds of generating and of the canonical bundle (hashed as it is made),
    against json.dumps of the same payload as plain dicts (made outside the timing)."""
    generation, generation_cpu, bundle, bundle_cpu, floor, floor_cpu = [], [], [], [], [], []
    for seed in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        generated = generate("log_investigation", archetype, seed, "hard", log_lines=lines)
        generated_at, cpu_generated_at = time.perf_counter(), time.process_time()
        digest = hashlib.sha256()
        for piece in generated.iter_canonical_bundle():
            digest.update(piece)
        bundled_at, cpu_bundled_at = time.perf_counter(), time.process_time()
        plain = {"answer_key": generated.answer_key, "payload": generated.payload}
        dump_started, cpu_dump_started = time.perf_counter(), time.process_time()
        json.dumps(plain)
        floor.append(time.perf_counter() - dump_started)
        floor_cpu.append(time.process_time() - cpu_dump_started)
        generation.append(generated_at - started)
        generation_cpu.append(cpu_generated_at - cpu_started)
        bundle.append(bundled_at - started)
        bundle_cpu.append(cpu_bundled_at - cpu_started)
        del generated, plain
    gen, gen_cpu, total, total_cpu, dumps, dumps_cpu = (
        statistics.median(x) for x in (generation, generation_cpu, bundle, bundle_cpu, floor, floor_cpu)
    )
    return {
        "repeats": repeat,
        "generation_seconds": round(gen, 4),
        "lines_per_second": round(lines / gen),
        # CPU time: what the figure would be on an idle core, when other processes share it.
        "generation_cpu_seconds": round(gen_cpu, 4),
        "cpu_lines_per_second": round(lines / gen_cpu),
        "bundle_seconds": round(total, 4),
        "bundle_cpu_seconds": round(total_cpu, 4),
        "json_dumps_seconds": round(dumps, 4),
        "json_dumps_cpu_seconds": round(dumps_cpu, 4),
        "bundle_to_json_dumps_ratio": round(total / dumps, 2),
        "bundle_to_json_dumps_cpu_ratio": round(total_cpu / dumps_cpu, 2),
    }


def pipeline(lines: int, archetype: str, *, store: bool) -> dict:
    """One scenario through what `generate_scenario --save` does, in this (fresh) process: generate,
    hash and write the canonical bytes to a null stream, and store it if asked."""
    figures = {"setup_rss_mib": peak_rss_mib()}
    started = time.process_time()
    generated = generate("log_investigation", archetype, 0, "hard", log_lines=lines)
    figures["generate_cpu_seconds"] = round(time.process_time() - started, 3)
    figures["generate_rss_mib"] = peak_rss_mib()
    started = time.process_time()
    digest = hashlib.sha256()
    size = 0
    with open(os.devnull, "wb") as null:
        for piece in generated.iter_canonical_bundle():
            digest.update(piece)
            null.write(piece)
            size += len(piece)
    figures["serialise_cpu_seconds"] = round(time.process_time() - started, 3)
    figures["bundle_mib"] = round(size / 2**20, 1)
    figures["content_hash"] = digest.hexdigest()
    if store:
        from django.conf import settings

        from scenarios import services
        from scenarios.models import Scenario

        # As in production: with DEBUG on, Django keeps the SQL of the last 9,000 queries, which for
        # 200 inserts of 5,000 log lines is hundreds of MB.
        settings.DEBUG = False

        reference = services.generated_reference(
            kind="log_investigation", archetype=archetype, seed=0, difficulty="hard",
            generator_version=generated.generator_version, log_lines=lines,
        )  # fmt: skip
        Scenario.objects.filter(reference=reference).delete()  # an earlier run's: store it again
        started = time.perf_counter()
        services.scenario_generate(
            kind="log_investigation", archetype=archetype, seed=0, difficulty="hard", log_lines=lines,
            generated=generated,
        )  # fmt: skip
        figures["store_seconds"] = round(time.perf_counter() - started, 3)
        Scenario.objects.filter(reference=reference).delete()
    cpu = figures["generate_cpu_seconds"] + figures["serialise_cpu_seconds"]
    figures["cpu_lines_per_second"] = round(lines / cpu) if cpu else None
    figures["peak_rss_mib"] = peak_rss_mib()
    return figures


def meets_targets(figures: dict) -> bool:
    met = figures["pipeline"]["peak_rss_mib"] < TARGET_PEAK_RSS_MIB
    if "cpu_lines_per_second" in figures:
        met = met and figures["cpu_lines_per_second"] >= TARGET_LINES_PER_SECOND
        met = met and figures["bundle_to_json_dumps_cpu_ratio"] <= TARGET_RATIO
    return met


def report(f: dict) -> str:
    p = f["pipeline"]
    text = f"log_investigation ({f['archetype']}, hard), {f['lines']:,} lines, one core, load average {f['load_average']}:\n"
    if "repeats" in f:
        text += (
            f"  timing, median of {f['repeats']}:\n"
            f"    generation            {f['generation_cpu_seconds']:.3f} s CPU = {f['cpu_lines_per_second']:,} lines/s"
            f" (target >= {TARGET_LINES_PER_SECOND:,}); wall {f['generation_seconds']:.3f} s = {f['lines_per_second']:,} lines/s\n"
            f"    bundle (generation + canonical JSON + hash)  {f['bundle_cpu_seconds']:.3f} s CPU; wall {f['bundle_seconds']:.3f} s\n"
            f"    json.dumps floor      {f['json_dumps_cpu_seconds']:.3f} s CPU; wall {f['json_dumps_seconds']:.3f} s\n"
            f"    bundle / json.dumps   {f['bundle_to_json_dumps_cpu_ratio']:.2f}x CPU (target <= {TARGET_RATIO}x);"
            f" wall {f['bundle_to_json_dumps_ratio']:.2f}x\n"
        )
    text += (
        "  pipeline in a fresh process (generate, hash, write the canonical JSON to a null stream"
        + (", store" if "store_seconds" in p else "")
        + "):\n"
        f"    generate              {p['generate_cpu_seconds']:.3f} s CPU\n"
        f"    hash + serialise      {p['serialise_cpu_seconds']:.3f} s CPU ({p['bundle_mib']:,} MiB of JSON)\n"
        f"    lines per second      {p['cpu_lines_per_second']:,} (CPU, both steps)\n"
    )
    if "store_seconds" in p:
        text += f"    store                 {p['store_seconds']:.3f} s wall\n"
    text += (
        f"    peak memory (RSS)     {p['peak_rss_mib']:,} MiB (target < {TARGET_PEAK_RSS_MIB}; {p['setup_rss_mib']} MiB"
        " of it before generating: Django and the apps)\n"
        f"  meets targets         {'yes' if f['meets_targets'] else 'NO'}"
    )
    return text


if __name__ == "__main__":
    from benchmarks import run

    run(Command, "benchmarks.generation")
