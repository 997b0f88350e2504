"""A big log scenario is stored and printed a slice at a time; what comes out is what one
canonical document of it would be."""

import hashlib
import io
import json

import orjson
import pytest
from django.core.management import call_command

from scenarios import packs, services
from scenarios.generation import generate
from scenarios.models import LogLine, Scenario

pytestmark = pytest.mark.django_db

INPUTS = {"kind": "log_investigation", "archetype": "kafka_consumer_lag", "seed": 8, "difficulty": "medium"}


def test_a_log_longer_than_the_payload_holds_is_kept_as_rows_and_given_back_whole(monkeypatch):
    monkeypatch.setattr(Scenario, "PAYLOAD_LOG_LINES", 999)
    generated = generate(**INPUTS, log_lines=1000)
    stored = services.scenario_generate(**INPUTS, log_lines=1000)

    assert "logs" not in stored.payload
    assert stored.view_payload["log_count"] == 1000 and "logs" not in stored.view_payload
    assert LogLine.objects.filter(scenario=stored).count() == 1000
    assert stored.content_hash == generated.content_hash
    full = Scenario.objects.get(pk=stored.pk).full_payload()
    assert full == generated.payload
    bundle = orjson.dumps(
        {"answer_key": stored.answer_key.content, "payload": full}, option=orjson.OPT_SORT_KEYS
    )
    assert hashlib.sha256(bundle).hexdigest() == stored.content_hash
    # The export carries the lines, and its hash checks out on import.
    document = packs.pack_document([stored])
    assert document["scenarios"][0]["payload"]["logs"] == generated.payload["logs"]
    packs.validate_pack(document, name="export.json")


def test_a_log_the_payload_holds_stays_in_it_and_in_rows():
    generated = generate(**INPUTS, log_lines=1000)
    stored = services.scenario_generate(**INPUTS, log_lines=1000, generated=generated)

    assert stored.payload == generated.payload
    assert stored.full_payload() is stored.payload
    rows = [row.as_line() for row in LogLine.objects.filter(scenario=stored).order_by("seq")]
    assert rows == generated.payload["logs"]


def test_generate_scenario_prints_the_canonical_bytes_piece_by_piece():
    args = ["--kind", "log_investigation", "--archetype", "memory_leak_oom_restarts", "--seed", "2"]
    args += ["--difficulty", "easy", "--log-lines", "5000"]
    generated = generate("log_investigation", "memory_leak_oom_restarts", 2, "easy", log_lines=5000)

    out = io.StringIO()
    call_command("generate_scenario", *args, stdout=out)
    assert out.getvalue().encode() == orjson.dumps(generated.payload, option=orjson.OPT_SORT_KEYS) + b"\n"

    out = io.StringIO()
    call_command("generate_scenario", *args, "--answer-key", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["content_hash"] == generated.content_hash
    assert printed["payload"] == generated.payload and printed["answer_key"] == generated.answer_key
