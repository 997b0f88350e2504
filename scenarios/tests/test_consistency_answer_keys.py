"""The linter's checks of what an answer key may claim: a severity the stated scale gives, causes and
figures the candidate can see, words that fit the timeline. Each test breaks a generated scenario the
way earlier generator versions did and expects the pack refused at the broken part."""

import pytest

from scenarios.consistency import lint, unshown_figures
from scenarios.generation import generate
from scenarios.generation.world import build_world
from scenarios.tests.test_consistency import _assert_path, _refused

ARCHETYPE = "oauth_client_secret_expired"


@pytest.fixture(scope="module")
def scenarios():
    kinds = ("triage_queue", "incident", "escalation_writeup", "postmortem", "customer_comms")
    return {kind: generate(kind, ARCHETYPE, 11, "medium") for kind in kinds}


@pytest.mark.parametrize(
    "kind", ["triage_queue", "incident", "escalation_writeup", "postmortem", "customer_comms"]
)
def test_the_generated_scenarios_pass(scenarios, kind):
    assert lint(kind, scenarios[kind].payload, scenarios[kind].answer_key) == []


# --- possessives ----------------------------------------------------------------------------------


def test_a_possessive_of_a_name_in_s_with_an_extra_s_is_refused(scenarios):
    def mutate(payload, key):
        payload["timeline"][2]["text"] = "Detected: Wright and Sons's account manager, after a call."

    _assert_path(_refused(scenarios, "postmortem", mutate), "payload.timeline[2].text", "Sons's")


def test_a_possessive_of_a_name_in_s_with_a_bare_apostrophe_passes(scenarios):
    postmortem = scenarios["postmortem"]
    payload = {**postmortem.payload, "timeline": [dict(e) for e in postmortem.payload["timeline"]]}
    payload["timeline"][2]["text"] = "Detected: Wright and Sons' account manager, after a call."
    names = {v.invariant for v in lint("postmortem", payload, postmortem.answer_key)}
    assert "possessives_of_names_in_s_read_naturally" not in names


# --- severity on the stated scale -----------------------------------------------------------------


def test_an_incident_graded_sev1_for_one_customers_degraded_feature_is_refused(scenarios):
    def mutate(payload, key):
        for inject in payload["injects"]:
            inject["text"] = inject["text"].replace(" and says they are fully blocked", "")
        key["severity"] = "SEV1"
        key["decisions"]["D1"]["correct"] = ["SEV1"]
        key["severity_reason"] = (
            "One tenant's main workflow is unusable; others are unaffected. Only Acme is affected."
        )

    _assert_path(_refused(scenarios, "incident", mutate), "answer_key.severity", "SEV2 at most")


def test_an_escalation_graded_sev3_for_a_full_outage_of_many_is_refused(scenarios):
    def mutate(payload, key):
        key["facts"]["severity"] = "SEV3"
        key["facts"]["severity_reason"] = (
            "All tenants affected; users cannot reset passwords or accept invitations; core product "
            "otherwise works; no data loss."
        )

    _assert_path(
        _refused(scenarios, "escalation_writeup", mutate), "answer_key.facts.severity", "SEV2 at least"
    )


def test_a_triage_sev1_for_an_enterprise_ticket_that_does_not_say_it_is_blocked_is_refused(scenarios):
    ticket_id = next(
        tid for tid, entry in scenarios["triage_queue"].answer_key["tickets"].items() if entry["root_cause"]
    )

    def mutate(payload, key):
        ticket = next(t for t in payload["tickets"] if t["id"] == ticket_id)
        ticket["customer"]["tier"] = "enterprise"
        ticket["subject"], ticket["body"] = "app very slow today", "orders page not loading"
        ticket.pop("error_snippet", None)
        entry = key["tickets"][ticket_id]
        entry["tier"], entry["severity"] = "enterprise", "SEV1"
        entry["severity_reason"] = "Critical by the scale: an enterprise customer fully blocked."

    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket_id}.severity",
        "SEV2 at most",
    )


def test_a_reason_grading_another_level_than_the_severity_is_refused(scenarios):
    def mutate(payload, key):
        key["facts"]["severity"] = "SEV2"
        key["facts"]["severity_reason"] = (
            "Minor by the scale: partial impact (a delay, some users), or a workaround exists."
        )

    _assert_path(
        _refused(scenarios, "escalation_writeup", mutate), "answer_key.facts.severity", "grades it Minor"
    )


def test_the_incident_and_the_escalation_state_the_scale_they_are_graded_on(scenarios):
    options = [o["text"] for o in scenarios["incident"].payload["decision_points"][0]["options"]]
    brief = scenarios["escalation_writeup"].payload["brief"]

    assert options[0].startswith("SEV1: Critical: customers' data or money at risk")
    assert "SEV3: Minor: partial impact" in brief


# --- keys rest on what the candidate sees ---------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "named"),
    [
        ("The node pool was rolled to a new base image in which chronyd was not enabled.", "chronyd"),
        ("A new inventory sync job on the customer side started 33 workers.", "inventory sync"),
        ("The client secret was issued with a 365-day lifetime and no rotation reminder.", "365"),
    ],
)
def test_a_postmortem_cause_the_evidence_never_shows_is_refused(scenarios, step, named):
    def mutate(payload, key):
        key["cause_chain"][0] = step

    _assert_path(_refused(scenarios, "postmortem", mutate), "answer_key.cause_chain[0]", named)


def test_a_postmortem_figure_in_a_contributing_factor_the_timeline_never_shows_is_refused(scenarios):
    def mutate(payload, key):
        key["contributing_factors"][0] = "Failover was manual and took 40 minutes to approve."

    _assert_path(_refused(scenarios, "postmortem", mutate), "answer_key.contributing_factors[0]", "40")


def test_figures_in_another_unit_or_given_as_approximate_count_as_shown():
    shown = "timed out after 8000ms; transaction held open 4210ms; 1,250 records"

    assert unshown_figures("The client timed out at 8s after ~4s of waiting on 1250 records.", shown) == []
    assert unshown_figures("It waited 9s.", shown) == ["9s"]


def test_an_incident_root_cause_naming_a_host_no_inject_shows_is_refused(scenarios):
    def mutate(payload, key):
        key["root_cause"] = "The certificate of hooks.example-shop.com expired."

    _assert_path(_refused(scenarios, "incident", mutate), "answer_key.root_cause", "hooks.example-shop.com")


# --- a report's days and time zones -----------------------------------------------------------------


@pytest.fixture(scope="module")
def report():
    """An escalation of the report bug from a customer in Sydney (UTC+10/+11)."""
    seed = next(
        s
        for s in range(50)
        if build_world("report_timezone_bug", s).values["tenant_timezone"] == "Australia/Sydney"
    )
    return {"escalation_writeup": generate("escalation_writeup", "report_timezone_bug", seed, "medium")}


def test_the_report_escalation_passes(report):
    scenario = report["escalation_writeup"]
    assert lint("escalation_writeup", scenario.payload, scenario.answer_key) == []


@pytest.mark.parametrize(
    "said",
    [
        "Reporting bug: orders placed after ~5pm our time show up on the next day in the daily CSV.",
        "It looks like the evening orders move to the next day.",
    ],
)
def test_sydney_orders_said_to_move_to_the_next_day_are_refused(report, said):
    def mutate(payload, key):
        payload["thread"][0]["body"] += f"\n{said} Our time zone is Australia/Sydney."

    _assert_path(_refused(report, "escalation_writeup", mutate), "payload.thread[0].body", "Australia/Sydney")


def test_a_daily_total_for_a_day_that_has_not_ended_is_refused(report):
    def mutate(payload, key):
        today = payload["thread"][0]["sent_at"][:10]
        payload["thread"][0]["body"] += (
            f"\n\ndate,orders,revenue\n{today},377,35102.10     <- dashboard shows 408"
        )

    _assert_path(_refused(report, "escalation_writeup", mutate), "payload.thread[0].body", "has not ended")


def test_an_unfilled_placeholder_in_what_the_candidate_reads_is_refused(report):
    def mutate(payload, key):
        payload["thread"][0]["body"] += "\nUsage: {requests_today} requests today"

    _assert_path(_refused(report, "escalation_writeup", mutate), "payload.thread[0].body", "{requests_today}")


# --- subjects and bodies, durations and times of day ----------------------------------------------


def test_a_triage_subject_about_another_feature_than_its_body_is_refused(scenarios):
    def mutate(payload, key):
        ticket = payload["tickets"][0]
        ticket["subject"] = "No invitation emails - new users can't join"
        ticket["body"] = "Since this morning none of our users receive password reset e-mails."
        ticket.pop("error_snippet", None)

    _assert_path(_refused(scenarios, "triage_queue", mutate), "payload.tickets[0].subject", "invit")


def test_an_escalation_subject_about_another_feature_than_its_body_is_refused(scenarios):
    def mutate(payload, key):
        payload["thread"][0]["subject"] = "No invitation emails - new users can't join"

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), "payload.thread[0].subject", "invit")


def test_an_update_saying_for_hours_half_an_hour_in_is_refused(scenarios):
    def mutate(payload, key):
        payload["known"][0] = "Settings saved since the start are stored but ignored for several hours."
        key["known"] = payload["known"]

    _assert_path(_refused(scenarios, "customer_comms", mutate), "payload.known[0]", "for several hours")


def test_a_drill_opening_with_hours_of_failure_minutes_in_is_refused(scenarios):
    def mutate(payload, key):
        payload["title"] = "Incident drill: saved settings are ignored by the API for hours."

    _assert_path(_refused(scenarios, "incident", mutate), "payload.title", "for hours")


def test_this_morning_of_a_problem_that_began_in_the_afternoon_is_refused(scenarios):
    def mutate(payload, key):
        payload["thread"][0]["body"] = (
            "Since about 15:20 (UTC+02:00) our sync fails, it has been down since this morning."
        )

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), "payload.thread[0].body", "this morning")


def test_a_ticket_that_waited_longer_than_the_failure_has_lasted_is_refused():
    log = {"log_investigation": generate("log_investigation", ARCHETYPE, 11, "medium", log_lines=400)}

    def mutate(payload, key):
        payload["ticket"]["error_snippet"] = "(no e-mail received after 300 minutes)"

    _assert_path(_refused(log, "log_investigation", mutate), "payload.ticket.error_snippet", "300 minutes")
