"""The log stream: up to a million structured lines in which one root cause hides.

This is the hot path of generation (a 100,000-line scenario must build in well under a second),
so templates are rendered once per scenario (once per tenant, in a few variants with their own
ids and numbers), timestamps are formatted once per second, and the loop touches nothing but
locals.
"""

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

HOSTS_PER_SERVICE = 3
_UNIT = 1 / 65536
TABLE_SIZE = 256  # tenant tables: one 8-bit draw picks a tenant, the busy ones more often

# Per-line slots of a template: each variant of a template draws its own values, so one invoice,
# order or count is not repeated on every line of its kind.
_SLOT = re.compile(r"\{#(order|invoice|export|endpoint|n)(?::(\d+)-(\d+))?\}")
_NAMED_TENANT = re.compile(r"\btn_[0-9a-f]{6,}\b")
_SLOT_IDS = {"order": ("ord_", 8), "invoice": ("in_", 8), "export": ("exp_", 10), "endpoint": ("we_", 10)}


def fill_slots(text: str, rng: random.Random, drawn: dict | None = None) -> str:
    """Replace per-line slots with values from `rng`; the same slot name gets the same value within
    one call (and within calls sharing `drawn`), so a message and its path agree."""
    drawn = {} if drawn is None else drawn

    def value(match: re.Match) -> str:
        name, low, high = match.group(1), match.group(2), match.group(3)
        key = match.group(0)
        if key not in drawn:
            if name == "n":
                drawn[key] = str(rng.randint(int(low), int(high)))
            else:
                prefix, chars = _SLOT_IDS[name]
                drawn[key] = prefix + f"{rng.getrandbits(chars * 4):0{chars}x}"
        return drawn[key]

    return _SLOT.sub(value, text)


def has_slots(text: str) -> bool:
    return bool(_SLOT.search(text))


@dataclass(frozen=True)
class Template:
    role: str  # noise | background | signal | herring | trigger | event
    service: str
    level: str
    message: str
    method: str | None
    path: str | None
    status: int | None
    latency_low: int
    latency_span: int
    tag: str = ""  # the red herring's id, for herrings
    hosts: tuple[str, ...] = ()  # the pods of its service
    own_tenant: bool = False  # the line belongs to the customer's tenant (its message names it)
    # The tenant every line of it carries: the one its message names, "" for a line about no tenant
    # (a deploy, a pool statistic, a health check); None: the tenant whose traffic it is.
    fixed_tenant: str | None = None


@dataclass
class LogStream:
    lines: list[dict]
    signal: list[int] = field(default_factory=list)
    herrings: dict[str, list[int]] = field(default_factory=dict)
    trigger: int | None = None
    events: list[int] = field(default_factory=list)  # one-off lines: other deploys, config changes


def template(
    entry: dict,
    *,
    role: str,
    render,
    tag: str = "",
    customer_tenant: str = "",
    rng: random.Random | None = None,
    hosts: tuple[str, ...] = (),
) -> Template:
    """A template rendered with world values (`render`) and, given `rng`, its slots filled."""
    http = entry.get("http") or {}
    low, high = http.get("latency_ms", (0, 0))
    message = render(entry["message"])
    path = http.get("path")
    if rng is not None:
        drawn: dict = {}
        message = fill_slots(message, rng, drawn)
        path = fill_slots(path, rng, drawn) if path else path
    named = _NAMED_TENANT.findall(message)
    return Template(
        fixed_tenant="" if entry.get("system") else (named[0] if named else None),
        role=role,
        service=entry["service"],
        level=entry["level"],
        message=message,
        own_tenant=bool(customer_tenant) and customer_tenant in message,
        method=http.get("method"),
        path=path,
        status=http.get("status"),
        latency_low=low,
        latency_span=max(high - low, 1),
        tag=tag,
        hosts=hosts,
    )


def variants(entry: dict, count: int, make) -> list[Template]:
    """`count` renderings of an entry: distinct ones when it has per-line slots, else the same one
    `count` times (so every entry keeps the same weight)."""
    text = entry["message"] + str((entry.get("http") or {}).get("path", ""))
    if has_slots(text):
        return [make(entry) for _ in range(count)]
    return [make(entry)] * count


_POD_SUFFIX = "bcdfghjklmnpqrstvwxz2456789"


def pod_names(rng: random.Random, services, pinned: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """HOSTS_PER_SERVICE pods per service, named as a Deployment's pods are: the service, the
    ReplicaSet's hash (shared by its pods) and a suffix of their own. A pinned pod name (a world
    fact such as the pod on a bad node) is its service's first pod, and its siblings share its hash."""
    names = {}
    for service in sorted(services):
        own = [p for p in pinned if p.startswith(service + "-") and p.count("-") == service.count("-") + 2]
        rs = own[0].rsplit("-", 2)[1] if own else f"{rng.getrandbits(24):06x}"
        pods = own[:1]
        while len(pods) < HOSTS_PER_SERVICE:
            pod = f"{service}-{rs}-" + "".join(rng.choice(_POD_SUFFIX) for _ in range(5))
            if pod not in pods:
                pods.append(pod)
        names[service] = tuple(pods)
    return names


def weighted(entries: list[Template], weights: list[int]) -> tuple[Template, ...]:
    expanded: list[Template] = []
    for entry, weight in zip(entries, weights, strict=True):
        expanded.extend([entry] * max(int(weight), 1))
    return tuple(expanded)


def tenant_table(rng: random.Random, indices: list[int], *, boost: int | None = None) -> tuple[int, ...]:
    """TABLE_SIZE slots over `indices`, busy tenants taking more (a Zipf-like spread, as real
    traffic is: a few large customers and a long tail); `boost` takes a quarter of the slots."""
    order = list(indices)
    rng.shuffle(order)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(order))]
    slots = TABLE_SIZE - (TABLE_SIZE // 4 if boost is not None else 0)
    total = sum(weights)
    table: list[int] = [boost] * (TABLE_SIZE - slots) if boost is not None else []
    counts = [max(1, round(slots * w / total)) for w in weights]
    for index, count in zip(order, counts, strict=True):
        table.extend([index] * count)
    table = (table + order * TABLE_SIZE)[:TABLE_SIZE]
    rng.shuffle(table)
    return tuple(table)


def generate_lines(
    rng: random.Random,
    *,
    count: int,
    start_ms: int,
    end_ms: int,
    onset_ms: int,
    noise: tuple[tuple[Template, ...], ...],
    background: tuple[tuple[Template, ...], ...],
    signal: tuple[tuple[Template, ...], ...],
    herrings: list[tuple[tuple[Template, ...], int]],
    events: list[tuple[Template, int, bool]],
    signal_ratio: float,
    herring_ratio: float,
    background_ratio: float,
    tenants: tuple[str, ...],
    traffic: tuple[int, ...],
    affected: tuple[int, ...],
    customer_tenant: str,
) -> LogStream:
    """`count` lines between start and end, in time order, ids L000000 upwards.

    After the onset a line is a signal line with probability `signal_ratio`; a red herring (one of
    its variants), from its own start time, with `herring_ratio`; an unrelated warning (`background`, all through
    the window) with `background_ratio`; otherwise healthy traffic. One-off events (the trigger:
    a deploy, a config change, an expiry; other deploys) are written once each, at their own time.

    Templates are per tenant: `noise[k]`, `background[k]` and `signal[k]` are rendered for
    `tenants[k]`, so a line's message and its tenant_id name the same tenant. `traffic` and
    `affected` are tables of tenant indices (see tenant_table): who sends healthy traffic, and
    whose requests fail (only the customer, when the failure is one tenant's).
    """
    lines: list[dict] = []
    append = lines.append
    rnd = rng.random
    bits = rng.getrandbits
    span = end_ms - start_ms
    step = max(span // max(count, 1), 1)
    active_herrings: list[tuple[Template, ...]] = []
    pending_herrings = sorted(herrings, key=lambda pair: pair[1])
    next_herring_at = pending_herrings[0][1] if pending_herrings else end_ms + 1
    pending_events = sorted(events, key=lambda event: event[1])
    next_event_at = pending_events[0][1] if pending_events else end_ms + 1
    last_second = -1
    last_t = start_ms
    prefix = ""
    stream = LogStream(lines=lines)
    signal_index, herring_index, event_index = stream.signal, stream.herrings, stream.events
    fromtimestamp = datetime.fromtimestamp
    quiet = 1.0 - background_ratio
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
        slot = (x >> 48) & 0xFF
        if t >= next_event_at:
            tpl, at, is_trigger = pending_events.pop(0)
            # Two events close together: the later one is written on the next line, still in order.
            t = max(at, last_t)
            next_event_at = pending_events[0][1] if pending_events else end_ms + 1
            if is_trigger:
                stream.trigger = i
            elif tpl.role == "herring":
                herring_index.setdefault(tpl.tag, []).append(i)
            else:
                event_index.append(i)
            # A one-off event is about no tenant unless its message names one (an import's tenant).
            tenant = tpl.fixed_tenant or ""
        elif t >= onset_ms and (r < signal_ratio or not signal_index):
            # The first line at or after the onset is the first failure, so the logs show the onset itself.
            if not signal_index:
                t = max(onset_ms, last_t)
            k = affected[slot]
            own = signal[k]
            tpl = own[pick % len(own)]
            tenant = tenants[k] if tpl.fixed_tenant is None else tpl.fixed_tenant
            signal_index.append(i)
        elif active_herrings and r > 1.0 - herring_ratio * len(active_herrings):
            group = active_herrings[pick % len(active_herrings)]
            tpl = group[(pick >> 8) % len(group)]
            herring_index.setdefault(tpl.tag, []).append(i)
            tenant = tpl.fixed_tenant if tpl.fixed_tenant is not None else tenants[traffic[slot]]
        elif r > quiet - herring_ratio * len(active_herrings):
            k = traffic[slot]
            own = background[k]
            tpl = own[pick % len(own)]
            tenant = tenants[k] if tpl.fixed_tenant is None else tpl.fixed_tenant
        else:
            k = traffic[slot]
            own = noise[k]
            tpl = own[pick % len(own)]
            tenant = tenants[k] if tpl.fixed_tenant is None else tpl.fixed_tenant
        last_t = t
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
            "host": tpl.hosts[(x >> 56) % len(tpl.hosts)],
            "trace_id": ids[:32],
            "span_id": ids[32:48],
            "request_id": "req_" + ids[48:],
            "tenant_id": tenant,
            "message": tpl.message,
        }
        if not tenant:
            del line["tenant_id"]
        if tpl.method is not None:
            line["method"] = tpl.method
            line["path"] = tpl.path
            line["status"] = tpl.status
            line["latency_ms"] = tpl.latency_low + int(rnd() * tpl.latency_span)
        append(line)
    return stream
