import json
import os
import resource
import statistics
import time

from django.core.management.base import BaseCommand

from scenarios.canonical import canonical_bundle
from scenarios.catalog import archetype_ids
from scenarios.generation import generate

TARGET_LINES_PER_SECOND = 150_000
TARGET_RATIO = 2.0


class Command(BaseCommand):
    help = (
        "Benchmark: log lines generated per second for a large log_investigation scenario, and the "
        "time to produce its canonical bundle against the standard library's json.dumps of the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--archetype", default=None)
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
        archetype = options["archetype"] or archetype_ids()[2]
        lines = options["lines"]
        generation, serialization, floor, cpu = [], [], [], []
        for seed in range(options["repeat"]):
            started, cpu_started = time.perf_counter(), time.process_time()
            generated = generate("log_investigation", archetype, seed, "hard", log_lines=lines)
            generated_at = time.perf_counter()
            cpu.append(time.process_time() - cpu_started)
            canonical_bundle(payload=generated.payload, answer_key=generated.answer_key)
            serialized_at = time.perf_counter()
            json.dumps({"answer_key": generated.answer_key, "payload": generated.payload})
            dumped_at = time.perf_counter()
            generation.append(generated_at - started)
            serialization.append(serialized_at - generated_at)
            floor.append(dumped_at - serialized_at)
        gen, ser, dumps = (statistics.median(x) for x in (generation, serialization, floor))
        figures = {
            "lines": lines,
            "repeats": options["repeat"],
            "generation_seconds": round(gen, 4),
            "lines_per_second": round(lines / gen),
            # CPU time: what the figure would be on an idle core, when other processes share it.
            "generation_cpu_seconds": round(statistics.median(cpu), 4),
            "cpu_lines_per_second": round(lines / statistics.median(cpu)),
            "canonical_serialization_seconds": round(ser, 4),
            "bundle_seconds": round(gen + ser, 4),
            "json_dumps_seconds": round(dumps, 4),
            "bundle_to_json_dumps_ratio": round((gen + ser) / dumps, 2),
            # The process's peak resident memory so far (Linux reports KiB): generation and both
            # serialisations of the largest scenario included.
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "target_lines_per_second": TARGET_LINES_PER_SECOND,
            "target_ratio": TARGET_RATIO,
        }
        figures["meets_targets"] = (
            figures["lines_per_second"] >= TARGET_LINES_PER_SECOND
            and figures["bundle_to_json_dumps_ratio"] <= TARGET_RATIO
        )
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(
            f"log_investigation, {lines:,} lines, median of {options['repeat']} (one core):\n"
            f"  generation            {gen:.3f} s  = {lines / gen:,.0f} lines/s (target >= {TARGET_LINES_PER_SECOND:,})\n"
            f"  generation CPU time   {statistics.median(cpu):.3f} s  = {lines / statistics.median(cpu):,.0f} lines/s\n"
            f"  canonical JSON        {ser:.3f} s\n"
            f"  bundle total          {gen + ser:.3f} s\n"
            f"  json.dumps floor      {dumps:.3f} s\n"
            f"  bundle / json.dumps   {(gen + ser) / dumps:.2f}x (target <= {TARGET_RATIO}x)\n"
            f"  peak memory (RSS)     {figures['peak_rss_mib']:,} MiB\n"
            f"  meets targets         {'yes' if figures['meets_targets'] else 'NO'}"
        )


if __name__ == "__main__":
    from benchmarks import run

    run(Command, "benchmarks.generation")
