"""incident: the drill's event feed, its decisions with their urgency, and the worked answer.

Two clocks never share a line: the drill clock (+mm:ss since the drill began, the time every
event and decision carries) and the real countdown of the attempt in the top bar. The story's
wall-clock time (the incident began at 14:03 UTC) is said once, as the start of the drill clock.
"""

from datetime import timedelta

from simulator.models import Purpose

from .common import clock_from_seconds, clock_text, ts

POLL_SECONDS = 15
# How long a decision may wait before it is late, in words a hiring candidate reads instead of the
# exact window: (longest wait in seconds, level, words).
URGENCY_WORDS = (
    (7 * 60, "now", "Urgent: the incident channel needs this decision now."),
    (12 * 60, "soon", "Needed soon: decide within the next few minutes."),
    (None, "later", "Less pressing: check the evidence first, then decide."),
)


def decision_urgency(*, offset_seconds: int, window: list | tuple | None, training: bool) -> dict | None:
    """What the candidate is told about how soon a decision is due, or None with no window known.

    A trainee sees the window itself, on the drill clock; a hiring candidate sees its urgency in
    words, so the exercise asks for judgement about pace without handing out the scoring's cut-off.
    """
    if not window or len(window) != 2:
        return None
    start, end = int(window[0]), int(window[1])
    wait = max(0, end - int(offset_seconds))
    level, words = next(
        (level, words) for limit, level, words in URGENCY_WORDS if limit is None or wait <= limit
    )
    if training:
        return {
            "level": level,
            "text": f"Decide by +{clock_text(end)} (window +{clock_text(start)} to +{clock_text(end)}).",
            "due_seconds": end,
        }
    return {"level": level, "text": words, "due_seconds": None}


def present(item: dict, attempt) -> dict:
    payload = item["payload"]
    started = ts(payload.get("started_at"))
    windows = item.get("decision_windows") or {}
    training = attempt.exercise.purpose == Purpose.TRAINING

    def story_time(offset: int):
        return started + timedelta(seconds=offset) if started else None

    injects = [
        {
            **inject,
            "at": story_time(inject["offset_seconds"]),
            "clock": clock_text(inject["offset_seconds"]),
            "kind_label": inject.get("kind", "").replace("_", " ").capitalize(),
        }
        for inject in payload.get("injects", [])
    ]
    decisions = [
        {
            **point,
            "at": story_time(point["offset_seconds"]),
            "clock": clock_text(point["offset_seconds"]),
            "urgency": decision_urgency(
                offset_seconds=point["offset_seconds"], window=windows.get(point["id"]), training=training
            ),
        }
        for point in payload.get("decision_points", [])
    ]
    return {
        "started": started,
        "injects": list(reversed(injects)),
        "decisions": list(reversed(decisions)),
        "next_release_in_seconds": payload.get("next_release_in_seconds"),
        "poll_seconds": POLL_SECONDS,
        "attempt_id": attempt.public_id,
    }


def worked(key: dict, scenario, answer: dict) -> dict:
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
                "clock": clock_from_seconds(point.get("offset_seconds")),
                "window": (
                    (clock_from_seconds(window[0]), clock_from_seconds(window[1]))
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
