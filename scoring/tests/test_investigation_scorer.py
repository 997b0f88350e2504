import re
from datetime import datetime, timedelta, timezone

import pytest

from scenarios.models import view_payload_of
from scoring.context import build_context
from scoring.scorers import score_item
from scoring.tests.helpers import GIBBERISH, KEYWORD_SOUP, OFF_TOPIC, result, scenario, scenario_text, scores

DIMENSIONS = ("troubleshooting", "api_http", "observability")
OAUTH = "oauth_client_secret_expired"
DB_POOL = "db_pool_exhaustion_after_deploy"


def _generate(archetype):
    return scenario("log_investigation", archetype, log_lines=2000)


@pytest.fixture(scope="module")
def oauth():
    return _generate(OAUTH)


@pytest.fixture(scope="module")
def db_pool():
    return _generate(DB_POOL)


def _lines(generated):
    return {line["id"]: line for line in generated.payload["logs"]}


def _key_lines(generated):
    return [e["line_id"] for e in generated.answer_key["key_evidence"]]


def _failing_trace(generated):
    return generated.payload["traces"][0]["trace_id"]


def _clock(ts):
    return ts[11:16]


def _search(elapsed, **filters):
    return {"kind": "log_search", "data": filters, "elapsed": elapsed}


def _trail(generated, *, service):
    """A candidate who filters to errors, then the failing service and message, then one trace."""
    key = generated.answer_key
    message = key["signal_messages"][0]
    words = re.findall(r"[a-z_]{6,}", message)
    return (
        {"kind": "item_opened", "data": {}, "elapsed": 5},
        {"kind": "ticket_viewed", "data": {"ticket_id": generated.payload["ticket"]["id"]}, "elapsed": 20},
        _search(60, level="ERROR"),
        _search(140, level="ERROR,WARN", service=service),
        _search(220, q=words[0], service=service),
        {"kind": "trace_opened", "data": {"trace_id": _failing_trace(generated)}, "elapsed": 300},
        _search(330, trace_id=key["key_evidence"][1]["trace_id"]),
    )


def _random_walk(elapsed=60):
    return tuple(
        _search(elapsed + 30 * i, **filters)
        for i, filters in enumerate(
            [{"q": "invoice"}, {"service": "reports-service"}, {"q": "cache"}, {"service": "search-service"}]
        )
    )


# --- oauth_client_secret_expired -------------------------------------------------------------


def _oauth_answers(generated):
    key, payload = generated.answer_key, generated.payload
    client = re.search(r"ci_[0-9a-f]+", key["root_cause"]).group(0)
    onset = key["onset"]
    keys = _key_lines(generated)
    trace = _failing_trace(generated)
    healthy = payload["http_samples"][1]
    herrings = {h["id"]: h for h in key["red_herrings"]}
    tls_lines = herrings["gateway_tls_renewal"]["line_ids"]
    strong = {
        "root_cause": (
            f"The customer's OAuth client secret for {client} expired at {_clock(onset)} UTC, so every "
            "client_credentials token exchange is rejected with invalid_client (HTTP 401 on /oauth/token). "
            "Without a valid bearer token the gateway then denies their API calls with 401 as well."
        ),
        "evidence_ids": [*keys, trace],
        "onset": onset,
        "mitigation": (
            "Guide the customer to rotate the client secret in the admin console and update it in their "
            "integration. Then confirm the new secret works with a single token request before they resume "
            "the nightly sync. We should not extend the expired secret on our side."
        ),
        "hypotheses": (
            "1) A platform-wide auth outage: ruled out, other tenants still get tokens and a healthy request "
            f"({healthy['request_id']}) returned {healthy['response']['status']}. "
            "2) The edge TLS certificate renewal: ruled out, the listener reload completed before the onset and "
            "other clients authenticate fine. "
            f"3) An expired client secret: confirmed by the expiry warning at {_clock(onset)} and the "
            "invalid_client rejections that follow it."
        ),
        "notes": (
            f"The dashboard shows the auth-service error rate jumping from 0.3% to about 14% at {_clock(onset)} "
            f"while latency stays flat. Trace {trace} shows client_credentials.verify failing with "
            "'invalid_client: secret expired'. HTTP 401 means authentication failed: the credentials are "
            "rejected, it is not a server error."
        ),
    }
    later = next(i for i in keys if _lines(generated)[i]["ts"] > onset[:15] + "9")
    middling = {
        "root_cause": "Looks like the client secret expired for this customer, so their sync stopped working.",
        "evidence_ids": [later, tls_lines[0]],
        "onset": payload["ticket"]["received_at"],
        "mitigation": "Ask the customer to check their credentials and try again.",
        "hypotheses": "Probably the secret, maybe the TLS change.",
        "notes": "The dashboard shows more errors. Their sync gets 401 errors on every call.",
    }
    weak = {
        "root_cause": (
            "The TLS certificate on the edge listener was renewed and the reload broke the API, so the servers "
            "are down and return 401 errors."
        ),
        "evidence_ids": tls_lines[:3],
        "onset": _lines(generated)[tls_lines[0]]["ts"],
        "mitigation": "Restart the api-gateway pods and run the TLS reload again.",
        "hypotheses": "",
        "notes": "",
    }
    return strong, middling, weak


def test_oauth_strong_middling_and_weak_investigations_score_in_that_order(oauth):
    strong, middling, weak = _oauth_answers(oauth)
    s = scores(oauth, strong, events=_trail(oauth, service="auth-service"))
    m = scores(oauth, middling, events=_trail(oauth, service="auth-service")[:4] + _random_walk(200)[:2])
    w = scores(oauth, weak, events=_random_walk())

    assert s == {"troubleshooting": 5, "api_http": 5, "observability": 5}
    assert m == {"troubleshooting": 3, "api_http": 3, "observability": 3}
    assert all(w[d] <= 2 for d in DIMENSIONS)
    assert all(s[d] - m[d] >= 1 and m[d] - w[d] >= 1 for d in DIMENSIONS)
    assert any(s[d] - w[d] >= 2 for d in DIMENSIONS)


def test_oauth_strong_investigation_is_explained_check_by_check_with_quotes(oauth):
    strong, _, _ = _oauth_answers(oauth)
    checks = _checks(oauth, strong, events=_trail(oauth, service="auth-service"))
    assert all(c.passed for c in checks.values()), [c.id for c in checks.values() if not c.passed]
    assert "invalid_client" in checks["root_cause_identified"].quote
    assert "rotate the client secret" in checks["safe_mitigation"].quote
    assert "invalid_client (HTTP 401" in checks["reads_status_correctly"].quote
    assert "TLS certificate renewal" in checks["red_herring_ruled_out"].quote
    assert checks["onset_backed_by_evidence"].explanation.startswith("Cites the first failing line, L")
    assert "trace" in checks["uses_traces_or_metrics"].explanation
    assert "trace_id=" in checks["converges_on_evidence"].quote


def test_blaming_the_red_herring_and_misreading_401_are_explained(oauth):
    _, _, weak = _oauth_answers(oauth)
    checks = _checks(oauth, weak, events=_random_walk())
    cause = checks["root_cause_identified"]
    assert not cause.passed and "red herring" in cause.explanation and "TLS certificate" in cause.quote
    misread = checks["reads_status_correctly"]
    assert not misread.passed and misread.explanation == "Misreads HTTP 401: it means authentication failed."
    assert "servers are down" in misread.quote
    assert (
        not checks["cites_signal_evidence"].passed
        and "red herrings" in checks["cites_signal_evidence"].explanation
    )
    assert (
        not checks["targeted_searches"].passed
        and "looked elsewhere" in checks["targeted_searches"].explanation
    )


def test_an_unsafe_mitigation_sinks_troubleshooting(oauth):
    strong, _, _ = _oauth_answers(oauth)
    risky = {
        **strong,
        "mitigation": "Extend the expired secret directly in the database so the sync resumes.",
    }
    checks = _checks(oauth, risky, events=_trail(oauth, service="auth-service"))
    assert (
        not checks["no_unsafe_mitigation"].passed
        and "Extend the expired secret" in checks["no_unsafe_mitigation"].quote
    )
    assert scores(oauth, risky, events=_trail(oauth, service="auth-service"))["troubleshooting"] == 1


def test_a_negated_unsafe_action_is_not_held_against_the_answer(oauth):
    strong, _, _ = _oauth_answers(oauth)
    careful = {
        **strong,
        "mitigation": strong["mitigation"] + " Do not ask them to send the new secret in the ticket.",
    }
    assert _checks(oauth, careful)["no_unsafe_mitigation"].passed


@pytest.mark.parametrize(
    "shift, render, passed",
    [
        (0, "iso", True),
        (0, "offset", True),
        (0, "clock", True),
        (90, "iso", True),
        (15 * 60, "clock", False),
        (0, "words", False),
    ],
)
def test_the_onset_is_read_in_iso_with_an_offset_or_as_a_clock_time(oauth, shift, render, passed):
    strong, _, _ = _oauth_answers(oauth)
    moment = datetime.fromisoformat(oauth.answer_key["onset"].replace("Z", "+00:00")) + timedelta(
        seconds=shift
    )
    value = {
        "iso": moment.isoformat(),
        "offset": moment.astimezone(timezone(timedelta(hours=10))).isoformat(timespec="seconds"),
        "clock": moment.strftime("%H:%M UTC"),
        "words": "soon after lunch",
    }[render]
    assert _checks(oauth, {**strong, "onset": value})["onset_within_tolerance"].passed is passed


def test_citing_every_line_id_is_hedging_and_earns_no_evidence_credit(oauth):
    strong, _, _ = _oauth_answers(oauth)
    every = list(dict.fromkeys(_key_lines(oauth) + [line["id"] for line in oauth.payload["logs"][:45]]))
    checks = _checks(oauth, {**strong, "evidence_ids": every})
    assert (
        not checks["cites_signal_evidence"].passed
        and "hedging" in checks["cites_signal_evidence"].explanation
    )
    assert not checks["evidence_precise"].passed
    assert not checks["onset_backed_by_evidence"].passed
    vague = {"root_cause": "Something is off with the customer's API calls; we should look into it further.",
             "evidence_ids": every}  # fmt: skip
    assert scores(oauth, vague)["observability"] == 1


def test_made_up_ids_count_against_the_evidence(oauth):
    strong, _, _ = _oauth_answers(oauth)
    checks = _checks(oauth, {**strong, "evidence_ids": [*_key_lines(oauth), "L999999", "f" * 32]})
    assert checks["cites_signal_evidence"].passed
    assert not checks["evidence_precise"].passed and "L999999" in checks["evidence_precise"].explanation


def test_events_without_a_search_leave_the_trail_not_assessed(oauth):
    strong, _, _ = _oauth_answers(oauth)
    checks = _checks(oauth, strong, events=[{"kind": "item_opened", "data": {}, "elapsed": 1.0}])
    assert not checks["targeted_searches"].assessed and not checks["converges_on_evidence"].assessed
    assert "No log searches" in checks["targeted_searches"].explanation


def test_without_recorded_events_the_trail_is_not_assessed_and_does_not_cost_the_score(oauth):
    strong, _, _ = _oauth_answers(oauth)
    checks = _checks(oauth, strong)
    assert not checks["targeted_searches"].assessed and not checks["converges_on_evidence"].assessed
    assert "not assessed" in checks["targeted_searches"].explanation
    assert scores(oauth, strong)["troubleshooting"] == 5


def test_scoring_from_the_view_payload_matches_scoring_offline(oauth):
    strong, _, _ = _oauth_answers(oauth)
    events = _trail(oauth, service="auth-service")
    lines = _lines(oauth)
    ctx = build_context(
        kind=oauth.kind,
        payload=view_payload_of(oauth.payload),
        answer_key=oauth.answer_key,
        answer=strong,
        content_hash="",
        archetype=oauth.archetype,
        events=events,
        cited_lines={i: lines[i] for i in strong["evidence_ids"] if i in lines},
        log_messages=sorted({line["message"] for line in oauth.payload["logs"]}),
    )
    assert score_item(ctx).as_dict() == result(oauth, strong, events=events).as_dict()


# --- db_pool_exhaustion_after_deploy ---------------------------------------------------------


def _db_answers(generated):
    key, payload = generated.answer_key, generated.payload
    onset = key["onset"]
    keys = _key_lines(generated)
    lines = _lines(generated)
    trace = _failing_trace(generated)
    deploy = payload["dashboard"]["events"][0]
    healthy = payload["http_samples"][1]
    herrings = {h["id"]: h for h in key["red_herrings"]}
    strong = {
        "root_cause": (
            "orders-service v4.29.0 holds a DB connection open inside a transaction while it makes a "
            "synchronous HTTP call to integrations-service, so the 43-connection orders_rw pool is exhausted and "
            "requests time out acquiring a connection; the gateway turns that into 503s on /v2/orders."
        ),
        "evidence_ids": [*keys, trace],
        "onset": onset,
        "mitigation": (
            "Roll orders-service back to v4.28.4 through the normal deploy pipeline, with the incident "
            "commander's approval. Afterwards watch pool utilisation, cl_waiting and the 5xx rate for 15 minutes "
            "before we call it recovered."
        ),
        "hypotheses": (
            "1) Autovacuum locking the orders tables: ruled out, it is a routine VACUUM ANALYZE on "
            "public.order_events that finished before the onset, and the database CPU is normal. "
            "2) Slow search index refresh: unrelated, search runs on its own cluster. "
            f"3) The {_clock(deploy['ts'])} deploy of v4.29.0: confirmed, the 'transaction held open while "
            "awaiting integrations-service' warnings start right after it and the pool saturates."
        ),
        "notes": (
            f"The dashboard shows the orders_rw pool in use at 100% and the error rate climbing right after the "
            f"deploy at {_clock(deploy['ts'])}. Trace {trace} shows pool.acquire orders_rw timing out after "
            "3000ms. HTTP 503 here means the service is unavailable on our side: orders-service cannot get a "
            "connection, it is not a client problem. The healthy sample "
            f"{healthy['request_id']} on the same path returned {healthy['response']['status']} in "
            f"{healthy['response']['latency_ms']}ms, so the endpoint works whenever it gets a connection."
        ),
    }
    later = next(i for i in keys[2:] if lines[i]["message"].startswith("could not acquire"))
    middling = {
        "root_cause": "The database connection pool for orders is exhausted since the deploy, so requests time out.",
        "evidence_ids": [later, herrings["search_refresh_slow"]["line_ids"][0]],
        "onset": payload["ticket"]["received_at"],
        "mitigation": "Increase the connection pool size and keep an eye on it.",
        "hypotheses": "Maybe the database is slow or it is the deploy.",
        "notes": "Customers get 503 errors on GET /v2/orders. The dashboard is red.",
    }
    weak = {
        "root_cause": (
            "The autovacuum (VACUUM ANALYZE) on the database locked the orders table, so the API returns 503 "
            "because the customer sends bad requests."
        ),
        "evidence_ids": herrings["db_autovacuum"]["line_ids"][:2],
        "onset": lines[herrings["db_autovacuum"]["line_ids"][0]]["ts"],
        "mitigation": "Restart the primary database to clear the locks and the connections.",
        "hypotheses": "",
        "notes": "",
    }
    return strong, middling, weak


def test_db_pool_strong_middling_and_weak_investigations_score_in_that_order(db_pool):
    strong, middling, weak = _db_answers(db_pool)
    s = scores(db_pool, strong, events=_trail(db_pool, service="orders-service"))
    m = scores(
        db_pool, middling, events=_trail(db_pool, service="orders-service")[:4] + _random_walk(200)[:2]
    )
    w = scores(db_pool, weak, events=_random_walk())

    assert s == {"troubleshooting": 5, "api_http": 5, "observability": 5}
    assert all(2 <= m[d] <= 3 for d in DIMENSIONS) and m["troubleshooting"] == 3
    assert all(w[d] <= 2 for d in DIMENSIONS)
    assert w["troubleshooting"] == 1
    assert all(s[d] - m[d] >= 1 and m[d] - w[d] >= 1 for d in DIMENSIONS)
    assert any(s[d] - w[d] >= 2 for d in DIMENSIONS)


def test_db_pool_weak_answer_restarting_the_primary_fails_hard_and_misreads_503(db_pool):
    _, _, weak = _db_answers(db_pool)
    checks = _checks(db_pool, weak, events=_random_walk())
    assert (
        not checks["no_unsafe_mitigation"].passed
        and "Restart the primary" in checks["no_unsafe_mitigation"].quote
    )
    assert (
        not checks["reads_status_correctly"].passed and "503" in checks["reads_status_correctly"].explanation
    )
    assert "autovacuum" in checks["root_cause_identified"].explanation.lower()


def test_db_pool_strong_answer_reads_the_deploy_trace_and_dashboard(db_pool):
    strong, _, _ = _db_answers(db_pool)
    checks = _checks(db_pool, strong, events=_trail(db_pool, service="orders-service"))
    assert all(c.passed for c in checks.values()), [c.id for c in checks.values() if not c.passed]
    assert "Roll orders-service back to v4.28.4" in checks["safe_mitigation"].quote
    assert "503" in checks["reads_status_correctly"].quote
    assert "Autovacuum" in checks["red_herring_ruled_out"].quote


# --- gaming, determinism, speed --------------------------------------------------------------


@pytest.mark.parametrize("archetype", [OAUTH, DB_POOL])
@pytest.mark.parametrize(
    "gaming",
    ["", GIBBERISH, "PASTE", KEYWORD_SOUP, OFF_TOPIC],
    ids=["empty", "gibberish", "pasted-scenario", "keyword-stuffed", "off-topic"],
)
def test_gaming_answers_score_at_the_bottom(archetype, gaming, oauth, db_pool):
    generated = oauth if archetype == OAUTH else db_pool
    text = scenario_text(generated) if gaming == "PASTE" else gaming
    # Even with the right ids and onset attached, text that makes no case earns nothing.
    answer = {
        "root_cause": text,
        "mitigation": text,
        "evidence_ids": _key_lines(generated),
        "onset": generated.answer_key["onset"],
    }
    assert scores(generated, answer, events=_trail(generated, service="api-gateway")) == dict.fromkeys(
        DIMENSIONS, 1
    )


def test_an_empty_answer_scores_at_the_bottom(oauth):
    assert scores(oauth, {}) == dict.fromkeys(DIMENSIONS, 1)


def test_scoring_the_same_answer_twice_gives_the_same_result(oauth):
    strong, _, _ = _oauth_answers(oauth)
    events = _trail(oauth, service="auth-service")
    assert result(oauth, strong, events=events).as_dict() == result(oauth, strong, events=events).as_dict()


def _checks(generated, answer, *, events=()):
    return {c.id: c for d in result(generated, answer, events=events).dimensions for c in d.checks}


def test_a_malformed_answer_is_scored_without_crashing(oauth):
    odd = {"root_cause": ["not", "a", "string"], "evidence_ids": "L000001", "onset": 1234, "mitigation": None}
    assert scores(oauth, odd) == dict.fromkeys(DIMENSIONS, 1)


# --- reading notes and hand-written trails ---------------------------------------------------


def test_words_joined_by_a_slash_are_read_apart_but_a_path_stays_whole():
    from scoring.scorers.investigation import _words

    assert {"counts", "rate", "raise", "remove"} <= set(
        _words("Send 429 counts/rate; don't raise/remove the limit")
    )
    # A path or a versioned name is one thing, not two words.
    assert "v2/orders" in _words("GET v2/orders fails")


def test_a_404_read_as_a_row_that_cannot_be_found_is_a_correct_reading():
    from scoring.scorers.investigation import _status_readings

    correct, misread = _status_readings(
        "Lookups that land on the lagging replica can't find orders created moments before (hence the 404s).",
        {"404"},
    )
    assert correct and correct[0] == "404" and misread is None
    # The same code read as a server crash is still a misreading.
    correct, misread = _status_readings("The 404s mean the server crashed.", {"404"})
    assert misread and misread[0] == "404" and correct is None


def test_a_hand_written_trail_may_call_the_free_text_query(db_pool):
    answer = _db_answers(db_pool)[0]
    as_q = _trail(db_pool, service="orders-service")
    as_query = tuple(
        {**e, "data": {("query" if k == "q" else k): v for k, v in e["data"].items()}} for e in as_q
    )

    def trail_checks(events):
        checks = {c.id: c for d in result(db_pool, answer, events=events).dimensions for c in d.checks}
        return checks["targeted_searches"], checks["converges_on_evidence"]

    assert (
        [c.passed for c in trail_checks(as_query)] == [c.passed for c in trail_checks(as_q)] == [True, True]
    )
    # A "query" aimed elsewhere is still a search aimed elsewhere.
    elsewhere = tuple(
        {**e, "data": {("query" if k == "q" else k): v for k, v in e["data"].items()}} for e in _random_walk()
    )
    assert not any(c.passed for c in trail_checks(elsewhere))


def test_searches_with_no_filter_that_can_be_read_leave_the_trail_not_assessed(db_pool):
    answer = _db_answers(db_pool)[0]
    unreadable = ({"kind": "log_search", "data": {"text_typed": "pool"}, "elapsed": 40},)

    checks = {c.id: c for d in result(db_pool, answer, events=unreadable).dimensions for c in d.checks}

    assert not checks["targeted_searches"].assessed and not checks["converges_on_evidence"].assessed
