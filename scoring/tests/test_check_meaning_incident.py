"""incident: every check that reads text reads meaning, not a keyword. For each, a paraphrase it must
accept (the same content in other words) and a false positive it must not raise (its keyword in a
sentence that says the opposite or something else). Decision and timing checks read the chosen
option ids and the saved revisions, not words; their cases are in test_incident_scorer.py."""

import copy

import pytest

from scoring.tests.helpers import result, scenario
from scoring.tests.test_incident_scorer import pool_drills

TEXT_CHECKS = {
    "readable_log", "readable_updates", "engages_with_evidence", "coordinates_roles", "cites_evidence",
    "converges_on_cause", "no_red_herring_blamed", "rules_out_red_herrings", "timestamped_log",
    "records_decisions", "states_impact", "states_status", "next_update_time", "no_speculation",
    "no_promised_fix_time", "updates_promise_a_time", "updates_in_plain_words", "log_commits",
}  # fmt: skip


@pytest.fixture(scope="module")
def pool():
    return scenario("incident", "db_pool_exhaustion_after_deploy", difficulty="medium")


@pytest.fixture(scope="module")
def strong(pool):
    return pool_drills(pool)["strong"]


def _log(text):
    return lambda answer: {**answer, "log": text}


def _add_log(text):
    return lambda answer: {**answer, "log": answer["log"] + text + "\n"}


def _updates(*texts):
    return lambda answer: {**answer, "stakeholder_updates": list(texts)}


OWN_UPDATE = (
    "Since roughly 09:55 UTC, some calls to the orders API are failing or timing out for every tenant, and the "
    "orders page shows errors. The platform team is rolling back a change now. We'll post again at 10:40 UTC."
)
OWN_LOG = (
    "10:00 I'm running this incident as IC. Alert: orders-service errors at 22%, over the 5% threshold.\n"
    "10:03 Logs say the service cannot get a DB connection within 3000ms (orders_rw, 43 in use, none idle). "
    "Working theory: orders-service has used up its connection pool.\n"
    "10:04 Paged the SRE on-call with the pool line and the 22% error rate.\n"
    "10:05 orders-service v4.29.0, deployed 09:49, holds its DB connection while it calls integrations-service; "
    "that explains the pool running dry.\n"
    "10:06 The autovacuum on order_events is routine and unrelated.\n"
    "10:08 SEV1 declared earlier; we roll orders-service back to v4.28.4 through the deploy pipeline."
)

CASES = [
    ("readable_log", _log(OWN_LOG), True, "paraphrase: a log in own words"),
    ("readable_log", _log("pool, deploy, rollback, SRE, 503, cache, autovacuum, evictions, orders-service, v4.29.0, "
                          "integrations-service, connection, timeout, alert, error rate, dashboard, severity"),
     False, "false positive: comma-strung keywords"),
    ("readable_updates", _updates(OWN_UPDATE), True, "paraphrase: an update in own words"),
    ("readable_updates", _updates("orders, 503, SEV1, SRE, rollback, pool, deploy, investigating, mitigating, "
                                  "monitoring, resolved, next update, customers, tenants, errors, latency"),
     False, "false positive: comma-strung keywords"),
    ("readable_updates", _updates(
        "We are investigating errors, timeouts and failures on the orders API, the orders page, webhooks and exports. "
        "The cause may be a deploy, the database, a config change, DNS or traffic. "
        "We are rolling back, restarting, failing over, scaling out and rate limiting. Next update in 30 minutes."),
     False, "false positive: keywords put in sentences that list every cause and action at once"),
    ("readable_updates", _updates(
        "Since 09:55 UTC some calls to the orders API, the orders page, webhooks and exports fail with 503 errors. "
        "The platform team is rolling orders-service back to v4.28.4. We'll post again at 10:40 UTC."),
     True, "paraphrase: one sentence naming four affected features is an update, not a list"),
    ("readable_record", _updates(OWN_UPDATE), True, "paraphrase: a log and an update in own words"),
    ("readable_record", _log("pool, deploy, rollback, SRE, 503, cache, autovacuum, evictions, orders-service, v4.29.0, "
                             "integrations-service, connection, timeout, alert, error rate, dashboard, severity"),
     False, "false positive: a stuffed log is not redeemed by a readable update"),
    ("engages_with_evidence", _log(OWN_LOG), True, "paraphrase: SRE paged with the pool evidence"),
    ("engages_with_evidence", _log("10:04 Paged SRE.\n10:05 SRE is on it.\n10:06 Waiting."), False,
     "false positive: the team named without evidence"),
    ("coordinates_roles", _log(OWN_LOG), True, "paraphrase: 'running this incident as IC'"),
    ("coordinates_roles", _log(OWN_LOG.replace("I'm running this incident as IC.",
                                               "I'll coordinate and hand the technical lead to SRE.")),
     True, "paraphrase: 'I'll coordinate' and 'the technical lead' name who does what"),
    ("coordinates_roles", _log(OWN_LOG.replace("I'm running this incident as IC.",
                                               "Nobody will coordinate this or take the technical lead.")),
     False, "false positive: the roles named only to say nobody holds them"),
    ("coordinates_roles", _log("10:00 Looking at errors.\n10:04 Paged SRE with the pool log line.\n10:06 Rolling back."),
     False, "false positive: nobody leads"),
    ("cites_evidence", _log(OWN_LOG), True, "paraphrase: the alert and log line in own words"),
    ("cites_evidence", _log("10:00 Something is off.\n10:04 Asked around.\n10:06 Still looking."), False,
     "false positive: a log without the drill's evidence"),
    ("converges_on_cause", _log(OWN_LOG), True, "paraphrase: the cause in own words"),
    ("converges_on_cause", _log("10:00 IC. orders 503s 22%.\n10:03 v4.29.0 deploy 09:49 lines up.\n"
                                "10:05 v4.29.0 holds DB conn during integrations-service call = pool 43/43 dry.\n"
                                "10:08 Rollback to v4.28.4."),
     True, "paraphrase: a terse note that reasons with 'lines up' and '='"),
    ("converges_on_cause", _log("10:05 orders-service v4.29.0 keeps a DB connection while it calls "
                                "integrations-service. Fits the connection pool running dry since the deploy."),
     True, "paraphrase: 'fits' as the hypothesis's verb"),
    ("converges_on_cause", _log("10:00 The errors are not caused by the orders-service connection pool running "
                                "out after the v4.29.0 deploy.\n10:05 Errors on orders."), False,
     "false positive: the cause's words used to say it is not the cause"),
    ("no_red_herring_blamed", _add_log("10:09 The cache evictions on cache-main are unrelated; the cache holds no connections."),
     True, "paraphrase: a red herring named and dismissed"),
    ("no_red_herring_blamed", _add_log("10:09 The cache evictions on cache-main are the root cause."),
     False, "false positive guard: a red herring blamed"),
    ("rules_out_red_herrings", _log(OWN_LOG), True, "paraphrase: 'routine and unrelated'"),
    ("rules_out_red_herrings", _log(OWN_LOG.replace("\n10:06 The autovacuum on order_events is routine and unrelated.", "")),
     False, "false positive: no distracting signal ruled out"),
    ("timestamped_log", _log(OWN_LOG), True, "paraphrase: times at the start of entries"),
    ("timestamped_log", _log("Paged SRE.\nRolled back.\nAll good."), False, "false positive: entries without times"),
    ("records_decisions", _log(OWN_LOG), True, "paraphrase: severity and rollback recorded in own words"),
    ("log_commits", _log(OWN_LOG), True, "paraphrase: a log that records its calls in own words"),
    ("log_commits", _add_log("10:20 Tentatively SEV2, but SEV3 might also fit.\n10:21 Any of these might be involved, "
                             "or none."),
     False, "false positive: calls held open in log entries with times"),
    ("records_decisions", _log("10:00 Errors.\n10:05 SRE paged."), False, "false positive: decisions not recorded"),
    ("states_impact", _updates(OWN_UPDATE), True, "paraphrase: impact in own words"),
    ("states_impact", _updates("We are working on it. We'll post again at 10:40 UTC."), False,
     "false positive: no impact stated"),
    ("states_status", _updates(OWN_UPDATE), True, "paraphrase: 'rolling back a change now'"),
    ("states_status", _updates("Orders API calls fail with 503 errors for all tenants since 09:55 UTC. The faulty "
                               "change has been switched off and SRE is assessing the pool. Next update at 10:40 UTC."),
     True, "paraphrase: 'switched off' and 'assessing' say what is being done"),
    ("states_status", _updates("Orders API calls fail with 503 errors for all tenants since 09:55 UTC. Nothing has "
                               "been switched off or assessed yet. Next update at 10:40 UTC."),
     False, "false positive: the status words used to say nothing is being done"),
    ("states_status", _updates("Orders API calls fail with 503 errors for all tenants. Status: investigating / "
                               "identified / monitoring / resolved. We'll post again at 10:40 UTC."),
     False, "false positive: every status listed"),
    ("next_update_time", _updates(OWN_UPDATE), True, "paraphrase: 'we'll post again at 10:40 UTC'"),
    ("next_update_time", _updates(OWN_UPDATE.replace("We'll post again at 10:40 UTC.", "Next internal note 10:40 UTC.")),
     True, "paraphrase: 'next internal note' with its time"),
    ("next_update_time", _updates(OWN_UPDATE.replace("We'll post again at 10:40 UTC.",
                                                     "The next message you get will be an automated one.")),
     False, "false positive: 'next message' without a time"),
    ("next_update_time", _updates("Orders API calls fail with 503 errors for all tenants; SRE is rolling back. "
                                  "We will update you at the next update."),
     False, "false positive: a next update without a time"),
    ("next_update_time", _updates(OWN_UPDATE.replace("We'll post again at 10:40 UTC.", "Next upd 10:40Z.")),
     True, "paraphrase: a note's 'Next upd 10:40Z'"),
    ("updates_promise_a_time", _updates(OWN_UPDATE.replace("We'll post again at 10:40 UTC.", "Next 10:40.")),
     True, "paraphrase: a note's 'Next 10:40.'"),
    ("updates_promise_a_time", _updates(OWN_UPDATE.replace("We'll post again at 10:40 UTC.",
                                                           "We will share more once it is fixed.")),
     False, "false positive: 'share more once it is fixed' sets no time"),
    ("updates_in_plain_words", _updates(OWN_UPDATE, "@VP Support: pool -> 100% w/ v4.29.0, rollback ~5 min, "
                                                    "custs see 503s. Next 10:40."),
     True, "paraphrase: shorthand kept to a note for the VP"),
    ("updates_in_plain_words", _updates("SEV1 09:58Z: orders API 503s all tenants since ~09:55 w/ pool exhausted "
                                        "-> rollback in prog, custs retry. Next upd 10:40Z."),
     False, "false positive: a status post in note shorthand"),
    ("no_speculation", _updates(OWN_UPDATE + " We do not yet know whether the cache is involved."), True,
     "paraphrase: a possible cause named only as not known"),
    ("no_speculation", _updates(OWN_UPDATE + " The cache evictions are probably behind this."), False,
     "false positive guard: a guess at a herring"),
    ("no_speculation", _updates(OWN_UPDATE + " We believe orders-service v4.29.0 holds its database connections "
                                             "while it calls integrations-service."),
     True, "paraphrase: the actual cause stated with due care is the working hypothesis, not a guess"),
    ("no_speculation", _updates(OWN_UPDATE + " We believe a network problem at our cloud provider is behind this."),
     False, "false positive guard: a hedged guess at another cause"),
    ("no_promised_fix_time", _updates(OWN_UPDATE + " We will not promise a fix time until the rollback is done."),
     True, "paraphrase: refusing to promise a time"),
    ("no_promised_fix_time", _updates(OWN_UPDATE + " It will be fixed within 10 minutes."), False,
     "false positive guard: a fix time promised"),
    ("no_promised_fix_time", _updates(OWN_UPDATE + " Still unknown: customer impact totals; fix ETA."), True,
     "false positive: 'ETA' listed among the unknowns promises no time"),
    ("no_promised_fix_time", _updates(OWN_UPDATE + " ETA for the fix: 20 minutes."), False,
     "paraphrase: an ETA with a time is a promise"),
]  # fmt: skip


def _checks(generated, answer, revisions):
    return {c.id: c for d in result(generated, answer, revisions=revisions).dimensions for c in d.checks}


@pytest.mark.parametrize(
    ("check_id", "change", "passes", "why"), CASES, ids=[f"{c[0]}-{c[3][:34]}" for c in CASES]
)
def test_each_incident_text_check_reads_meaning(pool, strong, check_id, change, passes, why):
    answer, revisions = strong
    changed = change(copy.deepcopy(answer))
    revisions = (*revisions[:-1], (revisions[-1][0], changed))
    check = _checks(pool, changed, revisions)[check_id]
    assert check.passed is passes, (why, check.explanation, check.quote)


def test_every_incident_text_check_has_a_paraphrase_and_a_false_positive_case(pool, strong):
    answer, revisions = strong
    assert set(_checks(pool, answer, revisions)) >= TEXT_CHECKS
    for check_id in TEXT_CHECKS:
        assert {c[2] for c in CASES if c[0] == check_id} == {True, False}, check_id
