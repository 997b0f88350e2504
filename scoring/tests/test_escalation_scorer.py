from types import SimpleNamespace

import pytest

from scoring.tests.helpers import GIBBERISH, KEYWORD_SOUP, OFF_TOPIC, result, scenario, scenario_text, scores

DIMENSIONS = ("escalation", "operational_discipline", "communication")


def _packet_pool(g) -> str:
    """A strong packet for the database pool exhaustion drill (the thread leaks a database password)."""
    f, customer = g.answer_key["facts"], g.payload["customer"]
    request_a, request_b = f["request_ids"]
    return f"""Summary: {customer["name"]} ({g.payload["ticket_id"]}) gets intermittent 503s on GET /v2/orders since the orders-service v4.29.0 deploy.

Severity: SEV1 - the core order API is degraded for all tenants and the only workaround is retrying; customers with checkout integrations are losing revenue.

Environment: Production, us-east-1, orders-service v4.29.0 (previous v4.28.4), db-proxy pool orders_rw (size 43).

Onset: {f["onset"][:10]} {f["onset"][11:16]} UTC (the customer reported it in their local time, UTC-05:00).

Steps to reproduce:
1. Send 20 concurrent GET /v2/orders?limit=50 requests for any tenant in us-east-1.
2. Observe that a share of them fail with 503 after about 3000ms.
3. Check db-proxy: pool orders_rw shows sv_idle=0 and cl_waiting > 0 since the v4.29.0 deploy.

Expected: order list requests complete in under 300ms with a 2xx status.
Actual: up to 22% of order requests fail with 503 after waiting 3000ms for a database connection.

Evidence: request ids {request_a} and {request_b}, trace {f["trace_ids"][0]}.

Impact: enterprise customer; about {f["impact"]["records"]:,} records have not gone through and {f["impact"]["users"]} of their users are blocked. Other tenants are likely affected too.

Workaround: client retries with backoff succeed part of the time; rolling back to v4.28.4 should clear it.

Ask: SRE, please open an incident, take the on-call rollback of orders-service to v4.28.4 and own the database capacity; Engineering to follow up on the code fix.

Security note: the internal repro note ({g.answer_key["secret"]["message_id"]}) contains the customer's database password in clear text. I have redacted it here; please treat it as exposed and rotate it, and we will purge it from the ticket.
"""


def _middling_pool(g) -> str:
    f = g.answer_key["facts"]
    return (
        f"Ticket {g.payload['ticket_id']}: the customer gets 503 errors on the orders endpoint in production since "
        f"the deploy of orders-service v4.29.0 this morning. Requests should return quickly but they fail after "
        f"about 3 seconds. Example request {f['request_ids'][0]}. It started around {f['onset'][11:16]} UTC and about "
        f"{f['impact']['users']} users are blocked. This looks serious, probably SEV1 since orders are failing. "
        "Can SRE please take a look and roll back if needed?"
    )


def _weak_pool(g) -> str:
    secret = g.answer_key["secret"]["value"]
    return (
        "Customer says orders are broken!! Probably their side but L1 could not figure it out. Their DB url is "
        f"postgres://app:{secret}@db.internal:5432/app if you want to check. Please fix ASAP."
    )


def _packet_report(g, *, leak: bool = False) -> str:
    """A strong packet for the report time-zone drill (the thread leaks an API key)."""
    f, customer = g.answer_key["facts"], g.payload["customer"]
    secret = g.answer_key["secret"]
    key = secret["value"] if leak else "rw_live_[REDACTED]"
    closing = (
        ""
        if leak
        else f"\nData handling: L1's repro note ({secret['message_id']}) pasted the customer's live API key; it is "
        "redacted above. Please treat the key as exposed: I am asking the customer to rotate it today.\n"
    )
    return f"""Title: Daily Sales Summary export buckets orders by UTC day, not the tenant time zone ({g.payload["ticket_id"]})

Customer: {customer["name"]} (standard tier), tenant time zone Asia/Tokyo.
Environment: Production, us-west-2, reports-service v9.21.12 (previous v9.21.11).
Onset: {f["onset"][:10]} {f["onset"][11:16]} UTC, right after the v9.21.12 release.
Severity: SEV4 - reports are wrong but stored data is correct and a workaround exists; it does affect finance reporting for tenants outside UTC.

Repro:
1. For a tenant in Asia/Tokyo, create one order at 23:30 local time.
2. Run the Daily Sales Summary export for that week.
3. Observe the order counted on the next day in the export but on the correct day in the dashboard.
L1 reproduced it with: curl -s https://api.relaywise.com/v2/orders -H "Authorization: Bearer {key}"

Expected: daily buckets follow the tenant time zone and match the dashboard.
Actual: daily buckets follow UTC in export exp_c17c1addde, so evening orders move to the next day; weekly totals still match.

Evidence: request ids {f["request_ids"][0]}, {f["request_ids"][1]}; trace {f["trace_ids"][0]}.
Impact: about {f["impact"]["records"]:,} records in exports are bucketed on the wrong day and {f["impact"]["users"]} finance users are affected; the customer's month-end close depends on these numbers.
Workaround: use the dashboard daily figures or weekly totals until the fix ships.
Ask: Engineering, please fix the day bucketing in reports-service (it looks like the date grouping ignores the tenant time zone since v9.21.12) and decide whether the affected exports need to be regenerated.
{closing}"""


def _middling_report(g) -> str:
    f = g.answer_key["facts"]
    return (
        "Customer reports the Daily Sales Summary export shows different daily totals from the dashboard since the "
        "last update of reports-service (v9.21.12). Evening orders seem to land on the next day, the weekly total is "
        f"fine. Expected the export to match the dashboard but actually it does not. See {f['request_ids'][0]}. "
        "They can use the dashboard numbers for now as a workaround. Severity SEV4 as stored data is fine. "
        "Engineering please investigate."
    )


def _weak_report(g) -> str:
    return (
        "Reports are broken for Wilson-Pitts, the customer is very upset. Please escalate to SRE urgently, "
        "this is a SEV1 because their finance close depends on it!!"
    )


@pytest.fixture(scope="module")
def pool():
    return scenario("escalation_writeup", "db_pool_exhaustion_after_deploy")


@pytest.fixture(scope="module")
def report():
    return scenario("escalation_writeup", "report_timezone_bug", difficulty="hard")


def _ranked(g, strong, middling, weak):
    return scores(g, strong), scores(g, middling), scores(g, weak)


@pytest.mark.parametrize("drill", ["pool", "report"])
def test_strong_middling_and_weak_packets_score_in_that_order_with_clear_gaps(drill, request):
    g = request.getfixturevalue(drill)
    if drill == "pool":
        answers = (
            {"packet": _packet_pool(g), "severity": "SEV1", "route": "SRE"},
            {"packet": _middling_pool(g)},
            {"packet": _weak_pool(g), "route": "Engineering"},
        )
    else:
        answers = (
            {"packet": _packet_report(g), "severity": "SEV4", "route": "Engineering"},
            {"packet": _middling_report(g), "route": "Engineering"},
            {"packet": _weak_report(g), "severity": "SEV1", "route": "SRE"},
        )
    strong, middling, weak = _ranked(g, *answers)

    for dimension in DIMENSIONS:
        assert strong[dimension] >= 4, (dimension, strong)
        assert 2 <= middling[dimension] <= 3, (dimension, middling)
        assert weak[dimension] <= 2, (dimension, weak)
        assert strong[dimension] - middling[dimension] >= 1, dimension
        assert middling[dimension] - weak[dimension] >= 1, dimension
    assert max(strong[d] - weak[d] for d in DIMENSIONS) >= 2


def test_a_strong_packet_is_explained_check_by_check_with_quotes(pool):
    checks = {
        c.id: c
        for d in result(pool, {"packet": _packet_pool(pool), "severity": "SEV1", "route": "SRE"}).dimensions
        for c in d.checks
    }
    assert all(c.passed for c in checks.values()), [c.id for c in checks.values() if not c.passed]
    assert checks["repro_steps"].quote.startswith("1. Send 20 concurrent")
    assert "req_" in checks["request_and_trace_ids"].quote
    assert "09:55 UTC" in checks["onset_with_timezone"].quote
    assert "3,800" in checks["impact_quantified"].quote
    assert checks["severity_with_reason"].quote.startswith("Severity: SEV1")
    assert checks["ask_and_route"].quote.startswith("Ask: SRE")
    assert "rotate" in checks["flags_exposed_secret"].quote


def test_a_strong_packet_that_pastes_the_api_key_sinks_operational_discipline_only(report):
    answer = {"packet": _packet_report(report, leak=True), "severity": "SEV4", "route": "Engineering"}
    graded = result(report, answer)
    by_dimension = {d.dimension: d for d in graded.dimensions}
    secret = report.answer_key["secret"]["value"]

    assert by_dimension["operational_discipline"].score == 1
    assert by_dimension["escalation"].score == 5
    assert by_dimension["communication"].score >= 4
    gate = next(c for c in by_dimension["operational_discipline"].checks if c.id == "secret_not_pasted")
    assert not gate.passed and gate.gate
    assert "pastes the customer's api key" in gate.explanation.lower()
    assert "[secret masked]" in gate.quote
    for check in (c for d in graded.dimensions for c in d.checks):
        assert secret[8:20] not in check.quote and secret[8:20] not in check.explanation


def test_any_twelve_character_piece_of_the_secret_counts_as_a_leak(report):
    secret = report.answer_key["secret"]["value"]
    packet = _packet_report(report) + f"\nThe key ended in ...{secret[-12:]} if that helps."
    assert (
        scores(report, {"packet": packet, "severity": "SEV4", "route": "Engineering"})[
            "operational_discipline"
        ]
        == 1
    )


@pytest.mark.parametrize(
    "archetype", ["saml_clock_skew", "oauth_client_secret_expired", "leaked_api_key_in_use"]
)
def test_pasting_the_thread_s_credential_line_is_caught_for_every_secret_format(archetype):
    g = scenario("escalation_writeup", archetype)
    secret = g.answer_key["secret"]
    line = next(m["body"] for m in g.payload["thread"] if m["id"] == secret["message_id"]).splitlines()[1]
    packet = _packet_pool(g).replace("Steps to reproduce:", f"Steps to reproduce ({line}):")
    graded = result(g, {"packet": packet})
    discipline = next(d for d in graded.dimensions if d.dimension == "operational_discipline")
    assert discipline.score == 1
    assert all(secret["value"] not in c.quote for d in graded.dimensions for c in d.checks)


def test_invented_ids_wrong_route_and_hedged_severity_each_fail_their_check(pool):
    packet = _packet_pool(pool).replace("Evidence: request ids", "Evidence: request ids req_0000deadbeef,")
    packet = packet.replace("Severity: SEV1", "Severity: SEV1 or SEV2, maybe SEV3")
    checks = {c.id: c for d in result(pool, {"packet": packet, "route": "L2"}).dimensions for c in d.checks}
    assert not checks["request_and_trace_ids"].passed
    assert "req_0000deadbeef" in checks["request_and_trace_ids"].explanation
    assert (
        not checks["severity_with_reason"].passed
        and "several severities" in checks["severity_with_reason"].explanation
    )
    assert not checks["ask_and_route"].passed and "belongs with SRE" in checks["ask_and_route"].explanation


def test_blame_and_thread_noise_cost_communication(pool):
    packet = _packet_pool(pool) + (
        "\nProbably their side, honestly. Also sales asks whether someone can join the renewal call on Thursday "
        "about the reporting add-on.\n"
    )
    checks = {
        c.id: c
        for d in result(pool, {"packet": packet, "severity": "SEV1", "route": "SRE"}).dimensions
        for c in d.checks
    }
    assert not checks["no_blame"].passed and "Probably their side" in checks["no_blame"].quote
    assert not checks["leaves_out_noise"].passed and "renewal" in checks["leaves_out_noise"].quote


@pytest.mark.parametrize(
    "gaming",
    ["", GIBBERISH, "PASTE", KEYWORD_SOUP, OFF_TOPIC],
    ids=["empty", "gibberish", "pasted-scenario", "keyword-stuffed", "off-topic"],
)
def test_gaming_answers_score_at_the_bottom(pool, gaming):
    text = scenario_text(pool) if gaming == "PASTE" else gaming
    # Even with the right severity and route picked, a packet that says nothing earns nothing.
    assert scores(pool, {"packet": text, "severity": "SEV1", "route": "SRE"}) == dict.fromkeys(DIMENSIONS, 1)


def test_scoring_the_same_answer_twice_gives_the_same_result(pool):
    answer = {"packet": _packet_pool(pool), "severity": "SEV1", "route": "SRE"}
    assert result(pool, answer).as_dict() == result(pool, answer).as_dict()


def test_a_terse_packet_of_labelled_lines_is_read_as_a_packet_not_a_keyword_list(pool):
    f = pool.answer_key["facts"]
    packet = f"""TITLE: 503s on GET /v2/orders after orders-service v4.29.0 ({pool.payload["ticket_id"]})
SEV: SEV1 - all tenants, revenue impact, no real workaround
ENV: prod us-east-1; orders-service v4.29.0 (prev v4.28.4); db-proxy pool orders_rw size 43
ONSET: {f["onset"][11:16]}Z
REPRO:
1. 20x concurrent GET /v2/orders?limit=50
2. ~22% fail 503 after 3000ms
3. db-proxy: orders_rw sv_idle=0, cl_waiting>0
EXPECTED: <300ms, 2xx
ACTUAL: 503 after 3000ms waiting for connection
IDS: {", ".join(f["request_ids"])}, trace {f["trace_ids"][0]}
IMPACT: enterprise; {f["impact"]["records"]:,} records, {f["impact"]["users"]} users blocked
WORKAROUND: retries w/ backoff, partial; rollback to v4.28.4
ASK: SRE please roll back + own DB capacity; Eng to fix code
NOTE: DB password pasted in {pool.answer_key["secret"]["message_id"]} - redacted, treat as exposed, rotate."""
    assert scores(pool, {"packet": packet, "severity": "SEV1", "route": "SRE"}) == dict.fromkeys(
        DIMENSIONS, 5
    )


def test_keywords_dressed_as_labelled_lines_still_score_at_the_bottom(pool):
    packet = "\n".join(f"{word.title()}: {word}" for word in KEYWORD_SOUP.split()[:40])
    assert scores(pool, {"packet": packet, "severity": "SEV1", "route": "SRE"}) == dict.fromkeys(
        DIMENSIONS, 1
    )


@pytest.mark.parametrize("versions", [[], ["v4.29.0"], ["v4.28.4", "v4.29.0", "6.15.0"]])
def test_a_key_with_other_than_two_versions_is_scored_on_the_versions_it_lists(pool, versions):
    """A hand-written pack may list one version, several (a service and an app), or none; the pack
    format allows any list, so scoring reads whatever it holds instead of failing."""
    key = {**pool.answer_key, "facts": {**pool.answer_key["facts"], "versions": versions}}
    generated = SimpleNamespace(
        kind=pool.kind, payload=pool.payload, answer_key=key, archetype=pool.archetype,
        content_hash=f"{pool.content_hash}-{len(versions)}-versions",
    )  # fmt: skip
    packet = _packet_pool(pool) + " App 6.15.0 on the customer's side."
    checks = {c.id: c for d in result(generated, {"packet": packet}).dimensions for c in d.checks}
    assert checks["environment_and_versions"].passed, checks["environment_and_versions"].explanation
    missing = {
        c.id: c for d in result(generated, {"packet": "Reports fail. " * 5}).dimensions for c in d.checks
    }
    assert not missing["environment_and_versions"].passed
