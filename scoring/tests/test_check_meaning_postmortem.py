"""postmortem: every check reads meaning, not a keyword. For each check, a paraphrase it must accept
(the same content in other words) and a false positive it must not raise (its keyword in a sentence
that says the opposite or something else)."""

import pytest

from scoring.tests.helpers import result, scenario
from scoring.tests.test_postmortem_scorer import _strong_pool


@pytest.fixture(scope="module")
def pool():
    return scenario("postmortem", "db_pool_exhaustion_after_deploy")


@pytest.fixture(scope="module")
def strong(pool):
    return _strong_pool(pool)


def _checks(generated, answer):
    return {c.id: c for d in result(generated, answer).dimensions for c in d.checks}


def _append(field: str, text: str):
    return lambda answer: {**answer, field: f"{answer[field]}\n{text}"}


def _set(**fields):
    return lambda answer: {**answer, **fields}


def _actions(*rows):
    return lambda answer: {
        **answer,
        "corrective_actions": [dict(zip(("action", "owner", "due"), r, strict=True)) for r in rows],
    }


ACTIONS_OWN_WORDS = _actions(
    (
        "Take the integrations call out of the DB transaction and run it in the background",
        "Orders engineering team",
        "2026-05-08",
    ),
    (
        "Page on db-proxy clients waiting for a connection longer than 2 minutes",
        "Platform on-call",
        "2026-05-04",
    ),
    ("Stop a rollout automatically when canary 5xx rises", "Platform", "end of May"),
    ("Publish a help-centre article and reply macro for 503s on /v2/orders", "Support", "next week"),
)


def _stuffed(answer):
    """The review's prose as terms strung together; its action list left as it was."""
    d, c = (answer["summary"].split()[i].strip("(") for i in (11, 13))
    return {
        **answer,
        "summary": f"SEV2 orders-service 503 pool exhaustion orders_rw db-proxy cl_waiting v4.29.0 rollback v4.28.4 {d} minutes {c} customers",
        "root_cause_chain": "root cause v4.29.0 enrichment integrations-service call read transaction pool connection pinned 43 "
        "connections orders_rw busy 405 queued db-proxy 503 3000ms E2 E4 E5",
        "contributing_factors": "contributing factors code review remote call transaction load test mock 5ms "
        "integrations-service alerting pool wait time blameless",
        "detection": "detection alerting paging cl_waiting SLO burn rate MTTD MTTR",
        "prevention": "prevention canary lint review checklist load test realistic latency guardrails continuous improvement",
    }


def _terse(answer):
    """The review as clipped notes: arrows, abbreviations, labels, but statements."""
    d, c = (answer["summary"].split()[i].strip("(") for i in (11, 13))
    return {
        **answer,
        "summary": f"SEV2, {d} min, {c} custs: /v2/orders 503s. Mitigated by rollback v4.29.0 -> v4.28.4.",
        "root_cause_chain": "v4.29.0 calls integrations-service (p95 ~4s) inside read txn (E2) -> each request pins a pool "
        "conn for secs -> all 43 orders_rw conns busy, 405 queued in db-proxy (E4) -> 503 after 3000ms (E5). "
        "E1 cache evictions, E6 autovacuum = routine, ruled out.",
        "contributing_factors": "review missed remote call in txn; load test mocked integrations at 5ms, pool never "
        "filled; no alert on pool wait, first signal = tickets.",
        "detection": "page SRE on cl_waiting > 0 for 2 min + 503 rate per service vs deploys.",
        "prevention": "realistic integrations latency in load tests; canary halts rollout on 5xx; runbook: pool "
        "saturation after deploy.",
    }


CASES = [
    ("readable_postmortem", _set(), True, "paraphrase: a complete review"),
    ("readable_postmortem", _set(summary="pool, deploy, rollback, alert, owner, due, runbook, canary, 503, lint, "
                                 "review, cache, autovacuum, transaction, integrations, latency, SRE, support",
                                 root_cause_chain="", contributing_factors="", detection="", prevention="",
                                 corrective_actions=[]), False, "false positive: comma-strung keywords"),
    ("cause_chain", _set(root_cause_chain=(
        "Release v4.29.0 made orders-service call integrations-service while still inside the read transaction. "
        "So every request held its pooled connection for seconds rather than milliseconds. "
        "The 43 orders_rw connections were all taken, requests queued in db-proxy and failed with 503s.")),
     True, "paraphrase: the chain in other words"),
    ("cause_chain", _set(root_cause_chain="The pool was the problem."), False,
     "false positive: one link named, no chain"),
    ("cause_chain", _terse, True, "paraphrase: the chain as a terse note (arrows, clipped words)"),
    ("cause_chain", _stuffed, False, "false positive: the chain's terms strung together"),
    ("contributing_factors", _terse, True, "paraphrase: the factors as clipped notes"),
    ("contributing_factors", _stuffed, False, "false positive: the factors' terms strung together"),
    ("contributing_factors", _set(contributing_factors=(
        "- Reviewers did not catch a network call made inside a database transaction.\n"
        "- Our load test mocked integrations-service at 5ms, so the pool never filled up in testing.")),
     True, "paraphrase: the factors in other words"),
    ("contributing_factors", _set(contributing_factors="- Review and testing were fine; nothing else contributed."),
     False, "false positive: the factors' words, saying there were none"),
    ("actions_address_causes", ACTIONS_OWN_WORDS, True, "paraphrase: actions in other words"),
    ("actions_address_causes", _actions(("Be more careful with deploys", "Engineering", "2026-05-08"),
                                        ("Pay more attention to the pool", "SRE", "2026-05-09")),
     False, "false positive: the causes' words in vague actions"),
    ("actions_owned_and_dated", ACTIONS_OWN_WORDS, True, "paraphrase: teams and relative dates"),
    ("actions_owned_and_dated", _actions(("Move the enrichment out of the transaction", "Engineering", "2026-05-08"),
                                         ("Alert on cl_waiting above zero", "SRE", "2026-05-08"),
                                         ("Canary analysis that halts a rollout on 5xx", "SRE", "2026-05-22")),
     True, "paraphrase: two actions due the same day, the others planned apart"),
    ("actions_owned_and_dated", _actions(("Move the enrichment out of the transaction", "Engineering", "2026-05-08"),
                                         ("Alert on cl_waiting above zero", "SRE", "2026-05-08"),
                                         ("Canary analysis that halts a rollout on 5xx", "SRE", "2026-05-08"),
                                         ("KB article for 503s on /v2/orders", "Support", "2026-05-08")),
     False, "false positive: one placeholder date on every action"),
    ("actions_owned_and_dated", _actions(("Move the enrichment out of the transaction", "Engineering", "TBD"),
                                         ("Alert on cl_waiting above zero", "SRE", "TBD"),
                                         ("Canary analysis that halts a rollout on 5xx", "SRE", "TBD")),
     False, "false positive: 'TBD' on every action"),
    ("actions_owned_and_dated", _actions(("Move the enrichment out of the transaction", "TBD", "soon"),
                                         ("Alert on cl_waiting", "team", "later")),
     False, "false positive: owner and due fields that name no one and no date"),
    ("detection_improved", _set(detection="Page the platform on-call when clients wait on db-proxy for more than two minutes."),
     True, "paraphrase: the alert in other words"),
    ("detection_improved", _set(detection="There was no alert on pool wait time.", corrective_actions=[]),
     False, "false positive: 'alert' in a sentence saying there was none"),
    ("prevention", _set(prevention="From now on the load test uses the real latency of integrations-service rather than a 5ms mock."),
     True, "paraphrase: the systemic change in other words"),
    ("prevention", _set(prevention="Load tests used a 5ms mock.", corrective_actions=[]),
     False, "false positive: the load test named, nothing changed"),
    ("runbook_kb_or_automation", _set(prevention="We will write the 'pool saturation after deploy' steps into the on-call playbook."),
     True, "paraphrase: a playbook section instead of a runbook"),
    ("runbook_kb_or_automation", _set(prevention="The job retried automatically. The runbook lacked a pool section.",
                                      corrective_actions=[]),
     False, "false positive: 'automatically' and a runbook that lacked a step"),
    ("red_herrings_not_causes", _append("root_cause_chain", "The autovacuum (E6) was routine and unrelated."),
     True, "paraphrase: a herring dismissed in other words"),
    ("red_herrings_not_causes", _append("contributing_factors", "- The autovacuum on order_events (E6) slowed the database."),
     False, "false positive guard: a herring named as a cause"),
    ("red_herrings_not_causes", _append("contributing_factors", "- E6 autovacuum = herring (same run yesterday)."),
     True, "paraphrase: a herring set aside in a clipped note"),
    ("red_herrings_not_causes", _append("contributing_factors", "- The autovacuum on order_events (E6) was the "
                                        "obvious suspect, and checking it cost time."),
     True, "paraphrase: a herring called what only looked guilty"),
    ("red_herrings_not_causes", _append("contributing_factors", "- We suspect the autovacuum on order_events (E6) "
                                        "slowed the database."),
     False, "false positive: 'suspect' as blame, not as what only looked guilty"),
    ("red_herrings_not_causes", _append("contributing_factors", "- Two things looked odd but weren't the cause: "
                                        "the cache evictions and the autovacuum on order_events (E6)."),
     True, "paraphrase: a herring denied with a contraction"),
    ("red_herrings_not_causes", _append("contributing_factors", "- The autovacuum on order_events (E6) was harmless: "
                                        "it ran the same way the day before."),
     True, "paraphrase: a herring called harmless"),
    ("blameless", _append("summary", "The on-call followed the documented process; the gap was in the tooling."),
     True, "paraphrase: a sentence that defends the operator"),
    ("blameless", _append("summary", "The engineer who pushed v4.29.0 should have known better."),
     False, "false positive guard: a person blamed"),
    ("blameless", _append("contributing_factors", "Our on-call did what it said; the fault lies with the procedure "
                                                  "and with the service's retry behaviour."),
     True, "paraphrase: the operator defended, the fault put on the procedure and the design"),
    ("blameless", _append("contributing_factors", "The fault lies with the on-call engineer, who ignored the runbook."),
     False, "false positive guard: 'the fault lies with' a person"),
    ("blameless", _append("contributing_factors", "Support management will run a disciplinary review of the agents "
                                                  "who delayed the escalation."),
     False, "paraphrase: people to be disciplined, without the word 'blame'"),
    ("blameless", _append("contributing_factors", "Customers who built their own retry loops are running an "
                                                  "unsupported configuration."),
     False, "paraphrase: the customer blamed for an unsupported configuration"),
    ("blameless", _append("contributing_factors", "The restore took eight hours because the volume was "
                                                  "lazy-loaded at 12 MB/s."),
     True, "false positive: 'lazy-loaded' storage is not a lazy person"),
    ("blameless", _append("root_cause_chain", "The duplicates therefore originate entirely on the provider side."),
     False, "paraphrase: the failure put wholly on a vendor"),
    ("blameless", _append("root_cause_chain", "The provider's slowdown started it; our retries without an idempotency "
                                              "key turned it into duplicates, which is ours to fix."),
     True, "false positive: a provider named in the chain, with our part owned"),
    ("blameless", _append("contributing_factors", "The on-call was lazy and skipped the checks."),
     False, "false positive guard: a person called lazy"),
    ("blameless", _append("contributing_factors", "The review process itself gets a disciplined checklist: "
                                                  "who approves, who verifies."),
     True, "false positive: 'disciplined' about a process, not people"),
    ("blameless", _append("contributing_factors", "The on-call engineer acted hastily at 09:31 instead of "
                                                  "investigating; better judgement would have avoided the spike."),
     False, "paraphrase: a person's judgement blamed without the word 'blame'"),
    ("blameless", _append("contributing_factors", "The customer imported four million orders without notice, "
                                                  "outside normal usage."),
     False, "paraphrase: the customer blamed"),
    ("blameless", _append("contributing_factors", "Imports of that size ran without notice to us: nothing in "
                                                  "the product warns or throttles them."),
     True, "false positive: 'without notice' about what the system lacks"),
    ("owners_across_teams", ACTIONS_OWN_WORDS, True, "paraphrase: teams named in other words"),
    ("owners_across_teams", _actions(("Move the enrichment out of the transaction", "Dave", "2026-05-08"),
                                     ("Alert on cl_waiting", "Dave", "2026-05-09")),
     False, "false positive: every action on one person"),
    ("right_owners", ACTIONS_OWN_WORDS, True, "paraphrase: the owning team in other words"),
    ("right_owners", _actions(("Move the enrichment out of the transaction and make it asynchronous", "Support", "2026-05-08"),
                              ("Publish a KB article for 503s on /v2/orders", "Engineering", "2026-05-09")),
     False, "false positive: the right actions given to the wrong teams"),
    ("evidence_based", _set(), True, "paraphrase: evidence cited by id"),
    ("evidence_based", _set(root_cause_chain="It broke after the deploy. E1 E2 E3 E4 E5 E6 E7 all matter."),
     False, "false positive: every evidence id listed at once"),
    ("evidence_based", _append("contributing_factors", "- The autovacuum on order_events (E6) slowed the database."),
     False, "false positive: evidence cited around a red herring named as a cause"),
    ("evidence_based", _stuffed, False, "false positive: evidence ids among strung terms"),
    ("evidence_based", _set(root_cause_chain="Billing macros were out of date (E1, E2), so agents answered slowly.",
                            contributing_factors="Knowledge base search returns older articles first (E3)."),
     False, "false positive: evidence ids cited for a cause that is not this incident's"),
    ("evidence_based", _terse, True, "paraphrase: evidence ids in clipped notes"),
    ("impact_in_numbers", _set(), True, "paraphrase: duration and customers in the summary"),
    ("impact_in_numbers", _terse, True, "paraphrase: duration and customers in a clipped note"),
    ("impact_in_numbers", _stuffed, False, "false positive: the figures among strung terms"),
    ("impact_in_numbers", _set(summary="Orders failed for a while for many customers."), False,
     "false positive: impact without numbers"),
    ("closes_the_loop_with_support", ACTIONS_OWN_WORDS, True, "paraphrase: a help-centre article for Support"),
    ("closes_the_loop_with_support", _set(corrective_actions=[], prevention="Support was not involved."),
     False, "false positive: Support named only to say it was left out"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("check_id", "change", "passes", "why"), CASES, ids=[f"{c[0]}-{c[3][:34]}" for c in CASES]
)
def test_each_postmortem_check_reads_meaning(pool, strong, check_id, change, passes, why):
    check = _checks(pool, change(strong))[check_id]
    assert check.passed is passes, (why, check.explanation, check.quote)


def test_every_postmortem_check_has_a_paraphrase_and_a_false_positive_case(pool, strong):
    for check_id in _checks(pool, strong):
        assert {c[2] for c in CASES if c[0] == check_id} == {True, False}, check_id
