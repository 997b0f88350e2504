"""What senior engineers found reading generated log investigations and postmortems blind, each fixed in
general: where herrings begin, when lines arrive, pods across deploys, a queue's lag and age, the
dashboard's latency, key evidence that says what each line shows, keys that rest on what is shown, and
postmortem records whose moments, detection and factors fit their evidence. Each rule the linter keeps
is refused here when broken, at the path of the broken part."""

import copy
import re
from collections import Counter
from datetime import timedelta

import pytest

from scenarios.catalog import archetype_ids, get_archetype
from scenarios.consistency import lint, when
from scenarios.generation import generate

from .test_consistency import _assert_path, _refused

LOG_ARCHETYPES = [a for a in archetype_ids() if "log_investigation" in get_archetype(a)["kinds"]]
POSTMORTEM_ARCHETYPES = [a for a in archetype_ids() if "postmortem" in get_archetype(a)["kinds"]]


def _only(name: str, scenario) -> list:
    return lint(scenario.payload["kind"], scenario.payload, scenario.answer_key, only=frozenset({name}))


@pytest.fixture(scope="module")
def deployed():
    """A log whose trigger is a deploy "on N/N pods", with another service's deploy beside it."""
    return {
        "log_investigation": generate(
            "log_investigation", "db_pool_exhaustion_after_deploy", 0, "hard", log_lines=6000
        )
    }


@pytest.fixture(scope="module")
def kafka():
    return {
        "log_investigation": generate("log_investigation", "kafka_consumer_lag", 4, "medium", log_lines=3000)
    }


@pytest.fixture(scope="module")
def postmortem():
    return {"postmortem": generate("postmortem", "memory_leak_oom_restarts", 1, "medium")}


# --- 1. red herrings: drawn, and not at the window's edge -----------------------------------------


def test_red_herrings_begin_after_the_first_minutes_of_the_export_at_a_drawn_moment():
    offsets = []
    for seed in range(40):
        archetype = LOG_ARCHETYPES[seed % len(LOG_ARCHETYPES)]
        scenario = generate("log_investigation", archetype, seed, "hard", log_lines=400)
        start = when(scenario.payload["window"]["start"])
        by_id = {line["id"]: line for line in scenario.payload["logs"]}
        for herring in scenario.answer_key["red_herrings"]:
            first = when(by_id[herring["line_ids"][0]]["ts"])
            offsets.append((first - start).total_seconds() / 60)
    assert min(offsets) >= 5, sorted(offsets)[:5]
    assert len({round(o) for o in offsets}) >= 20  # drawn per seed, not one place


# --- 2. times: lines arrive at random moments, postmortem moments on their own seconds ------------


@pytest.mark.parametrize("archetype", LOG_ARCHETYPES[:5])
def test_log_lines_arrive_at_random_moments_not_one_per_slot(archetype):
    logs = generate("log_investigation", archetype, 3, "medium", log_lines=3000).document["logs"]
    gaps = [b - a for a, b in zip(logs.ms, logs.ms[1:], strict=False)]
    mean = sum(gaps) / len(gaps)
    variation = (sum((g - mean) ** 2 for g in gaps) / len(gaps)) ** 0.5 / mean
    assert variation > 0.8, variation
    # Milliseconds into the second spread over the whole second.
    assert len(Counter(t % 1000 // 100 for t in logs.ms)) == 10


def test_evenly_spaced_log_lines_are_refused(kafka):
    def mutate(payload, key):
        logs = payload["logs"]
        start = when(logs[0]["ts"])
        for n, line in enumerate(logs):
            line["ts"] = f"{(start.timestamp() + n * 2.4):.3f}"
            moment = start.fromtimestamp(float(line["ts"]), tz=start.tzinfo)
            line["ts"] = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    problems = _refused(kafka, "log_investigation", mutate)
    _assert_path(problems, "payload.logs", "near-even intervals")


def test_postmortem_moments_fall_on_their_own_seconds():
    for seed in range(10):
        incident = generate("postmortem", POSTMORTEM_ARCHETYPES[seed % 5], seed, "medium").payload["incident"]
        seconds = {
            when(incident[f]).second for f in ("started_at", "detected_at", "mitigated_at", "resolved_at")
        }
        assert len(seconds) > 1, incident


def test_a_postmortem_counted_in_whole_minutes_from_the_onset_is_refused(postmortem):
    def mutate(payload, key):
        incident = payload["incident"]
        second = incident["started_at"][17:19]
        for field in ("detected_at", "mitigated_at", "resolved_at"):
            incident[field] = incident[field][:17] + second + "Z"
        second = "07" if second == "00" else second
        for field in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
            incident[field] = incident[field][:17] + second + "Z"
        for entry in payload["timeline"]:
            entry["at"] = entry["at"][:17] + second + "Z"

    _assert_path(_refused(postmortem, "postmortem", mutate), "payload.incident.resolved_at", "same second")


# --- 3. infrastructure: pods and deploys ----------------------------------------------------------


def _deploy_lines(logs):
    return [
        (n, m.group(1), int(m.group(2)))
        for n, line in enumerate(logs)
        if (m := re.match(r"deploy finished: (\S+) \S+ on \d+/(\d+) pods", line["message"]))
    ]


def test_a_deploy_rolls_its_service_onto_as_many_new_pods_as_it_states(deployed):
    logs = deployed["log_investigation"].payload["logs"]
    deploys = _deploy_lines(logs)
    assert deploys
    for n, service, count in deploys:
        pod = re.compile(rf"^{re.escape(service)}-[0-9a-f]{{6}}-[a-z0-9]{{5}}$")
        before = {line["host"] for line in logs[:n] if line["service"] == service and pod.match(line["host"])}
        after = {
            line["host"] for line in logs[n + 1 :] if line["service"] == service and pod.match(line["host"])
        }
        assert before and after and not before & after, (service, before, after)
        assert len(after) == count, (service, count, after)
        assert len({h.rsplit("-", 1)[0] for h in after}) == 1  # one ReplicaSet


def test_a_pod_that_served_before_a_deploy_logging_after_it_is_refused(deployed):
    logs = deployed["log_investigation"].payload["logs"]
    n, service, _ = _deploy_lines(logs)[0]
    old = next(line["host"] for line in logs[:n] if line["service"] == service)
    later = next(i for i in range(n + 1, len(logs)) if logs[i]["service"] == service)

    def mutate(payload, key):
        payload["logs"][later]["host"] = old

    _assert_path(
        _refused(deployed, "log_investigation", mutate), f"payload.logs[{later}].host", "its pods are new"
    )


def test_a_deploy_on_fewer_pods_than_log_after_it_is_refused(deployed):
    logs = deployed["log_investigation"].payload["logs"]
    n, service, count = _deploy_lines(logs)[0]

    def mutate(payload, key):
        line = payload["logs"][n]
        original = line["message"]
        line["message"] = re.sub(r"on \d+/\d+ pods", f"on {count - 1}/{count - 1} pods", original)
        key["signal_messages"] = [line["message"] if m == original else m for m in key["signal_messages"]]

    _assert_path(
        _refused(deployed, "log_investigation", mutate), f"payload.logs[{n}].message", "pods log after it"
    )


def test_the_gateway_counts_the_search_pods_as_endpoints():
    logs = generate("log_investigation", "memory_leak_oom_restarts", 2, "medium", log_lines=4000).payload[
        "logs"
    ]
    deploy = next(
        n for n, line in enumerate(logs) if line["message"].startswith("deploy finished: search-service")
    )
    serving = {
        line["host"]
        for line in logs[deploy + 1 :]
        if line["service"] == "search-service" and line["host"].startswith("search-service-")
    }
    stated = {int(m.group(1)) for line in logs if (m := re.search(r"of (\d+) endpoints", line["message"]))}
    assert stated == {len(serving)}, (stated, serving)


# --- 3. infrastructure: a queue's lag and age --------------------------------------------------------


def test_consumer_lag_and_message_age_agree_and_lag_never_repeats(kafka):
    scenario = kafka["log_investigation"]
    assert _only("consumer_lag_fits_message_age", scenario) == []
    assert _only("lag_figures_are_not_repeated", scenario) == []
    lags = [
        int(m.group(1))
        for line in scenario.payload["logs"]
        if (m := re.search(r"= (\d+) messages", line["message"]))
    ]
    assert len(lags) == len(set(lags))
    # Before the import the partition's lag wanders, as every partition's does; it is no flat line.
    before = [p["saturation"] for p in scenario.payload["dashboard"]["series"][:20]]
    assert len(set(before)) > 5


def test_a_message_age_the_lag_cannot_hold_is_refused(kafka):
    logs = kafka["log_investigation"].payload["logs"]
    lagged = [when(line["ts"]) for line in logs if "lag on " in line["message"]]
    # A consumer line with a lag logged within the minute, to compare its figures with.
    n = max(
        i
        for i in range(len(logs))
        if "max throughput" in logs[i]["message"]
        and any(abs((when(logs[i]["ts"]) - at).total_seconds()) <= 60 for at in lagged)
    )

    def mutate(payload, key):
        line = payload["logs"][n]
        line["message"] = re.sub(r"max throughput \d+ msg/s", "max throughput 4000 msg/s", line["message"])
        key["signal_messages"].append(line["message"])

    _assert_path(
        _refused(kafka, "log_investigation", mutate), f"payload.logs[{n}].message", "messages waiting"
    )


def test_the_same_lag_logged_twice_is_refused(kafka):
    logs = kafka["log_investigation"].payload["logs"]
    lagged = [i for i in range(len(logs)) if "lag on " in logs[i]["message"]]
    first, second = lagged[-2], lagged[-1]

    def mutate(payload, key):
        payload["logs"][second]["message"] = payload["logs"][first]["message"]

    _assert_path(_refused(kafka, "log_investigation", mutate), f"payload.logs[{second}].message", "again")


# --- 3. infrastructure: the dashboard's latency ------------------------------------------------------


@pytest.mark.parametrize(
    "archetype",
    ["db_pool_exhaustion_after_deploy", "slow_query_after_data_shape_change", "oauth_client_secret_expired"],
)
def test_the_dashboard_p50_before_the_onset_is_that_of_the_logged_requests(archetype):
    scenario = generate("log_investigation", archetype, 1, "medium", log_lines=4000)
    payload, onset = scenario.payload, when(scenario.answer_key["onset"])
    service = payload["dashboard"]["service"]
    logged = sorted(
        line["latency_ms"]
        for line in payload["logs"]
        if line["service"] == service and "latency_ms" in line and when(line["ts"]) < onset
    )
    shown = sorted(p["latency_p50_ms"] for p in payload["dashboard"]["series"] if when(p["ts"]) < onset)
    median = logged[len(logged) // 2]
    assert median / 1.5 <= shown[len(shown) // 2] <= median * 1.5, (median, shown[len(shown) // 2])


def test_a_dashboard_p50_far_above_the_logged_requests_is_refused(deployed):
    def mutate(payload, key):
        for point in payload["dashboard"]["series"]:
            point["latency_p50_ms"] = 2067.0
            point["latency_p95_ms"] = max(point["latency_p95_ms"], 2067.0)
            point["latency_p99_ms"] = max(point["latency_p99_ms"], 2067.0)

    _assert_path(
        _refused(deployed, "log_investigation", mutate),
        "payload.dashboard.series[0].latency_p50_ms",
        "median",
    )


def _first_point_after_onset(payload: dict, key: dict) -> int:
    onset = when(key["onset"])
    return next(n for n, p in enumerate(payload["dashboard"]["series"]) if when(p["ts"]) >= onset)


def test_a_dashboard_with_p95_equal_to_p99_is_refused(deployed):
    def mutate(payload, key):
        point = payload["dashboard"]["series"][0]
        point["latency_p99_ms"] = point["latency_p95_ms"]

    _assert_path(
        _refused(deployed, "log_investigation", mutate), "payload.dashboard.series[0]", "strictly in order"
    )


def test_a_p50_that_halves_while_a_few_requests_fail_is_refused(deployed):
    def mutate(payload, key):
        for point in payload["dashboard"]["series"][_first_point_after_onset(payload, key) :]:
            point["error_rate_pct"] = 5.0
            point["latency_p50_ms"] = round(point["latency_p50_ms"] / 2.5, 1)

    n = _first_point_after_onset(
        deployed["log_investigation"].payload, deployed["log_investigation"].answer_key
    )
    _assert_path(
        _refused(deployed, "log_investigation", mutate),
        f"payload.dashboard.series[{n}].latency_p50_ms",
        "keeps the median within",
    )


def test_a_p95_at_the_failures_latency_with_a_low_error_rate_is_refused(deployed):
    """A pool wait that fails after seconds: a p95 there needs 5% of requests failing, not 2%."""
    slowest_failure = max(
        line["latency_ms"]
        for line in deployed["log_investigation"].payload["logs"]
        if line.get("status", 0) >= 500 and "latency_ms" in line
    )

    def mutate(payload, key):
        for point in payload["dashboard"]["series"][_first_point_after_onset(payload, key) :]:
            point["error_rate_pct"] = 2.0
            point["latency_p95_ms"] = float(slowest_failure)
            point["latency_p99_ms"] = slowest_failure + 5.0

    n = _first_point_after_onset(
        deployed["log_investigation"].payload, deployed["log_investigation"].answer_key
    )
    _assert_path(
        _refused(deployed, "log_investigation", mutate),
        f"payload.dashboard.series[{n}].latency_p95_ms",
        "so 5% of requests fail",
    )


@pytest.mark.parametrize("archetype", LOG_ARCHETYPES)
def test_the_dashboard_percentiles_move_only_as_far_as_the_failing_share(archetype):
    """One tenant's timeouts (~1.6% of traffic) reach p99, not the service's median."""
    for seed in (2, 9):
        scenario = generate("log_investigation", archetype, seed, "medium", log_lines=3000)
        for name in (
            "dashboard_p50_moves_with_failing_share",
            "dashboard_latency_tail_fits_error_rate",
            "dashboard_is_physical",
        ):
            assert _only(name, scenario) == [], (archetype, seed, name)


def test_one_tenants_timeouts_move_p99_and_leave_the_median_flat():
    scenario = generate("log_investigation", "slow_query_after_data_shape_change", 4, "medium")
    series, onset = scenario.payload["dashboard"]["series"], when(scenario.answer_key["onset"])
    before = [p for p in series if when(p["ts"]) < onset]
    late = [p for p in series if (when(p["ts"]) - onset).total_seconds() > 600]
    assert max(p["latency_p50_ms"] for p in late) < 1.3 * max(p["latency_p50_ms"] for p in before)
    assert max(p["latency_p95_ms"] for p in late) < 1_000
    assert min(p["latency_p99_ms"] for p in late) > 10_000


def test_an_unanswered_config_reload_just_before_the_onset_is_refused(deployed):
    def mutate(payload, key):
        at = when(key["onset"]) - timedelta(seconds=16)
        payload["dashboard"]["events"].append(
            {
                "ts": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "kind": "config_change",
                "label": "config reloaded: x 5 -> 10",
            }
        )

    n = len(deployed["log_investigation"].payload["dashboard"]["events"])
    _assert_path(
        _refused(deployed, "log_investigation", mutate), f"payload.dashboard.events[{n}].label", "red herring"
    )


def test_a_flag_rollout_fails_its_cohort_within_a_minute_and_is_evaluated_in_process():
    for seed in range(6):
        scenario = generate("log_investigation", "bad_feature_flag_rollout", seed, "medium", log_lines=2000)
        trigger = next(e for e in scenario.answer_key["key_evidence"] if e["why"].startswith("the trigger"))
        lines = {line["id"]: line for line in scenario.payload["logs"]}
        lead = when(scenario.answer_key["onset"]) - when(lines[trigger["line_id"]]["ts"])
        assert lead <= timedelta(seconds=61), (seed, lead)
        spans = {span["service"] for trace in scenario.payload["traces"] for span in trace["spans"]}
        assert "flags-service" not in spans
        assert not any(line["message"].startswith("flags.evaluate") for line in scenario.payload["logs"])


# --- 4. keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("archetype", LOG_ARCHETYPES)
def test_each_key_evidence_reason_says_what_its_line_shows(archetype):
    scenario = generate("log_investigation", archetype, 5, "medium", log_lines=2000)
    lines = {line["id"]: line for line in scenario.payload["logs"]}
    reasons = [e["why"] for e in scenario.answer_key["key_evidence"]]
    assert len(set(reasons)) == len(reasons), reasons
    for evidence in scenario.answer_key["key_evidence"]:
        line = lines[evidence["line_id"]]
        assert line["message"] in evidence["why"]
        assert line["service"] in evidence["why"]


def test_the_permissions_workaround_names_a_role_the_logs_show():
    for difficulty in ("easy", "hard"):
        scenario = generate("log_investigation", "permissions_regression_403", 2, difficulty)
        safe = " ".join(scenario.answer_key["mitigations"]["safe"])
        assert "Report Exporter" in safe
        customer = scenario.payload["ticket"]["customer"]["email"]
        granted = [
            line
            for line in scenario.payload["logs"]
            if "built-in role 'Report Exporter'" in line["message"]
            and line["ts"] > scenario.answer_key["onset"]
        ]
        assert granted, customer


def test_the_report_workaround_names_a_daily_rollup_the_logs_show():
    scenario = generate("log_investigation", "report_timezone_bug", 2, "medium")
    assert "daily rollup" in " ".join(scenario.answer_key["mitigations"]["safe"])
    assert any(line["message"].startswith("daily rollup served") for line in scenario.payload["logs"])


def test_a_red_herring_of_another_tenant_never_carries_the_customers_tenant():
    for seed in (*range(10), 69, 195):  # 69 and 195 drew the customer for the herring before
        scenario = generate("log_investigation", "retry_storm_rate_limited", seed, "hard", log_lines=300)
        customer = scenario.payload["ticket"].get("customer")
        by_id = {line["id"]: line for line in scenario.payload["logs"]}
        own = {
            line.get("tenant_id")
            for line in scenario.payload["logs"]
            if "key " in line["message"] and "requests inside" in line["message"]
        }
        for herring in scenario.answer_key["red_herrings"]:
            if "another tenant" not in herring["why_not"]:
                continue
            tenants = {by_id[i].get("tenant_id") for i in herring["line_ids"]}
            assert not tenants & own, (seed, customer, tenants, own)


# --- 5. postmortems ---------------------------------------------------------------------------------


def test_postmortem_detection_comes_when_its_detector_can_notice():
    for seed in range(40):
        archetype = POSTMORTEM_ARCHETYPES[seed % len(POSTMORTEM_ARCHETYPES)]
        payload = generate("postmortem", archetype, seed, "medium").payload
        detected = next(e for e in payload["timeline"] if e["text"].startswith("Detected:"))
        minutes = (when(detected["at"]) - when(payload["incident"]["started_at"])).total_seconds() / 60
        if "ticket" in detected["text"]:
            assert minutes >= 9, (archetype, seed, minutes)
        assert minutes >= 2, (archetype, seed, minutes)


def test_a_ticket_that_detects_a_failure_within_minutes_is_refused(postmortem):
    def mutate(payload, key):
        n = next(n for n, e in enumerate(payload["timeline"]) if e["text"].startswith("Detected:"))
        payload["timeline"][n]["text"] = "Detected: a ticket from a customer."
        started = when(payload["incident"]["started_at"])
        moment = started.replace(minute=(started.minute + 1) % 60) if started.minute < 59 else started
        payload["timeline"][n]["at"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        payload["incident"]["detected_at"] = payload["timeline"][n]["at"]

    n = next(
        n
        for n, e in enumerate(postmortem["postmortem"].payload["timeline"])
        if e["text"].startswith("Detected:")
    )
    _assert_path(_refused(postmortem, "postmortem", mutate), f"payload.timeline[{n}].at", "at least 5")


def test_contributing_factors_differ_between_seeds_and_rest_on_the_timeline():
    keys = [generate("postmortem", "db_pool_exhaustion_after_deploy", seed, "medium") for seed in range(8)]
    factor_lists = {tuple(k.answer_key["contributing_factors"]) for k in keys}
    assert len(factor_lists) >= 4
    for scenario in keys:
        for factor in scenario.answer_key["contributing_factors"]:
            found = re.search(r"ran (\d+) minutes before anyone noticed", factor)
            if found:
                incident = scenario.payload["incident"]
                gap = (when(incident["detected_at"]) - when(incident["started_at"])).total_seconds() // 60
                assert int(found.group(1)) == gap


def test_the_customers_a_postmortem_counts_are_in_its_evidence():
    for seed in range(6):
        scenario = generate("postmortem", "memory_leak_oom_restarts", seed, "medium")
        count = scenario.payload["incident"]["customers_affected"]
        assert any(f"{count} customer accounts" in e["text"] for e in scenario.payload["evidence"])


def test_postmortem_mutation_helper_leaves_the_original_alone(postmortem):
    before = copy.deepcopy(postmortem["postmortem"].payload["incident"])
    _refused(
        postmortem, "postmortem", lambda p, k: p["incident"].update(resolved_at=p["incident"]["started_at"])
    )
    assert postmortem["postmortem"].payload["incident"] == before


@pytest.fixture(scope="module")
def saml():
    return {"log_investigation": generate("log_investigation", "saml_clock_skew", 3, "hard", log_lines=1500)}


def test_saml_reminders_and_healthy_posts_read_as_real_ones(saml):
    logs = saml["log_investigation"].payload["logs"]
    days = {m.group(1) for line in logs if (m := re.search(r"expires in (\d+) days", line["message"]))}
    assert len(days) <= 1
    assert all(
        line.get("status") != 200
        for line in logs
        if line.get("path") == "/saml/acs" and line.get("method") == "POST"
    )


def test_an_expiry_that_jumps_is_refused(saml):
    logs = saml["log_investigation"].payload["logs"]
    reminders = [i for i, line in enumerate(logs) if "expires in" in line["message"]]

    def mutate(payload, key):
        line = payload["logs"][reminders[-1]]
        line["message"] = re.sub(r"expires in \d+ days", "expires in 99 days", line["message"])
        for herring in key["red_herrings"]:
            if reminders[-1] in [int(i[1:]) for i in herring["line_ids"]]:
                herring["message"] = line["message"]

    if len(reminders) < 2:
        pytest.skip("one reminder only")
    problems = _refused(saml, "log_investigation", mutate)
    assert any(f"logs[{reminders[-1]}].message" in p and "same expiry" in p for p in problems), problems


def test_a_saml_post_answering_200_is_refused(saml):
    logs = saml["log_investigation"].payload["logs"]
    n = next(
        i for i, line in enumerate(logs) if line.get("path") == "/saml/acs" and line.get("status") == 302
    )

    def mutate(payload, key):
        payload["logs"][n]["status"] = 200

    problems = _refused(saml, "log_investigation", mutate)
    assert any(f"logs[{n}].status" in p and "302" in p for p in problems), problems
