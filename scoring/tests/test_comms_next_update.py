"""customer_comms: the promised time of the next update is read from `next_update_at` (ISO 8601)."""

from datetime import datetime, timedelta

import pytest

from scoring.tests.helpers import result, scenario

UPDATE = (
    "Some customers cannot load the Orders API. We do not yet know the cause. In the meantime, retry with "
    "backoff. We will post the next update here."
)


@pytest.fixture(scope="module")
def generated():
    return scenario("customer_comms", "db_pool_exhaustion_after_deploy")


def _after_now(generated, minutes: float, *, offset: str = "Z") -> str:
    now = datetime.fromisoformat(generated.payload["now"])
    moment = now + timedelta(minutes=minutes)
    if offset == "Z":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (moment + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S") + offset


def _next_update_check(generated, next_update_at: str):
    checks = result(generated, {"update": UPDATE, "next_update_at": next_update_at}).dimensions[0].checks
    return next(c for c in checks if c.id == "next_update_time")


def test_a_time_from_the_picker_within_the_window_commits_to_the_next_update(generated):
    within = generated.answer_key["next_update_within_minutes"]
    check = _next_update_check(generated, _after_now(generated, within - 5))
    assert check.passed
    assert f"within {within} minutes" in check.explanation


def test_the_time_is_read_with_its_timezone(generated):
    within = generated.answer_key["next_update_within_minutes"]
    assert _next_update_check(generated, _after_now(generated, within - 5, offset="+02:00")).passed
    assert not _next_update_check(generated, _after_now(generated, within + 60, offset="+02:00")).passed


def test_a_time_later_than_the_severity_allows_fails_and_says_so(generated):
    within = generated.answer_key["next_update_within_minutes"]
    check = _next_update_check(generated, _after_now(generated, within + 30))
    assert not check.passed
    assert "later than" in check.explanation


def test_a_time_already_past_is_no_commitment(generated):
    check = _next_update_check(generated, _after_now(generated, -10))
    assert not check.passed
    assert "already passed" in check.explanation


def test_without_a_time_the_update_text_still_counts(generated):
    checks = result(generated, {"update": UPDATE + " Next update in 20 minutes."}).dimensions[0].checks
    assert next(c for c in checks if c.id == "next_update_time").passed
    assert not _next_update_check(generated, "").passed
