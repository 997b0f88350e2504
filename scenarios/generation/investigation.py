"""log_investigation: structured logs from several services, HTTP samples, traces and a dashboard."""

from datetime import UTC, datetime

from scenarios.catalog import catalog

from . import logstream
from .common import DIFFICULTY_LOG_LINES, MINUTE_MS, customer_ticket, dashboard, kind_rng, trace_waterfall
from .world import World, hex_id, iso_s, render

SIGNAL_RATIO = {"easy": 0.25, "medium": 0.08, "hard": 0.025}
HERRING_COUNT = {"easy": 1, "medium": 2, "hard": 3}
HERRING_RATIO = {"easy": 0.02, "medium": 0.015, "hard": 0.012}
ONSET_TOLERANCE_SECONDS = 120
WINDOW_BEFORE_MS = 45 * MINUTE_MS
WINDOW_AFTER_MS = 75 * MINUTE_MS
KEY_SIGNAL_LINES = 3

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout"}  # fmt: skip


def generate(world: World, difficulty: str, *, log_lines: int | None = None) -> tuple[dict, dict]:
    archetype = world.archetype
    rng = kind_rng("log_investigation", world, difficulty)
    count = log_lines or DIFFICULTY_LOG_LINES[difficulty]
    start_ms = world.onset_ms - WINDOW_BEFORE_MS
    end_ms = world.onset_ms + WINDOW_AFTER_MS
    data = catalog()

    herring_specs = list(archetype["red_herrings"])
    rng.shuffle(herring_specs)
    herring_specs = sorted(herring_specs[: HERRING_COUNT[difficulty]], key=lambda h: h["id"])
    customer_tenant = world.customer.tenant_id
    tenants = tuple(sorted({customer_tenant} | {"tn_" + hex_id(rng, 10) for _ in range(10)}))
    herrings = [
        (
            logstream.template(
                h, role="herring", render=world.text, tag=h["id"], customer_tenant=customer_tenant
            ),
            start_ms + rng.randrange(0, WINDOW_BEFORE_MS - 10 * MINUTE_MS),
        )
        for h in herring_specs
    ]
    signal_entries = [
        logstream.template(e, role="signal", render=world.text, customer_tenant=customer_tenant)
        for e in archetype["signal_logs"]
    ]
    signal = logstream.weighted(signal_entries, [e.get("weight", 1) for e in archetype["signal_logs"]])
    # Healthy traffic is rendered once per tenant, so a message names the tenant of its own line.
    noise_by_tenant = [
        tuple(
            logstream.template(
                e, role="noise", render=lambda text, t=tenant: render(text, world.values | {"tenant_id": t})
            )
            for e in data["noise"]
        )
        for tenant in tenants
    ]
    trigger_spec = archetype.get("trigger")
    trigger = (
        (logstream.template(trigger_spec, role="trigger", render=world.text), world.trigger_ms)
        if trigger_spec
        else None
    )
    services = (
        {t.service for t in noise_by_tenant[0]}
        | {t.service for t in signal}
        | {t.service for t, _ in herrings}
    )
    if trigger:
        services.add(trigger[0].service)
    hosts = logstream.pod_names(rng, services)
    noise = tuple(logstream.with_hosts(templates, hosts) for templates in noise_by_tenant)
    signal = logstream.with_hosts(signal, hosts)
    herrings = [
        (template, at)
        for template, (_, at) in zip(
            logstream.with_hosts([h for h, _ in herrings], hosts), herrings, strict=True
        )
    ]
    if trigger:
        trigger = (logstream.with_hosts([trigger[0]], hosts)[0], trigger[1])
    after_onset = count * WINDOW_AFTER_MS // (WINDOW_BEFORE_MS + WINDOW_AFTER_MS)
    stream = logstream.generate_lines(
        rng,
        count=count,
        start_ms=start_ms,
        end_ms=end_ms,
        onset_ms=world.onset_ms,
        noise=noise,
        signal=signal,
        herrings=herrings,
        trigger=trigger,
        signal_ratio=max(SIGNAL_RATIO[difficulty], 8 / max(after_onset, 1)),
        herring_ratio=max(HERRING_RATIO[difficulty], 4 / count),
        tenants=tenants,
        customer_tenant=customer_tenant,
        signal_customer_only=not world.many_tenants,
    )
    lines = stream.lines

    # Key evidence: the onset (first signal line), the trigger, and a few of the customer's failures.
    customer_signal = [i for i in stream.signal if lines[i]["tenant_id"] == world.customer.tenant_id]
    with_http = [i for i in customer_signal if "status" in lines[i]] or customer_signal or stream.signal
    picked = sorted(set(rng.sample(with_http, min(KEY_SIGNAL_LINES, len(with_http)))))

    # The trace shows one failing request: best a line whose "METHOD path" is a span of the
    # archetype's trace, else a line of the failing span's service, else any key failure.
    failing_index = _trace_line(archetype["trace"], lines, picked, stream.signal, world)
    failing_line = lines[failing_index]
    key_lines = sorted(
        {stream.signal[0], failing_index, *picked}
        | ({stream.trigger} if stream.trigger is not None else set())
    )
    traces = [_trace(world, rng, failing_line, failing=True)]
    samples = [_http_sample(world, failing_line, traces[0])] if "status" in failing_line else []
    # A healthy request for comparison, when the window has one; it gets a trace of the same shape
    # only when it is the same operation (a trace of another operation would describe the wrong calls).
    healthy_line = _healthy_twin(lines, failing_line, rng)
    if healthy_line is not None:
        healthy_trace = None
        if _operation(healthy_line) == _operation(failing_line):
            healthy_trace = _trace(world, rng, healthy_line, failing=False)
            traces.append(healthy_trace)
        samples.append(_http_sample(world, healthy_line, healthy_trace))

    ticket = customer_ticket(
        world, rng, clear=difficulty != "hard", received_ms=world.onset_ms + 14 * MINUTE_MS
    )
    payload = {
        "kind": "log_investigation",
        "title": f"Investigate: {ticket['subject']}",
        "brief": (
            f"{world.customer.name} ({world.customer.tier} tier) opened the ticket below. Use the logs, "
            "the HTTP samples, the traces and the dashboard to find what is wrong, when it started, "
            "the evidence for it, and a safe mitigation."
        ),
        "ticket": ticket,
        # Whole seconds that contain every line: the end is rounded up.
        "window": {"start": iso_s(start_ms), "end": iso_s(end_ms + 999)},
        "services": sorted({line["service"] for line in lines}),  # those the logs show
        "logs": lines,
        "http_samples": samples,
        "traces": traces,
        "dashboard": dashboard(world, rng, start_ms=start_ms, end_ms=end_ms),
    }
    answer_key = {
        "root_cause": world.text(archetype["root_cause"]),
        "component": archetype["component"],
        "route": archetype["route"],
        "severity": world.severity,
        "onset": lines[stream.signal[0]]["ts"],
        "onset_tolerance_seconds": ONSET_TOLERANCE_SECONDS,
        "key_evidence": [
            {
                "line_id": lines[i]["id"],
                "trace_id": lines[i]["trace_id"],
                "request_id": lines[i]["request_id"],
                "why": "the trigger" if i == stream.trigger else "a failure caused by the root cause",
            }
            for i in key_lines
        ],
        "signal_line_count": len(stream.signal),
        # Only messages the candidate can find: a rare template may not occur in a short log.
        "signal_messages": sorted(
            {lines[i]["message"] for i in stream.signal}
            | ({lines[stream.trigger]["message"]} if stream.trigger is not None else set())
        ),
        "red_herrings": [
            {
                "id": spec["id"],
                "message": world.text(spec["message"]),
                "line_ids": [lines[i]["id"] for i in stream.herrings.get(spec["id"], [])[:5]],
                "why_not": world.text(spec["why_not"]),
            }
            for spec in herring_specs
            if stream.herrings.get(spec["id"])
        ],
        "mitigations": {
            "safe": world.texts(archetype["mitigations"]["safe"]),
            "follow_up": world.texts(archetype["mitigations"].get("follow_up", [])),
            "unsafe": world.texts(archetype["mitigations"]["unsafe"]),
        },
    }
    return payload, answer_key


def _epoch_ms(ts: str) -> int:
    moment = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000


def _trace_line(
    trace: list[dict], lines: list[dict], picked: list[int], signal: list[int], world: World
) -> int:
    """The failure whose request the trace shows: one the trace's spans can really describe."""
    steps = {(step["service"], world.text(step["operation"])) for step in trace}
    error_service = next(step["service"] for step in trace if "error" in step)
    inner_services = {step["service"] for step in trace[1:]}

    def rank(index: int) -> int:
        line = lines[index]
        http = "method" in line
        if http and (line["service"], f"{line['method']} {line['path']}") in steps:
            return 0
        if http and line["service"] == error_service:
            return 1
        if http and line["service"] in inner_services:
            return 2
        return 3 if line["service"] == error_service else 4

    candidates = picked + [i for i in signal[:2000] if i not in picked]
    return min(candidates, key=lambda index: (rank(index), index not in picked))


def _operation(line: dict) -> tuple[str, str, str] | None:
    return (line["service"], line["method"], line["path"]) if "method" in line else None


def _trace(world: World, rng, line: dict, *, failing: bool) -> dict:
    return trace_waterfall(
        world,
        rng,
        trace_id=line["trace_id"],
        start_ms=_epoch_ms(line["ts"]),
        anchor_span_id=line["span_id"],
        anchor_operation=f"{line['method']} {line['path']}" if "method" in line else "",
        anchor_service=line["service"],
        failing=failing,
        http_status=line.get("status"),
        latency_ms=line.get("latency_ms"),
    )


def _healthy_twin(lines: list[dict], failing: dict, rng) -> dict | None:
    """A successful request on the failing request's path, else on its service, else any.

    Scans from a random place rather than filtering every line: on 100,000 lines a match is near.
    """
    start = rng.randrange(len(lines))
    tests = (
        lambda line: _operation(line) == _operation(failing),
        lambda line: line.get("path") == failing.get("path"),
        lambda line: line["service"] == failing["service"],
        lambda line: True,
    )
    for same in tests:
        for offset in range(len(lines)):
            line = lines[(start + offset) % len(lines)]
            if line.get("status", 999) < 400 and same(line):
                return line
    return None


def _http_sample(world: World, line: dict, trace: dict | None) -> dict:
    """The client's view of a logged request: it waited at least as long as the whole trace took."""
    status = line["status"]
    latency = max([line["latency_ms"]] + [s["duration_ms"] for s in (trace or {}).get("spans", [])[:1]])
    response_body = (
        {
            "error": {
                "status": status,
                "message": _REASONS.get(status, "Error"),
                "request_id": line["request_id"],
            }
        }
        if status >= 400
        else {"ok": True}
    )
    return {
        "request_id": line["request_id"],
        "trace_id": line["trace_id"],
        "at": line["ts"],
        "request": {
            "method": line["method"],
            "url": f"https://api.{world.values['product'].lower()}.com{line['path']}",
            "headers": {
                "Authorization": "Bearer [redacted]",
                "User-Agent": f"{world.customer.domain}-integration/2.4",
                "X-Request-Id": line["request_id"],
            },
        },
        "response": {
            "status": status,
            "reason": _REASONS.get(status, ""),
            "headers": {
                "Content-Type": "application/json",
                "X-Request-Id": line["request_id"],
                "traceparent": f"00-{line['trace_id']}-{line['span_id']}-01",
            },
            "body": response_body,
            "latency_ms": latency,
        },
    }
