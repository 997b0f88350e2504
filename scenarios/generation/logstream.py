"""The log stream: up to hundreds of thousands of structured lines in which one root cause hides.

This is the hot path of generation (a 100,000-line scenario must build in well under a second),
so templates are rendered once per scenario, timestamps are formatted once per second, and the
loop touches nothing but locals.
"""

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

HOSTS_PER_SERVICE = 3
_UNIT = 1 / 65536


@dataclass(frozen=True)
class Template:
    role: str  # noise | signal | herring | trigger
    service: str
    level: str
    message: str
    method: str | None
    path: str | None
    status: int | None
    latency_low: int
    latency_span: int
    tag: str = ""  # the red herring's id, for herrings
    hosts: tuple[str, ...] = ()  # the service's pods, set by with_hosts()
    own_tenant: bool = False  # the line belongs to the customer's tenant (its message names it)


@dataclass
class LogStream:
    lines: list[dict]
    signal: list[int] = field(default_factory=list)
    herrings: dict[str, list[int]] = field(default_factory=dict)
    trigger: int | None = None


def template(entry: dict, *, role: str, render, tag: str = "", customer_tenant: str = "") -> Template:
    http = entry.get("http") or {}
    low, high = http.get("latency_ms", (0, 0))
    message = render(entry["message"])
    return Template(
        role=role,
        service=entry["service"],
        level=entry["level"],
        message=message,
        own_tenant=bool(customer_tenant) and customer_tenant in message,
        method=http.get("method"),
        path=http.get("path"),
        status=http.get("status"),
        latency_low=low,
        latency_span=max(high - low, 1),
        tag=tag,
    )


def with_hosts(templates, hosts: dict[str, tuple[str, ...]]):
    return tuple(replace(t, hosts=hosts[t.service]) for t in templates)


def pod_names(rng: random.Random, services) -> dict[str, tuple[str, ...]]:
    return {
        service: tuple(
            f"{service}-{rng.getrandbits(24):06x}-{rng.getrandbits(20):05x}" for _ in range(HOSTS_PER_SERVICE)
        )
        for service in sorted(services)
    }


def weighted(entries: list[Template], weights: list[int]) -> tuple[Template, ...]:
    expanded: list[Template] = []
    for entry, weight in zip(entries, weights, strict=True):
        expanded.extend([entry] * max(int(weight), 1))
    return tuple(expanded)


def generate_lines(
    rng: random.Random,
    *,
    count: int,
    start_ms: int,
    end_ms: int,
    onset_ms: int,
    noise: tuple[tuple[Template, ...], ...],
    signal: tuple[Template, ...],
    herrings: list[tuple[Template, int]],
    trigger: tuple[Template, int] | None,
    signal_ratio: float,
    herring_ratio: float,
    tenants: tuple[str, ...],
    customer_tenant: str,
    signal_customer_only: bool = False,
) -> LogStream:
    """`count` lines between start and end, in time order, ids L000000 upwards.

    After the onset a line is a signal line with probability `signal_ratio`; a red herring,
    from its own start time, with `herring_ratio`; otherwise healthy traffic. The trigger line
    (a deploy, a config change, an expiry) is written once, at its own time.

    `noise` holds the healthy templates once per tenant (`noise[k]` rendered for `tenants[k]`), so
    a line's message and its tenant_id name the same tenant. A signal or herring line whose message
    names the customer's tenant is the customer's; with `signal_customer_only` (a failure of one
    tenant) every signal line is.
    """
    lines: list[dict] = []
    append = lines.append
    rnd = rng.random
    bits = rng.getrandbits
    span = end_ms - start_ms
    step = max(span // max(count, 1), 1)
    n_noise, n_signal, n_tenants = len(noise[0]), len(signal), len(tenants)
    active_herrings: list[Template] = []
    pending_herrings = sorted(herrings, key=lambda pair: pair[1])
    next_herring_at = pending_herrings[0][1] if pending_herrings else end_ms + 1
    trigger_at = trigger[1] if trigger else end_ms + 1
    last_second = -1
    prefix = ""
    stream = LogStream(lines=lines)
    signal_index, herring_index = stream.signal, stream.herrings
    fromtimestamp = datetime.fromtimestamp
    for i in range(count):
        # One 64-bit draw feeds every small choice of the line; one 240-bit draw feeds its ids.
        x = bits(64)
        t = start_ms + (i * span) // count + (((x & 0xFFFF) * step) >> 16)
        if t >= next_herring_at:
            while pending_herrings and pending_herrings[0][1] <= t:
                active_herrings.append(pending_herrings.pop(0)[0])
            next_herring_at = pending_herrings[0][1] if pending_herrings else end_ms + 1
        r = ((x >> 16) & 0xFFFF) * _UNIT
        pick = (x >> 32) & 0xFFFF
        tenant_index = ((x >> 48) & 0xFF) % n_tenants
        tenant = tenants[tenant_index]
        if t >= trigger_at:
            tpl = trigger[0]
            t = trigger_at
            trigger_at = end_ms + 1
            stream.trigger = i
            tenant = customer_tenant
        elif t >= onset_ms and (r < signal_ratio or not signal_index):
            # The first line at or after the onset is the first failure, so the logs show the onset itself.
            if not signal_index:
                t = onset_ms
            tpl = signal[pick % n_signal]
            signal_index.append(i)
            if signal_customer_only or tpl.own_tenant or pick & 0x8000 or pick & 0x4000:
                tenant = customer_tenant
        elif active_herrings and r > 1.0 - herring_ratio * len(active_herrings):
            tpl = active_herrings[pick % len(active_herrings)]
            herring_index.setdefault(tpl.tag, []).append(i)
            if tpl.own_tenant:
                tenant = customer_tenant
        else:
            tpl = noise[tenant_index][pick % n_noise]
        second = t // 1000
        if second != last_second:
            last_second = second
            prefix = fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        ids = f"{bits(240):060x}"
        line = {
            "id": f"L{i:06d}",
            "ts": f"{prefix}{t % 1000:03d}Z",
            "level": tpl.level,
            "service": tpl.service,
            "host": tpl.hosts[(x >> 56) % HOSTS_PER_SERVICE],
            "trace_id": ids[:32],
            "span_id": ids[32:48],
            "request_id": "req_" + ids[48:],
            "tenant_id": tenant,
            "message": tpl.message,
        }
        if tpl.method is not None:
            line["method"] = tpl.method
            line["path"] = tpl.path
            line["status"] = tpl.status
            line["latency_ms"] = tpl.latency_low + int(rnd() * tpl.latency_span)
        append(line)
    return stream
