import copy

import pytest

from scoring.tests.helpers import GIBBERISH, KEYWORD_SOUP, OFF_TOPIC, result, scenario, scenario_text, scores

DIMENSIONS = ("troubleshooting", "operational_discipline", "collaboration", "communication")


def drill(*steps) -> tuple[dict, tuple]:
    """A participant's drill as it was saved: each step is (elapsed seconds, what changed), where a
    change sets decisions (D1..D4), posts an `update` or adds a `log` line. Returns the final answer
    and every saved revision."""
    answer = {"decisions": {}, "stakeholder_updates": [], "log": ""}
    revisions = []
    for elapsed, change in steps:
        for name, value in change.items():
            if name == "update":
                answer["stakeholder_updates"].append(value)
            elif name == "log":
                answer["log"] += value + "\n"
            else:
                answer["decisions"][name] = value
        revisions.append((elapsed, copy.deepcopy(answer)))
    return answer, tuple(revisions)


def option(generated, decision: str, words: str) -> str:
    """The id of a decision's option whose text contains `words`."""
    point = next(p for p in generated.payload["decision_points"] if p["id"] == decision)
    return next(o["id"] for o in point["options"] if words.lower() in o["text"].lower())


# --- db_pool_exhaustion_after_deploy, medium: SEV1, SRE, a rollback; autovacuum and cache evictions distract.


@pytest.fixture(scope="module")
def pool():
    return scenario("incident", "db_pool_exhaustion_after_deploy", difficulty="medium")


def pool_drills(g) -> dict:
    rollback = option(g, "D3", "Roll orders-service back")
    hold = option(g, "D3", "Take no action")
    restart_db = option(g, "D3", "Restart the primary database")
    post, wait = option(g, "D4", "Post a status page"), option(g, "D4", "Wait until")
    strong = drill(
        (70, {"D1": "SEV1", "log": "10:00 I am incident commander. PagerDuty: orders-service error rate 22% (threshold 5%) in us-east-1. Declared SEV1: the order API fails for all tenants."}),
        (150, {"log": "10:01 Harrison, Lee and Taylor (enterprise) report 503 on /v2/orders, production down. Matches the alert."}),
        (260, {"log": "10:03 Log search: could not acquire DB connection within 3000ms (pool orders_rw size=43, idle=0). Hypothesis: the orders-service connection pool is exhausted."}),
        (275, {"log": "10:03 Autovacuum on order_events finished in 48s: routine maintenance, not the cause."}),
        (320, {"D2": "SRE", "log": "10:04 Paged SRE on-call with the pool log line and the 22% error rate; they own the rollback and database capacity."}),
        (345, {"log": "10:04 Change log: orders-service v4.29.0 deployed at 09:49 enriches orders with integration status on read, so each request holds a DB connection while it calls integrations-service. Timing matches the onset."}),
        (380, {"log": "10:05 Evicted keys on cache-main under allkeys-lru: unrelated, the cache does not hold pool connections."}),
        (560, {"D4": post, "update": "Investigating: since about 09:55 UTC a share of Orders API calls fail with 503 errors or time out for all tenants, and the orders page in the web app shows errors. SRE is engaged and working on a mitigation. Next update in 30 minutes."}),
        (600, {"D3": rollback, "log": "10:08 Mitigation: roll orders-service back to v4.28.4 through the deploy pipeline, approved by me as incident commander. Rejected raising the pool above max_connections and restarting the primary: both risky."}),
        (640, {"log": "10:09 Connection pool in use at 100% on the dashboard confirms exhaustion; SRE will watch pool utilisation, cl_waiting and the 5xx rate for 15 minutes after the rollback."}),
        (920, {"log": "10:13 Answered VP Support in #incident: status page updated at 10:07, next update 10:37."}),
        (1520, {"log": "10:23 Support lead asked for a refresh; pool back under 40%, 5xx at baseline."}),
        (1560, {"update": "Mitigating: we rolled back the orders-service change at 10:10 UTC and Orders API error rates are back to normal. We are monitoring before we resolve. Next update in 30 minutes, or sooner when resolved."}),
    )  # fmt: skip
    middling = drill(
        (200, {"D1": "SEV2", "log": "Alert on orders-service errors, and a customer says production is down for them."}),
        (480, {"log": "Customer success says more enterprise customers are asking."}),
        (950, {"D2": "SRE", "log": "Paged the SRE on-call."}),
        (700, {"D3": hold, "log": "Seeing 'could not acquire DB connection' errors, pool size=43 idle=0. Also evictions on cache-main. Waiting for more evidence before acting."}),
        (1150, {"D4": post, "update": "We are looking into reports of issues with orders. We will share more soon."}),
        (1300, {"log": "Dashboard shows the connection pool at 100%. There was a deploy of orders-service v4.29.0 earlier, it might be the cause of the pool running out."}),
    )  # fmt: skip
    weak = drill(
        (800, {"D1": "SEV3", "log": "Lots of errors. The cache evictions on cache-main are the root cause, Redis is dropping keys."}),
        (1000, {"D2": "L2", "D3": restart_db, "log": "Restarting the database should clear the bad connections."}),
        (1400, {"D4": wait, "update": "The database probably crashed because of the cache. It will be fixed within 10 minutes."}),
    )  # fmt: skip
    return {"strong": strong, "middling": middling, "weak": weak}


# --- saml_clock_skew, hard: SEV2, SRE, drain the skewed node; an IdP certificate reminder and slow inserts distract.


@pytest.fixture(scope="module")
def saml():
    return scenario("incident", "saml_clock_skew", difficulty="hard")


def saml_drills(g) -> dict:
    drain = option(g, "D3", "Cordon and drain")
    hold = option(g, "D3", "Take no action")
    skew = option(g, "D3", "Raise the allowed clock skew")
    post, reply = option(g, "D4", "Post a status page"), option(g, "D4", "Reply only")
    strong = drill(
        (80, {"D1": "SEV2", "log": "13:59 IC: me. Alert: identity-service error rate 9.5% (threshold 5%) in eu-central-1. SEV2: about a quarter of SAML logins fail for all SSO tenants, a retry often works."}),
        (250, {"log": "14:02 Assertion rejected for tn_dcef2547a3: NotBefore is later than now + allowed skew 120s, on node ip-10-42-3-17. Hypothesis: the clock on that node is behind."}),
        (260, {"log": "14:02 The IdP signing certificate for tn_dcef2547a3 expires in 21 days: only a reminder, not the cause, since valid logins work on other nodes."}),
        (320, {"D2": "SRE", "log": "14:03 Paged SRE on-call with the node name and the NotBefore rejections; they own node time sync and scheduling."}),
        (345, {"log": "14:03 Change log: identity-service pod scheduled on ip-10-42-3-17 after the identity-pool rolled to a new base image. A base image without time sync would explain the skew."}),
        (370, {"log": "14:04 Slow insert into sessions (850ms) is unrelated noise; session writes do not reject assertions."}),
        (500, {"D3": drain, "log": "14:06 Mitigation: cordon and drain ip-10-42-3-17 so identity-service pods reschedule onto nodes with healthy time sync, agreed with SRE. Rejected raising the allowed skew for all tenants: it weakens replay protection."}),
        (560, {"D4": post, "update": "Investigating: since about 13:55 UTC roughly a quarter of SAML SSO logins fail with 'SSO login failed'; retrying usually works. SRE is engaged and a mitigation is under way. Next update in 60 minutes."}),
        (900, {"log": "14:13 Told VP Support: status page posted at 14:07, next update by 15:07, retry is the workaround for users."}),
        (1500, {"log": "14:23 After the drain, failure rate per node back to baseline; SRE checking why the base image lacks the time sync daemon."}),
        (1540, {"update": "Mitigated: SSO login failures are back to normal since 14:10 UTC after we moved the affected service off one server. We are monitoring. Next update in 60 minutes or when resolved."}),
    )  # fmt: skip
    middling = drill(
        (300, {"D1": "SEV2", "log": "SSO errors in identity-service, customer says half the team cannot log in."}),
        (500, {"log": "Customer success says two more enterprise customers are asking."}),
        (760, {"D2": "SRE", "log": "Asked SRE to take a look."}),
        (900, {"log": "The NotBefore rejections on ip-10-42-3-17 could be a clock problem on that node."}),
        (800, {"D3": hold, "log": "Not sure yet; the IdP signing certificate also expires soon, keeping an eye on it."}),
        (1000, {"D4": post, "update": "We are looking into reports of sign-in problems. We will update when we know more."}),
    )  # fmt: skip
    weak = drill(
        (700, {"D1": "SEV4", "log": "The IdP signing certificate is expiring, that is the cause of the SSO failures."}),
        (1000, {"D2": "Security", "D3": skew, "log": "Raised the allowed skew for everyone to be safe."}),
        (1300, {"D4": reply, "update": "It is likely caused by the certificate expiring. It will be resolved within 15 minutes."}),
    )  # fmt: skip
    return {"strong": strong, "middling": middling, "weak": weak}


CASES = [("pool", pool_drills), ("saml", saml_drills)]


def drill_scores(generated, played) -> dict:
    answer, revisions = played
    return scores(generated, answer, revisions=revisions)


def drill_checks(generated, played) -> dict:
    answer, revisions = played
    return {
        c.id + "@" + c.dimension: c
        for d in result(generated, answer, revisions=revisions).dimensions
        for c in d.checks
    }


@pytest.mark.parametrize("name,drills", CASES, ids=[name for name, _ in CASES])
def test_strong_middling_and_weak_drills_score_in_that_order_with_clear_gaps(name, drills, request):
    generated = request.getfixturevalue(name)
    played = drills(generated)
    strong, middling, weak = (
        drill_scores(generated, played[level]) for level in ("strong", "middling", "weak")
    )

    for dimension in DIMENSIONS:
        assert strong[dimension] >= 4, (dimension, strong)
        assert 2 <= middling[dimension] <= 3, (dimension, middling)
        assert weak[dimension] <= 2, (dimension, weak)
        assert strong[dimension] - middling[dimension] >= 1, (dimension, strong, middling)
        assert middling[dimension] - weak[dimension] >= 1, (dimension, middling, weak)
    assert any(strong[d] - weak[d] >= 2 for d in DIMENSIONS)


def test_a_strong_drill_is_explained_check_by_check_with_quotes(pool):
    checks = drill_checks(pool, pool_drills(pool)["strong"])

    assert all(c.passed for c in checks.values())
    assert checks["severity_declared@operational_discipline"].quote == "D1: SEV1"
    assert checks["d1_on_time@operational_discipline"].quote == "1m10s"
    assert "Roll orders-service back" in checks["effective_mitigation@troubleshooting"].quote
    assert checks["converges_on_cause@troubleshooting"].quote.startswith(
        "Hypothesis: the orders-service connection pool"
    )
    assert "Autovacuum" in checks["rules_out_red_herrings@troubleshooting"].quote
    assert "Paged SRE on-call" in checks["engages_with_evidence@collaboration"].quote
    assert checks["next_update_time@communication"].quote == "Next update in 30 minutes."
    assert checks["steady_cadence@communication"].quote == "2 updates over 26m00s"


def test_a_weak_drill_says_what_went_wrong_with_quotes(pool):
    checks = drill_checks(pool, pool_drills(pool)["weak"])

    assert not checks["safe_mitigation@operational_discipline"].passed
    assert "Restart the primary database" in checks["safe_mitigation@operational_discipline"].quote
    assert (
        "cache evictions on cache-main are the root cause"
        in checks["no_red_herring_blamed@troubleshooting"].quote
    )
    assert (
        checks["no_speculation@communication"].quote == "The database probably crashed because of the cache."
    )
    assert checks["no_promised_fix_time@communication"].quote == "It will be fixed within 10 minutes."


def test_an_unsafe_mitigation_sinks_operational_discipline_whatever_else_is_right(pool):
    answer, revisions = pool_drills(pool)["strong"]
    unsafe = pool.answer_key["decisions"]["D3"]["unsafe"][0]
    answer = {**answer, "decisions": {**answer["decisions"], "D3": unsafe}}

    assert scores(pool, answer, revisions=revisions)["operational_discipline"] == 1


def test_watching_a_metric_is_offered_as_a_first_mitigation_but_is_not_one(pool):
    watch = option(pool, "D3", "Watch pool utilisation")
    status_page = option(pool, "D3", "Post a status page update")
    d3 = pool.answer_key["decisions"]["D3"]
    assert {watch, status_page}.isdisjoint(d3["correct"]) and {watch, status_page}.isdisjoint(d3["unsafe"])

    answer, revisions = pool_drills(pool)["strong"]
    answer = {**answer, "decisions": {**answer["decisions"], "D3": watch}}
    checks = {c.id: c for d in result(pool, answer, revisions=revisions).dimensions for c in d.checks}

    assert checks["safe_mitigation"].passed  # harmless...
    assert not checks["effective_mitigation"].passed  # ...but it mitigates nothing
    assert "does not address the cause" in checks["effective_mitigation"].explanation
    assert "Roll orders-service back" in checks["effective_mitigation"].explanation


def test_without_revisions_timing_is_not_assessed_rather_than_failed(pool):
    answer, _ = pool_drills(pool)["strong"]
    checks = {c.id + "@" + c.dimension: c for d in result(pool, answer).dimensions for c in d.checks}

    for name in (
        "d1_on_time@operational_discipline",
        "d2_on_time@collaboration",
        "d3_on_time@troubleshooting",
        "first_update_in_time@communication",
        "steady_cadence@communication",
    ):
        assert not checks[name].assessed and "not assessed" in checks[name].explanation


def test_a_decision_counts_from_when_it_took_its_final_value(pool):
    played = drill(
        (70, {"D1": "SEV1"}),
        (200, {"D1": "SEV2"}),
        (900, {"D1": "SEV1", "log": "10:13 Back to SEV1: every tenant is affected."}),
    )
    checks = drill_checks(pool, played)

    assert checks["severity_declared@operational_discipline"].passed
    assert not checks["d1_on_time@operational_discipline"].passed
    assert checks["d1_on_time@operational_discipline"].quote == "15m00s"


def test_a_long_silence_between_updates_breaks_the_cadence(pool):
    answer, revisions = pool_drills(pool)["strong"]
    first_only = {**answer, "stakeholder_updates": answer["stakeholder_updates"][:1]}
    late = (*revisions, (4000, first_only))
    checks = {
        c.id + "@" + c.dimension: c
        for d in result(pool, first_only, revisions=late).dimensions
        for c in d.checks
    }

    assert not checks["steady_cadence@communication"].passed
    assert "longer than 30 minutes" in checks["steady_cadence@communication"].explanation


def test_ruling_out_a_red_herring_earns_credit_and_blaming_it_costs(saml):
    base = [
        (80, {"D1": "SEV2", "log": "13:59 IC: me. identity-service error rate 9.5%, SAML logins failing."})
    ]
    ruled_out = drill(
        *base,
        (
            260,
            {
                "log": "14:02 The IdP signing certificate expiring in 21 days is only a reminder, not the cause."
            },
        ),
    )
    blamed = drill(
        *base,
        (260, {"log": "14:02 The IdP signing certificate expiring in 21 days is the cause of the failures."}),
    )

    ruled = drill_checks(saml, ruled_out)
    chased = drill_checks(saml, blamed)
    assert (
        ruled["rules_out_red_herrings@troubleshooting"].passed
        and ruled["no_red_herring_blamed@troubleshooting"].passed
    )
    assert not chased["no_red_herring_blamed@troubleshooting"].passed
    assert "is the cause of the failures" in chased["no_red_herring_blamed@troubleshooting"].quote


def gaming_drill(generated, text: str) -> tuple[dict, tuple]:
    """A gamed log and update with the best decisions a gamer could have, all made on time."""
    if text == "":
        return {}, ()
    key = generated.answer_key["decisions"]
    decisions = {did: k["correct"][0] for did, k in key.items()}
    steps = [(k["window_seconds"][0] + 10, {did: decisions[did]}) for did, k in key.items()]
    return drill(*steps, (600, {"update": text, "log": text}), (1500, {"update": text}))


@pytest.mark.parametrize("name", ["pool", "saml"])
@pytest.mark.parametrize(
    "gaming",
    ["", GIBBERISH, "PASTE", KEYWORD_SOUP, OFF_TOPIC],
    ids=["empty", "gibberish", "pasted-scenario", "keyword-stuffed", "off-topic"],
)
def test_gaming_answers_score_at_the_bottom(name, gaming, request):
    generated = request.getfixturevalue(name)
    text = scenario_text(generated) if gaming == "PASTE" else gaming
    assert drill_scores(generated, gaming_drill(generated, text)) == dict.fromkeys(DIMENSIONS, 1)


def test_scoring_the_same_answer_twice_gives_the_same_result(saml):
    answer, revisions = saml_drills(saml)["strong"]
    first = result(saml, answer, revisions=revisions).as_dict()
    assert first == result(saml, answer, revisions=revisions).as_dict()


def test_a_wrong_severity_is_explained_with_the_keys_reason(pool):
    answer, revisions = pool_drills(pool)["strong"]
    answer = {**answer, "decisions": {**answer["decisions"], "D1": "SEV3"}}
    checks = {c.id: c for d in result(pool, answer, revisions=revisions).dimensions for c in d.checks}

    message = checks["severity_declared"].explanation
    assert not checks["severity_declared"].passed
    assert message.startswith("Declares SEV3; this impact is SEV1.")
    assert pool.answer_key["severity_reason"] in message


# --- calls that point the wrong way ----------------------------------------------------------


def _replay(played, calls: dict):
    """The same drill with some decisions changed, in every revision and in the final answer."""
    answer, revisions = played

    def changed(a):
        return {
            **a,
            "decisions": {**a["decisions"], **{k: v for k, v in calls.items() if k in a["decisions"]}},
        }

    return changed(answer), tuple((at, changed(a)) for at, a in revisions)


def test_a_fluent_drill_with_most_calls_wrong_scores_1_on_troubleshooting_and_communication(pool):
    # The strong drill's log and updates, with three of its four calls wrong: the prose no longer
    # matches what the responder did, and a reader would act on the calls.
    hold = option(pool, "D3", "Take no action")
    wait = option(pool, "D4", "Wait until")
    played = _replay(pool_drills(pool)["strong"], {"D2": "L1", "D3": hold, "D4": wait})

    checks = drill_checks(pool, played)
    got = drill_scores(pool, played)

    assert got["troubleshooting"] == 1 and got["communication"] == 1
    gate = checks["calls_point_the_right_way@communication"]
    assert not gate.passed and gate.gate and "3 of the drill's 4 calls are wrong" in gate.explanation
    assert "engages L1" in gate.explanation
    assert gate.doubt  # sunk on exactly as many wrong calls as it takes


def test_a_severity_one_level_off_is_a_close_call_not_a_wrong_one(pool):
    # False positive guard: SEV2 for a SEV1 impact plus two wrong calls is two wrong calls, not three.
    hold = option(pool, "D3", "Take no action")
    played = _replay(pool_drills(pool)["strong"], {"D1": "SEV2", "D2": "L1", "D3": hold})

    gate = drill_checks(pool, played)["calls_point_the_right_way@communication"]

    assert gate.passed, gate.explanation
    assert "2 of 4 wrong" in gate.explanation


def test_a_severity_two_levels_off_counts_as_a_wrong_call(pool):
    # Paraphrase of a wrong call: SEV3 for a SEV1 impact is as wrong as a wrong team.
    hold = option(pool, "D3", "Take no action")
    played = _replay(pool_drills(pool)["strong"], {"D1": "SEV3", "D2": "L1", "D3": hold})

    gate = drill_checks(pool, played)["calls_point_the_right_way@communication"]

    assert not gate.passed and "declares SEV3 for a SEV1 impact" in gate.explanation


def test_two_wrong_calls_after_the_severity_cap_operational_discipline_at_3(pool):
    # Safe but not the playbook's: the wrong team and a mitigation that does not address the cause.
    hold = option(pool, "D3", "Take no action")
    assert hold not in pool.answer_key["decisions"]["D3"]["unsafe"]
    strong = pool_drills(pool)["strong"]
    one_wrong = _replay(strong, {"D2": "L1"})
    two_wrong = _replay(strong, {"D2": "L1", "D3": hold})

    assert drill_checks(pool, one_wrong)["calls_by_the_book@operational_discipline"].passed
    capped = drill_checks(pool, two_wrong)["calls_by_the_book@operational_discipline"]
    assert not capped.passed and "D2, D3" in capped.explanation
    assert scores(pool, two_wrong[0], revisions=two_wrong[1])["operational_discipline"] <= 3
