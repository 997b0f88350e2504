import pytest

from scoring.tests.helpers import GIBBERISH, KEYWORD_SOUP, OFF_TOPIC, result, scenario, scenario_text, scores

DIMENSIONS = ("continuous_improvement", "collaboration")


def _strong_pool(g) -> dict:
    """A strong review of the pool exhaustion incident, written in the structured fields."""
    incident = g.payload["incident"]
    return {
        "summary": (
            f"Order API calls across all tenants failed intermittently with 503 for {incident['duration_minutes']} "
            f"minutes ({incident['customers_affected']} customers affected, {incident['severity']}). Rolling "
            "orders-service back from v4.29.0 to v4.28.4 mitigated it."
        ),
        "root_cause_chain": (
            "1. v4.29.0 added an enrichment step that calls integrations-service (p95 about 4s) from inside the read "
            "transaction (E2).\n"
            "2. Each in-flight request therefore pinned a pool connection for seconds instead of milliseconds.\n"
            "3. All 43 connections of pool orders_rw were busy, 405 requests queued in db-proxy (E4), and requests "
            "failed after 3000ms with 503 (E5).\n"
            "The cache evictions (E1) and the autovacuum run (E6) were routine and ruled out."
        ),
        "contributing_factors": (
            "- Code review did not flag a remote call made inside a database transaction.\n"
            "- Load tests ran against a mocked integrations-service that answered in 5ms, so the pool never "
            "saturated in testing.\n"
            "- There was no alert on pool wait time; the first signal was customer tickets."
        ),
        "corrective_actions": [
            {
                "action": "Move the integration enrichment out of the transaction and make it asynchronous",
                "owner": "Engineering (orders team)",
                "due": "2026-05-08",
            },
            {
                "action": "Alert when db-proxy cl_waiting stays above zero for 2 minutes",
                "owner": "SRE",
                "due": "2026-05-04",
            },
            {
                "action": "Add automatic canary analysis on 5xx rate that halts a rollout",
                "owner": "SRE",
                "due": "2026-05-29",
            },
            {
                "action": "Add a lint rule and a review checklist item for remote calls inside DB transactions",
                "owner": "Engineering",
                "due": "2026-05-15",
            },
            {
                "action": "Publish a KB article and support macro for 503s on /v2/orders",
                "owner": "Support",
                "due": "2026-05-06",
            },
        ],
        "detection": (
            "Alert on pool saturation (cl_waiting above zero) and on the 503 rate per service, evaluated against "
            "the deploy timeline, so a bad deploy pages SRE within minutes."
        ),
        "prevention": (
            "Load tests will use a realistic integrations-service latency instead of a 5ms mock, and the canary "
            "halts a rollout on a 5xx spike. The runbook gets a 'pool saturation after deploy' section."
        ),
    }


def _middling_pool(g) -> dict:
    return {
        "summary": "Orders API returned 503s after the v4.29.0 deploy until we rolled back.",
        "root_cause_chain": (
            "The new release held database connections open during a slow call to integrations-service, so the "
            "connection pool ran out and requests timed out with 503."
        ),
        "contributing_factors": "We had no alert on the database pool; the first signal was customer tickets.",
        "corrective_actions": [
            {
                "action": "Move the integrations call out of the database transaction",
                "owner": "Engineering",
                "due": "",
            },
            {"action": "Add an alert on db-proxy pool waiting clients", "owner": "SRE", "due": ""},
            {"action": "Be more careful when reviewing changes", "owner": "Engineering", "due": ""},
        ],
        "detection": "Add more monitoring.",
    }


def _weak_pool(g) -> dict:
    return {
        "summary": (
            "The outage happened because the engineer who deployed v4.29.0 did not test it properly. "
            "It was a careless mistake."
        ),
        "root_cause_chain": "Bad deploy. Also the cache was evicting keys (E1) which made it worse.",
        "corrective_actions": [{"action": "Be more careful", "owner": "Dave", "due": "ASAP"}],
    }


def _strong_saml(g) -> dict:
    """A strong review of the clock skew incident, written as one markdown document."""
    incident = g.payload["incident"]
    return {
        "document": f"""# Postmortem: SAML SSO logins failing on one identity node

## Summary
For {incident["duration_minutes"]} minutes roughly 26% of SAML SSO logins failed with "SSO login failed" ({incident["customers_affected"]} customers affected, {incident["severity"]}). Retrying often worked because the retry landed on a healthy node.

## Root cause chain
1. The identity node pool was rolled to a new base image in which chronyd was not enabled.
2. Without time sync, the clock on ip-10-42-3-17 drifted about 258s behind real time (E4), more than the 120s allowed skew.
3. Logins load-balanced to identity-service pods on that node failed the NotBefore check (E1, E3), while retries that landed on other nodes succeeded.

The slow session inserts (E2) and the IdP certificate expiry reminder (E5) were ruled out: failing logins never reach session creation, and the signature checks passed.

## Contributing factors
- The new base image was validated with smoke tests that did not check time sync.
- There was no alert on node clock offset, so we learned about it from customers.

## Corrective actions
| Action | Owner | Due |
|---|---|---|
| Add a node readiness check that fails when the clock is not synchronised | SRE | 2026-04-17 |
| Alert on node clock offset above 5 seconds | SRE | 2026-04-12 |
| Log the node and the measured skew with every rejected SAML assertion | Engineering | 2026-04-24 |
| Add "check time sync on the node" to the SSO troubleshooting runbook and the support macro | Support | 2026-04-15 |

## Detection
Alert on SAML assertion rejections per node, not just in aggregate, so a single bad node pages SRE within minutes.

## Prevention
Base image validation gets a smoke test that checks chronyd is running and the clock offset is under 1s; nodes failing the readiness check never receive traffic.
"""
    }


_MIDDLING_SAML = {
    "document": """Summary: some SAML logins failed for a while today.

What happened: one identity node had a wrong clock because time sync was not running after the new base image, so assertions were rejected as not yet valid on that node.

Contributing factors: no alert on the clock.

Actions:
- Fix time sync on the node pool (owner: SRE)
- Add an alert for clock drift on nodes (owner: SRE)
- Review the base image process (owner: Engineering)
"""
}
_WEAK_SAML = {
    "document": """SSO was down because the SRE who built the new base image forgot chronyd. That was careless and he should have known better.
The IdP certificate (E5) is also expiring which probably caused some failures.
Action: SRE team to be more careful with images."""
}


@pytest.fixture(scope="module")
def pool():
    return scenario("postmortem", "db_pool_exhaustion_after_deploy")


@pytest.fixture(scope="module")
def saml():
    return scenario("postmortem", "saml_clock_skew", difficulty="hard")


def _checks(g, answer) -> dict:
    return {c.id: c for d in result(g, answer).dimensions for c in d.checks}


@pytest.mark.parametrize("drill", ["pool", "saml"])
def test_strong_middling_and_weak_reviews_score_in_that_order_with_clear_gaps(drill, request):
    g = request.getfixturevalue(drill)
    if drill == "pool":
        answers = (_strong_pool(g), _middling_pool(g), _weak_pool(g))
    else:
        answers = (_strong_saml(g), _MIDDLING_SAML, _WEAK_SAML)
    strong, middling, weak = (scores(g, answer) for answer in answers)

    for dimension in DIMENSIONS:
        assert strong[dimension] >= 4, (dimension, strong)
        assert 2 <= middling[dimension] <= 3, (dimension, middling)
        assert weak[dimension] <= 2, (dimension, weak)
        assert strong[dimension] - middling[dimension] >= 1, dimension
        assert middling[dimension] - weak[dimension] >= 1, dimension
    assert max(strong[d] - weak[d] for d in DIMENSIONS) >= 2


def test_a_strong_review_is_explained_check_by_check_with_quotes(pool):
    checks = _checks(pool, _strong_pool(pool))
    assert all(c.passed for c in checks.values()), [c.id for c in checks.values() if not c.passed]
    assert checks["cause_chain"].quote.startswith("v4.29.0 added an enrichment step")
    assert "3 of 3" in checks["cause_chain"].explanation
    assert "Code review did not flag" in checks["contributing_factors"].quote
    assert "cl_waiting" in checks["detection_improved"].quote
    assert "Engineering, SRE, Support" in checks["owners_across_teams"].explanation
    assert "E2" in checks["evidence_based"].explanation


def test_a_document_review_is_read_by_its_sections_and_its_actions_table(saml):
    checks = _checks(saml, _strong_saml(saml))
    assert all(c.passed for c in checks.values()), [c.id for c in checks.values() if not c.passed]
    assert "4 actions" in checks["actions_owned_and_dated"].explanation
    assert checks["cause_chain"].quote.startswith("The identity node pool was rolled")
    assert checks["prevention"].quote.startswith("Base image validation gets a smoke test")


def test_naming_and_blaming_a_person_sinks_collaboration_only(pool):
    answer = _strong_pool(pool)
    answer["summary"] += (
        " Honestly, this was Dave's mistake: he should have known better than to ship it on a Friday."
    )
    graded = {d.dimension: d for d in result(pool, answer).dimensions}
    assert graded["collaboration"].score == 1
    assert graded["continuous_improvement"].score == 5
    gate = next(c for c in graded["collaboration"].checks if c.id == "blameless")
    assert gate.gate and not gate.passed and "Dave's mistake" in gate.quote


@pytest.mark.parametrize(
    "sentence",
    ["No one is to blame: the system let the change through.", "We avoid attributing this to human error."],
)
def test_blameless_statements_about_blame_are_not_blame(pool, sentence):
    answer = _strong_pool(pool)
    answer["summary"] += " " + sentence
    assert _checks(pool, answer)["blameless"].passed


def test_a_red_herring_named_as_a_cause_fails_its_check(pool):
    answer = _strong_pool(pool)
    answer["contributing_factors"] += "\n- The autovacuum on order_events (E6) slowed the database down."
    check = _checks(pool, answer)["red_herrings_not_causes"]
    assert not check.passed and "autovacuum" in check.quote


def test_vague_actions_dumped_on_one_person_earn_nothing(pool):
    answer = _strong_pool(pool)
    answer["corrective_actions"] = [
        {"action": "Be more careful with deploys", "owner": "Alex", "due": "2026-05-01"},
        {"action": "Double-check changes before release", "owner": "Alex", "due": "2026-05-01"},
        {"action": "Improve communication", "owner": "Alex", "due": "2026-05-01"},
    ]
    checks = _checks(pool, answer)
    assert not checks["actions_address_causes"].passed
    assert "change nothing" in checks["actions_address_causes"].explanation
    assert not checks["owners_across_teams"].passed and "Alex" in checks["owners_across_teams"].explanation


def test_listing_every_possible_action_is_hedging_not_a_plan(pool):
    answer = _strong_pool(pool)
    answer["corrective_actions"] = answer["corrective_actions"] * 6
    checks = _checks(pool, answer)
    assert (
        not checks["actions_address_causes"].passed
        and "30 actions" in checks["actions_address_causes"].explanation
    )
    assert not checks["owners_across_teams"].passed


@pytest.mark.parametrize(
    "gaming",
    ["", GIBBERISH, "PASTE", KEYWORD_SOUP, OFF_TOPIC],
    ids=["empty", "gibberish", "pasted-scenario", "keyword-stuffed", "off-topic"],
)
@pytest.mark.parametrize("field", ["document", "root_cause_chain"])
def test_gaming_answers_score_at_the_bottom(pool, gaming, field):
    text = scenario_text(pool) if gaming == "PASTE" else gaming
    assert scores(pool, {field: text}) == dict.fromkeys(DIMENSIONS, 1)


def test_scoring_the_same_answer_twice_gives_the_same_result(saml):
    assert result(saml, _strong_saml(saml)).as_dict() == result(saml, _strong_saml(saml)).as_dict()


def test_listing_every_evidence_id_at_once_is_not_evidence(pool):
    answer = _strong_pool(pool)
    ids = ", ".join(e["id"] for e in pool.payload["evidence"])
    answer["root_cause_chain"] = (
        answer["root_cause_chain"].replace("(E2)", "").replace("(E4)", "").replace("(E5)", "")
    )
    answer["summary"] += f" Evidence: {ids}."
    check = _checks(pool, answer)["evidence_based"]
    assert not check.passed and "every piece of evidence" in check.explanation


def test_terse_notes_with_the_incident_s_specifics_are_read_as_a_review(pool):
    incident = pool.payload["incident"]
    document = f"""SUMMARY: 503s on orders API, {incident["duration_minutes"]} min, {incident["customers_affected"]} customers, SEV1.
ROOT CAUSE CHAIN:
1. v4.29.0: enrichment calls integrations-service (p95 ~4s) inside read transaction (E2)
2. each request pins pool connection for seconds
3. 43/43 connections busy, 405 queued in db-proxy (E4), 503 after 3000ms (E5)
RULED OUT: E1 cache evictions, E6 autovacuum - routine
CONTRIBUTING:
- code review missed remote call inside DB transaction
- load tests: mocked integrations-service, 5ms
- no alert on pool wait time
ACTIONS:
- move enrichment out of transaction, async (owner: Engineering, due 2026-05-08)
- alert db-proxy cl_waiting > 0 for 2 min (owner: SRE, due 2026-05-04)
- canary analysis on 5xx rate halts rollout (owner: SRE, due 2026-05-29)
- KB article + support macro (owner: Support, due 2026-05-06)
DETECTION: alert on pool saturation + 503 rate per service vs deploy timeline
PREVENTION: add load tests with realistic integrations-service latency"""
    assert scores(pool, {"document": document}) == dict.fromkeys(DIMENSIONS, 5)


def test_keywords_dressed_as_a_bullet_list_still_score_at_the_bottom(pool):
    document = "\n".join(f"- {word}: {word}" for word in KEYWORD_SOUP.split()[:40])
    assert scores(pool, {"document": document}) == dict.fromkeys(DIMENSIONS, 1)
