"""The scenario-pack JSON Schema: valid itself, accepts everything the generators emit, rejects bad packs."""

import copy
import json
from functools import cache
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from scenarios.catalog import archetype_ids, get_archetype
from scenarios.generation import DIFFICULTIES, KINDS, generate

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "scenario-pack.schema.json"
SEEDS = (1, 2, 3)
LOG_LINES = 500


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def archetypes_for(kind: str) -> list[str]:
    return [archetype for archetype in archetype_ids() if kind in get_archetype(archetype)["kinds"]]


def make(kind: str, archetype: str, seed: int, difficulty: str):
    log_lines = LOG_LINES if kind == "log_investigation" else None
    return generate(kind, archetype, seed, difficulty, log_lines=log_lines)


def pack_of(scenario) -> dict:
    return {
        "format": "scenario-pack",
        "format_version": 1,
        "name": "Generated pack",
        "scenarios": [
            {
                "id": f"{scenario.kind}.{scenario.archetype}.{scenario.seed}.{scenario.difficulty}",
                "kind": scenario.kind,
                "difficulty": scenario.difficulty,
                "title": scenario.title,
                "generation": {
                    "archetype": scenario.archetype,
                    "seed": scenario.seed,
                    "generator_version": scenario.generator_version,
                    "log_lines": scenario.log_lines,
                },
                "content_hash": scenario.content_hash,
                "payload": copy.deepcopy(scenario.payload),
                "answer_key": copy.deepcopy(scenario.answer_key),
            }
        ],
    }


def errors(instance) -> list:
    return sorted(validator().iter_errors(instance), key=lambda error: error.json_path)


def describe(found) -> str:
    return "\n".join(f"{error.json_path}: {error.message[:300]}" for error in found)


def test_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema()["$id"] == "https://relaywise.example/schemas/scenario-pack.schema.json"
    for kind in KINDS:
        assert f"payload_{kind}" in schema()["$defs"]
        assert f"answer_key_{kind}" in schema()["$defs"]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("kind", KINDS)
def test_generated_scenarios_validate(kind, difficulty):
    archetypes = archetypes_for(kind)
    assert archetypes, f"no archetype in the catalog supports {kind}"
    failures = []
    for archetype in archetypes:
        for seed in SEEDS:
            found = errors(pack_of(make(kind, archetype, seed, difficulty)))
            if found:
                failures.append(f"--- {kind} {archetype} seed={seed} {difficulty}\n{describe(found)}")
    assert not failures, "\n".join(failures)


def test_bare_payload_validates_through_a_registry():
    resource = Resource.from_contents(schema())
    registry = Registry().with_resource(schema()["$id"], resource)
    for kind in KINDS:
        scenario = make(kind, archetypes_for(kind)[0], 1, "medium")
        for part, instance in (("payload", scenario.payload), ("answer_key", scenario.answer_key)):
            bare = Draft202012Validator(
                {"$ref": f"{schema()['$id']}#/$defs/{part}_{kind}"}, registry=registry
            )
            found = list(bare.iter_errors(instance))
            assert not found, f"{kind} {part}:\n{describe(found)}"


def first_pack(kind: str) -> dict:
    pack = pack_of(make(kind, archetypes_for(kind)[0], 1, "easy"))
    assert not errors(pack), describe(errors(pack))
    return pack


def test_bad_severity_in_triage_answer_key_is_named():
    pack = first_pack("triage_queue")
    tickets = pack["scenarios"][0]["answer_key"]["tickets"]
    ticket_id = next(iter(tickets))
    tickets[ticket_id]["severity"] = "SEV9"
    paths = [error.json_path for error in errors(pack)]
    assert f"$.scenarios[0].answer_key.tickets['{ticket_id}'].severity" in paths, paths


def test_log_line_without_ts_is_named():
    pack = first_pack("log_investigation")
    del pack["scenarios"][0]["payload"]["logs"][0]["ts"]
    found = errors(pack)
    assert [(e.json_path, e.validator) for e in found] == [("$.scenarios[0].payload.logs[0]", "required")], (
        describe(found)
    )
    assert "'ts'" in found[0].message


def test_log_line_with_half_the_http_fields_is_rejected():
    pack = first_pack("log_investigation")
    logs = pack["scenarios"][0]["payload"]["logs"]
    line = next(line for line in logs if "status" in line)
    del line["latency_ms"]
    paths = [error.json_path for error in errors(pack)]
    assert f"$.scenarios[0].payload.logs[{logs.index(line)}]" in paths, paths


def test_unknown_kind_is_named():
    pack = first_pack("postmortem")
    pack["scenarios"][0]["kind"] = "pub_quiz"
    found = errors(pack)
    assert [error.json_path for error in found] == ["$.scenarios[0].kind"], describe(found)


def test_missing_payload_is_named():
    pack = first_pack("incident")
    del pack["scenarios"][0]["payload"]
    found = errors(pack)
    assert [(e.json_path, e.validator) for e in found] == [("$.scenarios[0]", "required")], describe(found)
    assert "'payload'" in found[0].message


def test_payload_of_another_kind_is_rejected():
    pack = first_pack("customer_comms")
    pack["scenarios"][0]["kind"] = "postmortem"
    paths = {error.json_path for error in errors(pack)}
    assert "$.scenarios[0].payload.kind" in paths, paths


def test_hand_written_scenario_needs_no_generation_block():
    pack = first_pack("escalation_writeup")
    del pack["scenarios"][0]["generation"]
    del pack["scenarios"][0]["content_hash"]
    assert not errors(pack), describe(errors(pack))


def test_log_lines_only_for_log_investigation():
    pack = first_pack("triage_queue")
    pack["scenarios"][0]["generation"]["log_lines"] = 500
    paths = [error.json_path for error in errors(pack)]
    assert paths == ["$.scenarios[0].generation.log_lines"], paths
