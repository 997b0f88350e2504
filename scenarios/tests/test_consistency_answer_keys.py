"""The linter's checks of what an answer key may claim: a severity the stated scale gives, causes and
figures the candidate can see, words that fit the timeline. Each test breaks a generated scenario the
way earlier generator versions did and expects the pack refused at the broken part."""

import re

import pytest

from scenarios.consistency import lint, unshown_figures, when
from scenarios.generation import generate
from scenarios.generation.world import build_world
from scenarios.tests.test_consistency import _assert_path, _refused, archetype_for

ARCHETYPE = "oauth_client_secret_expired"


@pytest.fixture(scope="module")
def scenarios():
    kinds = ("triage_queue", "incident", "escalation_writeup", "postmortem", "customer_comms")
    return {kind: generate(kind, archetype_for(kind), 11, "medium") for kind in kinds}


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


def _triage_failure(scenarios) -> str:
    return next(
        tid for tid, entry in scenarios["triage_queue"].answer_key["tickets"].items() if entry["root_cause"]
    )


def _with_ticket(ticket_id: str, body: str, reason: str):
    """A mutation giving one triage ticket `body` and its key the severity reason `reason`."""

    def mutate(payload, key):
        ticket = next(t for t in payload["tickets"] if t["id"] == ticket_id)
        ticket["body"] = body
        key["tickets"][ticket_id]["severity_reason"] = reason

    return mutate


@pytest.mark.parametrize(
    ("body", "reason", "fragment"),
    [
        # A generic sentence contradicting the ticket: every call fails, yet "the customer can still work".
        (
            "Since 09:10 our sync gets HTTP 410 Gone on every call to /v1/orders. We need orders flowing today.",
            "Minor by the scale: partial impact (a delay, some users), or a workaround exists. The service is "
            "up and the customer can still work, only slower or for part of their users.",
            "can still work",
        ),
        # "Fully blocked" for a third of the calls failing.
        (
            "Roughly a third of our calls fail with HTTP 503. Retrying sometimes works.",
            "Major by the scale: a core feature broken or badly degraded for a customer, no workaround. The "
            "ticket says the customer's integration or workflow is fully blocked.",
            "fully blocked",
        ),
        # "No way round" next to retries the customer says often work.
        (
            "Many of our users get 'SSO login failed'. If they retry once or twice it often works.",
            "Major by the scale: a core feature broken or badly degraded for a customer, no workaround. The "
            "ticket says the feature fails for the customer and names no way round it.",
            "retrying often works",
        ),
        # A quote of words the ticket never says.
        (
            "The report does not match our own records.",
            "Minor by the scale: partial impact (a delay, some users), or a workaround exists. The ticket "
            'says "the daily totals are shifted by a day".',
            "does not say",
        ),
    ],
)
def test_a_triage_severity_reason_the_ticket_does_not_bear_out_is_refused(scenarios, body, reason, fragment):
    ticket_id = _triage_failure(scenarios)
    problems = _refused(scenarios, "triage_queue", _with_ticket(ticket_id, body, reason))
    _assert_path(problems, f"answer_key.tickets.{ticket_id}.severity_reason", fragment)


def test_a_major_triage_reason_ignoring_retries_that_often_work_is_refused(scenarios):
    ticket_id = _triage_failure(scenarios)
    body = (
        "Production down for us: roughly a third of our calls fail with HTTP 503. Retrying sometimes works."
    )
    reason = (
        "Major by the scale: a core feature broken or badly degraded for a customer, no workaround. The "
        'ticket says "Retrying sometimes works"; for a premium customer that is a core feature broken, not SEV1.'
    )

    def mutate(payload, key):
        _with_ticket(ticket_id, body, reason)(payload, key)
        key["tickets"][ticket_id]["severity"] = "SEV2"

    problems = _refused(scenarios, "triage_queue", mutate)
    _assert_path(problems, f"answer_key.tickets.{ticket_id}.severity_reason", "without weighing the retries")


def test_a_triage_severity_reason_quoting_the_ticket_and_its_partial_way_round_passes(scenarios):
    ticket_id = _triage_failure(scenarios)
    scenario = scenarios["triage_queue"]
    payload = {**scenario.payload, "tickets": [dict(t) for t in scenario.payload["tickets"]]}
    key = {**scenario.answer_key, "tickets": {k: dict(v) for k, v in scenario.answer_key["tickets"].items()}}
    _with_ticket(
        ticket_id,
        "Many of our users get 'SSO login failed'.\nIf they retry once or twice it often works.",
        "Major by the scale: a core feature broken or badly degraded for a customer, no workaround. The "
        'ticket says "If they retry once or twice it often works"; the only way round it, trying again, works '
        "only part of the time, so it is no workaround by the scale.",
    )(payload, key)
    names = {v.invariant for v in lint("triage_queue", payload, key)}
    assert "triage_severity_reason_fits_the_ticket" not in names


def test_a_triage_route_past_l1_for_gathering_the_missing_facts_is_refused(scenarios):
    ticket_id = _triage_failure(scenarios)

    def mutate(payload, key):
        entry = key["tickets"][ticket_id]
        entry["route"] = "L2"
        entry["route_reason"] = "Too vague to route further: a support engineer gathers the missing facts."

    _assert_path(
        _refused(scenarios, "triage_queue", mutate), f"answer_key.tickets.{ticket_id}.route", "L1's work"
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
        key["contributing_factors"][0] = "Failover was manual and took 95 minutes to approve."

    _assert_path(_refused(scenarios, "postmortem", mutate), "answer_key.contributing_factors[0]", "95")


def test_figures_in_another_unit_or_given_as_approximate_count_as_shown():
    shown = "timed out after 8000ms; transaction held open 4210ms; 1,250 records"

    assert unshown_figures("The client timed out at 8s after ~4s of waiting on 1250 records.", shown) == []
    assert unshown_figures("It waited 9s.", shown) == ["9s"]


def test_an_incident_root_cause_naming_a_host_no_inject_shows_is_refused(scenarios):
    def mutate(payload, key):
        key["root_cause"] = "The query planner of db-7.example-shop.com uses a stale plan."

    _assert_path(_refused(scenarios, "incident", mutate), "answer_key.root_cause", "db-7.example-shop.com")


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


def test_an_offset_the_writer_s_country_does_not_have_is_refused(report):
    def mutate(payload, key):
        payload["thread"][0]["body"] += "\nIt started around 07:50 (UTC-05:00)."

    _assert_path(_refused(report, "escalation_writeup", mutate), "payload.thread[0].body", "UTC-05:00")


def test_a_time_zone_of_another_country_than_the_writer_s_is_refused(report):
    def mutate(payload, key):
        payload["thread"][0]["body"] += "\nOur office runs on Europe/Berlin time."

    _assert_path(_refused(report, "escalation_writeup", mutate), "payload.thread[0].body", "Europe/Berlin")


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


# --- escalation times and repro rest on the thread -------------------------------------------------


@pytest.fixture(scope="module")
def charges():
    return {
        "escalation_writeup": generate(
            "escalation_writeup", "missing_idempotency_duplicate_charges", 40414, "hard"
        ),
        "customer_comms": generate("customer_comms", "third_party_provider_outage", 61729, "medium"),
    }


def test_the_charges_escalation_and_the_provider_update_pass(charges):
    for kind, scenario in charges.items():
        assert lint(kind, scenario.payload, scenario.answer_key) == []


def test_an_escalation_onset_to_a_second_the_thread_never_gives_is_refused(charges):
    def mutate(payload, key):
        key["facts"]["onset"] = key["facts"]["onset"][:14] + "23:58Z"

    _assert_path(_refused(charges, "escalation_writeup", mutate), "answer_key.facts.onset", "neither stated")


def test_the_customer_s_local_time_in_utc_is_an_onset_the_thread_gives(charges):
    scenario = charges["escalation_writeup"]
    said = next(m["body"] for m in scenario.payload["thread"] if "It started around " in m["body"])
    stated = re.search(r"It started around (\d\d):(\d\d) \(UTC([+-])(\d\d):(\d\d)\)", said)
    local = int(stated.group(1)) * 60 + int(stated.group(2))
    offset = (1 if stated.group(3) == "+" else -1) * (int(stated.group(4)) * 60 + int(stated.group(5)))
    utc = (local - offset) % (24 * 60)
    assert scenario.answer_key["facts"]["onset"][11:16] == f"{utc // 60:02d}:{utc % 60:02d}"


def test_a_time_in_the_key_s_actual_that_no_message_states_is_refused(charges):
    def mutate(payload, key):
        key["facts"]["actual"] = "Retries create new charges since 2026-06-30T06:23:58Z."

    _assert_path(_refused(charges, "escalation_writeup", mutate), "answer_key.facts.actual", "06:23:58Z")


def test_a_repro_that_slows_a_provider_past_a_timeout_no_message_states_is_refused(charges):
    def mutate(payload, key):
        for message in payload["thread"]:
            # The L1 note's and, on hard, the attached log's statement of the timeout.
            message["body"] = re.sub(
                r" timing out after 8000ms and| timed out after 8000ms;", "", message["body"]
            )
        key["facts"]["repro_steps"][0] = "In staging, configure the provider mock to respond after 9s."

    _assert_path(_refused(charges, "escalation_writeup", mutate), "answer_key.facts.repro_steps[0]")


def test_this_morning_in_a_thread_whose_customer_says_it_began_in_their_afternoon_is_refused(charges):
    def mutate(payload, key):
        payload["thread"][0]["body"] = "We see two identical charges from you this morning."

    problems = _refused(charges, "escalation_writeup", mutate)
    _assert_path(problems, "payload.thread[0].body", "this morning")


def test_asking_for_an_answer_before_the_business_day_ends_near_midnight_is_refused(charges):
    def mutate(payload, key):
        last = max(n for n, m in enumerate(payload["thread"]) if m["role"] == "customer")
        payload["thread"][last]["body"] = (
            "What should we do now? We need an answer before our business day ends."
        )
        # The customer's stated offset moved so that the message is written at 23:xx their time.
        hours = (23 - when(payload["thread"][last]["sent_at"]).hour) % 24
        hours = hours - 24 if hours > 14 else hours
        offset = f"UTC{'+' if hours >= 0 else '-'}{abs(hours):02d}:00"
        for message in payload["thread"]:
            message["body"] = re.sub(r"UTC[+-]\d\d:\d\d", offset, message["body"])

    problems = _refused(charges, "escalation_writeup", mutate)
    assert any("before the business day ends at 23:" in p for p in problems), problems


# --- a customer update's guidance and known cause are the writer's to see ---------------------------


def test_guidance_the_update_writer_was_never_told_of_is_refused(charges):
    def mutate(payload, key):
        # Without the channel's line passing the guidance on.
        payload["timeline"] = [e for e in payload["timeline"] if "login link" not in e["text"]]

    _assert_path(
        _refused(charges, "customer_comms", mutate), "answer_key.guidance", "nothing the writer sees"
    )


def test_a_known_cause_naming_a_provider_and_status_the_material_never_states_is_refused(charges):
    def mutate(payload, key):
        key["root_cause"] = (
            "The e-mail delivery provider PostRelay has an outage and answers 503 to send requests."
        )

    _assert_path(_refused(charges, "customer_comms", mutate), "answer_key.root_cause", "503")


# --- a triage key rests on the ticket ---------------------------------------------------------------


def _outage_ticket(scenarios) -> tuple[int, str]:
    payload, key = scenarios["triage_queue"].payload, scenarios["triage_queue"].answer_key
    return next(
        (n, t["id"]) for n, t in enumerate(payload["tickets"]) if key["tickets"][t["id"]]["root_cause"]
    )


@pytest.mark.parametrize(
    ("cause", "named"),
    [
        (
            "search-service added a per-tenant parsed-query cache with no size bound or eviction.",
            "no size bound",
        ),
        ("The container hits its 4096Mi limit and is OOMKilled.", "4096Mi"),
        ("Under normal traffic the 58-connection pool is exhausted.", "58-connection"),
        ("The retry, sent without an Idempotency-Key, created a second charge.", "Idempotency-Key"),
        ("Deliveries fail because webhook-dispatcher rejects the certificate.", "webhook-dispatcher"),
    ],
)
def test_a_triage_root_cause_only_the_logs_could_show_is_refused(scenarios, cause, named):
    _, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        key["tickets"][ticket_id]["root_cause"] = cause

    _assert_path(
        _refused(scenarios, "triage_queue", mutate), f"answer_key.tickets.{ticket_id}.root_cause", named
    )


def test_every_clear_ticket_s_root_cause_is_its_likely_cause_and_a_vague_one_names_none(scenarios):
    payload, key = scenarios["triage_queue"].payload, scenarios["triage_queue"].answer_key
    causes = [key["tickets"][t["id"]] for t in payload["tickets"] if key["tickets"][t["id"]]["root_cause"]]
    assert causes
    for entry in causes:
        if entry["clarity"] == "vague":
            assert entry["root_cause"].startswith("Not known from the ticket")
        else:
            assert "-service" not in entry["root_cause"]


def test_badly_degraded_for_a_ticket_that_says_it_sometimes_shows_an_error_is_refused(scenarios):
    n, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        ticket = payload["tickets"][n]
        ticket.pop("error_snippet", None)
        ticket["subject"] = "search"
        ticket["body"] = "Hello, the search sometimes shows an error and sometimes not. Very annoying."
        key["tickets"][ticket_id]["severity_reason"] = (
            "Major by the scale: a core feature broken or badly degraded for a customer, no workaround. "
            "A core feature is badly degraded for the customer with no real workaround."
        )

    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket_id}.severity_reason",
        "badly degraded",
    )


def test_a_missing_fact_the_ticket_already_states_is_refused(scenarios):
    n, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        payload["tickets"][n]["body"] += "\nWe renewed our certificate last week though??"
        key["tickets"][ticket_id]["missing_facts"].append(
            "whether the endpoint certificate was recently renewed, and where it was installed"
        )

    problems = _refused(scenarios, "triage_queue", mutate)
    assert any(f"tickets.{ticket_id}.missing_facts[" in p and "already says" in p for p in problems), problems


@pytest.mark.parametrize(
    ("body", "fact", "term"),
    [
        ("Hi, our accountant says the report does not match our own records.",
         "which time zone their finance team expects the daily totals in", "time zone"),
        ("Hello, users are complaining they cannot log in this morning.",
         "a SAML trace (with signature values redacted) of one failed login", "SAML"),
        ("Hey, our order sync looks stuck, nothing new since this morning.",
         "whether the endpoint certificate was recently renewed, and where it was installed", "certificate"),
    ],
)  # fmt: skip
def test_a_vague_ticket_asking_about_a_mechanism_its_words_do_not_hint_at_is_refused(
    scenarios, body, fact, term
):
    n, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        payload["tickets"][n].update(subject="need help please", body=body)
        payload["tickets"][n].pop("error_snippet", None)
        key["tickets"][ticket_id]["clarity"] = "vague"
        key["tickets"][ticket_id]["missing_facts"].append(fact)

    problems = _refused(scenarios, "triage_queue", mutate)
    assert any(
        f"tickets.{ticket_id}.missing_facts[" in p and f"'{term}'" in p and "hints at" in p for p in problems
    ), problems


def test_a_next_step_stating_a_retention_the_ticket_never_gives_is_refused(scenarios):
    _, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        key["tickets"][ticket_id]["next_steps"].append(
            "Tell them queued events are kept for 72 hours so nothing is lost."
        )

    problems = _refused(scenarios, "triage_queue", mutate)
    assert any(f"tickets.{ticket_id}.next_steps[" in p and "72" in p for p in problems), problems


# --- incident and postmortem keys rest on what the drill and the evidence show ----------------------


@pytest.fixture(scope="module")
def shown_causes():
    return {
        "incident": generate("incident", "kafka_consumer_lag", 17939, "hard"),
        "postmortem": generate("postmortem", "missing_idempotency_duplicate_charges", 30586, "medium"),
        "slow": generate("postmortem", "slow_query_after_data_shape_change", 60875, "medium"),
    }


def test_the_drill_and_postmortems_with_causes_only_engineers_find_pass(shown_causes):
    for name, scenario in shown_causes.items():
        kind = "incident" if name == "incident" else "postmortem"
        assert lint(kind, scenario.payload, scenario.answer_key) == []


def test_a_drill_cause_keyed_by_tenant_that_no_inject_says_is_refused(shown_causes):
    def mutate(payload, key):
        payload["injects"] = [i for i in payload["injects"] if "keyed by tenant" not in i["text"]]

    _assert_path(_refused(shown_causes, "incident", mutate), "answer_key.root_cause", "keyed by tenant")


def test_a_contributing_factor_the_evidence_never_states_is_refused(shown_causes):
    def mutate(payload, key):
        payload["evidence"] = [e for e in payload["evidence"] if "runs once" not in e["text"]]

    factors = shown_causes["postmortem"].answer_key["contributing_factors"]
    n = next(n for n, f in enumerate(factors) if "ran only at the end" in f)
    _assert_path(
        _refused(shown_causes, "postmortem", mutate),
        f"answer_key.contributing_factors[{n}]",
        "ran only at the end",
    )


def test_a_platform_wide_alert_the_evidence_never_mentions_is_refused(shown_causes):
    scenarios = {"postmortem": shown_causes["slow"]}

    def mutate(payload, key):
        payload["evidence"] = [e for e in payload["evidence"] if "platform-wide" not in e["text"]]

    factors = scenarios["postmortem"].answer_key["contributing_factors"]
    n = next(n for n, f in enumerate(factors) if "platform-wide" in f)
    _assert_path(
        _refused(scenarios, "postmortem", mutate), f"answer_key.contributing_factors[{n}]", "platform-wide"
    )


def test_fewer_customers_affected_than_double_charged_invoices_is_refused(shown_causes):
    def mutate(payload, key):
        payload["incident"]["customers_affected"] = 12

    _assert_path(
        _refused(shown_causes, "postmortem", mutate), "payload.incident.customers_affected", "invoices"
    )


# --- severity reasons rest on what the scenario shows --------------------------------------------


def test_an_incident_severity_reason_resting_on_an_unshown_workaround_is_refused(scenarios):
    def mutate(payload, key):
        key["severity_reason"] += " Fetching an order by id works as a workaround."

    _assert_path(
        _refused(scenarios, "incident", mutate), "answer_key.severity_reason", "Fetching an order by id"
    )


def test_an_escalation_severity_reason_naming_unshown_enterprise_customers_is_refused(scenarios):
    def mutate(payload, key):
        payload["customer"]["tier"] = "standard"
        for message in payload["thread"]:
            message["body"] = message["body"].replace("enterprise", "large")
        key["facts"]["severity_reason"] += " Many customers are affected, enterprise ones among them."

    _assert_path(
        _refused(scenarios, "escalation_writeup", mutate), "answer_key.facts.severity_reason", "enterprise"
    )


def _no_workaround_incident(scenarios, workaround_said: str) -> tuple[dict, dict]:
    payload = {**scenarios["incident"].payload, "title": scenarios["incident"].payload["title"]}
    payload["title"] += " Retrying the login often works."
    key = dict(scenarios["incident"].answer_key, severity="SEV2")
    key["decisions"] = {**key["decisions"], "D1": {**key["decisions"]["D1"], "correct": ["SEV2"]}}
    key["severity_reason"] = (
        "Major by the scale: a core feature broken or badly degraded for a customer, no workaround. "
        f"Logins fail; {workaround_said}."
    )
    return payload, key


def test_a_no_workaround_severity_reason_that_names_a_full_workaround_is_refused(scenarios):
    def mutate(payload, key):
        broken_payload, broken_key = _no_workaround_incident(scenarios, "retrying works as a workaround")
        payload.update(broken_payload)
        key.update(broken_key)

    _assert_path(
        _refused(scenarios, "incident", mutate), "answer_key.severity_reason", "does not call partial"
    )


@pytest.mark.parametrize(
    "said",
    ["retrying is a partial workaround", "the only workaround, retrying the login, works part of the time"],
)
def test_a_no_workaround_severity_reason_with_an_explicitly_partial_workaround_passes(scenarios, said):
    payload, key = _no_workaround_incident(scenarios, said)
    names = {v.invariant for v in lint("incident", payload, key)}
    assert "severity_reason_rests_on_what_is_shown" not in names


def _escalation_graded_major(key: dict, said: str) -> None:
    key["facts"]["severity"] = "SEV2"
    key["facts"]["severity_reason"] = (
        "Major by the scale: a core feature broken or badly degraded for a customer, no workaround. "
        "One customer's integration is blocked." + said
    )


def test_an_escalation_major_for_want_of_a_workaround_while_its_key_gives_one_is_refused(scenarios):
    assert scenarios["escalation_writeup"].answer_key["facts"]["workaround"]

    def mutate(payload, key):
        _escalation_graded_major(key, "")

    _assert_path(
        _refused(scenarios, "escalation_writeup", mutate),
        "answer_key.facts.severity",
        "does not call partial",
    )


def test_an_escalation_major_with_its_workaround_said_to_be_partial_passes(scenarios):
    escalation = scenarios["escalation_writeup"]
    key = {**escalation.answer_key, "facts": dict(escalation.answer_key["facts"])}
    _escalation_graded_major(key, " The only workaround, rotating the secret, works only for new clients.")
    names = {v.invariant for v in lint("escalation_writeup", escalation.payload, key)}
    assert not names & {"escalation_severity_weighs_the_workaround", "severity_reason_rests_on_what_is_shown"}


def test_a_triage_severity_reason_restating_its_clause_is_refused(scenarios):
    n, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        key["tickets"][ticket_id]["severity"] = "SEV3"
        key["tickets"][ticket_id]["severity_reason"] = (
            "Minor by the scale: partial impact (a delay, some users), or a workaround exists. "
            "Partial impact: a delay, some users, or a workaround exists, and the service is up."
        )

    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket_id}.severity_reason",
        "restates",
    )


def test_severity_reasons_rest_on_what_every_archetype_shows():
    from scenarios.catalog import archetype_ids, get_archetype
    from scenarios.consistency import severity_reason_rests_on_what_is_shown

    found = []
    for archetype in archetype_ids():
        for kind in ("incident", "escalation_writeup"):
            if kind not in get_archetype(archetype)["kinds"]:
                continue
            for seed in range(12):
                s = generate(kind, archetype, seed, "hard")
                found += [
                    (archetype, kind, seed, f)
                    for f in severity_reason_rests_on_what_is_shown(s.payload, s.answer_key)
                ]
    assert found == []


# --- missing facts a ticket already states -------------------------------------------------------


@pytest.mark.parametrize(
    ("fact", "words"),
    [
        ("which export or report they downloaded", "when I open the orders CSV export"),
        ("the spreadsheet program and version used to open the file", "it opens garbled in Excel"),
        ("the role name", 'everyone with our custom "Ops Lead" role'),
        ("their plan (sandbox availability differs by plan)", ""),
    ],
)
def test_a_missing_fact_the_ticket_or_its_customer_shows_is_refused(scenarios, fact, words):
    n, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        payload["tickets"][n]["body"] += f"\n{words}"
        key["tickets"][ticket_id]["missing_facts"].append(fact)

    problems = _refused(scenarios, "triage_queue", mutate)
    assert any(f"tickets.{ticket_id}.missing_facts[" in p and "already" in p for p in problems), problems


def test_every_benign_ticket_lists_what_it_states():
    from scenarios.catalog import archetype_ids, get_archetype

    for archetype in archetype_ids():
        if "triage_queue" not in get_archetype(archetype)["kinds"]:
            continue
        for seed in range(4):
            scenario = generate("triage_queue", archetype, seed, "medium")
            for ticket_id, entry in scenario.answer_key["tickets"].items():
                if entry["root_cause"] is None:
                    assert entry["stated_facts"], (archetype, seed, ticket_id)


def test_a_next_step_turning_off_retries_the_ticket_never_shows_is_refused(scenarios):
    n, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        key["tickets"][ticket_id]["next_steps"].append(
            "Ask Engineering to pause the billing run and turn off retries for the payment client."
        )

    problems = _refused(scenarios, "triage_queue", mutate)
    assert any(f"tickets.{ticket_id}.next_steps[" in p and "retries" in p for p in problems), problems


def test_a_postmortem_timeline_entry_that_reads_as_an_instruction_is_refused(scenarios):
    def mutate(payload, key):
        n = next(i for i, e in enumerate(payload["timeline"]) if e["text"].startswith("Mitigated: "))
        payload["timeline"][n]["text"] = "Mitigated: Ask Engineering to pause the billing run."

    problems = _refused(scenarios, "postmortem", mutate)
    assert any(".payload.timeline[" in p and "instruction" in p for p in problems), problems


def test_a_comms_timeline_ticking_on_one_second_is_refused(scenarios):
    def mutate(payload, key):
        for n, entry in enumerate(payload["timeline"]):
            entry["at"] = f"{entry['at'][:14]}{10 + 5 * n:02d}:40Z"

    _assert_path(_refused(scenarios, "customer_comms", mutate), "payload.timeline", "second :40")


def test_a_pasted_call_to_an_endpoint_the_case_never_involves_is_refused(scenarios):
    def mutate(payload, key):
        n = next(i for i, m in enumerate(payload["thread"]) if m["role"] == "customer")
        payload["thread"][n]["body"] += (
            '\ncurl -s -X GET https://api.relaywise.com/v2/unrelated-things -H "Authorization: Bearer x"'
        )

    problems = _refused(scenarios, "escalation_writeup", mutate)
    assert any(".payload.thread[" in p and "/v2/unrelated-things" in p for p in problems), problems


def test_an_escalation_root_cause_naming_a_migration_the_thread_never_gives_is_refused(scenarios):
    def mutate(payload, key):
        key["root_cause"] = "Migration 0042_permission_model_v2 dropped a permission. " + key["root_cause"]

    _assert_path(
        _refused(scenarios, "escalation_writeup", mutate), "answer_key.root_cause", "0042_permission_model_v2"
    )


def test_an_alert_rate_beside_a_title_share_it_does_not_explain_is_refused(scenarios):
    def mutate(payload, key):
        payload["title"] = "Incident drill: Roughly 33% of SAML SSO logins fail; a retry often works."
        payload["injects"][0]["text"] = (
            "[FIRING] identity-service error rate 9.5% over 5m (threshold 5%), all regions"
        )

    _assert_path(_refused(scenarios, "incident", mutate), "payload.injects[0].text", "what it counts")


def test_a_comms_fact_with_a_log_timestamp_is_refused(scenarios):
    def mutate(payload, key):
        payload["known"][0] = "Since 2026-04-23T03:39:19Z, " + payload["known"][0]
        key["known"] = list(payload["known"])

    _assert_path(_refused(scenarios, "customer_comms", mutate), "payload.known[0]", "seconds")


# --- a triage key's terms are the ticket's -------------------------------------------------------


def _benign_ticket(scenarios) -> str:
    key = scenarios["triage_queue"].answer_key
    return next(tid for tid, entry in key["tickets"].items() if entry["root_cause"] is None)


@pytest.mark.parametrize(
    ("fact", "named"),
    [
        ("the status they care about (shipped) and the event they receive (order.updated)", "order.updated"),
        ("why (a 90-day credential rotation policy)", "90"),
        ("the program that garbles it (Excel; Google Sheets shows it correctly)", "Excel"),
    ],
)
def test_a_stated_fact_the_ticket_never_states_is_refused(scenarios, fact, named):
    ticket_id = _benign_ticket(scenarios)

    def mutate(payload, key):
        key["tickets"][ticket_id]["stated_facts"].append(fact)

    n = len(scenarios["triage_queue"].answer_key["tickets"][ticket_id]["stated_facts"])
    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket_id}.stated_facts[{n}]",
        named,
    )


def test_a_missing_fact_presupposing_an_event_the_ticket_never_names_is_refused(scenarios):
    ticket_id = _benign_ticket(scenarios)

    def mutate(payload, key):
        key["tickets"][ticket_id]["missing_facts"][0] = (
            "whether events other than order.updated matter to them"
        )

    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket_id}.missing_facts[0]",
        "order.updated",
    )


@pytest.mark.parametrize(
    ("step", "named"),
    [
        (
            "Ask Engineering whether reports-service can be rolled back without a schema change.",
            "reports-service",
        ),
        (
            "Workaround: an admin assigns the built-in 'Report Exporter' role to the users who need it.",
            "Report Exporter",
        ),
    ],
)
def test_a_triage_step_naming_a_service_or_role_the_ticket_never_shows_is_refused(scenarios, step, named):
    n, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        payload["tickets"][n]["body"] = payload["tickets"][n]["body"].replace(named, "")
        key["tickets"][ticket_id]["next_steps"].append(step)

    steps = len(scenarios["triage_queue"].answer_key["tickets"][ticket_id]["next_steps"])
    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket_id}.next_steps[{steps}]",
        named,
    )


def test_a_route_reason_resting_on_an_import_the_ticket_never_shows_is_refused(scenarios):
    n, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        for part in ("subject", "body", "error_snippet"):
            if part in payload["tickets"][n]:
                payload["tickets"][n][part] = payload["tickets"][n][part].replace("import", "sync")
        key["tickets"][ticket_id]["route_reason"] = (
            "Capacity on the event pipeline is owned by SRE; needs pausing the import and draining the partition."
        )

    _assert_path(
        _refused(scenarios, "triage_queue", mutate), f"answer_key.tickets.{ticket_id}.route_reason", "import"
    )


def test_a_workaround_the_ticket_says_already_failed_is_refused(scenarios):
    n, ticket_id = _outage_ticket(scenarios)

    def mutate(payload, key):
        payload["tickets"][n]["body"] += "\nRestarting the sync from scratch still fails on the second page."
        key["tickets"][ticket_id]["next_steps"].append(
            "Tell the customer to restart pagination from the first page."
        )

    steps = len(scenarios["triage_queue"].answer_key["tickets"][ticket_id]["next_steps"])
    _assert_path(
        _refused(scenarios, "triage_queue", mutate),
        f"answer_key.tickets.{ticket_id}.next_steps[{steps}]",
        "already failed",
    )


def test_every_side_ticket_wording_states_a_fact_and_leaves_two_to_ask():
    """A side ticket's facts are split by what each of its wordings states, so no wording is keyed
    with what only another says ("shipped", "90-day", "Google Sheets") and each still leaves questions."""
    from scenarios.catalog import catalog
    from scenarios.generation.common import split_facts

    for spec in catalog()["benign_tickets"]:
        subjects = [spec["subject"], *spec.get("other_subjects", [])]
        for body in [spec["body"], *spec.get("other_bodies", [])]:
            for subject in subjects:
                missing, stated = split_facts(spec["missing_facts"], str, {"subject": subject, "body": body})
                assert stated and len(missing) >= 2, (spec["id"], subject, body[:40])


# --- what L1 hands over on hard -------------------------------------------------------------------


def test_an_l1_note_handing_over_the_expiry_the_attachment_shows_is_refused():
    """On hard the log lines that show the cause are attached; an L1 note giving the expiry (the key's
    onset) away is refused."""
    scenario = generate("escalation_writeup", ARCHETYPE, 11, "hard")
    thread = scenario.payload["thread"]
    attachment = next(m for m in thread if m["subject"].startswith("Attachment:"))
    expiry = attachment["body"].split(" ", 1)[0].split(".")[0] + "Z"
    n = next(n for n, m in enumerate(thread) if m["subject"] == "Internal note: repro")
    assert expiry not in thread[n]["body"]

    def mutate(payload, key):
        payload["thread"][n]["body"] += f" In the admin console the secret's expiry is {expiry}."
        key["facts"]["onset"] = expiry

    _assert_path(
        _refused({"escalation_writeup": scenario}, "escalation_writeup", mutate),
        f"payload.thread[{n}].body",
        expiry,
    )


# --- escalation severity, figures, traces and noise ------------------------------------------------


@pytest.fixture(scope="module")
def permissions():
    return {"escalation_writeup": generate("escalation_writeup", "permissions_regression_403", 7, "medium")}


def test_a_many_customer_regression_is_major_even_with_a_workaround(permissions):
    facts = permissions["escalation_writeup"].answer_key["facts"]
    assert facts["severity"] == "SEV2"
    assert "many customers, even with a workaround" in facts["severity_reason"]


def test_a_minor_grade_for_a_workflow_many_customers_cannot_use_is_refused(permissions):
    def mutate(payload, key):
        key["facts"]["severity"] = "SEV3"
        key["facts"]["severity_reason"] = (
            "Minor by the scale: partial impact (a delay, some users), or a workaround exists. A key workflow "
            "is blocked for all custom-role users. Many customers are affected, enterprise ones among them."
        )

    _assert_path(_refused(permissions, "escalation_writeup", mutate), "answer_key.facts.severity", "SEV2")


def test_a_root_cause_that_fits_the_ticked_role_editor(permissions):
    key = permissions["escalation_writeup"].answer_key
    assert "role editor still shows" in key["root_cause"]
    assert "data correction" not in key["facts"]["ask"]


def test_a_delivery_target_the_thread_never_states_is_refused(permissions):
    def mutate(payload, key):
        key["facts"]["expected"] = "E-mails are delivered within 2 minutes."

    _assert_path(
        _refused(permissions, "escalation_writeup", mutate), "answer_key.facts.expected", "within 2 minutes"
    )


def test_two_requests_sharing_one_trace_are_refused(permissions):
    def mutate(payload, key):
        message = next(m for m in payload["thread"] if "(trace " in m["body"])
        ids, traces = key["facts"]["request_ids"], key["facts"]["trace_ids"]
        message["body"] = message["body"].replace(
            f"{ids[0]} (trace {traces[0]}) and {ids[1]} (trace {traces[1]})",
            f"{ids[0]} and {ids[1]} (trace {traces[0]})",
        )
        key["facts"]["trace_ids"] = traces[:1]

    problems = _refused(permissions, "escalation_writeup", mutate)
    _assert_path(problems, "answer_key.facts.trace_ids", "fewer traces")
    assert any("gives two requests one trace" in p for p in problems), problems


def test_a_stakeholder_asking_for_an_eta_called_noise_is_refused():
    scenarios = {
        "escalation_writeup": generate("escalation_writeup", "permissions_regression_403", 7, "hard")
    }

    def mutate(payload, key):
        forward = next(m for m in payload["thread"] if m["subject"].startswith("Fwd:"))
        forward["body"] = (
            "Adding myself to this thread. Can we get an owner and an ETA, please?\n\n" + forward["body"]
        )
        assert forward["id"] in key["noise_message_ids"]

    _assert_path(_refused(scenarios, "escalation_writeup", mutate), "answer_key.noise_message_ids", "owner")


def test_an_unshown_no_data_loss_in_the_severity_reason_is_refused(permissions):
    def mutate(payload, key):
        key["facts"]["severity_reason"] += " No data loss."

    _assert_path(
        _refused(permissions, "escalation_writeup", mutate), "answer_key.facts.severity_reason", "data loss"
    )


# --- a customer update's brief, known facts and timeline rest on the timeline ------------------------


def test_an_update_asked_for_as_the_next_with_none_sent_is_refused(scenarios):
    def mutate(payload, key):
        payload["brief"] = payload["brief"].replace("Draft the first", "Draft the next")

    _assert_path(_refused(scenarios, "customer_comms", mutate), "payload.brief", "no earlier one")


def test_a_mitigation_no_timeline_entry_shows_is_refused(scenarios):
    def mutate(payload, key):
        payload["known"][-1] = "Engineers are applying a mitigation."

    _assert_path(
        _refused(scenarios, "customer_comms", mutate),
        f"payload.known[{len(scenarios['customer_comms'].payload['known']) - 1}]",
        "mitigation",
    )


def test_a_support_entry_repeating_its_source_is_refused(scenarios):
    timeline = scenarios["customer_comms"].payload["timeline"]
    n = next(n for n, entry in enumerate(timeline) if entry["source"] == "support")

    def mutate(payload, key):
        payload["timeline"][n]["text"] = "Support: " + payload["timeline"][n]["text"]

    _assert_path(_refused(scenarios, "customer_comms", mutate), f"payload.timeline[{n}].text", "Support:")


# --- customer texts read as written --------------------------------------------------------------


def test_a_sunset_header_at_the_minute_of_the_failure_is_refused(scenarios):
    n, _ = _outage_ticket(scenarios)

    def mutate(payload, key):
        payload["tickets"][n]["body"] += "\nHTTP/1.1 410 Gone\nSunset: 2026-09-03T16:57:22Z"

    _assert_path(
        _refused(scenarios, "triage_queue", mutate), f"payload.tickets[{n}].body", "not an announced date"
    )


def test_a_sunset_header_at_an_announced_midnight_passes(scenarios):
    scenario = scenarios["triage_queue"]
    n, _ = _outage_ticket(scenarios)
    payload = {**scenario.payload, "tickets": [dict(t) for t in scenario.payload["tickets"]]}
    payload["tickets"][n]["body"] += "\nHTTP/1.1 410 Gone\nSunset: Thu, 03 Sep 2026 00:00:00 GMT"
    names = {v.invariant for v in lint("triage_queue", payload, scenario.answer_key)}
    assert "sunset_headers_give_an_announced_date" not in names


def test_a_time_of_day_said_on_is_refused(scenarios):
    n, _ = _outage_ticket(scenarios)

    def mutate(payload, key):
        payload["tickets"][n]["body"] += "\nWe were charged twice, a few seconds apart on 17:45 (UTC+03:00)."

    _assert_path(_refused(scenarios, "triage_queue", mutate), f"payload.tickets[{n}]", "'on 17:45'")


def test_a_phone_ticket_written_as_an_e_mail_is_refused(scenarios):
    n, _ = _outage_ticket(scenarios)

    def mutate(payload, key):
        ticket = payload["tickets"][n]
        ticket["channel"] = "phone"
        ticket["body"] = (
            f"Hi, our site is not reachable today. Could you have a look? Thanks {ticket['customer']['contact']}"
        )

    _assert_path(_refused(scenarios, "triage_queue", mutate), f"payload.tickets[{n}].body", "taken by phone")
