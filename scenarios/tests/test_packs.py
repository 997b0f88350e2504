"""Scenario packs: round trips byte for byte; an invalid pack is refused whole with a precise error."""

import copy
import json

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from scenarios import packs, services
from scenarios.generation import KINDS, generate
from scenarios.models import AnswerKey, Scenario
from scenarios.selectors import scenarios_for_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored():
    archetype_id = "db_pool_exhaustion_after_deploy"  # a failure of ours: every kind fits it
    return [
        services.scenario_generate(
            kind=kind,
            archetype=archetype_id,
            seed=21,
            difficulty="medium",
            log_lines=300 if kind == "log_investigation" else None,
        )
        for kind in KINDS
    ]


def _wipe():
    Scenario.objects.all().delete()


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_export_import_export_gives_an_identical_file(stored, tmp_path, suffix):
    first, second = tmp_path / f"first{suffix}", tmp_path / f"second{suffix}"
    call_command("export_pack", "--out", str(first), "--name", "panel pack")
    _wipe()

    call_command("import_pack", str(first))
    call_command("export_pack", "--out", str(second), "--name", "panel pack")

    assert Scenario.objects.count() == len(KINDS)
    assert first.read_bytes() == second.read_bytes()
    restored = Scenario.objects.get(reference=stored[0].reference)
    assert restored.answer_key.content == stored[0].answer_key.content
    assert restored.content_hash == stored[0].content_hash


def test_importing_the_same_pack_twice_changes_nothing(stored, tmp_path):
    path = tmp_path / "pack.json"
    call_command("export_pack", "--out", str(path))

    result = services.pack_import(path=path)

    assert result.unchanged == sorted(s.reference for s in stored)
    assert result.created == [] and result.replaced == []


def _pack(tmp_path, document, name="bad.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def _valid_document(stored):
    return packs.pack_document(list(scenarios_for_export()))


def _assert_refused(path, *expected):
    before = sorted(Scenario.objects.values_list("reference", "content_hash"))
    answer_keys = AnswerKey.objects.count()
    with pytest.raises(packs.PackError) as caught:
        services.pack_import(path=path)
    message = str(caught.value)
    for fragment in expected:
        assert fragment in message
    assert sorted(Scenario.objects.values_list("reference", "content_hash")) == before
    assert AnswerKey.objects.count() == answer_keys
    return caught.value


def test_a_wrong_type_is_refused_naming_the_file_and_path(stored, tmp_path):
    document = _valid_document(stored)
    _wipe()
    document["scenarios"][1]["payload"]["title"] = 42
    document["scenarios"][1].pop("content_hash")
    _assert_refused(
        _pack(tmp_path, document), "bad.json: $.scenarios[1].payload.title: 42 is not of type 'string'"
    )


def test_a_missing_field_is_refused(stored, tmp_path):
    document = _valid_document(stored)
    _wipe()
    del document["scenarios"][0]["answer_key"]
    _assert_refused(
        _pack(tmp_path, document), "bad.json: $.scenarios[0]: 'answer_key' is a required property"
    )


def test_an_unknown_kind_is_refused(stored, tmp_path):
    document = _valid_document(stored)
    _wipe()
    document["scenarios"][2]["kind"] = "interpretive_dance"
    _assert_refused(_pack(tmp_path, document), "$.scenarios[2].kind: 'interpretive_dance' is not one of")


def test_duplicate_ids_are_refused_and_a_good_scenario_in_the_same_pack_is_not_imported(stored, tmp_path):
    document = _valid_document(stored)
    _wipe()
    document["scenarios"][3]["id"] = document["scenarios"][0]["id"]
    error = _assert_refused(_pack(tmp_path, document), "$.scenarios[3].id: duplicate scenario id")
    assert "first used at $.scenarios[0]" in str(error)
    assert Scenario.objects.count() == 0


def test_a_fifty_megabyte_file_is_refused_before_parsing(tmp_path, settings):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.write(b'{"format": "scenario-pack", "scenarios": [], "padding": "')
        handle.write(b"x" * (50 * 1024 * 1024))
        handle.write(b'"}')
    error = _assert_refused(path, "huge.json: $: the file is 52,428,")
    assert f"over the {settings.SCENARIO_PACK_MAX_BYTES:,}-byte limit" in str(error)


def test_answer_keys_must_point_at_the_payload(stored, tmp_path):
    document = _valid_document(stored)
    _wipe()
    logs = next(i for i, s in enumerate(document["scenarios"]) if s["kind"] == "log_investigation")
    document["scenarios"][logs]["answer_key"]["key_evidence"][0]["line_id"] = "L999999"
    document["scenarios"][logs].pop("content_hash")
    _assert_refused(
        _pack(tmp_path, document),
        f"$.scenarios[{logs}].answer_key.key_evidence[0].line_id: L999999 is not a line of the payload",
    )


def test_an_edited_scenario_with_a_stale_hash_is_refused(stored, tmp_path):
    document = _valid_document(stored)
    _wipe()
    document["scenarios"][0]["title"] = "Edited"
    document["scenarios"][0]["payload"]["title"] = "Edited"
    _assert_refused(_pack(tmp_path, document), "$.scenarios[0].content_hash: does not match")


def test_not_json_and_not_yaml_are_refused(tmp_path):
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{"format": "scenario-pack", "scenarios": [')
    _assert_refused(broken_json, "broken.json: $: not valid JSON")
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("format: [unclosed\n")
    _assert_refused(broken_yaml, "broken.yaml: $: not valid YAML")


def test_an_existing_scenario_with_other_content_needs_replace(stored, tmp_path):
    document = _valid_document(stored)
    entry = document["scenarios"][0]
    entry.pop("content_hash")
    entry["payload"]["title"] = entry["title"] = "A panel's own edit"
    path = _pack(tmp_path, document, "edited.json")
    _assert_refused(path, "already exists with different content")

    result = services.pack_import(path=path, replace=True)

    assert result.replaced == [entry["id"]]
    assert Scenario.objects.get(reference=entry["id"]).payload["title"] == "A panel's own edit"


def test_a_hand_written_yaml_pack_imports(stored, tmp_path):
    document = _valid_document(stored)
    _wipe()
    comms = next(s for s in document["scenarios"] if s["kind"] == "customer_comms")
    comms.pop("generation")
    comms.pop("content_hash")
    comms["id"] = "acme-comms-1"
    path = tmp_path / "acme.yaml"
    path.write_text(yaml.safe_dump({"format": "scenario-pack", "format_version": 1, "scenarios": [comms]}))

    call_command("import_pack", str(path))

    scenario = Scenario.objects.get(reference="acme-comms-1")
    assert scenario.origin == "pack" and scenario.seed is None


def test_import_pack_command_reports_errors_as_a_command_error(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("[]")
    with pytest.raises(CommandError, match=r"empty.json: \$: a pack is an object, got list"):
        call_command("import_pack", str(path))


def test_export_with_no_match_writes_nothing(tmp_path):
    out = tmp_path / "none.json"
    with pytest.raises(CommandError, match="no scenario matches"):
        call_command("export_pack", "--out", str(out), "--kind", "incident")
    assert not out.exists()


@pytest.mark.parametrize("secret_kind", ["token", "private_key", "certificate"])
def test_a_pack_may_leak_a_token_a_private_key_or_a_certificate(secret_kind):
    import random

    from scenarios.generation import escalation

    generated = generate("escalation_writeup", "oauth_client_secret_expired", 5, "medium")
    payload, key = copy.deepcopy(generated.payload), copy.deepcopy(generated.answer_key)
    value = escalation._SECRET_FORMATS[secret_kind](random.Random(1))
    line = escalation._SECRET_LINES[secret_kind].format(host="x", tenant_id="t", secret=value, email="e")
    message = next(m for m in payload["thread"] if m["id"] == key["secret"]["message_id"])
    message["body"] = message["body"].replace(key["secret"]["value"], value)
    key["secret"] = {"kind": secret_kind, "value": value, "message_id": message["id"]}
    assert value in line
    document = {
        "format": packs.PACK_FORMAT,
        "format_version": packs.PACK_FORMAT_VERSION,
        "scenarios": [
            {"id": f"leak-{secret_kind}", "kind": "escalation_writeup", "difficulty": "medium",
             "title": payload["title"], "payload": payload, "answer_key": key}
        ],
    }  # fmt: skip
    packs.validate_pack(document, name="leak.json")
    key["secret"]["kind"] = "ssh_key"
    with pytest.raises(packs.PackError, match="ssh_key"):
        packs.validate_pack(document, name="leak.json")
