"""The answer key never reaches a candidate: a sweep over every kind and every archetype, through
everything a candidate can fetch."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from scenarios.catalog import archetype_ids, get_archetype
from scenarios.generation import KINDS
from simulator import services
from simulator.models import Attempt, AttemptItem

pytestmark = pytest.mark.django_db


def _answer_only_texts(kind: str, key: dict) -> set[str]:
    texts: set[str] = set()
    if kind == "triage_queue":
        for ticket in key["tickets"].values():
            texts |= {ticket["root_cause"] or "", ticket["route_reason"], ticket["severity_reason"]}
    elif key["root_cause"] not in key.get("known", []):
        # A customer update's cause that the brief states as known is the material's own sentence,
        # shown to the writer on purpose; any other root cause is the key's alone.
        texts.add(key["root_cause"])
    texts |= {h.get("why_not", "") for h in key.get("red_herrings", [])}
    texts |= (
        set(key.get("must_not_say", []))
        | set(key.get("cause_chain", []))
        | set(key.get("contributing_factors", []))
    )
    texts |= {a["action"] for a in key.get("corrective_actions", [])}
    if "detection" in key:
        texts.add(key["detection"])
    return {t for t in texts if t}


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_a_candidate_can_fetch_holds_the_answer_key(kind, organisation, invite):
    archetypes = [a for a in archetype_ids() if kind in get_archetype(a)["kinds"]]
    extra = {"log_lines": 300} if kind == "log_investigation" else {}
    exercise = services.exercise_create(
        organisation=organisation, slug=f"sweep-{kind}", title="Sweep", purpose="hiring", time_limit_minutes=600,
        items=[{"kind": kind, "archetypes": [a], "difficulty": "hard", **extra} for a in archetypes],
    )  # fmt: skip
    _, token = invite(exercise)
    client = APIClient()
    started = client.post("/api/v1/attempts/", {"invitation_token": token}, format="json")
    # Two hours in, so every incident inject and decision point has been released.
    Attempt.objects.update(started_at=Attempt.objects.get().started_at - timedelta(hours=2))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {started.json()['access_token']}")
    attempt_id = started.json()["id"]

    fetched = [started.content.decode(), client.get(f"/api/v1/attempts/{attempt_id}/").content.decode()]
    items = list(AttemptItem.objects.select_related("scenario__answer_key").order_by("position"))
    if kind == "log_investigation":
        for item in items:
            cursor, pages = None, 0
            while pages < 10:
                params = {"limit": 500, **({"cursor": cursor} if cursor is not None else {})}
                page = client.get(f"/api/v1/attempts/{attempt_id}/items/{item.public_id}/logs/", params)
                fetched.append(page.content.decode())
                cursor, pages = page.json()["next_cursor"], pages + 1
                if cursor is None:
                    break
    stale = client.put(
        f"/api/v1/attempts/{attempt_id}/items/{items[0].public_id}/response/",
        {"version": 7, "answer": {}},
        format="json",
    )
    fetched.append(stale.content.decode())
    seen = "\n".join(fetched)

    assert len(items) == len(archetypes)
    for item in items:
        key = item.scenario.answer_key.content
        leaked = [text for text in _answer_only_texts(kind, key) if text in seen]
        assert leaked == [], f"{item.scenario.archetype}: {leaked}"
        assert item.scenario.archetype not in seen
        assert item.scenario.reference not in seen
        assert f'"{item.scenario.seed}"' not in seen and f": {item.scenario.seed}," not in seen
    for forbidden in (
        '"answer_key"',
        '"archetype"',
        '"seed"',
        '"generator_version"',
        '"difficulty"',
        '"red_herrings"',
    ):
        assert forbidden not in seen
    if kind == "escalation_writeup":
        # The thread really contains the leaked secret the candidate must redact; that is the exercise.
        assert all(item.scenario.answer_key.content["secret"]["value"] in seen for item in items)
