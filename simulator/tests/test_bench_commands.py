"""Smoke tests of the HTTP benchmarks: on PostgreSQL they run for real (gunicorn on the test
database, tiny numbers) and print their figures; on SQLite they refuse with a clear error."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from benchmarks import autosave, log_search

pytestmark = pytest.mark.django_db(transaction=True)  # gunicorn must see the committed fixtures

TINY_SERVER = ["--workers", "2", "--threads", "2"]


def _run(module, *args: str) -> tuple[dict, str]:
    """The figures of one run (--json), and the same figures as the command prints them without --json."""
    out = StringIO()
    call_command(module.Command(), *args, *TINY_SERVER, "--json", stdout=out)
    figures = json.loads(out.getvalue())
    text = StringIO()
    module.Command(stdout=text)._print(figures, False)
    return figures, text.getvalue()


def _assert_refuses(module) -> None:
    with pytest.raises(CommandError, match="PostgreSQL") as refused:
        call_command(module.Command(), stdout=StringIO())
    assert "DATABASE_URL" in str(refused.value)


def test_bench_autosave_prints_its_figures_or_refuses_without_postgresql():
    if connection.vendor != "postgresql":
        _assert_refuses(autosave)
        return
    figures, text = _run(autosave, "--clients", "2", "--seconds", "1", "--warmup", "0")

    for phase in ("autosave", "ceiling"):
        assert figures[phase]["requests"] > 0, figures
        assert figures[phase]["errors"] == 0, figures
        assert figures[phase]["throughput_rps"] > 0
        assert 0 < figures[phase]["p50_ms"] <= figures[phase]["p95_ms"] <= figures[phase]["p99_ms"]
    assert figures["throughput_ratio"] > 0
    assert isinstance(figures["meets_targets"], bool)
    # The test database's owner may checkpoint and list pg_wal, so the WAL figures are complete.
    wal = figures["wal"]
    assert wal["checkpoint_before"] is True, wal
    assert wal["written_mb"] > 0 and wal["segments_used"] >= 0, wal
    assert wal["segments_created"] == max(0, wal["segments_used"] - wal["segments_ready_before"]), wal
    labels = (
        "autosave PUT",
        "ceiling GET /healthz/",
        "autosave / ceiling throughput",
        "p99",
        "PostgreSQL WAL",
    )
    for label in labels:
        assert label in text, text


def test_bench_log_search_prints_its_figures_or_refuses_without_postgresql():
    if connection.vendor != "postgresql":
        _assert_refuses(log_search)
        return
    figures, text = _run(log_search, "--lines", "2000", "--requests", "16", "--warmup-rounds", "1")

    assert figures["overall"]["requests"] == 16
    assert figures["overall"]["errors"] == 0, figures
    assert len(figures["per_type"]) == 8
    for name, per_type in figures["per_type"].items():
        assert per_type["requests"] == 2, name
        assert per_type["p50_ms"] > 0, name
    # A request is followed across the services it touched: its trace id finds each of their lines.
    assert all(n >= 1 for n in figures["per_type"]["trace_id"]["lines_returned"]), figures["per_type"]
    assert isinstance(figures["meets_target"], bool)
    assert "overall p95" in text and "q=rare word" in text, text


def test_the_autosave_benchmark_says_when_postgresql_created_wal_segments_during_the_run():
    segment = 16 * 2**20
    before = autosave.WalState(lsn_bytes=10 * segment, segment_bytes=segment, segments_ready=3)
    after = autosave.WalState(lsn_bytes=15 * segment + 100, segment_bytes=segment, segments_ready=0)

    wal = autosave.wal_figures(before, after, checkpointed=True)
    assert (wal["segments_used"], wal["segments_created"]) == (5, 2)
    assert wal["written_mb"] == 80.0
    assert "2 had to be created" in autosave.Command._wal_line(wal)

    enough = autosave.wal_figures(autosave.WalState(10 * segment, segment, 5), after, checkpointed=True)
    assert enough["segments_created"] == 0
    assert "all reused (5 were ready)" in autosave.Command._wal_line(enough)

    unknown = autosave.wal_figures(autosave.WalState(10 * segment, segment, None), after, checkpointed=False)
    assert unknown["segments_created"] is None
    line = autosave.Command._wal_line(unknown)
    assert "no CHECKPOINT" in line and "unknown" in line
