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

from scenarios import consistency
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


# A YAML pack is read as events first, in constant memory, and refused when it nests deeper or
# expands (aliases counted as what they stand for) into more values than any real pack: a
# "billion laughs" document is a few hundred bytes that expand into billions of values, and deep
# nesting exhausts the recursion limit. The real packs nest about 10 deep.
MAX_YAML_DEPTH = 64
MAX_YAML_VALUES = 5_000_000
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_yaml_shape(raw: bytes, *, name: str) -> None:
    """Refuse YAML nested deeper than MAX_YAML_DEPTH or expanding to more than MAX_YAML_VALUES."""
    expanded = 0  # values so far, each alias counted as the values its anchor holds
    open_collections: list[tuple[str | None, int]] = []  # (anchor, `expanded` when it opened)
    anchored: dict[str, int] = {}
    for event in yaml.parse(raw, Loader=_YAML_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            expanded += 1
            open_collections.append((event.anchor, expanded))
            if len(open_collections) > MAX_YAML_DEPTH:
                raise PackError(
                    [
                        PackProblem(
                            name,
                            "$",
                            f"nested more than {MAX_YAML_DEPTH} levels deep; the limit is {MAX_YAML_DEPTH}",
                        )
                    ]
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, started = open_collections.pop()
            if anchor is not None:
                anchored[anchor] = expanded - started + 1
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor is not None:
                anchored[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            expanded += anchored.get(event.anchor, 1)
        if expanded > MAX_YAML_VALUES:
            raise PackError(
                [
                    PackProblem(
                        name,
                        "$",
                        f"expands to more than {MAX_YAML_VALUES:,} values (aliases counted in full); "
                        "a scenario pack is never that large",
                    )
                ]
            )


def parse_pack(raw: bytes, *, name: str, fmt: str) -> dict:
    if len(raw) > settings.SCENARIO_PACK_MAX_BYTES:
        raise PackError(
            [
                PackProblem(
                    name,
                    "$",
                    f"{len(raw):,} bytes is over the {settings.SCENARIO_PACK_MAX_BYTES:,}-byte limit for a scenario pack",
                )
            ]
        )
    try:
        if fmt == "yaml":
            _check_yaml_shape(raw, name=name)
            document = yaml.load(raw, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader, shape checked above
        else:
            document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise PackError([PackProblem(name, "$", f"not valid JSON: {error}")]) from None
    except yaml.YAMLError as error:
        raise PackError([PackProblem(name, "$", f"not valid YAML: {error}")]) from None
    except UnicodeDecodeError:
        raise PackError([PackProblem(name, "$", "the file is not UTF-8 text")]) from None
    if not isinstance(document, dict):
        raise PackError([PackProblem(name, "$", f"a pack is an object, got {type(document).__name__}")])
    return document


def validate_pack(document: dict, *, name: str, invariants: bool = True) -> None:
    """Raise PackError with every problem of the document; return quietly when it is valid.

    A valid document is completed in place: a log line given without an `id` gets its positional
    id (`assign_log_line_ids`), so what is stored, scored and exported names every line.

    `invariants=False` keeps only the checks that the key points at things the payload has, and
    skips the rest of the consistency linter: for reading a pack that was graded as it is (offline
    scoring), never for storing one."""
    problems = [
        PackProblem(name, error.json_path, error.message)
        for error in sorted(_validator().iter_errors(document), key=lambda e: (e.json_path, e.message))
    ]
    if not problems:
        problems = _consistency_problems(document, name=name, invariants=invariants)
    if problems:
        raise PackError(problems)


def _consistency_problems(document: dict, *, name: str, invariants: bool) -> list[PackProblem]:
    """What a schema cannot say: unique scenario ids, hashes that match, and every invariant of the
    consistency linter (the same one every generated scenario passes)."""
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
        if scenario["kind"] == "log_investigation":
            assign_log_line_ids(payload)
        if payload["kind"] != scenario["kind"]:
            problem(
                ".payload.kind", f"is {payload['kind']!r} but the scenario's kind is {scenario['kind']!r}"
            )
        only = None if invariants else consistency.REFERENTIAL
        for violation in consistency.lint(scenario["kind"], payload, key, only=only):
            problem(violation.path.removeprefix("$"), violation.message)
    return problems


def assign_log_line_ids(payload: dict) -> None:
    """Give every log line without an `id` its positional id, L plus its zero-based position as six
    digits; a line with an explicit id keeps it. The linter then checks that all ids are unique and
    that an id of L and digits only is its line's own position, so the two kinds cannot collide."""
    logs = payload["logs"]
    for n, line in enumerate(logs):
        if "id" not in line:
            logs[n] = {"id": consistency.positional_line_id(n), **line}


def pack_entry(
    *,
    reference: str,
    kind: str,
    difficulty: str,
    title: str,
    content_hash: str,
    payload: dict,
    answer_key: dict,
    archetype: str = "",
    seed: int | None = None,
    generator_version: int | None = None,
    log_lines: int | None = None,
) -> dict:
    """One scenario as a pack holds it; a generated one records how to regenerate it."""
    entry = {
        "id": reference,
        "kind": kind,
        "difficulty": difficulty,
        "title": title,
        "content_hash": content_hash,
        "payload": payload,
        "answer_key": answer_key,
    }
    if archetype and seed is not None and generator_version:
        entry["generation"] = {
            "archetype": archetype,
            "seed": seed,
            "generator_version": generator_version,
            "log_lines": log_lines,
        }
    return entry


def pack_document(scenarios, *, name: str = "", description: str = "") -> dict:
    """The export form of scenarios (with answer keys loaded), in reference order."""
    entries = [
        pack_entry(
            reference=scenario.reference,
            kind=scenario.kind,
            difficulty=scenario.difficulty,
            title=scenario.title,
            content_hash=scenario.content_hash,
            payload=scenario.full_payload(),
            answer_key=scenario.answer_key.content,
            archetype=scenario.archetype,
            seed=scenario.seed,
            generator_version=scenario.generator_version,
            log_lines=scenario.log_lines,
        )
        for scenario in sorted(scenarios, key=lambda s: s.reference)
    ]
    return pack_wrapper(entries, name=name, description=description)


def pack_wrapper(entries: list[dict], *, name: str = "", description: str = "") -> dict:
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
