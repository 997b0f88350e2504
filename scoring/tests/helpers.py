"""Scoring a hand-written answer to a generated scenario, for scorer tests."""

import gzip
import json
import os
from pathlib import Path

from scenarios.generation import GeneratedScenario, generate
from scoring.context import build_context
from scoring.scorers import score_item

# The scenarios the scorer tests answer, as the generator made them when the answers were written.
# A scorer test pins the scorer: when the generator changes (a new story, other tickets), the
# hand-written answers would no longer fit and the test would fail for a reason that is not the
# scorer's. A missing file is an error; FREEZE_SCENARIOS=1 writes the current generator's output.
FROZEN = Path(__file__).resolve().parent / "fixtures" / "scenarios"


def scenario(
    kind: str, archetype: str, seed: int = 3, difficulty: str = "medium", **options
) -> GeneratedScenario:
    extra = "".join(f"-{key}{value}" for key, value in sorted(options.items()))
    path = FROZEN / f"{kind}-{archetype}-{seed}-{difficulty}{extra}.json.gz"
    if os.environ.get("FREEZE_SCENARIOS") == "1" and not path.exists():
        generated = generate(kind, archetype, seed, difficulty, **options)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "kind": kind, "archetype": archetype, "seed": seed, "difficulty": difficulty,
            "generator_version": generated.generator_version, "log_lines": generated.log_lines,
            "payload": generated.payload, "answer_key": generated.answer_key,
        }  # fmt: skip
        with gzip.GzipFile(path, "wb", mtime=0) as out:
            out.write(json.dumps(document, sort_keys=True, separators=(",", ":")).encode())
    if not path.exists():
        raise FileNotFoundError(
            f"{path.name}: no frozen scenario; run the test once with FREEZE_SCENARIOS=1 to write it"
        )
    with gzip.open(path, "rb") as frozen:
        document = json.loads(frozen.read())
    # A generated scenario holds its payload as `document` (a log's lines may be compact there).
    return GeneratedScenario(
        **{("document" if key == "payload" else key): value for key, value in document.items()}
    )


def scores(generated, answer: dict, *, events=(), revisions=()) -> dict[str, int]:
    """{dimension: score} for an answer to a generated scenario."""
    return {
        d.dimension: d.score for d in result(generated, answer, events=events, revisions=revisions).dimensions
    }


def result(generated, answer: dict, *, events=(), revisions=()):
    ctx = build_context(
        kind=generated.kind,
        payload=generated.payload,
        answer_key=generated.answer_key,
        answer=answer,
        content_hash=generated.content_hash,
        archetype=generated.archetype,
        events=events,
        revisions=revisions,
    )
    return score_item(ctx)


def scenario_text(generated) -> str:
    """The scenario's own words, as a candidate might paste them back."""
    payload = generated.payload
    parts = [payload.get("brief", "")]
    for value in payload.values():
        if isinstance(value, list):
            parts += [
                str(v.get("text") or v.get("body") or v) if isinstance(v, dict) else str(v) for v in value[:6]
            ]
    return "\n".join(parts)


KEYWORD_SOUP = (
    "impact known unknown investigating next update 30 minutes workaround retry backoff SEV1 SEV2 503 429 401 "
    "mitigation root cause database pool deploy rollback certificate dns cache flag kafka lag saml clock skew "
    "oauth secret expired webhook tls idempotency duplicate charges memory leak oom permissions 403 escalation "
    "engineering sre security L1 L2 repro steps expected actual environment versions request ids trace ids"
)
GIBBERISH = "asdkj qwpeoi zxmcnv lkjhg poiuyt mnbvcx qazwsx edcrfv tgbyhn ujmik olp qwerty zxcvbn"
OFF_TOPIC = (
    "Our quarterly newsletter is out: we are excited to welcome three new colleagues to the marketing "
    "department, the office picnic moves to Friday afternoon at the lake, and the book club reads a novel "
    "about gardening this month. Bring sandwiches and sunscreen."
)
