import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scenarios import packs
from scenarios.catalog import archetype_ids
from scenarios.generation import GENERATOR_VERSIONS


def test_list_archetypes_json_names_every_archetype_without_the_answer():
    out = io.StringIO()
    call_command("list_archetypes", "--json", stdout=out)
    listed = json.loads(out.getvalue())

    assert [entry["id"] for entry in listed] == archetype_ids()
    assert all({"id", "title", "component", "kinds"} <= set(entry) for entry in listed)


def test_generate_scenario_refuses_an_unknown_archetype_with_the_known_ones():
    with pytest.raises(CommandError, match="unknown archetype 'nope'; known archetypes: "):
        call_command(
            "generate_scenario",
            "--kind",
            "incident",
            "--archetype",
            "nope",
            "--seed",
            "1",
            "--difficulty",
            "easy",
        )


GENERATE = ["--kind", "customer_comms", "--archetype", "db_pool_exhaustion_after_deploy", "--seed", "3"]


@pytest.mark.django_db
def test_generate_scenario_save_stores_it_so_export_pack_finds_it(tmp_path):
    from scenarios.models import Scenario

    err = io.StringIO()
    call_command(
        "generate_scenario", *GENERATE, "--difficulty", "medium", "--save", stdout=io.StringIO(), stderr=err
    )
    reference = err.getvalue().strip().removeprefix("stored as ")
    stored = Scenario.objects.get(reference=reference)
    assert stored.generator_version == GENERATOR_VERSIONS["customer_comms"]
    # Saving twice stores nothing new.
    call_command(
        "generate_scenario",
        *GENERATE,
        "--difficulty",
        "medium",
        "--save",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Scenario.objects.count() == 1
    out = tmp_path / "pack.json"
    call_command("export_pack", "--out", str(out), "--id", reference, stdout=io.StringIO())
    exported = json.loads(out.read_text())["scenarios"]
    assert [e["id"] for e in exported] == [reference]
    assert exported[0]["content_hash"] == stored.content_hash


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_generate_scenario_pack_writes_a_valid_pack_with_the_generator_version(tmp_path, suffix):
    from scenarios.models import Scenario

    out = tmp_path / f"one.{suffix}"
    printed = io.StringIO()
    call_command(
        "generate_scenario", *GENERATE, "--difficulty", "hard", "--answer-key", "--pack", str(out),
        stdout=printed, stderr=io.StringIO(),
    )  # fmt: skip
    printed = json.loads(printed.getvalue())
    assert printed["generator_version"] == GENERATOR_VERSIONS["customer_comms"]
    document = packs.read_pack_file(out)
    [entry] = document["scenarios"]
    assert entry["generation"] == {
        "archetype": "db_pool_exhaustion_after_deploy", "seed": 3,
        "generator_version": GENERATOR_VERSIONS["customer_comms"], "log_lines": None,
    }  # fmt: skip
    assert entry["content_hash"] == printed["content_hash"]
    assert not Scenario.objects.exists()  # --pack alone stores nothing
    call_command("import_pack", str(out), stdout=io.StringIO())
    assert Scenario.objects.get(reference=entry["id"]).content_hash == entry["content_hash"]


@pytest.mark.django_db
def test_score_response_validate_only_checks_without_scoring(tmp_path):
    pack = tmp_path / "pack.json"
    call_command(
        "generate_scenario", *GENERATE, "--difficulty", "medium", "--pack", str(pack),
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps({"answer": {"update": "We are investigating; next update in 30 minutes."}, "events": []})
    )
    out = io.StringIO()
    call_command(
        "score_response", "--pack", str(pack), "--response", str(good), "--validate-only", stdout=out
    )
    checked = json.loads(out.getvalue())
    assert checked["valid"] is True and checked["kind"] == "customer_comms"
    assert "dimensions" not in checked
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"answer": {"update": 42}}))
    with pytest.raises(CommandError, match=r"answer\.update: 42 is not of type 'string'"):
        call_command("score_response", "--pack", str(pack), "--response", str(bad), "--validate-only")
