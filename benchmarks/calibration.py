"""Benchmark: calibration and item statistics of an exercise with 5,000 attempts and 15,000 reviews."""

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
from scoring.calibration import exercise_calibration
from scoring.dimensions import DIMENSION_KEYS, KIND_DIMENSIONS
from scoring.item_statistics import exercise_item_statistics
from scoring.models import DimensionScore, ItemScore, Override, Review, Scorecard, ScoreSet
from scoring.services import rubric_current
from scoring.staff_selectors import comparison_dimensions
from simulator import services
from simulator.models import (
    Attempt,
    AttemptItem,
    AuditEntry,
    Invitation,
    Organisation,
    Participant,
)

SLUG = "bench-calibration"
TARGET_S = 1.0
KINDS = [
    ("triage_queue", "webhook_tls_cert_expired"),
    ("log_investigation", "db_pool_exhaustion_after_deploy"),
    ("customer_comms", "saml_clock_skew"),
]
CHECKS_PER_DIMENSION = 6
REASONS = [
    "scorer_missed_evidence",
    "scorer_credited_keywords",
    "rubric_does_not_fit",
    "reviewer_disagreement",
]


class Command(BaseCommand):
    help = (
        "Build (or reuse) an exercise with N scored attempts (default 5,000), three reviews each from a pool of "
        "reviewers and an override on about one attempt in fifteen, then time the calibration figures and the "
        "item statistics (in process and through the API) with their query counts. Target: under 1 s each, "
        "on PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--attempts", type=int, default=5000)
        parser.add_argument("--reviews-per-attempt", type=int, default=3)
        parser.add_argument("--reviewers", type=int, default=12)
        parser.add_argument("--repeat", type=int, default=5, help="timed runs of each measurement")
        parser.add_argument(
            "--rebuild", action="store_true", help="remove the benchmark organisation and build it again"
        )
        parser.add_argument(
            "--remove", action="store_true", help="remove the benchmark organisation and stop"
        )

    def handle(self, *args, **options):
        vendor = connection.vendor
        if vendor != "postgresql":
            self.stdout.write(f"note: running on {vendor}; the target is for PostgreSQL (set DATABASE_URL)")
        organisation = Organisation.objects.filter(slug=SLUG).first()
        if organisation is not None and (options["rebuild"] or options["remove"]):
            self._remove(organisation)
            organisation = None
        if options["remove"]:
            self.stdout.write("benchmark organisation removed")
            return
        exercise = organisation.exercises.first() if organisation else None
        if exercise is None or exercise.attempts.count() != options["attempts"]:
            if organisation is not None:
                self._remove(organisation)
            started = time.perf_counter()
            organisation, exercise = self._populate(
                options["attempts"], options["reviews_per_attempt"], options["reviewers"]
            )
            self._analyze()
            self.stdout.write(f"built in {time.perf_counter() - started:.1f} s ({vendor})")
        else:
            self.stdout.write(f"reusing the benchmark exercise ({vendor}); --rebuild to make it again")
        self.stdout.write(
            f"{exercise.attempts.count():,} attempts, {Review.objects.filter(attempt__exercise=exercise).count():,} "
            f"reviews, {Override.objects.filter(attempt__exercise=exercise).count():,} overrides, "
            f"{DimensionScore.objects.filter(item_score__score_set__attempt__exercise=exercise).count():,} "
            "auto-scored dimensions"
        )
        self._measure(exercise, organisation, options["repeat"])

    def _measure(self, exercise, organisation, repeat: int):
        lead = get_user_model().objects.get(username=f"{SLUG}-lead")
        client = Client()
        client.force_login(lead)
        runs = {
            "calibration, in process": lambda: exercise_calibration(exercise=exercise),
            "item statistics, in process": lambda: exercise_item_statistics(exercise=exercise),
            f"GET /api/v1/exercises/{exercise.pk}/calibration/": lambda: _ok(
                client.get(f"/api/v1/exercises/{exercise.pk}/calibration/")
            ),
            f"GET /api/v1/items/statistics/?exercise={exercise.pk}": lambda: _ok(
                client.get(f"/api/v1/items/statistics/?exercise={exercise.pk}")
            ),
            f"GET /staff/exercises/{exercise.pk}/calibration/ (both)": lambda: _ok(
                client.get(f"/staff/exercises/{exercise.pk}/calibration/")
            ),
        }
        self.stdout.write(f"\n{repeat} timed runs each after one warm-up; load average {_load()}")
        self.stdout.write(
            f"  {'measurement':<58}{'median s':>10}{'max s':>8}{'cpu s':>8}{'sql s':>8}{'queries':>9}"
        )
        figures = {}
        for name, run in runs.items():
            run()
            timings, cpu, sql = [], [], []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    t0, c0 = time.perf_counter(), time.process_time()
                    run()
                    timings.append(time.perf_counter() - t0)
                    cpu.append(time.process_time() - c0)
                sql.append(sum(float(q["time"]) for q in queries.captured_queries))
            figures[name] = statistics.median(timings)
            self.stdout.write(
                f"  {name:<58}{figures[name]:>10.3f}{max(timings):>8.3f}{statistics.median(cpu):>8.3f}"
                f"{statistics.median(sql):>8.3f}{len(queries):>9}"
            )
        self.stdout.write(
            "  (cpu s: this process's CPU time; sql s: time waiting for PostgreSQL; on a busy machine the\n"
            "   median also holds the time spent waiting for a core)\n"
        )
        for label, key in (
            ("calibration", f"GET /api/v1/exercises/{exercise.pk}/calibration/"),
            ("item statistics", f"GET /api/v1/items/statistics/?exercise={exercise.pk}"),
        ):
            met = figures[key] < TARGET_S
            self.stdout.write(
                f"target: {label} under {TARGET_S:g} s: {'met' if met else 'MISSED'} (median {figures[key]:.3f} s)"
            )

    @transaction.atomic
    def _populate(self, count: int, per_attempt: int, reviewer_count: int):
        rng = random.Random(5000)
        organisation = services.organisation_create(name="Calibration benchmark", slug=SLUG)
        User = get_user_model()
        lead = User.objects.create_user(username=f"{SLUG}-lead", password=secrets.token_urlsafe(16))
        services.member_add(organisation=organisation, user=lead, role="lead")
        reviewers = []
        for n in range(reviewer_count):
            user = User.objects.create_user(
                username=f"{SLUG}-r{n:02d}", first_name="Reviewer", last_name=f"{n:02d}",
                password=secrets.token_urlsafe(16),
            )  # fmt: skip
            services.member_add(organisation=organisation, user=user, role="reviewer")
            reviewers.append(user)
        bias = {user.pk: rng.choice([-0.8, -0.4, 0.0, 0.0, 0.3, 0.7]) for user in reviewers}
        panel = services.panel_create(organisation=organisation, name="Benchmark panel", reviewers=reviewers)
        exercise = services.exercise_create(
            organisation=organisation, slug="calibration", title="Calibration benchmark", purpose="hiring",
            time_limit_minutes=60, base_seed=1, panel=panel, reviews_required=per_attempt,
            items=[{"kind": kind, "archetypes": [archetype], "difficulty": "medium"} for kind, archetype in KINDS],
        )  # fmt: skip
        from scenarios.services import scenario_generate

        scenarios = [
            scenario_generate(
                kind=kind,
                archetype=archetype,
                seed=11,
                difficulty="medium",
                log_lines=300 if kind == "log_investigation" else None,
            )  # fmt: skip
            for kind, archetype in KINDS
        ]
        rubric = rubric_current()
        now = timezone.now()
        participants = Participant.objects.bulk_create(
            Participant(organisation=organisation, name=f"Candidate {n:05d}", email=f"c{n}@bench.example", kind="candidate")
            for n in range(count)
        )  # fmt: skip
        invitations = Invitation.objects.bulk_create(
            Invitation(
                organisation=organisation,
                exercise=exercise,
                participant=p,
                panel=panel,
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
                status="scored",
                time_limit_seconds=3600,
                started_at=now - timedelta(days=n % 90, hours=2),
                submitted_at=now - timedelta(days=n % 90, hours=1),
            )  # fmt: skip
            for n, i in enumerate(invitations)
        )
        items = AttemptItem.objects.bulk_create(
            AttemptItem(attempt=a, position=p, scenario=scenarios[p], kind=KINDS[p][0])
            for a in attempts
            for p in range(len(KINDS))
        )
        version = ",".join(f"{kind}@1" for kind, _ in KINDS)
        score_sets = ScoreSet.objects.bulk_create(
            ScoreSet(
                attempt=a, rubric=rubric, scorer_version=version if n % 4 else version.replace("@1", "@2", 1)
            )
            for n, a in enumerate(attempts)
        )
        item_scores = ItemScore.objects.bulk_create(
            (
                ItemScore(
                    score_set=score_sets[n // len(KINDS)], attempt_item=item, kind=item.kind, scorer_version=1
                )
                for n, item in enumerate(items)
            ),
            batch_size=2000,
        )
        ability = [rng.gauss(0, 1) for _ in attempts]
        dimension_scores = []
        auto: list[dict[str, list[int]]] = [dict() for _ in attempts]
        checks_of: dict[tuple[int, str], list[dict]] = {}
        for n, item_score in enumerate(item_scores):
            a = n // len(KINDS)
            for dimension in KIND_DIMENSIONS[item_score.kind]:
                checks = []
                for k in range(CHECKS_PER_DIMENSION):
                    # Most checks follow ability; check 4 is a coin toss (it does not discriminate) and
                    # check 5 nearly everyone fails.
                    if k == 4:
                        passed = rng.random() < 0.5
                    elif k == 5:
                        passed = rng.random() < 0.04
                    else:
                        passed = rng.gauss(ability[a], 1) > (k - 1.5) * 0.5
                    checks.append(
                        {
                            "id": f"{item_score.kind}_{dimension}_{k}", "dimension": dimension, "passed": passed,
                            "weight": 1.0, "explanation": "The answer names the evidence this check looks for.",
                            "quote": "request id 7f3a... returned 503 at 09:41", "gate": False, "assessed": True, "doubt": "",
                        }
                    )  # fmt: skip
                score = scorecards_level(1 + 4 * sum(c["passed"] for c in checks) / len(checks))
                dimension_scores.append(
                    DimensionScore(
                        item_score=item_score,
                        dimension=dimension,
                        score=score,
                        checks=checks,
                        check_outcomes={c["id"]: c["passed"] for c in checks},
                        confidence=0.9,
                    )  # fmt: skip
                )
                auto[a].setdefault(dimension, []).append(score)
                checks_of[(a, dimension)] = checks
        DimensionScore.objects.bulk_create(dimension_scores, batch_size=2000)

        reviews, overrides, cards = [], [], []
        for a, attempt in enumerate(attempts):
            auto_scores = {d: round(sum(v) / len(v), 2) for d, v in auto[a].items()}
            truth = {d: max(1.0, min(5.0, 3 + ability[a] + rng.gauss(0, 0.4))) for d in auto_scores}
            given = []
            for reviewer in rng.sample(reviewers, per_attempt):
                scores = {
                    d: max(1, min(5, round(truth[d] + bias[reviewer.pk] + rng.gauss(0, 0.5))))
                    for d in auto_scores
                }
                given.append(scores)
                reviews.append(
                    Review(attempt=attempt, reviewer=reviewer, scores=scores, notes="", submitted_at=attempt.submitted_at,
                           updated_at=attempt.submitted_at)
                )  # fmt: skip
            events = []
            if a % 15 == 0:
                dimension = rng.choice(sorted(auto_scores))
                score = max(1, min(5, round(truth[dimension])))
                events.append(
                    scorecards.OverrideEvent(
                        id=a, dimension=dimension, action="override", score=score, reverts=None
                    )
                )
                overrides.append(
                    Override(
                        attempt=attempt,
                        dimension=dimension,
                        action="override",
                        score=score,
                        previous_score=auto_scores[dimension],
                        auto_score=auto_scores[dimension],
                        reason_code=rng.choice(REASONS),
                        justification="Benchmark override.",
                        author=lead,
                        created_at=attempt.submitted_at + timedelta(hours=3),
                    )  # fmt: skip
                )
            finals = scorecards.final_scores(auto=auto_scores, reviews=given, overrides=events)
            cards.append(
                Scorecard(
                    attempt=attempt,
                    organisation=organisation,
                    exercise=exercise,
                    auto_scores=auto_scores,
                    final_scores=finals,
                    mean_score=scorecards.mean_of(finals),
                    levels=scorecards.levels_text(finals, DIMENSION_KEYS),
                    reviews_submitted=per_attempt,
                    reviews_required=per_attempt,
                    updated_at=now,
                )  # fmt: skip
            )
        Review.objects.bulk_create(reviews, batch_size=2000)
        Override.objects.bulk_create(overrides, batch_size=2000)
        Scorecard.objects.bulk_create(cards, batch_size=2000)
        assert comparison_dimensions(exercise)
        return organisation, exercise

    def _analyze(self):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in (
                    "simulator_attempt", "simulator_attemptitem", "scoring_scoreset", "scoring_itemscore",
                    "scoring_dimensionscore", "scoring_review", "scoring_override", "scoring_scorecard",
                ):  # fmt: skip
                    cursor.execute(f"ANALYZE {table}")

    @transaction.atomic
    def _remove(self, organisation: Organisation):
        attempts = Attempt.objects.filter(organisation=organisation)
        Override.objects.filter(attempt__in=attempts).delete()
        Review.objects.filter(attempt__in=attempts).delete()
        Scorecard.objects.filter(organisation=organisation).delete()
        attempts.delete()
        Invitation.objects.filter(organisation=organisation).delete()
        AuditEntry.objects.filter(organisation=organisation).delete()
        organisation.exercises.all().delete()
        organisation.delete()
        get_user_model().objects.filter(username__startswith=f"{SLUG}-").delete()


def _load() -> str:
    try:
        import os

        return " ".join(f"{value:.1f}" for value in os.getloadavg()) + f" on {os.cpu_count()} cores"
    except OSError:
        return "unknown"


def scorecards_level(value: float) -> int:
    return max(1, min(5, int(value + 0.5)))


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


if __name__ == "__main__":
    from benchmarks import run

    run(Command, "benchmarks.calibration")
