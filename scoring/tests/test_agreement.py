"""The evaluation's figures on small tables, against values worked out by hand."""

import pytest

from scoring.agreement import (
    GradedDimension,
    agreement,
    by_style,
    comparable_pairs,
    evaluation_report,
    expert_grade,
    good_bad_inversions,
    inter_grader,
    inverted_pairs,
    mean_absolute_error,
    own_words_gap,
    quadratic_kappa,
    review_flag,
    spearman,
    targets,
)


def _row(scenario, style, auto, grades, dimension="troubleshooting", flagged=None) -> GradedDimension:
    return GradedDimension(
        scenario=scenario,
        kind="log_investigation",
        style=style,
        dimension=dimension,
        auto=auto,
        grades=dict(zip("ab", grades, strict=False)),
        flagged=flagged,
    )


@pytest.mark.parametrize(
    ("grades", "expected"),
    [([5], 5), ([4, 5], 5), ([2, 3], 3), ([1, 2], 2), ([3, 4, 4], 4), ([1, 2, 2, 2], 2), ([2, 2, 3, 3], 3), ([2, 2, 2, 3], 2)],
)  # fmt: skip
def test_the_expert_grade_is_the_graders_mean_rounded_half_up(grades, expected):
    assert expert_grade(grades) == expected


def test_quadratic_kappa_matches_the_hand_computed_value():
    # Observed weighted disagreement: one pair off by one, (3-4)^2 = 1. Expected from the
    # marginals (auto 1,2,3,4 once each; expert 1,2 once and 4 twice): 48 / 4 = 12. 1 - 1/12.
    assert quadratic_kappa([1, 2, 3, 4], [1, 2, 4, 4]) == pytest.approx(11 / 12)
    # Opposite ends both times: observed 32, expected 16, kappa 1 - 32/16.
    assert quadratic_kappa([1, 5], [5, 1]) == pytest.approx(-1.0)
    assert quadratic_kappa([3, 3, 3], [3, 3, 3]) is None
    assert quadratic_kappa([3], [4]) is None


def test_spearman_and_mean_absolute_error_match_the_hand_computed_values():
    # Rank differences 0, 1, 1, 0: 1 - 6 * 2 / (4 * (16 - 1)) = 0.8.
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert spearman([2, 2, 2], [1, 2, 3]) is None
    assert mean_absolute_error([1, 2, 3, 4], [1, 2, 4, 4]) == pytest.approx(0.25)
    assert agreement(
        [_row("s", "expert", a, [e]) for a, e in zip([1, 2, 3, 4], [1, 2, 4, 4], strict=True)]
    ) == {
        "n": 4,
        "qwk": pytest.approx(11 / 12),
        "spearman": pytest.approx(spearman([1, 2, 3, 4], [1, 2, 4, 4])),
        "mae": pytest.approx(0.25),
    }


# One scenario and dimension, five responses (expert grades in brackets):
#   expert 4 [5], own_words 3 [5], terse 3 [4], stuffed 3 [2], partial 2 [3]
# Ten pairs, one tie in expert grade (expert, own_words): nine comparable. Inverted, the worse
# one scoring at least as high: terse>=own_words, stuffed>=own_words, stuffed>=terse,
# stuffed>=partial. Of those, good under bad: stuffed>=own_words, stuffed>=terse.
TABLE = [
    _row("s1", "expert", 4, [5, 5]),
    _row("s1", "own_words", 3, [5, 4]),
    _row("s1", "terse", 3, [4, 4]),
    _row("s1", "stuffed", 3, [1, 2]),
    _row("s1", "partial", 2, [3, 3]),
    # Another dimension of the same scenario: never paired with the rows above.
    _row("s1", "stuffed", 5, [1, 1], dimension="observability"),
    _row("s1", "expert", 1, [5, 5], dimension="observability"),
    # Another scenario: own words 5, expert 5.
    _row("s2", "expert", 5, [5, 5]),
    _row("s2", "own_words", 5, [4, 5]),
]


def test_inverted_pairs_are_counted_within_a_scenario_and_dimension():
    inverted = inverted_pairs(TABLE[:5])
    assert {(worse.style, better.style) for worse, better in inverted} == {
        ("terse", "own_words"),
        ("stuffed", "own_words"),
        ("stuffed", "terse"),
        ("stuffed", "partial"),
    }
    assert comparable_pairs(TABLE[:5]) == 9
    assert {(w.style, b.style) for w, b in good_bad_inversions(inverted)} == {
        ("stuffed", "own_words"),
        ("stuffed", "terse"),
    }
    # The other dimension adds its one pair (stuffed 5 >= expert 1); scenario s2 ties on 5.
    assert len(inverted_pairs(TABLE)) == 5
    assert comparable_pairs(TABLE) == 10


def test_the_own_words_gap_is_the_mean_difference_to_the_expert_response():
    # s1 troubleshooting: 3 - 4 = -1; s2: 5 - 5 = 0. Mean -0.5 over two pairs.
    assert own_words_gap(TABLE) == {"n": 2, "mean": pytest.approx(-0.5)}
    assert own_words_gap(TABLE[2:5]) == {"n": 0, "mean": None}


def test_mean_scores_by_style():
    styles = by_style(TABLE)
    # expert rows: auto 4, 1, 5 -> 10/3; expert grades 5, 5, 5.
    assert styles["expert"] == {"n": 3, "mean_auto": pytest.approx(10 / 3), "mean_expert": 5.0}
    # stuffed rows: auto 3, 5 -> 4; expert grades 2 (1.5 rounded up) and 1 -> 1.5.
    assert styles["stuffed"] == {"n": 2, "mean_auto": 4.0, "mean_expert": 1.5}


def test_inter_grader_agreement_uses_the_rows_both_graded():
    rows = [_row("s", "expert", 3, grades) for grades in ([1, 1], [2, 2], [3, 4], [4, 4])]
    rows.append(_row("s", "terse", 3, [5]))  # grader b did not grade this one
    assert inter_grader(rows) == [{"graders": ["a", "b"], "n": 4, "qwk": pytest.approx(11 / 12)}]


def test_the_review_flag_rate_and_its_recall_of_large_errors():
    rows = [
        _row("s", "stuffed", 5, [1], flagged=True),  # a large error, flagged
        _row("s", "own_words", 1, [4], flagged=False),  # a large error, missed
        _row("s", "terse", 3, [3], flagged=True),
        _row("s", "partial", 2, [2], flagged=False),
    ]
    assert review_flag(rows) == {
        "n": 4,
        "flagged": 2,
        "flag_rate": 0.5,
        "large_errors": 2,
        "large_errors_flagged": 1,
        "recall": 0.5,
    }
    assert review_flag([_row("s", "terse", 3, [3])]) is None


def test_each_target_is_judged_on_its_figure():
    report = evaluation_report(TABLE)
    judged = {t["target"]: t for t in targets(report)}

    # Two in troubleshooting, and stuffed 5 >= expert 1 in observability.
    assert judged["no inverted pairs between good and bad styles"] == {
        "target": "no inverted pairs between good and bad styles",
        "value": 3,
        "met": False,
    }
    assert judged["own words within 0.25 of expert"]["value"] == pytest.approx(-0.5)
    assert not judged["own words within 0.25 of expert"]["met"]
    assert judged["QWK >= 0.70 on every dimension"]["where"] in ("observability", "troubleshooting")

    perfect = [
        _row("s", style, grade, [grade]) for style, grade in (("expert", 5), ("own_words", 5), ("stuffed", 1))
    ]
    perfect += [
        _row("s", style, grade, [grade], dimension="observability")
        for style, grade in (("expert", 4), ("filler", 2))
    ]
    assert all(t["met"] for t in targets(evaluation_report(perfect)))
