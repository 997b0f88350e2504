"""What a free-text answer is before anyone reads it: the gate every scorer applies."""

import json
from pathlib import Path

import pytest

from scenarios.catalog import catalog
from scoring import text as text_module
from scoring.tests.helpers import GIBBERISH, KEYWORD_SOUP, OFF_TOPIC, scenario, scenario_text
from scoring.text import (
    affirmative,
    filler,
    profile,
    sentences,
    shorthand_rate,
    strung_together,
    vocabulary_for,
    without_filler,
)


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


@pytest.mark.parametrize(
    "text",
    [
        # Clipped notes: abbreviations, arrows, slashes and labels, but each line says something.
        "[Investigating] Unexpected sign-outs - web + mobile apps - 09:05 UTC\n"
        "- Since ~08:12 UTC users get signed out and must sign in again; can repeat.\n"
        "- Re-sign-in works. No data / settings / password changes or loss.\n"
        "- Not known yet: cause; when it stops. No ETA.\n- Next update by 09:35 UTC.",
        "T-16016 | Acme (std) | SEV2 | -> Eng (billing)\nIssue: double capture, 2x 890.00 GBP; invoice paid, 1 pmt "
        "recorded.\nExp: retry w/ same key -> 1 charge. Act: retry -> new charge.\nWA: pause billing runs, refund "
        "dupes.\nAsk: stop run, fix client, list affected invoices.",
    ],
)
def test_clipped_notes_that_make_statements_are_not_strung_terms(text):
    assert not strung_together(text)


@pytest.mark.parametrize(
    "text",
    [
        # Labelled lines of comma-strung items.
        "Known: signed out, sign in works, no data lost, form changes lost, API keys fine, no access.\n"
        "Factors: session store, Redis, maxmemory, eviction, allkeys-lru, TTL, cookies, cache, release.\n"
        "Tone: impact acknowledged, apology, empathy, transparency, actionable guidance, workaround.",
        # Lines of bare terms with no marks between them.
        "ESCALATION Engineering SRE SEV2 T-51877 Kestrel enterprise tn_4b9e21c7d0\n"
        "orders-api v5.3.0 v5.2.4 eu-central-1 production keyset cursor pagination\n"
        "repro steps expected actual environment versions severity reason impact workaround ask",
    ],
)
def test_terms_strung_together_are_recognised_whatever_the_layout(text):
    assert strung_together(text)


@pytest.mark.parametrize(
    ("text", "both"),
    [
        ("You could retry, or you could wait; both are valid approaches.", True),
        ("It might be the database, it might be your provider, or it might be neither.", True),
        ("This may affect some, all, or none of our customers.", True),
        ("Retry once; if it fails again, wait for our next update. Both steps are safe.", False),
        ("Some, but not all, requests fail.", False),
        ("You may want to retry, or wait, or avoid search for now, or continue as usual.", True),
        ("Retry, wait a minute, or use the export instead.", False),
    ],
)
def test_options_held_open_at_once_are_filler(text, both):
    assert bool(filler(text).both_ways) is both


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("[Investigating] Sign-in errors since 09:05 UTC.", False),
        ("Read the order with GET /v2/orders/{id}; search with q={id}.", False),
        ('Search answers 200 with {"results":[],"total":0}.', False),
        ("Next update at [time] for {customer}.", True),
        ("[T+5m] Paged SRE with the cross-node numbers.", False),
        ("[14:05] Status page moved to Identified.", False),
        ("Dear [customer name], the issue started at [start time].", True),
    ],
)
def test_status_tags_path_templates_and_json_are_not_placeholders(text, placeholder):
    assert bool(filler(text).placeholder) is placeholder
    assert (without_filler(text) == text) is not placeholder


def test_note_shorthand_is_counted_and_plain_words_are_not():
    assert (
        shorthand_rate("Retries w/ backoff work; web + mobile affected; cust told, pw reset not needed.")
        > 0.2
    )
    assert (
        shorthand_rate("Retries with backoff work; web and mobile apps are affected; call +44 20 7946 0000.")
        == 0
    )


@pytest.mark.parametrize(
    ("text", "proposed"),
    [
        # a refused list runs on past a version, a clock time and a number
        ("Do NOT: roll back v4.18.0 at 09:12, drop 2,600 rows or restart Postgres.", ()),
        ("Things I would refuse: failing over to the replica or restarting the database.", ()),
        # a label that is a negation alone heads its list; "would not help" takes its action back
        ("Off the table: rolling back v4.18.0 or restarting Postgres - either loses queued rows.", ()),
        ("Restarting Postgres would not help.", ()),
        # ...but not past the end of its sentence, and a system's refusal refuses nothing of the writer's
        ("Do not wait for v4.30.0. Restart Postgres now.", ("restart postgres",)),
        ("The pool refuses new connections, so restart Postgres.", ("restart postgres",)),
        ("Off the table: nothing. Restart Postgres now.", ("restart postgres",)),
    ],
)
def test_a_negation_takes_back_its_list_and_stops_at_its_sentence(text, proposed):
    claimed = affirmative(text).lower()
    for phrase in ("roll back", "restart", "fail", "drop"):
        assert (phrase in claimed) is any(phrase in p for p in proposed), (phrase, claimed)


@pytest.mark.parametrize(
    "text",
    [
        "Rolling back search-service v4.12.0 is pointless (see hypotheses).",
        "Restarting the edge pods would be futile while the ruleset is loaded.",
        "Scaling out would only make it worse.",
    ],
)
def test_an_action_called_pointless_or_harmful_is_not_proposed(text):
    claimed = affirmative(text).lower()
    assert not any(word in claimed for word in ("rolling back", "restarting", "scaling")), claimed


def test_another_cause_is_named_by_its_own_terms_not_by_words_the_scenario_uses():
    """An expert rules out what the scenario itself shows (here, logs that name three other
    archetypes' causes); that is not naming every cause. The same words in a scenario that never
    shows them are."""
    causes = [a["root_cause"] for a in catalog()["archetypes"] if a["id"] != "oauth_client_secret_expired"][
        :3
    ]
    answer = "Ruled out, each with its line and time: " + "; also ".join(causes) + "."
    shows_them = vocabulary_for(
        {"logs_summary": " ".join(causes)}, {}, archetype="oauth_client_secret_expired"
    )
    shows_none = vocabulary_for(
        {"logs_summary": "token exchange rejected"}, {}, archetype="oauth_client_secret_expired"
    )
    assert not profile(answer, shows_them).stuffed
    assert profile(answer, shows_none).stuffed


def test_a_term_list_split_over_lines_is_stuffed_whatever_its_punctuation(vocabulary):
    fields = [
        "rk_live key leaked public repository sequential paging page_size rate limit concurrent networks "
        "exfiltration enumeration security incident data breach invalid_client client secret token",
        "revoke rotate key secrets manager preserve logs security incident block notify breach.",
        "leaked key; integration loop; new device login; invalid_client; deploy.",
        "SEV1 Security security",
    ]
    assert profile("\n".join(fields), vocabulary).stuffed


@pytest.mark.parametrize(
    ("text", "proposed"),
    [
        # a verdict that ends a list takes the whole list back
        ("Promoting them to admin, or disabling the export check, would be the wrong trade.", ()),
        ("Restarting every node at once is too risky.", ()),
        # a negated list runs on to its closing ", or", past a clock time
        ("I would not restart the service, roll back the release from 23:51, or change the clocks.", ()),
        # ...but a list closed by "and" after a negation is ambiguous and read as written
        ("Don't restart the pool, roll back the release, and tell the customer.", ("roll back",)),
        # and a verdict on something else takes nothing back
        ("Roll back the release; the old pool size was wrong.", ("roll back",)),
    ],
)
def test_a_verdict_or_a_closing_or_carries_the_negation_over_its_list(text, proposed):
    claimed = affirmative(text).lower()
    for phrase in ("promoting", "disabling", "restart", "roll back", "change the clocks"):
        assert (phrase in claimed) is any(phrase in p for p in proposed), (phrase, claimed)


@pytest.mark.parametrize(
    "text",
    [
        "Any of these might be involved, or none.",
        "Could be serious or could settle down.",
        "Tentatively SEV2, but SEV3 might also fit.",
    ],
)
def test_every_reading_held_open_is_filler(text):
    assert filler(text).both_ways


# One text per alternative of each pattern that `filler` runs only on a text holding one of its hints.
_HINTED = [
    (
        text_module._PLACEHOLDER,
        text_module._PLACEHOLDER_HINTS,
        [
            "severity: [sev]",
            "contact <customer name> now",
            "see {ticket link}",
            "eta tbd",
            "eta tbc",
            "owner tba",
            "at x:xx utc",
            "at xx:xx utc",
            "by hh:mm",
            "insert time",
            "lorem ipsum dolor",
            "cause ???",
            "placeholder text",
        ],
    ),
    (
        text_module._UNKNOWN_TAUTOLOGY,
        text_module._UNKNOWN_HINTS,
        [
            "the unknowns remain unclear",
            "we don't know what we don't know",
            "whatever is unknown remains unknown",
            "some things are still not yet known",
            "there are still some unknowns",
            "unknowns are being looked into",
        ],
    ),
    (
        text_module._VAGUE_LATER,
        text_module._VAGUE_LATER_HINTS,
        ["more at the next update", "we will update you soon", "next update when we know more"],
    ),
]


@pytest.mark.parametrize(("pattern", "hints", "examples"), _HINTED)
def test_every_match_of_a_filler_pattern_holds_one_of_its_hints(pattern, hints, examples):
    evaluation = Path(__file__).resolve().parents[1] / "evaluation"
    manifest = json.loads((evaluation / "manifest.json").read_text(encoding="utf-8"))
    answers = [
        path.read_text(encoding="utf-8").lower()
        for entry in manifest["scenarios"]
        if entry["split"] == "dev"
        for path in sorted((evaluation / "responses" / entry["id"]).glob("*.json"))
    ]
    matches = [m.group(0) for text in examples + answers for m in pattern.finditer(text)]

    assert all(pattern.search(example) for example in examples)
    assert [m for m in matches if not any(hint in m for hint in hints)] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Rolled back. Errors stopped!\nNext update at 14:30? Yes.",
            ["Rolled back.", "Errors stopped!", "Next update at 14:30?", "Yes."],
        ),
        ("a.\n\nb", ["a.", "b"]),
        ("?!  x", ["?!", "x"]),
        ("a. . b", ["a.", ".", "b"]),
        ("a\n. b", ["a", ".", "b"]),
        ("v4.18.0 and 09:12 stay whole. ok", ["v4.18.0 and 09:12 stay whole.", "ok"]),
        ("no mark here\n\n  \n", ["no mark here"]),
        ("Trailing space. ", ["Trailing space."]),
    ],
)
def test_sentences_end_after_their_mark_or_at_a_line_break(text, expected):
    assert sentences(text) == expected
