"""Every place that lists scenario kinds agrees with the registry (scenarios/kinds.py).

Python tables derive from the registry; files that cannot import it (JSON Schemas, the catalog,
the workspace script, templates) and tables owned by other parts are compared with it here, so a
kind added to one place and forgotten in another fails this test, naming both.
"""

import importlib
import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.template.loader import get_template

from scenarios.kinds import KIND_LIST, KIND_NAMES, KINDS_BY_NAME, UnknownKind, get_kind

ROOT = Path(settings.BASE_DIR)
NAMES = set(KIND_NAMES)


def _json(path: str) -> dict:
    return json.loads((ROOT / path).read_text(encoding="utf-8"))


def test_the_registry_names_each_kind_once_with_its_parts():
    assert len(KIND_LIST) == len(NAMES) == len(KINDS_BY_NAME)
    for kind in KIND_LIST:
        assert re.fullmatch(r"[a-z][a-z_]*", kind.name), kind.name
        assert kind.label and kind.workspace_label and kind.max_answer_bytes > 0
    with pytest.raises(UnknownKind, match="unknown kind 'haiku'"):
        get_kind("haiku")


def test_model_choices_are_the_registry():
    from scenarios.models import Scenario, ScenarioKind
    from simulator.models import AttemptItem

    assert ScenarioKind.choices == [(kind.name, kind.label) for kind in KIND_LIST]
    assert ScenarioKind.INCIDENT == "incident"
    for model in (Scenario, AttemptItem):
        assert [value for value, _ in model._meta.get_field("kind").choices] == list(KIND_NAMES)


def test_generation_has_a_generator_and_a_version_for_every_kind_and_no_other():
    from scenarios import generation
    from scenarios.generation import world

    assert world.KINDS == generation.KINDS == KIND_NAMES
    assert set(generation._GENERATORS) == NAMES
    assert set(generation.GENERATOR_VERSIONS) == NAMES
    for kind in KIND_LIST:
        assert callable(importlib.import_module(kind.generator_module).generate), kind.name


def test_every_catalog_archetype_names_known_kinds_and_every_kind_has_an_archetype():
    schema = _json("scenarios/catalog/catalog.schema.json")
    enums = [node["enum"] for node in _nodes(schema) if "enum" in node and "triage_queue" in node["enum"]]
    assert enums and all(set(enum) == NAMES for enum in enums), enums
    archetypes = yaml.safe_load((ROOT / "scenarios/catalog/archetypes.yaml").read_text(encoding="utf-8"))
    entries = archetypes["archetypes"] if isinstance(archetypes, dict) else archetypes
    used = {kind for entry in entries for kind in entry["kinds"]}
    assert used == NAMES


def test_the_pack_schema_has_a_payload_and_a_key_for_every_kind_and_no_other():
    schema = _json("scenarios/schemas/scenario-pack.schema.json")
    defs = schema["$defs"]
    assert set(defs["scenario"]["properties"]["kind"]["enum"]) == NAMES
    assert {name.removeprefix("payload_") for name in defs if name.startswith("payload_")} == NAMES
    assert {name.removeprefix("answer_key_") for name in defs if name.startswith("answer_key_")} == NAMES


def test_the_answer_schema_has_one_shape_per_kind_and_limits_follow_the_registry():
    from simulator.responses import MAX_ANSWER_BYTES

    defs = _json("simulator/schemas/response.schema.json")["$defs"]
    assert {name for name, node in defs.items() if node.get("type") == "object"} == NAMES
    assert {kind.name: kind.max_answer_bytes for kind in KIND_LIST} == MAX_ANSWER_BYTES


def test_the_consistency_linter_registers_invariants_only_for_known_kinds():
    from scenarios.consistency import ALL_KINDS, INVARIANTS

    assert set(INVARIANTS) - {ALL_KINDS} <= NAMES


def test_scorers_and_dimensions_follow_the_registry():
    from scoring import scorers
    from scoring.dimensions import DIMENSION_KEYS, KIND_DIMENSIONS

    assert {kind.name: kind.scorer_module for kind in KIND_LIST} == scorers._MODULES
    assert {kind.name: kind.dimensions for kind in KIND_LIST} == KIND_DIMENSIONS
    for kind in KIND_LIST:
        module = scorers.scorer(kind.name)
        assert isinstance(module.VERSION, int) and callable(module.checks), kind.name
        assert set(kind.dimensions) <= set(DIMENSION_KEYS), kind.name
    # Every scorecard dimension is evidenced by some kind.
    assert {d for kind in KIND_LIST for d in kind.dimensions} == set(DIMENSION_KEYS)


def test_the_scoring_benchmark_covers_every_kind():
    from benchmarks import scoring as bench_scoring

    assert set(bench_scoring.KINDS) == NAMES


def test_every_kind_has_a_presenter_and_its_templates_and_no_template_is_for_an_unknown_kind():
    from simulator import presenters

    for kind in KIND_LIST:
        module = presenters.presenter(kind.name)
        assert module.__name__ == kind.presenter_module
        assert callable(module.present) and callable(module.worked), kind.name
        get_template(kind.item_template)
        get_template(kind.worked_template)
        assert presenters.KIND_LABELS[kind.name] == kind.workspace_label
    templates = ROOT / "simulator/templates/simulator"
    # Item templates are _<kind>.html, or a kind's own partial _<kind>_<part>.html.
    for path in (templates / "items").glob("_*.html"):
        stem = path.stem.removeprefix("_")
        assert any(stem == name or stem.startswith(f"{name}_") for name in NAMES), path.name
    assert {p.stem.removeprefix("_worked_") for p in (templates / "feedback").glob("_worked_*.html")} == NAMES


def test_the_workspace_script_handles_every_kind_and_no_other():
    script = (ROOT / "simulator/static/simulator/workspace.js").read_text(encoding="utf-8")
    handlers = set(re.findall(r"^kinds\.([a-z_]+) = ", script, flags=re.MULTILINE))
    assert handlers == NAMES
    initialisers = re.search(r"const initialisers = \{(.*?)\};", script, flags=re.DOTALL)
    assert initialisers, "workspace.js has no initialisers table"
    assert set(re.findall(r"^\s*([a-z_]+):", initialisers.group(1), flags=re.MULTILINE)) <= NAMES


def test_every_kind_has_a_built_in_exercise_and_the_built_ins_name_only_known_kinds():
    from simulator.builtin_exercises import BUILTIN_EXERCISES

    kinds = {item["kind"] for exercise in BUILTIN_EXERCISES for item in exercise["items"]}
    assert kinds == NAMES


def test_the_demo_answers_name_only_known_kinds():
    from simulator import demo

    assert set(demo.ANSWERS) <= NAMES


def _nodes(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)
