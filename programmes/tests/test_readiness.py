"""The readiness rule as a pure function: small fixed histories, results worked out by hand."""

from datetime import UTC, datetime, timedelta

from programmes.readiness import ReadinessRule, ScoredAttempt, evaluate, ready_since, trend, trend_word

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
RULE = ReadinessRule(dimensions=("troubleshooting", "communication"), min_mean=3.5, min_each=2, attempts=2)


def attempt(day: int, **scores) -> ScoredAttempt:
    return ScoredAttempt(at=T0 + timedelta(days=day), scores=scores)


def test_two_good_attempts_on_every_dimension_make_the_trainee_ready():
    history = [attempt(1, troubleshooting=4, communication=3), attempt(2, troubleshooting=4, communication=4)]

    result = evaluate(RULE, history)

    # troubleshooting (4+4)/2 = 4, communication (3+4)/2 = 3.5, mean 3.75
    assert result.ready and result.reasons == ()
    assert result.levels == {"troubleshooting": 4.0, "communication": 3.5}
    assert result.mean == 3.75


def test_a_dimension_below_the_floor_fails_even_with_a_high_mean():
    history = [attempt(1, troubleshooting=5, communication=1), attempt(2, troubleshooting=5, communication=2)]

    result = evaluate(ReadinessRule(dimensions=RULE.dimensions, min_mean=3, min_each=2, attempts=2), history)

    # communication (1+2)/2 = 1.5 < 2; the mean (5+1.5)/2 = 3.25 clears 3
    assert not result.ready
    assert result.levels["communication"] == 1.5
    assert result.reasons == ("below 2 on communication",)


def test_too_few_attempts_is_not_ready_even_with_top_scores():
    result = evaluate(RULE, [attempt(1, troubleshooting=5, communication=5)])

    assert not result.ready
    assert result.counts == {"troubleshooting": 1, "communication": 1}
    assert result.reasons == ("too few scored attempts on troubleshooting, communication (needs 2 each)",)


def test_a_dimension_no_drill_scored_yet_counts_as_too_few():
    history = [attempt(1, troubleshooting=5), attempt(2, troubleshooting=5)]

    result = evaluate(RULE, history)

    assert not result.ready and result.levels["communication"] is None
    assert "too few scored attempts on communication" in result.reasons[0]


def test_a_low_mean_fails():
    history = [attempt(1, troubleshooting=3, communication=3), attempt(2, troubleshooting=3, communication=4)]

    result = evaluate(RULE, history)

    assert not result.ready and result.mean == 3.25
    assert result.reasons == ("mean 3.25 is below 3.5",)


def test_only_the_last_attempts_count_and_order_is_by_time_not_by_list():
    history = [
        attempt(3, troubleshooting=4, communication=4),
        attempt(1, troubleshooting=1, communication=1),
        attempt(2, troubleshooting=4, communication=4),
    ]

    assert evaluate(RULE, history).ready
    assert ready_since(RULE, history) == T0 + timedelta(days=3)


def test_each_dimension_takes_its_own_last_attempts():
    # The comms-only drill of day 3 does not push troubleshooting's older scores out of its window.
    history = [
        attempt(1, troubleshooting=4, communication=2),
        attempt(2, troubleshooting=4, communication=4),
        attempt(3, communication=4),
    ]

    result = evaluate(RULE, history)

    assert result.levels == {"troubleshooting": 4.0, "communication": 4.0} and result.ready


def test_ready_since_is_none_while_not_ready():
    assert ready_since(RULE, [attempt(1, troubleshooting=5, communication=5)]) is None


def test_trend_is_the_least_squares_slope_of_recent_means():
    assert trend([2.0, 3.0, 4.0]) == 1.0
    assert trend([3.0]) is None
    assert trend([1, 1, 1, 1, 1, 5, 4, 3], last=3) == -1.0
    assert trend_word(0.5) == "improving" and trend_word(-0.5) == "declining" and trend_word(0.0) == "steady"
