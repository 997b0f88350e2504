"""The linter's checks of a postmortem's timeline in the terms of its failure: detection that agrees with
the review, an end told by the fix, a resolution on what moved, red herrings a security reviewer may
dismiss. Each test breaks a generated postmortem the way earlier generator versions wrote it and
expects the pack refused at the broken part."""

import re

import pytest

from scenarios.consistency import lint
from scenarios.generation import generate
from scenarios.tests.test_consistency import _assert_path, _refused

LEAKED_KEY = "leaked_api_key_in_use"
WRONG_REPORT = "report_timezone_bug"


@pytest.fixture(scope="module")
def postmortems():
    return {
        archetype: {"postmortem": generate("postmortem", archetype, 11, "hard")}
        for archetype in (LEAKED_KEY, WRONG_REPORT)
    }


def _entry(payload, prefix: str) -> int:
    return next(n for n, e in enumerate(payload["timeline"]) if e["text"].startswith(prefix))


@pytest.mark.parametrize("archetype", [LEAKED_KEY, WRONG_REPORT])
def test_the_generated_postmortems_pass(postmortems, archetype):
    generated = postmortems[archetype]["postmortem"]
    assert lint("postmortem", generated.payload, generated.answer_key) == []


def test_an_alert_detecting_what_the_review_says_paged_nobody_is_refused(postmortems):
    payload = postmortems[LEAKED_KEY]["postmortem"].payload
    n = _entry(payload, "Detected:")

    def mutate(payload, key):
        payload["timeline"][n]["text"] = (
            "Detected: alert on requests from key rk_live_035d6e*** 3,030 req/min (threshold 2,000 req/min)."
        )

    _assert_path(
        _refused(postmortems[LEAKED_KEY], "postmortem", mutate), f"payload.timeline[{n}].text", "paged"
    )


def test_an_anomaly_classified_in_the_second_of_the_first_request_is_refused(postmortems):
    payload = postmortems[LEAKED_KEY]["postmortem"].payload
    n = _entry(payload, "Logged by the anomaly detector:")

    def mutate(payload, key):
        payload["timeline"][n]["at"] = payload["timeline"][n - 1]["at"]

    _assert_path(
        _refused(postmortems[LEAKED_KEY], "postmortem", mutate), f"payload.timeline[{n}].at", "same second"
    )


def test_a_red_herring_in_the_tenant_whose_key_leaked_is_refused(postmortems):
    payload = postmortems[LEAKED_KEY]["postmortem"].payload
    tenant = re.search(r"tn_[0-9a-f]+", " ".join(e["text"] for e in payload["timeline"])).group(0)
    herring = postmortems[LEAKED_KEY]["postmortem"].answer_key["red_herrings"][0]["evidence_id"]
    m = next(m for m, e in enumerate(payload["evidence"]) if e["id"] == herring)

    def mutate(payload, key):
        payload["evidence"][m]["text"] = f"login from new device for user in tenant {tenant}; MFA passed"

    _assert_path(
        _refused(postmortems[LEAKED_KEY], "postmortem", mutate),
        "answer_key.red_herrings[0].evidence_id",
        tenant,
    )


def test_a_workaround_with_no_fix_before_resolved_is_refused(postmortems):
    payload = postmortems[WRONG_REPORT]["postmortem"].payload
    fixed = _entry(payload, "Fix deployed:")
    n = _entry(payload, "Mitigated:")

    def mutate(payload, key):
        del payload["timeline"][fixed]

    _assert_path(
        _refused(postmortems[WRONG_REPORT], "postmortem", mutate),
        f"payload.timeline[{n}].text",
        "no fix or rollback",
    )


def test_an_impact_window_ending_at_the_workaround_is_refused(postmortems):
    payload = postmortems[WRONG_REPORT]["postmortem"].payload
    mitigated = payload["timeline"][_entry(payload, "Mitigated:")]["at"][11:16]
    m = next(
        m
        for m, e in enumerate(payload["evidence"])
        if "distinct tenants" in e["text"] or "customer accounts" in e["text"]
    )

    def mutate(payload, key):
        payload["evidence"][m]["text"] = (
            f"Query of request logs, 00:00-{mitigated} UTC: 12 customer accounts were shown wrong results."
        )

    _assert_path(
        _refused(postmortems[WRONG_REPORT], "postmortem", mutate),
        f"payload.evidence[{m}].text",
        "before the fix",
    )


def test_resolving_on_a_metric_that_never_moved_is_refused(postmortems):
    payload = postmortems[WRONG_REPORT]["postmortem"].payload
    n = _entry(payload, "Resolved:")

    def mutate(payload, key):
        payload["timeline"][n]["text"] = (
            "Resolved: monitoring shows reports-service worker utilisation where it was before the onset; "
            "affected customers informed."
        )

    _assert_path(
        _refused(postmortems[WRONG_REPORT], "postmortem", mutate),
        f"payload.timeline[{n}].text",
        "never moved",
    )


def test_a_review_that_never_enables_what_the_cause_left_disabled_is_refused():
    generated = generate("postmortem", "saml_clock_skew", 11, "medium")
    assert lint("postmortem", generated.payload, generated.answer_key) == []

    def mutate(payload, key):
        key["corrective_actions"] = [a for a in key["corrective_actions"] if "chronyd" not in a["action"]]

    refused = _refused({"postmortem": generated}, "postmortem", mutate)
    _assert_path(refused, "answer_key.corrective_actions", "chronyd")


def test_a_resolved_incident_told_as_still_going_on_is_refused(postmortems):
    def mutate(payload, key):
        key["root_cause"] = key["root_cause"].replace("leaked and was used", "has leaked and is being used")
        payload["incident"]["summary"] = payload["title"].removeprefix("Postmortem: ").rsplit(" (", 1)[0]

    refused = _refused(postmortems[LEAKED_KEY], "postmortem", mutate)
    _assert_path(refused, "answer_key.root_cause", "still going on")
    _assert_path(refused, "payload.incident.summary", "repeats the title")


def test_records_counted_apart_from_the_pages_served_are_refused(postmortems):
    payload = postmortems[LEAKED_KEY]["postmortem"].payload
    n = next(
        k for k, e in enumerate(payload["evidence"]) if "distinct customer and order records" in e["text"]
    )

    def mutate(payload, key):
        payload["evidence"][n]["text"] = re.sub(
            r"about [\d,]+", "about 232895", payload["evidence"][n]["text"]
        )

    refused = _refused(postmortems[LEAKED_KEY], "postmortem", mutate)
    _assert_path(refused, f"payload.evidence[{n}].text", "paging line says")
