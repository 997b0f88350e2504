"""Canonical JSON: the one byte form of a scenario that hashes and exports are made from.

Keys sorted, no insignificant white space, UTF-8, shortest float form. orjson produces it an
order of magnitude faster than the standard library, which matters for 100,000-line bundles.

A million-line scenario is not made into one document: `iter_canonical` yields the same bytes in
pieces, a few thousand log lines at a time, and the hash and the printed form are taken from the
pieces, so the memory they need does not grow with the log.
"""

import hashlib
from collections.abc import Iterator

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS
CHUNK_ITEMS = 2048  # list items per piece: a piece of log lines is about 700 KB


def canonical_json(value) -> bytes:
    if _is_large(value):
        return b"".join(iter_canonical(value))
    return orjson.dumps(value, option=_OPTIONS)


def iter_canonical(value, *, chunk_items: int = CHUNK_ITEMS) -> Iterator[bytes]:
    """canonical_json(value), in pieces whose concatenation is exactly its bytes.

    Objects are written key by key in orjson's order, lists longer than `chunk_items` a slice at a
    time, and so are compact line sequences (`LogLines`), which write a slice of their lines as
    canonical JSON themselves (`json_items`); anything small is one orjson call."""
    if not _is_large(value, chunk_items):
        yield orjson.dumps(value, option=_OPTIONS)
    elif isinstance(value, dict):
        separator = b"{"
        # orjson sorts str keys by their UTF-8 bytes, which is code point order, as sorted() does.
        for key in sorted(value):
            yield separator + orjson.dumps(key) + b":"
            yield from iter_canonical(value[key], chunk_items=chunk_items)
            separator = b","
        yield b"}" if separator == b"," else b"{}"
    else:
        separator = b"["
        json_items = getattr(value, "json_items", None)
        for start in range(0, len(value), chunk_items):
            if json_items is not None:
                piece = json_items(start, start + chunk_items)
            else:
                piece = orjson.dumps(value[start : start + chunk_items], option=_OPTIONS)[1:-1]
            yield separator + piece
            separator = b","
        yield b"]" if separator == b"," else b"[]"


def _is_large(value, chunk_items: int = CHUNK_ITEMS) -> bool:
    if isinstance(value, dict):
        return any(_is_large(item, chunk_items) for item in value.values())
    if isinstance(value, list):
        return len(value) > chunk_items
    return hasattr(value, "json_items")  # a compact line sequence (see generation.logstream.LogLines)


def bundle_of(*, payload: dict, answer_key: dict) -> dict:
    return {"answer_key": answer_key, "payload": payload}


def canonical_bundle(*, payload: dict, answer_key: dict) -> bytes:
    """The payload and the answer key as one canonical document, the unit a content hash covers."""
    return canonical_json(bundle_of(payload=payload, answer_key=answer_key))


def content_hash(*, payload: dict, answer_key: dict) -> str:
    digest = hashlib.sha256()
    for piece in iter_canonical(bundle_of(payload=payload, answer_key=answer_key)):
        digest.update(piece)
    return digest.hexdigest()
