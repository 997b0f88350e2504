"""Demo content for `seed_demo`: a hiring loop with a panel and finished, scored attempts of
different quality, so a lead who logs in finds a populated queue, scorecards and a comparison.

Answers are written from each scenario's answer key at a chosen quality, the way a strong, an
average or a weak candidate would answer; they go through the same services as a real attempt.
"""

import re

from django.utils import timezone

from scenarios.models import Scenario
from simulator import services
from simulator.models import Attempt, AttemptStatus, Exercise, Panel

DEMO_EXERCISE = {
    "slug": "support-engineer-loop",
    "title": "Support engineer loop (demo)",
    "description": "Triage a queue, investigate the logs of an API failure and write the customer update.",
    "purpose": "hiring",
    "time_limit_minutes": 90,
    "base_seed": 424242,
    "items": [
        {"kind": "triage_queue", "archetypes": [], "difficulty": "medium"},
        {"kind": "log_investigation", "archetypes": [], "difficulty": "medium", "log_lines": 800},
        {"kind": "customer_comms", "archetypes": [], "difficulty": "medium"},
    ],
}

# (name, e-mail, quality from 0 to 1)
DEMO_CANDIDATES = [
    ("Amara Okafor", "amara.okafor@example.com", 1.0),
    ("Jonas Lindqvist", "jonas.lindqvist@example.com", 0.85),
    ("Priya Raman", "priya.raman@example.com", 0.6),
    ("Mateo Alvarez", "mateo.alvarez@example.com", 0.45),
    ("Chen Wei", "chen.wei@example.com", 0.25),
    ("Sofia Novak", "sofia.novak@example.com", 0.0),
]


MINUTES_USED = [58, 71, 64, 85, 43, 22]


def _spread_over_time(attempt: Attempt, *, minutes: int, days_ago: int) -> None:
    """Place a demo attempt in the past as if it had taken `minutes`: the start, each save and each
    event spread over that time, so time used, the timeline and the KPIs read like real work."""
    from simulator.models import Event, ResponseRevision

    submitted = timezone.now() - timezone.timedelta(days=days_ago, hours=2)
    started = submitted - timezone.timedelta(minutes=minutes)
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=started, submitted_at=submitted,
        deadline=started + timezone.timedelta(seconds=attempt.time_limit_seconds),
    )  # fmt: skip
    revisions = list(
        ResponseRevision.objects.filter(item__attempt=attempt).order_by("item__position", "version")
    )
    for index, revision in enumerate(revisions, start=1):
        revision.saved_at = started + timezone.timedelta(minutes=minutes * index / (len(revisions) + 1))
    ResponseRevision.objects.bulk_update(revisions, ["saved_at"])
    events = list(Event.objects.filter(attempt=attempt).order_by("server_ts", "pk"))
    for index, event in enumerate(events, start=1):
        event.server_ts = started + timezone.timedelta(minutes=minutes * index / (len(events) + 2) * 0.8)
    Event.objects.bulk_update(events, ["server_ts"])


def demo_exercise(*, organisation, panel: Panel) -> Exercise:
    exercise = organisation.exercises.filter(slug=DEMO_EXERCISE["slug"]).first()
    if exercise is None:
        exercise = services.exercise_create(organisation=organisation, panel=panel, **DEMO_EXERCISE)
    return exercise


def demo_scored_attempts(*, exercise: Exercise, lead) -> list[Attempt]:
    """One finished, scored attempt per demo candidate (reused when they exist)."""
    from scoring import services as scoring_services

    attempts = []
    for name, email, quality in DEMO_CANDIDATES:
        existing = exercise.attempts.filter(participant__email=email).first()
        if existing is not None:
            attempts.append(existing)
            continue
        _, token = services.invitation_create(
            exercise=exercise, participant_name=name, participant_email=email, created_by=lead
        )
        attempt, _, _ = services.attempt_start(invitation_token=token)
        for item in attempt.items.select_related("scenario__answer_key").order_by("position"):
            scenario: Scenario = item.scenario
            answer = ANSWERS[item.kind](scenario.full_payload(), scenario.answer_key.content, quality)
            services.response_save(attempt=attempt, item=item, base_version=0, answer=answer)
        services.attempt_submit(attempt=attempt, submitted_by="participant")
        _spread_over_time(
            attempt, minutes=MINUTES_USED[len(attempts) % len(MINUTES_USED)], days_ago=len(attempts)
        )
        scoring_services.attempt_score(attempt_id=attempt.pk)
        attempt.refresh_from_db()
        attempts.append(attempt)
    return attempts


def demo_reviews(*, attempts: list[Attempt], reviewers: list, lead) -> None:
    """Reviews from both panel reviewers on four attempts after the strongest (the second a little stricter, so the
    calibration page has disagreement to measure) and two overrides, so the comparison shows every
    source of a score; the last attempts stay in the queue."""
    from scoring import services as scoring_services
    from scoring.models import Override, Review, Scorecard

    scored = [a for a in attempts if a.status == AttemptStatus.SCORED]
    if Review.objects.filter(attempt__in=scored).exists():
        return
    # The strongest candidate keeps the automatic scores, so the comparison still spans every
    # recommendation from strong hire to strong no hire.
    for index, attempt in enumerate(scored[1:5]):
        card = Scorecard.objects.get(attempt=attempt)
        scores = {d: max(1, min(5, round(v))) for d, v in card.auto_scores.items()}
        stricter = {
            d: max(1, v - 1) if (position + index) % 2 == 0 else v
            for position, (d, v) in enumerate(scores.items())
        }
        for reviewer, given in zip(reviewers, (scores, stricter), strict=False):
            scoring_services.review_submit(
                attempt=attempt, reviewer=reviewer, scores=given,
                notes="Clear reasoning; the evidence cited supports the conclusion.", now=timezone.now(),
            )  # fmt: skip
    if len(scored) > 3 and not Override.objects.filter(attempt=scored[3]).exists():
        scoring_services.override_create(
            attempt=scored[3], dimension="communication", score=2, reason_code="scorer_credited_keywords",
            justification="The update names the right features but promises a fix time nobody gave.", author=lead,
        )  # fmt: skip
    if len(scored) > 4 and not Override.objects.filter(attempt=scored[4]).exists():
        scoring_services.override_create(
            attempt=scored[4], dimension="troubleshooting", score=3, reason_code="scorer_missed_evidence",
            justification="The notes rule out the noisy warnings by their timestamps; the scorer missed it.",
            author=lead,
        )  # fmt: skip


def _triage(payload: dict, key: dict, quality: float) -> dict:
    tickets = {}
    for index, ticket in enumerate(payload["tickets"]):
        expected = key["tickets"].get(ticket["id"], {})
        right = quality >= 0.5 or (quality >= 0.25 and index % 2 == 0)
        facts = (expected.get("missing_facts") or [])[: 2 if quality > 0.7 else 1]
        tickets[ticket["id"]] = {
            "severity": expected.get("severity", "SEV3") if right else "SEV4",
            "component": expected.get("component", "platform") if right else "platform",
            "route": expected.get("route", "L2") if right else "L1",
            "clarifying_questions": " ".join(f"Could you confirm {fact}?" for fact in facts)
            if quality > 0.2
            else "",
            "next_steps": " ".join((expected.get("next_steps") or [])[:2])
            if quality > 0.4
            else "Look into it.",
        }
    order = list(key.get("priority_order") or tickets)
    return {
        "tickets": tickets,
        "priority_order": order if quality >= 0.6 else list(reversed(order)),
        "notes": "Worked the queue by impact and tier." if quality > 0.3 else "",
    }


def _investigation(payload: dict, key: dict, quality: float) -> dict:
    evidence = key.get("key_evidence") or []
    if quality < 0.2:
        return {"root_cause": "Probably the network.", "evidence_ids": [], "hypotheses": "Could be anything."}
    cited = [e["line_id"] for e in evidence[: 1 + int(quality * 3)]]
    safe = (key.get("mitigations") or {}).get("safe") or ["Roll back the change."]
    return {
        "root_cause": key["root_cause"] if quality >= 0.5 else key["root_cause"].split(";")[0].split(",")[0],
        "evidence_ids": cited,
        "onset": key.get("onset", "") if quality >= 0.6 else "",
        "mitigation": safe[0] if quality >= 0.4 else "",
        "hypotheses": "Ruled out the noisy warnings: they predate the failure." if quality >= 0.8 else "",
        "notes": "",
    }


# How the incident channel passes on the guidance agreed for customers (see scenarios.generation.comms).
_AGREED_GUIDANCE = re.compile(
    r"(?:meanwhile|until the next update): (.+)|guidance agreed for customers\. (.+)"
)


def _agreed_guidance(payload: dict) -> str:
    """The guidance the channel agreed for customers, in its own words, as a sentence."""
    for entry in payload.get("timeline", []):
        if match := _AGREED_GUIDANCE.search(entry["text"]):
            said = (match.group(1) or match.group(2)).strip()
            return said[0].upper() + said[1:]
    return ""


def _comms(payload: dict, key: dict, quality: float) -> dict:
    features = ", ".join(key.get("affected_features") or ["the service"])
    if quality < 0.2:
        return {"update": "There is an issue. We are looking at it and will update you at the next update."}
    minutes = key.get("next_update_within_minutes") or 60
    parts = [
        f"We are investigating a problem affecting {features} since {payload['incident']['started_at']}."
    ]
    if quality >= 0.4:
        # The payload's sentences, as the writer read them (the key holds terse points to grade by).
        parts.append("What we know: " + " ".join((payload.get("known") or [])[:2]))
    if quality >= 0.6:
        if payload["incident"].get("status") != "identified":
            parts.append("The cause is not yet confirmed; our engineers are on it.")
        parts.append(f"In the meantime: {_agreed_guidance(payload) or 'please retry later.'}")
    answer = {"update": "\n\n".join(parts)}
    if quality >= 0.5:
        next_at = timezone.datetime.fromisoformat(payload["now"].replace("Z", "+00:00")) + timezone.timedelta(
            minutes=minutes
        )
        iso = next_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        answer["update"] += f"\n\nWe will post the next update by {next_at:%H:%M} UTC."
        answer["next_update_at"] = iso
    return answer


ANSWERS = {"triage_queue": _triage, "log_investigation": _investigation, "customer_comms": _comms}
