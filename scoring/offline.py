"""Scoring outside the system: a scenario from a pack and a response file, read, checked and scored
through the same `build_context` as a live attempt, so the same work gets the same score.

`score_response` (one answer) and `evaluate_scoring` (the evaluation set) read their files here;
`export_attempt` writes a live attempt's items in the same format. The format is published as
`simulator/schemas/offline-response.schema.json`.
"""

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema
from referencing import Registry, Resource

from scenarios.canonical import content_hash
from scenarios.packs import PackError, read_pack_file, validate_pack
from scoring.context import build_context
from scoring.scorers import ItemResult, score_item
from simulator.responses import SCHEMA_FILE as ANSWER_SCHEMA_FILE
from simulator.responses import InvalidAnswer, validate_answer

RESPONSE_FILE_SCHEMA = ANSWER_SCHEMA_FILE.parent / "offline-response.schema.json"
ENVELOPE_KEYS = ("answer", "events", "revisions")
MAX_REPORTED_PROBLEMS = 20
_REVISION = re.compile(r"revisions\[\d+\]")


class OfflineInputError(Exception):
    """A pack or response file that cannot be scored; the message names the file, the place in it
    and every problem found."""


@dataclass(frozen=True)
class AnswerRecord:
    """An answer with what led to it: the events and saved revisions live scoring also reads."""

    answer: dict
    events: tuple[dict, ...] = ()
    revisions: tuple[tuple[float, dict], ...] = ()
    scenario: str = ""
    style: str = ""

    def as_document(self, **metadata) -> dict:
        """The response file's content (metadata such as `scenario` or `exported_from` first)."""
        return {
            **{key: value for key, value in metadata.items() if value not in (None, "")},
            "answer": self.answer,
            "events": [dict(event) for event in self.events],
            "revisions": [[elapsed, answer] for elapsed, answer in self.revisions],
        }


@functools.cache
def response_file_schema() -> dict:
    return json.loads(RESPONSE_FILE_SCHEMA.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = response_file_schema()
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    return jsonschema.Draft202012Validator(schema, registry=registry)


def read_pack(path: Path | str) -> dict:
    """A pack file, parsed and validated whole (scenarios.packs)."""
    try:
        pack = read_pack_file(path)
        # A pack graded as it stands is scored as it stands; import_pack applies every invariant.
        validate_pack(pack, name=Path(path).name, invariants=False)
    except PackError as error:
        raise OfflineInputError(str(error)) from None
    return pack


def pack_scenario(pack: dict, scenario_id: str = "") -> dict:
    """The pack's scenario with this id; without an id, the pack's only scenario."""
    scenarios = pack["scenarios"]
    if not scenario_id:
        if len(scenarios) == 1:
            return scenarios[0]
        raise OfflineInputError(
            f"the pack has {len(scenarios)} scenarios: name one (--scenario, or `scenario` in the response file)"
        )
    scenario = next((s for s in scenarios if s["id"] == scenario_id), None)
    if scenario is None:
        known = ", ".join(s["id"] for s in scenarios[:20])
        raise OfflineInputError(f"no scenario {scenario_id!r} in the pack; it has: {known}")
    return scenario


def read_json_file(path: Path | str):
    """A JSON file (a response file, a manifest, grades), parsed but not checked."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise OfflineInputError(f"{path}: cannot read the file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise OfflineInputError(f"{path}: the file is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise OfflineInputError(f"{path}: not valid JSON: {error}") from None


def answer_record(document, *, kind: str, name: str) -> AnswerRecord:
    """Check a response file's content against the published format and the kind's answer schema;
    raise OfflineInputError naming every problem (file, place, what is wrong)."""
    if not isinstance(document, dict):
        raise OfflineInputError(
            f"{name}: a response file is an object "
            f'{{"answer": ..., "events": [...], "revisions": [...]}}, got {type(document).__name__}'
        )
    if not any(key in document for key in ENVELOPE_KEYS):
        document = {"answer": document}  # a bare answer: no events, no revisions
    problems = _format_problems(document)
    if not problems:
        problems = _order_problems(document) + _answer_problems(document, kind=kind)
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        lines = [f"{name}: {problem}" for problem in shown] + ([f"... and {more} more"] if more > 0 else [])
        raise OfflineInputError("\n".join(lines))
    return AnswerRecord(
        answer=document["answer"],
        events=tuple(
            {"kind": e["kind"], "data": e.get("data", {}), "elapsed": float(e["elapsed"])}
            for e in document.get("events", [])
        ),
        revisions=tuple((float(elapsed), answer) for elapsed, answer in document.get("revisions", [])),
        scenario=document.get("scenario", ""),
        style=document.get("style", ""),
    )


def read_answer_record(path: Path | str, *, kind: str) -> AnswerRecord:
    return answer_record(read_json_file(path), kind=kind, name=str(path))


def _format_problems(document: dict) -> list[str]:
    saved = {
        f"$.events[{index}].kind"
        for index, event in enumerate(document.get("events") or [])
        if isinstance(document.get("events"), list) and isinstance(event, dict)
        and event.get("kind") == "answer_saved"
    }  # fmt: skip
    problems = [
        f"{path[2:]}: 'answer_saved' is not an event in a response file: "
        "each saved answer is a revision, [elapsed_seconds, answer] in `revisions`"
        for path in sorted(saved)
    ]
    for error in sorted(_validator().iter_errors(document), key=lambda e: (e.json_path, e.message)):
        if error.json_path in saved:
            continue
        where = error.json_path[2:] or "the file"
        hint = " (a revision is [elapsed_seconds, answer])" if _REVISION.fullmatch(where) else ""
        problems.append(f"{where}: {error.message}{hint}")
    return problems


def _order_problems(document: dict) -> list[str]:
    problems = []
    for field, when in (("events", lambda e: e["elapsed"]), ("revisions", lambda r: r[0])):
        previous = None
        for index, entry in enumerate(document.get(field, [])):
            if previous is not None and when(entry) < previous:
                problems.append(
                    f"{field}[{index}]: elapsed {when(entry)} is earlier than the entry before it "
                    f"({previous}); {field} go oldest first"
                )
            previous = when(entry)
    return problems


def _answer_problems(document: dict, *, kind: str) -> list[str]:
    problems = []
    answers = [("answer", document["answer"])] + [
        (f"revisions[{index}][1]", revision[1])
        for index, revision in enumerate(document.get("revisions", []))
    ]
    for path, answer in answers:
        try:
            validate_answer(kind, answer, path=path)
        except InvalidAnswer as error:
            problems.append(str(error))
    return problems


def context_inputs(scenario: dict, record: AnswerRecord) -> dict:
    """`build_context`'s arguments for an answer to a pack scenario: what `scoring_inputs` reads
    from the database for the same scenario and work (build_context derives the rest, the view
    payload, the cited lines and the vocabulary, from the full payload)."""
    generation = scenario.get("generation") or {}
    return {
        "kind": scenario["kind"],
        "payload": scenario["payload"],
        "answer_key": scenario["answer_key"],
        "answer": record.answer,
        "content_hash": scenario.get("content_hash")
        or content_hash(payload=scenario["payload"], answer_key=scenario["answer_key"]),
        "archetype": generation.get("archetype", ""),
        "events": record.events,
        "revisions": record.revisions,
    }


def score_offline(scenario: dict, record: AnswerRecord) -> ItemResult:
    return score_item(build_context(**context_inputs(scenario, record)))
