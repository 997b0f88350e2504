"""The consistency linter: for each invariant, a scenario that breaks it is refused with the path of
the broken part, the whole pack imports nothing, and the unbroken scenario passes."""

import copy
import json
import re
from datetime import timedelta

import pytest

from scenarios import packs, services
from scenarios.catalog import archetype_ids, get_archetype
from scenarios.consistency import REFERENTIAL, _inject_moment, invariants_for, lint, when
from scenarios.generation import KINDS, generate
from scenarios.models import Scenario

ARCHETYPE = "oauth_client_secret_expired"
# The customer's own expired secret is no outage of ours: the kinds about our outage (an update, an
# incident drill) take a one-tenant failure of our own.
OUR_OUTAGE = "slow_query_after_data_shape_change"


def archetype_for(kind: str) -> str:
    return ARCHETYPE if kind in get_archetype(ARCHETYPE)["kinds"] else OUR_OUTAGE


def _generated(kind: str):
    return generate(
        kind, archetype_for(kind), 11, "medium", log_lines=400 if kind == "log_investigation" else None
    )


@pytest.fixture(scope="module")
def scenarios():
    return {kind: _generated(kind) for kind in KINDS}


def _document(kind, payload, key) -> dict:
    return {
        "format": packs.PACK_FORMAT,
        "format_version": packs.PACK_FORMAT_VERSION,
        "scenarios": [
            {
                "id": f"broken-{kind}",
                "kind": kind,
                "difficulty": "medium",
                "title": payload["title"],
                "payload": payload,
                "answer_key": key,
            }
        ],
    }


def _refused(scenarios, kind, mutate) -> list[str]:
    """The problems of a pack holding the kind's scenario after `mutate(payload, key)`."""
    payload = copy.deepcopy(scenarios[kind].payload)
    key = copy.deepcopy(scenarios[kind].answer_key)
    mutate(payload, key)
    with pytest.raises(packs.PackError) as caught:
        packs.validate_pack(_document(kind, payload, key), name="broken.json")
    return [str(problem) for problem in caught.value.problems]


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _shift(ts: str, **delta) -> str:
    return _iso(when(ts) + timedelta(**delta))


def _assert_path(problems: list[str], path: str, fragment: str = "") -> None:
    wanted = f"broken.json: $.scenarios[0].{path}: "
    assert any(p.startswith(wanted) and fragment in p for p in problems), problems


@pytest.mark.parametrize("kind", KINDS)
def test_the_generated_scenario_of_every_kind_passes(scenarios, kind):
    scenario = scenarios[kind]
    packs.validate_pack(_document(kind, scenario.payload, scenario.answer_key), name="ok.json")


def test_every_kind_has_named_invariants_and_the_referential_ones_exist():
    names = set()
    for kind in KINDS:
        assert len(invariants_for(kind)) >= 3
        names |= set(invariants_for(kind))
    assert names >= REFERENTIAL


# --- every kind: physical bounds -------------------------------------------------------------------


def test_a_percentage_over_100_is_refused(scenarios):
    def mutate(payload, key):
        payload["dashboard"]["series"][0]["error_rate_pct"] = 104.6

    _assert_path(
        _refused(scenarios, "log_investigation", mutate), "payload.dashboard.series[0].error_rate_pct"
    )


def test_a_saturation_in_percent_over_100_is_refused(scenarios):
    def mutate(payload, key):
        payload["dashboard"]["saturation_metric"]["unit"] = "%"
        payload["dashboard"]["series"][3]["saturation"] = 104.6

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.dashboard.series[3].saturation")


def test_latency_percentiles_out_of_order_are_refused(scenarios):
    def mutate(payload, key):
        point = payload["dashboard"]["series"][2]
        point["latency_p50_ms"] = point["latency_p99_ms"] + 1

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.dashboard.series[2]", "p50")


# --- log_investigation --------------------------------------------------------------------------


def test_duplicate_log_line_ids_are_refused(scenarios):
    def mutate(payload, key):
        payload["logs"][6]["id"] = payload["logs"][5]["id"]

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.logs[6].id", "duplicate")


def test_log_lines_out_of_time_order_are_refused(scenarios):
    def mutate(payload, key):
        payload["logs"][10]["ts"] = payload["logs"][2]["ts"]

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.logs[10].ts", "out of time order")


def test_a_log_line_outside_the_window_is_refused(scenarios):
    def mutate(payload, key):
        payload["logs"][-1]["ts"] = _shift(payload["window"]["end"], hours=1).replace("Z", ".000Z")

    last = len(scenarios["log_investigation"].payload["logs"]) - 1
    _assert_path(_refused(scenarios, "log_investigation", mutate), f"payload.logs[{last}].ts", "outside")


def test_an_onset_outside_the_log_window_is_refused(scenarios):
    def mutate(payload, key):
        key["onset"] = _shift(payload["window"]["start"], hours=-3)

    _assert_path(
        _refused(scenarios, "log_investigation", mutate), "answer_key.onset", "outside the log window"
    )


def test_services_that_do_not_match_the_logs_are_refused(scenarios):
    def mutate(payload, key):
        payload["services"] = payload["services"][1:]

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.services", "does not list")


def test_a_message_naming_another_tenant_than_its_line_is_refused(scenarios):
    logs = scenarios["log_investigation"].payload["logs"]
    n = next(i for i, line in enumerate(logs) if line.get("tenant_id", "-") in line["message"])

    def mutate(payload, key):
        payload["logs"][n]["tenant_id"] = "tn_0000000000"

    _assert_path(_refused(scenarios, "log_investigation", mutate), f"payload.logs[{n}].tenant_id")


def test_a_ticket_before_the_onset_is_refused(scenarios):
    def mutate(payload, key):
        payload["ticket"]["received_at"] = _shift(key["onset"], minutes=-30)

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.ticket.received_at", "before")


def test_a_relative_time_that_does_not_fit_the_timeline_is_refused(scenarios):
    def mutate(payload, key):
        payload["ticket"]["body"] += "\nWe changed our settings yesterday and it is broken since yesterday."

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.ticket.body", "yesterday")


def test_minutes_ago_that_do_not_match_the_onset_are_refused(scenarios):
    def mutate(payload, key):
        payload["ticket"]["body"] += "\nIt started 90 minutes ago."

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.ticket.body", "90 minutes ago")


def test_a_subject_that_contradicts_the_body_is_refused(scenarios):
    def mutate(payload, key):
        payload["ticket"]["subject"] = "Every call fails with 503"
        payload["ticket"]["body"] = "Our token requests get 401 since this morning."
        payload["ticket"].pop("error_snippet", None)

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.ticket.subject", "503")


def test_a_tier_that_differs_from_the_customer_is_refused(scenarios):
    def mutate(payload, key):
        tier = payload["ticket"]["customer"]["tier"]
        other = "standard" if tier != "standard" else "enterprise"
        payload["brief"] = payload["brief"].replace(f"({tier} tier", f"({other} tier")

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.brief", "tier")


def test_key_evidence_with_another_trace_id_than_its_line_is_refused(scenarios):
    def mutate(payload, key):
        key["key_evidence"][0]["trace_id"] = "f" * 32

    _assert_path(_refused(scenarios, "log_investigation", mutate), "answer_key.key_evidence[0].trace_id")


def test_key_evidence_with_another_request_id_than_its_line_is_refused(scenarios):
    def mutate(payload, key):
        key["key_evidence"][1]["request_id"] = "req_000000000000"

    _assert_path(_refused(scenarios, "log_investigation", mutate), "answer_key.key_evidence[1].request_id")


def test_key_evidence_citing_a_missing_line_is_refused(scenarios):
    def mutate(payload, key):
        key["key_evidence"][0]["line_id"] = "L999999"

    _assert_path(_refused(scenarios, "log_investigation", mutate), "answer_key.key_evidence[0].line_id")


def test_a_signal_message_no_line_shows_is_refused(scenarios):
    def mutate(payload, key):
        key["signal_messages"].append("the real cause, which the logs never show")

    n = len(scenarios["log_investigation"].answer_key["signal_messages"])
    _assert_path(_refused(scenarios, "log_investigation", mutate), f"answer_key.signal_messages[{n}]")


def test_an_onset_that_is_not_the_first_failure_is_refused(scenarios):
    def mutate(payload, key):
        key["onset"] = _shift(key["onset"], minutes=20)

    _assert_path(_refused(scenarios, "log_investigation", mutate), "answer_key.onset", "first signal line")


def test_a_red_herring_line_that_does_not_exist_is_refused(scenarios):
    def mutate(payload, key):
        key["red_herrings"][0]["line_ids"] = ["L999999"]

    _assert_path(_refused(scenarios, "log_investigation", mutate), "answer_key.red_herrings[0].line_ids")


def test_a_red_herring_that_is_the_cause_is_refused(scenarios):
    def mutate(payload, key):
        key["red_herrings"][0]["line_ids"] = [key["key_evidence"][-1]["line_id"]]

    _assert_path(
        _refused(scenarios, "log_investigation", mutate),
        "answer_key.red_herrings[0].line_ids",
        "key evidence",
    )


def test_a_child_span_ending_after_its_parent_is_refused(scenarios):
    def mutate(payload, key):
        payload["traces"][0]["spans"][-1]["duration_ms"] = 10**6

    spans = len(scenarios["log_investigation"].payload["traces"][0]["spans"])
    _assert_path(
        _refused(scenarios, "log_investigation", mutate), f"payload.traces[0].spans[{spans - 1}].duration_ms"
    )


def _healthy_trace_with_calls(payload) -> int:
    return next(
        t
        for t, trace in enumerate(payload["traces"])
        if len(trace["spans"]) > 1 and all(span["status"] == "ok" for span in trace["spans"])
    )


def test_a_gateway_span_far_longer_than_the_call_it_waits_for_is_refused(scenarios):
    t = _healthy_trace_with_calls(scenarios["log_investigation"].payload)

    def mutate(payload, key):
        root, child = payload["traces"][t]["spans"][:2]
        root["duration_ms"], child["duration_ms"] = 15_000, 70

    _assert_path(
        _refused(scenarios, "log_investigation", mutate),
        f"payload.traces[{t}].spans[0].duration_ms",
        "more than the spans it calls account for",
    )


def test_a_slow_baseline_request_is_refused(scenarios):
    t = _healthy_trace_with_calls(scenarios["log_investigation"].payload)

    def mutate(payload, key):
        payload["traces"][t]["started_at"] = _shift(key["onset"], minutes=-20)
        for span in payload["traces"][t]["spans"]:
            span["duration_ms"] += 14_000

    _assert_path(
        _refused(scenarios, "log_investigation", mutate),
        f"payload.traces[{t}].spans[0].duration_ms",
        "succeeded before the onset",
    )


def test_a_consumer_span_may_outlast_the_span_that_queued_its_work():
    scenario = generate("log_investigation", "kafka_consumer_lag", 3, "medium", log_lines=1500)
    consumers = [
        (span, trace)
        for trace in scenario.payload["traces"]
        for span in trace["spans"]
        if span.get("kind") == "consumer"
    ]
    outlasting = [
        span
        for span, trace in consumers
        if span["start_offset_ms"] + span["duration_ms"]
        > next(p for p in trace["spans"] if p["span_id"] == span["parent_span_id"])["duration_ms"]
    ]
    assert outlasting
    assert lint("log_investigation", scenario.payload, scenario.answer_key) == []


def test_a_trace_matching_no_log_line_is_refused(scenarios):
    def mutate(payload, key):
        payload["traces"][0]["trace_id"] = "e" * 32

    _assert_path(
        _refused(scenarios, "log_investigation", mutate), "payload.traces[0].trace_id", "no log line"
    )


def test_an_ok_span_for_a_failed_line_is_refused(scenarios):
    payload = scenarios["log_investigation"].payload
    trace = payload["traces"][0]
    line = next(line for line in payload["logs"] if line.get("trace_id") == trace["trace_id"])
    s = next(i for i, span in enumerate(trace["spans"]) if span["span_id"] == line["span_id"])

    def mutate(payload, key):
        span = payload["traces"][0]["spans"][s]
        span["status"] = "ok"
        span.pop("error", None)

    _assert_path(_refused(scenarios, "log_investigation", mutate), f"payload.traces[0].spans[{s}].status")


def test_a_span_slower_than_its_line_is_refused(scenarios):
    payload = scenarios["log_investigation"].payload
    trace = payload["traces"][0]
    line = next(line for line in payload["logs"] if line.get("trace_id") == trace["trace_id"])
    s = next(i for i, span in enumerate(trace["spans"]) if span["span_id"] == line["span_id"])

    def mutate(payload, key):
        for span in payload["traces"][0]["spans"][: s + 1]:
            span["duration_ms"] += 5000

    _assert_path(
        _refused(scenarios, "log_investigation", mutate), f"payload.traces[0].spans[{s}].duration_ms"
    )


def _crossing_trace(scenarios) -> tuple[int, dict]:
    traces = scenarios["log_investigation"].payload["traces"]
    return next(
        (t, trace) for t, trace in enumerate(traces) if len({s["service"] for s in trace["spans"]}) > 1
    )


def test_a_trace_line_of_another_request_is_refused(scenarios):
    _, trace = _crossing_trace(scenarios)
    logs = scenarios["log_investigation"].payload["logs"]
    second = [n for n, line in enumerate(logs) if line.get("trace_id") == trace["trace_id"]][1]

    def mutate(payload, key):
        payload["logs"][second]["request_id"] = "req_000000000000"

    _assert_path(
        _refused(scenarios, "log_investigation", mutate), f"payload.logs[{second}].request_id", "same trace"
    )


def test_an_http_sample_matching_no_log_line_is_refused(scenarios):
    def mutate(payload, key):
        payload["http_samples"][0]["request_id"] = "req_000000000000"

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.http_samples[0].request_id")


def test_an_http_sample_with_another_method_than_its_line_is_refused(scenarios):
    def mutate(payload, key):
        request = payload["http_samples"][0]["request"]
        request["method"] = "DELETE" if request["method"] != "DELETE" else "GET"

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.http_samples[0].request.method")


def test_an_http_sample_with_another_status_than_its_line_is_refused(scenarios):
    def mutate(payload, key):
        payload["http_samples"][0]["response"]["status"] = 200

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.http_samples[0].response.status")


def test_a_client_latency_shorter_than_the_server_is_refused(scenarios):
    def mutate(payload, key):
        payload["http_samples"][0]["response"]["latency_ms"] = 0

    _assert_path(
        _refused(scenarios, "log_investigation", mutate), "payload.http_samples[0].response.latency_ms"
    )


def test_a_sample_latency_other_than_its_trace_root_and_line_is_refused(scenarios):
    """One request, one figure: a sample that waited longer than its line and its trace's root took
    gives the reader two numbers for the same request."""

    def mutate(payload, key):
        payload["http_samples"][0]["response"]["latency_ms"] += 17

    _assert_path(
        _refused(scenarios, "log_investigation", mutate),
        "payload.http_samples[0].response.latency_ms",
        "one request, one figure",
    )


@pytest.fixture(scope="module")
def quoting():
    return {"log_investigation": generate("log_investigation", OUR_OUTAGE, 1, "medium", log_lines=600)}


def test_a_failing_sample_without_the_query_the_ticket_pastes_is_refused(quoting):
    """The ticket pastes GET /v2/orders?status=open&limit=50: the customer's failing request in the
    samples carries that query, not a bare path."""
    samples = quoting["log_investigation"].payload["http_samples"]
    n = next(n for n, sample in enumerate(samples) if "?status=open" in sample["request"]["url"])

    def mutate(payload, key):
        request = payload["http_samples"][n]["request"]
        request["url"] = request["url"].partition("?")[0]

    _assert_path(
        _refused(quoting, "log_investigation", mutate), f"payload.http_samples[{n}].request.url", "lacks ?"
    )


def test_a_failing_sample_body_of_another_schema_than_the_ticket_s_is_refused(quoting):
    """The ticket pastes {"error": code, "message": text} for GET /v2/orders: a sample of the same call
    answering {"error": {"message": ..., "status": 500}} gives one API two error schemas."""
    samples = quoting["log_investigation"].payload["http_samples"]
    n = next(n for n, sample in enumerate(samples) if sample["response"]["status"] >= 500)

    def mutate(payload, key):
        payload["http_samples"][n]["response"]["body"] = {
            "error": {"message": "Internal Server Error", "status": 500}
        }

    _assert_path(
        _refused(quoting, "log_investigation", mutate),
        f"payload.http_samples[{n}].response.body",
        "one schema per API",
    )


# --- triage_queue -------------------------------------------------------------------------------


def test_tickets_out_of_time_order_are_refused(scenarios):
    def mutate(payload, key):
        payload["tickets"][0]["received_at"] = _shift(payload["tickets"][-1]["received_at"], hours=1)

    _assert_path(
        _refused(scenarios, "triage_queue", mutate), "payload.tickets[1].received_at", "out of time order"
    )


def test_duplicate_ticket_ids_are_refused(scenarios):
    def mutate(payload, key):
        payload["tickets"][1]["id"] = payload["tickets"][0]["id"]

    _assert_path(_refused(scenarios, "triage_queue", mutate), "payload.tickets[1].id", "duplicate")


def test_a_priority_order_missing_a_ticket_is_refused(scenarios):
    def mutate(payload, key):
        key["priority_order"] = key["priority_order"][1:]

    _assert_path(_refused(scenarios, "triage_queue", mutate), "answer_key.priority_order")


def test_a_key_tier_that_differs_from_the_ticket_customer_is_refused(scenarios):
    ticket = scenarios["triage_queue"].payload["tickets"][0]

    def mutate(payload, key):
        entry = key["tickets"][ticket["id"]]
        entry["tier"] = "standard" if entry["tier"] != "standard" else "enterprise"

    _assert_path(_refused(scenarios, "triage_queue", mutate), f"answer_key.tickets.{ticket['id']}.tier")


def test_a_fact_both_missing_and_stated_is_refused(scenarios):
    ticket = scenarios["triage_queue"].payload["tickets"][0]

    def mutate(payload, key):
        entry = key["tickets"][ticket["id"]]
        entry["stated_facts"] = [entry["missing_facts"][0]]

    _assert_path(
        _refused(scenarios, "triage_queue", mutate), f"answer_key.tickets.{ticket['id']}.missing_facts"
    )


def test_a_triage_subject_that_contradicts_its_body_is_refused(scenarios):
    def mutate(payload, key):
        payload["tickets"][2]["subject"] = "All calls 500"
        payload["tickets"][2]["body"] = "Our calls get 403 Forbidden."
        payload["tickets"][2].pop("error_snippet", None)

    _assert_path(_refused(scenarios, "triage_queue", mutate), "payload.tickets[2].subject")


@pytest.mark.parametrize(
    "root_cause",
    [
        "billing-service v7.16.0 retries charges without an idempotency key.",
        "Migration 0042_permission_model_v2 dropped reports:export from custom roles.",
        "Pod orders-service-7d9f6c8b4-x2k9q on ip-10-42-7-201 runs out of memory.",
    ],
)
def test_a_triage_root_cause_naming_what_the_ticket_never_shows_is_refused(scenarios, root_cause):
    ticket = scenarios["triage_queue"].payload["tickets"][0]

    def mutate(payload, key):
        key["tickets"][ticket["id"]]["root_cause"] = root_cause

    _assert_path(_refused(scenarios, "triage_queue", mutate), f"answer_key.tickets.{ticket['id']}.root_cause")


def test_a_triage_component_the_ticket_never_shows_is_refused(scenarios):
    ticket = scenarios["triage_queue"].payload["tickets"][0]

    def mutate(payload, key):
        payload["tickets"][0]["subject"] = "Orders API flaky"
        payload["tickets"][0]["body"] = "Your orders endpoint has been flaky: 503s and some requests hanging."
        payload["tickets"][0].pop("error_snippet", None)
        key["tickets"][ticket["id"]]["component"] = "database"

    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket['id']}.component",
        "database",
    )


def test_a_triage_route_reason_claiming_an_unseen_deploy_is_refused(scenarios):
    ticket = scenarios["triage_queue"].payload["tickets"][0]

    def mutate(payload, key):
        payload["tickets"][0]["subject"] = "Orders API flaky"
        payload["tickets"][0]["body"] = "Your orders endpoint has been flaky: 503s and some requests hanging."
        payload["tickets"][0].pop("error_snippet", None)
        key["tickets"][ticket["id"]]["route_reason"] = "Platform-wide 5xx right after a deploy."

    _assert_path(
        _refused(scenarios, "triage_queue", mutate), f"answer_key.tickets.{ticket['id']}.route_reason"
    )


def test_a_triage_next_step_rolling_back_a_deploy_the_ticket_never_shows_is_refused(scenarios):
    ticket = scenarios["triage_queue"].payload["tickets"][0]

    def mutate(payload, key):
        payload["tickets"][0]["subject"] = "Orders API flaky"
        payload["tickets"][0]["body"] = "Your orders endpoint has been flaky: 503s and some requests hanging."
        payload["tickets"][0].pop("error_snippet", None)
        key["tickets"][ticket["id"]]["next_steps"] = [
            "Roll orders-service back to the previous version through the deploy pipeline."
        ]

    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket['id']}.next_steps[0]",
        "make it a check",
    )


def test_a_triage_next_step_that_checks_for_a_deploy_passes(scenarios):
    payload = copy.deepcopy(scenarios["triage_queue"].payload)
    key = copy.deepcopy(scenarios["triage_queue"].answer_key)
    ticket = payload["tickets"][0]
    ticket["body"] = "Your orders endpoint has been flaky: 503s and some requests hanging."
    key["tickets"][ticket["id"]]["next_steps"] = [
        "Check the change log for a deploy of the affected service shortly before the problem began."
    ]
    names = {v.invariant for v in lint("triage_queue", payload, key)}
    assert "triage_next_steps_presuppose_only_what_the_ticket_shows" not in names


def _enterprise_fully_blocked(payload, key, severity: str) -> str:
    ticket = payload["tickets"][0]
    ticket["customer"]["tier"] = "enterprise"
    ticket["subject"] = "API returning 503 on /v2/orders - production down for us"
    entry = key["tickets"][ticket["id"]]
    entry["tier"] = "enterprise"
    entry["severity"] = severity
    return ticket["id"]


def test_an_enterprise_customer_fully_blocked_keyed_below_sev1_is_refused(scenarios):
    ticket_id = scenarios["triage_queue"].payload["tickets"][0]["id"]

    def mutate(payload, key):
        _enterprise_fully_blocked(payload, key, "SEV2")

    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket_id}.severity",
        "fully blocked",
    )


def test_an_enterprise_customer_fully_blocked_worked_after_a_lesser_ticket_is_refused(scenarios):
    def mutate(payload, key):
        ticket_id = _enterprise_fully_blocked(payload, key, "SEV1")
        other = next(t for t in key["priority_order"] if t != ticket_id)
        key["tickets"][other]["severity"] = "SEV3"
        key["priority_order"] = [other] + [t for t in key["priority_order"] if t != other]

    _assert_path(_refused(scenarios, "triage_queue", mutate), "answer_key.priority_order", "fully blocked")


def test_an_investigation_of_an_enterprise_customer_fully_blocked_below_sev1_is_refused(scenarios):
    def mutate(payload, key):
        payload["ticket"]["customer"]["tier"] = "enterprise"
        payload["brief"] = payload["brief"].replace(
            f"({scenarios['log_investigation'].payload['ticket']['customer']['tier']} tier)",
            "(enterprise tier)",
        )
        payload["ticket"]["body"] += "\nNothing works for us right now."
        key["severity"] = "SEV2"

    _assert_path(_refused(scenarios, "log_investigation", mutate), "answer_key.severity", "fully blocked")


# --- escalation_writeup -------------------------------------------------------------------------


def test_a_thread_out_of_time_order_is_refused(scenarios):
    def mutate(payload, key):
        payload["thread"][2]["sent_at"] = _shift(payload["thread"][0]["sent_at"], hours=-1)

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), "payload.thread[2].sent_at")


def test_duplicate_message_ids_are_refused(scenarios):
    def mutate(payload, key):
        payload["thread"][1]["id"] = payload["thread"][0]["id"]

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), "payload.thread[1].id", "duplicate")


def test_a_secret_not_in_its_message_is_refused(scenarios):
    def mutate(payload, key):
        key["secret"]["value"] = "cs_live_not_in_the_thread"

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), "answer_key.secret.value")


def test_a_secret_first_sent_by_l1_is_refused(scenarios):
    def mutate(payload, key):
        value = key["secret"]["value"]
        for message in payload["thread"]:
            message["body"] = message["body"].replace(value, "(redacted)")
        note = next(m for m in payload["thread"] if m["role"] == "l1_note")
        note["body"] += f"\nTried to reproduce with what they sent: {value}"
        key["secret"]["message_id"] = note["id"]

    problems = _refused(scenarios, "escalation_writeup", mutate)
    _assert_path(problems, "answer_key.secret.value", "not the customer's")
    _assert_path(problems, "payload.thread[1].body", "internal note uses")


@pytest.mark.parametrize(
    ("field", "fact"),
    [
        ("actual", "Assertions handled on ip-10-42-7-201 are rejected."),
        ("environment", "Production, node pool identity-pool (new base image)"),
        ("environment", "Production, migration 0042_permission_model_v2"),
        ("actual", "Pod search-service-7d9f6c8b4-x2k9q restarts."),
        ("repro_steps", "Run `chronyc tracking` on the node."),
        ("repro_steps", "Check db-proxy: sv_idle=0 and cl_waiting > 0."),
        ("workaround", "Temporarily assign the built-in Report Exporter role."),
        ("workaround", "Fail over to the secondary e-mail provider."),
        ("severity_reason", "Events are retained for 72 hours, so nothing is lost."),
        ("ask", "L2: a documented customer-side error with a KB article."),
        ("ask", "SRE: stale table statistics make the planner pick a nested-loop plan."),
    ],
)
def test_a_host_node_or_tool_the_thread_never_names_is_refused(scenarios, field, fact):
    def mutate(payload, key):
        if field == "repro_steps":
            key["facts"]["repro_steps"].append(fact)
        else:
            key["facts"][field] = fact

    path = f"answer_key.facts.{field}"
    if field == "repro_steps":
        path += f"[{len(scenarios['escalation_writeup'].answer_key['facts']['repro_steps'])}]"
    _assert_path(_refused(scenarios, "escalation_writeup", mutate), path, "does not occur in the thread")


def test_a_request_id_the_thread_never_gives_is_refused(scenarios):
    def mutate(payload, key):
        key["facts"]["request_ids"][0] = "req_000000000000"

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), "answer_key.facts.request_ids[0]")


def test_an_impact_count_the_thread_never_gives_is_refused(scenarios):
    def mutate(payload, key):
        key["facts"]["impact"]["records"] = 987_654

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), "answer_key.facts.impact.records")


def test_an_escalation_tier_that_differs_from_the_customer_is_refused(scenarios):
    def mutate(payload, key):
        tier = payload["customer"]["tier"]
        key["facts"]["impact"]["tier"] = "standard" if tier != "standard" else "enterprise"

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), "answer_key.facts.impact.tier")


def test_a_noise_message_that_does_not_exist_is_refused(scenarios):
    def mutate(payload, key):
        key["noise_message_ids"] = ["M99"]

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), "answer_key.noise_message_ids[0]")


# --- customer_comms -----------------------------------------------------------------------------


def test_a_comms_now_before_the_outage_is_refused(scenarios):
    def mutate(payload, key):
        payload["now"] = _shift(payload["incident"]["started_at"], minutes=-10)

    _assert_path(_refused(scenarios, "customer_comms", mutate), "payload.now", "before the outage")


def test_a_resolved_comms_incident_is_refused(scenarios):
    def mutate(payload, key):
        payload["incident"]["status"] = "resolved"

    _assert_path(_refused(scenarios, "customer_comms", mutate), "payload.incident.status")


def test_comms_key_facts_that_differ_from_the_payload_are_refused(scenarios):
    def mutate(payload, key):
        key["known"] = key["known"] + ["Something the candidate was never told."]

    _assert_path(_refused(scenarios, "customer_comms", mutate), "answer_key.known")


def test_comms_key_guidance_pasted_from_the_timeline_is_refused(scenarios):
    """The key states the guidance in its own terms: the sentence the writer reads is not the answer."""

    def mutate(payload, key):
        key["guidance"] = "Filter order lists by created_after to narrow the range; your data is intact."
        payload["timeline"][-1]["text"] = (
            "The support lead confirms what customers can do meanwhile: " + key["guidance"].lower()
        )

    _assert_path(_refused(scenarios, "customer_comms", mutate), "answer_key.guidance", "word for word")


def test_a_clause_joined_after_a_colon_with_its_capital_is_refused(scenarios):
    def mutate(payload, key):
        payload["timeline"][-1]["text"] = (
            "The support lead confirms what customers can do meanwhile: If you can, filter order lists."
        )

    last = len(scenarios["customer_comms"].payload["timeline"]) - 1
    _assert_path(
        _refused(scenarios, "customer_comms", mutate), f"payload.timeline[{last}].text", "meanwhile: If"
    )


def test_a_label_heading_a_text_is_no_splice(scenarios):
    payload = copy.deepcopy(scenarios["customer_comms"].payload)
    payload["timeline"][0]["text"] = "Alert: The orders-service error rate is 28% over 5m."
    assert lint("customer_comms", payload, scenarios["customer_comms"].answer_key) == []


def test_a_cause_stated_as_known_is_refused(scenarios):
    def mutate(payload, key):
        payload["known"].append(key["must_not_say"][0])
        key["known"] = payload["known"]

    _assert_path(_refused(scenarios, "customer_comms", mutate), "answer_key.must_not_say[0]")


def test_an_unknown_that_presupposes_a_fix_while_the_cause_is_unknown_is_refused(scenarios):
    assert scenarios["customer_comms"].payload["incident"]["status"] == "investigating"

    def mutate(payload, key):
        payload["unknown"].append("When the fix will be fully rolled out.")
        key["unknown"] = payload["unknown"]

    last = len(scenarios["customer_comms"].payload["unknown"])
    _assert_path(_refused(scenarios, "customer_comms", mutate), f"payload.unknown[{last}]", "not yet known")


def test_a_comms_timeline_entry_after_now_is_refused(scenarios):
    def mutate(payload, key):
        payload["timeline"][-1]["at"] = _shift(payload["now"], minutes=5)

    last = len(scenarios["customer_comms"].payload["timeline"]) - 1
    _assert_path(_refused(scenarios, "customer_comms", mutate), f"payload.timeline[{last}].at")


def test_a_customer_report_naming_internal_detail_is_refused(scenarios):
    timeline = scenarios["customer_comms"].payload["timeline"]
    n = next(i for i, e in enumerate(timeline) if e["text"].startswith("First customer report"))

    def mutate(payload, key):
        payload["timeline"][n]["text"] += " Your search pods are OOMKilled and restart."

    _assert_path(
        _refused(scenarios, "customer_comms", mutate), f"payload.timeline[{n}].text", "only we can see"
    )


# --- incident -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [
        "Post a status page update acknowledging elevated errors on the order API.",
        "Watch pool utilisation and the 5xx rate for 15 minutes after the rollback.",
        "Confirm that 500s drop for cohort tenants, then tell customers to restart pagination.",
    ],
)
def test_a_follow_up_step_offered_as_a_first_mitigation_is_refused(scenarios, option):
    payload = scenarios["incident"].payload
    n = next(i for i, d in enumerate(payload["decision_points"]) if "first mitigation" in d["prompt"])

    def mutate(payload, key):
        payload["decision_points"][n]["options"][0]["text"] = option

    _assert_path(
        _refused(scenarios, "incident", mutate),
        f"payload.decision_points[{n}].options[0].text",
        "not a first mitigation",
    )


def test_injects_out_of_order_are_refused(scenarios):
    def mutate(payload, key):
        payload["injects"][3]["offset_seconds"] = 0

    _assert_path(_refused(scenarios, "incident", mutate), "payload.injects[3].offset_seconds", "out of order")


def test_duplicate_inject_ids_are_refused(scenarios):
    def mutate(payload, key):
        payload["injects"][1]["id"] = payload["injects"][0]["id"]

    _assert_path(_refused(scenarios, "incident", mutate), "payload.injects[1].id", "duplicate")


def test_duplicate_option_ids_are_refused(scenarios):
    def mutate(payload, key):
        options = payload["decision_points"][2]["options"]
        options[1]["id"] = options[0]["id"]

    _assert_path(
        _refused(scenarios, "incident", mutate), "payload.decision_points[2].options[1].id", "duplicate"
    )


def test_a_reversed_decision_window_is_refused(scenarios):
    def mutate(payload, key):
        key["decisions"]["D2"]["window_seconds"] = [900, 300]

    _assert_path(
        _refused(scenarios, "incident", mutate), "answer_key.decisions.D2.window_seconds", "before it opens"
    )


def test_a_window_closing_before_the_question_is_refused(scenarios):
    def mutate(payload, key):
        key["decisions"]["D3"]["window_seconds"] = [0, 100]

    _assert_path(
        _refused(scenarios, "incident", mutate),
        "answer_key.decisions.D3.window_seconds",
        "before the question",
    )


def test_a_decision_with_no_key_entry_is_refused(scenarios):
    def mutate(payload, key):
        del key["decisions"]["D4"]

    _assert_path(_refused(scenarios, "incident", mutate), "answer_key.decisions", "D4")


def test_an_option_both_correct_and_unsafe_is_refused(scenarios):
    def mutate(payload, key):
        decision = key["decisions"]["D3"]
        decision["unsafe"] = decision["unsafe"] + [decision["correct"][0]]

    _assert_path(
        _refused(scenarios, "incident", mutate), "answer_key.decisions.D3.correct", "both correct and unsafe"
    )


def test_a_status_page_post_for_one_tenants_failure_is_refused(scenarios):
    point = next(p for p in scenarios["incident"].payload["decision_points"] if p["id"] == "D4")
    public = next(o["id"] for o in point["options"] if "status page" in o["text"])
    assert "no other customer" in " ".join(i["text"] for i in scenarios["incident"].payload["injects"])

    def mutate(payload, key):
        key["decisions"]["D4"]["correct"] = [public]

    problems = _refused(scenarios, "incident", mutate)
    _assert_path(problems, "answer_key.decisions.D4.correct", "public status page")
    _assert_path(problems, "answer_key.decisions.D4.correct", "replying to the one customer")


def test_a_red_herring_inject_that_does_not_exist_is_refused(scenarios):
    def mutate(payload, key):
        key["red_herring_inject_ids"] = ["I99"]

    _assert_path(_refused(scenarios, "incident", mutate), "answer_key.red_herring_inject_ids[0]")


def test_a_key_severity_that_is_not_the_correct_answer_is_refused(scenarios):
    def mutate(payload, key):
        key["severity"] = "SEV4" if key["severity"] != "SEV4" else "SEV1"

    _assert_path(_refused(scenarios, "incident", mutate), "answer_key.decisions.D1.correct", "severity")


# --- postmortem ---------------------------------------------------------------------------------


def test_a_postmortem_resolving_before_it_starts_is_refused(scenarios):
    def mutate(payload, key):
        incident = payload["incident"]
        incident["resolved_at"] = _shift(incident["started_at"], minutes=-5)

    _assert_path(_refused(scenarios, "postmortem", mutate), "payload.incident.resolved_at")


def test_a_duration_that_does_not_match_the_times_is_refused(scenarios):
    def mutate(payload, key):
        payload["incident"]["duration_minutes"] += 45

    _assert_path(_refused(scenarios, "postmortem", mutate), "payload.incident.duration_minutes")


def test_a_postmortem_herring_that_does_not_exist_is_refused(scenarios):
    def mutate(payload, key):
        key["red_herrings"][0]["evidence_id"] = "E99"

    _assert_path(_refused(scenarios, "postmortem", mutate), "answer_key.red_herrings[0].evidence_id")


def test_one_customers_failure_detected_by_a_service_error_rate_alert_is_refused(scenarios):
    timeline = scenarios["postmortem"].payload["timeline"]
    detected = next(n for n, entry in enumerate(timeline) if entry["text"].startswith("Detected:"))

    def mutate(payload, key):
        payload["incident"]["customers_affected"] = 1
        payload["timeline"][detected]["text"] = "Detected: alert on domains-service error rate (0.3%)."

    _assert_path(
        _refused(scenarios, "postmortem", mutate), f"payload.timeline[{detected}].text", "one tenant"
    )


def test_a_metric_that_peaked_below_its_baseline_is_refused(scenarios):
    def mutate(payload, key):
        payload["evidence"][0]["text"] = "requests to orders.example.com peaked at 0 req/min (baseline 320)."

    _assert_path(_refused(scenarios, "postmortem", mutate), "payload.evidence[0].text", "it fell")


def test_duplicate_evidence_ids_are_refused(scenarios):
    def mutate(payload, key):
        payload["evidence"][1]["id"] = payload["evidence"][0]["id"]

    _assert_path(_refused(scenarios, "postmortem", mutate), "payload.evidence[1].id", "duplicate")


def test_a_postmortem_timeline_out_of_order_is_refused(scenarios):
    def mutate(payload, key):
        payload["timeline"][0]["at"] = payload["incident"]["resolved_at"]

    _assert_path(_refused(scenarios, "postmortem", mutate), "payload.timeline[1].at", "out of time order")


# --- the import refuses the whole pack ----------------------------------------------------------


@pytest.mark.django_db
def test_import_pack_refuses_a_pack_with_one_inconsistent_scenario_whole(scenarios, tmp_path):
    good = _document("triage_queue", scenarios["triage_queue"].payload, scenarios["triage_queue"].answer_key)
    bad_payload = copy.deepcopy(scenarios["postmortem"].payload)
    bad_payload["incident"]["duration_minutes"] += 45
    bad = _document("postmortem", bad_payload, scenarios["postmortem"].answer_key)
    document = good | {"scenarios": good["scenarios"] + bad["scenarios"]}
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(document))

    with pytest.raises(packs.PackError) as caught:
        services.pack_import(path=path)

    assert "mixed.json: $.scenarios[1].payload.incident.duration_minutes: " in str(caught.value)
    assert not Scenario.objects.exists()


def test_reading_a_graded_pack_keeps_only_the_referential_checks(scenarios):
    payload = copy.deepcopy(scenarios["postmortem"].payload)
    payload["incident"]["duration_minutes"] += 45
    document = _document("postmortem", payload, scenarios["postmortem"].answer_key)

    packs.validate_pack(document, name="graded.json", invariants=False)
    assert lint("postmortem", payload, scenarios["postmortem"].answer_key)


def test_the_linter_runs_on_any_archetype(scenarios):
    for archetype in [a for a in archetype_ids() if "postmortem" in get_archetype(a)["kinds"]][:3]:
        scenario = generate("postmortem", archetype, 3, "hard")
        assert lint("postmortem", scenario.payload, scenario.answer_key) == []


# --- a long log: variety, spread and enough traces ----------------------------------------------


@pytest.fixture(scope="module")
def long_logs():
    return {"log_investigation": generate("log_investigation", ARCHETYPE, 11, "medium", log_lines=6000)}


def test_a_long_generated_log_passes(long_logs):
    scenario = long_logs["log_investigation"]
    packs.validate_pack(_document("log_investigation", scenario.payload, scenario.answer_key), name="ok.json")


def test_a_long_log_of_a_handful_of_messages_is_refused(long_logs):
    def mutate(payload, key):
        for n, line in enumerate(payload["logs"]):
            if line["message"] not in key["signal_messages"]:
                line["message"] = "request completed" if n % 2 else "health check ok"
                line["level"] = "INFO"

    problems = _refused(long_logs, "log_investigation", mutate)
    _assert_path(problems, "payload.logs", "kinds of message")
    _assert_path(problems, "payload.logs", "kinds of WARN/ERROR message")


def test_one_tenant_on_every_line_is_refused(long_logs):
    def mutate(payload, key):
        tenant = next(line["tenant_id"] for line in payload["logs"] if "tenant_id" in line)
        for line in payload["logs"]:
            line["tenant_id"] = tenant
            line["message"] = line["message"].split(" tenant")[0]

    _assert_path(_refused(long_logs, "log_investigation", mutate), "payload.logs", "only 1 tenants")


def test_one_invoice_on_hundreds_of_lines_is_refused(long_logs):
    def mutate(payload, key):
        for line in payload["logs"][:400]:
            line["message"] = "retrying charge for invoice in_5d21a7c0"

    _assert_path(
        _refused(long_logs, "log_investigation", mutate), "payload.logs", "in_5d21a7c0 is named on 400 lines"
    )


def test_a_long_log_with_one_trace_and_one_sample_is_refused(long_logs):
    def mutate(payload, key):
        payload["traces"] = payload["traces"][:1]
        payload["http_samples"] = payload["http_samples"][:1]

    problems = _refused(long_logs, "log_investigation", mutate)
    _assert_path(problems, "payload.traces", "has 1 traces")
    _assert_path(problems, "payload.http_samples", "has 1 samples")


def test_a_trace_whose_dependency_logs_no_line_of_it_is_refused(long_logs):
    t, trace = _crossing_trace(long_logs)
    logs = long_logs["log_investigation"].payload["logs"]
    s, span = next(
        (s, span)
        for s, span in enumerate(trace["spans"])
        if any(
            line.get("trace_id") == trace["trace_id"] and line["span_id"] == span["span_id"] for line in logs
        )
        and span["service"] != trace["spans"][0]["service"]
    )

    def mutate(payload, key):
        for line in payload["logs"]:
            if line.get("trace_id") == trace["trace_id"] and line["service"] == span["service"]:
                line["trace_id"] = "0" * 32

    _assert_path(
        _refused(long_logs, "log_investigation", mutate),
        f"payload.traces[{t}].spans[{s}].service",
        "carries trace",
    )


def test_traces_of_only_failing_requests_are_refused(long_logs):
    def mutate(payload, key):
        signal = set(key["signal_messages"])
        of_failure = {line.get("trace_id") for line in payload["logs"] if line["message"] in signal}
        payload["traces"] = [
            t for t in payload["traces"]
            if t["trace_id"] in of_failure or any(s["status"] == "error" for s in t["spans"])
        ]  # fmt: skip
        kept = {t["trace_id"] for t in payload["traces"]}
        payload["http_samples"] = [s for s in payload["http_samples"] if s["trace_id"] in kept]

    _assert_path(
        _refused(long_logs, "log_investigation", mutate), "payload.traces", "no trace shows a healthy"
    )


@pytest.mark.parametrize("kind", ["triage_queue", "log_investigation"])
def test_a_component_the_catalog_does_not_name_is_refused(scenarios, kind):
    def mutate(payload, key):
        if kind == "triage_queue":
            first = next(iter(key["tickets"]))
            key["tickets"][first]["component"] = "the login thing"
        else:
            key["component"] = "the login thing"

    problems = _refused(scenarios, kind, mutate)
    first = next(iter(scenarios[kind].answer_key.get("tickets") or {"": None}))
    path = "answer_key.component" if kind == "log_investigation" else f"answer_key.tickets.{first}.component"
    _assert_path(problems, path, "'the login thing' is not a component of the catalog")


# --- stories that hold over time --------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase", ["flaky for the last hour", "then works again for half an hour", "in the last half hour"]
)
def test_a_duration_the_clock_has_not_reached_is_refused(scenarios, phrase):
    def mutate(payload, key):
        payload["ticket"]["received_at"] = _shift(key["onset"], minutes=12)
        payload["ticket"]["body"] += f"\nIt has been {phrase}."

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.ticket.body", phrase.split()[-1])


def _http_error_line(payload) -> int:
    return next(n for n, line in enumerate(payload["logs"]) if line.get("status", 0) >= 400)


def test_a_failure_faster_than_its_stated_timeout_is_refused(scenarios):
    def mutate(payload, key):
        n = _http_error_line(payload)
        payload["logs"][n]["message"] = (
            "could not acquire DB connection within 5000ms (pool orders_rw size=40)"
        )
        payload["logs"][n]["latency_ms"] = 3996

    problems = _refused(scenarios, "log_investigation", mutate)
    n = _http_error_line(scenarios["log_investigation"].payload)
    _assert_path(problems, f"payload.logs[{n}].latency_ms", "within 5000ms")


def test_a_span_faster_than_its_stated_timeout_is_refused(scenarios):
    def mutate(payload, key):
        span = payload["traces"][0]["spans"][-1]
        span["error"] = "timeout acquiring connection after 5000ms"

    problems = _refused(scenarios, "log_investigation", mutate)
    last = len(scenarios["log_investigation"].payload["traces"][0]["spans"]) - 1
    _assert_path(problems, f"payload.traces[0].spans[{last}].duration_ms", "after 5000ms")


def test_a_pool_with_more_connections_than_its_size_is_refused(scenarios):
    def mutate(payload, key):
        payload["logs"][3]["message"] = "could not acquire DB connection (pool orders_rw size=42, idle=0)"
        payload["logs"][5]["message"] = "pool orders_rw: active=19 idle=34 waiting=0"

    _assert_path(
        _refused(scenarios, "log_investigation", mutate), "payload.logs[5].message", "more than its size 42"
    )


def test_a_restart_counter_that_does_not_count_is_refused(scenarios):
    def mutate(payload, key):
        for n in (4, 8):
            payload["logs"][n]["message"] = (
                "kubelet: container search in pod search-7d9f6c-xk2lp terminated: OOMKilled (exit code 137), restart count 27"
            )
            payload["logs"][n].pop("tenant_id", None)

    _assert_path(
        _refused(scenarios, "log_investigation", mutate), "payload.logs[8].message", "does not go up"
    )


def test_a_deploy_line_naming_a_tenant_is_refused(scenarios):
    def mutate(payload, key):
        payload["logs"][7]["message"] = (
            "deploy finished: orders-service v7.17.0 on 3/3 pods (previous v7.16.2)"
        )
        payload["logs"][7]["tenant_id"] = "tn_0123456789"

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.logs[7].tenant_id", "no tenant")


def test_system_work_naming_a_tenant_is_refused(scenarios):
    def mutate(payload, key):
        payload["logs"][9]["message"] = "autovacuum: VACUUM ANALYZE public.order_events finished in 48s"
        payload["logs"][9]["tenant_id"] = "tn_0123456789"

    _assert_path(_refused(scenarios, "log_investigation", mutate), "payload.logs[9].tenant_id", "system work")


def test_system_work_without_a_tenant_passes(scenarios):
    payload = copy.deepcopy(scenarios["log_investigation"].payload)
    payload["logs"][9]["message"] = "autovacuum: VACUUM ANALYZE public.order_events finished in 48s"
    payload["logs"][9].pop("tenant_id", None)
    assert (
        lint(
            "log_investigation",
            payload,
            scenarios["log_investigation"].answer_key,
            only=frozenset({"system_work_carries_no_tenant"}),
        )
        == []
    )


def test_the_same_slow_query_duration_on_every_line_is_refused(scenarios):
    def mutate(payload, key):
        for n in range(20, 80, 10):
            payload["logs"][n]["message"] = f"slow query 12873ms: SELECT o.* FROM orders o WHERE o.id = ${n}"

    _assert_path(
        _refused(scenarios, "log_investigation", mutate),
        "payload.logs[20].message",
        "measure the same 12873ms",
    )


def test_slow_queries_of_varying_durations_pass(scenarios):
    payload = copy.deepcopy(scenarios["log_investigation"].payload)
    for n in range(20, 80, 10):
        payload["logs"][n]["message"] = (
            f"slow query {12000 + 7 * n}ms: SELECT o.* FROM orders o WHERE o.id = $1"
        )
    assert (
        lint(
            "log_investigation",
            payload,
            scenarios["log_investigation"].answer_key,
            only=frozenset({"measured_durations_vary"}),
        )
        == []
    )


# --- what a reader of the material can know --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "field", "text"),
    [
        (
            "incident",
            "injects",
            "[FIRING] settings-service error rate 0.35% over 5m (threshold 5%), eu-west-1",
        ),
        ("customer_comms", "timeline", "Alert: domains-service error rate at 0.3% (normal 0.3%)."),
    ],
)
def test_an_alert_below_its_threshold_is_refused(scenarios, kind, field, text):
    def mutate(payload, key):
        payload[field][0]["text"] = text

    _assert_path(_refused(scenarios, kind, mutate), f"payload.{field}[0].text", "does not exceed")


def test_an_alert_above_its_threshold_passes(scenarios):
    payload = copy.deepcopy(scenarios["incident"].payload)
    payload["injects"][0]["text"] = "[FIRING] auth-service error rate 14.0% over 5m (threshold 5%), eu-west-1"
    assert [v for v in lint("incident", payload, scenarios["incident"].answer_key)] == []


def test_a_brief_calling_a_stated_cause_unknown_is_refused(scenarios):
    def mutate(payload, key):
        stated = "E-mails are delayed because our e-mail delivery provider is unavailable."
        payload["known"][0] = key["known"][0] = stated
        payload["brief"] = "Draft the next update. The cause is not yet known."

    _assert_path(_refused(scenarios, "customer_comms", mutate), "payload.brief", "calls the cause unknown")


def test_a_one_customer_failure_on_the_status_page_is_refused(scenarios):
    def mutate(payload, key):
        payload["incident"]["customer_reports"] = 1
        payload["audience"] = "status page and e-mail to affected customers"

    _assert_path(_refused(scenarios, "customer_comms", mutate), "payload.audience", "only one customer")


def test_a_report_count_the_incident_does_not_have_is_refused(scenarios):
    def mutate(payload, key):
        payload["incident"]["customer_reports"] = 3
        payload["timeline"][-1]["text"] = "31 customers have reported the problem so far."

    problems = _refused(scenarios, "customer_comms", mutate)
    last = len(scenarios["customer_comms"].payload["timeline"]) - 1
    _assert_path(problems, f"payload.timeline[{last}].text", "incident counts 3")


def test_customer_guidance_naming_our_rollback_is_refused(scenarios):
    def mutate(payload, key):
        key["guidance"] = "Client retries with backoff succeed part of the time; rollback to v6.20.7."

    _assert_path(_refused(scenarios, "customer_comms", mutate), "answer_key.guidance", "only the provider")


def _customer_message(payload) -> int:
    return next(n for n, m in enumerate(payload["thread"]) if m["role"] == "customer" and n > 0)


def test_a_customer_reciting_the_keys_workaround_is_refused(scenarios):
    def mutate(payload, key):
        n = _customer_message(payload)
        payload["thread"][n]["body"] += f"\n{key['facts']['workaround']} - is that what we should do?"

    n = _customer_message(scenarios["escalation_writeup"].payload)
    _assert_path(
        _refused(scenarios, "escalation_writeup", mutate), f"payload.thread[{n}].body", "word for word"
    )


def test_a_customer_naming_our_internal_version_is_refused(scenarios):
    def mutate(payload, key):
        n = _customer_message(payload)
        payload["thread"][n]["body"] += f"\nShould you roll back to {key['facts']['versions'][0]}?"

    n = _customer_message(scenarios["escalation_writeup"].payload)
    version = scenarios["escalation_writeup"].answer_key["facts"]["versions"][0]
    _assert_path(_refused(scenarios, "escalation_writeup", mutate), f"payload.thread[{n}].body", version)


@pytest.mark.parametrize(
    ("field", "value", "token"),
    [
        ("actual", "Bulk enumeration from 198.51.100.23.", "198.51.100.23"),
        ("expected", "Order list requests complete in under 300ms.", "300"),
        ("environment", "Production, eu-west-1, change CHG-4471", "CHG-4471"),
    ],
)
def test_a_key_fact_the_thread_never_states_is_refused(scenarios, field, value, token):
    def mutate(payload, key):
        key["facts"][field] = value

    _assert_path(
        _refused(scenarios, "escalation_writeup", mutate),
        f"answer_key.facts.{field}",
        f"{token} does not occur",
    )


def test_a_secret_of_our_internal_database_is_refused(scenarios):
    def mutate(payload, key):
        body = next(m for m in payload["thread"] if m["id"] == key["secret"]["message_id"])
        body["body"] += f"\nDATABASE_URL=postgres://app:{key['secret']['value']}@db.internal:5432/app"

    _assert_path(
        _refused(scenarios, "escalation_writeup", mutate), "answer_key.secret.value", "internal host"
    )


def test_an_api_key_that_is_not_the_customers_is_refused(scenarios):
    def mutate(payload, key):
        payload["thread"][0]["body"] += "\nKey prefix rk_live_c5f3b8."
        message = next(m for m in payload["thread"] if m["id"] == key["secret"]["message_id"])
        message["body"] = message["body"].replace(key["secret"]["value"], "rw_live_284550e407aa")
        key["secret"].update(kind="api_key", value="rw_live_284550e407aa")

    _assert_path(
        _refused(scenarios, "escalation_writeup", mutate), "answer_key.secret.value", "rk_live_c5f3b8"
    )


def _ticket_of(scenarios, outage: bool) -> str:
    keys = scenarios["triage_queue"].answer_key["tickets"]
    return next(tid for tid, entry in keys.items() if (entry["root_cause"] is not None) == outage)


def test_a_triage_step_naming_an_id_the_ticket_never_shows_is_refused(scenarios):
    ticket_id = _ticket_of(scenarios, outage=True)

    def mutate(payload, key):
        key["tickets"][ticket_id]["next_steps"][0] = "Revert change CHG-4471 for tenant tn_3aacda5992."

    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket_id}.next_steps[0]",
        "never shows",
    )


@pytest.mark.parametrize(("outage", "severity"), [(False, "SEV3"), (True, "SEV4")])
def test_a_severity_against_the_queues_own_scale_is_refused(scenarios, outage, severity):
    ticket_id = _ticket_of(scenarios, outage=outage)

    def mutate(payload, key):
        key["tickets"][ticket_id]["severity"] = severity

    _assert_path(
        _refused(scenarios, "triage_queue", mutate), f"answer_key.tickets.{ticket_id}.severity", severity
    )


# --- a backlog's figures (kafka_consumer_lag) -----------------------------------------------------


@pytest.fixture(scope="module")
def kafka():
    return {
        kind: generate(
            kind, "kafka_consumer_lag", 21, "medium", log_lines=600 if kind == "log_investigation" else None
        )
        for kind in ("incident", "log_investigation", "postmortem")
    }


def _max_lag_inject(payload) -> int:
    return next(
        n for n, i in enumerate(payload["injects"]) if i["kind"] == "metric" and "max partition" in i["text"]
    )


def test_the_kafka_drill_states_growing_lag_and_passes(kafka):
    import re

    payload = kafka["incident"].payload
    # In the order of the moments they tell of: a log line when it was logged, the rest when released.
    figures = [
        int(m.group(1).replace(",", ""))
        for i in sorted(payload["injects"], key=lambda i: _inject_moment(payload, i))
        if (m := re.search(r"lag(?: at| on \S+ =)? ([\d,]+) ?messages", i["text"]))
    ]
    assert len(figures) == 3 and figures == sorted(figures) and figures[0] < figures[-1], figures
    assert not any(re.search(r"\dmessages", i["text"]) for i in payload["injects"])
    # The import is minutes old when the drill starts: nothing calls the data hours late.
    assert not any(
        "hours late" in text for text in [payload["title"]] + [i["text"] for i in payload["injects"]]
    )
    for kind, generated in kafka.items():
        packs.validate_pack(_document(kind, generated.payload, generated.answer_key), name="ok.json")


def test_a_max_lag_below_a_partition_lag_in_an_inject_is_refused(kafka):
    def mutate(payload, key):
        n = _max_lag_inject(payload)
        payload["injects"][n]["text"] = "max partition consumer lag at 1,000 messages"

    n = _max_lag_inject(kafka["incident"].payload)
    _assert_path(_refused(kafka, "incident", mutate), f"payload.injects[{n}].text", "below the")


def test_hours_late_minutes_after_the_import_is_refused(kafka):
    def mutate(payload, key):
        payload["title"] = (
            "Incident drill: Orders hours late in search, dashboards and webhooks for some tenants"
        )

    _assert_path(_refused(kafka, "incident", mutate), "payload.title", "hours late")


def test_a_dashboard_max_lag_below_a_logged_partition_lag_is_refused(kafka):
    payload = kafka["log_investigation"].payload
    series = payload["dashboard"]["series"]
    # The first minute whose preceding minute logged a partition's lag.
    lagged = [(when(line["ts"]), line) for line in payload["logs"] if "lag on " in line["message"]]
    n = next(
        n
        for n, point in enumerate(series)
        if any(0 <= (when(point["ts"]) - at).total_seconds() < 60 for at, _ in lagged)
    )

    def mutate(payload, key):
        payload["dashboard"]["series"][n]["saturation"] = 1.0

    _assert_path(
        _refused(kafka, "log_investigation", mutate), f"payload.dashboard.series[{n}].saturation", "below the"
    )


def test_a_consumer_lag_that_falls_while_the_failure_lasts_is_refused(kafka):
    payload = kafka["log_investigation"].payload
    lagged = [n for n, line in enumerate(payload["logs"]) if "lag on " in line["message"]]
    first, later = lagged[0], lagged[-1]

    def mutate(payload, key):
        line = payload["logs"][later]
        line["message"] = re.sub(r"= \d+ messages", "= 1000 messages", line["message"])
        key["signal_messages"].append(line["message"])

    _assert_path(
        _refused(kafka, "log_investigation", mutate),
        f"payload.logs[{later}].message",
        "while the failure lasts",
    )
    assert first < later


def test_a_backlog_on_the_dashboard_that_falls_after_the_onset_is_refused(kafka):
    payload, key = kafka["log_investigation"].payload, kafka["log_investigation"].answer_key
    n = next(
        n for n, point in enumerate(payload["dashboard"]["series"]) if when(point["ts"]) > when(key["onset"])
    )
    n += 3

    def mutate(payload, key):
        payload["dashboard"]["series"][n]["saturation"] = (
            payload["dashboard"]["series"][n - 1]["saturation"] / 2
        )

    _assert_path(
        _refused(kafka, "log_investigation", mutate), f"payload.dashboard.series[{n}].saturation", "falls to"
    )


@pytest.fixture(scope="module")
def leaked():
    return {
        "log_investigation": generate(
            "log_investigation", "leaked_api_key_in_use", 3, "medium", log_lines=1500
        )
    }


def _attacker_sample(payload) -> int:
    source = next(
        line["message"].split(" from ")[1].split(" ")[0]
        for line in payload["logs"]
        if "first use from" in line["message"]
    )
    lines = {
        line["request_id"]: line for line in payload["logs"] if "method" in line and "request_id" in line
    }
    return next(
        n
        for n, sample in enumerate(payload["http_samples"])
        if source in lines[sample["request_id"]]["message"]
    )


def test_the_attackers_samples_carry_the_agent_of_the_first_use_line_and_pass(leaked):
    scenario = leaked["log_investigation"]
    sample = scenario.payload["http_samples"][_attacker_sample(scenario.payload)]
    first_use = next(line for line in scenario.payload["logs"] if "first use from" in line["message"])
    assert first_use["message"].endswith(f"user-agent {sample['request']['headers']['User-Agent']}")
    assert lint("log_investigation", scenario.payload, scenario.answer_key) == []


def test_an_attackers_sample_with_the_customers_agent_is_refused(leaked):
    n = _attacker_sample(leaked["log_investigation"].payload)

    def mutate(payload, key):
        payload["http_samples"][n]["request"]["headers"]["User-Agent"] = "example.com-integration/2.4"

    _assert_path(
        _refused(leaked, "log_investigation", mutate),
        f"payload.http_samples[{n}].request.headers.User-Agent",
        "as the client of",
    )


# The catalog's root cause of a leaked key states no records figure (the other kinds cannot show one);
# a key that states one must take it from the logs.
def _records_stated(payload) -> list[int]:
    return [int(m) for line in payload["logs"] for m in re.findall(r"\((\d+) records\)", line["message"])]


def test_a_records_figure_the_logs_never_state_is_refused(leaked):
    def mutate(payload, key):
        key["root_cause"] += " About 95558 records were served."

    _assert_path(_refused(leaked, "log_investigation", mutate), "answer_key.root_cause", "95,558")


def test_a_records_figure_the_logs_state_is_accepted_and_only_grows(leaked):
    scenario = leaked["log_investigation"]
    stated = _records_stated(scenario.payload)
    assert stated and stated == sorted(stated) and stated[-1] > 0
    key = copy.deepcopy(scenario.answer_key)
    key["root_cause"] += f" It served about {round(stated[-1], -3)} records."
    assert lint("log_investigation", scenario.payload, key) == []


def test_a_bare_ok_body_of_a_successful_request_is_refused(scenarios):
    payload = scenarios["log_investigation"].payload
    n = next(
        n for n, sample in enumerate(payload["http_samples"]) if 200 <= sample["response"]["status"] < 300
    )

    def mutate(payload, key):
        payload["http_samples"][n]["response"]["body"] = {"ok": True}

    _assert_path(
        _refused(scenarios, "log_investigation", mutate),
        f"payload.http_samples[{n}].response.body",
        "answered",
    )


@pytest.fixture(scope="module")
def webhook():
    return {
        "log_investigation": generate(
            "log_investigation", "webhook_tls_cert_expired", 4, "medium", log_lines=1500
        )
    }


def test_the_webhook_retry_queue_is_the_one_its_lines_state_and_passes(webhook):
    scenario = webhook["log_investigation"]
    depths = [line for line in scenario.payload["logs"] if line["message"].startswith("retry queue depth=")]
    assert depths
    assert lint("log_investigation", scenario.payload, scenario.answer_key) == []


def test_a_dashboard_retry_queue_the_logs_do_not_show_is_refused(webhook):
    payload = webhook["log_investigation"].payload
    first = when(payload["dashboard"]["series"][0]["ts"])
    n = next(
        n
        for n, line in enumerate(payload["logs"])
        if line["message"].startswith("retry queue depth=") and when(line["ts"]) > first
    )

    def mutate(payload, key):
        for point in payload["dashboard"]["series"]:
            point["saturation"] = 10_000.0

    _assert_path(
        _refused(webhook, "log_investigation", mutate),
        f"payload.logs[{n}].message",
        "where the dashboard shows",
    )


def test_a_retry_attempt_its_schedule_cannot_reach_is_refused(webhook):
    """Waits doubling from a minute reach attempt 7 only an hour after the first failure: a line that
    counts attempts like failures of every event in the backlog is refused."""
    payload = webhook["log_investigation"].payload
    n = next(
        n for n, line in enumerate(payload["logs"]) if "oldest queued event is on attempt" in line["message"]
    )

    def mutate(payload, key):
        line = payload["logs"][n]
        line["message"] = re.sub(r"attempt \d+", "attempt 3800", line["message"])

    _assert_path(
        _refused(webhook, "log_investigation", mutate), f"payload.logs[{n}].message", "reaches only attempt"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Node the affected node came up from a new base image.",
        "A bulk import by tenant the customer's tenant put millions of events on one partition.",
        "Days are bucketed without converting to the tenant time zone (the tenant timezone).",
        "The key is used to enumerate records (about the records accessed records).",
        "The flag {flag_key} was turned on.",
    ],
)
def test_a_key_text_with_an_unfilled_placeholder_is_refused(scenarios, text):
    def mutate(payload, key):
        key["root_cause"] = text

    problems = _refused(scenarios, "escalation_writeup", mutate)
    assert any("answer_key.root_cause" in p and "placeholder left unfilled" in p for p in problems), problems


def test_a_sample_with_the_customers_agent_on_another_tenants_request_is_refused():
    for seed in range(11, 40):
        scenario = generate("log_investigation", ARCHETYPE, seed, "medium", log_lines=400)
        tenants = {line.get("request_id"): line.get("tenant_id") for line in scenario.payload["logs"]}
        customer = scenario.payload["ticket"]["customer"]["email"].rpartition("@")[2]
        others = [
            n
            for n, sample in enumerate(scenario.payload["http_samples"])
            if tenants.get(sample["request_id"])
            and customer not in sample["request"]["headers"]["User-Agent"]
        ]
        if others:
            break
    n = others[0]

    def mutate(payload, key):
        for sample in payload["http_samples"]:
            sample["request"]["headers"]["User-Agent"] = f"{customer}-integration/2.4"

    problems = _refused({"log_investigation": scenario}, "log_investigation", mutate)
    assert any(f"http_samples[{n}].request.headers.User-Agent" in p for p in problems), problems


# --- when customers write -------------------------------------------------------------------------


def _local_hour(payload) -> tuple[int, float]:
    """(index of the message stating the customer's zone, the zone's offset in hours)."""
    zoned = re.compile(r"\(UTC([+-])(\d\d):(\d\d)\)")
    for n, message in enumerate(payload["thread"]):
        if message["role"] == "customer" and (m := zoned.search(message["body"])):
            sign = 1 if m.group(1) == "+" else -1
            return n, sign * (int(m.group(2)) + int(m.group(3)) / 60)
    raise AssertionError("no message states the customer's time zone")


def test_a_customer_message_at_four_in_the_morning_their_time_is_refused(scenarios):
    payload = scenarios["escalation_writeup"].payload
    n, offset = _local_hour(payload)
    sent = when(payload["thread"][n]["sent_at"])
    # Move the whole thread so the message stating the zone is sent at 04:10 on the customer's clock.
    local = sent + timedelta(hours=offset)
    shift = (local.replace(hour=4, minute=10) - local).total_seconds() / 3600

    def mutate(payload, key):
        for message in payload["thread"]:
            message["sent_at"] = _shift(message["sent_at"], hours=shift)

    _assert_path(
        _refused(scenarios, "escalation_writeup", mutate), f"payload.thread[{n}].body", "working hours"
    )


def test_generated_customers_write_in_their_working_hours():
    """Over many seeds, every customer message of a thread falls between 07:00 and 20:00 their time."""
    hours = set()
    for seed in range(40):
        archetype = archetype_ids()[seed % len(archetype_ids())]
        payload = generate("escalation_writeup", archetype, seed, "hard").payload
        _, offset = _local_hour(payload)
        hours |= {
            (when(m["sent_at"]) + timedelta(hours=offset)).hour
            for m in payload["thread"]
            if m["role"] == "customer"
        }
    assert min(hours) >= 7 and max(hours) < 20, sorted(hours)


# --- what L1 writes -------------------------------------------------------------------------------


def _l1_note(payload) -> int:
    return next(n for n, m in enumerate(payload["thread"]) if m["role"] == "l1_note")


def test_an_l1_note_pointing_at_the_pasted_secret_is_refused(scenarios):
    def mutate(payload, key):
        payload["thread"][_l1_note(payload)]["body"] += (
            "\nThey pasted a credential in the thread; it needs redacting."
        )

    n = _l1_note(scenarios["escalation_writeup"].payload)
    _assert_path(_refused(scenarios, "escalation_writeup", mutate), f"payload.thread[{n}].body", "secret")


def test_an_l1_note_stating_the_root_cause_is_refused(scenarios):
    def mutate(payload, key):
        payload["thread"][_l1_note(payload)]["body"] += "\n" + key["root_cause"]

    n = _l1_note(scenarios["escalation_writeup"].payload)
    _assert_path(_refused(scenarios, "escalation_writeup", mutate), f"payload.thread[{n}].body", "root cause")


def test_a_customer_saying_there_is_no_rush_about_a_severe_failure_is_refused(scenarios):
    scenario = scenarios["escalation_writeup"]
    assert scenario.answer_key["facts"]["severity"] in ("SEV1", "SEV2")
    n = max(i for i, m in enumerate(scenario.payload["thread"]) if m["role"] == "customer")

    def mutate(payload, key):
        payload["thread"][n]["body"] += " No rush, this week is fine."

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), f"payload.thread[{n}].body", "No rush")


# --- when an incident asks for a decision ---------------------------------------------------------


def test_a_severity_asked_before_the_drill_says_whom_the_failure_hits_is_refused(scenarios):
    payload = scenarios["incident"].payload
    scope = next(
        i for i in payload["injects"] if "no other customer" in i["text"] or "enterprise" in i["text"]
    )

    def mutate(payload, key):
        payload["decision_points"][0]["offset_seconds"] = scope["offset_seconds"] - 30
        key["decisions"]["D1"]["window_seconds"][0] = scope["offset_seconds"] - 30

    _assert_path(
        _refused(scenarios, "incident", mutate),
        "payload.decision_points[0].offset_seconds",
        "whom the failure",
    )


def test_a_first_mitigation_asked_before_the_failure_s_lines_arrive_is_refused(scenarios):
    payload = scenarios["incident"].payload
    n = next(n for n, p in enumerate(payload["decision_points"]) if "first mitigation" in p["prompt"])
    asked = payload["decision_points"][n]["offset_seconds"]

    def mutate(payload, key):
        payload["injects"].append(
            {
                "id": "I99",
                "offset_seconds": asked + 60,
                "kind": "log_excerpt",
                "source": "Log search",
                "text": "token exchange rejected: invalid_client",
            }  # fmt: skip
        )

    _assert_path(
        _refused(scenarios, "incident", mutate), f"payload.decision_points[{n}].offset_seconds", "last line"
    )


def test_a_decision_window_opening_before_its_question_is_refused(scenarios):
    def mutate(payload, key):
        key["decisions"]["D2"]["window_seconds"][0] = payload["decision_points"][1]["offset_seconds"] - 100

    _assert_path(_refused(scenarios, "incident", mutate), "answer_key.decisions.D2.window_seconds", "opens")


def test_a_doubled_phrase_in_a_triage_key_is_refused(scenarios):
    def mutate(payload, key):
        ticket = next(iter(key["tickets"]))
        key["tickets"][ticket]["next_steps"].append(
            "Point the CNAME at the customer's the customer's endpoint."
        )

    ticket = next(iter(scenarios["triage_queue"].answer_key["tickets"]))
    steps = len(scenarios["triage_queue"].answer_key["tickets"][ticket]["next_steps"])
    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket}.next_steps[{steps}]",
        "doubling",
    )


def test_key_evidence_within_its_healthy_bound_is_refused(scenarios):
    def mutate(payload, key):
        evidence = next(e for e in key["key_evidence"] if "trigger" not in e["why"])
        line = next(line for line in payload["logs"] if line["id"] == evidence["line_id"])
        line["message"] = "index freshness for tenant tn_0345b07c8b behind by 1s (SLO 5m)"
        key["signal_messages"] = sorted({*key["signal_messages"], line["message"]})
        key["signal_line_count"] += 1

    problems = _refused(scenarios, "log_investigation", mutate)
    assert any("key_evidence[" in p and "healthy bound" in p for p in problems), problems


def test_a_signal_line_count_off_by_one_is_refused(scenarios):
    def mutate(payload, key):
        key["signal_line_count"] -= 1

    _assert_path(_refused(scenarios, "log_investigation", mutate), "answer_key.signal_line_count", "carry")


def test_the_customer_s_tenant_the_candidate_was_never_given_is_refused(scenarios):
    generated = scenarios["log_investigation"]
    tenant = next(
        line["tenant_id"]
        for e in generated.answer_key["key_evidence"]
        if "the customer's tenant" in e["why"]
        for line in generated.payload["logs"]
        if line["id"] == e["line_id"]
    )

    def mutate(payload, key):
        payload["brief"] = payload["brief"].replace(f", tenant {tenant}", "")

    problems = _refused(scenarios, "log_investigation", mutate)
    assert any("the customer's tenant" in p and "nothing gives" in p for p in problems), problems


def test_a_safe_mitigation_naming_a_topic_the_logs_never_show_is_refused(scenarios):
    def mutate(payload, key):
        for line in payload["logs"]:
            line["message"] = line["message"].replace("bulk topic", "bulk stream")
        key["signal_messages"] = [m.replace("bulk topic", "bulk stream") for m in key["signal_messages"]]
        for herring in key["red_herrings"]:
            herring["message"] = herring["message"].replace("bulk topic", "bulk stream")
        key["mitigations"]["safe"][0] += " Move the import to the bulk topic."

    _assert_path(
        _refused(scenarios, "log_investigation", mutate), "answer_key.mitigations.safe[0]", "bulk topic"
    )


def test_a_system_line_with_a_request_id_is_refused(scenarios):
    def mutate(payload, key):
        line = payload["logs"][9]
        line["message"] = "autovacuum: VACUUM ANALYZE public.order_events finished in 48s"
        line.pop("tenant_id", None)
        line["trace_id"], line["span_id"], line["request_id"] = "ab" * 16, "cd" * 8, "req_0123456789ab"

    _assert_path(
        _refused(scenarios, "log_investigation", mutate), "payload.logs[9].trace_id", "serves no request"
    )


def test_generated_system_lines_carry_no_request_ids(scenarios):
    lines = generate(
        "log_investigation", "db_pool_exhaustion_after_deploy", 3, "hard", log_lines=3000
    ).payload["logs"]
    probes = [line for line in lines if line["message"] == "health check ok"]
    deploys = [line for line in lines if line["message"].startswith("deploy finished")]
    assert probes and deploys
    assert not any("request_id" in line or "trace_id" in line for line in probes + deploys)
    assert all("request_id" in line for line in lines if line["message"].startswith("request completed"))


def test_a_parent_span_ok_over_a_failed_call_is_refused(scenarios):
    trace = scenarios["log_investigation"].payload["traces"][0]
    ids = {span["span_id"]: n for n, span in enumerate(trace["spans"])}
    child = next(span for span in trace["spans"] if span["status"] == "error" and span["parent_span_id"])
    p = ids[child["parent_span_id"]]

    def mutate(payload, key):
        parent = payload["traces"][0]["spans"][p]
        parent["status"] = "ok"
        parent.pop("error", None)

    _assert_path(
        _refused(scenarios, "log_investigation", mutate),
        f"payload.traces[0].spans[{p}].status",
        "not retried",
    )


@pytest.mark.parametrize(
    "archetype", ["missing_idempotency_duplicate_charges", "webhook_tls_cert_expired", "kafka_consumer_lag"]
)
def test_a_retried_call_or_queued_work_may_fail_under_an_ok_parent(archetype):
    scenario = generate("log_investigation", archetype, 5, "medium", log_lines=3000)
    assert (
        lint(
            "log_investigation",
            scenario.payload,
            scenario.answer_key,
            only=frozenset({"parent_spans_surface_child_errors"}),
        )
        == []
    )
    failing = [t for t in scenario.payload["traces"] if any(s["status"] == "error" for s in t["spans"])]
    assert failing
    if archetype == "webhook_tls_cert_expired":
        # The delivery whose handshake failed failed; the publish that queued it did not.
        for trace in failing:
            deliver = next(s for s in trace["spans"] if s["operation"].startswith("webhook.deliver"))
            assert deliver["status"] == "error" and "tls.handshake" in deliver["error"]
            assert trace["spans"][0]["status"] == "ok"


def test_a_retry_after_header_disagreeing_with_the_body_is_refused():
    scenario = generate("log_investigation", "retry_storm_rate_limited", 4, "medium", log_lines=3000)
    n = next(n for n, s in enumerate(scenario.payload["http_samples"]) if s["response"]["status"] == 429)
    response = scenario.payload["http_samples"][n]["response"]
    header = int(response["headers"]["Retry-After"])
    # One figure everywhere: the header, the body, the log line, the ticket's pasted response.
    assert f"retry after {header} seconds" in json.dumps(response["body"])
    scenarios = {"log_investigation": scenario}

    def mutate(payload, key):
        payload["http_samples"][n]["response"]["headers"]["Retry-After"] = str(header + 15)

    _assert_path(
        _refused(scenarios, "log_investigation", mutate),
        f"payload.http_samples[{n}].response.headers.Retry-After",
        f"retry after {header} s",
    )
