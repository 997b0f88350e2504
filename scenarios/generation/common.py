"""Pieces several kinds share: the customer's ticket, traces, dashboards, the kind's own rng."""

import random
import re
from datetime import UTC, datetime, timedelta

from .world import World, hex_id, iso_ms, iso_s

DIFFICULTY_LOG_LINES = {"easy": 2_000, "medium": 10_000, "hard": 30_000}
MINUTE_MS = 60_000


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
        "channel": rng.choice(("email", "portal", "chat"))
        if clear
        else rng.choice(("email", "phone", "chat")),
        "received_at": iso_s(received_ms),
        "subject": subject,
        "body": body,
    }
    if clear and ticket.get("error_snippet"):
        payload["error_snippet"] = text_at(world, ticket["error_snippet"], received_ms).strip()
    return payload


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


def ticket_facts(world: World, ticket: dict) -> tuple[list[str], list[str]]:
    """(missing, stated): the archetype's facts this ticket leaves out, and those it already states.
    A fact with `stated_by` phrases is stated when the ticket's text (as the candidate sees it)
    contains one of them."""
    from scenarios.consistency import ticket_text

    shown = _comparable(ticket_text(ticket))
    missing, stated = [], []
    for entry in world.archetype["missing_facts"]:
        if isinstance(entry, str):
            missing.append(world.text(entry))
        elif any(_comparable(world.text(phrase)) in shown for phrase in entry["stated_by"]):
            stated.append(world.text(entry["fact"]))
        else:
            missing.append(world.text(entry["fact"]))
    return missing, stated


def _comparable(text: str) -> str:
    return " ".join(text.split()).casefold()


_HTTP_OPERATION = re.compile(r"^[A-Z]+ /")
_STATED_TIMEOUT = re.compile(r"\b(?:within|after) (\d+) ?ms\b")


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
    latency_ms: int | None = None,
    since_onset_ms: int | None = None,
) -> dict:
    """One request's spans, each a child of the one before, from the archetype's trace shape.

    The log line's own span id goes to the span of that line: its service with its "METHOD path",
    else the first of its service, else the span marked `error`. So the trace, the log line and
    the HTTP sample name the same request: the line's span has its operation, its latency and its
    outcome (a 4xx/5xx line's span is an error; a successful line's trace has no error), and every
    child span lies inside its parent.
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
    spans = []
    offset = 0
    parent = None
    for number, step in enumerate(steps):
        low, high = step["duration_ms"]
        is_error = failing and "error" in step
        span_id = anchor_span_id if number == anchor else hex_id(rng, 16)
        operation = world.text(step["operation"])
        if number == anchor and anchor_operation and _HTTP_OPERATION.match(operation):
            operation = anchor_operation
        span = {
            "span_id": span_id,
            "parent_span_id": parent,
            "service": step["service"],
            "operation": operation,
            "start_offset_ms": offset,
            "duration_ms": rng.randint(low, high)
            if failing
            else rng.randint(low, max(low, (low + high) // 2)),
            "status": "error" if is_error else "ok",
        }
        if is_error:
            span["error"] = world.text(step["error"])
            stated = _STATED_TIMEOUT.search(span["error"])
            if stated:
                # Giving up after a timeout takes the timeout, and a little more.
                span["duration_ms"] = int(stated.group(1)) + rng.randint(1, 3)
            if since_onset_ms is not None and span["duration_ms"] > since_onset_ms:
                # Nothing has waited longer than the failure has existed.
                span["duration_ms"] = max(
                    low if low < since_onset_ms else 1, since_onset_ms - rng.randint(0, 999)
                )
        spans.append(span)
        parent = span_id
        offset += rng.randint(0, 3)
    if failing and http_status and http_status >= 400 and spans[anchor]["status"] == "ok":
        spans[anchor]["status"] = "error"
        spans[anchor]["error"] = f"HTTP {http_status} returned to the caller"
    if failing and http_status and http_status >= 400:
        # An error answer propagates: the callers of the failing span return it and end in error too.
        for span in spans:
            if span["status"] == "error":
                break
            span["status"] = "error"
            span["error"] = f"HTTP {http_status} returned to the caller"
    timed_out = next((n for n, s in enumerate(spans) if _STATED_TIMEOUT.search(s.get("error", ""))), None)
    if timed_out is not None:
        # The callers of a span that waited out its timeout waited at least as long.
        end = spans[timed_out]["start_offset_ms"] + spans[timed_out]["duration_ms"]
        for span in spans[:timed_out]:
            span["duration_ms"] = max(span["duration_ms"], end - span["start_offset_ms"] + 1)
    _nest(spans, anchor, latency_ms)
    return {"trace_id": trace_id, "started_at": iso_ms(start_ms), "spans": spans}


def _nest(spans: list[dict], anchor: int, latency_ms: int | None) -> None:
    """Make the chain of spans physical: the anchored span takes the logged latency, the spans below
    it fit inside it, and the spans above it last at least as long as their child."""
    if latency_ms is not None:
        spans[anchor]["duration_ms"] = latency_ms
    else:
        anchor = len(spans) - 1
    for parent, child in zip(spans[anchor:], spans[anchor + 1 :], strict=False):
        parent_end = parent["start_offset_ms"] + parent["duration_ms"]
        child["start_offset_ms"] = min(child["start_offset_ms"], parent_end)
        child["duration_ms"] = min(child["duration_ms"], parent_end - child["start_offset_ms"])
    for number in range(anchor - 1, -1, -1):
        parent, child = spans[number], spans[number + 1]
        child_end = child["start_offset_ms"] + child["duration_ms"]
        parent["duration_ms"] = max(parent["duration_ms"], child_end - parent["start_offset_ms"])


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
