"""How sure a dimension score is, and where a person should look: the roll-up's confidence, the
review flag, the label, and how they reach the stored scores and the score report (the body of
the scores API)."""

import pytest

from scoring.checks import (
    REVIEW_BELOW,
    Check,
    confidence,
    describe,
    describe_checks,
    roll_up,
    score_from_checks,
)
from scoring.models import DimensionScore
from scoring.selectors import latest_score_set, score_report
from scoring.tests.test_attempt_scoring import scored  # noqa: F401 (a fixture)


def _check(name: str, passed: bool, weight: float = 1.0, **extra) -> Check:
    return Check(name, "troubleshooting", passed, weight, f"{name} {'met' if passed else 'missed'}.", **extra)


def test_a_clear_score_with_agreeing_checks_is_trusted():
    checks = [_check(f"c{i}", True, 1.0) for i in range(5)]
    sure, doubts = confidence(checks, words=200)
    assert sure == 1.0 and doubts == []


def test_a_gate_that_fired_on_a_doubtful_reading_sends_the_dimension_to_a_person():
    checks = [
        _check("gate", False, 0, gate=True, doubt="a negation sits in the sentence that fired the gate"),
        *[_check(f"c{i}", True) for i in range(4)],
    ]
    (result,) = roll_up(("troubleshooting",), checks, words=200)
    assert result.score == 1
    assert result.needs_review and result.confidence < REVIEW_BELOW
    assert "negation" in result.doubts[0]


def test_a_score_on_a_level_boundary_with_split_checks_is_less_sure_than_a_clear_one():
    split = [_check("a", True, 1), _check("b", False, 1)]  # 3.0 exactly: on a level, but split
    boundary = [_check("a", True, 5), _check("b", False, 3)]  # 1 + 4 * 5/8 = 3.5: on the boundary
    clear = [_check("a", True, 1), _check("b", True, 1)]
    assert confidence(boundary)[0] < confidence(clear)[0]
    assert confidence(split)[0] < confidence(clear)[0]


def test_very_short_and_very_long_answers_lower_the_confidence():
    checks = [_check("a", True), _check("b", True)]
    assert confidence(checks, words=5)[0] < confidence(checks, words=300)[0]
    assert confidence(checks, words=5000)[0] < confidence(checks, words=300)[0]


def test_a_check_not_assessed_neither_earns_nor_loses_but_lowers_the_confidence():
    assessed = [_check("a", True, 2), _check("b", False, 1)]
    with_trail = [*assessed, _check("trail", False, 1.5, assessed=False)]
    assert score_from_checks(with_trail) == score_from_checks(assessed)
    assert confidence(with_trail)[0] < confidence(assessed)[0]


def test_the_label_says_what_happened_not_what_the_person_is():
    checks = [
        Check("right_team", "collaboration", False, 2, "Engages Engineering; the fix belongs to L2."),
        Check("coordinates_roles", "collaboration", True, 1.5, "The log names who does what."),
    ]
    label = describe(checks)
    assert "Engages Engineering; the fix belongs to L2." in label
    assert "Defensive" not in label and "poor" not in label.lower()


def test_the_label_of_stored_checks_reads_older_checks_without_the_new_fields():
    stored = [{"id": "a", "dimension": "communication", "passed": False, "weight": 1.0, "explanation": "X."}]
    assert describe_checks(stored) == "Met 0 of 1 checks. X."


@pytest.mark.django_db
def test_the_score_report_and_the_stored_scores_carry_confidence_review_flag_and_label(scored):  # noqa: F811
    attempt, _ = scored
    stored = DimensionScore.objects.filter(item_score__score_set__attempt=attempt)
    assert stored.exists() and all(0.0 <= d.confidence <= 1.0 for d in stored)
    assert all(d.needs_review == (d.confidence < REVIEW_BELOW) for d in stored)

    body = score_report(score_set=latest_score_set(attempt=attempt))  # what the scores API returns
    for item in body["items"]:
        for dimension in item["dimensions"]:
            assert {"confidence", "needs_review", "label"} <= set(dimension)
            assert isinstance(dimension["needs_review"], bool) and dimension["label"]


def test_dimensions_of_one_answer_that_disagree_strongly_go_to_a_person():
    strong = [Check("a", "communication", True, 1, "Clear."), Check("b", "communication", True, 1, "Calm.")]
    weak = [
        Check("c", "escalation", False, 1, "Routes to L1."),
        Check("d", "escalation", False, 1, "No ids."),
    ]
    communication, escalation = roll_up(("communication", "escalation"), strong + weak, words=300)
    assert (communication.score, escalation.score) == (5, 1)
    assert communication.needs_review and escalation.needs_review
    assert "disagree" in communication.doubts[-1]


def test_an_evenly_split_dimension_is_flagged_and_a_clear_one_is_not():
    split = [_check("a", True, 1), _check("b", False, 1)]
    (result,) = roll_up(("troubleshooting",), split, words=300)
    assert result.needs_review
    (clear,) = roll_up(("troubleshooting",), [_check("a", True, 3), _check("b", False, 1)], words=300)
    assert not clear.needs_review


def test_check_explanations_describe_what_happened_without_judging_the_person():
    import inspect

    from scoring.scorers import comms, escalation, incident, investigation, postmortem, triage

    judging = ("random walk", "defensive", "poor cross-team", "misreads the impact", "should approve")
    for module in (comms, escalation, incident, investigation, postmortem, triage):
        source = inspect.getsource(module).lower()
        assert not [phrase for phrase in judging if phrase in source], module.__name__


def test_a_check_as_a_dict_is_what_dataclasses_would_give():
    from dataclasses import asdict

    check = Check("severity_T-1", "operational_discipline", False, 1.5, "Sets SEV4; this is SEV2.", quote="SEV4",
                  gate=True, assessed=False, doubt="a single match")  # fmt: skip

    assert check.as_dict() == asdict(check)


def test_a_failed_check_with_a_ceiling_caps_the_score_and_says_why_first():
    checks = [
        *[_check(f"c{i}", True, 2.0) for i in range(4)],
        _check("no_cause", False, 0, ceiling=3),
    ]
    assert score_from_checks(checks) == 3
    assert describe(checks).startswith("Met 4 of 5 checks. no_cause missed.")
    passed = [*checks[:4], _check("no_cause", True, 0, ceiling=3)]
    assert score_from_checks(passed) == 5
    # a ceiling never lifts a score, and a check not assessed caps nothing
    assert score_from_checks([_check("a", False, 1.0), _check("cap", False, 0, ceiling=3)]) == 1
    assert score_from_checks([*checks[:4], _check("cap", False, 0, ceiling=3, assessed=False)]) == 5
