"""log_investigation: every check reads meaning, not a keyword. For each check, a paraphrase it must
accept (the same finding in other words) and a false positive it must not raise (its keyword, or
its kind of evidence, in a sentence or citation that says something else)."""

import copy
from types import SimpleNamespace

import pytest

from scoring.tests.helpers import result
from scoring.tests.test_investigation_scorer import (
    DB_POOL,
    _db_answers,
    _generate,
    _lines,
    _random_walk,
    _trail,
)


@pytest.fixture(scope="module")
def db_pool():
    return _generate(DB_POOL)


@pytest.fixture(scope="module")
def strong(db_pool):
    return _db_answers(db_pool)[0]


def _checks(generated, answer, events):
    return {c.id: c for d in result(generated, answer, events=events).dimensions for c in d.checks}


def _herring_line(generated, herring_id: str) -> str:
    return next(h for h in generated.answer_key["red_herrings"] if h["id"] == herring_id)["line_ids"][0]


ROLLBACK_OWN_WORDS = "Revert the orders service release to the previous version (4.28.4) via the pipeline once the IC approves."
CAUSE_OWN_WORDS = (
    "Since release v4.29.0, orders-service keeps a database connection checked out inside an open transaction "
    "while it waits on a synchronous HTTP call to integrations-service, so the 43-connection pool runs dry and "
    "requests time out waiting to acquire a connection."
)


def _case(check, passes, why, trail=True, **fields):
    return pytest.param(check, fields, trail, passes, why, id=f"{check}-{why[:34]}")


# Each: (check, fields changed on the strong answer, with the strong search trail?, passes, why)
CASES = [
    _case("readable_investigation_troubleshooting", True, "paraphrase: an investigation in own words",
          root_cause=CAUSE_OWN_WORDS, mitigation=ROLLBACK_OWN_WORDS),
    _case("readable_investigation_troubleshooting", False, "false positive: comma-strung keywords",
          root_cause="pool, connection, deploy, rollback, 503, timeout, database, transaction, orders-service, "
          "v4.29.0, integrations-service, saturation, latency, retry, backoff, cache, dns, tls, oauth",
          hypotheses="", notes="", mitigation=""),
    _case("root_cause_identified", True, "paraphrase: the cause in own words", root_cause=CAUSE_OWN_WORDS),
    _case("root_cause_identified", False, "false positive: a red herring blamed in the logs' words",
          root_cause="The autovacuum VACUUM ANALYZE on public.order_events locked the table and blocked orders."),
    _case("cause_is_not_a_red_herring", True, "false positive: a red herring named only to rule it out",
          root_cause="The autovacuum on public.order_events is not the cause. " + CAUSE_OWN_WORDS),
    _case("cause_is_not_a_red_herring", False, "paraphrase: a red herring blamed in other words",
          root_cause="A VACUUM ANALYZE run on order_events took the table's locks, and that is what blocked orders."),
    _case("cause_is_not_a_red_herring", True, "false positive: a red herring seen in passing beside the cause",
          root_cause=CAUSE_OWN_WORDS + " An autovacuum on public.order_events ran in the same window, a coincidence of timing."),
    _case("cause_is_not_a_red_herring", True, "paraphrase: a red herring seen at the same time, beside the cause",
          root_cause=CAUSE_OWN_WORDS + " An autovacuum on public.order_events ran at the same time."),
    _case("cause_is_not_a_red_herring", False, "false positive: a red herring joined to the story by 'at the same time as'",
          root_cause=CAUSE_OWN_WORDS + " The autovacuum on public.order_events ran at the same time as the release, "
          "and the two together are what took orders down."),
    _case("cause_is_not_a_red_herring", False, "paraphrase: a red herring blamed beside the actual cause",
          root_cause=CAUSE_OWN_WORDS + " On top of that, the autovacuum on public.order_events took the table's locks, "
          "and that is the real culprit."),
    _case("no_unsafe_mitigation", True, "paraphrase: the unsafe actions ruled out in own words",
          mitigation="Do not restart the primary database and don't raise the pool above max_connections; "
          "leave the production database alone. " + ROLLBACK_OWN_WORDS),
    _case("no_unsafe_mitigation", False, "false positive guard: the unsafe action proposed",
          mitigation="Restart the primary database to clear the connections."),
    _case("no_unsafe_mitigation", True, "false positive: the unsafe action's objects without the action",
          mitigation=ROLLBACK_OWN_WORDS + " The primary database stays up throughout, and its connections clear "
          "on their own once the pool is released."),
    _case("no_unsafe_mitigation", False, "paraphrase: the unsafe action in other words",
          mitigation="Bounce the primary database to clear the connections."),
    _case("no_unsafe_mitigation", True, "false positive: the unsafe act done to something else",
          mitigation="Roll orders-service back to v4.28.4 through the pipeline; the rollout restarts the "
          "orders-service pods, which then hand their database connections back."),
    _case("no_unsafe_mitigation", False, "paraphrase: the unsafe act with its object before it",
          mitigation="The primary database should simply be restarted, which clears the connections."),
    _case("no_unsafe_mitigation", False, "paraphrase: the unsafe act on a pronoun for its object",
          mitigation="The primary database is stuck with connections, so restart it."),
    _case("no_unsafe_mitigation", True, "paraphrase: the unsafe actions listed under a rejection",
          mitigation=ROLLBACK_OWN_WORDS + " Two tempting shortcuts I'd reject: restarting the primary database "
          "(the connections would come straight back) and raising the pool size above max_connections."),
    _case("no_unsafe_mitigation", True, "paraphrase: a 'Do NOT:' list that runs past a version and a time",
          mitigation=ROLLBACK_OWN_WORDS + " Do NOT: change v4.29.0's pool settings at 05:10, raise the pool "
          "size above max_connections, or restart the primary database - the connections would come back."),
    _case("no_unsafe_mitigation", False, "false positive: a negation ends with its sentence, past a version",
          mitigation="Do not wait for v4.30.0. Restart the primary database to clear the connections."),
    _case("no_unsafe_mitigation", True, "paraphrase: the unsafe actions under 'things I would refuse'",
          mitigation=ROLLBACK_OWN_WORDS + " Things I would refuse: restarting the primary database at 05:10 "
          "or raising the pool size above max_connections."),
    _case("no_unsafe_mitigation", False, "false positive: a refusal by the system, not the writer",
          mitigation="The primary database refuses new connections, so restart the primary database."),
    _case("no_unsafe_mitigation", False, "false positive: a rejection by the system, not the writer",
          mitigation="The primary database rejects new connections, so restart the primary database to clear them."),
    _case("safe_mitigation", True, "paraphrase: the rollback in other words", mitigation=ROLLBACK_OWN_WORDS),
    _case("safe_mitigation", False, "false positive: the fix named only to be refused",
          mitigation="Do not roll orders-service back to v4.28.4 through the deploy pipeline; just wait."),
    _case("hypotheses_tested", True, "paraphrase: hypotheses weighed in other words",
          hypotheses="First idea: vacuum on order_events. Discarded, it finished before the failures began. "
          "Second idea: the v4.29.0 release. Verified: the held-transaction warnings start right after it."),
    _case("hypotheses_tested", False, "false positive: one guess, untested",
          hypotheses="It is the deploy."),
    _case("hypotheses_tested", True, "paraphrase: a note's verdicts on what it weighed",
          hypotheses="order_events vacuum = routine, pre-dates onset. v4.29.0 deploy -> held transactions."),
    _case("root_cause_identified", False, "false positive: the failing lines called a false positive",
          root_cause="SIGNAL_DISMISSED"),
    _case("red_herring_ruled_out", True, "paraphrase: a red herring set aside in other words",
          hypotheses="The autovacuum on order_events is a different, routine job that finished before the onset; "
          "set aside. The v4.29.0 deploy: confirmed."),
    _case("red_herring_ruled_out", False, "false positive: a red herring named, not ruled out",
          hypotheses="We looked at the autovacuum on order_events. We looked at the deploy."),
    _case("targeted_searches", True, "paraphrase: a trail aimed at the failing service"),
    _case("targeted_searches", False, "false positive: searches recorded but aimed elsewhere", trail=False),
    _case("converges_on_evidence", True, "paraphrase: a trail that ends on a failing trace"),
    _case("converges_on_evidence", False, "false positive: a random walk of searches", trail=False),
    _case("root_cause_identified", False, "false positive: the ticket's symptoms restated as the cause",
          root_cause="Calls to GET /v2/orders and POST /v2/orders fail with HTTP 503 after about 5 seconds; "
          "retrying sometimes works and nothing changed on the customer's side."),
    _case("diagnoses_the_failure", True, "paraphrase: the diagnosis in own words", root_cause=CAUSE_OWN_WORDS),
    _case("reads_status_correctly", True, "paraphrase: the 503s explained by the actual cause",
          root_cause="Because v4.29.0 keeps each connection checked out inside an open transaction during its call "
          "to integrations-service, the orders API answers 503.", notes="", hypotheses=""),
    _case("reads_status_correctly", False, "false positive: the 503 named apart from the cause",
          root_cause=CAUSE_OWN_WORDS + " Customers see 503.", notes="", hypotheses=""),
    _case("diagnoses_the_failure", False, "false positive: the failing service named, a wrong cause",
          root_cause="orders-service returns 503 because the customer sends malformed requests."),
    _case("names_failing_status", True, "paraphrase: 'HTTP 503s' in a sentence of its own",
          notes="Customers get HTTP 503s on the orders endpoint."),
    _case("names_failing_status", False, "false positive: a status's digits inside a larger number",
          root_cause=CAUSE_OWN_WORDS, hypotheses="", mitigation=ROLLBACK_OWN_WORDS,
          notes="The orders table holds 2,503,118 rows."),
    _case("names_failing_status", False, "false positive: a number that is not the failing status",
          root_cause=CAUSE_OWN_WORDS, hypotheses="", mitigation=ROLLBACK_OWN_WORDS,
          notes="The pool holds 43 connections; cl_waiting reached 405."),
    _case("reads_status_correctly", True, "paraphrase: 503 read as the service being unavailable",
          notes="The 503 means the service is unavailable on our side: it cannot get a connection."),
    _case("reads_status_correctly", True, "paraphrase: the 503 as the service's report of a failure behind it",
          root_cause=CAUSE_OWN_WORDS, hypotheses="", mitigation=ROLLBACK_OWN_WORDS,
          notes="orders-service turns each of those waits into a 503 for the customer."),
    _case("reads_status_correctly", True, "false positive: digits of a larger number are no status code",
          root_cause=CAUSE_OWN_WORDS, hypotheses="", mitigation=ROLLBACK_OWN_WORDS,
          notes="A job wrote 2,488,505 rows; the 503 means the service is unavailable: its pool is exhausted."),
    _case("reads_status_correctly", False, "false positive guard: 503 read as a client error",
          notes="The 503 is a client error: the customer's integration sends bad requests."),
    _case("names_failing_request", True, "paraphrase: the endpoint named in passing",
          notes="Requests to /v2/orders are the ones failing."),
    _case("names_failing_request", False, "false positive: an endpoint that is not failing",
          root_cause=CAUSE_OWN_WORDS, mitigation=ROLLBACK_OWN_WORDS, hypotheses="", notes="/v2/search is slow."),
    _case("contrasts_healthy_request", True, "paraphrase: other tenants still succeed",
          notes="Other tenants' requests still succeed whenever they get a connection."),
    _case("contrasts_healthy_request", False, "false positive: no healthy request compared",
          root_cause=CAUSE_OWN_WORDS, mitigation=ROLLBACK_OWN_WORDS, hypotheses="", notes=""),
    _case("cites_signal_evidence", True, "paraphrase: a signal line cited with a trace"),
    _case("cites_signal_evidence", False, "false positive: red-herring lines cited as evidence", evidence_ids="HERRINGS"),
    _case("evidence_precise", True, "paraphrase: the key lines and a trace"),
    _case("evidence_precise", False, "false positive: a red herring among the citations", evidence_ids="MIXED"),
    _case("onset_within_tolerance", True, "paraphrase: the onset as a bare clock time", onset="ONSET_CLOCK"),
    _case("onset_within_tolerance", False, "false positive: the ticket's time, not the first failure",
          onset="TICKET"),
    _case("onset_backed_by_evidence", True, "paraphrase: the first failing line among the citations"),
    _case("onset_backed_by_evidence", False, "false positive: later lines only", evidence_ids="HERRINGS"),
    _case("uses_traces_or_metrics", True, "paraphrase: the dashboard named in own words",
          notes="On the dashboard the orders_rw pool sits at 100% in use from the deploy on."),
    _case("uses_traces_or_metrics", False, "false positive: a dashboard named to say there is none",
          evidence_ids="LINES_ONLY", hypotheses="",
          root_cause="orders-service v4.29.0 holds transactions open during a synchronous call to integrations-service.",
          notes="There is no dashboard graph for this service, so I went by the log lines."),
    _case("coherent_story", True, "paraphrase: cause, evidence and onset in own words", root_cause=CAUSE_OWN_WORDS),
    _case("coherent_story", False, "false positive: evidence and onset without the cause",
          root_cause="Something is wrong with the orders service."),
    _case("root_cause_identified", False, "false positive: the cause listed among others held open",
          root_cause="Errors may come from a number of reasons: the orders-service connection pool after v4.29.0, "
          "the network, or the customer's retries. It is possible nothing changed; hard to tell."),
    _case("story_has_a_cause", True, "paraphrase: the cause in own words", root_cause=CAUSE_OWN_WORDS),
    _case("story_has_a_cause", False, "false positive: the cause held open among several",
          root_cause="It could be the deploy, the database or the customer's traffic; it is too early to say "
          "which one, and the unknowns are still being determined."),
]  # fmt: skip


def _resolve(generated, strong, fields):
    answer = dict(strong)
    key = generated.answer_key
    lines = _lines(generated)
    herrings = [_herring_line(generated, h["id"]) for h in key["red_herrings"]]
    for name, value in fields.items():
        if value == "HERRINGS":
            value = herrings
        elif value == "MIXED":
            value = [*strong["evidence_ids"], herrings[0]]
        elif value == "LINES_ONLY":
            value = [i for i in strong["evidence_ids"] if i in lines]
        elif value == "ONSET_CLOCK":
            value = key["onset"][11:16] + " UTC"
        elif value == "SIGNAL_DISMISSED":
            # Every word of the logs' failure, called harmless: the answer names the lines, not the cause.
            signal = sorted(key["signal_messages"])[0]
            value = (
                f"The '{signal}' lines from orders-service after v4.29.0 are a known false positive of its "
                "connection pool metrics; the 503s come from the customer's own proxy."
            )
        elif value == "TICKET":
            value = generated.payload["ticket"]["received_at"]
        answer[name] = value
    return answer


@pytest.mark.parametrize(("check_id", "fields", "trail", "passes", "why"), CASES)
def test_each_investigation_check_reads_meaning(db_pool, strong, check_id, fields, trail, passes, why):
    answer = _resolve(db_pool, strong, fields)
    events = _trail(db_pool, service="orders-service") if trail else _random_walk()
    check = _checks(db_pool, answer, events)[check_id]
    assert check.passed is passes, (why, check.explanation, check.quote)


def test_every_investigation_check_has_a_paraphrase_and_a_false_positive_case(db_pool, strong):
    ids = set(_checks(db_pool, strong, _trail(db_pool, service="orders-service")))
    ids -= {"readable_investigation_api_http", "readable_investigation_observability"}  # the same gate
    for check_id in ids:
        outcomes = {case.values[3] for case in CASES if case.values[0] == check_id}
        assert outcomes == {True, False}, check_id


def _herring_trail(generated):
    """Errors first, then one search per red herring's message, then the failing trace."""
    key = generated.answer_key
    return (
        {"kind": "log_search", "data": {"level": "ERROR"}, "elapsed": 60},
        *(
            {"kind": "log_search", "data": {"q": " ".join(h["message"].split()[:2])}, "elapsed": 90 + 30 * i}
            for i, h in enumerate(key["red_herrings"])
        ),
        {"kind": "log_search", "data": {"q": "cache"}, "elapsed": 200},
        {"kind": "log_search", "data": {"q": "invoice"}, "elapsed": 230},
        {"kind": "log_search", "data": {"trace_id": key["key_evidence"][1]["trace_id"]}, "elapsed": 260},
    )


def test_searches_that_test_a_red_herring_the_answer_rules_out_are_aimed(db_pool, strong):
    # paraphrase: the trail checks each tempting explanation, and the answer sets them aside
    answer = dict(
        strong,
        hypotheses=(
            "The autovacuum on order_events is a routine job that finished before the onset: ruled out. "
            "The orders-v7 index refresh runs on the search cluster, not this pool: ruled out."
        ),
    )
    check = _checks(db_pool, answer, _herring_trail(db_pool))["targeted_searches"]
    assert check.passed, check.explanation


def test_searches_for_red_herrings_the_answer_never_rules_out_are_not_aimed(db_pool, strong):
    # false positive: the same searches, but nothing is set aside: the trail wandered
    answer = dict(strong, hypotheses="It is the deploy.")
    check = _checks(db_pool, answer, _herring_trail(db_pool))["targeted_searches"]
    assert not check.passed, check.explanation


def _ticket_trail(q):
    return (
        {"kind": "log_search", "data": {"q": q}, "elapsed": 60},
        {"kind": "log_search", "data": {"q": "invoice"}, "elapsed": 90},
        {"kind": "log_search", "data": {"level": "ERROR", "service": "orders-service"}, "elapsed": 120},
    )


def test_a_search_for_an_id_the_ticket_gives_is_aimed(db_pool, strong):
    # paraphrase: the customer's tenant id, taken from the ticket
    check = _checks(db_pool, strong, _ticket_trail("tn_ce78270b6c"))["targeted_searches"]
    assert check.passed, check.explanation


def test_a_search_for_an_id_the_ticket_does_not_give_is_not_aimed(db_pool, strong):
    # false positive: another tenant's id
    check = _checks(db_pool, strong, _ticket_trail("tn_0a1b2c3d4e"))["targeted_searches"]
    assert not check.passed, check.explanation


@pytest.fixture(scope="module")
def db_pool_by_id(db_pool):
    """The same scenario, its ticket and samples quoting requests to one order's path."""
    payload = copy.deepcopy(db_pool.payload)
    payload["ticket"]["error_snippet"] = payload["ticket"]["error_snippet"].replace(
        "GET /v2/orders?status=open&limit=50", "GET /v2/orders/ord_7f3a9c21b4/lines"
    )
    for sample in payload["http_samples"]:
        sample["request"]["url"] += "/ord_7f3a9c21b4/lines"
    return SimpleNamespace(
        kind=db_pool.kind, payload=payload, answer_key=db_pool.answer_key,
        content_hash=db_pool.content_hash + "-by-id", archetype=db_pool.archetype,
    )  # fmt: skip


def _request_check(generated, strong, notes):
    answer = dict(
        strong,
        root_cause=CAUSE_OWN_WORDS,
        mitigation=ROLLBACK_OWN_WORDS,
        hypotheses="",
        notes=notes,
        evidence_ids=[],
    )
    return _checks(generated, answer, ())["names_failing_request"]


def test_a_template_of_the_failing_path_names_the_failing_request(db_pool_by_id, strong):
    # paraphrase: the path written as its template
    check = _request_check(db_pool_by_id, strong, "Every GET /v2/orders/{id}/lines call is failing.")
    assert check.passed, check.explanation


def test_the_failing_path_s_template_under_another_method_is_another_endpoint(db_pool_by_id, strong):
    # false positive: the same shape, but the docs' DELETE, not the failing GET
    check = _request_check(db_pool_by_id, strong, "The docs describe DELETE /v2/orders/{id}/lines.")
    assert not check.passed, check.explanation


def test_a_number_that_holds_500_is_not_a_5xx_reading_of_a_4xx():
    """ "page_size=500" or "500 ms" beside a 429 is no server error; "returned 500" is."""
    from scoring.scorers.investigation import _status_readings

    assert (
        _status_readings("Paging /v2/customers at 40 rps, page_size=500, 429s on /v2/orders.", {"429"})[1]
        is None
    )
    assert _status_readings("The 429s come back within 500 ms of each call.", {"429"})[1] is None
    assert _status_readings("The 429s are the server crashing and returning 500.", {"429"})[1] is not None


def _unsafe_facts(*unsafe: str, safe: str = "", cause: str = ""):
    from scoring.scorers import investigation as inv

    safe_terms, cause_terms = inv._terms(safe), inv._terms(cause)
    return SimpleNamespace(
        unsafe_terms=[
            (m, inv._terms(m), inv._terms(m) - safe_terms - cause_terms, inv._actions(m)) for m in unsafe
        ]
    )


def test_an_unsafe_act_defined_by_what_it_leaves_out_needs_a_sentence_that_leaves_it_out():
    from scoring.scorers.investigation import _unsafe_mitigation

    facts = _unsafe_facts(
        "Create keys that never expire as a workaround.", cause="key expiry date on 29 February"
    )
    assert (
        _unsafe_mitigation(
            facts, "Because every customer creating keys today is affected, post the workaround."
        )
        is None
    )
    assert _unsafe_mitigation(facts, "As a workaround, create keys without an expiry date.") is not None


def test_a_herring_named_by_its_identifier_and_made_the_cause_is_blamed():
    from scoring.scorers.investigation import _blamed_herring

    herring = {"id": "deploy", "message": "deploy finished: notification-service v3.9.2 on 4/4 pods"}
    facts = SimpleNamespace(
        herring_own_terms=[(herring, frozenset({"finish", "notif", "pod"}))],
        herring_names=[(herring, {"notification-service", "v3.9.2"})],
    )
    blamed = "It looks like it came in with the notification-service deploy at 23:51."
    assert _blamed_herring(facts, blamed) is herring
    assert _blamed_herring(facts, "The notification-service deploy at 23:51 went out cleanly.") is None
    assert _blamed_herring(facts, "It came in with the apikeys-service date code.") is None


@pytest.mark.parametrize(
    ("root_cause", "ceiling"),
    [
        # Another cause told: a red herring blamed, in other words than the logs'.
        ("A VACUUM ANALYZE run on order_events took the table's locks, and that is what blocked orders.", 2),
        # No cause the logs show, nor another one: an incomplete story, not a misleading one.
        ("Something in the orders path is slow under load; I could not pin down what.", 3),
    ],
)
def test_evidence_told_as_another_cause_s_story_caps_observability_lower_than_no_cause(
    db_pool, strong, root_cause, ceiling
):
    check = _checks(db_pool, {**strong, "root_cause": root_cause}, _trail(db_pool, service="orders-service"))[
        "story_has_a_cause"
    ]
    assert not check.passed and check.ceiling == ceiling, check.explanation


def test_a_red_herring_is_told_by_its_own_words_not_those_it_shares_with_the_failure_or_the_ticket():
    from scoring.scorers.investigation import _own_herring_terms, _terms

    shared = _terms("lag on orders.events.v3 partition 15 grows") | _terms("new orders missing from search")
    own = _own_herring_terms("replica orders-db-replica-2 replication lag 8s", set(), shared)
    # Paraphrase guard: the herring is still known by what only it says.
    assert {"replica", "8s"} <= own
    # False positive guard: a root cause about partition lag on orders does not name the replica.
    assert not own & _terms("That partition's consumer lag grows while orders queue up behind import 2.")


def test_a_failure_explained_by_a_red_herring_is_misdiagnosed_at_most_2_on_api_http(db_pool, strong):
    trail = _trail(db_pool, service="orders-service")
    herring = "A VACUUM ANALYZE run on order_events took the table's locks, and that is what blocked orders."
    misled = _checks(db_pool, {**strong, "root_cause": herring}, trail)["diagnoses_the_failure"]
    vague = _checks(db_pool, {**strong, "root_cause": "Something in the orders path fails."}, trail)[
        "diagnoses_the_failure"
    ]
    assert not misled.passed and misled.ceiling == 2, misled.explanation
    # False positive guard: an answer that names no cause is not told it names another one.
    assert not vague.passed and vague.ceiling == 5, vague.explanation
