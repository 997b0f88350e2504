"""The hand-written example packs (scenarios/example_packs/): each imports through `import_pack` and
its good answer scores well; explicit log line ids and system lines without ids survive storage,
scoring and export, and every way of getting them wrong is refused with the path of the mistake."""

import json
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from scenarios import packs, services
from scenarios.generation import KINDS
from scenarios.models import LogLine, Scenario
from scoring.context import build_context
from scoring.scorers import score_item

EXAMPLES = Path(__file__).resolve().parent.parent / "example_packs"
PACK_FILES = sorted(EXAMPLES.glob("*.yaml"))
LOGS = EXAMPLES / "log_investigation.yaml"
SYSTEM_FIELDS = ("trace_id", "span_id", "request_id", "tenant_id")


def _answer(kind: str) -> dict:
    return json.loads((EXAMPLES / "answers" / f"{kind}.json").read_text(encoding="utf-8"))["answer"]


def test_there_is_one_example_pack_and_one_good_answer_per_kind():
    kinds = sorted(yaml.safe_load(path.read_text())["scenarios"][0]["kind"] for path in PACK_FILES)
    assert kinds == sorted(KINDS)
    assert sorted(p.stem for p in (EXAMPLES / "answers").glob("*.json")) == sorted(KINDS)


def _score(scenario: Scenario, answer: dict):
    """Scored as a live attempt is: the payload and key as stored, cited lines from the log rows."""
    cited = None
    if scenario.kind == "log_investigation":
        wanted = answer.get("evidence_ids") or []
        cited = {
            row.line_id: row.as_line()
            for row in LogLine.objects.filter(scenario=scenario, line_id__in=wanted)
        }
    return score_item(
        build_context(
            kind=scenario.kind,
            payload=scenario.payload,
            answer_key=scenario.answer_key.content,
            answer=answer,
            content_hash=scenario.content_hash,
            cited_lines=cited,
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_the_example_pack_imports_and_its_good_answer_scores_well(path):
    call_command("import_pack", str(path))

    document = yaml.safe_load(path.read_text())
    entry = document["scenarios"][0]
    scenario = Scenario.objects.select_related("answer_key").get(reference=entry["id"])
    assert scenario.origin == "pack"
    good = _score(scenario, _answer(scenario.kind))
    empty = _score(scenario, {})
    scores = {d.dimension: d.score for d in good.dimensions}
    assert min(scores.values()) >= 4, scores
    assert all(g.score > e.score for g, e in zip(good.dimensions, empty.dimensions, strict=True))


# --- explicit log line ids and system lines ------------------------------------------------------


def _logs_document() -> dict:
    return packs.parse_pack(LOGS.read_bytes(), name=LOGS.name, fmt="yaml")


def _refused(document: dict) -> list[str]:
    with pytest.raises(packs.PackError) as caught:
        packs.validate_pack(document, name="logs.yaml")
    return [str(problem) for problem in caught.value.problems]


def _assert_path(problems: list[str], path: str, fragment: str = "") -> None:
    wanted = f"logs.yaml: $.scenarios[0].{path}: "
    assert any(p.startswith(wanted) and fragment in p for p in problems), problems


def _scenario(document: dict) -> tuple[dict, dict]:
    entry = document["scenarios"][0]
    return entry["payload"], entry["answer_key"]


def _index(logs: list[dict], line_id: str) -> int:
    return next(n for n, line in enumerate(logs) if line.get("id") == line_id)


def test_lines_without_an_id_get_their_position_and_explicit_ids_are_kept():
    document = _logs_document()
    given = [line.get("id") for line in _scenario(document)[0]["logs"]]
    packs.validate_pack(document, name="logs.yaml")

    ids = [line["id"] for line in _scenario(document)[0]["logs"]]
    assert ids == [line_id or f"L{n:06d}" for n, line_id in enumerate(given)]
    assert "L-config-change" in ids and "L000000" in ids


def test_inserting_a_line_changes_no_reference_to_an_explicit_id():
    document = _logs_document()
    payload, key = _scenario(document)
    first = payload["logs"][0]
    payload["logs"].insert(1, {**first, "ts": first["ts"].replace("04.118Z", "05.500Z")})

    packs.validate_pack(document, name="logs.yaml")

    evidence = key["key_evidence"][0]["line_id"]
    assert evidence == "L-config-change"
    assert payload["logs"][_index(payload["logs"], evidence)]["service"] == "config-service"


def test_a_duplicate_explicit_id_is_refused_at_the_second_line():
    document = _logs_document()
    logs = _scenario(document)[0]["logs"]
    second = _index(logs, "L-billing-2")
    logs[second]["id"] = "L-billing-1"
    problems = _refused(document)
    _assert_path(problems, f"payload.logs[{second}].id", "duplicate log line id 'L-billing-1'")


@pytest.mark.parametrize("bad", ["deploy", "L", "L-has space", "L-" + "x" * 15, "l-lowercase"])
def test_an_id_of_the_wrong_format_is_refused(bad):
    document = _logs_document()
    _scenario(document)[0]["logs"][3]["id"] = bad
    _assert_path(_refused(document), "payload.logs[3].id", "does not match")


def test_a_positional_id_on_another_position_is_refused_even_when_unique():
    document = _logs_document()
    _scenario(document)[0]["logs"][3]["id"] = "L000900"
    problems = _refused(document)
    _assert_path(problems, "payload.logs[3].id", "L000900 is a positional id but the line is at position 3")


def test_a_positional_id_that_would_collide_with_an_assigned_one_is_refused():
    document = _logs_document()
    _scenario(document)[0]["logs"][4]["id"] = "L000003"  # line 3 has no id: it gets L000003
    problems = _refused(document)
    _assert_path(problems, "payload.logs[4].id", "positional id")


def test_key_evidence_and_red_herrings_must_name_lines_that_exist():
    document = _logs_document()
    _, key = _scenario(document)
    key["key_evidence"][1]["line_id"] = "L-first-lmit"
    key["red_herrings"][0]["line_ids"][2] = "L-billing-9"
    problems = _refused(document)
    _assert_path(problems, "answer_key.key_evidence[1].line_id", "L-first-lmit is not a line of the payload")
    _assert_path(problems, "answer_key.red_herrings[0].line_ids", "L-billing-9 is not a line of the payload")


def test_evidence_ids_must_agree_with_a_system_line_that_has_none():
    document = _logs_document()
    _, key = _scenario(document)
    key["key_evidence"][0]["trace_id"] = key["key_evidence"][1]["trace_id"]  # the config line has no trace
    del key["key_evidence"][1]["request_id"]  # the first limit line has one
    problems = _refused(document)
    _assert_path(problems, "answer_key.key_evidence[0].trace_id", "line L-config-change has no trace_id")
    _assert_path(problems, "answer_key.key_evidence[1]", "gives no request_id but line L-first-limit has")


def test_a_trace_of_a_line_that_lost_its_trace_id_matches_nothing():
    document = _logs_document()
    payload, _ = _scenario(document)
    for line in payload["logs"]:
        if line.get("trace_id") == payload["traces"][1]["trace_id"]:
            del line["trace_id"], line["span_id"]
    problems = _refused(document)
    _assert_path(problems, "payload.traces[1].trace_id", "matches no log line")
    _assert_path(problems, "payload.http_samples[1].request_id", "matches no log line")


def test_system_lines_keep_their_format_checks_where_ids_are_present():
    document = _logs_document()
    logs = _scenario(document)[0]["logs"]
    config = _index(logs, "L-config-change")
    logs[config]["span_id"] = "0123456789abcdef"  # a span needs a trace
    logs[3]["request_id"] = "req_NOT-HEX"
    problems = _refused(document)
    _assert_path(problems, f"payload.logs[{config}]", "'trace_id' is a dependency of 'span_id'")
    _assert_path(problems, "payload.logs[3].request_id", "does not match")


def test_system_lines_keep_their_consistency_checks_where_ids_are_present():
    document = _logs_document()
    logs = _scenario(document)[0]["logs"]
    logs[4]["tenant_id"] = "tn_a83d0c5e12"
    logs[4]["message"] = "cron purge-idempotency-keys finished for tenant tn_7e20b9f4d6"
    _assert_path(_refused(document), "payload.logs[4].tenant_id", "but the message names tn_7e20b9f4d6")


@pytest.mark.django_db
def test_stored_lines_are_the_pack_lines_and_export_gives_the_same_ids(tmp_path):
    result = services.pack_import(path=LOGS)
    scenario = Scenario.objects.get(reference=result.created[0])
    rows = [row.as_line() for row in LogLine.objects.filter(scenario=scenario).order_by("seq")]
    assert rows == scenario.payload["logs"]
    system = [line for line in rows if line["service"] in ("scheduler", "config-service")]
    assert system and all(field not in line for line in system for field in SYSTEM_FIELDS)

    exported = tmp_path / "exported.yaml"
    call_command("export_pack", "--out", str(exported), "--id", scenario.reference)
    again = packs.read_pack_file(exported)
    original = _logs_document()
    packs.validate_pack(original, name="logs.yaml")
    assert [line["id"] for line in _scenario(again)[0]["logs"]] == [
        line["id"] for line in _scenario(original)[0]["logs"]
    ]
    assert _scenario(again)[1] == _scenario(original)[1]

    # Importing the original again, or its export, changes nothing: the assigned ids are its ids.
    assert services.pack_import(path=LOGS).unchanged == [scenario.reference]
    assert services.pack_import(path=exported).unchanged == [scenario.reference]


@pytest.mark.django_db
def test_citing_explicit_ids_counts_as_signal_evidence():
    services.pack_import(path=LOGS)
    scenario = Scenario.objects.select_related("answer_key").get()
    cited = _score(scenario, {"evidence_ids": ["L-first-429", "L-config-change"]})
    herring = _score(scenario, {"evidence_ids": ["L-billing-1"]})

    def check(result, check_id):
        return next(c for d in result.dimensions for c in d.checks if c.id == check_id)

    assert check(cited, "cites_signal_evidence").passed
    assert not check(herring, "cites_signal_evidence").passed
