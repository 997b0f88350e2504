"""A big log is hashed, printed and stored from its compact form, a slice at a time: the bytes must
be exactly those of the canonical JSON of the whole payload, so no content hash changes."""

import hashlib

import orjson
import pytest

from scenarios.canonical import canonical_bundle, canonical_json, content_hash, iter_canonical
from scenarios.catalog import archetype_ids, get_archetype
from scenarios.generation import generate
from scenarios.generation.logstream import LogLines

LOG_ARCHETYPES = [a for a in archetype_ids() if "log_investigation" in get_archetype(a)["kinds"]]

# Content hashes of scenarios (log_investigation v27; the compact form was shown to give the bytes of the
# list-of-dicts generator at v15; one per archetype whose story rewrites lines, and one without).
PINNED = {
    ("db_pool_exhaustion_after_deploy", "easy", 2, 3000): "9708319cbe16e1e93fcef01cd8db8117fef914ababa691b071fde0d3242f3c73",
    ("db_pool_exhaustion_after_deploy", "hard", 2, 3000): "6b1ce1c90d888193a381892e81f8201dc0e1803252afee4782feea0916148dd4",
    ("saml_clock_skew", "medium", 2, 3000): "d5b544aebbc65a3a54cb6ac34b2a79c46e7ead3a88a106bb95df55a13272ec7a",
    ("kafka_consumer_lag", "hard", 2, 3000): "c23c738620c4dda65ee39cb5b605b821b81aaadfb4982327d470804ed765a132",
    ("memory_leak_oom_restarts", "easy", 2, 3000): "09054ab0f68f07dce05dcecec24ad93854043c642efe2ce6567efd78e4750cec",
    ("oauth_client_secret_expired", "easy", 2, 3000): "5ad95daddad02e004e788607d25af60acc74b961aaf124d508f4dc5cfa02d965",
}  # fmt: skip


def _reference_bytes(generated) -> bytes:
    """The canonical bundle as one orjson call over plain dicts and lists."""
    plain = {"answer_key": generated.answer_key, "payload": generated.payload}
    assert isinstance(plain["payload"]["logs"], list)
    return orjson.dumps(plain, option=orjson.OPT_SORT_KEYS)


@pytest.mark.parametrize("archetype", LOG_ARCHETYPES)
def test_streamed_bundle_is_the_canonical_json_of_the_payload(archetype):
    generated = generate("log_investigation", archetype, 11, "easy", log_lines=2500)
    assert isinstance(generated.document["logs"], LogLines)
    expected = _reference_bytes(generated)
    # Slices that end inside and at the end of the log, and one piece for all.
    for chunk_items in (1, 7, 1000, 2500, 100_000):
        pieces = list(iter_canonical(generated.document | {}, chunk_items=chunk_items))
        assert b"".join(pieces) == orjson.dumps(generated.payload, option=orjson.OPT_SORT_KEYS)
    assert b"".join(generated.iter_canonical_bundle()) == expected
    assert generated.canonical_bundle() == expected
    assert canonical_bundle(payload=generated.payload, answer_key=generated.answer_key) == expected
    assert generated.content_hash == hashlib.sha256(expected).hexdigest()
    assert content_hash(payload=generated.payload, answer_key=generated.answer_key) == generated.content_hash


def test_a_long_log_is_written_in_pieces_of_bounded_size():
    generated = generate("log_investigation", LOG_ARCHETYPES[0], 1, "hard", log_lines=20_000)
    pieces = list(generated.iter_canonical_bundle())
    assert len(pieces) > 20_000 // 2048
    assert max(len(piece) for piece in pieces) < 2048 * 1024  # a slice of lines, never the whole log
    assert b"".join(pieces) == _reference_bytes(generated)


@pytest.mark.parametrize(("archetype", "difficulty", "seed", "lines"), sorted(PINNED))
def test_content_hashes_are_those_of_the_list_of_dicts_generator(archetype, difficulty, seed, lines):
    generated = generate("log_investigation", archetype, seed, difficulty, log_lines=lines)
    assert generated.content_hash == PINNED[(archetype, difficulty, seed, lines)]


def test_large_plain_lists_stream_like_small_ones():
    value = {"b": list(range(5000)), "a": [{"z": 1, "y": 'é\n"x"'}] * 3000, "c": {"d": []}}
    assert b"".join(iter_canonical(value, chunk_items=999)) == orjson.dumps(
        value, option=orjson.OPT_SORT_KEYS
    )
    assert canonical_json(value) == orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def test_log_lines_read_and_rewrite_like_a_list_of_dicts():
    generated = generate("log_investigation", "memory_leak_oom_restarts", 4, "medium", log_lines=1200)
    lines = generated.document["logs"]
    plain = generated.payload["logs"]
    assert len(lines) == len(plain) == 1200
    assert lines == plain
    assert lines[0] == plain[0] and lines[-1] == plain[-1] and lines[10:13] == plain[10:13]
    assert list(lines)[500] == plain[500]
    with pytest.raises(IndexError):
        lines[1200]
    assert lines.services() == {line["service"] for line in plain}
    n = next(i for i, line in enumerate(plain) if "method" in line and "tenant_id" in line)
    # A rewrite drops the HTTP fields and the tenant, and the ids its dict does not give (a system
    # line's); the id and time stay.
    lines[n] = {"level": "WARN", "service": "search-service", "host": "node-a", "message": "heap usage 90%"}
    rewritten = lines[n]
    assert rewritten == {key: plain[n][key] for key in ("id", "ts")} | {
        "level": "WARN",
        "service": "search-service",
        "host": "node-a",
        "message": "heap usage 90%",
    }
    assert lines.json_items(n, n + 1) == orjson.dumps(rewritten, option=orjson.OPT_SORT_KEYS)
    assert not lines.has_ids(n)
    # Given ids, the rewritten line is a request's again.
    ids = {key: plain[n][key] for key in ("trace_id", "span_id", "request_id")}
    lines[n] = rewritten | ids | {"tenant_id": "tn_0a1b2c3d4e"}
    assert lines[n] == rewritten | ids | {"tenant_id": "tn_0a1b2c3d4e"}
    assert lines.json_items(n, n + 1) == orjson.dumps(lines[n], option=orjson.OPT_SORT_KEYS)


def test_the_linter_finds_the_same_in_the_compact_lines_as_in_the_dicts():
    from scenarios import consistency

    generated = generate("log_investigation", "db_pool_exhaustion_after_deploy", 6, "hard", log_lines=6000)
    assert consistency.lint("log_investigation", generated.document, generated.answer_key) == []
    lines = generated.document["logs"]
    # Break it: a line earlier than the one before it, and a message naming another tenant than its line's.
    lines.ms[4000] = lines.ms[3990]
    n = next(i for i in range(len(lines)) if lines.tenant_id(i) and lines.tenant_id(i) in lines.message(i))
    other = next(t for t in lines.tenants if t and t != lines.tenant_id(n))
    lines[n] = lines[n] | {"message": lines.message(n).replace(lines.tenant_id(n), other)}
    plain = {**generated.document, "logs": lines.to_list()}

    compact = consistency.lint("log_investigation", generated.document, generated.answer_key)
    assert {v.invariant for v in compact} >= {"log_lines_unique_and_in_order", "log_tenant_matches_message"}
    assert compact == consistency.lint("log_investigation", plain, generated.answer_key)
