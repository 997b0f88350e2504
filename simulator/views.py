"""The participant's web workspace (server-rendered pages; the page's script talks to the JSON API).

The pages render only what the candidate API serves (`selectors.candidate_items`): never an
archetype, a seed, a difficulty or an answer key.
"""

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from scenarios.models import LogLine
from scoring import appeals as scoring_appeals
from scoring import selectors as scoring_selectors
from simulator import selectors, services
from simulator.errors import DomainError
from simulator.models import Attempt, AttemptStatus, Invitation, Purpose, SubmittedBy

SESSION_TOKENS = "attempt_tokens"
KIND_LABELS = {
    "triage_queue": "Ticket queue",
    "log_investigation": "Investigation",
    "escalation_writeup": "Escalation",
    "customer_comms": "Customer update",
    "incident": "Live incident",
    "postmortem": "Postmortem",
}
SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"]
ROUTES = ["L1", "L2", "Engineering", "SRE", "Security"]
INCIDENT_POLL_SECONDS = 15
FEEDBACK_POLL_SECONDS = 3


# The start page ------------------------------------------------------------------------------------


def _start_problem(invitation: Invitation | None, now: datetime) -> str:
    """Why the invitation cannot be used, in words safe for the participant, or ''. Reads only."""
    if invitation is None:
        return (
            "This invitation link is not valid. Check that you copied the whole link, or ask for a new one."
        )
    status = invitation.attempt.status
    if status == AttemptStatus.CANCELLED:
        return "This invitation was cancelled. Contact the person who invited you if you think this is a mistake."
    if status == AttemptStatus.EXPIRED or (status == AttemptStatus.INVITED and now >= invitation.expires_at):
        return f"This invitation expired on {invitation.expires_at:%d %b %Y, %H:%M} UTC. Ask for a new one."
    return ""


@require_http_methods(["GET", "POST"])
def take(request, token: str):
    """GET shows the exercise and its rules without starting anything; POST starts (or resumes) it."""
    invitation = selectors.invitation_for_token(token)
    if request.method == "POST":
        try:
            attempt, access_token, _ = services.attempt_start(invitation_token=token)
        except services.AttemptAlreadySubmitted:
            # The link is spent: the "submitted" card, never the answers or the token. A trainee
            # reads their feedback in the browser session that took the drill.
            return _start_page(request, selectors.invitation_for_token(token), message="", status=200)
        except services.InvitationUnusable as error:
            invitation = selectors.invitation_for_token(token)
            message = _start_problem(invitation, timezone.now()) or str(error)
            return _start_page(request, invitation, message=message, status=410)
        tokens = dict(request.session.get(SESSION_TOKENS) or {})
        tokens[attempt.public_id] = access_token
        request.session[SESSION_TOKENS] = tokens
        return redirect("workspace", attempt_id=attempt.public_id)
    message = _start_problem(invitation, timezone.now())
    return _start_page(request, invitation, message=message, status=410 if message else 200)


def _start_page(request, invitation: Invitation | None, *, message: str, status: int):
    context = {"message": message, "exercise": None}
    if invitation is not None:
        attempt = invitation.attempt
        exercise = invitation.exercise
        context.update(
            exercise=exercise,
            participant_name=invitation.participant.name,
            item_count=len(exercise.items),
            item_kinds=[KIND_LABELS.get(item["kind"], item["kind"]) for item in exercise.items],
            started=attempt.status != AttemptStatus.INVITED,
            closed=attempt.status in services.CLOSED,
            expires_at=invitation.expires_at,
            # The browser that took the exercise keeps its way in (a trainee's feedback); the link
            # alone gives none.
            own_attempt=attempt.public_id in (request.session.get(SESSION_TOKENS) or {}),
            attempt_id=attempt.public_id,
        )
    return render(request, "simulator/take.html", context, status=status)


# The workspace -------------------------------------------------------------------------------------


def _attempt_for_session(request, attempt_id: str) -> tuple[Attempt, str]:
    """The attempt whose access token this browser session holds; anything else is a 404."""
    access_token = (request.session.get(SESSION_TOKENS) or {}).get(attempt_id)
    if not access_token:
        raise Http404
    attempt = selectors.attempt_for_candidate(public_id=attempt_id)
    if attempt is None or attempt.access_token_hash != services.token_hash(access_token):
        raise Http404
    if attempt.status == AttemptStatus.CANCELLED:
        raise Http404
    return attempt, access_token


def workspace(request, attempt_id: str):
    attempt, access_token = _attempt_for_session(request, attempt_id)
    enforced = services.attempt_enforce_deadline(attempt=attempt)
    if enforced.status != attempt.status:
        attempt = selectors.attempt_for_candidate(public_id=attempt_id)
    now = timezone.now()
    if request.headers.get("HX-Request") and request.GET.get("fragment") == "incident-feed":
        return _incident_feed_fragment(request, attempt, now)
    if request.headers.get("HX-Request") and request.GET.get("fragment") == "feedback":
        return _feedback_fragment(request, attempt, now)
    items = selectors.candidate_items(attempt=attempt, now=now)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return _submitted_page(request, attempt, items)
    state = {
        "id": attempt.public_id,
        "status": attempt.status,
        "deadline": attempt.deadline,
        "server_time": now,
        "started_at": attempt.started_at,
        "items": [
            {"id": item["id"], "kind": item["kind"], "title": item["title"], "response": item["response"]}
            for item in items
        ],
        "dashboards": {
            item["id"]: item["payload"].get("dashboard")
            for item in items
            if item["kind"] == "log_investigation"
        },
    }
    context = {
        "attempt": attempt,
        "exercise": attempt.exercise,
        "items": [_item_view(item, attempt) for item in items],
        "state": state,
        "access_token": access_token,
        "severities": SEVERITIES,
        "routes": ROUTES,
        "poll_seconds": INCIDENT_POLL_SECONDS,
    }
    return render(request, "simulator/workspace.html", context)


def _submitted_page(
    request, attempt: Attempt, items: list[dict], *, appeal_error: str = "", appeal_posted=None, status=200
):
    answered = sum(1 for item in items if _has_content(item["response"]["answer"]))
    training = attempt.exercise.purpose == Purpose.TRAINING
    context = {
        "attempt": attempt,
        "exercise": attempt.exercise,
        "answered": answered,
        "total": len(items),
        "by_deadline": attempt.submitted_by == SubmittedBy.DEADLINE,
        "training": training,
        "appeal_error": appeal_error,
        "appeal_posted": appeal_posted or {},
    }
    if training:
        # Only a training drill ever shows scores, checks or the worked answer; a hiring exercise
        # shows the thank-you card and nothing else, even once it has been scored.
        context.update(_feedback_context(attempt, items))
    else:
        # A hiring candidate may be offered a second look (where the exercise allows it): the
        # dimension names and the outcome, never a score (`requester_view` leaves them out).
        context["appeals"] = scoring_appeals.requester_view(attempt=attempt)
    return render(request, "simulator/submitted.html", context, status=status)


@require_POST
def appeal(request, attempt_id: str):
    """The participant asks for a second look at one dimension (scoring.appeals.appeal_request)."""
    attempt, _ = _attempt_for_session(request, attempt_id)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return redirect("workspace", attempt_id=attempt.public_id)
    posted = {"dimension": request.POST.get("dimension", ""), "reason": request.POST.get("reason", "")}
    try:
        scoring_appeals.appeal_request(
            attempt=attempt, dimension=posted["dimension"], reason=posted["reason"]
        )
    except DomainError as error:
        items = selectors.candidate_items(attempt=attempt)
        return _submitted_page(
            request, attempt, items, appeal_error=str(error), appeal_posted=posted, status=error.status_code
        )
    return redirect(reverse("workspace", args=[attempt.public_id]) + "#appeal")


def _feedback_fragment(request, attempt: Attempt, now: datetime):
    """The feedback block alone, polled by htmx while the drill is being scored."""
    if attempt.status == AttemptStatus.IN_PROGRESS or attempt.exercise.purpose != Purpose.TRAINING:
        raise Http404
    items = selectors.candidate_items(attempt=attempt, now=now)
    context = {"attempt": attempt, "exercise": attempt.exercise, **_feedback_context(attempt, items)}
    return render(request, "simulator/feedback/_feedback.html", context)


def _incident_feed_fragment(request, attempt: Attempt, now: datetime):
    item_id = request.GET.get("item", "")
    items = [item for item in selectors.candidate_items(attempt=attempt, now=now) if item["id"] == item_id]
    if not items or items[0]["kind"] != "incident":
        raise Http404
    view = _item_view(items[0], attempt)
    response = render(request, "simulator/items/_incident_feed.html", {"item": view})
    if attempt.status != AttemptStatus.IN_PROGRESS:
        response.status_code = 286  # tells htmx to stop polling
    return response


def _has_content(value) -> bool:
    if isinstance(value, dict):
        return any(_has_content(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_content(v) for v in value)
    return bool(value)


# What each kind of item looks like on the page ---------------------------------------------------


def _ts(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _pretty(value) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def _item_view(item: dict, attempt: Attempt) -> dict:
    payload = item["payload"]
    view = {
        "id": item["id"],
        "kind": item["kind"],
        "kind_label": KIND_LABELS.get(item["kind"], item["kind"]),
        "title": item["title"],
        "position": item["position"] + 1,
        "brief": payload.get("brief", ""),
        "payload": payload,
    }
    builder = {
        "triage_queue": _triage_view,
        "log_investigation": _investigation_view,
        "escalation_writeup": _escalation_view,
        "customer_comms": _comms_view,
        "incident": _incident_view,
        "postmortem": _postmortem_view,
    }.get(item["kind"])
    if builder:
        view.update(builder(payload, attempt))
    return view


def _ticket_view(ticket: dict) -> dict:
    return {**ticket, "received": _ts(ticket.get("received_at"))}


def _triage_view(payload: dict, attempt: Attempt) -> dict:
    return {
        "tickets": [_ticket_view(ticket) for ticket in payload.get("tickets", [])],
        "severity_scale": sorted((payload.get("severity_scale") or {}).items()),
    }


def _span_rows(trace: dict) -> dict:
    spans = trace.get("spans", [])
    total = max((s["start_offset_ms"] + s["duration_ms"] for s in spans), default=0) or 1
    depth: dict[str, int] = {}
    rows = []
    for span in spans:
        level = depth.get(span.get("parent_span_id"), -1) + 1 if span.get("parent_span_id") else 0
        depth[span["span_id"]] = level
        left = 100 * span["start_offset_ms"] / total
        width = max(100 * span["duration_ms"] / total, 0.4)
        rows.append(
            {
                **span,
                "depth": min(level, 8),
                "left": f"{left:.3f}",
                "width": f"{width:.3f}",
                "right": f"{max(0.0, 100 - left - width):.3f}",
                "right_of_start": f"{100 - left:.3f}",
                # The duration label goes after the bar, inside it when the bar is long and ends
                # near the edge, or before it when a short bar starts near the edge.
                "label_inside": left + width > 80 and width > 12,
                "label_right": left + width > 80,
                "is_error": span.get("status") == "error",
            }
        )
    root = spans[0] if spans else {}
    return {
        "trace_id": trace.get("trace_id", ""),
        "started": _ts(trace.get("started_at")),
        "total_ms": total,
        "root_operation": root.get("operation", ""),
        "root_service": root.get("service", ""),
        "has_error": any(row["is_error"] for row in rows),
        "error_count": sum(1 for row in rows if row["is_error"]),
        "spans": rows,
        "ticks": [round(total * fraction) for fraction in (0, 0.25, 0.5, 0.75, 1)],
    }


def _http_sample_view(sample: dict) -> dict:
    request, response = sample.get("request") or {}, sample.get("response") or {}
    return {
        **sample,
        "at_dt": _ts(sample.get("at")),
        "req": request,
        "res": response,
        "req_headers": request.get("headers") or {},
        "res_headers": response.get("headers") or {},
        "req_body": _pretty(request["body"]) if request.get("body") not in (None, "") else "",
        "res_body": _pretty(response["body"]) if response.get("body") not in (None, "") else "",
        "is_error": (response.get("status") or 0) >= 400,
    }


def _investigation_view(payload: dict, attempt: Attempt) -> dict:
    window = payload.get("window") or {}
    dashboard = payload.get("dashboard") or {}
    return {
        "ticket": _ticket_view(payload["ticket"]) if payload.get("ticket") else None,
        "window_start": _ts(window.get("start")),
        "window_end": _ts(window.get("end")),
        "window": window,
        "services": payload.get("services", []),
        "levels": ["DEBUG", "INFO", "WARN", "ERROR"],
        "log_count": payload.get("log_count", 0),
        "traces": [_span_rows(trace) for trace in payload.get("traces", [])],
        "http_samples": [_http_sample_view(sample) for sample in payload.get("http_samples", [])],
        "dashboard_service": dashboard.get("service", ""),
        "dashboard_events": [
            {**event, "at": _ts(event.get("ts"))} for event in dashboard.get("events", []) or []
        ],
        "saturation": dashboard.get("saturation_metric") or {},
    }


def _escalation_view(payload: dict, attempt: Attempt) -> dict:
    return {
        "customer": payload.get("customer") or {},
        "ticket_id": payload.get("ticket_id", ""),
        "thread": [{**message, "sent": _ts(message.get("sent_at"))} for message in payload.get("thread", [])],
    }


def _comms_view(payload: dict, attempt: Attempt) -> dict:
    incident = dict(payload.get("incident") or {})
    incident["started"] = _ts(incident.get("started_at"))
    return {
        "now": _ts(payload.get("now")),
        "incident": incident,
        "timeline": [{**entry, "at_dt": _ts(entry.get("at"))} for entry in payload.get("timeline", [])],
        "known": payload.get("known", []),
        "unknown": payload.get("unknown", []),
        "audience": payload.get("audience", ""),
        "update_policy": payload.get("update_policy", ""),
    }


def _clock_text(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _incident_view(payload: dict, attempt: Attempt) -> dict:
    started = _ts(payload.get("started_at"))

    def story_time(offset: int):
        return started + timedelta(seconds=offset) if started else None

    injects = [
        {
            **inject,
            "at": story_time(inject["offset_seconds"]),
            "clock": _clock_text(inject["offset_seconds"]),
            "kind_label": inject.get("kind", "").replace("_", " ").capitalize(),
        }
        for inject in payload.get("injects", [])
    ]
    decisions = [
        {**point, "at": story_time(point["offset_seconds"]), "clock": _clock_text(point["offset_seconds"])}
        for point in payload.get("decision_points", [])
    ]
    return {
        "started": started,
        "injects": list(reversed(injects)),
        "decisions": list(reversed(decisions)),
        "next_release_in_seconds": payload.get("next_release_in_seconds"),
        "poll_seconds": INCIDENT_POLL_SECONDS,
        "attempt_id": attempt.public_id,
    }


def _postmortem_view(payload: dict, attempt: Attempt) -> dict:
    incident = dict(payload.get("incident") or {})
    for key in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
        incident[key.replace("_at", "")] = _ts(incident.get(key))
    return {
        "incident": incident,
        "timeline": [{**entry, "at_dt": _ts(entry.get("at"))} for entry in payload.get("timeline", [])],
        "evidence": payload.get("evidence", []),
    }


# Feedback on a training drill ----------------------------------------------------------------------
#
# Shown only on the submitted screen of a training exercise, once it is scored: the scores with a
# line on what happened in each dimension (the scorer's label, "routed to Engineering where L2 owns
# it"), not the rubric's anchor text, which judges the person ("defensive; poor cross-team
# dynamics") where a trainee needs to know what to change; the checks behind them, and the worked
# answer (the answer key) rendered for a person to read. A hiring exercise never reaches any of this.


def _feedback_context(attempt: Attempt, items: list[dict]) -> dict:
    score_set = scoring_selectors.latest_score_set(attempt=attempt)
    if score_set is None:
        return {"feedback": None, "feedback_poll_seconds": FEEDBACK_POLL_SECONDS}
    report = scoring_selectors.score_report(score_set=score_set)
    rubric = report["rubric"]["dimensions"]
    # The numbers a trainee is shown are the final ones: a reviewer's change or an answered appeal
    # replaces the automatic score, and the page says so; the checks stay as the automatic score's why.
    finals = scoring_selectors.trainee_final_scores(attempt=attempt, report=report)
    worked = {
        entry["item_id"]: entry["worked_answer"] or {}
        for entry in scoring_selectors.worked_answers(attempt=attempt)
    }
    shown = {item["id"]: item for item in items}
    scenarios = {
        item.public_id: item.scenario
        for item in attempt.items.select_related("scenario").defer("scenario__payload")
    }
    feedback_items = []
    for entry in report["items"]:
        item_id = entry["item_id"]
        item = shown.get(item_id) or {}
        key = worked.get(item_id) or {}
        scenario = scenarios.get(item_id)
        secret = str((key.get("secret") or {}).get("value") or "")
        answer = (item.get("response") or {}).get("answer") or {}
        builder = _WORKED_ANSWERS.get(entry["kind"])
        feedback_items.append(
            {
                "id": item_id,
                "position": entry["position"] + 1,
                "kind": entry["kind"],
                "kind_label": KIND_LABELS.get(entry["kind"], entry["kind"]),
                "title": item.get("title", ""),
                "dimensions": [
                    _dimension_view(d, secret, finals.get(d["dimension"])) for d in entry["dimensions"]
                ],
                "worked": builder(key, scenario, answer) if builder else {},
                "template": f"simulator/feedback/_worked_{entry['kind']}.html",
            }
        )
    summary = [
        {
            **_level(finals[d["key"]]["score"]),
            "key": d["key"],
            "name": d["name"],
            "source": finals[d["key"]]["source"],
            "source_label": finals[d["key"]]["source_label"],
            "auto_text": _level(finals[d["key"]]["auto"])["score_text"],
        }
        for d in rubric
        if d["key"] in finals
    ]
    return {
        "appeals": scoring_appeals.requester_view(attempt=attempt),
        "feedback": {
            "items": feedback_items,
            "summary": summary,
            "scored_at": report["scored_at"],
            "rubric_name": report["rubric"]["name"],
            "rubric_version": report["rubric"]["version"],
            "scorer_version": report["scorer_version"],
            "all_automatic": all(entry["source"] == "auto" for entry in finals.values()),
        },
    }


def _level(score: float) -> dict:
    """A score's display: the number, the whole level for colour, and five pips."""
    whole = max(1, min(5, int(score + 0.5)))
    text = f"{score:.1f}".rstrip("0").rstrip(".") if isinstance(score, float) else str(score)
    return {"score": score, "score_text": text, "level": whole, "pips": [n <= whole for n in range(1, 6)]}


def _mask(text: str, secret: str) -> str:
    if not text or not secret:
        return text or ""
    return text.replace(secret, _masked_secret(secret))


def _masked_secret(secret: str) -> str:
    visible = secret[: min(4, len(secret) // 4)]
    return f"{visible}{'•' * 10}"


def _earns(check: dict) -> bool:
    return not check.get("gate") and check.get("assessed", True)


def _dimension_view(dimension: dict, secret: str, final: dict | None = None) -> dict:
    raw_checks = dimension.get("checks") or []
    checks = [
        {
            "passed": bool(check.get("passed")),
            "gate": bool(check.get("gate")),
            "explanation": _mask(check.get("explanation", ""), secret),
            "quote": _mask(check.get("quote", ""), secret),
        }
        for check in raw_checks
    ]
    score = dimension["score"]
    changed = final is not None and final["source"] != "auto"
    return {
        # A person's change to the dimension is the number shown; the checks explain the automatic one.
        **_level(final["score"] if changed else score),
        "auto_score": score,
        "source": final["source"] if changed else "auto",
        "source_label": final["source_label"] if changed else "",
        "key": dimension["dimension"],
        "name": dimension["name"],
        "label": _mask(dimension.get("label") or "", secret),
        "checks": checks,
        # Counted as the label counts them: the checks that earn points (not the required gates, not
        # the ones that could not be assessed), so "Met 1 of 8 checks" and the count agree.
        "passed_count": sum(
            1 for c, raw in zip(checks, raw_checks, strict=True) if _earns(raw) and c["passed"]
        ),
        "counted": sum(1 for raw in raw_checks if _earns(raw)),
        "failed_gate": any(check["gate"] and not check["passed"] for check in checks),
    }


def _clock_from_seconds(seconds) -> str:
    try:
        return _clock_text(int(seconds))
    except (TypeError, ValueError):
        return ""


def _worked_triage(key: dict, scenario, answer: dict) -> dict:
    payload = scenario.view_payload if scenario else {}
    tickets = {ticket.get("id"): ticket for ticket in payload.get("tickets", [])}
    yours = answer.get("tickets") or {}
    keyed = key.get("tickets") or {}
    order = list(key.get("priority_order") or [])
    order += [ticket_id for ticket_id in keyed if ticket_id not in order]
    rows = []
    for position, ticket_id in enumerate(order, start=1):
        expected = keyed.get(ticket_id) or {}
        ticket = tickets.get(ticket_id) or {}
        mine = yours.get(ticket_id) or {}
        rows.append(
            {
                **expected,
                "id": ticket_id,
                "priority": position,
                "subject": ticket.get("subject", ""),
                "customer": (ticket.get("customer") or {}).get("name", ""),
                "your_severity": mine.get("severity", ""),
                "your_route": mine.get("route", ""),
                "severity_matches": mine.get("severity") == expected.get("severity"),
                "route_matches": mine.get("route") == expected.get("route"),
            }
        )
    your_order = [ticket_id for ticket_id in answer.get("priority_order") or [] if ticket_id in keyed]
    return {"tickets": rows, "your_order": your_order, "order_matches": your_order == order}


def _worked_investigation(key: dict, scenario, answer: dict) -> dict:
    evidence = list(key.get("key_evidence") or [])
    cited = set(answer.get("evidence_ids") or [])
    messages = {}
    if scenario is not None and evidence:
        for row in LogLine.objects.filter(
            scenario_id=scenario.pk, line_id__in=[e.get("line_id") for e in evidence]
        ).only("line_id", "ts", "level", "service", "message"):
            messages[row.line_id] = row
    mitigations = key.get("mitigations") or {}
    return {
        "root_cause": key.get("root_cause", ""),
        "onset": _ts(key.get("onset")),
        "onset_raw": key.get("onset", ""),
        "onset_tolerance_minutes": round((key.get("onset_tolerance_seconds") or 0) / 60, 1),
        "severity": key.get("severity", ""),
        "route": key.get("route", ""),
        "component": key.get("component", ""),
        "evidence": [
            {
                **e,
                "line": messages.get(e.get("line_id")),
                "cited": e.get("line_id") in cited or e.get("trace_id") in cited,
            }
            for e in evidence
        ],
        "signal_messages": key.get("signal_messages") or [],
        "red_herrings": key.get("red_herrings") or [],
        "safe": mitigations.get("safe") or [],
        "follow_up": mitigations.get("follow_up") or [],
        "unsafe": mitigations.get("unsafe") or [],
    }


_FACT_LABELS = [
    ("expected", "Expected"),
    ("actual", "Actual"),
    ("environment", "Environment"),
    ("onset", "Onset"),
    ("severity", "Severity"),
    ("severity_reason", "Why that severity"),
    ("workaround", "Workaround"),
    ("ask", "The ask"),
]


def _worked_escalation(key: dict, scenario, answer: dict) -> dict:
    facts = dict(key.get("facts") or {})
    secret = dict(key.get("secret") or {})
    value = str(secret.get("value") or "")
    impact = facts.get("impact") or {}
    return {
        "root_cause": key.get("root_cause", ""),
        "route": key.get("route", ""),
        "repro_steps": facts.get("repro_steps") or [],
        "facts": [(label, facts[name]) for name, label in _FACT_LABELS if facts.get(name)],
        "versions": facts.get("versions") or [],
        "request_ids": facts.get("request_ids") or [],
        "trace_ids": facts.get("trace_ids") or [],
        "impact": impact if isinstance(impact, dict) else {},
        "secret_kind": str(secret.get("kind") or "secret").replace("_", " "),
        "secret_masked": _masked_secret(value) if value else "",
        "secret_message_id": secret.get("message_id", ""),
        "noise_message_ids": key.get("noise_message_ids") or [],
    }


def _worked_comms(key: dict, scenario, answer: dict) -> dict:
    return {
        "must_include": key.get("must_include") or [],
        "must_not_say": key.get("must_not_say") or [],
        "known": key.get("known") or [],
        "unknown": key.get("unknown") or [],
        "affected_features": key.get("affected_features") or [],
        "guidance": key.get("guidance", ""),
        "next_update_within_minutes": key.get("next_update_within_minutes"),
        "root_cause": key.get("root_cause", ""),
    }


def _worked_incident(key: dict, scenario, answer: dict) -> dict:
    payload = scenario.view_payload if scenario else {}
    decisions = key.get("decisions") or {}
    yours = answer.get("decisions") or {}
    points = []
    for point in payload.get("decision_points", []):
        expected = decisions.get(point.get("id")) or {}
        correct, unsafe = set(expected.get("correct") or []), set(expected.get("unsafe") or [])
        window = list(expected.get("window_seconds") or [])
        mine = yours.get(point.get("id"))
        points.append(
            {
                "id": point.get("id"),
                "prompt": point.get("prompt", ""),
                "clock": _clock_from_seconds(point.get("offset_seconds")),
                "window": (
                    (_clock_from_seconds(window[0]), _clock_from_seconds(window[1]))
                    if len(window) == 2
                    else None
                ),
                "options": [
                    {
                        **option,
                        "verdict": "right"
                        if option["id"] in correct
                        else "unsafe"
                        if option["id"] in unsafe
                        else "",
                        "yours": option["id"] == mine,
                    }
                    for option in point.get("options", [])
                ],
                "answered": bool(mine),
            }
        )
    injects = {inject.get("id"): inject for inject in payload.get("injects", [])}
    return {
        "root_cause": key.get("root_cause", ""),
        "severity": key.get("severity", ""),
        "severity_reason": key.get("severity_reason", ""),
        "route": key.get("route", ""),
        "decisions": points,
        "update_cadence_minutes": key.get("update_cadence_minutes"),
        "red_herrings": [
            {"id": inject_id, "text": (injects.get(inject_id) or {}).get("text", "")}
            for inject_id in key.get("red_herring_inject_ids") or []
        ],
    }


def _worked_postmortem(key: dict, scenario, answer: dict) -> dict:
    payload = scenario.view_payload if scenario else {}
    evidence = {entry.get("id"): entry for entry in payload.get("evidence", [])}
    return {
        "root_cause": key.get("root_cause", ""),
        "cause_chain": key.get("cause_chain") or [],
        "contributing_factors": key.get("contributing_factors") or [],
        "corrective_actions": [
            action if isinstance(action, dict) else {"action": action, "owner": ""}
            for action in key.get("corrective_actions") or []
        ],
        "detection": key.get("detection", ""),
        "red_herrings": [
            {**entry, "text": (evidence.get(entry.get("evidence_id")) or {}).get("text", "")}
            for entry in key.get("red_herrings") or []
        ],
    }


_WORKED_ANSWERS = {
    "triage_queue": _worked_triage,
    "log_investigation": _worked_investigation,
    "escalation_writeup": _worked_escalation,
    "customer_comms": _worked_comms,
    "incident": _worked_incident,
    "postmortem": _worked_postmortem,
}


def healthz(request):
    """Liveness probe; also the ceiling a benchmark compares real endpoints against."""
    return HttpResponse(status=204)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI, its start-up script served as a file (the CSP allows no inline script). Swagger
    UI adds style elements as it renders, so this page alone allows inline styles; it shows no
    participant's data."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
            "style-src 'self'", "style-src 'self' 'unsafe-inline'", 1
        )
        return response
