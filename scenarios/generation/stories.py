"""What an archetype's failure does over time, where one rendering per template cannot say it.

The log stream draws its lines from templates rendered once; a story then walks the lines in time
order and makes the ones that carry state tell the truth: counters that count, a pool whose stats
add up, a restart counter that goes up with each kill, a backlog as old as the failure, only the
bad node's pod failing. A story rewrites lines in place (message, host, level, HTTP fields) and
never adds, removes or moves one, so line ids and the stream's indexes stay valid. It reads the
compact columns (`LogLines`) and rewrites only the lines it changes.

`shape(world, lines, stream, hosts, rng, ticket)` runs the archetype's story, if it has one, and
returns the dashboard's per-minute override (see `common.dashboard`), or None, and the figures the
answer key states as the story has them (a leaked key's records served). A figure the dashboard
plots and a line states is the same figure: the story computes both from one function of time, so
a line lies between the dashboard's points of its minute and the next.
"""

import random
import re
from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .common import DOUBLING_BACKOFF, MINUTE_MS, doubling_backoff_attempt
from .logstream import LogLines, LogStream
from .world import World, render


def ramp(world: World, t_ms: int) -> float:
    """How far the failure has developed at `t_ms`, 0-1: the dashboard's usual five-minute ramp."""
    since = (t_ms - world.onset_ms) / MINUTE_MS
    return 0.0 if since < 0 else min(1.0, (since + 1) / 5)


class Curve:
    """A metric's value at each minute of the log, read at any moment between two minutes' points by
    straight interpolation: a line states the figure its dashboard plots."""

    def __init__(self, lines: LogLines, values) -> None:
        self.first = lines.ms[0] // MINUTE_MS - 2
        count = lines.ms[-1] // MINUTE_MS - self.first + 4
        self.values = [values(self.first + k) for k in range(count)] if callable(values) else list(values)

    def at(self, t_ms: int) -> float:
        position = min(max(t_ms / MINUTE_MS - self.first, 0.0), len(self.values) - 1.001)
        whole = int(position)
        low, high = self.values[whole], self.values[whole + 1]
        return low + (high - low) * (position - whole)


class Wander(Curve):
    """A metric that wanders around its level minute by minute (a bounded random walk)."""

    def __init__(self, rng: random.Random, lines: LogLines, level: float, spread: float) -> None:
        step, values = 0.0, []
        first = lines.ms[0] // MINUTE_MS - 2
        for _ in range(lines.ms[-1] // MINUTE_MS - first + 4):
            step = max(-1.0, min(1.0, step + rng.uniform(-0.35, 0.35)))
            values.append(level * (1 + spread * step))
        super().__init__(lines, values)


def rising(lines: LogLines, value, from_ms: int) -> Curve:
    """A backlog as the dashboard plots it: `value(t_ms)` at each minute, never falling from the minute
    of `from_ms` on (while the failure lasts, nothing drains it)."""
    start = from_ms // MINUTE_MS
    points: list[float] = []

    def point(minute: int) -> float:
        figure = value(minute * MINUTE_MS)
        if minute > start and points:
            figure = max(figure, points[-1])
        points.append(figure)
        return figure

    return Curve(lines, point)


def _kinds(lines: LogLines, service: str, pattern: re.Pattern) -> set[int]:
    return {
        k for k, (_, svc, message, *_) in enumerate(lines.kinds) if svc == service and pattern.search(message)
    }


def _lines_of(lines: LogLines, kinds: set[int], indexes=None) -> list[int]:
    kind = lines.kind
    return [n for n in (range(len(lines)) if indexes is None else indexes) if kind[n] in kinds]


# --- db_pool_exhaustion_after_deploy ----------------------------------------------------------------

_POOL_STATS = re.compile(r"^pool orders_rw: active=\d+ idle=\d+ waiting=\d+$")
_SATURATED = re.compile(r"cl_waiting=\d+")
_WITHIN = re.compile(r"\b(?:within|after) (\d+) ?ms\b")


def _waiting(world: World, t: int, rng: random.Random) -> int:
    """Clients queued in db-proxy: builds up over the first minutes, then wanders around its level."""
    peak = int(world.values["waiting_clients"])
    ramp = min(1.0, (t - world.onset_ms) / (4 * MINUTE_MS) + 0.15)
    return max(1, round(peak * ramp * (0.8 + 0.4 * rng.random())))


def _db_pool(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random, **_):
    size = int(world.values["pool_size"])
    timeout = int(world.values["acquire_timeout_ms"])
    signal = set(stream.signal)
    ms, kind, kinds = lines.ms, lines.kind, lines.kinds
    stats = {
        k
        for k, (_, service, message, *_) in enumerate(kinds)
        if service == "db-proxy" and _POOL_STATS.match(message)
    }
    onset = world.onset_ms
    # The lines a story changes, in time order: the pool's stats after the onset and the failures.
    touched = sorted(signal.union(n for n in range(len(lines)) if kind[n] in stats and ms[n] >= onset))
    for n in touched:
        _, service, message, _, _, status = kinds[kind[n]]
        t = ms[n]
        if kind[n] in stats and t >= onset:
            # The periodic stats during saturation: every connection busy, clients queued.
            lines.set_message(
                n, f"pool orders_rw: active={size} idle=0 waiting={_waiting(world, t, rng) // 4 * 4}"
            )
        elif n in signal and "cl_waiting=" in message:
            lines.set_message(n, _SATURATED.sub(f"cl_waiting={_waiting(world, t, rng) // 4 * 4}", message))
        if n in signal and (status or 0) >= 500:
            # A request that gave up waiting for a connection took at least the acquire timeout.
            lines.latency[n] = timeout + rng.randint(12, 180) + (15 if service == "api-gateway" else 0)
    # Before the onset the pool's stats are the dashboard's "in use" figure; from it on, every
    # connection is busy.
    in_use = Wander(rng, lines, world.archetype["metrics"]["saturation"]["baseline"], 0.12)
    for n in (n for n in range(len(lines)) if kind[n] in stats and ms[n] < onset):
        active = max(1, round(size * in_use.at(ms[n]) / 100))
        idle = min(size - active, rng.randint(4, 16))
        lines.set_message(n, f"pool orders_rw: active={active} idle={idle} waiting=0")

    def minute(minute_ms: int):
        return (ramp(world, minute_ms), 100.0 if minute_ms >= onset else in_use.at(minute_ms), True)

    return minute


# --- memory_leak_oom_restarts -----------------------------------------------------------------------

_BURST_MS = 3 * MINUTE_MS  # how long the gateway sees resets and unready endpoints after a kill
_HEAP_AFTER_START = 34  # % of the limit a fresh pod uses
_OOM = re.compile(r"terminated: OOMKilled")
_RESET = re.compile(r"^upstream search-service connection reset by peer \(pod [^)]+\)$")
_UNREADY = "no healthy upstream"
_ENDPOINTS = re.compile(r"of \d+ endpoints")


def _kill_schedule(
    world: World, pods: tuple[str, ...], end_ms: int, rng: random.Random
) -> list[tuple[int, int]]:
    """(time, pod index) of each OOMKill: every pod started with the deploy, leaks at about the same
    rate and is killed when its heap reaches the limit, the first at the onset; a restarted pod
    starts small and fills again in about the same time."""
    period = world.onset_ms - world.trigger_ms
    kills = []
    for p in range(len(pods)):
        at = world.onset_ms + (0 if p == 0 else rng.randint(20, 150) * 1000)
        while at < end_ms:
            kills.append((at, p))
            at += round(period * (0.85 + 0.15 * rng.random()))
    return sorted(kills)


def _memory_leak(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random, **_):
    pods = hosts["search-service"]
    nodes = tuple(f"ip-10-42-{rng.randint(1, 15)}-{rng.randint(2, 250)}" for _ in pods)
    limit = world.values["memory_limit_mib"]
    end_ms = lines.ms[-1] + 1
    kills = _kill_schedule(world, pods, end_ms, rng)
    # When each pod's containers started: with the deploy, then at each of its kills. The heap a line
    # reports and the dashboard plots both follow this schedule, whenever the kubelet's line is written.
    starts = [[world.trigger_ms] + [at for at, q in kills if q == p] for p in range(len(pods))]
    period = max(world.onset_ms - world.trigger_ms, MINUTE_MS)
    restarts = [0] * len(pods)
    pending = list(kills)
    last_kill: tuple[int, int] | None = None
    signal = stream.signal

    def filled(p: int, t: int) -> float:
        began = starts[p][max(bisect_right(starts[p], t) - 1, 0)]
        return _HEAP_AFTER_START + (100 - _HEAP_AFTER_START) * min(1.0, (t - began) / period)

    def heap(p: int, t: int) -> int:
        return max(_HEAP_AFTER_START, min(99, round(filled(p, t))))

    for n in signal:
        t = lines.ms[n]
        if pending and pending[0][0] <= t:
            # The kubelet on the pod's node reports the kill, once, with the pod's own restart count.
            _, p = pending.pop(0)
            restarts[p] += 1
            last_kill = (t, p)
            # A line about no tenant and no request.
            lines[n] = dict(
                service="search-service",
                level="ERROR",
                host=nodes[p],
                message=(
                    f"kubelet: container search in pod {pods[p]} terminated: OOMKilled (exit code 137), "
                    f"restart count {restarts[p]}"
                ),
            )
            continue
        in_burst = last_kill is not None and t - last_kill[0] < _BURST_MS
        message = lines.message(n)
        if in_burst and _RESET.match(message):
            lines.set_message(
                n, f"upstream search-service connection reset by peer (pod {pods[last_kill[1]]})"
            )
            continue
        if in_burst and message.startswith(_UNREADY):
            # The gateway counts the service's own endpoints, one per pod.
            lines.set_message(n, _ENDPOINTS.sub(f"of {len(pods)} endpoints", message))
            continue
        # Between kills the pods serve; what the logs show is the heap filling up again.
        p = max(range(len(pods)), key=lambda q: heap(q, t))
        used = heap(p, t)
        lines[n] = dict(
            service="search-service",
            level="WARN" if used >= 85 else "INFO",
            host=pods[p],
            message=f"heap usage {used}% of {limit}Mi; GC reclaimed {rng.randint(1, 9) / 10 if used >= 85 else rng.randint(8, 30)}%",
        )
    # Kills left over (a short log has few signal lines): they still happened; the dashboard shows them.
    kill_times = [at for at, _ in kills]

    def minute(minute_ms: int) -> tuple[float, float] | None:
        if minute_ms < world.trigger_ms:
            return None
        bursting = any(0 <= minute_ms - at < _BURST_MS for at in kill_times)
        # The dashboard plots the fullest pod, the one the next kill takes, as the heap lines report it.
        return (1.0 if bursting else 0.05, max(filled(p, minute_ms) for p in range(len(pods))), True)

    return minute


# --- saml_clock_skew --------------------------------------------------------------------------------


def _saml(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random, **_):
    """Only the pod on the skewed node rejects assertions; after the onset it logs no successful login."""
    bad = lines.host_index(world.values["pod_name"])
    healthy = [h for h in hosts["identity-service"] if h != world.values["pod_name"]]
    logins = {k for k, kind in enumerate(lines.kinds) if kind[2].startswith("SAML login succeeded")}
    host, kind, ms, onset = lines.host, lines.kind, lines.ms, world.onset_ms
    for n in [n for n in range(len(lines)) if host[n] == bad and kind[n] in logins and ms[n] >= onset]:
        host[n] = lines.intern_host(rng.choice(healthy))
    return None


# --- kafka_consumer_lag -----------------------------------------------------------------------------

_LAG = re.compile(r"(lag on \S+ = )\d+( messages)")
_AGE = re.compile(r"(oldest unprocessed message age |behind by )\S+?(\s|;|$)")


def _age(ms: int) -> str:
    minutes = max(1, ms // MINUTE_MS)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


# Without a log window to fill (an incident, a postmortem), the backlog reaches its peak this long
# after the import; a log fills its peak over the export after the import instead.
LAG_SPAN_MS = 120 * MINUTE_MS
_LAG_BASELINE = 300  # the hot partition's lag before the import, like the other partitions' (< 500)


def lag_at(world: World, t_ms: int, span_ms: int = LAG_SPAN_MS) -> int:
    """The hot partition's lag at `t_ms`: nothing before the import, then growing to the scenario's
    own peak (its lag_messages fact) over `span_ms`."""
    peak = int(world.values["lag_messages"])
    elapsed = t_ms - world.trigger_ms
    if elapsed <= 0:
        return _LAG_BASELINE
    return max(_LAG_BASELINE, round(peak * min(1.0, max(elapsed, 1000) / max(span_ms, 1))))


def saturation_at(world: World, t_ms: int) -> float | None:
    """The saturation metric's value at a moment when the archetype's story sets it (a backlog that
    grows from its import); None when the catalog's fixed peak stands."""
    if world.archetype["id"] == "kafka_consumer_lag":
        return float(lag_at(world, t_ms))
    return None


def backlog_delay(world: World, t_ms: int) -> str:
    """How late the delayed data is at `t_ms`, in the words a symptom uses."""
    return "hours late" if t_ms - world.trigger_ms >= 60 * MINUTE_MS else "minutes behind"


def restarts_at(world: World, t_ms: int) -> int:
    """How often the leaking pod has been OOMKilled by `t_ms`: first at the onset, then about every
    time it takes a fresh pod to fill up again (see _kill_schedule)."""
    period = max(world.onset_ms - world.trigger_ms, MINUTE_MS) * 0.925
    return 1 + max(0, int((t_ms - world.onset_ms) / period))


# A leaked key: the customer's own integration makes about this many calls a day; the stranger's
# paging adds the requests-per-minute the usage metric peaks at, from the onset on.
_OWN_CALLS_PER_DAY = 2_000


def key_usage_at(world: World, t_ms: int) -> tuple[int, int]:
    """(yesterday's, today's so far) requests of a leaked key at `t_ms`, by the customer's own day: the
    customer's own calls spread over the day, plus the stranger's since the onset."""
    rate = world.archetype["metrics"]["saturation"]["peak"]
    local = datetime.fromtimestamp(t_ms / 1000, tz=UTC) + timedelta(hours=world.customer.utc_offset_hours)
    day_share = (local.hour * 60 + local.minute) / (24 * 60)
    jitter = random.Random(f"{world.salt}usage")
    yesterday = round(_OWN_CALLS_PER_DAY * jitter.uniform(0.9, 1.15))
    own_today = round(_OWN_CALLS_PER_DAY * day_share * jitter.uniform(0.9, 1.15))
    stranger = round(rate * max(0, t_ms - world.onset_ms) / MINUTE_MS)
    return yesterday, own_today + stranger


def text_at(world: World, template: str, t_ms: int) -> str:
    """A catalog text as it reads at `t_ms`: the lag and message ages, restart counts and today's
    request totals it states are the story's at that moment, not the catalog's fixed ones."""
    values = world.values | {"backlog_delay": backlog_delay(world, t_ms)}
    if world.archetype["id"] == "memory_leak_oom_restarts":
        values["restart_count"] = str(restarts_at(world, t_ms))
    if world.archetype["id"] == "leaked_api_key_in_use":
        yesterday, today = key_usage_at(world, t_ms)
        values |= {"requests_yesterday": f"{yesterday:,}", "requests_today": f"{today:,}"}
    if world.archetype["id"] != "kafka_consumer_lag":
        return render(template, values, salt=world.salt)
    values["lag_messages"] = str(lag_at(world, t_ms))
    elapsed = max(t_ms - world.trigger_ms, 1000)
    return _AGE.sub(
        lambda m: f"{m.group(1)}{_age(elapsed)}{m.group(2)}", render(template, values, salt=world.salt)
    )


_CONSUMER = re.compile(r"consumer ingest-worker-\d+ (on \S+ at max throughput )\d+( msg/s)")


def _kafka(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random, **_):
    """The backlog starts with the import: lag grows from nothing to its peak over the window, line
    after line (the import keeps producing faster than the one consumer reads, so the lag never
    falls while the failure lasts), and the dashboard's max partition lag is the same figure, minute
    by minute. The consumer that owns the partition, and its ceiling, are the scenario's own.

    The figures hold together as a queue's do: messages arrive at `inflow` a second and the consumer
    reads `throughput` of them, first in first out, so the lag grows by the difference and the oldest
    waiting message is lag / inflow old (a share of the time since the import, drawn per seed); the
    lag, a count of messages, never reads the same twice while it grows. Before the import the
    partition's lag wanders a little, as every partition's does."""
    end_ms = lines.ms[-1] + 1
    span = max(end_ms - world.trigger_ms, 1)
    consumer = f"consumer ingest-worker-{int(world.values['partition']) % 8} "
    growth = int(world.values["lag_messages"]) / (span / 1000)  # messages a second the lag grows by
    waiting_share = rng.uniform(0.6, 0.85)  # the oldest message's age, as a share of the import's
    inflow = growth / waiting_share
    throughput = max(1, round(inflow - growth))
    calm = Wander(rng, lines, _LAG_BASELINE, 0.35)
    last = 0
    for n in stream.signal:
        t = lines.ms[n]
        lag = max(last + rng.randint(1, 40), round(lag_at(world, t, span) * (0.985 + 0.015 * rng.random())))
        message = lines.message(n)
        if _LAG.search(message):
            last = lag
            message = _LAG.sub(lambda m, lag=lag: f"{m.group(1)}{lag}{m.group(2)}", message)
        message = _CONSUMER.sub(lambda m: f"{consumer}{m.group(1)}{throughput}{m.group(2)}", message)
        age_ms = round(1000 * lag / inflow)
        age = _age(age_ms) if age_ms >= MINUTE_MS else f"{max(1, age_ms // 1000)}s"
        lines.set_message(n, _AGE.sub(lambda m, a=age: f"{m.group(1)}{a}{m.group(2)}", message))

    _bulk_topic_in_use(lines, stream, rng)

    def minute(minute_ms: int):
        since = (minute_ms - world.onset_ms) / MINUTE_MS
        level = 0.0 if since < 0 else min(1.0, (since + 1) / 5)
        # Exact (no jitter): a maximum over partitions is never below the hot partition's own figure.
        if minute_ms <= world.trigger_ms:
            return (level, float(round(calm.at(minute_ms))), True)
        return (level, float(max(lag_at(world, minute_ms, span), round(calm.at(minute_ms)))), True)

    return minute


_BULK_TOPIC = "orders.bulk.v1"


def _bulk_topic_in_use(lines: LogLines, stream: LogStream, rng: random.Random) -> None:
    """Other tenants' bulk imports go where bulk imports belong: a few of the ingest workers' routine
    lines become their batches on the dedicated bulk topic, so the mitigation that moves the import
    there names a topic the logs show."""
    taken = {*stream.signal, *stream.events, *(i for ids in stream.herrings.values() for i in ids)}
    taken |= {stream.trigger} if stream.trigger is not None else set()
    routine = [
        n
        for n in range(len(lines))
        if n not in taken
        and lines.service(n) == "ingest-worker"
        and lines.kinds[lines.kind[n]][0] in ("INFO", "DEBUG")
        and "bulk topic" not in lines.message(n)
    ]
    tenants = [t for t in lines.tenants[1:] if t]
    if not tenants:
        return
    for n in rng.sample(routine, min(2, len(routine))):
        tenant = rng.choice(tenants)
        lines[n] = dict(
            service="ingest-worker",
            level="INFO",
            host=lines.hosts[lines.host[n]],
            tenant_id=tenant,
            message=f"bulk import batch for tenant {tenant}: {rng.randint(2000, 90000)} records published "
            f"to the dedicated bulk topic {_BULK_TOPIC}",
        )


# --- a backlog that grows from the onset: webhook retries, queued e-mail --------------------------------


def _growing(world: World, lines: LogLines, total: int):
    """A backlog of `total` items by the end of the log, filled evenly from the onset."""
    onset, end = world.onset_ms, lines.ms[-1] + 1

    def backlog(t_ms: int) -> int:
        return 0 if t_ms < onset else max(1, round(total * min(1.0, (t_ms - onset) / max(end - onset, 1))))

    return backlog


_DEPTH = re.compile(r"^retry queue depth=\d+ oldest=\d+s$")
_ENDPOINT_BACKLOG = re.compile(
    rf"(oldest queued event is on attempt )\d+( \({DOUBLING_BACKOFF}\); backlog for tenant \S+ is )\d+( events)"
)


def _webhook(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random, **_):
    """The customer's endpoint fails every delivery from the onset, so its events pile up in the
    platform's retry queue: the dispatcher's queue-depth lines and the dashboard are the usual depth
    plus that backlog, the oldest queued event is as old as the failure, and the endpoint's own line
    counts its backlog and the attempt its oldest event has reached under the retry schedule."""
    usual = Wander(rng, lines, world.archetype["metrics"]["saturation"]["baseline"], 0.08)
    usual_oldest = Wander(rng, lines, 240, 0.6)
    backlog = _growing(world, lines, int(world.values["failed_deliveries"]))
    onset, ms = world.onset_ms, lines.ms

    queue = rising(lines, lambda t_ms: usual.at(t_ms) + backlog(t_ms), onset)

    def depth(t_ms: int) -> int:
        return round(queue.at(t_ms))

    for n in _lines_of(lines, _kinds(lines, "webhook-dispatcher", _DEPTH)):
        t = ms[n]
        oldest = max(round(usual_oldest.at(t)), (t - onset) // 1000)
        lines.set_message(n, f"retry queue depth={depth(t)} oldest={oldest}s")
    for n in stream.signal:
        message = lines.message(n)
        if _ENDPOINT_BACKLOG.search(message):
            t = ms[n]
            tried, queued = doubling_backoff_attempt(t - onset), backlog(t)
            lines.set_message(
                n,
                _ENDPOINT_BACKLOG.sub(
                    lambda m, tried=tried, queued=queued: (
                        f"{m.group(1)}{tried}{m.group(2)}{queued}{m.group(3)}"
                    ),
                    message,
                ),
            )

    def minute(minute_ms: int):
        return (ramp(world, minute_ms), float(depth(minute_ms)), True)

    return minute


_QUEUED = re.compile(r"(OPEN; )\d+( messages queued)")


def _email_queue(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random, **_):
    """The provider refuses every send from the onset: the outbound queue is its usual depth plus every
    message since, in the breaker's lines and on the dashboard alike."""
    usual = Wander(rng, lines, world.archetype["metrics"]["saturation"]["baseline"], 0.1)
    backlog = _growing(world, lines, int(world.values["queued_emails"]))

    queue = rising(lines, lambda t_ms: usual.at(t_ms) + backlog(t_ms), world.onset_ms)

    def queued(t_ms: int) -> int:
        return round(queue.at(t_ms))

    for n in stream.signal:
        message = lines.message(n)
        if _QUEUED.search(message):
            count = queued(lines.ms[n])
            lines.set_message(
                n, _QUEUED.sub(lambda m, count=count: f"{m.group(1)}{count}{m.group(2)}", message)
            )

    def minute(minute_ms: int):
        return (ramp(world, minute_ms), float(queued(minute_ms)), True)

    return minute


# --- request rates: a retry storm, a leaked key ------------------------------------------------------

_SENT = re.compile(r"(sent )\d+( requests inside its Retry-After window)")
_REJECTED = re.compile(r"(; )\d+(% of the key's requests rejected in the last )(\d+)(m)")
_RETRY_AFTER = re.compile(r"Retry-After:? (\d+)")


def _retry_storm(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random, **_):
    """From the onset every worker of the customer's integration retries each 429 at once: the tenant
    sends workers x a per-worker rate, the limit lets `rate_limit_rpm` through and rejects the rest.
    What the gateway's lines count (requests inside the Retry-After window, the share rejected) is
    the dashboard's request rate at that moment."""
    limit = int(world.values["rate_limit_rpm"])
    peak = int(world.values["worker_count"]) * rng.uniform(8, 20) * 60
    usual = Wander(rng, lines, world.archetype["metrics"]["saturation"]["baseline"], 0.1)
    storm = Wander(rng, lines, 1.0, 0.03)
    onset = world.onset_ms
    after = next(
        (int(m.group(1)) for e in world.archetype["signal_logs"] if (m := _RETRY_AFTER.search(e["message"]))),
        30,
    )

    def rate(t_ms: int) -> float:
        if t_ms < onset:
            return usual.at(t_ms)
        grown = min(1.0, (t_ms - onset) / (1.5 * MINUTE_MS))
        return usual.at(t_ms) + (peak * storm.at(t_ms) - usual.at(t_ms)) * grown

    def rejected(t_ms: int, minutes: int) -> int:
        points = [rate(t_ms - k * MINUTE_MS) for k in range(minutes)]
        return round(100 * sum(max(0.0, r - limit) for r in points) / sum(points))

    for n in stream.signal:
        message, t = lines.message(n), lines.ms[n]
        if _SENT.search(message):
            sent = round(rate(t) * after / 60)
            message = _SENT.sub(lambda m, sent=sent: f"{m.group(1)}{sent}{m.group(2)}", message)
        if _REJECTED.search(message):
            message = _REJECTED.sub(
                lambda m, t=t: (
                    f"{m.group(1)}{rejected(t, int(m.group(3)))}{m.group(2)}{m.group(3)}{m.group(4)}"
                ),
                message,
            )
        lines.set_message(n, message)

    def minute(minute_ms: int):
        return (ramp(world, minute_ms), rate(minute_ms), True)

    return minute


_PAGING = re.compile(r"(sequential paging at )\d+( req/s, page_size=)(\d+)")
_REQUESTS_ON = re.compile(r"([\d,]+) requests (yesterday|today)")
PAGES_ALLOWED_PER_MINUTE = (120, 180, 240, 300)


def _leaked_key(
    world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random, ticket: dict, **_
):
    """From the onset someone pages through the customer's data with the leaked key as fast as they
    can; the key's rate limit serves some pages and rejects the rest. The rate is what the customer's
    own usage figure implies (its requests today, counted at the ticket), the dashboard plots it, and
    the gateway's anomaly line states it with the pages and records served so far; the key's figure of
    records is the last of them, at the end of the log."""
    onset = world.onset_ms
    stated = dict((day, int(figure.replace(",", ""))) for figure, day in _REQUESTS_ON.findall(
        " ".join(str(ticket.get(field, "")) for field in ("body", "error_snippet"))
    ))  # fmt: skip
    received = int(datetime.fromisoformat(ticket["received_at"].replace("Z", "+00:00")).timestamp() * 1000)
    usual_per_s = stated.get("yesterday", 2000) / 86_400
    if "today" in stated and received > onset + MINUTE_MS:
        # "Today" is the customer's day, as their usage page counts it (see key_usage_at).
        local = received + round(world.customer.utc_offset_hours * 3_600_000)
        midnight = received - local % 86_400_000
        attack = stated["today"] - usual_per_s * (received - midnight) / 1000
        per_s = max(5.0, attack / ((received - onset) / 1000))
    else:
        per_s = rng.uniform(20, 90)
    served_per_s = min(per_s, rng.choice(PAGES_ALLOWED_PER_MINUTE) / 60)
    usual = Wander(rng, lines, max(usual_per_s * 60, 1.0), 0.5)
    attack = Wander(rng, lines, per_s, 0.04)
    since = datetime.fromtimestamp(onset // 1000, tz=UTC).strftime("%H:%M:%SZ")
    size = 500

    def pages(t_ms: int) -> int:
        return int(served_per_s * max(0, t_ms - onset) / 1000)

    for n in stream.signal:
        message = lines.message(n)
        found = _PAGING.search(message)
        if found:
            size = int(found.group(3))
            served = pages(lines.ms[n])
            rate = round(attack.at(lines.ms[n]))
            head = _PAGING.sub(lambda m, rate=rate: f"{m.group(1)}{rate}{m.group(2)}{m.group(3)}", message)
            lines.set_message(n, f"{head}; {served} pages ({served * size} records) served since {since}")

    def minute(minute_ms: int):
        return (
            ramp(world, minute_ms),
            usual.at(minute_ms) + (attack.at(minute_ms) * 60 if minute_ms >= onset else 0.0),
            True,
        )

    # The key's figure is the last the logs state, rounded as "about" rounds it.
    records = max(
        (pages(lines.ms[n]) * size for n in stream.signal if _PAGING.search(lines.message(n))), default=0
    )
    return minute, {
        "records_accessed": str(round(records, 2 - len(str(records))) if records >= 100 else records)
    }


# --- a provider's response time ---------------------------------------------------------------------

_P95 = re.compile(r"(p95 response time )\d+(?:\.\d+)?s( over the last )(\d+)(m \(normal )\d+(?:\.\d+)?s(\))")


def _provider_latency(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random, **_):
    """The provider slows down from the onset, to a p95 just under the client's timeout (a p95 above
    it could not be measured: the client gives up at the timeout). The billing service's summary line
    states the p95 of the window it names, from the same figures as the dashboard, and the usual p95."""
    baseline = world.archetype["metrics"]["saturation"]["baseline"]
    usual = Wander(rng, lines, baseline, 0.06)
    slow = Wander(rng, lines, rng.randint(6200, 7500), 0.05)

    def p95(t_ms: int) -> float:
        return usual.at(t_ms) + (slow.at(t_ms) - usual.at(t_ms)) * ramp(world, t_ms)

    for n in stream.signal:
        message = lines.message(n)
        found = _P95.search(message)
        if found:
            t, minutes = lines.ms[n], int(found.group(3))
            now = sum(p95(t - k * MINUTE_MS) for k in range(minutes)) / minutes / 1000
            normal = baseline / 1000
            stated = f"{found.group(1)}{now:.1f}s{found.group(2)}{minutes}{found.group(4)}{normal:.1f}s{found.group(5)}"
            lines.set_message(n, message[: found.start()] + stated + message[found.end() :])

    def minute(minute_ms: int):
        return (ramp(world, minute_ms), p95(minute_ms), True)

    return minute


# --- any story: progress that counts up ---------------------------------------------------------------

_PROGRESS = re.compile(r"\b\d+(% complete)\b")


def _progress(lines: LogLines, stream: LogStream) -> None:
    """A job that reports its progress moves forward: from its first line to its last, its percentage
    climbs (a bulk reindex does not report 40% complete all afternoon)."""
    for indexes in stream.herrings.values():
        moving = [n for n in indexes if _PROGRESS.search(lines.message(n))]
        if len(moving) < 2:
            continue
        first, last = lines.ms[moving[0]], lines.ms[moving[-1]]
        start = 3 + (first // 1000) % 30
        for n in moving:
            done = start + round((92 - start) * (lines.ms[n] - first) / max(last - first, 1))
            lines.set_message(n, _PROGRESS.sub(lambda m, d=done: f"{d}{m.group(1)}", lines.message(n)))


STORIES: dict[str, Callable] = {
    "db_pool_exhaustion_after_deploy": _db_pool,
    "memory_leak_oom_restarts": _memory_leak,
    "saml_clock_skew": _saml,
    "kafka_consumer_lag": _kafka,
    "webhook_tls_cert_expired": _webhook,
    "third_party_provider_outage": _email_queue,
    "retry_storm_rate_limited": _retry_storm,
    "leaked_api_key_in_use": _leaked_key,
    "missing_idempotency_duplicate_charges": _provider_latency,
}


def shape(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random, ticket: dict):
    """(the dashboard's per-minute override or None, the figures the key states as the story has them)."""
    if not lines:
        return None, {}
    _progress(lines, stream)
    story = STORIES.get(world.archetype["id"])
    told = story(world, lines, stream, hosts, rng, ticket=ticket) if story else None
    return told if isinstance(told, tuple) else (told, {})


# --- values a story gives a scenario's texts once, when its world is built ---------------------------


def _report_values(world: World) -> dict[str, str]:
    """A daily report bucketed by UTC day against the dashboard's local days, for the two last days the
    export has complete: west of UTC a day loses its evening orders to the next day and gains the day
    before's; east of UTC it loses its early-morning orders to the day before and gains the next day's.
    A day the UTC bucket has not closed yet (today, or yesterday east of UTC before the local hour the
    UTC day ends) is never shown as a whole day."""
    rng = random.Random(f"{world.salt}report")
    offset = world.customer.utc_offset_hours
    onset = datetime.fromtimestamp(world.onset_ms / 1000, tz=UTC)
    local = onset + timedelta(hours=offset)
    closed = 1 if offset < 0 or local.hour + local.minute / 60 >= offset else 2
    last = local.date() - timedelta(days=closed)
    days = [last - timedelta(days=n) for n in (2, 1, 0, -1)]  # the day before, the two shown, the day after
    base = rng.randint(250, 650)
    placed = [round(base * rng.uniform(0.85, 1.15)) for _ in days]
    share = abs(offset) / 24 * rng.uniform(0.55, 1.1)
    moved = [max(1, round(n * share * rng.uniform(0.8, 1.2))) for n in placed]
    average = rng.uniform(40, 140)
    rows, differences = [], []
    for n in (1, 2):
        gained = moved[n - 1] if offset < 0 else moved[n + 1]
        exported = placed[n] - moved[n] + gained
        rows.append(f"{days[n]},{exported},{exported * average:.2f}     <- dashboard shows {placed[n]}")
        difference = exported - placed[n]
        way = "more" if difference > 0 else "fewer"
        differences.append(
            f"{abs(difference)} {way} for {days[n]}" if difference else f"as many for {days[n]}"
        )
    return {
        "report_rows": "\n".join(rows),
        "report_example": f"the export shows {differences[0].replace(' for ', ' orders than the dashboard for ', 1)} "
        f"and {differences[1]}",
    }


def _retry_storm_values(world: World) -> dict[str, str]:
    """The storm's request rate as the gateway counts it (the world's drawn peak) and the share of it a
    limit of {rate_limit_rpm}/min must reject."""
    rate = world.archetype["metrics"]["saturation"]["peak"]
    rejected = min(99, max(1, round(100 * (1 - int(world.values["rate_limit_rpm"]) / rate))))
    return {"storm_rpm": f"{rate:,}", "rejected_pct": str(rejected)}


def _sunset_values(world: World) -> dict[str, str]:
    """The Sunset header of a retired API version: the date announced weeks ahead, midnight UTC of the
    day the gateway switched the version off, as an HTTP-date (RFC 8594), never the minute of the switch."""
    day = datetime.fromtimestamp(world.trigger_ms / 1000, tz=UTC).replace(hour=0, minute=0, second=0)
    return {"sunset_http_date": day.strftime("%a, %d %b %Y %H:%M:%S GMT")}


STORY_VALUES: dict[str, Callable[[World], dict[str, str]]] = {
    "report_timezone_bug": _report_values,
    "retry_storm_rate_limited": _retry_storm_values,
    "deprecated_api_version_sunset": _sunset_values,
}


def story_values(world: World) -> dict[str, str]:
    """The archetype's story values for its texts (a report's rows), drawn from the world's own seed."""
    story = STORY_VALUES.get(world.archetype["id"])
    return story(world) if story else {}


def story_placeholders(archetype_id: str) -> set[str]:
    """The placeholders an archetype's story gives its texts, besides the world's and its facts'."""
    return {
        "report_timezone_bug": {"report_rows", "report_example"},
        "retry_storm_rate_limited": {"storm_rpm", "rejected_pct"},
        "leaked_api_key_in_use": {"requests_yesterday", "requests_today"},
        "deprecated_api_version_sunset": {"sunset_http_date"},
    }.get(archetype_id, set())
