"""What a free-text answer is before anyone reads it: the gate every scorer applies."""

import pytest

from scoring.tests.helpers import GIBBERISH, KEYWORD_SOUP, OFF_TOPIC, scenario, scenario_text
from scoring.text import profile, vocabulary_for


@pytest.fixture(scope="module")
def generated():
    return scenario("escalation_writeup", "oauth_client_secret_expired", seed=4)


@pytest.fixture(scope="module")
def vocabulary(generated):
    return vocabulary_for(generated.payload, generated.answer_key, archetype="oauth_client_secret_expired")


def test_terse_but_real_notes_are_not_mistaken_for_a_keyword_list(generated, vocabulary):
    facts = generated.answer_key["facts"]
    notes = (
        f"Cause: client secret expired. Impact: {facts['impact']['records']} records, {facts['impact']['tier']} tier. "
        f"Evidence: {facts['request_ids'][0]}, {facts['request_ids'][1]}. Onset: {facts['onset']}. "
        f"Versions: {facts['versions'][0]} -> {facts['versions'][1]}. Ask: rotate secret; confirm token exchange."
    )
    assert profile(notes, vocabulary).gamed == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("ok", "empty"),
        (GIBBERISH, "not readable"),
        (KEYWORD_SOUP, "keywords"),
        (OFF_TOPIC, "not about this scenario"),
    ],
)
def test_gaming_text_is_named_for_what_it_is(vocabulary, text, reason):
    assert reason in profile(text, vocabulary).gamed


def test_the_scenario_pasted_back_is_recognised(generated, vocabulary):
    assert "repeats the scenario" in profile(scenario_text(generated), vocabulary).gamed
