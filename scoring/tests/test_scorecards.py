"""The scorecard's arithmetic: precedence of the final score, recommendation rules, disagreements."""

import pytest

from scoring.scorecards import (
    DEFAULT_RULES,
    OverrideEvent,
    disagreements,
    final_scores,
    recommend,
    standing_overrides,
    validate_rule,
)

AUTO = {"troubleshooting": 2.5, "communication": 4.0}


def test_without_reviews_or_overrides_the_auto_score_stands():
    finals = final_scores(auto=AUTO, reviews=[], overrides=[])

    assert finals == {
        "troubleshooting": {"score": 2.5, "source": "auto"},
        "communication": {"score": 4.0, "source": "auto"},
    }


def test_the_median_of_submitted_reviews_beats_the_auto_score():
    reviews = [{"troubleshooting": 4}, {"troubleshooting": 2}, {"troubleshooting": 5, "communication": 3}]

    finals = final_scores(auto=AUTO, reviews=reviews, overrides=[])

    assert finals["troubleshooting"] == {"score": 4.0, "source": "reviews"}
    assert finals["communication"] == {"score": 3.0, "source": "reviews"}


def test_an_even_number_of_reviews_gives_the_middle_of_the_two_middle_scores():
    finals = final_scores(auto=AUTO, reviews=[{"troubleshooting": 3}, {"troubleshooting": 4}], overrides=[])

    assert finals["troubleshooting"]["score"] == 3.5


def test_a_standing_override_beats_reviews_and_the_auto_score():
    overrides = [OverrideEvent(id=1, dimension="troubleshooting", action="override", score=1)]

    finals = final_scores(auto=AUTO, reviews=[{"troubleshooting": 5}], overrides=overrides)

    assert finals["troubleshooting"] == {"score": 1.0, "source": "override"}
    assert finals["communication"]["source"] == "auto"


def test_the_latest_override_stands_and_a_revert_brings_back_the_one_before():
    events = [
        OverrideEvent(id=1, dimension="communication", action="override", score=2),
        OverrideEvent(id=2, dimension="communication", action="override", score=5),
    ]
    assert standing_overrides(events)["communication"].id == 2

    events.append(OverrideEvent(id=3, dimension="communication", action="revert", score=None, reverts=2))
    assert standing_overrides(events)["communication"].id == 1

    events.append(OverrideEvent(id=4, dimension="communication", action="revert", score=None, reverts=1))
    assert "communication" not in standing_overrides(events)
    finals = final_scores(auto=AUTO, reviews=[{"communication": 3}], overrides=events)
    assert finals["communication"] == {"score": 3.0, "source": "reviews"}


@pytest.mark.parametrize(
    ("scores", "outcome"),
    [
        ({"a": 5, "b": 4, "c": 4}, "strong_hire"),  # mean 4.33, lowest 4
        ({"a": 5, "b": 5, "c": 2}, "hire"),  # mean 4.0 but a 2 rules out strong hire
        ({"a": 4, "b": 4, "c": 1}, "no_hire"),  # mean 3.0, a 1 below the hire minimum
        ({"a": 2, "b": 2, "c": 2}, "strong_no_hire"),
    ],
)
def test_the_hiring_rule_takes_the_first_band_whose_mean_and_minimum_hold(scores, outcome):
    finals = {key: {"score": float(value), "source": "auto"} for key, value in scores.items()}

    assert recommend(finals, DEFAULT_RULES["hiring"])[0] == outcome


def test_the_recommendation_names_the_band_that_produced_it():
    finals = {"a": {"score": 4.0, "source": "reviews"}, "b": {"score": 3.0, "source": "auto"}}

    outcome, because = recommend(finals, DEFAULT_RULES["hiring"])

    assert outcome == "hire"
    assert because == "Hire if the mean ≥ 3.5 and no dimension below 2"


def test_a_training_rule_says_ready_or_not_yet():
    ready = {"a": {"score": 4.0, "source": "auto"}, "b": {"score": 3.0, "source": "auto"}}
    not_yet = {"a": {"score": 5.0, "source": "auto"}, "b": {"score": 1.0, "source": "auto"}}

    assert recommend(ready, DEFAULT_RULES["training"])[0] == "ready"
    assert recommend(not_yet, DEFAULT_RULES["training"])[0] == "not_yet"


def test_a_rule_with_unknown_outcomes_or_thresholds_out_of_range_is_explained():
    problems = validate_rule(
        purpose="training", bands=[{"outcome": "hire", "min_mean": 7, "min_each": 1}], otherwise="maybe"
    )

    assert "band 1: the outcome must be one of ready, not_yet" in problems
    assert "band 1: min_mean must be a number from 1 to 5" in problems
    assert "otherwise must be one of ready, not_yet" in problems


def test_two_reviewers_two_points_apart_need_adjudication():
    found = disagreements(auto=AUTO, reviews=[{"communication": 2}, {"communication": 4}])

    assert found == [{"dimension": "communication", "between": "reviewers", "scores": [2, 4]}]


def test_a_reviewer_two_points_from_the_auto_score_needs_adjudication():
    found = disagreements(auto=AUTO, reviews=[{"troubleshooting": 5}])

    assert found[0]["between"] == "reviewer_and_auto"


def test_one_point_apart_is_not_a_disagreement():
    assert disagreements(auto=AUTO, reviews=[{"communication": 3}, {"communication": 4}]) == []
