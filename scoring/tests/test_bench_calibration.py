"""Smoke test of benchmarks.calibration: a tiny exercise is built, measured, reused and removed."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from benchmarks.calibration import Command
from scoring.models import Override, Review
from simulator.models import Organisation

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(Command(), "--attempts", "40", "--reviewers", "5", "--repeat", "1", *args, stdout=out)
    return out.getvalue()


def test_the_benchmark_builds_measures_reuses_and_removes_its_exercise():
    first = _run()

    assert "40 attempts, 120 reviews" in first
    assert Review.objects.count() == 120 and Override.objects.count() == 3  # one attempt in fifteen
    for line in (
        "calibration, in process",
        "item statistics, in process",
        "/calibration/",
        "/items/statistics/",
    ):
        row = next(text for text in first.splitlines() if line in text)
        median, worst, cpu, sql, queries = row.split()[-5:]
        assert 0 < float(median) <= float(worst) and int(queries) > 0
    assert re.search(r"target: calibration under 1 s: (met|MISSED)", first)
    assert "reusing the benchmark exercise" in _run()

    _run("--remove")
    assert not Organisation.objects.filter(slug="bench-calibration").exists()
    assert not Review.objects.exists()
