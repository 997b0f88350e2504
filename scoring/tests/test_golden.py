"""Golden outputs: each scorer's scores, check ids, passed and assessed flags on a fixed set of answers, pinned
per scorer version, so a change that alters scores without a version bump fails.

The answers are the development split of the evaluation set (`scoring/evaluation/`, packs and
response files; a held-out split is never read here). When scenarios join the development split, the
current versions' files gain their cases and keep every earlier case unchanged. Each scorer's outputs live in
`scoring/tests/golden/<kind>@<version>.json`; files of earlier versions stay as a record.

When a scorer's behaviour changes on purpose: bump VERSION in its module (with a comment saying
what changed), then write the new version's file:

    GOLDEN_REGENERATE=1 ./dev test scoring/tests/test_golden.py

That writes only the files that do not exist yet. `GOLDEN_REGENERATE=overwrite` rewrites the
current version's file too; use it only while a version has not been released (no score sets
made with it), never to hide a change in scores.
"""

import json
import os
from pathlib import Path

import pytest

from scoring.offline import pack_scenario, read_answer_record, read_pack, score_offline
from scoring.scorers import scorer_version

EVALUATION = Path(__file__).resolve().parents[1] / "evaluation"
GOLDEN = Path(__file__).resolve().parent / "golden"
KINDS = (
    "triage_queue",
    "log_investigation",
    "escalation_writeup",
    "customer_comms",
    "incident",
    "postmortem",
)
REGENERATE = os.environ.get("GOLDEN_REGENERATE", "")


def _dev_scenarios() -> list[dict]:
    manifest = json.loads((EVALUATION / "manifest.json").read_text(encoding="utf-8"))
    return [entry for entry in manifest["scenarios"] if entry["split"] == "dev"]


def _outputs(kind: str) -> list[dict]:
    """What the scorer gives every development-split answer of this kind, in a stable order."""
    cases = []
    for entry in sorted(_dev_scenarios(), key=lambda e: e["id"]):
        if entry["kind"] != kind:
            continue
        scenario = pack_scenario(read_pack(EVALUATION / "packs" / f"{entry['id']}.json"))
        for path in sorted((EVALUATION / "responses" / entry["id"]).glob("*.json")):
            item = score_offline(scenario, read_answer_record(path, kind=kind))
            cases.append(
                {
                    "scenario": entry["id"],
                    "response": path.stem,
                    "dimensions": {
                        d.dimension: {
                            "score": d.score,
                            "checks": [[c.id, c.passed, c.assessed] for c in d.checks],
                        }
                        for d in item.dimensions
                    },
                }
            )
    return cases


def _golden_file(kind: str) -> Path:
    return GOLDEN / f"{kind}@{scorer_version(kind)}.json"


@pytest.mark.parametrize("kind", KINDS)
def test_scores_change_only_with_a_scorer_version_bump(kind):
    path = _golden_file(kind)
    outputs = _outputs(kind)
    assert outputs, f"the evaluation set's development split has no {kind} answers"
    if REGENERATE and (not path.exists() or REGENERATE == "overwrite"):
        GOLDEN.mkdir(exist_ok=True)
        document = {"kind": kind, "scorer_version": scorer_version(kind), "cases": outputs}
        path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert path.exists(), (
        f"no golden outputs for {kind} version {scorer_version(kind)}: after bumping VERSION, run "
        "GOLDEN_REGENERATE=1 ./dev test scoring/tests/test_golden.py and commit the new file"
    )
    pinned = json.loads(path.read_text(encoding="utf-8"))["cases"]
    changed = [
        f"{now['scenario']}/{now['response']}"
        for now, then in zip(outputs, pinned, strict=False)
        if now != then
    ]
    assert len(outputs) == len(pinned) and not changed, (
        f"the {kind} scorer gives different outputs than version {scorer_version(kind)} did on "
        f"{', '.join(changed[:5]) or 'a different set of answers'}: bump VERSION in its module and "
        "regenerate (see this module's docstring)"
    )
