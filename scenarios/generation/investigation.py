"""log_investigation: structured logs from several services, HTTP samples, traces and a dashboard."""

import random
import re
from bisect import bisect_left, bisect_right
from dataclasses import replace
from datetime import UTC, datetime

from scenarios.catalog import catalog

from . import logstream, stories
from .common import (
    DIFFICULTY_LOG_LINES,
    MINUTE_MS,
    customer_ticket,
    dashboard,
    kind_rng,
    ticket_severity,
    trace_waterfall,
)
from .samples import http_sample
from .world import World, hex_id, iso_ms, iso_s, render

SIGNAL_RATIO = {"easy": 0.25, "medium": 0.08, "hard": 0.025}
HERRING_COUNT = {"easy": 1, "medium": 2, "hard": 3}
HERRING_RATIO = {"easy": 0.02, "medium": 0.015, "hard": 0.012}
# Unrelated warnings: how many kinds, and how often; the harder, the more there is to look past.
BACKGROUND_KINDS = {"easy": 10, "medium": 13, "hard": 16}
BACKGROUND_RATIO = {"easy": 0.02, "medium": 0.035, "hard": 0.05}
TENANT_COUNT = {"easy": 24, "medium": 40, "hard": 60}
# Other services' deploys in the window: at medium and hard the trigger is one deploy among several.
OTHER_DEPLOYS = {"easy": 0, "medium": 1, "hard": 3}
NOISE_VARIANTS = 3  # renderings of a healthy template per tenant, each with its own ids and numbers
# A failure's lines name many of the customer's objects, not one: more in a longer log.
CUSTOMER_SIGNAL_VARIANTS = (16, 64)  # (at least, at most); a variant per 300 lines between
OTHER_SIGNAL_VARIANTS = (4, 16)  # the same for each other tenant of the cohort, a variant per 1,200 lines
# Facts that name one request's object (an invoice, a user, an export) or one tenant's state (its
# settings version): they vary between lines and tenants.
PER_REQUEST_FACTS = ("invoice_id", "user_id", "export_id", "settings_version")
ONSET_TOLERANCE_SECONDS = 120
# The export covers two hours; the failure begins somewhere in its middle, drawn per scenario (a
# quarter to two thirds of the way in, and late enough that the trigger before it is in the window),
# so the onset cannot be read off the window's edges.
WINDOW_MS = 120 * MINUTE_MS
ONSET_SHARE = (0.25, 0.65)
TRIGGER_MARGIN_MS = 5 * MINUTE_MS
HERRING_LEAD_MS = 6 * MINUTE_MS  # a red herring begins no sooner than this into the export
KEY_SIGNAL_LINES = 3
MIN_TRACES = 3
MIN_SAMPLES = 3

# What a deploy note says beyond "what, where, which version": at easy it names the change; at
# medium and hard the candidate has to connect the version to the failure.
_CHANGE_NOTE = re.compile(r"(; change: .*$| \(change CHG-\d+\))")
_OTHER_DEPLOYS = (
    (
        "notification-service",
        "deploy finished: notification-service {new} on {pods}/{pods} pods (previous {old}); change: new e-mail footer for order confirmations",
    ),
    (
        "web-app",
        "deploy finished: web-app {new} on {pods}/{pods} pods (previous {old}); change: orders table remembers column widths",
    ),
    (
        "search-service",
        "deploy finished: search-service {new} on {pods}/{pods} pods (previous {old}); change: synonyms for product search",
    ),
    (
        "reports-service",
        "deploy finished: reports-service {new} on {pods}/{pods} pods (previous {old}); change: CSV export adds a BOM for Excel",
    ),
    (
        "integrations-service",
        "deploy finished: integrations-service {new} on {pods}/{pods} pods (previous {old}); change: connector logs redact e-mail addresses",
    ),
    (
        "flags-service",
        "deploy finished: flags-service {new} on {pods}/{pods} pods (previous {old}); change: SDK payload gzip level 6",
    ),
    ("cache-service", "config reloaded: cache_main.maxmemory_samples 5 -> 10 (change CHG-{chg})"),
    (
        "auth-service",
        "deploy finished: auth-service {new} on {pods}/{pods} pods (previous {old}); change: audit log includes client IP",
    ),
)

_NAMES_TENANT = re.compile(r"\btn_[0-9a-f]{6,}\b")


def onset_offset_ms(world: World, rng) -> int:
    """How far into the window the failure begins: a share of it drawn from the scenario's random
    source, never so early that the trigger (a deploy up to half an hour before) is outside."""
    low = max(int(ONSET_SHARE[0] * WINDOW_MS), world.onset_ms - world.trigger_ms + TRIGGER_MARGIN_MS)
    high = max(int(ONSET_SHARE[1] * WINDOW_MS), low)
    return rng.randrange(low // 1000, high // 1000 + 1) * 1000


def discreet(message: str, difficulty: str) -> str:
    """A deploy or config note as the difficulty shows it: easy names the change, harder levels not."""
    return message if difficulty == "easy" else _CHANGE_NOTE.sub("", message)


def generate(world: World, difficulty: str, *, log_lines: int | None = None) -> tuple[dict, dict]:
    archetype = world.archetype
    rng = kind_rng("log_investigation", world, difficulty)
    count = log_lines or DIFFICULTY_LOG_LINES[difficulty]
    before_ms = onset_offset_ms(world, rng)
    start_ms = world.onset_ms - before_ms
    end_ms = start_ms + WINDOW_MS
    data = catalog()

    herring_specs = list(archetype["red_herrings"])
    rng.shuffle(herring_specs)
    herring_specs = sorted(herring_specs[: HERRING_COUNT[difficulty]], key=lambda h: h["id"])
    customer_tenant = world.customer.tenant_id
    # Tenants the story names (an import's tenant, a noisy neighbour) send traffic like any other.
    named = {v for v in world.values.values() if v.startswith("tn_") and v != customer_tenant}
    others = sorted(
        ({"tn_" + hex_id(rng, 10) for _ in range(TENANT_COUNT[difficulty] - 1 - len(named))} | named)
        - {customer_tenant}
    )
    tenants = tuple(sorted([customer_tenant, *others]))
    customer_index = tenants.index(customer_tenant)
    everyone = list(range(len(tenants)))
    traffic = logstream.tenant_table(rng, everyone)
    if world.many_tenants:
        # A failure of many tenants hits a cohort (about half of them, or a flag's rollout share; the
        # customer among them),
        # not every tenant; the customer, who wrote the ticket, is one of the busier ones.
        share = int(world.values.get("rollout_pct", 50)) / 100
        cohort = sorted({customer_index} | set(rng.sample(everyone, max(2, round(len(everyone) * share)))))
        affected = logstream.tenant_table(rng, cohort, boost=customer_index)
    else:
        cohort = [customer_index]
        affected = (customer_index,) * logstream.TABLE_SIZE

    def tenant_render(tenant: str, extra: dict | None = None):
        values = world.values | {"tenant_id": tenant} | (extra or {})
        return lambda text: render(text, values, keep_slots=True)

    background_specs = [b for b in data.get("background", []) if archetype["id"] not in b.get("not_for", [])]
    background_specs = rng.sample(background_specs, min(BACKGROUND_KINDS[difficulty], len(background_specs)))
    events = _events(world, rng, difficulty, start_ms=start_ms)
    services = {
        e["service"]
        for e in [*data["noise"], *background_specs, *archetype["signal_logs"], *herring_specs, *events]
    }
    pinned = tuple(sorted(v for name, v in world.values.items() if name.endswith("pod_name")))
    # Red herrings begin at a drawn moment after the first minutes of the export (not with its first
    # line) and some minutes before the onset, among the other traffic.
    herring_at = {
        h["id"]: start_ms + rng.randrange(HERRING_LEAD_MS, before_ms - 10 * MINUTE_MS) for h in herring_specs
    }
    # A deploy note's pod count is its service's; the pods a service runs at the onset are `hosts`,
    # and a deploy in the window replaces them (before it, other pods served).
    counts = {e["service"]: n for e in events if (n := _pod_count(e["message"]))}
    hosts = logstream.pod_names(rng, services, pinned, counts)
    changes = [(e["at"], e["service"], e["message"]) for e in events] + [
        (herring_at[h["id"]], h["service"], h["message"]) for h in herring_specs if h.get("once")
    ]
    generations = _pod_generations(rng, world, hosts, changes)
    initial = {service: gens[0][1] for service, gens in generations.items()}
    facts = archetype.get("facts", {})
    # Facts that differ from line to line: the objects of one request, and figures a line measures.
    per_request = [f for f in PER_REQUEST_FACTS if f in facts] + sorted(
        f for f, spec in facts.items() if spec.get("per_line")
    )

    def another(name: str) -> str:
        """Another value of a per-line fact: a measured figure drawn from its own range, else an object
        like the world's."""
        spec = facts[name]
        return str(rng.randint(*spec["int"])) if "int" in spec else _like(world.values[name], rng)

    own_objects = [world.customer.domain] + [world.values[f] for f in PER_REQUEST_FACTS if f in world.values]
    others_traffic = [k for k in traffic if k != customer_index] or list(traffic)

    def owner(text: str) -> str:
        """The tenant whose objects a line names: the customer when it names the customer's domain or
        one of the customer's objects (the ticket's export, invoice, user), else another tenant drawn by
        traffic (one invoice or endpoint is one tenant's, on every line; a herring "for another tenant"
        is never the customer's)."""
        if any(value in text for value in own_objects):
            return customer_tenant
        return tenants[others_traffic[rng.randrange(len(others_traffic))]]

    def herring_variants(spec: dict) -> tuple:
        """A red herring names different objects from line to line too (its first variant the world's)."""
        texts = {spec["message"]}
        if logstream.has_slots(spec["message"]) or any("{" + f + "}" in spec["message"] for f in per_request):
            texts = range(CUSTOMER_SIGNAL_VARIANTS[0])
        return tuple(
            logstream.template(
                spec, role="herring", tag=spec["id"], customer_tenant=customer_tenant,
                hosts=initial[spec["service"]], rng=rng, tenant=owner(world.text(spec["message"])),
                render=tenant_render(customer_tenant) if v == 0 or isinstance(v, str)
                else tenant_render(customer_tenant, {f: another(f) for f in per_request}),
            )
            for v in texts
        )  # fmt: skip

    herrings = [(herring_variants(h), herring_at[h["id"]]) for h in herring_specs]
    # A one-off red herring (another deploy) happens once, at its time, like the trigger.
    once = [
        (_deployed(group[0], generations, at, hosts), at, False)
        for (group, at), spec in zip(herrings, herring_specs, strict=True)
        if spec.get("once")
    ]
    # A periodic job (a daily report, a certificate renewal, a key rotation) runs on its schedule, not
    # whenever a line happens to be drawn: a daily one is written once in the window, each run its own
    # variant (a new key id), never more often than its period.
    periodic = [
        (
            group[run % len(group)],
            at + run * spec["every_minutes"] * MINUTE_MS + (rng.randrange(9000) if run else 0),
            False,
        )
        for (group, at), spec in zip(herrings, herring_specs, strict=True)
        if spec.get("every_minutes")
        for run in range(max(1, (end_ms - at - 1) // (spec["every_minutes"] * MINUTE_MS) + 1))
    ]
    herrings = [
        pair
        for pair, spec in zip(herrings, herring_specs, strict=True)
        if not spec.get("once") and not spec.get("every_minutes")
    ]
    weights = [e.get("weight", 1) for e in archetype["signal_logs"]]
    # Lines that name objects or measure something come in variants, each with its own values.
    varied = per_request or any(logstream.has_slots(e["message"]) for e in archetype["signal_logs"])
    signal: list[tuple] = [()] * len(tenants)
    for k in cohort:
        low, high = CUSTOMER_SIGNAL_VARIANTS if k == customer_index else OTHER_SIGNAL_VARIANTS
        variants = min(max(count // (300 if k == customer_index else 1200), low), high)
        rendered: list[logstream.Template] = []
        for v in range(variants if varied else 1):
            # The customer's first variant names the world's own objects (the ticket's invoice ...).
            extra = {} if k == customer_index and v == 0 else {f: another(f) for f in per_request}
            entries = [
                logstream.template(
                    e,
                    role="signal",
                    render=tenant_render(tenants[k], extra),
                    rng=rng,
                    hosts=(world.text(e["host"]),) if "host" in e else initial[e["service"]],
                )
                for e in archetype["signal_logs"]
            ]
            rendered.extend(logstream.weighted(entries, weights))
        signal[k] = tuple(rendered)
    # Healthy traffic and unrelated warnings are rendered per tenant, so a message names the tenant
    # of its own line, in a few variants each, so ids and numbers vary from line to line.
    noise, background = [], []
    for tenant in tenants:
        for specs, role, into in (
            (data["noise"], "noise", noise),
            (background_specs, "background", background),
        ):

            def make(entry, role=role, tenant=tenant):
                return logstream.template(
                    entry, role=role, render=tenant_render(tenant), rng=rng, hosts=initial[entry["service"]]
                )

            into.append(tuple(t for e in specs for t in logstream.variants(e, NOISE_VARIANTS, make)))
    events = [
        (
            _deployed(
                logstream.template(
                    e if _NAMES_TENANT.search(e["message"]) else e | {"system": True},
                    role=e["role"], render=str, hosts=initial[e["service"]],
                ),
                generations, e["at"], hosts,
            ),
            e["at"],
            e["role"] == "trigger",
        )
        for e in events
    ] + once + periodic  # fmt: skip
    after_onset = count * (end_ms - world.onset_ms) // WINDOW_MS
    stream = logstream.generate_lines(
        rng,
        count=count,
        start_ms=start_ms,
        end_ms=end_ms,
        onset_ms=world.onset_ms,
        noise=tuple(noise),
        background=tuple(background),
        signal=tuple(signal),
        herrings=herrings,
        events=events,
        signal_ratio=max(SIGNAL_RATIO[difficulty], 8 / max(after_onset, 1)),
        herring_ratio=max(HERRING_RATIO[difficulty], 4 / count),
        background_ratio=BACKGROUND_RATIO[difficulty],
        tenants=tenants,
        traffic=traffic,
        affected=affected,
        customer_tenant=customer_tenant,
    )
    lines = stream.lines
    ticket = customer_ticket(
        world,
        rng,
        clear=difficulty != "hard",
        # The customer writes some minutes into the failure, drawn per seed (not always 14:00 after it).
        received_ms=world.onset_ms + rng.randint(6 * 60, 35 * 60) * 1000,
    )
    # The story's figures: what the lines and the dashboard say, and what the key states from them.
    dashboard_shape, told = stories.shape(world, lines, stream, hosts, rng, ticket)

    # Key evidence: the onset (first signal line), the trigger, and a few of the customer's failures.
    from scenarios.consistency import states_no_failure

    # The key cites the first line that shows a failure: a lag or a freshness still inside its healthy
    # bound is the cause at work, not yet a failure anyone sees.
    failures = [i for i in stream.signal if not states_no_failure(lines.message(i))] or stream.signal
    onset = failures[0]
    customer_signal = [i for i in failures if lines.tenant_id(i) == world.customer.tenant_id]
    # (A failure whose story rewrites most of its lines into state, a heap's use, cites those that fail.)
    failing = [i for i in failures if lines.kinds[lines.kind[i]][0] in ("WARN", "ERROR")]
    with_http = [i for i in customer_signal if lines.has_http(i)] or customer_signal or failing or failures
    picked = sorted(set(rng.sample(with_http, min(KEY_SIGNAL_LINES, len(with_http)))))

    # The traces show failing requests: best lines whose "METHOD path" is a span of the archetype's
    # trace, else lines of the failing span's service, else any key failure; then healthy requests
    # to contrast them with.
    # Lines the story needs where they are: the traces' requests need free neighbours for their lines.
    # (A red herring's lines the key cites stay; its other lines are ordinary traffic a trace may take.)
    busy = {*stream.signal, *stream.events, *(i for ids in stream.herrings.values() for i in ids[:1])}
    busy |= {i for h in herring_specs for i in _cited_herring_lines(lines, stream.herrings.get(h["id"], []))}
    busy |= {stream.trigger} if stream.trigger is not None else set()
    # (A short log whose failures are all system lines traces a signal line of a request, if it has one.)
    failing_indexes = _trace_lines(
        archetype["trace"], lines, picked, failures, world, want=2, busy=busy
    ) or _trace_lines(archetype["trace"], lines, [], stream.signal, world, want=2, busy=busy)
    key_lines = sorted(
        {onset, *failing_indexes, *picked} | ({stream.trigger} if stream.trigger is not None else set())
    )
    traces, samples, anchors = _traces_and_samples(
        world, rng, lines, failing_indexes, signal=set(stream.signal), busy=busy
    )
    # A request can be followed across services: every service a trace's spans name logs a line of it.
    special = busy | {*key_lines, *anchors}
    followed = _follow_traces(
        world,
        rng,
        lines,
        zip(traces, anchors, strict=True),
        hosts=lambda service, t: _pods_at(generations, service, t),
        special=special,
        window=(start_ms, end_ms),
    )

    payload = {
        "kind": "log_investigation",
        "title": f"Investigate: {ticket['subject']}",
        "brief": (
            # The support tool shows the account's tenant beside the ticket: what links the customer to
            # their lines, whatever the ticket's words give.
            f"{world.customer.name} ({world.customer.tier} tier, tenant {world.customer.tenant_id}) opened "
            "the ticket below. Use the logs, "
            "the HTTP samples, the traces and the dashboard to find what is wrong, when it started, "
            "the evidence for it, and a safe mitigation."
        ),
        "ticket": ticket,
        # Whole seconds that contain every line: the end is rounded up.
        "window": {"start": iso_s(start_ms), "end": iso_s(end_ms + 999)},
        "services": sorted(lines.services()),  # those the logs show
        "logs": lines,
        "http_samples": samples,
        "traces": traces,
        "dashboard": dashboard(
            world,
            rng,
            start_ms=start_ms,
            end_ms=end_ms,
            label=lines.message(stream.trigger) if stream.trigger is not None else None,
            # Every deploy and config change of the window, as a real dashboard annotates them: the
            # trigger is one among them, not the only one.
            changes=[
                (lines.ms[i], lines.message(i))
                for i in sorted([*stream.events, *(i for ids in stream.herrings.values() for i in ids)])
                if logstream.CHANGE_LINE.match(lines.message(i))
            ],
            shape=dashboard_shape,
        ),
    }
    _latency_as_logged(world, payload["dashboard"], lines)
    signal_lines = {*stream.signal, *followed} | ({stream.trigger} if stream.trigger is not None else set())
    signal_messages = {lines.message(i) for i in signal_lines}
    # A line elsewhere that happens to carry one of these messages is one of them too.
    signal_lines |= {i for i in _lines_with_messages(lines, signal_messages)}
    answer_key = {
        "root_cause": render(archetype["root_cause"], world.values | told, salt=world.salt),
        "component": archetype["component"],
        "route": archetype["route"],
        "severity": ticket_severity(world, ticket),
        # The failure began with its first line (a backlog with the import); the first line that
        # shows it is the evidence.
        "onset": lines.ts(stream.signal[0]),
        "onset_tolerance_seconds": ONSET_TOLERANCE_SECONDS,
        "key_evidence": [
            # A system line (a deploy, a pool statistic) has no trace or request id to cite.
            {"line_id": lines.line_id(i)}
            | {field: lines[i][field] for field in ("trace_id", "request_id") if field in lines[i]}
            | {"why": _why(world, lines, i, trigger=stream.trigger, onset=onset)}
            for i in key_lines
        ],
        # Every line the failure logs: its signal, the trigger, and what the failing requests' other
        # services log of them (a "queue.wait ... failed" of a failing trace); one count of them all.
        "signal_line_count": len(signal_lines),
        # Only messages the candidate can find: a rare template may not occur in a short log.
        "signal_messages": sorted({lines.message(i) for i in signal_lines}),
        "red_herrings": [
            {
                "id": spec["id"],
                # The lines of its first variant: the message the key quotes is the one they carry.
                "message": lines.message(stream.herrings[spec["id"]][0]),
                "line_ids": [
                    lines.line_id(i) for i in _cited_herring_lines(lines, stream.herrings[spec["id"]])
                ],
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


# Fewer logged requests than this of the dashboard's service before (or after) the onset, and its
# latency panel keeps the catalog's figures for that part of the window.
LATENCY_SAMPLE_MIN = 10  # as the linter's P50_SHIFT_MIN_LINES
LATENCY_SAMPLE_LINES = 20_000


def _percentile(values: list[int], share: float) -> float:
    """The share-quantile of sorted values, read between the two nearest (a tie-free figure)."""
    at = share * (len(values) - 1)
    low = int(at)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (at - low)


def _mixture_quantile(healthy: list[int], failing: list[int], failing_share: float, share: float) -> float:
    """The share-quantile of a traffic in which `failing_share` of the requests take what the sorted
    `failing` latencies take and the rest what the sorted `healthy` ones take: a few fast failures
    barely move the median, and a timeout reaches p99 only when more than 1% of requests time out."""
    if not failing or failing_share <= 0:
        return _percentile(healthy, share)
    low, high = min(healthy[0], failing[0]), max(healthy[-1], failing[-1])
    for _ in range(40):
        mid = (low + high) / 2
        below = (1 - failing_share) * bisect_right(healthy, mid) / len(healthy)
        below += failing_share * bisect_right(failing, mid) / len(failing)
        low, high = (low, mid) if below >= share else (mid, high)
    return high


# Each minute's p50, p95 and p99 apart by at least this much: no two percentiles of a real
# service's traffic are the same figure.
PERCENTILE_MIN_GAP_MS = 0.3


def _latency_as_logged(world: World, board: dict, lines: logstream.LogLines) -> None:
    """The dashboard's latency percentiles are those of its service's traffic as the logs show it:
    before the onset those of the healthy requests it logs; after it, those of a traffic in which the
    share of requests the failure adds to the minute's error rate takes what the failing requests it
    logs take, and the rest what healthy ones take. (The log shows failures far more often than the
    traffic has them; weighting by the logged share would move a median that 5% of fast failures
    cannot move.) Each minute is jittered a little as a whole, its percentiles kept apart."""
    service = board["service"]
    kind, ms, latency = lines.kind, lines.ms, lines.latency
    http_kinds = {k for k, (_, svc, _, method, *_) in enumerate(lines.kinds) if svc == service and method}
    failed_kinds = {k for k in http_kinds if (lines.kinds[k][5] or 0) >= 400}
    # Percentiles of a long log from every k-th line: as good a figure, at a fraction of the cost.
    step = max(1, len(lines) // LATENCY_SAMPLE_LINES)
    onset = bisect_left(ms, world.onset_ms)
    before = [latency[n] for n in range(0, onset, step) if kind[n] in http_kinds]
    after = range(onset, len(lines), step)
    failing = sorted(latency[n] for n in after if kind[n] in failed_kinds)
    if len(before) < LATENCY_SAMPLE_MIN:
        # Few requests before the onset: the healthy figures are those of every request answered.
        answered = http_kinds - failed_kinds
        before = [latency[n] for n in range(0, len(lines), step) if kind[n] in answered]
        if len(before) < LATENCY_SAMPLE_MIN:
            return
    before.sort()
    baseline = world.archetype["metrics"]["error_rate_pct"]["baseline"]
    jitter = random.Random(f"{world.salt}latency")
    for point in board["series"]:
        share = max(0.0, point["error_rate_pct"] - baseline) / 100 if len(failing) >= 3 else 0.0
        scale = 1 + (jitter.random() - 0.5) * 0.1
        p50, p95, p99 = (_mixture_quantile(before, failing, share, q) * scale for q in (0.5, 0.95, 0.99))
        p50 = round(max(p50, 1.0), 1)
        p95 = round(max(p95, p50 + PERCENTILE_MIN_GAP_MS), 1)
        point["latency_p50_ms"], point["latency_p95_ms"] = p50, p95
        point["latency_p99_ms"] = round(max(p99, p95 + PERCENTILE_MIN_GAP_MS), 1)


def _why(world: World, lines: logstream.LogLines, i: int, *, trigger: int | None, onset: int) -> str:
    """What key line i shows, in its own terms: the trigger and what it changed, the first failure, or
    a failure of a named tenant's request with its status and latency."""
    line = lines[i]
    said = f'{line["service"]} logs "{line["message"]}"'
    if i == trigger:
        return f"the trigger: at {line['ts'][11:19]} UTC {said}, shortly before the failures begin"
    tenant = line.get("tenant_id")
    whose = (
        "the customer's tenant"
        if tenant == world.customer.tenant_id
        else f"tenant {tenant}"
        if tenant
        else "no single tenant"
    )
    http = (
        f" ({line['method']} {line['path']} answered {line['status']} in {line['latency_ms']} ms)"
        if "method" in line
        else ""
    )
    if i == onset:
        return f"the onset: the first visible failure, at {line['ts'][11:23]} UTC, {said}{http}, for {whose}"
    return f"a failure for {whose}, at {line['ts'][11:23]} UTC: {said}{http}"


def _epoch_ms(ts: str) -> int:
    moment = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000


def _operation(line: dict) -> tuple[str, str, str] | None:
    return (line["service"], line["method"], line["path"]) if "method" in line else None


def _trace(world: World, rng, lines: logstream.LogLines, index: int, *, failing: bool) -> dict:
    """The trace of line `index`'s request. The line took what its span took: an HTTP line's latency
    becomes its span's duration, so a healthy request is as fast as its calls and a failing one as
    slow as the call that failed."""
    line = lines[index]
    trace = trace_waterfall(
        world,
        rng,
        trace_id=line["trace_id"],
        start_ms=_epoch_ms(line["ts"]),
        anchor_span_id=line["span_id"],
        anchor_operation=f"{line['method']} {line['path']}" if "method" in line else "",
        anchor_service=line["service"],
        failing=failing,
        http_status=line.get("status"),
        since_onset_ms=max(1, _epoch_ms(line["ts"]) - world.trigger_ms) if failing else None,
    )
    # The line lies inside its own span: the trace began that span's offset before the line.
    own = next(span for span in trace["spans"] if span["span_id"] == line["span_id"])
    if "latency_ms" in line:
        lines.latency[index] = own["duration_ms"]
    trace["started_at"] = iso_ms(_epoch_ms(line["ts"]) - own["start_offset_ms"])
    return trace


def _like(value: str, rng) -> str:
    """Another value of the same shape as a world fact's: an id with its prefix and length, or a
    whole number of the same size."""
    if value.isdigit():
        number = int(value)
        return str(max(1, number + rng.randint(-(number // 3), number // 3)))
    head, _, tail = value.rpartition("_")
    if not head or not all(c in "0123456789abcdef" for c in tail):
        return value
    return f"{head}_{hex_id(rng, len(tail))}"


_POD_COUNT = re.compile(r"\bon (\d+)/(\d+) pods\b")
_DEPLOYED = re.compile(r"^deploy finished: (\S+) ")
_SCHEDULED = re.compile(r"^pod (\S+) scheduled on node\b")


def _pod_count(message: str) -> int | None:
    found = _POD_COUNT.search(message)
    return int(found.group(2)) if found else None


def _pod_generations(rng, world: World, hosts: dict, changes) -> dict[str, list[tuple[int, tuple]]]:
    """Per service, [(from when, its pods)] in time order: the pods at the onset are `hosts`; a deploy
    before the onset replaced other pods (a ReplicaSet of their own), a deploy after it brings new
    ones; a pod scheduled onto a node replaced one pod of its ReplicaSet."""
    generations = {}
    for service, current in hosts.items():
        deploys = sorted(
            (at, message)
            for at, svc, message in changes
            if svc == service and (_DEPLOYED.match(message) or _SCHEDULED.match(message))
        )
        before = [(at, message) for at, message in deploys if at <= world.onset_ms]
        after = [at for at, _ in deploys if at > world.onset_ms]
        chain, pods = [], current
        for at, message in reversed(before):
            chain.append((at, pods))
            scheduled = _SCHEDULED.match(message)
            if scheduled and scheduled.group(1) in pods:
                head = scheduled.group(1).rsplit("-", 1)[0]
                old = f"{head}-" + "".join(rng.choice(logstream.POD_SUFFIX_CHARS) for _ in range(5))
                pods = tuple(old if p == scheduled.group(1) else p for p in pods)
            else:
                pods = logstream.replica_set(rng, service, len(current))
        chain.append((-1, pods))
        chain.reverse()
        chain += [(at, logstream.replica_set(rng, service, len(current))) for at in after]
        generations[service] = chain
    return generations


def _pods_at(generations: dict, service: str, t_ms: int) -> tuple[str, ...]:
    """The pods serving `service` at `t_ms`."""
    return next(pods for at, pods in reversed(generations[service]) if at <= t_ms)


def _deployed(tpl: logstream.Template, generations: dict, at: int, hosts: dict) -> logstream.Template:
    """A deploy's or a scheduled pod's line: it states its service's pod count, and from it on the
    service's lines come from the pods that serve after it."""
    chain = generations.get(tpl.service, [])
    step = next((n for n, (when, _) in enumerate(chain) if when == at), None)
    if step is None or not (_DEPLOYED.match(tpl.message) or _SCHEDULED.match(tpl.message)):
        return tpl
    pods = chain[step][1]
    message = _POD_COUNT.sub(f"on {len(pods)}/{len(pods)} pods", tpl.message)
    return replace(tpl, message=message, rollout=(chain[0][1], pods), hosts=chain[0][1])


# No unrelated change lands in this long before the onset (or between its trigger and it): one there
# would be a suspect the key must answer for, and the key lists only the story's red herrings.
CHANGE_QUIET_MS = 10 * MINUTE_MS


def _clear_of_the_onset(world: World, at: int, *, start_ms: int) -> int:
    """`at`, or, when it falls in the quiet stretch before the onset (from CHANGE_QUIET_MS before it,
    or two minutes before the trigger, to two minutes after it), as far after that stretch as it
    was into it; before the stretch when that would leave the window."""
    quiet_start = min(world.onset_ms - CHANGE_QUIET_MS, world.trigger_ms - 2 * MINUTE_MS)
    quiet_end = world.onset_ms + 2 * MINUTE_MS
    if not quiet_start <= at < quiet_end:
        return at
    after = quiet_end + (at - quiet_start)
    if after < start_ms + WINDOW_MS - 5 * MINUTE_MS:
        return after
    return max(start_ms + MINUTE_MS, quiet_start - (quiet_end - at))


def _events(world: World, rng, difficulty: str, *, start_ms: int) -> list[dict]:
    """One-off lines: the trigger, as explicit as the difficulty allows, and other services'
    deploys that changed nothing relevant (at medium and hard)."""
    events = []
    spec = world.archetype.get("trigger")
    busy = set(world.archetype["services"]) | {world.archetype["primary_service"]}
    if spec:
        message = discreet(world.text(spec["message"]), difficulty)
        events.append(spec | {"message": message, "role": "trigger", "at": world.trigger_ms})
        busy.add(spec["service"])
    candidates = [(service, text) for service, text in _OTHER_DEPLOYS if service not in busy]
    for service, text in rng.sample(candidates, min(OTHER_DEPLOYS[difficulty], len(candidates))):
        major, minor = rng.randint(1, 9), rng.randint(0, 40)
        message = text.format(
            new=f"v{major}.{minor + 1}.0", old=f"v{major}.{minor}.{rng.randint(0, 9)}",
            pods=rng.choice((3, 4, 6, 8, 12)), chg=rng.randint(4000, 4999),
        )  # fmt: skip
        at = _clear_of_the_onset(
            world, start_ms + rng.randrange(5 * MINUTE_MS, WINDOW_MS - 10 * MINUTE_MS), start_ms=start_ms
        )
        events.append(
            {
                "service": service,
                "level": "INFO",
                "message": discreet(message, difficulty),
                "role": "event",
                "at": at,
            }
        )
    return events


def _trace_lines(
    trace: list[dict],
    lines: logstream.LogLines,
    picked: list[int],
    signal: list[int],
    world: World,
    *,
    want: int,
    busy: set[int],
) -> list[int]:
    """The failures whose requests the traces show: ones the trace's spans can really describe."""
    steps = {(step["service"], world.text(step["operation"])) for step in trace}
    error_service = next(step["service"] for step in trace if "error" in step)
    inner_services = {step["service"] for step in trace[1:]}

    def rank(index: int) -> int:
        line = lines[index]
        if not line.get("tenant_id"):
            return 5  # a line about no tenant (a lag statistic) is no request to follow
        http = "method" in line
        if http and (line["service"], f"{line['method']} {line['path']}") in steps:
            return 0
        if http and line["service"] == error_service:
            return 1
        if http and line["service"] in inner_services:
            return 2
        return 3 if line["service"] == error_service else 4

    def crowded(index: int) -> bool:
        return _crowded(index, busy)

    # (A system line, a pool statistic or a GC pause, belongs to no request: it has no trace.)
    candidates = [i for i in picked + [i for i in signal[:2000] if i not in picked] if lines.has_ids(i)]
    # Room for the request's other lines comes first: a trace whose services log nothing of it is no use.
    ranked = sorted(
        candidates,
        key=lambda index: (rank(index) >= 4, rank(index), crowded(index), index not in picked, index),
    )
    return sorted(ranked[:want])


def _cited_herring_lines(lines: logstream.LogLines, ids: list[int]) -> list[int]:
    """The lines of a red herring the key cites: the first five with its first variant's message."""
    return [i for i in ids if lines.message(i) == lines.message(ids[0])][:5] if ids else []


def _crowded(index: int, busy: set[int]) -> bool:
    """Lines the story needs right next to it leave no room for the other services' lines of its request."""
    return any(j in busy for j in (index - 1, index + 1, index + 2, index + 3))


def _traces_and_samples(
    world: World, rng, lines: logstream.LogLines, failing: list[int], *, signal: set[int], busy: set[int]
) -> tuple[list, list, list]:
    """At least MIN_TRACES traces and MIN_SAMPLES HTTP samples: the failing requests first, then
    healthy ones to contrast them with. A healthy request of the failing operation gets a trace of
    the archetype's shape; another healthy request a trace of its own single span (a trace of the
    archetype's shape would describe the wrong calls)."""
    traces = [_trace(world, rng, lines, i, failing=True) for i in failing]
    anchors = list(failing)
    samples = [
        http_sample(world, rng, lines[i], trace)
        for i, trace in zip(failing, traces, strict=True)
        if "status" in lines[i]
    ]
    chosen = set(failing)
    reference = lines[failing[0]] if failing else None
    for healthy in _healthy_twins(lines, reference, rng, exclude=chosen | signal | busy):
        if len(traces) >= MIN_TRACES and len(samples) >= MIN_SAMPLES:
            break
        line = lines[healthy]
        twin = reference is not None and _operation(line) == _operation(reference)
        if twin and _crowded(healthy, busy | chosen):
            continue
        chosen.add(healthy)
        trace = _trace(world, rng, lines, healthy, failing=False) if twin else _single_span_trace(line)
        traces.append(trace)
        anchors.append(healthy)
        samples.append(http_sample(world, rng, lines[healthy], trace))
    services = {step["service"] for step in world.archetype["trace"]}
    crossing = [t for t in traces[len(failing) :] if len({s["service"] for s in t["spans"]}) > 1]
    if len(services) > 1 and not crossing:
        # At least one healthy request takes the failing requests' path, to follow next to them.
        healthy = _healthy_on_the_path(world, lines, exclude=chosen | signal | busy, busy=busy | chosen)
        if healthy is not None:
            traces.append(_trace(world, rng, lines, healthy, failing=False))
            anchors.append(healthy)
    return traces, samples, anchors


def _single_span_trace(line: dict) -> dict:
    return {
        "trace_id": line["trace_id"],
        "started_at": line["ts"],
        "spans": [
            {
                "span_id": line["span_id"],
                "parent_span_id": None,
                "service": line["service"],
                "operation": f"{line['method']} {line['path']}",
                "start_offset_ms": 0,
                "duration_ms": line["latency_ms"],
                "status": "ok" if line["status"] < 400 else "error",
            }
        ],
    }


def _healthy_twins(lines: logstream.LogLines, failing: dict | None, rng, *, exclude: set[int]):
    """Successful requests of a tenant on the failing request's operation, else its path, else its
    service, else any (any, when no failing request is traced); each at most once (a health check or
    a key-set fetch is no customer's request). Scans from a random place rather than filtering every
    line."""
    start = rng.randrange(len(lines))
    tests = (
        (
            lambda line: _operation(line) == _operation(failing),
            lambda line: line.get("path") == failing.get("path"),
            lambda line: line["service"] == failing["service"],
        )
        if failing is not None
        else ()
    ) + (lambda line: True,)
    seen = set(exclude)
    for same in tests:
        found = 0
        for offset in range(len(lines)):
            n = (start + offset) % len(lines)
            line = lines[n]
            request = line.get("tenant_id") and "trace_id" in line
            if n not in seen and line.get("status", 999) < 400 and request and same(line):
                seen.add(n)
                found += 1
                yield n
                if found >= MIN_TRACES:
                    break


def _healthy_on_the_path(
    world: World, lines: logstream.LogLines, *, exclude: set[int], busy: set[int]
) -> int | None:
    """A successful line of the archetype's request path, the customer's before the onset if there is
    one: a line of one of its "METHOD path" spans, else a line of a service its spans name that is
    no HTTP request (a delivery, a batch)."""
    steps = world.archetype["trace"]
    operations = {(step["service"], world.text(step["operation"])) for step in steps}
    services = {step["service"] for step in steps}
    on_path, of_service = set(), set()
    for k, (_, service, _, method, path, status) in enumerate(lines.kinds):
        if method is not None and status < 400 and (service, f"{method} {path}") in operations:
            on_path.add(k)
        elif method is None and service in services:
            of_service.add(k)
    customer = lines.intern_tenant(world.customer.tenant_id)
    before = bisect_left(lines.ms, world.onset_ms)
    for wanted in (on_path, of_service):
        found = None
        for n in range(len(lines)):
            if lines.kind[n] not in wanted or n in exclude or not lines.tenant[n] or _crowded(n, busy):
                continue
            if not lines.has_ids(n):
                continue  # a job's line of no request
            if lines.tenant[n] == customer and n < before:
                return n
            if found is None:
                found = n
        if found is not None:
            return found
    return None


_SPAN_HTTP = re.compile(r"^([A-Z]+) (/\S*)$")
_HTTP_IN_ERROR = re.compile(r"\bHTTP ([45]\d\d)\b|^([45]\d\d)\b")


def _lines_with_messages(lines: logstream.LogLines, messages: set[str]) -> list[int]:
    return [n for n in range(len(lines)) if lines.message(n) in messages]


def _follow_traces(
    world: World, rng, lines: logstream.LogLines, traced, *, hosts, special, window
) -> list[int]:
    """Every service a trace's spans name logs a line of that request: same trace and request id and
    tenant as the line the trace was drawn from, its own span id, a time inside its span. The line is
    a neighbour of that moment rewritten in place (never one the key, a story or a trace relies on),
    so no line moves out of time order and line ids stay positional. Returns the lines that tell of a
    failing request's failure (its warnings and errors)."""
    used = set(special)
    failure_lines: list[int] = []
    customer = world.customer.tenant_id
    pinned = {v for name, v in world.values.items() if name.endswith("pod_name")}
    for trace, anchor_index in traced:
        anchor = lines[anchor_index]
        tenant = anchor.get("tenant_id", "")
        if tenant and tenant != customer:
            # The trace's operations were written for the customer; this request is another tenant's.
            for span in trace["spans"]:
                span["operation"] = span["operation"].replace(customer, tenant)
                if "error" in span:
                    span["error"] = span["error"].replace(customer, tenant)
        spans = trace["spans"]
        failed = any(span["status"] == "error" for span in spans)
        # One line per service the anchor's line does not cover (its failing span, else its first),
        # placed in the order the spans end, so each finds room after the one before.
        todo = []
        for service in dict.fromkeys(span["service"] for span in spans):
            own = [x for x in spans if x["service"] == service]
            if service != anchor["service"]:
                todo.append(next((x for x in own if x["status"] == "error"), own[0]))
        todo.sort(key=lambda x: x["start_offset_ms"] + x["duration_ms"])
        # The anchor's line lies inside its span: at its start (the other lines come after it), or, when
        # the lines after it leave no room, at its end (the spans that ended before it log before it).
        # A short log may leave no room either way: its traces are then followed as far as it allows.
        mine = next(x for x in spans if x["span_id"] == anchor["span_id"])
        at = _epoch_ms(anchor["ts"])
        begins = at - mine["start_offset_ms"]
        start, placed = begins, _place(lines, todo, begins, at, used, rng, window)
        if placed is None and not _SPAN_HTTP.match(mine["operation"]):
            # (Not for an HTTP line: its request's first HTTP line is the one its sample shows.)
            start = begins - mine["duration_ms"]
            placed = _place(lines, todo, start, at, used, rng, window)
        if placed is None:
            start, placed = begins, _place(lines, todo, begins, at, used, rng, window, partial=True)
        trace["started_at"] = iso_ms(start)
        for span, slot in placed:
            child = next(
                (x["service"] for x in spans[spans.index(span) + 1 :] if x["service"] != span["service"]),
                None,
            )
            line = _span_line(span, anchor, tenant=tenant, failed=failed, child=child)
            serving = hosts(span["service"], lines.ms[slot])
            choices = [h for h in serving if h not in pinned]
            bad = [h for h in serving if h in pinned]
            line["host"] = bad[0] if bad and span["status"] == "error" else rng.choice(choices or bad)
            lines[slot] = line
            lines.set_ids(
                slot, trace_id=trace["trace_id"], span_id=span["span_id"], request_id=anchor["request_id"]
            )
            if failed and line["level"] in ("WARN", "ERROR"):
                failure_lines.append(slot)
    return failure_lines


def _place(
    lines: logstream.LogLines, todo, start: int, at: int, used: set[int], rng, window, *, partial=False
):
    """(span, line) for each span when the trace begins at `start`, the lines' times set; None, with
    every time restored, when one span finds no line (unless `partial`: then the others are kept).
    Spans that end after the anchor's line (at `at`) take lines after it, in the order they end; those
    that end before it take lines before it, the latest first."""
    placed, saved = [], []

    def end(span: dict) -> int:
        return start + span["start_offset_ms"] + span["duration_ms"]

    later = [span for span in todo if end(span) >= at]
    earlier = sorted((span for span in todo if end(span) < at), key=end, reverse=True)
    for span, backwards in [(x, False) for x in later] + [(x, True) for x in earlier]:
        low = max(start + span["start_offset_ms"], window[0])
        high = min(end(span), window[1] - 1)
        # A service logs a request when it is done with it: at its span's end, if a line can go there.
        slot = _slot(lines, max(low, high - 2), high, used, rng, saved, backwards=backwards)
        if slot is None:
            slot = _slot(lines, low, high, used, rng, saved, backwards=backwards)
        if slot is None and not partial:
            for q, ms in reversed(saved):
                lines.ms[q] = ms
                used.discard(q)
            return None
        if slot is not None:
            used.add(slot)
            placed.append((span, slot))
    return placed


def _slot(
    lines: logstream.LogLines, low: int, high: int, used: set[int], rng, saved: list, *, backwards=False
) -> int | None:
    """A line that can take a moment from low to high (ms) without leaving time order, now set to it
    (its old time kept in `saved`)."""
    ms = lines.ms
    last = len(ms) - 1
    first, end = max(bisect_left(ms, low) - 1, 0), min(bisect_right(ms, high), last)
    for q in range(end, first - 1, -1) if backwards else range(first, end + 1):
        if q in used:
            continue
        lo = max(low, ms[q - 1]) if q > 0 else low
        hi = min(high, ms[q + 1]) if q < last else high
        if lo <= hi:
            saved.append((q, ms[q]))
            ms[q] = (
                hi - rng.randint(0, min(hi - lo, 3)) if backwards else lo + rng.randint(0, min(hi - lo, 3))
            )
            return q
    return None


# What a healthy request answers when it is not a plain 200: a SAML post redirects into the app.
_HEALTHY_STATUS = {("POST", "/saml/acs"): 302}


def _span_line(span: dict, anchor: dict, *, tenant: str, failed: bool, child: str | None) -> dict:
    """What a service logs for its span of the request: an HTTP line for a "METHOD path" span that
    answered, with the span's status and duration, else the operation and how it ended."""
    operation = span["operation"]
    http = _SPAN_HTTP.match(operation)
    error = span["status"] == "error"
    anchor_status = anchor.get("status")
    who = f" for tenant {tenant}" if tenant else ""
    line = {"service": span["service"], "tenant_id": tenant} if tenant else {"service": span["service"]}
    if http and (error or not failed):
        method, path = http.groups()
        if error:
            stated = _HTTP_IN_ERROR.search(span.get("error", ""))
            status = (
                anchor_status
                if (anchor_status or 0) >= 400
                else int(next(g for g in stated.groups() if g))
                if stated
                else 502
            )
            message = (
                f"upstream {child} returned {status}{who}"
                if child
                else f"{method} {path} answered {status}{who}"
            )
        else:
            same = anchor.get("method") == method and anchor_status is not None
            status = anchor_status if same else _HEALTHY_STATUS.get((method, path), 200)
            message = f"request completed tenant={tenant}" if tenant else "request completed"
        level = "INFO" if status < 400 else ("ERROR" if status >= 500 else "WARN")
        return line | {"level": level, "message": message, "method": method, "path": path,
                       "status": status, "latency_ms": span["duration_ms"]}  # fmt: skip
    if http:
        # The request was accepted; what failed came after, in the work it handed on.
        message = f"{operation} accepted{who}; the work continues asynchronously"
        return line | {"level": "INFO", "message": message}
    if error:
        message = f"{operation} failed in {span['duration_ms']} ms: {span['error']}"
        return line | {"level": "ERROR", "message": message}
    return line | {"level": "DEBUG", "message": f"{operation} ok in {span['duration_ms']} ms"}
