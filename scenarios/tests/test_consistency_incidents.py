"""The linter's checks of what makes an incident drill or a postmortem read like a real one: a title
that states the impact, an alert that fires at a realistic threshold after the failure it alerts on, a
backlog that tells one story, a postmortem only of our own incident, contributing factors the writer
can see. Each test breaks a generated scenario the way earlier generator versions did and expects the
pack refused at the broken part."""

import re

import pytest

from scenarios.consistency import lint
from scenarios.generation import generate
from scenarios.tests.test_consistency import _assert_path, _refused, _shift

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")


@pytest.fixture(scope="module")
def scenarios():
    return {
        # A failure that pages on its error rate, and one whose queued e-mail pages.
        "incident": generate("incident", "memory_leak_oom_restarts", 11, "medium"),
        "backlog": generate("incident", "third_party_provider_outage", 11, "medium"),
        "postmortem": generate("postmortem", "third_party_provider_outage", 11, "medium"),
    }


def _as(kind: str, scenarios, name: str) -> dict:
    """The fixture with the scenario `name` under its kind, as _refused wants it."""
    return {kind: scenarios[name]}


@pytest.mark.parametrize("name", ["incident", "backlog", "postmortem"])
def test_the_generated_scenarios_pass(scenarios, name):
    scenario = scenarios[name]
    assert lint(scenario.kind, scenario.payload, scenario.answer_key) == []


# --- titles ---------------------------------------------------------------------------------------


def test_an_incident_title_naming_the_cause_is_refused(scenarios):
    def mutate(payload, key):
        payload["title"] = "Incident drill: search pods OOMKilled by a memory leak"

    _assert_path(_refused(scenarios, "incident", mutate), "payload.title", "OOMKilled")


def test_a_postmortem_title_giving_a_cause_is_refused(scenarios):
    def mutate(payload, key):
        payload["title"] = "Postmortem: e-mails not arriving due to an outage of our e-mail provider"

    _assert_path(_refused(scenarios, "postmortem", mutate), "payload.title", "outage")


def test_a_title_stating_what_fails_for_whom_passes(scenarios):
    scenario = scenarios["postmortem"]
    payload = {**scenario.payload, "title": "Postmortem: certificate errors on customers' e-mails (SEV2)"}
    names = {v.invariant for v in lint("postmortem", payload, scenario.answer_key)}
    assert "titles_name_the_impact_not_the_cause" not in names


# --- a postmortem reviews our own incident --------------------------------------------------------


def test_a_postmortem_of_a_failure_support_resolves_with_the_customer_is_refused(scenarios):
    timeline = scenarios["postmortem"].payload["timeline"]
    n = next(i for i, entry in enumerate(timeline) if entry["text"].startswith("Escalated to"))

    def mutate(payload, key):
        payload["timeline"][n]["text"] = "Escalated to L1; incident channel opened as SEV3."

    _assert_path(_refused(scenarios, "postmortem", mutate), f"payload.timeline[{n}].text", "L1")


# --- alert thresholds and timing ------------------------------------------------------------------


def test_an_error_rate_alert_at_15_percent_is_refused(scenarios):
    def mutate(payload, key):
        payload["injects"][0]["text"] = (
            "[FIRING] search-service error rate (all requests) 22% over 5m (threshold 15%), all regions"
        )

    _assert_path(_refused(scenarios, "incident", mutate), "payload.injects[0].text", "15%")


def test_a_latency_alert_with_a_threshold_in_percent_is_refused(scenarios):
    def mutate(payload, key):
        payload["injects"][0]["text"] = (
            "[FIRING] search-service latency p95 1900 ms (threshold 80%), all regions"
        )

    _assert_path(_refused(scenarios, "incident", mutate), "payload.injects[0].text", "ms or s")


def test_an_alert_before_the_failure_it_alerts_on_is_refused(scenarios):
    """The log lines as earlier versions showed them: no time of their own, released minutes after the
    alert, so the first OOMKill reads as coming after the alert about it."""

    def mutate(payload, key):
        for inject in payload["injects"]:
            if inject["kind"] == "log_excerpt" and inject["id"] not in key["red_herring_inject_ids"]:
                inject["text"] = STAMP.sub("", inject["text"])

    _assert_path(
        _refused(scenarios, "incident", mutate), "payload.injects[0].offset_seconds", "first failure"
    )


def test_a_log_line_found_before_it_was_logged_is_refused(scenarios):
    injects = scenarios["incident"].payload["injects"]
    n = next(i for i, inject in enumerate(injects) if inject["kind"] == "log_excerpt")

    def mutate(payload, key):
        payload["injects"][n]["text"] = STAMP.sub("2099-01-01T00:00:00Z ", payload["injects"][n]["text"])

    _assert_path(
        _refused(scenarios, "incident", mutate), f"payload.injects[{n}].text", "before it was logged"
    )


def test_a_postmortem_alert_detecting_sooner_than_its_window_is_refused(scenarios):
    timeline = scenarios["postmortem"].payload["timeline"]
    n = next(i for i, entry in enumerate(timeline) if entry["text"].startswith("Detected:"))
    started = scenarios["postmortem"].payload["incident"]["started_at"]

    def mutate(payload, key):
        # 5.5% against 5% over 5m passes the threshold after four and a half minutes, not after three.
        payload["timeline"][n]["text"] = (
            "Detected: alert on notification-service error rate 5.5% over 5m (threshold 5%)."
        )
        payload["timeline"][n]["at"] = _shift(started, minutes=3)
        payload["incident"]["detected_at"] = payload["timeline"][n]["at"]

    _assert_path(_refused(scenarios, "postmortem", mutate), f"payload.timeline[{n}].at", "needs at least")


# --- one backlog, one series ----------------------------------------------------------------------


def test_an_e_mail_backlog_that_shrinks_while_it_grows_is_refused(scenarios):
    """The dashboard states fewer queued than the alert and the breaker's line did minutes before."""
    injects = scenarios["backlog"].payload["injects"]
    n = next(i for i, inject in enumerate(injects) if inject["kind"] == "metric")

    def mutate(payload, key):
        payload["injects"][n]["text"] = re.sub(r"at [\d,]+ messages", "at 12 messages", injects[n]["text"])

    _assert_path(
        _refused(_as("incident", scenarios, "backlog"), "incident", mutate),
        f"payload.injects[{n}].text",
        "still growing",
    )


def test_a_postmortem_queue_line_above_the_queue_s_peak_is_refused(scenarios):
    evidence = scenarios["postmortem"].payload["evidence"]
    n = next(i for i, item in enumerate(evidence) if "messages queued" in item["text"])

    def mutate(payload, key):
        payload["evidence"][n]["text"] = re.sub(
            r"\d+ messages queued", "9999999 messages queued", evidence[n]["text"]
        )

    _assert_path(_refused(scenarios, "postmortem", mutate), f"payload.evidence[{n}].text", "peaked at")


# --- contributing factors rest on the evidence ----------------------------------------------------


@pytest.mark.parametrize(
    ("factor", "named"),
    [
        ("There was no brownout period before the old version was switched off.", "brownout"),
        ("The canary ended before a pod could reach the memory limit.", "canary"),
        ("Load tests ran with a mocked integrations-service that answered instantly.", "Load test"),
        ("Report tests used fixtures created at noon UTC.", "fixtures"),
    ],
)
def test_a_contributing_factor_the_evidence_never_shows_is_refused(scenarios, factor, named):
    def mutate(payload, key):
        key["contributing_factors"][0] = factor

    _assert_path(_refused(scenarios, "postmortem", mutate), "answer_key.contributing_factors[0]", named)
