"""The bodies every integration sends or answers with, as plain functions of an attempt: the webhook
event, the Greenhouse test status, the xAPI statement and the LTI Assignment and Grade Services score.
Published shapes: Greenhouse Assessment Partner API; xAPI 1.0.3 (IEEE 9274.1.1); LTI AGS 2.0."""

import uuid
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from scoring.dimensions import DEFAULT_RUBRIC
from scoring.scorecards import OUTCOME_LABELS
from simulator.models import Attempt, AttemptStatus

DIMENSION_NAMES = {d["key"]: d["name"] for d in DEFAULT_RUBRIC}
SCORE_MIN, SCORE_MAX = 1, 5
PLATFORM = "Support engineering simulator"


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def scorecard_url(attempt: Attempt) -> str:
    return site_url(reverse("staff-scorecard", args=[attempt.public_id]))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _scorecard(attempt: Attempt):
    return getattr(attempt, "scorecard", None)


# Webhooks -----------------------------------------------------------------------------------------


def webhook_event(*, event: str, event_id: str, occurred_at: datetime, attempt: Attempt) -> dict:
    """`{id, type, created, data: {attempt, scorecard?}}`; the scorecard once the attempt is scored."""
    invitation = attempt.invitation
    data = {
        "attempt": {
            "id": attempt.public_id,
            "status": attempt.status,
            "exercise": {
                "slug": attempt.exercise.slug,
                "title": attempt.exercise.title,
                "purpose": attempt.exercise.purpose,
            },
            "participant": {
                "name": attempt.participant.name,
                "email": attempt.participant.email,
                "kind": attempt.participant.kind,
            },
            "invitation": {"id": invitation.pk, "expires_at": _iso(invitation.expires_at)},
            "started_at": _iso(attempt.started_at),
            "deadline": _iso(attempt.deadline),
            "submitted_at": _iso(attempt.submitted_at),
            "staff_url": site_url(reverse("staff-attempt", args=[attempt.public_id])),
        }
    }
    card = _scorecard(attempt)
    if card is not None and attempt.status in (AttemptStatus.SCORED, AttemptStatus.FINALIZED):
        data["scorecard"] = {
            "url": scorecard_url(attempt),
            "final_scores": {k: v["score"] for k, v in card.final_scores.items()},
            "mean_score": card.mean_score,
            "recommendation": card.recommendation,
            "reviews_submitted": card.reviews_submitted,
            "reviews_required": card.reviews_required,
            "finalized": attempt.status == AttemptStatus.FINALIZED,
        }
    return {
        "id": event_id,
        "type": event,
        "created": _iso(occurred_at),
        "organisation": attempt.organisation.slug,
        "data": data,
    }


# Greenhouse -----------------------------------------------------------------------------------------

# partner_status: Greenhouse reads only "complete" (then stops polling); the others say where it is.
PARTNER_STATUS = {
    AttemptStatus.INVITED: "sent",
    AttemptStatus.IN_PROGRESS: "started",
    AttemptStatus.SUBMITTED: "submitted",
    AttemptStatus.SCORED: "in_review",
    AttemptStatus.FINALIZED: "complete",
    AttemptStatus.EXPIRED: "expired",
    AttemptStatus.CANCELLED: "cancelled",
}


def greenhouse_test_status(attempt: Attempt) -> dict:
    """`{partner_status, metadata}`, and once the scorecard is finalized `partner_profile_url` (the
    staff scorecard) and `partner_score` (the mean final score, 1-5). Metadata is flat: one
    primitive per key, as Greenhouse requires, with a key per scored dimension."""
    status = PARTNER_STATUS[attempt.status]
    metadata: dict[str, str | float | int] = {
        "Exercise": attempt.exercise.title,
        "Status": status.replace("_", " "),
    }
    for label, moment in (
        ("Started At", attempt.started_at),
        ("Submitted At", attempt.submitted_at),
    ):
        if moment:
            metadata[label] = f"{moment:%Y-%m-%d %H:%M} UTC"
    body: dict = {"partner_status": status}
    card = _scorecard(attempt)
    if status == "complete" and card is not None:
        body["partner_profile_url"] = scorecard_url(attempt)
        body["partner_score"] = round(card.mean_score, 2) if card.mean_score is not None else 0
        metadata["Score Scale"] = f"{SCORE_MIN} (lowest) to {SCORE_MAX} (highest)"
        if card.recommendation:
            metadata["Recommendation"] = OUTCOME_LABELS.get(card.recommendation, card.recommendation)
        for key, final in card.final_scores.items():
            metadata[DIMENSION_NAMES.get(key, key)] = final["score"]
    body["metadata"] = metadata
    return body


# Learning records ---------------------------------------------------------------------------------


def grading_progress(attempt: Attempt) -> str:
    """LTI AGS gradingProgress: PendingManual while a required human review is missing and the
    scorecard is not finalized; FullyGraded once final."""
    card = _scorecard(attempt)
    if attempt.status == AttemptStatus.FINALIZED or card is None or not card.needs_review:
        return "FullyGraded"
    return "PendingManual"


def lti_score(*, attempt: Attempt, user_id: str, timestamp: datetime) -> dict:
    """An LTI AGS score (application/vnd.ims.lis.v1.score+json) on the 1-5 scale's maximum."""
    card = _scorecard(attempt)
    progress = grading_progress(attempt)
    body = {
        "userId": user_id,
        "scoreGiven": round(card.mean_score, 2) if card and card.mean_score is not None else 0,
        "scoreMaximum": SCORE_MAX,
        "activityProgress": "Completed" if progress == "FullyGraded" else "Submitted",
        "gradingProgress": progress,
        "timestamp": timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if card and card.final_scores:
        body["comment"] = "; ".join(
            f"{DIMENSION_NAMES.get(k, k)} {v['score']:g}/{SCORE_MAX}" for k, v in card.final_scores.items()
        )
    return body


def _registration(attempt: Attempt) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, site_url(f"/attempts/{attempt.public_id}")))


def xapi_statement(*, attempt: Attempt, statement_id: str, timestamp: datetime) -> dict:
    """An xAPI statement: the trainee (mbox) `scored` on the exercise (an assessment activity), with
    result.score scaled to 0-1 from the 1-5 mean, and the per-dimension scores as result extensions."""
    card = _scorecard(attempt)
    mean = card.mean_score if card and card.mean_score is not None else SCORE_MIN
    exercise = attempt.exercise
    result = {
        "score": {
            "scaled": round((mean - SCORE_MIN) / (SCORE_MAX - SCORE_MIN), 4),
            "raw": round(mean, 2),
            "min": SCORE_MIN,
            "max": SCORE_MAX,
        },
        "completion": True,
        "extensions": {
            site_url("/xapi/extensions/dimension-scores"): {
                k: v["score"] for k, v in (card.final_scores.items() if card else [])
            },
            site_url("/xapi/extensions/grading-progress"): grading_progress(attempt),
        },
    }
    if card and card.recommendation in ("ready", "not_yet"):
        result["success"] = card.recommendation == "ready"
    return {
        "id": statement_id,
        "actor": {
            "objectType": "Agent",
            "name": attempt.participant.name,
            "mbox": f"mailto:{attempt.participant.email}",
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/scored", "display": {"en-US": "scored"}},
        "object": {
            "objectType": "Activity",
            "id": site_url(f"/exercises/{attempt.organisation.slug}/{exercise.slug}"),
            "definition": {
                "name": {"en-US": exercise.title},
                "description": {"en-US": exercise.description or exercise.title},
                "type": "http://adlnet.gov/expapi/activities/assessment",
            },
        },
        "result": result,
        "context": {"registration": _registration(attempt), "platform": PLATFORM, "language": "en-US"},
        "timestamp": timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
