"""What every JSON body must be before anything stores it: not too deep, no number a column or a
client cannot hold, no character PostgreSQL cannot store.

PostgreSQL refuses U+0000 in text and jsonb ("unsupported Unicode escape sequence") and a lone
surrogate cannot be encoded as UTF-8 at all; either one used to reach the database and come back as a
500, which the workspace retried for ever. They are refused here with a 400 that names the field.
"""

import math

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
# Integers in a JSON body: what a 64-bit column holds. Columns that are 32-bit (versions, ids,
# minutes) bound their own fields with MAX_INT32.
MAX_INT64 = 2**63 - 1
MAX_INT32 = 2**31 - 1


class UnsafeInput(ValueError):
    """A JSON value that must not be stored; the message names the place, as `answer.tickets.T1.note`."""


def check_json(value, *, path: str = "") -> None:
    """Refuse a value nested deeper than MAX_JSON_DEPTH, or holding an integer out of the 64-bit
    range, a non-finite number, a NUL or a lone surrogate (in a string or a key)."""
    stack = [(value, path, 0)]
    while stack:
        current, where, depth = stack.pop()
        if isinstance(current, str):
            _check_text(current, where)
        elif isinstance(current, bool) or current is None:
            continue
        elif isinstance(current, int):
            if not -MAX_INT64 - 1 <= current <= MAX_INT64:
                raise UnsafeInput(f"{_name(where)}: the number is out of range (at most {MAX_INT64:,})")
        elif isinstance(current, float):
            if not math.isfinite(current):
                raise UnsafeInput(f"{_name(where)}: the number must be finite")
        elif isinstance(current, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise UnsafeInput(
                    f"{_name(where)}: nested more than {MAX_JSON_DEPTH} levels deep; the limit is {MAX_JSON_DEPTH}"
                )
            if isinstance(current, dict):
                for key, child in current.items():
                    child_path = f"{where}.{key}" if where else str(key)
                    _check_text(str(key), child_path)
                    stack.append((child, child_path, depth + 1))
            else:
                stack.extend((child, f"{where}[{index}]", depth + 1) for index, child in enumerate(current))


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise UnsafeInput(f"{_name(where)}: contains a NUL character (U+0000), which cannot be stored")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UnsafeInput(
                f"{_name(where)}: contains a lone surrogate (U+D800-U+DFFF), which is not valid text"
            ) from None


def _name(where: str) -> str:
    return where or "the body"


def loads(raw: bytes) -> object:
    """Parse a JSON body and check it (check_json). orjson stops at 1,024 levels by itself, so a
    hostile nesting never reaches Python's recursion limit."""
    value = orjson.loads(raw)
    check_json(value)
    return value


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser with check_json applied: every API body is bounded and storable."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return loads(raw)
        except orjson.JSONDecodeError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        except UnsafeInput as error:
            raise ParseError(str(error)) from None
