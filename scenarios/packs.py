"""Scenario packs: scenarios with their answer keys, as JSON or YAML, described by a published schema.

Reading a pack is all or nothing: every problem found is reported with the file, the JSON path
and what is wrong, and an invalid pack imports nothing (the service wraps the import in one
transaction after this module has validated the whole document).
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import orjson
import yaml
from django.conf import settings
from referencing import Registry, Resource

from scenarios.canonical import content_hash

SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "scenario-pack.schema.json"
PACK_FORMAT = "scenario-pack"
PACK_FORMAT_VERSION = 1
MAX_REPORTED_PROBLEMS = 50


@dataclass(frozen=True)
class PackProblem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"


class PackError(Exception):
    """An invalid pack; `problems` lists every problem found, each naming file, JSON path and what is wrong."""

    def __init__(self, problems: list[PackProblem]):
        self.problems = problems
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        lines = [str(p) for p in shown] + ([f"... and {more} more problems"] if more > 0 else [])
        super().__init__(
            f"invalid scenario pack, nothing was imported ({len(problems)} problems):\n" + "\n".join(lines)
        )


@functools.cache
def pack_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = pack_schema()
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    return jsonschema.Draft202012Validator(schema, registry=registry)


def payload_validator(kind: str, part: str = "payload") -> jsonschema.Draft202012Validator:
    """A validator for one kind's bare payload (part='payload') or answer key (part='answer_key')."""
    schema = pack_schema()
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    return jsonschema.Draft202012Validator(
        {"$ref": f"{schema['$id']}#/$defs/{part}_{kind}"}, registry=registry
    )


def read_pack_file(path: Path | str) -> dict:
    """Parse a pack file, refusing it before parsing when it is over the configured size."""
    path = Path(path)
    name = path.name
    limit = settings.SCENARIO_PACK_MAX_BYTES
    try:
        size = path.stat().st_size
    except OSError as error:
        raise PackError([PackProblem(name, "$", f"cannot read the file: {error.strerror}")]) from None
    if size > limit:
        raise PackError(
            [
                PackProblem(
                    name,
                    "$",
                    f"the file is {size:,} bytes, over the {limit:,}-byte limit for a scenario pack",
                )
            ]
        )
    raw = path.read_bytes()
    return parse_pack(raw, name=name, fmt="yaml" if path.suffix.lower() in (".yaml", ".yml") else "json")


def parse_pack(raw: bytes, *, name: str, fmt: str) -> dict:
    try:
        document = yaml.safe_load(raw) if fmt == "yaml" else orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise PackError([PackProblem(name, "$", f"not valid JSON: {error}")]) from None
    except yaml.YAMLError as error:
        raise PackError([PackProblem(name, "$", f"not valid YAML: {error}")]) from None
    except UnicodeDecodeError:
        raise PackError([PackProblem(name, "$", "the file is not UTF-8 text")]) from None
    if not isinstance(document, dict):
        raise PackError([PackProblem(name, "$", f"a pack is an object, got {type(document).__name__}")])
    return document


def validate_pack(document: dict, *, name: str) -> None:
    """Raise PackError with every problem of the document; return quietly when it is valid."""
    problems = [
        PackProblem(name, error.json_path, error.message)
        for error in sorted(_validator().iter_errors(document), key=lambda e: (e.json_path, e.message))
    ]
    if not problems:
        problems = _consistency_problems(document, name=name)
    if problems:
        raise PackError(problems)


def _consistency_problems(document: dict, *, name: str) -> list[PackProblem]:
    """What a schema cannot say: unique ids, and answer keys that point at things in the payload."""
    problems: list[PackProblem] = []
    seen: dict[str, int] = {}
    for index, scenario in enumerate(document["scenarios"]):
        base = f"$.scenarios[{index}]"

        def problem(path: str, message: str, base=base) -> None:
            problems.append(PackProblem(name, base + path, message))

        if scenario["id"] in seen:
            problem(
                ".id",
                f"duplicate scenario id {scenario['id']!r}, first used at $.scenarios[{seen[scenario['id']]}]",
            )
        else:
            seen[scenario["id"]] = index
        payload, key = scenario["payload"], scenario["answer_key"]
        if "content_hash" in scenario and scenario["content_hash"] != content_hash(
            payload=payload, answer_key=key
        ):
            problem(
                ".content_hash", "does not match the payload and answer key (edited after export? remove it)"
            )
        if payload["kind"] != scenario["kind"]:
            problem(
                ".payload.kind", f"is {payload['kind']!r} but the scenario's kind is {scenario['kind']!r}"
            )
        _CHECKS[scenario["kind"]](payload, key, problem)
    return problems


def _check_triage(payload, key, problem) -> None:
    ids = [t["id"] for t in payload["tickets"]]
    if len(set(ids)) != len(ids):
        problem(".payload.tickets", "ticket ids are not unique")
    for ticket_id in key["tickets"]:
        if ticket_id not in ids:
            problem(f".answer_key.tickets.{ticket_id}", "names a ticket that is not in the payload")
    for ticket_id in ids:
        if ticket_id not in key["tickets"]:
            problem(".answer_key.tickets", f"has no entry for ticket {ticket_id}")
    if sorted(key["priority_order"]) != sorted(ids):
        problem(".answer_key.priority_order", "must list every ticket of the payload exactly once")


def _check_logs(payload, key, problem) -> None:
    line_ids = [line["id"] for line in payload["logs"]]
    known = set(line_ids)
    if len(known) != len(line_ids):
        problem(".payload.logs", "log line ids are not unique")
    for index, evidence in enumerate(key["key_evidence"]):
        if evidence["line_id"] not in known:
            problem(
                f".answer_key.key_evidence[{index}].line_id",
                f"{evidence['line_id']} is not a line of the payload",
            )
    for index, herring in enumerate(key["red_herrings"]):
        for line_id in herring["line_ids"]:
            if line_id not in known:
                problem(
                    f".answer_key.red_herrings[{index}].line_ids", f"{line_id} is not a line of the payload"
                )


def _check_escalation(payload, key, problem) -> None:
    bodies = {m["id"]: m["body"] for m in payload["thread"]}
    secret = key["secret"]
    if secret["message_id"] not in bodies:
        problem(".answer_key.secret.message_id", f"{secret['message_id']} is not a message of the thread")
    elif secret["value"] not in bodies[secret["message_id"]]:
        problem(".answer_key.secret.value", f"does not occur in message {secret['message_id']}")


def _check_incident(payload, key, problem) -> None:
    points = {p["id"]: {o["id"] for o in p["options"]} for p in payload["decision_points"]}
    for decision_id, decision in key["decisions"].items():
        if decision_id not in points:
            problem(
                f".answer_key.decisions.{decision_id}", "names a decision point that is not in the payload"
            )
            continue
        for option in decision["correct"] + decision.get("unsafe", []):
            if option not in points[decision_id]:
                problem(
                    f".answer_key.decisions.{decision_id}", f"option {option!r} is not offered at that point"
                )


def _check_postmortem(payload, key, problem) -> None:
    evidence = {e["id"] for e in payload["evidence"]}
    for index, herring in enumerate(key.get("red_herrings", [])):
        if herring["evidence_id"] not in evidence:
            problem(
                f".answer_key.red_herrings[{index}].evidence_id", "is not an evidence item of the payload"
            )


_CHECKS = {
    "triage_queue": _check_triage,
    "log_investigation": _check_logs,
    "escalation_writeup": _check_escalation,
    "customer_comms": lambda payload, key, problem: None,
    "incident": _check_incident,
    "postmortem": _check_postmortem,
}


def pack_document(scenarios, *, name: str = "", description: str = "") -> dict:
    """The export form of scenarios (with answer keys loaded), in reference order."""
    entries = []
    for scenario in sorted(scenarios, key=lambda s: s.reference):
        entry = {
            "id": scenario.reference,
            "kind": scenario.kind,
            "difficulty": scenario.difficulty,
            "title": scenario.title,
            "content_hash": scenario.content_hash,
            "payload": scenario.payload,
            "answer_key": scenario.answer_key.content,
        }
        if scenario.archetype and scenario.seed is not None and scenario.generator_version:
            entry["generation"] = {
                "archetype": scenario.archetype,
                "seed": scenario.seed,
                "generator_version": scenario.generator_version,
                "log_lines": scenario.log_lines,
            }
        entries.append(entry)
    document = {"format": PACK_FORMAT, "format_version": PACK_FORMAT_VERSION, "scenarios": entries}
    if name:
        document["name"] = name
    if description:
        document["description"] = description
    return document


def dump_pack(document: dict, *, fmt: str) -> bytes:
    """Deterministic bytes: the same scenarios always give the same file."""
    if fmt == "yaml":
        return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100).encode("utf-8")
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
