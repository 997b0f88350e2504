"""Smoke tests of the HTTP benchmarks: on PostgreSQL they run for real (gunicorn on the test
database, tiny numbers) and print their figures; on SQLite they refuse with a clear error."""

import json
from io import StringIO

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)  # gunicorn must see the committed fixtures

TINY_SERVER = ["--workers", "2", "--threads", "2"]


def _run(name: str, *args: str) -> tuple[dict, str]:
    """The figures of one run (--json), and the same figures as the command prints them without --json."""
    out = StringIO()
    call_command(name, *args, *TINY_SERVER, "--json", stdout=out)
    figures = json.loads(out.getvalue())
    text = StringIO()
    load_command_class("simulator", name).__class__(stdout=text)._print(figures, False)
    return figures, text.getvalue()


def _assert_refuses(name: str) -> None:
    with pytest.raises(CommandError, match="PostgreSQL") as refused:
        call_command(name, stdout=StringIO())
    assert "DATABASE_URL" in str(refused.value)


def test_bench_autosave_prints_its_figures_or_refuses_without_postgresql():
    if connection.vendor != "postgresql":
        _assert_refuses("bench_autosave")
        return
    figures, text = _run("bench_autosave", "--clients", "2", "--seconds", "1", "--warmup", "0")

    for phase in ("autosave", "ceiling"):
        assert figures[phase]["requests"] > 0, figures
        assert figures[phase]["errors"] == 0, figures
        assert figures[phase]["throughput_rps"] > 0
        assert 0 < figures[phase]["p50_ms"] <= figures[phase]["p95_ms"] <= figures[phase]["p99_ms"]
    assert figures["throughput_ratio"] > 0
    assert isinstance(figures["meets_targets"], bool)
    for label in ("autosave PUT", "ceiling GET /healthz/", "autosave / ceiling throughput", "p99"):
        assert label in text, text


def test_bench_log_search_prints_its_figures_or_refuses_without_postgresql():
    if connection.vendor != "postgresql":
        _assert_refuses("bench_log_search")
        return
    figures, text = _run("bench_log_search", "--lines", "2000", "--requests", "16", "--warmup-rounds", "1")

    assert figures["overall"]["requests"] == 16
    assert figures["overall"]["errors"] == 0, figures
    assert len(figures["per_type"]) == 8
    for name, per_type in figures["per_type"].items():
        assert per_type["requests"] == 2, name
        assert per_type["p50_ms"] > 0, name
    assert figures["per_type"]["trace_id"]["lines_returned"] == [1]
    assert isinstance(figures["meets_target"], bool)
    assert "overall p95" in text and "q=rare word" in text, text
