"""The participant's web workspace (server-rendered pages; the page's script talks to the JSON API).

The pages render only what the candidate API serves (`selectors.candidate_items`): never an
archetype, a seed, a difficulty or an answer key.
"""

from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from scoring import appeals as scoring_appeals
from scoring import selectors as scoring_selectors
from simulator import presenters, selectors, services
from simulator.errors import DomainError
from simulator.models import Attempt, AttemptStatus, Invitation, Purpose, SubmittedBy
from simulator.presenters.common import masked_secret
from simulator.presenters.incident import POLL_SECONDS as INCIDENT_POLL_SECONDS

SESSION_TOKENS = "attempt_tokens"
KIND_LABELS = presenters.KIND_LABELS  # staff pages label parts as the workspace does
SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"]
ROUTES = ["L1", "L2", "Engineering", "SRE", "Security"]
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
            item_kinds=[presenters.kind_label(item["kind"]) for item in exercise.items],
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
        "items": _workspace_views(items, attempt),
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
    view = _workspace_views(items, attempt)[0]
    response = render(request, "simulator/items/_incident_feed.html", {"item": view, "refresh": True})
    if attempt.status != AttemptStatus.IN_PROGRESS:
        response.status_code = 286  # tells htmx to stop polling
    return response


def _has_content(value) -> bool:
    if isinstance(value, dict):
        return any(_has_content(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_content(v) for v in value)
    return bool(value)


# What each kind of item looks like on the page: simulator/presenters/<kind>.py ----------------------


def _workspace_views(items: list[dict], attempt: Attempt) -> list[dict]:
    """The candidate's items for their templates, incident items with their decisions' windows."""
    windows = selectors.incident_decision_windows(attempt=attempt)
    return [
        presenters.item_view({**item, "decision_windows": windows.get(item["id"], {})}, attempt)
        for item in items
    ]


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
        feedback_items.append(
            {
                "id": item_id,
                "position": entry["position"] + 1,
                "kind": entry["kind"],
                "kind_label": presenters.kind_label(entry["kind"]),
                "title": item.get("title", ""),
                "dimensions": [
                    _dimension_view(d, secret, finals.get(d["dimension"])) for d in entry["dimensions"]
                ],
                "worked": presenters.worked_answer(entry["kind"], key, scenario, answer),
                "template": presenters.worked_template(entry["kind"]),
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
    return text.replace(secret, masked_secret(secret))


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
