"""The offline response file: what it accepts, and the clear error for each way it can be wrong."""

import io
import json

import jsonschema
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scenarios.generation import generate
from scoring.offline import OfflineInputError, answer_record, response_file_schema
from simulator.models import EventKind

UPDATE = {"update": "We are investigating errors on the Orders API; next update in 30 minutes."}


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    generated = generate("customer_comms", "db_pool_exhaustion_after_deploy", 3, "medium")
    document = {
        "format": "scenario-pack",
        "format_version": 1,
        "scenarios": [
            {
                "id": f"comms-{n}",
                "kind": "customer_comms",
                "difficulty": "medium",
                "title": generated.payload["title"],
                "payload": generated.payload,
                "answer_key": generated.answer_key,
            }
            for n in (1, 2)
        ],
    }
    path = tmp_path_factory.mktemp("pack") / "pack.json"
    path.write_text(json.dumps(document))
    return path


def _score(pack, tmp_path, document, *args) -> dict:
    response = tmp_path / "response.json"
    response.write_text(document if isinstance(document, str) else json.dumps(document))
    out = io.StringIO()
    call_command("score_response", "--pack", str(pack), "--response", str(response), *args, stdout=out)
    return json.loads(out.getvalue())


def _problems(document, kind="customer_comms") -> str:
    with pytest.raises(OfflineInputError) as refused:
        answer_record(document, kind=kind, name="r.json")
    return str(refused.value)


def test_the_published_schema_is_valid_and_lists_every_event_but_a_save():
    schema = response_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    kinds = set(schema["$defs"]["event"]["properties"]["kind"]["enum"])
    assert kinds == set(EventKind.values) - {EventKind.ANSWER_SAVED}
    assert {
        entry["if"]["properties"]["kind"]["const"] for entry in schema["$defs"]["event"]["allOf"]
    } == kinds


def test_a_full_file_is_read_with_its_events_and_revisions():
    record = answer_record(
        {
            "answer": UPDATE,
            "events": [
                {"kind": "item_opened", "elapsed": 3},
                {"kind": "log_search", "data": {"q": "timeout", "level": "ERROR"}, "elapsed": 40.5},
            ],
            "revisions": [[60, {"update": "draft"}], [120.25, UPDATE]],
            "style": "expert",
        },
        kind="customer_comms",
        name="r.json",
    )
    assert record.answer == UPDATE and record.style == "expert"
    assert record.events == (
        {"kind": "item_opened", "data": {}, "elapsed": 3.0},
        {"kind": "log_search", "data": {"q": "timeout", "level": "ERROR"}, "elapsed": 40.5},
    )
    assert record.revisions == ((60.0, {"update": "draft"}), (120.25, UPDATE))


def test_a_bare_answer_is_an_answer_with_no_events_or_revisions():
    record = answer_record(UPDATE, kind="customer_comms", name="r.json")
    assert (record.answer, record.events, record.revisions) == (UPDATE, (), ())


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([UPDATE], "r.json: a response file is an object"),
        ({"answer": UPDATE, "events": {}}, "r.json: events: {} is not of type 'array'"),
        ({"answer": UPDATE, "events": [{"kind": "log_search", "data": {}}]}, "events[0]: 'elapsed' is a required property"),
        ({"answer": UPDATE, "events": [{"kind": "clicked", "elapsed": 1}]}, "events[0].kind: 'clicked' is not one of"),
        ({"answer": UPDATE, "events": [{"kind": "log_search", "elapsed": -1}]}, "events[0].elapsed: -1 is less than the minimum of 0"),
        ({"answer": UPDATE, "events": [{"kind": "log_search", "elapsed": "10s"}]}, "events[0].elapsed: '10s' is not of type 'number'"),
        ({"answer": UPDATE, "events": [{"kind": "log_search", "data": {"q": 5}, "elapsed": 1}]}, "events[0].data.q: 5 is not of type 'string'"),
        ({"answer": UPDATE, "events": [{"kind": "trace_opened", "data": "abc", "elapsed": 1}]}, "events[0].data: 'abc' is not of type 'object'"),
        ({"answer": UPDATE, "events": [{"kind": "item_opened", "elapsed": 1, "at": "x"}]}, "events[0]: Additional properties are not allowed ('at' was unexpected)"),
        ({"answer": UPDATE, "events": [{"kind": "item_opened", "elapsed": 9}, {"kind": "item_opened", "elapsed": 2}]}, "events[1]: elapsed 2 is earlier than the entry before it (9); events go oldest first"),
        ({"answer": UPDATE, "events": [{"kind": "answer_saved", "data": {"version": 1}, "elapsed": 5}]}, "events[0].kind: 'answer_saved' is not an event in a response file: each saved answer is a revision, [elapsed_seconds, answer] in `revisions`"),
        ({"answer": UPDATE, "revisions": [UPDATE]}, "revisions[0]: {'update':"),
        ({"answer": UPDATE, "revisions": [[10, UPDATE, "extra"]]}, "revisions[0]: [10, {'update':"),
        ({"answer": UPDATE, "revisions": [["ten", UPDATE]]}, "revisions[0][0]: 'ten' is not of type 'number'"),
        ({"answer": UPDATE, "revisions": [[10, "We are investigating"]]}, "revisions[0][1]: 'We are investigating' is not of type 'object'"),
        ({"answer": UPDATE, "revisions": [[30, UPDATE], [10, UPDATE]]}, "revisions[1]: elapsed 10 is earlier than the entry before it (30); revisions go oldest first"),
        ({"answer": UPDATE, "revisions": [[10, {"update": 42}]]}, "revisions[0][1].update: 42 is not of type 'string'"),
        ({"answer": {"update": 42}}, "r.json: answer.update: 42 is not of type 'string'"),
        ({"answer": {"next_update_at": "soon"}}, "answer.next_update_at: 'soon' must be an ISO 8601 date and time"),
        ({"events": []}, "r.json: the file: 'answer' is a required property"),
        ({"answer": UPDATE, "revison": []}, "Additional properties are not allowed ('revison' was unexpected)"),
    ],
)  # fmt: skip
def test_a_malformed_file_is_refused_naming_the_place_and_the_problem(document, expected):
    assert expected in _problems(document)


def test_every_problem_of_a_file_is_listed_at_once():
    message = _problems(
        {"answer": UPDATE, "events": [{"kind": "x", "elapsed": 1}, {"kind": "log_search", "elapsed": "y"}]}
    )
    assert "events[0].kind" in message and "events[1].elapsed" in message


def test_score_response_reads_the_scenario_from_the_file_and_refuses_a_malformed_one(pack, tmp_path):
    printed = _score(pack, tmp_path, {"scenario": "comms-2", "answer": UPDATE, "events": [], "revisions": []})
    assert printed["scenario"] == "comms-2" and printed["kind"] == "customer_comms"
    assert _score(pack, tmp_path, UPDATE, "--scenario", "comms-1")["scenario"] == "comms-1"

    with pytest.raises(CommandError, match="the pack has 2 scenarios: name one"):
        _score(pack, tmp_path, UPDATE)
    with pytest.raises(CommandError, match="response.json: not valid JSON"):
        _score(pack, tmp_path, "{nope")
    with pytest.raises(CommandError, match=r"response.json: events\[0\]: 'elapsed' is a required property"):
        _score(pack, tmp_path, {"scenario": "comms-1", "answer": UPDATE, "events": [{"kind": "item_opened"}]})
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("score_response", "--pack", str(pack), "--response", str(tmp_path / "missing.json"))
