"""What an archetype's failure does over time, where one rendering per template cannot say it.

The log stream draws its lines from templates rendered once; a story then walks the lines in time
order and makes the ones that carry state tell the truth: counters that count, a pool whose stats
add up, a restart counter that goes up with each kill, a backlog as old as the failure, only the
bad node's pod failing. A story rewrites lines in place (message, host, level, HTTP fields) and
never adds, removes or moves one, so line ids and the stream's indexes stay valid. It reads the
compact columns (`LogLines`) and rewrites only the lines it changes.

`shape(world, lines, stream, hosts, rng)` runs the archetype's story, if it has one, and returns the
dashboard's per-minute override (see `common.dashboard`), or None.
"""

import random
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .common import MINUTE_MS
from .logstream import LogLines, LogStream
from .world import World, render

# --- db_pool_exhaustion_after_deploy ----------------------------------------------------------------

_POOL_STATS = re.compile(r"^pool orders_rw: active=\d+ idle=\d+ waiting=\d+$")
_SATURATED = re.compile(r"cl_waiting=\d+")
_WITHIN = re.compile(r"\b(?:within|after) (\d+) ?ms\b")


def _waiting(world: World, t: int, rng: random.Random) -> int:
    """Clients queued in db-proxy: builds up over the first minutes, then wanders around its level."""
    peak = int(world.values["waiting_clients"])
    ramp = min(1.0, (t - world.onset_ms) / (4 * MINUTE_MS) + 0.15)
    return max(1, round(peak * ramp * (0.8 + 0.4 * rng.random())))


def _db_pool(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random):
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
    return None


# --- memory_leak_oom_restarts -----------------------------------------------------------------------

_BURST_MS = 3 * MINUTE_MS  # how long the gateway sees resets and unready endpoints after a kill
_HEAP_AFTER_START = 34  # % of the limit a fresh pod uses
_OOM = re.compile(r"terminated: OOMKilled")
_RESET = re.compile(r"^upstream search-service connection reset by peer \(pod [^)]+\)$")
_UNREADY = "no healthy upstream"


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


def _memory_leak(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random):
    pods = hosts["search-service"]
    nodes = tuple(f"ip-10-42-{rng.randint(1, 15)}-{rng.randint(2, 250)}" for _ in pods)
    limit = world.values["memory_limit_mib"]
    end_ms = lines.ms[-1] + 1
    kills = _kill_schedule(world, pods, end_ms, rng)
    started = [world.trigger_ms] * len(pods)  # when each pod's current container started
    period = max(world.onset_ms - world.trigger_ms, MINUTE_MS)
    restarts = [0] * len(pods)
    pending = list(kills)
    last_kill: tuple[int, int] | None = None
    signal = stream.signal

    def heap(p: int, t: int) -> int:
        grown = (t - started[p]) / period
        return max(_HEAP_AFTER_START, min(99, round(_HEAP_AFTER_START + (100 - _HEAP_AFTER_START) * grown)))

    for n in signal:
        t = lines.ms[n]
        if pending and pending[0][0] <= t:
            # The kubelet on the pod's node reports the kill, once, with the pod's own restart count.
            _, p = pending.pop(0)
            restarts[p] += 1
            started[p] = t
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
        levels = []
        for p in range(len(pods)):
            begun = max([world.trigger_ms] + [at for at, q in kills if q == p and at <= minute_ms])
            grown = (minute_ms - begun) / period
            levels.append(_HEAP_AFTER_START + (100 - _HEAP_AFTER_START) * min(1.0, grown))
        bursting = any(0 <= minute_ms - at < _BURST_MS for at in kill_times)
        return (1.0 if bursting else 0.05, sum(levels) / len(levels))

    return minute


# --- saml_clock_skew --------------------------------------------------------------------------------


def _saml(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random):
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


def _kafka(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random):
    """The backlog starts with the import: lag grows from nothing to its peak over the window and the
    oldest waiting message is as old as the import. The dashboard's max partition lag is the same
    figure, minute by minute."""
    end_ms = lines.ms[-1] + 1
    span = max(end_ms - world.trigger_ms, 1)
    for n in stream.signal:
        t = lines.ms[n]
        elapsed = max(t - world.trigger_ms, 1000)
        lag = max(1, round(lag_at(world, t, span) * (0.97 + 0.03 * rng.random())))
        message = _LAG.sub(lambda m, lag=lag: f"{m.group(1)}{lag}{m.group(2)}", lines.message(n))
        lines.set_message(n, _AGE.sub(lambda m, e=elapsed: f"{m.group(1)}{_age(e)}{m.group(2)}", message))

    def minute(minute_ms: int):
        since = (minute_ms - world.onset_ms) / MINUTE_MS
        level = 0.0 if since < 0 else min(1.0, (since + 1) / 5)
        # Exact (no jitter): a maximum over partitions is never below the hot partition's own figure.
        return (level, float(lag_at(world, minute_ms, span)), True)

    return minute


STORIES: dict[str, Callable] = {
    "db_pool_exhaustion_after_deploy": _db_pool,
    "memory_leak_oom_restarts": _memory_leak,
    "saml_clock_skew": _saml,
    "kafka_consumer_lag": _kafka,
}


def shape(world: World, lines: LogLines, stream: LogStream, hosts: dict, rng: random.Random):
    story = STORIES.get(world.archetype["id"])
    return story(world, lines, stream, hosts, rng) if story and lines else None


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


STORY_VALUES: dict[str, Callable[[World], dict[str, str]]] = {"report_timezone_bug": _report_values}


def story_values(world: World) -> dict[str, str]:
    """The archetype's story values for its texts (a report's rows), drawn from the world's own seed."""
    story = STORY_VALUES.get(world.archetype["id"])
    return story(world) if story else {}


def story_placeholders(archetype_id: str) -> set[str]:
    """The placeholders an archetype's story gives its texts, besides the world's and its facts'."""
    return {
        "report_timezone_bug": {"report_rows", "report_example"},
        "leaked_api_key_in_use": {"requests_yesterday", "requests_today"},
    }.get(archetype_id, set())
