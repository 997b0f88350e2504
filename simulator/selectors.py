"""Reads of the delivery side. What a candidate may see is decided here, field by field."""

from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from scenarios import selectors as scenario_selectors
from scenarios.models import LogLine
from simulator.models import Attempt, AttemptItem, Event, EventKind, Exercise, Invitation, ResponseRevision

LOG_PAGE_SIZE = 100
MAX_LOG_PAGE_SIZE = 500


def attempt_for_candidate(*, public_id: str) -> Attempt | None:
    """The attempt with its items, scenarios and current responses, in three queries."""
    return (
        Attempt.objects.select_related("exercise")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=AttemptItem.objects.select_related("scenario", "response")
                .defer("scenario__payload")
                .order_by("position"),
            )
        )
        .filter(public_id=public_id)
        .first()
    )


def elapsed_seconds(attempt: Attempt, now: datetime) -> int:
    if attempt.started_at is None:
        return 0
    end = min(now, attempt.submitted_at) if attempt.submitted_at else now
    return max(0, int((end - attempt.started_at).total_seconds()))


def candidate_payload(*, item: AttemptItem, payload: dict, elapsed: int) -> dict:
    """The scenario as the participant may see it at `elapsed` seconds into the attempt.

    Log lines are served page by page by the log search, not here; incident injects and decision
    points appear only once their offset has passed.
    """
    visible = dict(payload)
    if item.kind == "incident":
        visible["injects"] = [i for i in payload["injects"] if i["offset_seconds"] <= elapsed]
        visible["decision_points"] = [d for d in payload["decision_points"] if d["offset_seconds"] <= elapsed]
        upcoming = [i["offset_seconds"] for i in payload["injects"] if i["offset_seconds"] > elapsed]
        upcoming += [d["offset_seconds"] for d in payload["decision_points"] if d["offset_seconds"] > elapsed]
        visible["next_release_in_seconds"] = min(upcoming) - elapsed if upcoming else None
    return visible


def incident_decision_windows(*, attempt: Attempt) -> dict[str, dict[str, list[int]]]:
    """Per incident item of the attempt (by public id), its decision windows; no query without one."""
    incident_items = [item for item in attempt.items.all() if item.kind == "incident"]
    if not incident_items:
        return {}
    windows = scenario_selectors.decision_windows(scenario_ids=[item.scenario_id for item in incident_items])
    return {item.public_id: windows.get(item.scenario_id, {}) for item in incident_items}


def candidate_items(*, attempt: Attempt, now: datetime | None = None) -> list[dict]:
    """Every item of the attempt with its visible payload and current response, for the candidate."""
    now = now or timezone.now()
    elapsed = elapsed_seconds(attempt, now)
    items = list(attempt.items.all())
    payloads = {item.scenario_id: item.scenario.view_payload for item in items}
    return [
        {
            "id": item.public_id,
            "position": item.position,
            "kind": item.kind,
            "title": payloads[item.scenario_id]["title"],
            "payload": candidate_payload(item=item, payload=payloads[item.scenario_id], elapsed=elapsed),
            "response": {"version": item.response.version, "answer": item.response.answer},
        }
        for item in items
    ]


def log_search(
    *,
    item: AttemptItem,
    q: str = "",
    level: str = "",
    service: str = "",
    trace_id: str = "",
    start: str = "",
    end: str = "",
    cursor: int | None = None,
    limit: int = LOG_PAGE_SIZE,
) -> tuple[list[dict], int | None]:
    """One page of an item's log lines matching the filters, in time order; returns (lines, next cursor)."""
    rows = LogLine.objects.filter(scenario_id=item.scenario_id)
    if q:
        rows = rows.filter(Q(message__icontains=q) | Q(request_id=q) | Q(trace_id=q))
    if level:
        rows = rows.filter(level__in=[value.upper() for value in level.split(",")])
    if service:
        rows = rows.filter(service__in=service.split(","))
    if trace_id:
        rows = rows.filter(trace_id=trace_id)
    if start:
        rows = rows.filter(ts__gte=start)
    if end:
        rows = rows.filter(ts__lte=end)
    if cursor is not None:
        rows = rows.filter(seq__gt=cursor)
    limit = max(1, min(limit, MAX_LOG_PAGE_SIZE))
    page = list(rows.order_by("seq")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return [row.as_line() for row in page], (page[-1].seq if more else None)


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token names (only its hash is stored), with what the start page shows."""
    from simulator.services import token_hash

    return (
        Invitation.objects.select_related("exercise", "participant", "attempt")
        .filter(token_hash=token_hash(token))
        .first()
    )


def exercises_for_staff(*, organisation_id: int) -> QuerySet[Exercise]:
    return Exercise.objects.filter(organisation_id=organisation_id).order_by("title")


def attempt_kpis(*, attempt: Attempt) -> dict:
    """The simulator's versions of the blueprint's KPIs, per triage ticket (see `ticket_kpis`)."""
    if attempt.started_at is None:
        return {"tickets": {}}
    ticket_events = Event.objects.filter(attempt=attempt, kind__in=KPI_EVENT_KINDS).order_by(
        "server_ts", "id"
    )
    revisions = ResponseRevision.objects.filter(item__attempt=attempt, item__kind="triage_queue").order_by(
        "saved_at"
    )
    return ticket_kpis(
        started_at=attempt.started_at,
        ticket_events=((event.server_ts, event.data) for event in ticket_events),
        triage_revisions=((revision.saved_at, revision.answer) for revision in revisions),
    )


KPI_EVENT_KINDS = (EventKind.TICKET_VIEWED, EventKind.SEVERITY_SET)


def ticket_kpis(*, started_at: datetime, ticket_events, triage_revisions) -> dict:
    """Per triage ticket, from an attempt's events and saved revisions (each oldest first).

    Time to first action: from the start of the attempt to the first event about the ticket
    (`KPI_EVENT_KINDS`, as (server_ts, data) pairs). Time to triage: to the first saved revision
    (as (saved_at, answer) pairs) in which the ticket has severity, component and route.
    """
    first_action: dict[str, float] = {}
    for server_ts, data in ticket_events:
        ticket_id = (data or {}).get("ticket_id")
        if ticket_id and ticket_id not in first_action:
            first_action[ticket_id] = (server_ts - started_at).total_seconds()
    triaged: dict[str, float] = {}
    for saved_at, answer in triage_revisions:
        for ticket_id, ticket in (answer.get("tickets") or {}).items():
            complete = all(ticket.get(field) for field in ("severity", "component", "route"))
            if complete and ticket_id not in triaged:
                triaged[ticket_id] = (saved_at - started_at).total_seconds()
    tickets = sorted(set(first_action) | set(triaged))
    return {
        "tickets": {
            ticket_id: {
                "time_to_first_action_seconds": first_action.get(ticket_id),
                "time_to_triage_seconds": triaged.get(ticket_id),
            }
            for ticket_id in tickets
        }
    }


def attempt_timeline(*, attempt: Attempt) -> list[dict]:
    """What the participant did, oldest first: the recorded events and, as `answer_saved`, every
    saved revision of every answer (each revision is the record of that save)."""
    from simulator.models import AttemptItem

    items = dict(AttemptItem.objects.filter(attempt=attempt).values_list("pk", "public_id"))
    entries = [
        {"at": e.server_ts, "kind": e.kind, "item_id": items.get(e.item_id), "data": e.data}
        for e in Event.objects.filter(attempt=attempt).order_by("server_ts", "id")
    ]
    entries += [
        {
            "at": saved_at,
            "kind": EventKind.ANSWER_SAVED,
            "item_id": items[item_id],
            "data": {"version": version},
        }
        for item_id, version, saved_at in ResponseRevision.objects.filter(
            item_id__in=list(items)
        ).values_list("item_id", "version", "saved_at")
    ]
    entries.sort(key=lambda entry: entry["at"])
    return entries
