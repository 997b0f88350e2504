"""The log stream: up to a million structured lines in which one root cause hides.

This is the hot path of generation (a 100,000-line scenario must build in well under a second),
so templates are rendered once per scenario (once per tenant, in a few variants with their own
ids and numbers) and compiled to tuples, and the loop touches nothing but locals. Lines are kept as
columns (LogLines), not dicts, so a million of them take about 50 MB; timestamps are formatted, once
per second, only when a line is read or written out.
"""

import math
import random
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

HOSTS_PER_SERVICE = 3  # the fewest pods a service runs; how many it runs is drawn per scenario
MAX_PODS = 6
_UNIT = 1 / 65536
# Lines arrive as requests do, at random moments (exponential gaps), not one per even time slot: a
# gap is one of 256 quantiles of the exponential distribution, drawn by a byte.
_GAPS = tuple(-math.log((k + 0.5) / 256) for k in range(256))
TABLE_SIZE = 256  # tenant tables: one 8-bit draw picks a tenant, the busy ones more often

# Per-line slots of a template: each variant of a template draws its own values, so one invoice,
# order, count or duration is not repeated on every line of its kind, nor in every scenario.
# {#n:LO-HI} a whole number; {#order} {#invoice} {#export} {#endpoint} {#client} an id of that kind;
# {#hex6} six hex digits (eight without a number); {#ip} an address of the documentation ranges.
_SLOT = re.compile(r"\{#(order|invoice|export|endpoint|client|ip|hex\d*|n)(?::(\d+)-(\d+))?\}")
_NAMED_TENANT = re.compile(r"\btn_[0-9a-f]{6,}\b")
_SLOT_IDS = {
    "order": ("ord_", 8),
    "invoice": ("in_", 8),
    "export": ("exp_", 10),
    "endpoint": ("we_", 10),
    "client": ("ci_", 12),
}
_DOCUMENTATION_NETWORKS = ("192.0.2", "198.51.100", "203.0.113")


def fill_slots(text: str, rng: random.Random, drawn: dict | None = None) -> str:
    """Replace per-line slots with values from `rng`; the same slot gets the same value within one
    call (and within calls sharing `drawn`), so a message and its path agree."""
    drawn = {} if drawn is None else drawn

    def value(match: re.Match) -> str:
        name, low, high = match.group(1), match.group(2), match.group(3)
        key = match.group(0)
        if key not in drawn:
            if name == "n":
                drawn[key] = str(rng.randint(int(low), int(high)))
            elif name == "ip":
                drawn[key] = f"{rng.choice(_DOCUMENTATION_NETWORKS)}.{rng.randint(2, 254)}"
            elif name.startswith("hex"):
                chars = int(name[3:] or 8)
                drawn[key] = f"{rng.getrandbits(chars * 4):0{chars}x}"
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
    # A deploy or a rescheduled pod: (the pods its service's templates name, the pods that serve from
    # this line on). Lines of the service after it come from the new pods.
    rollout: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    # Work of the platform itself (a health probe, a periodic job, GC, a deploy, a pod's lifecycle):
    # it serves no request, so its lines carry no trace, span or request id.
    system: bool = False


# A line that changes the system (a deploy, a config reload, a pod placed on a new node): what a
# dashboard annotates and what a reader suspects first.
CHANGE_LINE = re.compile(r"^(deploy finished|config reloaded|pod \S+ scheduled)")
_LINE_ID = re.compile(r"L\d{6,}")
_ID_BYTES = 30  # a line's trace, span and request ids: one 240-bit draw
# A system line's ids: all zero bytes, which no real trace id is (W3C forbids the all-zero trace id).
NO_IDS = bytes(_ID_BYTES)
_NO_TRACE = "0" * 32
LATENCY_KEY = ',"latency_ms":'


def _stamp_prefix(second: int) -> str:
    return datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.")


class LogLines(Sequence):
    """A log's lines in columns, about 50 bytes a line instead of a dict of strings (about 1.5 KB):
    a million lines fit in memory, and a line becomes the payload's dict only when read.

    A line is its time (ms), its kind (level, service, message and HTTP method, path and status,
    shared by every line that has them), its host, its tenant, its ids and its latency. A system
    line's ids are zero bytes (NO_IDS) and its dict has no trace_id, span_id or request_id.
    `lines[n]` gives the dict the payload holds; `dicts(start, stop)` a slice of them;
    `lines[n] = line` rewrites a line's kind, host, tenant, latency and ids (its id and time stay).
    """

    def __init__(self) -> None:
        self.kinds: list[tuple] = []  # (level, service, message, method, path, status)
        self._kind_index: dict[tuple, int] = {}
        self.hosts: list[str] = []
        self._host_index: dict[str, int] = {}
        self.tenants: list[str] = [""]  # 0: a line about no tenant
        self._tenant_index: dict[str, int] = {"": 0}
        self.ms = array("q")
        self.kind = array("I")
        self.host = array("I")
        self.tenant = array("I")
        self.latency = array("I")
        self.ids = bytearray()
        # Canonical JSON fragments of the kinds, hosts and tenants (see json_items), made as they are
        # needed; the tables only grow, so they stay valid.
        self._kind_json: list[tuple[str, str, str, bool]] = []
        self._host_json: list[str] = []
        self._tenant_json: list[str] = []

    def intern_kind(self, level, service, message, method, path, status) -> int:
        key = (level, service, message, method, path, status)
        index = self._kind_index.get(key)
        if index is None:
            index = self._kind_index[key] = len(self.kinds)
            self.kinds.append(key)
        return index

    def intern_host(self, host: str) -> int:
        index = self._host_index.get(host)
        if index is None:
            index = self._host_index[host] = len(self.hosts)
            self.hosts.append(host)
        return index

    def host_index(self, host: str) -> int | None:
        return self._host_index.get(host)

    def intern_tenant(self, tenant: str) -> int:
        index = self._tenant_index.get(tenant)
        if index is None:
            index = self._tenant_index[tenant] = len(self.tenants)
            self.tenants.append(tenant)
        return index

    def __len__(self) -> int:
        return len(self.ms)

    def __getitem__(self, n):
        if isinstance(n, slice):
            return (
                self.dicts(*n.indices(len(self))[:2])
                if n.step in (None, 1)
                else [self[i] for i in range(len(self))[n]]
            )
        if n < 0:
            n += len(self)
        if not 0 <= n < len(self):
            raise IndexError("log line index out of range")
        return self.dicts(n, n + 1)[0]

    def __iter__(self) -> Iterator[dict]:
        for start in range(0, len(self), 4096):
            yield from self.dicts(start, start + 4096)

    def __eq__(self, other) -> bool:
        if isinstance(other, LogLines | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None

    def to_list(self) -> list[dict]:
        return self.dicts(0, len(self))

    def dicts(self, start: int, stop: int) -> list[dict]:
        """Lines start..stop-1 as the payload's dicts."""
        stop = min(stop, len(self))
        kinds, hosts, tenants = self.kinds, self.hosts, self.tenants
        ms, kind, host, tenant, latency = self.ms, self.kind, self.host, self.tenant, self.latency
        ids = self.ids[start * _ID_BYTES : stop * _ID_BYTES].hex()
        out = []
        append = out.append
        last_second, prefix = -1, ""
        for i in range(start, stop):
            t = ms[i]
            second = t // 1000
            if second != last_second:
                last_second, prefix = second, _stamp_prefix(second)
            level, service, message, method, path, status = kinds[kind[i]]
            o = (i - start) * 60
            trace = ids[o : o + 32]
            line = {"id": f"L{i:06d}", "ts": f"{prefix}{t % 1000:03d}Z", "level": level, "service": service,
                    "host": hosts[host[i]]}  # fmt: skip
            if trace != _NO_TRACE:
                line["trace_id"] = trace
                line["span_id"] = ids[o + 32 : o + 48]
                line["request_id"] = "req_" + ids[o + 48 : o + 60]
            if tenant[i]:
                line["tenant_id"] = tenants[tenant[i]]
            line["message"] = message
            if method is not None:
                line["method"] = method
                line["path"] = path
                line["status"] = status
                line["latency_ms"] = latency[i]
            append(line)
        return out

    def json_items(self, start: int, stop: int) -> bytes:
        """Lines start..stop-1 in canonical JSON, comma-separated: exactly the bytes of
        canonical_json(self.dicts(start, stop)) without its brackets, written straight from the
        columns (keys in sorted order, every string escaped by orjson once per kind, host or tenant)."""
        stop = min(stop, len(self))
        kind_json, host_json, tenant_json = self._fragments()
        ms, kind, host, tenant, latency = self.ms, self.kind, self.host, self.tenant, self.latency
        ids = self.ids[start * _ID_BYTES : stop * _ID_BYTES].hex()
        out = []
        append = out.append
        last_second, prefix = -1, ""
        o = 0
        for i in range(start, stop):
            t = ms[i]
            second = t // 1000
            if second != last_second:
                last_second, prefix = second, _stamp_prefix(second)
            head, service, status, http = kind_json[kind[i]]
            trace = ids[o : o + 32]
            if trace == _NO_TRACE:
                # A system line: no request, span or trace id.
                middle, end = service, ""
            else:
                middle = (
                    f',"request_id":"req_{ids[o + 48 : o + 60]}"{service},"span_id":"{ids[o + 32 : o + 48]}"'
                )
                end = f',"trace_id":"{trace}"'
            append(
                f'{{"host":{host_json[host[i]]},"id":"L{i:06d}"'
                f"{LATENCY_KEY if http else ''}{latency[i] if http else ''}"
                f'{head}{middle}{status}{tenant_json[tenant[i]]}{end},"ts":"{prefix}{t % 1000:03d}Z"}}'
            )
            o += 60
        return ",".join(out).encode()

    def _fragments(self) -> tuple[list, list, list]:
        def j(value) -> str:
            return orjson.dumps(value).decode()

        for level, service, message, method, path, status in self.kinds[len(self._kind_json) :]:
            http = method is not None
            # (the keys before request_id, the service, the status, has HTTP fields): a line's ids go
            # around its service (request_id before it, span_id after it) when it has them.
            self._kind_json.append(
                (
                    f',"level":{j(level)},"message":{j(message)}'
                    + (f',"method":{j(method)},"path":{j(path)}' if http else ""),
                    f',"service":{j(service)}',
                    f',"status":{j(status)}' if http else "",
                    http,
                )
            )
        self._host_json.extend(j(host) for host in self.hosts[len(self._host_json) :])
        self._tenant_json.extend(
            f',"tenant_id":{j(tenant)}' if tenant else "" for tenant in self.tenants[len(self._tenant_json) :]
        )
        return self._kind_json, self._host_json, self._tenant_json

    def __setitem__(self, n: int, line: dict) -> None:
        self.kind[n] = self.intern_kind(
            line["level"],
            line["service"],
            line["message"],
            line.get("method"),
            line.get("path"),
            line.get("status"),
        )
        self.host[n] = self.intern_host(line["host"])
        self.tenant[n] = self.intern_tenant(line.get("tenant_id", ""))
        self.latency[n] = line.get("latency_ms", 0)
        if "trace_id" in line:
            self.set_ids(n, trace_id=line["trace_id"], span_id=line["span_id"], request_id=line["request_id"])
        else:
            self.ids[n * _ID_BYTES : (n + 1) * _ID_BYTES] = NO_IDS

    # Cheap reads of one field, for code that scans many lines.
    def message(self, n: int) -> str:
        return self.kinds[self.kind[n]][2]

    def service(self, n: int) -> str:
        return self.kinds[self.kind[n]][1]

    def positions(self) -> "Positions":
        """A mapping of line id to position, as a dict of every id would be, without the dict."""
        return Positions(len(self))

    def line_id(self, n: int) -> str:
        return f"L{n:06d}"

    def has_http(self, n: int) -> bool:
        return self.kinds[self.kind[n]][3] is not None

    def status(self, n: int) -> int | None:
        return self.kinds[self.kind[n]][5]

    def tenant_id(self, n: int) -> str:
        return self.tenants[self.tenant[n]]

    def has_ids(self, n: int) -> bool:
        """Whether line n belongs to a request (a system line has no ids)."""
        return self.ids[n * _ID_BYTES : n * _ID_BYTES + 16] != NO_IDS[:16]

    def ts(self, n: int) -> str:
        t = self.ms[n]
        return f"{_stamp_prefix(t // 1000)}{t % 1000:03d}Z"

    def set_ids(self, n: int, *, trace_id: str, span_id: str, request_id: str) -> None:
        """Give line n another request's ids (32 + 16 hex digits and req_ + 12)."""
        self.ids[n * _ID_BYTES : (n + 1) * _ID_BYTES] = bytes.fromhex(
            trace_id + span_id + request_id.removeprefix("req_")
        )

    def set_message(self, n: int, message: str) -> None:
        level, service, _, method, path, status = self.kinds[self.kind[n]]
        self.kind[n] = self.intern_kind(level, service, message, method, path, status)

    def services(self) -> set[str]:
        used = set(self.kind)
        return {self.kinds[k][1] for k in used}


class Positions:
    """Line id -> position for ids made from positions (L000042 -> 42)."""

    def __init__(self, count: int) -> None:
        self.count = count

    def get(self, line_id, default=None):
        if isinstance(line_id, str) and _LINE_ID.fullmatch(line_id):
            n = int(line_id[1:])
            if n < self.count and line_id == f"L{n:06d}":
                return n
        return default

    def __contains__(self, line_id) -> bool:
        return self.get(line_id) is not None

    def __getitem__(self, line_id) -> int:
        position = self.get(line_id)
        if position is None:
            raise KeyError(line_id)
        return position

    def __len__(self) -> int:
        return self.count


@dataclass
class LogStream:
    lines: LogLines
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
    tenant: str | None = None,
    rollout: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
) -> Template:
    """A template rendered with world values (`render`) and, given `rng`, its slots filled. Its lines
    carry the tenant their message names, else `tenant` when given (the tenant whose objects the
    message names), else none for a system line (`system`: the platform's own work, which carries no
    request ids either) or a request of no tenant (`no_tenant`: a probe from the internet, a key-set
    fetch), else the tenant whose traffic each line is."""
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
        system=bool(entry.get("system")),
        fixed_tenant="" if entry.get("system") or entry.get("no_tenant") else (named[0] if named else tenant),
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
        rollout=rollout,
    )


def variants(entry: dict, count: int, make) -> list[Template]:
    """`count` renderings of an entry: distinct ones when it has per-line slots, else the same one
    `count` times (so every entry keeps the same weight)."""
    text = entry["message"] + str((entry.get("http") or {}).get("path", ""))
    if has_slots(text):
        return [make(entry) for _ in range(count)]
    return [make(entry)] * count


POD_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def pod_names(
    rng: random.Random, services, pinned: tuple[str, ...] = (), counts: dict[str, int] | None = None
) -> dict[str, tuple[str, ...]]:
    """The pods of each service, named as a Deployment's pods are: the service, the ReplicaSet's hash
    (shared by its pods) and a suffix of their own; as many as `counts` says (a deploy note's "on 8/8
    pods"), else HOSTS_PER_SERVICE to MAX_PODS, drawn. A pinned pod name (a world fact such as the
    pod on a bad node) is its service's first pod, and its siblings share its hash."""
    names = {}
    for service in sorted(services):
        own = [p for p in pinned if p.startswith(service + "-") and p.count("-") == service.count("-") + 2]
        rs = own[0].rsplit("-", 2)[1] if own else f"{rng.getrandbits(24):06x}"
        wanted = (counts or {}).get(service) or rng.randint(HOSTS_PER_SERVICE, MAX_PODS)
        pods = own[:1]
        while len(pods) < wanted:
            pod = f"{service}-{rs}-" + "".join(rng.choice(POD_SUFFIX_CHARS) for _ in range(5))
            if pod not in pods:
                pods.append(pod)
        names[service] = tuple(pods)
    return names


def replica_set(rng: random.Random, service: str, count: int) -> tuple[str, ...]:
    """Another ReplicaSet's pods of the service (the one a deploy replaces or brings): its own hash,
    its own suffixes."""
    return pod_names(rng, [service], counts={service: count})[service]


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
    lines = LogLines()
    ms_append, kind_append, host_append = lines.ms.append, lines.kind.append, lines.host.append
    tenant_append, latency_append, ids_extend = lines.tenant.append, lines.latency.append, lines.ids.extend
    # The loop reads templates compiled to tuples: (its tenant's index in `lines`, -1 for the line's
    # own tenant; its kind; its hosts' indexes; has HTTP fields; latency low and span; role; tag; the
    # template; a system line, without ids).
    compiled: dict[int, tuple] = {}
    # The pods serving each set of templates' pods: one list per set, shared by its templates, which a
    # deploy's line refills with the new pods, so the lines after it come from them at no cost per line.
    pools: dict[tuple[str, ...], list[int]] = {}

    def pool(hosts: tuple[str, ...]) -> list[int]:
        found = pools.get(hosts)
        if found is None:
            found = pools[hosts] = [lines.intern_host(h) for h in hosts]
        return found

    def compile_one(tpl: Template) -> tuple:
        found = compiled.get(id(tpl))
        if found is None:
            found = compiled[id(tpl)] = (
                -1 if tpl.fixed_tenant is None else lines.intern_tenant(tpl.fixed_tenant),
                lines.intern_kind(tpl.level, tpl.service, tpl.message, tpl.method, tpl.path, tpl.status),
                pool(tpl.hosts),
                tpl.method is not None,
                tpl.latency_low,
                tpl.latency_span,
                tpl.role,
                tpl.tag,
                tpl,  # kept alive, so its id() is not reused
                tpl.system,
            )
        return found

    def compile_all(groups) -> tuple:
        return tuple(tuple(compile_one(tpl) for tpl in group) for group in groups)

    tenant_ids = tuple(lines.intern_tenant(tenant) for tenant in tenants)
    noise, background, signal = compile_all(noise), compile_all(background), compile_all(signal)
    herrings = [(tuple(compile_one(tpl) for tpl in group), at) for group, at in herrings]
    events = [(compile_one(tpl), at, is_trigger) for tpl, at, is_trigger in events]
    rnd = rng.random
    bits = rng.getrandbits
    span = end_ms - start_ms
    # Arrival times: exponential gaps (one byte each picks a quantile) scaled so that the lines, and one
    # more gap after the last, fill the window.
    gap_bytes = rng.randbytes(count + 1)
    gaps = _GAPS
    scale = span / sum(map(gaps.__getitem__, gap_bytes))
    arrived = 0.0
    active_herrings: list[tuple[tuple, ...]] = []
    pending_herrings = sorted(herrings, key=lambda pair: pair[1])
    next_herring_at = pending_herrings[0][1] if pending_herrings else end_ms + 1
    pending_events = sorted(events, key=lambda event: event[1])
    next_event_at = pending_events[0][1] if pending_events else end_ms + 1
    last_t = start_ms
    stream = LogStream(lines=lines)
    signal_index, herring_index, event_index = stream.signal, stream.herrings, stream.events
    signal_append = signal_index.append
    quiet = 1.0 - background_ratio
    for i in range(count):
        # One 64-bit draw feeds every small choice of the line; one 240-bit draw feeds a request's ids.
        x = bits(64)
        arrived += gaps[gap_bytes[i]]
        t = start_ms + int(arrived * scale)
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
            if tpl[8].rollout is not None:
                # From this line on, the service's lines come from the new pods.
                before, after = tpl[8].rollout
                pool(before)[:] = [lines.intern_host(h) for h in after]
            if is_trigger:
                stream.trigger = i
            elif tpl[6] == "herring":
                herring_index.setdefault(tpl[7], []).append(i)
            else:
                event_index.append(i)
            # A one-off event is about no tenant unless its message names one (an import's tenant).
            tenant = max(tpl[0], 0)
        elif t >= onset_ms and (r < signal_ratio or not signal_index):
            # The first line at or after the onset is the first failure, so the logs show the onset itself.
            if not signal_index:
                t = max(onset_ms, last_t)
            k = affected[slot]
            own = signal[k]
            tpl = own[pick % len(own)]
            tenant = tenant_ids[k] if tpl[0] < 0 else tpl[0]
            signal_append(i)
        elif active_herrings and r > 1.0 - herring_ratio * len(active_herrings):
            group = active_herrings[pick % len(active_herrings)]
            tpl = group[(pick >> 8) % len(group)]
            herring_index.setdefault(tpl[7], []).append(i)
            tenant = tpl[0] if tpl[0] >= 0 else tenant_ids[traffic[slot]]
        elif r > quiet - herring_ratio * len(active_herrings):
            k = traffic[slot]
            own = background[k]
            tpl = own[pick % len(own)]
            tenant = tenant_ids[k] if tpl[0] < 0 else tpl[0]
        else:
            k = traffic[slot]
            own = noise[k]
            tpl = own[pick % len(own)]
            tenant = tenant_ids[k] if tpl[0] < 0 else tpl[0]
        last_t = t
        _, kind, host_ids, http, low, latency_span = tpl[:6]
        ms_append(t)
        kind_append(kind)
        host_append(host_ids[(x >> 56) % len(host_ids)])
        ids_extend(NO_IDS if tpl[9] else bits(240).to_bytes(30))
        tenant_append(tenant)
        latency_append(low + int(rnd() * latency_span) if http else 0)
    return stream
