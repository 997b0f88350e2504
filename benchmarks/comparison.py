"""Benchmark: the comparison page and the CSV export of an exercise with many scored attempts."""

import random
import secrets
import statistics
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scoring import scorecards
from scoring.dimensions import DIMENSION_KEYS
from scoring.models import Scorecard
from scoring.staff_selectors import comparison_dimensions
from simulator import services
from simulator.models import Attempt, AttemptStatus, Invitation, Organisation, Participant

PAGE_TARGET_MS = 300
CSV_TARGET_S = 5.0


class Command(BaseCommand):
    help = (
        "Create an exercise with N scored attempts (default 5,000) in a throwaway organisation, then time the "
        "comparison page (a page of 50, sorted and filtered several ways) and the streamed CSV of every row, "
        "with the number of queries each takes. Targets: under 300 ms a page, the CSV under 5 s (on PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--attempts", type=int, default=5000)
        parser.add_argument("--repeat", type=int, default=15, help="timed requests per page variant")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark organisation afterwards")

    def handle(self, *args, **options):
        vendor = connection.vendor
        if vendor != "postgresql":
            self.stdout.write(f"note: running on {vendor}; the targets are for PostgreSQL (set DATABASE_URL)")
        started = time.perf_counter()
        organisation, exercise, lead = self._populate(options["attempts"])
        self._analyze()
        self.stdout.write(
            f"{options['attempts']:,} scored attempts created in {time.perf_counter() - started:.1f} s ({vendor})"
        )
        try:
            self._measure(exercise, lead, options["repeat"], options["attempts"])
        finally:
            if not options["keep"]:
                self._remove(organisation, lead)

    @transaction.atomic
    def _populate(self, count: int):
        slug = "bench-" + secrets.token_hex(4)
        organisation = services.organisation_create(name=f"Benchmark {slug}", slug=slug)
        lead = get_user_model().objects.create_user(
            username=slug + "-lead", password=secrets.token_urlsafe(16)
        )
        services.member_add(organisation=organisation, user=lead, role="lead")
        exercise = services.exercise_create(
            organisation=organisation, slug="comparison", title="Comparison benchmark", purpose="hiring",
            time_limit_minutes=60, base_seed=1,
            items=[{"kind": kind, "archetypes": [], "difficulty": "medium"}
                   for kind in ("triage_queue", "log_investigation", "customer_comms", "incident", "postmortem")],
        )  # fmt: skip
        dimensions = comparison_dimensions(exercise)
        rng = random.Random(5000)
        now = timezone.now()
        participants = Participant.objects.bulk_create(
            Participant(
                organisation=organisation,
                name=f"Candidate {n:05d}",
                email=f"c{n}@bench.example",
                kind="candidate",
            )
            for n in range(count)
        )
        invitations = Invitation.objects.bulk_create(
            Invitation(
                organisation=organisation,
                exercise=exercise,
                participant=p,
                token_hash=secrets.token_hex(32),
                expires_at=now + timedelta(days=7),
                created_by=lead,
            )  # fmt: skip
            for p in participants
        )
        attempts = Attempt.objects.bulk_create(
            Attempt(
                organisation=organisation,
                invitation=i,
                exercise=exercise,
                participant=i.participant,
                status=AttemptStatus.FINALIZED if n % 5 == 0 else AttemptStatus.SCORED,
                time_limit_seconds=3600,
                started_at=now - timedelta(hours=2, minutes=n % 60),
                submitted_at=now - timedelta(hours=1, minutes=n % 60),
            )  # fmt: skip
            for n, i in enumerate(invitations)
        )
        rule = scorecards.DEFAULT_RULES["hiring"]
        cards = []
        for n, attempt in enumerate(attempts):
            auto = {d: round(rng.uniform(1, 5), 2) for d in dimensions}
            finals = {d: {"score": v, "source": "auto"} for d, v in auto.items()}
            if n % 7 == 0:
                finals[dimensions[0]] = {"score": float(rng.randint(1, 5)), "source": "override"}
            if n % 3 == 0:
                finals[dimensions[-1]] = {"score": float(rng.randint(1, 5)), "source": "reviews"}
            cards.append(
                Scorecard(
                    attempt=attempt,
                    organisation=organisation,
                    exercise=exercise,
                    auto_scores=auto,
                    final_scores=finals,
                    mean_score=scorecards.mean_of(finals),
                    levels=scorecards.levels_text(finals, DIMENSION_KEYS),
                    recommendation=scorecards.recommend(finals, rule)[0],
                    reviews_submitted=n % 3 == 0,
                    reviews_required=1,
                    needs_review=n % 3 != 0,
                    needs_adjudication=n % 11 == 0,
                    low_confidence=n % 13 == 0,
                    updated_at=now,
                )  # fmt: skip
            )
        Scorecard.objects.bulk_create(cards, batch_size=1000)
        return organisation, exercise, lead

    def _analyze(self):
        """Refresh the planner's statistics, as autovacuum would have after such a bulk load."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in (
                    "simulator_participant",
                    "simulator_invitation",
                    "simulator_attempt",
                    "scoring_scorecard",
                ):
                    cursor.execute(f"ANALYZE {table}")

    def _measure(self, exercise, lead, repeat: int, count: int):
        client = Client()
        client.force_login(lead)
        base = f"/staff/exercises/{exercise.pk}/compare/"
        dimension = comparison_dimensions(exercise)[1]
        variants = {
            "first page, by mean": "",
            "page 50, by mean": "?page=50",
            f"by {dimension}, descending": f"?sort=-{dimension}",
            "needs review only": "?needs_review=yes",
            "hire only, page 3": "?recommendation=hire&page=3",
        }
        self.stdout.write(f"\nComparison page ({base}), {repeat} requests each after one warm-up")
        self.stdout.write(f"  {'variant':<32}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'queries':>9}")
        worst = 0.0
        for name, query in variants.items():
            response = client.get(base + query)
            assert response.status_code == 200, (name, response.status_code)
            timings = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    t0 = time.perf_counter()
                    response = client.get(base + query)
                    timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
            worst = max(worst, p95)
            self.stdout.write(
                f"  {name:<32}{statistics.median(timings):>9.1f}{p95:>9.1f}{timings[-1]:>9.1f}{len(queries):>9}"
            )
        self.stdout.write("\nCSV of every scorecard (streamed; time to the last byte)")
        csv_worst = 0.0
        for name, url in {
            "comparison page ?format=csv": base + "?format=csv",
            "API /exercises/{id}/scorecards/?format=csv": f"/api/v1/exercises/{exercise.pk}/scorecards/?format=csv",
        }.items():
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(url)
                body = b"".join(response.streaming_content)
                seconds = time.perf_counter() - t0
            rows = body.count(b"\n") - 1
            csv_worst = max(csv_worst, seconds)
            self.stdout.write(
                f"  {name:<44} {seconds:6.2f} s  {rows:,} rows  {len(body) / 1e6:.1f} MB  {len(queries)} queries"
            )
            assert rows == count, f"{name}: {rows} rows for {count} attempts"
        self.stdout.write("")
        self.stdout.write(
            f"target: page p95 under {PAGE_TARGET_MS} ms: {'met' if worst < PAGE_TARGET_MS else 'MISSED'} "
            f"(worst p95 {worst:.1f} ms)"
        )
        self.stdout.write(
            f"target: CSV under {CSV_TARGET_S:g} s: {'met' if csv_worst < CSV_TARGET_S else 'MISSED'} "
            f"(slowest {csv_worst:.2f} s)"
        )

    @transaction.atomic
    def _remove(self, organisation: Organisation, lead):
        Scorecard.objects.filter(organisation=organisation).delete()
        Attempt.objects.filter(organisation=organisation).delete()
        Invitation.objects.filter(organisation=organisation).delete()
        from simulator.models import AuditEntry

        AuditEntry.objects.filter(organisation=organisation).delete()
        organisation.exercises.all().delete()
        organisation.delete()
        lead.delete()


if __name__ == "__main__":
    from benchmarks import run

    run(Command, "benchmarks.comparison")
