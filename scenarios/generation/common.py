"""Pieces several kinds share: the customer's ticket, traces, dashboards, the kind's own rng."""

import math
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .world import World, hex_id, iso_ms, iso_s

DIFFICULTY_LOG_LINES = {"easy": 2_000, "medium": 10_000, "hard": 30_000}
MINUTE_MS = 60_000

# A retry schedule whose waits double from one minute (1, 2, 4 ... minutes), in the words a line
# states it with, so the linter can find every attempt count that claims it.
DOUBLING_BACKOFF = "backoff doubling from 1 minute"


def doubling_backoff_attempt(elapsed_ms: int) -> int:
    """The attempt an item first tried `elapsed_ms` ago has reached under DOUBLING_BACKOFF: attempt k
    is made 2^(k-1) - 1 minutes after the first, so k = 1 + floor(log2(1 + minutes))."""
    return 1 + int(math.log2(1 + max(elapsed_ms, 0) / MINUTE_MS))


def kind_rng(kind: str, world: World, difficulty: str, salt: str = "") -> random.Random:
    return random.Random(f"{kind}|{world.archetype['id']}|{world.seed}|{difficulty}|{salt}")


def ticket_number(rng: random.Random) -> str:
    return f"T-{rng.randint(10000, 99999)}"


# A vague ticket's subject is as vague as its body: it does not name what the body leaves out.
VAGUE_SUBJECTS = (
    "Problem with {product}",
    "something is wrong",
    "Issue with our account",
    "need help please",
    "errors?",
    "Is something going on?",
    "{product} not working properly",
    "urgent",
)


def customer_ticket(world: World, rng: random.Random, *, clear: bool, received_ms: int) -> dict:
    """The archetype's ticket in the customer's own words, clear or vague.

    The ticket arrives no earlier than its own words allow: "for the last hour" is written at least
    that long after the onset (see consistency.minutes_needed)."""
    from scenarios.consistency import minutes_needed, subject_topics_missing

    from .stories import text_at

    ticket = world.archetype["ticket"]
    bodies = ticket["bodies_clear"] if clear else ticket["bodies_vague"]
    subject_template = rng.choice(ticket["subjects"] if clear else VAGUE_SUBJECTS)
    body_template = rng.choice(bodies)
    if clear and subject_topics_missing(world.text(subject_template), world.text(body_template)):
        # A subject about invitations does not head a body about password resets.
        subject_template = next(
            (
                t
                for t in ticket["subjects"]
                if not subject_topics_missing(world.text(t), world.text(body_template))
            ),
            subject_template,
        )
    snippet = ticket.get("error_snippet", "") if clear else ""
    need = minutes_needed(
        f"{world.text(subject_template)}\n{world.text(body_template)}\n{world.text(snippet)}"
    )
    if need and received_ms < world.onset_ms + need * MINUTE_MS:
        received_ms = world.onset_ms + need * MINUTE_MS + rng.randint(60, 300) * 1000
    # Figures that grow with time (today's requests, a backlog) are the story's when the ticket is written,
    # and "this morning" is said only of a morning on the customer's clock.
    subject = fit_day_parts(world, text_at(world, subject_template, received_ms))
    body = fit_day_parts(world, text_at(world, body_template, received_ms)).strip()
    payload = {
        "id": ticket_number(rng),
        "customer": world.customer.as_payload(),
        "channel": rng.choice(_channels(world, body, clear)),
        "received_at": iso_s(received_ms),
        "subject": subject,
        "body": body,
    }
    if clear and ticket.get("error_snippet"):
        payload["error_snippet"] = text_at(world, ticket["error_snippet"], received_ms).strip()
    return payload


def _channels(world: World, body: str, clear: bool) -> tuple[str, ...]:
    """The channels a ticket can have come in by: a clear one is written (e-mail, portal, chat); a vague
    one may be an agent's note of a phone call, unless it reads as a written message (a greeting, a
    signature, "call me")."""
    from scenarios.consistency import written_as_message

    if clear:
        return ("email", "portal", "chat")
    if written_as_message(body, world.customer.contact_name):
        return ("email", "chat")
    return ("email", "phone", "chat")


_THIS_MORNING = re.compile(r"\b(since )?this morning\b")


def fit_day_parts(world: World, text: str) -> str:
    """A customer's "this morning" for a problem that began in their afternoon or evening reads
    "today" ("since earlier today")."""
    local = datetime.fromtimestamp(world.onset_ms / 1000, tz=UTC) + timedelta(
        hours=world.customer.utc_offset_hours
    )
    if local.hour < 12:
        return text
    return _THIS_MORNING.sub(lambda m: "since earlier today" if m.group(1) else "today", text)


def ticket_graded(world: World, ticket: dict) -> tuple[str, str]:
    """(severity, clause of the scale) of the failure for this ticket's customer: what it does to them
    as their words state it (an enterprise customer who says they are fully blocked is SEV1), and no
    less than the incident's when many tenants fail, whoever reports it."""
    from scenarios.consistency import ticket_text

    from .severity import SEVERITY_SCALE, severity_on_scale, stated_impact

    impact = stated_impact(world.archetype["severity"]["ticket_impact"], ticket_text(ticket))
    graded = [severity_on_scale(impact, tier=world.customer.tier)]
    if world.many_tenants:
        graded.append(world.incident_graded)
    return min(graded, key=lambda pair: list(SEVERITY_SCALE).index(pair[0]))


def ticket_severity(world: World, ticket: dict) -> str:
    return ticket_graded(world, ticket)[0]


def ticket_facts(world: World, ticket: dict, *, vague: bool = False) -> tuple[list[str], list[str]]:
    """(missing, stated): the archetype's facts this ticket leaves out, and those it already states.
    A fact with `stated_by` phrases is stated when the ticket's text (as the candidate sees it)
    contains one of them. A vague ticket asks only the facts its catalog entry is `asked_of`
    (generic ones: when it started, who, an example), never one naming a mechanism its words do not
    hint at ("users cannot log in" asks for no SAML trace); a clear ticket asks the others."""
    wanted = "vague" if vague else "clear"
    entries = [e for e in world.archetype["missing_facts"] if wanted in asked_of(e)]
    return split_facts(entries, world.text, ticket)


def asked_of(entry: str | dict) -> tuple[str, ...]:
    """Which tickets ask a catalog fact: a plain string or a fact naming none, a clear one only."""
    return ("clear",) if isinstance(entry, str) else tuple(entry.get("asked_of", ("clear",)))


def split_facts(entries: list, text: Callable[[str], str], ticket: dict) -> tuple[list[str], list[str]]:
    """(missing, stated) of a catalog's fact entries for one ticket: a string is always missing; a
    {fact, stated_by} entry is stated when the ticket (as the candidate sees it) contains one of its
    phrases, each rendered by `text`. An archetype's and a benign ticket's facts alike, so a fact written
    against one wording of a ticket is never claimed of another."""
    from scenarios.consistency import ticket_text

    shown = comparable(ticket_text(ticket))
    missing, stated = [], []
    for entry in entries:
        if isinstance(entry, str):
            missing.append(text(entry))
        elif any(comparable(text(phrase)) in shown for phrase in entry.get("stated_by", ())):
            stated.append(text(entry["fact"]))
        else:
            missing.append(text(entry["fact"]))
    return missing, stated


def comparable(text: str) -> str:
    """`text` as phrases are found in it: whitespace collapsed, case folded."""
    return " ".join(text.split()).casefold()


_HTTP_OPERATION = re.compile(r"^[A-Z]+ /")
_STATED_TIMEOUT = re.compile(r"\b(?:within|after) (\d+) ?ms\b")
# A span that calls others spends a few milliseconds of its own around the calls (a proxy's hop),
# unless its step says it does more (`self_ms`); a worker takes up queued work within PICKUP_MS.
OWN_TIME_MS = (1, 4)
PICKUP_MS = (2, 40)


def trace_waterfall(
    world: World,
    rng: random.Random,
    *,
    trace_id: str,
    start_ms: int,
    anchor_span_id: str,
    failing: bool,
    anchor_operation: str = "",
    anchor_service: str = "",
    http_status: int | None = None,
    since_onset_ms: int | None = None,
) -> dict:
    """One request's spans, from the archetype's trace shape.

    Each step is called by its `parent` step (the step before it unless it names another), in the
    order the steps are listed; an `async` step is work its parent queued (a message, a job), taken
    up after the parent has answered, so it starts after its parent ends and may outlast it (its
    span says `"kind": "consumer"`). Times build up from the leaves: a leaf takes `duration_ms` when
    it is the failing span and `healthy_ms` (else `duration_ms`) otherwise; a span that calls others
    takes their time, the gaps between the calls and its own few milliseconds (`self_ms` on a request
    that got through it), so every parent covers its children, and closely. A request that answered
    4xx/5xx stops at the failing span (the calls after it never happen); an `on_failure` step (a
    retry) happens only on a failing request.

    The log line's own span id goes to the span of that line: its service with its "METHOD path",
    else the first of its service, else the span marked `error`. So the trace, the log line and the
    HTTP sample name the same request: the line's span has its operation and its outcome (a 4xx/5xx
    line's span is an error; a successful line's trace has no error). The caller gives the line the
    latency of its span.
    """
    steps = world.archetype["trace"]
    anchor = next(
        (
            n
            for n, step in enumerate(steps)
            if step["service"] == anchor_service and world.text(step["operation"]) == anchor_operation
        ),
        None,
    )
    if anchor is None:
        anchor = next((n for n, step in enumerate(steps) if step["service"] == anchor_service), None)
    if anchor is None:
        anchor = next(n for n, step in enumerate(steps) if "error" in step)
    # A request that succeeded has no failing span, whatever the archetype's trace shape says.
    failing = failing and not (http_status is not None and http_status < 400)
    parent_of = [step.get("parent", n - 1) for n, step in enumerate(steps)]
    failed_step = next(n for n, step in enumerate(steps) if "error" in step)
    on_path = _callers(parent_of, failed_step)  # the failing span and the spans waiting on it
    kept = _callers(parent_of, anchor)
    stops = failing and http_status is not None and http_status >= 400
    runs: list[bool] = []
    for n, step in enumerate(steps):
        runs.append(
            n in kept
            or (
                (n == 0 or runs[parent_of[n]])
                and (failing or not step.get("on_failure"))
                and not (stops and n > failed_step)
            )
        )

    start, duration, errors = {}, {}, {}

    def lay_out(n: int, at: int) -> int:
        """Start step n at `at` (ms into the trace) with everything it calls; return when it ends."""
        step = steps[n]
        start[n] = at
        called = [m for m in range(n + 1, len(steps)) if parent_of[m] == n and runs[m]]
        waited = [m for m in called if not steps[m].get("async")]
        fails = failing and n == failed_step
        if waited:
            t = at + rng.randint(0, 2)
            for m in waited:
                t = lay_out(m, t) + rng.randint(0, 1)
            own = OWN_TIME_MS if failing and n in on_path else step.get("self_ms", OWN_TIME_MS)
            duration[n] = t - at + rng.randint(*own)
        else:
            low, high = step["duration_ms"] if fails else step.get("healthy_ms", step["duration_ms"])
            if not fails and "healthy_ms" not in step:
                high = max(low, (low + high) // 2)
            duration[n] = rng.randint(low, high)
        if fails:
            errors[n] = world.text(step["error"])
            stated = _STATED_TIMEOUT.search(errors[n])
            if stated:
                # Giving up after a timeout takes the timeout, and a little more.
                duration[n] = max(duration[n], int(stated.group(1)) + rng.randint(1, 3))
            if since_onset_ms is not None and duration[n] > since_onset_ms:
                # Nothing has waited longer than the failure has existed.
                duration[n] = max(1, since_onset_ms - rng.randint(0, 999))
        end = at + duration[n]
        t = end
        for m in called:
            if steps[m].get("async"):
                t = lay_out(m, t + rng.randint(*PICKUP_MS))
        return end

    lay_out(0, 0)
    ids = [anchor_span_id if n == anchor else hex_id(rng, 16) for n in range(len(steps))]
    spans = []
    for n, step in enumerate(steps):
        if not runs[n]:
            continue
        operation = world.text(step["operation"])
        if n == anchor and anchor_operation and _HTTP_OPERATION.match(operation):
            operation = anchor_operation
        span = {
            "span_id": ids[n],
            "parent_span_id": ids[parent_of[n]] if n else None,
            "service": step["service"],
            "operation": operation,
            "start_offset_ms": start[n],
            "duration_ms": duration[n],
            "status": "error" if n in errors else "ok",
        }
        if step.get("async"):
            span["kind"] = "consumer"
        if n in errors:
            span["error"] = errors[n]
        spans.append(span)
    by_id = {span["span_id"]: span for span in spans}
    if stops:
        # An error answer propagates: the anchor's span and the callers of the failing span return it.
        for n in sorted(on_path | {anchor}):
            span = by_id.get(ids[n])
            if span is not None and span["status"] == "ok":
                span["status"] = "error"
                span["error"] = f"HTTP {http_status} returned to the caller"
    _surface_errors(steps, parent_of, runs, [by_id.get(ids[n]) for n in range(len(steps))])
    return {"trace_id": trace_id, "started_at": iso_ms(start_ms), "spans": spans}


def _surface_errors(steps: list[dict], parent_of: list[int], runs: list[bool], spans: list) -> None:
    """A call that failed fails its caller, and so on up, unless the caller retried it and the retry
    (an `on_failure` step) went through, or the failed span is work its parent queued (a consumer:
    the parent had answered before it ran)."""
    for n in range(len(steps) - 1, 0, -1):
        child, parent = spans[n], spans[parent_of[n]]
        if child is None or parent is None or child["status"] != "error" or parent["status"] == "error":
            continue
        if steps[n].get("async"):
            continue
        retried = any(
            parent_of[m] == parent_of[n] and runs[m] and steps[m].get("on_failure")
            for m in range(n + 1, len(steps))
        )
        if not retried:
            parent["status"] = "error"
            parent["error"] = f"{child['operation']} failed: {child['error']}"


def _callers(parent_of: list[int], step: int) -> set[int]:
    """The step and every step above it, up to the root."""
    found = set()
    while step >= 0:
        found.add(step)
        step = parent_of[step]
    return found


def dashboard(
    world: World,
    rng: random.Random,
    *,
    start_ms: int,
    end_ms: int,
    label: str | None = None,
    changes: list[tuple[int, str]] | None = None,
    shape=None,
) -> dict:
    """A per-minute snapshot: error rate, latency percentiles and saturation, with the trigger marked
    (labelled with `label`, the trigger's line as the logs show it, when given) among the window's
    other `changes` ((time, what the log says), deploys and config changes alike).

    `shape(minute_ms)`, when given, returns (level, saturation) for a minute whose failure comes and
    goes (a pod killed every half hour): level 0-1 scales error rate and latency, saturation is the
    metric's own value (taken as it is, without jitter, when a third item True says it is exact: a
    figure the logs state too); None keeps the usual ramp."""
    metrics = world.archetype["metrics"]
    err, p95, sat = metrics["error_rate_pct"], metrics["latency_p95_ms"], metrics["saturation"]
    points = []
    for minute_ms in range(start_ms - start_ms % MINUTE_MS, end_ms, MINUTE_MS):
        since = (minute_ms - world.onset_ms) / MINUTE_MS
        level = 0.0 if since < 0 else min(1.0, (since + 1) / 5)
        shaped = shape(minute_ms) if shape is not None else None
        if shaped is not None:
            level = shaped[0]
        jitter = 1 + (rng.random() - 0.5) * 0.1
        p95_value = (p95["baseline"] + (p95["peak"] - p95["baseline"]) * level) * jitter
        points.append(
            {
                "ts": iso_s(minute_ms),
                "error_rate_pct": min(
                    100.0, round((err["baseline"] + (err["peak"] - err["baseline"]) * level) * jitter, 2)
                ),
                "latency_p50_ms": round(p95_value * 0.42, 1),
                "latency_p95_ms": round(p95_value, 1),
                "latency_p99_ms": round(p95_value * 1.7, 1),
                "saturation": _bounded(
                    shaped[1]
                    if shaped is not None and shaped[2:] == (True,)
                    else (
                        shaped[1]
                        if shaped is not None
                        else sat["baseline"] + (sat["peak"] - sat["baseline"]) * level
                    )
                    * jitter,
                    sat["unit"],
                ),
            }
        )
    events = []
    trigger = world.archetype.get("trigger")
    if trigger and trigger["kind"] in ("deploy", "config_change"):
        events.append(
            {
                "ts": iso_s(world.trigger_ms),
                "kind": trigger["kind"],
                "label": label or world.text(trigger["message"]),
            }
        )
    for at, text in changes or ():
        if text != (events[0]["label"] if events else None):
            kind = "deploy" if text.startswith("deploy") else "config_change"
            events.append({"ts": iso_s(at), "kind": kind, "label": text})
    events.sort(key=lambda event: event["ts"])
    return {
        "service": world.archetype["primary_service"],
        "interval_seconds": 60,
        "saturation_metric": {"name": world.text(sat["name"]), "unit": sat["unit"]},
        "series": points,
        "events": events,
    }


def _bounded(value: float, unit: str) -> float:
    """A percentage never leaves 0-100, however the jitter falls."""
    return round(min(value, 100.0), 1) if unit == "%" else round(value, 1)
