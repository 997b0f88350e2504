"""evaluate_scoring on a two-scenario fixture set: what it reads, what it prints, when it fails.

The auto scores come from the scorers and change with them; these tests pin what does not: the
set's shape, the expert grades, the graders' agreement, the report's sections and the refusals."""

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scoring.agreement import quadratic_kappa

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "evaluation"


def _run(*args, directory=FIXTURE) -> str:
    out = io.StringIO()
    call_command("evaluate_scoring", "--dir", str(directory), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "evaluation"
    shutil.copytree(FIXTURE, target)
    return target


def test_every_graded_response_of_the_split_is_scored_and_paired_with_its_grades():
    report = json.loads(_run("--split", "all", "--json"))

    assert report["set"]["scenarios"] == 2
    assert report["set"]["responses"] == 6
    assert report["set"]["graded_dimensions"] == 12  # 3 comms + 3 escalation responses x 3 dimensions
    assert report["set"]["skipped"] == [
        "fx-comms/off_topic: no grades",
        "fx-missing: no pack (fx-missing.json)",
    ]
    assert set(report["by_kind"]) == {"customer_comms", "escalation_writeup"}
    assert set(report["by_dimension"]) == {"communication", "escalation", "operational_discipline"}
    # Expert grades (mean of the two graders, half up): own words 5/5, 5/4, 4/5 -> 5, 5, 5;
    # fluent but wrong 1/1, 1/1, 2/1 -> 1, 1, 2; terse 4/3 -> 4.
    assert report["by_style"]["own_words"]["mean_expert"] == 5.0
    assert report["by_style"]["fluent_wrong"]["mean_expert"] == pytest.approx(4 / 3)
    assert report["by_style"]["terse"]["mean_expert"] == 4.0
    grader_a = [5, 4, 1, 5, 5, 5, 5, 5, 4, 1, 1, 2]
    grader_b = [5, 3, 1, 5, 4, 5, 4, 5, 5, 1, 1, 1]
    assert report["inter_grader"] == [
        {
            "graders": ["grader-a", "grader-b"],
            "n": 12,
            "qwk": pytest.approx(quadratic_kappa(grader_a, grader_b)),
        }
    ]
    assert [t["target"] for t in report["targets"]] == [
        "QWK overall >= 0.80",
        "QWK >= 0.70 on every dimension",
        "no inverted pairs between good and bad styles",
        "own words within 0.25 of expert",
    ]
    assert all(isinstance(t["met"], bool) for t in report["targets"])
    flag = report["review_flag"]
    assert flag is None or 0 <= flag["flag_rate"] <= 1


def test_a_split_takes_only_its_scenarios():
    dev = json.loads(_run("--split", "dev", "--json"))
    test = json.loads(_run("--split", "test", "--json"))

    assert (dev["set"]["scenarios"], dev["set"]["graded_dimensions"]) == (1, 3)
    assert set(dev["by_kind"]) == {"customer_comms"}
    assert (test["set"]["scenarios"], test["set"]["graded_dimensions"]) == (1, 9)
    assert set(test["by_kind"]) == {"escalation_writeup"}


def test_the_text_report_prints_every_figure_and_each_target():
    text = _run("--split", "all")

    for section in (
        "quadratic weighted kappa (QWK)",
        "by dimension",
        "by kind",
        "Mean score by response style",
        "Agreement between graders (QWK, 2 graders)",
        "Inverted pairs",
        "good (expert, own_words, terse) under bad (fluent_wrong, stuffed, filler)",
        "Own words - expert",
        "Targets",
        "QWK overall >= 0.80",
        "Skipped (2)",
    ):
        assert section in text, section
    assert text.count(" met") + text.count("MISSED") >= 4


def test_missed_targets_fail_the_run_only_when_asked():
    # The dev split has no own-words response, so the own-words target cannot be met.
    assert "MISSED" in _run("--split", "dev")
    with pytest.raises(CommandError, match="targets missed: .*own words within 0.25 of expert"):
        _run("--split", "dev", "--fail-under-targets")


def test_a_response_file_is_checked_as_score_response_checks_it(copy):
    (copy / "responses" / "fx-comms" / "terse.json").write_text(
        json.dumps({"answer": {"update": "x"}, "events": [{"kind": "item_opened"}]})
    )
    with pytest.raises(CommandError, match=r"terse.json: events\[0\]: 'elapsed' is a required property"):
        _run(directory=copy)


@pytest.mark.parametrize(
    ("path", "content", "message"),
    [
        ("grades/grader-a.json", {"fx-comms/expert": {"communication": 7}}, "fx-comms/expert.communication: 7 is not a grade from 1 to 5"),
        ("grades/grader-a.json", "[1, 2]", "grader-a.json: expected"),
        ("manifest.json", {"scenarios": [{"id": "fx-comms", "kind": "customer_comms", "split": "train"}]}, "scenarios[0].split: 'train' is not dev or test"),
        ("manifest.json", {"scenarios": [{"id": "fx-comms", "kind": "incident", "split": "dev"}]}, "the scenario is a customer_comms, the manifest says incident"),
        ("manifest.json", "{not json", "manifest.json: not valid JSON"),
        ("responses/fx-comms/terse.json", {"style": "expert", "answer": {"update": "x"}}, "style 'expert' does not match the file's name"),
    ],
)  # fmt: skip
def test_a_malformed_set_is_refused_naming_the_file_and_the_problem(copy, path, content, message):
    (copy / path).write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(CommandError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _run(directory=copy)


def test_a_set_without_graded_responses_says_what_was_skipped(tmp_path):
    (tmp_path / "manifest.json").write_text(
        json.dumps({"scenarios": [{"id": "x", "kind": "incident", "source": "hand", "split": "dev"}]})
    )
    with pytest.raises(CommandError, match=r"no graded response in the dev split\n  skipped x: no pack"):
        _run(directory=tmp_path)
