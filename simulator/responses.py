"""The published shape of a participant's answer, one JSON Schema per scenario kind."""

import functools
import json
from pathlib import Path

import fastjsonschema
import jsonschema
import orjson
from referencing import Registry, Resource

from scenarios.kinds import KIND_LIST
from simulator.errors import DomainError
from simulator.input_limits import UnsafeInput, check_json

SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "response.schema.json"
# The largest answer of each kind, as compact JSON: several times what a long, careful answer takes,
# and far below what would let one autosave every two seconds fill a disk.
MAX_ANSWER_BYTES = {kind.name: kind.max_answer_bytes for kind in KIND_LIST}


class InvalidAnswer(DomainError):
    """The answer does not fit its kind's schema; the message names the place and the problem."""

    status_code = 400
    code = "invalid_answer"


@functools.cache
def response_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@functools.cache
def _validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = response_schema()
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    return jsonschema.Draft202012Validator({"$ref": f"{schema['$id']}#/$defs/{kind}"}, registry=registry)


@functools.cache
def _fast_validator(kind: str):
    """A compiled validator: autosave is the hottest write, and this checks an answer in about a
    microsecond. When it refuses, jsonschema (above) explains every problem."""
    return fastjsonschema.compile(response_schema_for(kind))


def response_schema_for(kind: str) -> dict:
    """A standalone schema for one kind (for the API documentation and clients)."""
    schema = response_schema()
    return {"$schema": schema["$schema"], "$defs": schema["$defs"], **schema["$defs"][kind]}


def validate_answer(kind: str, answer, *, path: str = "answer") -> None:
    """Refuse an answer that does not fit its kind's schema; `path` names it in the message (an
    offline file's revisions are checked as `revisions[2][1]`)."""
    if not isinstance(answer, dict):
        raise InvalidAnswer(f"{path}: must be an object, got {type(answer).__name__}")
    try:
        check_json(answer, path=path)
    except UnsafeInput as error:
        raise InvalidAnswer(str(error)) from None
    size, limit = len(orjson.dumps(answer)), MAX_ANSWER_BYTES[kind]
    if size > limit:
        raise InvalidAnswer(f"{path}: {size:,} bytes is over the {limit:,}-byte limit for one {kind} answer")
    try:
        _fast_validator(kind)(answer)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(_validator(kind).iter_errors(answer), key=lambda e: e.json_path)
    if errors:
        raise InvalidAnswer("; ".join(f"{path}{e.json_path[1:]}: {_message(e)}" for e in errors[:10]))


def _message(error: jsonschema.ValidationError) -> str:
    """The schema's own wording where it has one (`x-message`, for a pattern whose regex would
    explain nothing to a person), else jsonschema's."""
    custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
    return f"{error.instance!r} {custom}" if custom and error.validator == "pattern" else error.message
