"""The adverse-impact arithmetic on small tables worked out by hand."""

import pytest

from fairness.impact import Candidate, adverse_impact, is_selected

GENDER = {
    "key": "gender",
    "label": "Gender",
    "options": [
        {"key": "woman", "label": "Woman"},
        {"key": "man", "label": "Man"},
        {"key": "non_binary", "label": "Non-binary"},
        {"key": "another", "label": "In another way"},
    ],
}


def people(n: int, *, answer: str | None, selected: int, scores: list[float]) -> list[Candidate]:
    """n candidates of one group: the first `selected` selected, with the scores given in order."""
    assert len(scores) == n
    answers = {"gender": answer} if answer else {}
    return [Candidate(selected=i < selected, score=scores[i], answers=answers) for i in range(n)]


def by_key(question: dict) -> dict:
    return {g["key"]: g for g in question["groups"]}


def test_selection_rates_ratios_and_the_four_fifths_flag_on_a_table_worked_by_hand():
    # Women: 10, 3 selected, 4 score 4.0 and 6 score 2.0. Men: 10, 5 selected, 5 score 4.0, 5 score 2.0.
    # Non-binary: 3 (too few). Not stated: one "prefer not to say", one who declined; both score 3.0,
    # as do the three non-binary candidates.
    # All 25 scores sorted: eleven 2.0, five 3.0, nine 4.0, so the median (13th) is 3.0.
    candidates = (
        people(10, answer="woman", selected=3, scores=[4.0] * 4 + [2.0] * 6)
        + people(10, answer="man", selected=5, scores=[4.0] * 5 + [2.0] * 5)
        + people(3, answer="non_binary", selected=1, scores=[3.0] * 3)
        + people(1, answer="prefer_not_to_say", selected=1, scores=[3.0])
        + people(1, answer=None, selected=0, scores=[3.0])
    )

    report = adverse_impact(candidates, [GENDER], min_group_size=5)

    assert report["candidates"] == 25
    assert report["selected"] == 10
    assert report["median_score"] == 3.0
    gender = report["questions"][0]
    # 23 answered, 2 did not; but 23 less the 20 judged would give the 3 non-binary candidates,
    # so neither total is shown.
    assert gender["respondents"] is None
    assert gender["not_stated"] is None
    groups = by_key(gender)
    assert set(groups) == {"woman", "man"}
    # Selection: 3/10 = 0.3 against 5/10 = 0.5, ratio 0.6 < 0.8: flagged.
    assert groups["woman"]["selection_rate"] == pytest.approx(0.3)
    assert groups["man"]["selection_rate"] == pytest.approx(0.5)
    assert groups["woman"]["impact_ratio"] == pytest.approx(0.6)
    assert groups["woman"]["four_fifths_flag"] is True
    assert groups["man"]["impact_ratio"] == pytest.approx(1.0)
    assert groups["man"]["four_fifths_flag"] is False
    assert groups["man"]["highest"] is True
    # Above the median 3.0: women 4/10, men 5/10, ratio exactly 4/5: not flagged.
    assert groups["woman"]["above_median"] == 4
    assert groups["woman"]["above_median_rate"] == pytest.approx(0.4)
    assert groups["woman"]["above_median_impact_ratio"] == pytest.approx(0.8)
    assert groups["woman"]["above_median_four_fifths_flag"] is False
    assert gender["flagged"] == ["Woman"]
    # The small groups are left out together, with one reason and without their numbers: three
    # people and nobody read the same.
    assert gender["left_out"] == [
        {"key": "non_binary", "label": "Non-binary", "reason": "too few to report"},
        {"key": "another", "label": "In another way", "reason": "too few to report"},
    ]
    assert gender["totals_withheld"] is not None


def test_a_group_under_two_percent_of_respondents_is_left_out_even_when_it_has_n_people():
    # 200 + 144 + 6 = 350 answered; 6/350 = 1.7% < 2%.
    candidates = (
        people(200, answer="woman", selected=100, scores=[3.0] * 200)
        + people(144, answer="man", selected=60, scores=[3.0] * 144)
        + people(6, answer="non_binary", selected=6, scores=[3.0] * 6)
    )

    gender = adverse_impact(candidates, [GENDER], min_group_size=5)["questions"][0]

    assert {"key": "non_binary", "label": "Non-binary", "reason": "too few to report"} in gender["left_out"]
    # Six left out is at least the minimum: the totals can be shown.
    assert (gender["respondents"], gender["not_stated"], gender["totals_withheld"]) == (350, 0, None)
    groups = by_key(gender)
    # 60/144 = 0.41667 against 100/200 = 0.5: ratio 0.8333, not flagged.
    assert groups["man"]["impact_ratio"] == pytest.approx(60 / 144 / 0.5)
    assert groups["man"]["four_fifths_flag"] is False


def test_a_group_of_exactly_two_percent_is_judged():
    # 200 + 143 + 7 = 350; 7/350 = 2% exactly. 1 of 7 selected: 0.142857 / 0.5 = 0.2857, flagged.
    candidates = (
        people(200, answer="woman", selected=100, scores=[3.0] * 200)
        + people(143, answer="man", selected=60, scores=[3.0] * 143)
        + people(7, answer="non_binary", selected=1, scores=[3.0] * 7)
    )

    groups = by_key(adverse_impact(candidates, [GENDER], min_group_size=5)["questions"][0])

    assert groups["non_binary"]["impact_ratio"] == pytest.approx((1 / 7) / 0.5)
    assert groups["non_binary"]["four_fifths_flag"] is True
    # Every score is 3.0, the median: nobody is strictly above it, so no ratio and no flag.
    assert groups["woman"]["above_median_rate"] == 0.0
    assert groups["woman"]["above_median_impact_ratio"] is None
    assert groups["woman"]["above_median_four_fifths_flag"] is False


def test_the_minimum_group_size_is_a_parameter():
    candidates = people(3, answer="woman", selected=1, scores=[2.0, 3.0, 4.0]) + people(
        3, answer="man", selected=3, scores=[2.0, 3.0, 4.0]
    )

    at_five = adverse_impact(candidates, [GENDER], min_group_size=5)["questions"][0]
    at_three = adverse_impact(candidates, [GENDER], min_group_size=3)["questions"][0]

    assert at_five["groups"] == [] and at_five["comparable"] is False
    groups = by_key(at_three)
    assert groups["woman"]["impact_ratio"] == pytest.approx(1 / 3)
    assert groups["woman"]["four_fifths_flag"] is True


def test_when_nobody_is_selected_there_is_no_ratio_and_no_flag():
    candidates = people(5, answer="woman", selected=0, scores=[1.0] * 5) + people(
        5, answer="man", selected=0, scores=[1.0] * 5
    )

    groups = by_key(adverse_impact(candidates, [GENDER])["questions"][0])

    assert groups["woman"]["selection_rate"] == 0.0
    assert groups["woman"]["impact_ratio"] is None
    assert groups["woman"]["four_fifths_flag"] is False


def test_one_group_alone_is_not_comparable():
    candidates = people(6, answer="woman", selected=2, scores=[3.0] * 6)

    gender = adverse_impact(candidates, [GENDER])["questions"][0]

    assert [g["key"] for g in gender["groups"]] == ["woman"]
    assert gender["comparable"] is False


def test_an_answer_that_is_not_an_option_counts_as_not_stated():
    candidates = people(5, answer="woman", selected=2, scores=[3.0] * 5) + people(
        2, answer="retired_option", selected=0, scores=[3.0] * 2
    )

    gender = adverse_impact(candidates, [GENDER])["questions"][0]

    assert gender["respondents"] == 5
    assert gender["not_stated"] == 2


def test_hire_and_strong_hire_count_as_selected():
    assert [o for o in ("strong_hire", "hire", "no_hire", "strong_no_hire", "") if is_selected(o)] == [
        "strong_hire",
        "hire",
    ]


def reasons(question: dict) -> set[str]:
    return {g["reason"] for g in question["left_out"]}


def test_one_candidate_who_answered_is_not_told_apart_from_the_options_nobody_chose():
    report = adverse_impact(people(1, answer="woman", selected=1, scores=[4.0]), [GENDER], min_group_size=5)
    gender = report["questions"][0]

    assert gender["groups"] == []
    # Every option, the one chosen and those nobody chose, in one list, in the question's order.
    assert [g["key"] for g in gender["left_out"]] == ["woman", "man", "non_binary", "another"]
    assert reasons(gender) == {"too few to report"}
    assert all(set(g) == {"key", "label", "reason"} for g in gender["left_out"])
    # One answer is below the minimum: no count of answers, and no "not stated" that the one
    # candidate with a scorecard would turn into a count of answers.
    assert gender["respondents"] is None and gender["not_stated"] is None
    assert gender["totals_withheld"] == "too few answers to report"


def test_n_minus_one_in_one_option_and_nobody_in_the_others_reads_like_one_person():
    four = adverse_impact(people(4, answer="man", selected=2, scores=[3.0] * 4), [GENDER], min_group_size=5)
    one = adverse_impact(people(1, answer="woman", selected=0, scores=[3.0]), [GENDER], min_group_size=5)

    def shown(report: dict) -> dict:
        question = report["questions"][0]
        return {
            k: question[k] for k in ("groups", "left_out", "respondents", "not_stated", "totals_withheld")
        }

    # Four people choosing one option and one person choosing another give the same question.
    assert shown(four) == shown(one)
    assert shown(four)["totals_withheld"] == "too few answers to report"


def test_totals_are_withheld_when_subtraction_would_give_a_small_groups_size():
    # 6 women and 5 men are judged; 2 non-binary are left out; 3 did not say.
    candidates = (
        people(6, answer="woman", selected=3, scores=[3.0] * 6)
        + people(5, answer="man", selected=3, scores=[3.0] * 5)
        + people(2, answer="non_binary", selected=1, scores=[3.0] * 2)
        + people(3, answer=None, selected=1, scores=[3.0] * 3)
    )

    gender = adverse_impact(candidates, [GENDER], min_group_size=5)["questions"][0]

    assert {g["key"]: g["people"] for g in gender["groups"]} == {"woman": 6, "man": 5}
    # 13 answered less the 11 judged would give 2: neither 13 nor 3 (16 candidates less 3) is shown.
    assert gender["respondents"] is None and gender["not_stated"] is None
    assert gender["totals_withheld"].startswith("not shown")


def test_totals_are_shown_when_the_groups_left_out_are_none_or_at_least_the_minimum():
    judged = people(6, answer="woman", selected=3, scores=[3.0] * 6) + people(
        5, answer="man", selected=3, scores=[3.0] * 5
    )
    not_stated = people(2, answer=None, selected=0, scores=[3.0] * 2)

    none_left_out = adverse_impact(judged + not_stated, [GENDER], min_group_size=5)["questions"][0]
    # 3 non-binary and 2 "in another way": each too few, together 5.
    five_left_out = adverse_impact(
        judged
        + not_stated
        + people(3, answer="non_binary", selected=1, scores=[3.0] * 3)
        + people(2, answer="another", selected=1, scores=[3.0] * 2),
        [GENDER],
        min_group_size=5,
    )["questions"][0]

    assert (none_left_out["respondents"], none_left_out["not_stated"]) == (11, 2)
    assert none_left_out["totals_withheld"] is None
    assert (five_left_out["respondents"], five_left_out["not_stated"]) == (16, 2)
    assert five_left_out["totals_withheld"] is None
    assert reasons(five_left_out) == {"too few to report"}
