"""Every check a scorer can emit has a name on staff pages: the ids are read from the scorers' code
(without running them) and from the golden outputs of every scorer version."""

import ast
import json
import re
from pathlib import Path

import pytest

from scenarios.kinds import KIND_LIST
from scoring.check_labels import LABELS, check_label, known_label

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"


def _check_ids_in_code(kind) -> tuple[set[str], set[str]]:
    """The ids of every `Check(...)` the kind's scorer builds: literal ids, and f-string ids as
    regular expressions (a placeholder matches any text)."""
    path = ROOT / (kind.scorer_module.replace(".", "/") + ".py")
    literal, templates = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Check"):
            continue
        first = node.args[0] if node.args else next(k.value for k in node.keywords if k.arg == "id")
        if isinstance(first, ast.Constant):
            literal.add(first.value)
        elif isinstance(first, ast.JoinedStr):
            templates.add(
                "".join(re.escape(p.value) if isinstance(p, ast.Constant) else ".+" for p in first.values)
            )
        else:
            raise AssertionError(
                f"{path}: a check id that is neither a literal nor an f-string: {ast.unparse(first)}"
            )
    return literal, templates


def _golden_ids(kind: str) -> set[str]:
    ids = set()
    for path in GOLDEN.glob(f"{kind}@*.json"):
        for case in json.loads(path.read_text())["cases"]:
            for dimension in case["dimensions"].values():
                ids.update(check[0] for check in dimension["checks"])
    return ids


@pytest.mark.parametrize("kind", KIND_LIST, ids=lambda k: k.name)
def test_every_check_a_scorer_can_emit_has_a_label(kind):
    literal, templates = _check_ids_in_code(kind)
    golden = _golden_ids(kind.name)
    assert literal and golden

    unnamed = sorted(i for i in literal | golden if known_label(kind.name, i) is None)
    assert unnamed == [], f"{kind.name}: name these checks in scoring/check_labels.py"
    for template in templates:
        # An id built from a ticket or a dimension: the golden outputs show which ids it makes.
        assert any(re.fullmatch(template, i) for i in golden), f"{kind.name}: no golden id for {template}"


def test_the_table_names_no_check_that_no_scorer_emits():
    for kind in KIND_LIST:
        literal, _ = _check_ids_in_code(kind)
        stale = set(LABELS[kind.name]) - literal - _golden_ids(kind.name)
        assert stale == set(), f"{kind.name}: {sorted(stale)}"


def test_a_per_ticket_check_is_named_with_its_ticket_and_an_unknown_one_reads_as_words():
    assert check_label("triage_queue", "questions_focused_T-12345") == "Focused questions of T-12345"
    assert check_label("triage_queue", "severity_T-1") == "Severity of T-1"
    assert check_label("customer_comms", "next_update_time") == "Commits to a time for the next update"
    assert check_label("customer_comms", "retired_check") == "Retired check"
    assert known_label("customer_comms", "retired_check") is None
