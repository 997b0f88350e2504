import pytest

from scoring.tests.helpers import GIBBERISH, KEYWORD_SOUP, OFF_TOPIC, result, scenario, scenario_text, scores

ARCHETYPE = "db_pool_exhaustion_after_deploy"

STRONG = (
    "We are aware that since 09:55 UTC a share of requests to the Orders API, the orders page in the web app and "
    "checkout integrations fail with HTTP 503 errors. We know that retries with backoff often succeed, and our "
    "engineers are applying a mitigation now. We do not yet know the root cause or when error rates will return to "
    "normal, and we will confirm whether any order writes need to be re-sent. In the meantime, we recommend "
    "retrying failed requests with backoff. We are sorry for the disruption. Our next update will be in 30 minutes."
)
MIDDLING = (
    "Some customers are seeing errors on the Orders API. Our team is looking into it and we will share more "
    "information when we have it."
)
WEAK = "Sorry about this. The database crashed after a bad deploy. It will be fixed within 10 minutes, guaranteed."


@pytest.fixture(scope="module")
def generated():
    return scenario("customer_comms", ARCHETYPE)


def test_strong_middling_and_weak_updates_score_in_that_order_with_clear_gaps(generated):
    strong = scores(generated, {"update": STRONG})["communication"]
    middling = scores(generated, {"update": MIDDLING})["communication"]
    weak = scores(generated, {"update": WEAK})["communication"]

    assert strong == 5
    assert strong - middling >= 2
    assert middling - weak >= 1


def test_a_strong_update_is_explained_check_by_check_with_quotes(generated):
    checks = {c.id: c for c in result(generated, {"update": STRONG}).dimensions[0].checks}
    assert all(c.passed for c in checks.values())
    assert "Orders API" in checks["acknowledges_impact"].quote
    assert "30 minutes" in checks["next_update_time"].quote
    assert checks["states_unknown"].quote.startswith("We do not yet know")


def test_speculation_blame_and_a_promised_fix_time_each_fail_their_check(generated):
    checks = {
        c.id: c
        for c in result(generated, {"update": WEAK + " This was your misconfiguration."}).dimensions[0].checks
    }
    assert (
        not checks["no_promised_fix_time"].passed
        and "fixed within 10 minutes" in checks["no_promised_fix_time"].quote
    )
    assert not checks["no_blame"].passed and "your misconfiguration" in checks["no_blame"].quote


@pytest.mark.parametrize(
    "gaming",
    ["", GIBBERISH, "PASTE", KEYWORD_SOUP, OFF_TOPIC],
    ids=["empty", "gibberish", "pasted-scenario", "keyword-stuffed", "off-topic"],
)
def test_gaming_answers_score_at_the_bottom(generated, gaming):
    text = scenario_text(generated) if gaming == "PASTE" else gaming
    assert scores(generated, {"update": text}) == {"communication": 1}


def test_scoring_the_same_answer_twice_gives_the_same_result(generated):
    assert result(generated, {"update": STRONG}).as_dict() == result(generated, {"update": STRONG}).as_dict()
