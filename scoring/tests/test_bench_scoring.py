"""Smoke tests of benchmarks.scoring: tiny numbers, figures that parse and are positive."""

import json
import os
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from benchmarks.scoring import Command
from scoring.models import ScoreSet
from simulator.models import Attempt, Organisation

TINY = ["--log-lines", "600", "--verbosity", "0"]


def _run(*args: str) -> tuple[dict, str]:
    """The figures (--json) and the table the command prints without --json, of two tiny runs."""
    out = StringIO()
    call_command(Command(), *args, *TINY, "--json", stdout=out)
    text = StringIO()
    call_command(Command(), *args, *TINY, stdout=text)
    return json.loads(out.getvalue()), text.getvalue()


def _assert_in_process_figures(figures: dict, text: str, runs: int) -> None:
    in_process = figures["in_process"]
    for key in (
        "with_db_reads",
        "score_only",
        "score_only_cpu",
        "db_reads_only",
        "attempt_score_with_writes",
    ):
        assert in_process[key]["runs"] == runs, key
        assert 0 < in_process[key]["median_ms"] <= in_process[key]["p95_ms"] <= in_process[key]["max_ms"], key
    assert in_process["score_only"]["median_ms"] < in_process["with_db_reads"]["median_ms"]
    assert in_process["cold_first_attempt"]["with_db_reads_ms"] > 0
    assert isinstance(figures["meets_targets"]["in_process"], bool)

    row = re.search(r"with database reads\s+([\d.]+) / ([\d.]+) ms\s+< 20 ms\s+(yes|NO)", text)
    assert row, text
    assert float(row.group(1)) > 0 and float(row.group(2)) >= float(row.group(1))
    for label in (
        "score only (inputs built)",
        "score only, CPU time of this process",
        "attempt_score() with writes",
        "cold first attempt (empty caches)",
    ):
        assert re.search(re.escape(label) + r"\s+[\d.]+", text), text


@pytest.mark.django_db
def test_in_process_figures_parse_are_positive_and_the_fixtures_go():
    figures, text = _run("--runs", "3", "--in-process-only")

    _assert_in_process_figures(figures, text, runs=3)
    assert figures["workers"] is None
    assert "skipped (--in-process-only)" in text
    assert not Organisation.objects.filter(slug__startswith="bench-scoring-").exists()
    assert not Attempt.objects.exists() and not ScoreSet.objects.exists()


@pytest.mark.django_db
def test_the_worker_part_refuses_without_postgresql_and_a_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_BROKER_URL = "memory://"
    with pytest.raises(CommandError, match="CELERY_BROKER_URL") as refused:
        call_command(Command(), "--runs", "1", stdout=StringIO())
    assert "--in-process-only" in str(refused.value)
    if connection.vendor != "postgresql":
        assert "PostgreSQL" in str(refused.value)
    assert not Organisation.objects.filter(slug__startswith="bench-scoring-").exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)  # the workers must see the committed attempts
def test_two_workers_rescore_the_attempts():
    if connection.vendor != "postgresql" or not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("needs a PostgreSQL DATABASE_URL and CELERY_BROKER_URL")
    out = StringIO()
    # Other workers (the suite's own, on this test database) may share the broker: allowed here.
    call_command(
        Command(),
        "--runs",
        "2",
        "--attempts",
        "20",
        "--allow-other-workers",
        "--json",
        *TINY,
        stdout=out,
    )
    figures = json.loads(out.getvalue())

    assert figures["in_process"]["with_db_reads"]["median_ms"] > 0
    workers = figures["workers"]
    assert workers["attempts"] == 20
    assert workers["first_score_s"] > 0 and workers["rescore_s"] > 0
    assert workers["rescore_attempts_per_s"] == pytest.approx(20 / workers["rescore_s"], rel=0.05)
    assert isinstance(figures["meets_targets"]["rescore"], bool)
    assert not Attempt.objects.exists() and not ScoreSet.objects.exists()
