"""Offline scoring gives exactly the live score: an attempt scored live, then exported with
export_attempt and scored with score_response, gets the same JSON for every item."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from benchmarks.scoring import Answers
from scenarios.models import Scenario
from scoring import services
from scoring.context import build_context, clear_scenario_caches
from scoring.models import ItemScore
from scoring.offline import context_inputs, read_answer_record
from scoring.selectors import scoring_inputs
from scoring.tests.helpers import KEYWORD_SOUP, OFF_TOPIC
from simulator import services as simulator_services

pytestmark = pytest.mark.django_db


def _poor_answers(scenarios: dict) -> dict:
    """Wrong, stuffed or off-topic answers for every kind: (revisions, client events)."""
    triage = scenarios["triage_queue"].payload["tickets"]
    logs = scenarios["log_investigation"].payload["logs"]
    points = scenarios["incident"].payload["decision_points"]
    decisions = scenarios["incident"].answer_key.content["decisions"]
    wrong = {
        p["id"]: next(
            (o["id"] for o in p["options"] if o["id"] not in decisions.get(p["id"], {}).get("correct", [])),
            p["options"][0]["id"],
        )
        for p in points
    }
    answers = {
        "triage_queue": {
            "tickets": {
                t["id"]: {"severity": "SEV1", "route": "Engineering", "clarifying_questions": KEYWORD_SOUP}
                for t in triage
            },
            "priority_order": [t["id"] for t in reversed(triage)],
        },
        "log_investigation": {
            "root_cause": KEYWORD_SOUP,
            "evidence_ids": [logs[0]["id"], logs[5]["id"]],
            "mitigation": "Wipe the cache and restart every service in production.",
        },
        "escalation_writeup": {"packet": OFF_TOPIC, "severity": "SEV4", "route": "L1"},
        "customer_comms": {
            "update": "The database crashed after a bad deploy; it will be fixed within 10 minutes.",
            "next_update_at": "2000-01-01T00:00:00Z",
        },
        "incident": {"decisions": wrong, "stakeholder_updates": ["All good soon."]},
        "postmortem": {"summary": "The on-call engineer broke production.", "corrective_actions": []},
    }
    return {kind: ([(200.0, answer)], []) for kind, answer in answers.items()}


def _partial_answers(scenarios: dict) -> dict:
    """Realistic first drafts only, with half the events."""
    return {
        kind: (revisions[:1], events[: len(events) // 2])
        for kind, (revisions, events) in Answers(scenarios).for_attempt(7).items()
    }


QUALITIES = {
    "realistic": lambda scenarios: Answers(scenarios).for_attempt(1),
    "realistic-other-words": lambda scenarios: Answers(scenarios).for_attempt(2),
    "partial": _partial_answers,
    "poor": _poor_answers,
    "nothing-saved": lambda scenarios: {},
}


def _take(attempt, work: dict) -> None:
    """Do the work as a participant would: events and saves at their times, then submit."""
    started = attempt.started_at
    items = {item.kind: item for item in attempt.items.all()}
    simulator_services.events_record(
        attempt=attempt, events=[{"kind": "item_opened"}], now=started + timedelta(seconds=5)
    )
    for kind, (revisions, events) in work.items():
        item = items[kind]
        for index, event in enumerate(events):
            simulator_services.events_record(
                attempt=attempt,
                events=[{**event, "item_id": item.public_id}],
                now=started + timedelta(seconds=20 + 15 * index),
            )
        for version, (elapsed, answer) in enumerate(revisions):
            simulator_services.response_save(
                attempt=attempt,
                item=item,
                base_version=version,
                answer=answer,
                now=started + timedelta(seconds=min(elapsed, 3500)),
            )
    simulator_services.attempt_submit(attempt=attempt, submitted_by="participant")


@pytest.fixture
def scored_attempt(all_kinds_exercise, invite):
    def make(quality: str):
        _, token = invite(all_kinds_exercise, email=f"{quality}@example.com")
        attempt, _, _ = simulator_services.attempt_start(invitation_token=token)
        scenarios = {
            item.kind: Scenario.objects.select_related("answer_key").get(pk=item.scenario_id)
            for item in attempt.items.all()
        }
        _take(attempt, QUALITIES[quality](scenarios))
        services.attempt_score(attempt_id=attempt.pk)
        return attempt

    return make


STORED_IF_PRESENT = ("confidence", "needs_review", "doubts", "label")


def _live(attempt) -> dict[int, dict]:
    """Each item's stored score, as score_response prints one."""
    scored = {}
    for item_score in ItemScore.objects.filter(score_set__attempt=attempt).select_related("attempt_item"):
        scored[item_score.attempt_item.position] = {
            "kind": item_score.kind,
            "scorer_version": item_score.scorer_version,
            "dimensions": [
                {
                    "dimension": d.dimension,
                    "score": d.score,
                    "checks": d.checks,
                    # What else a stored score keeps of the result (confidence, flag, label).
                    **{key: getattr(d, key) for key in STORED_IF_PRESENT if hasattr(d, key)},
                }
                for d in item_score.dimensions.order_by("pk")
            ],
        }
    return scored


def _offline(printed: dict, live: dict) -> dict:
    """The printed result, restricted to what the live score stores."""
    stored = [set(d) for d in live["dimensions"]]
    return {
        "kind": printed["kind"],
        "scorer_version": printed["scorer_version"],
        "dimensions": [
            {key: value for key, value in d.items() if key in keys}
            for d, keys in zip(printed["dimensions"], stored, strict=True)
        ],
    }


@pytest.mark.parametrize("quality", list(QUALITIES))
def test_an_exported_attempt_scores_offline_exactly_as_it_scored_live(scored_attempt, tmp_path, quality):
    attempt = scored_attempt(quality)
    pack = tmp_path / "attempt.json"
    out = io.StringIO()

    call_command("export_attempt", attempt.public_id, "--out", str(pack), stdout=out)

    live = _live(attempt)
    assert len(live) == 6
    for item in attempt.items.order_by("position"):
        response = tmp_path / f"attempt.{item.position}-{item.kind}.response.json"
        assert f"--response {response}" in out.getvalue()
        printed = io.StringIO()
        call_command("score_response", "--pack", str(pack), "--response", str(response), stdout=printed)
        offline = json.loads(printed.getvalue())
        assert offline["scenario"] == item.scenario.reference
        expected = json.dumps(live[item.position], sort_keys=True)
        assert json.dumps(_offline(offline, live[item.position]), sort_keys=True) == expected


def test_the_exported_work_builds_the_same_context_as_live_scoring(scored_attempt, tmp_path):
    attempt = scored_attempt("realistic")
    pack = tmp_path / "attempt.json"
    call_command("export_attempt", attempt.public_id, "--out", str(pack), stdout=io.StringIO())
    scenarios = {s["id"]: s for s in json.loads(pack.read_text())["scenarios"]}

    for item, live in scoring_inputs(attempt=attempt):
        record = read_answer_record(
            tmp_path / f"attempt.{item.position}-{item.kind}.response.json", kind=item.kind
        )
        offline = context_inputs(scenarios[item.scenario.reference], record)
        assert build_context(**offline) == build_context(**live)
        if item.kind == "incident":
            assert len(record.revisions) > 1 and record.revisions == live["revisions"]
        if item.kind == "log_investigation":
            assert any(event["kind"] == "log_search" for event in record.events)


def test_an_attempt_at_scenarios_read_before_is_read_in_four_queries_and_reads_the_same(
    scored_attempt, django_assert_num_queries
):
    first, second = scored_attempt("realistic"), scored_attempt("realistic-other-words")
    clear_scenario_caches()
    cold = {item.pk: kwargs for item, kwargs in scoring_inputs(attempt=second)}
    for _, kwargs in scoring_inputs(attempt=first):
        build_context(**kwargs)

    # items, events, revisions, cited log lines: the scenarios' contents and vocabularies are cached
    with django_assert_num_queries(4) as queries:
        warm = {item.pk: kwargs for item, kwargs in scoring_inputs(attempt=second)}

    assert not any("view_payload" in q["sql"] or "answerkey" in q["sql"] for q in queries.captured_queries)
    assert any(kwargs["log_messages"] for kwargs in cold.values())
    assert {pk: {**kwargs, "log_messages": None} for pk, kwargs in cold.items()} == warm


def test_an_export_of_one_item_is_a_one_scenario_pack(scored_attempt, tmp_path):
    attempt = scored_attempt("partial")
    item = attempt.items.get(kind="incident")
    pack = tmp_path / "one.json"

    call_command(
        "export_attempt",
        attempt.public_id,
        "--out",
        str(pack),
        # "--item=ID": a random id may start with "-", which argparse would take for an option.
        f"--item={item.public_id}",
        stdout=io.StringIO(),
    )

    assert [s["id"] for s in json.loads(pack.read_text())["scenarios"]] == [item.scenario.reference]
    assert [p.name for p in tmp_path.glob("one.*.response.json")] == [
        f"one.{item.position}-incident.response.json"
    ]
    document = json.loads((tmp_path / f"one.{item.position}-incident.response.json").read_text())
    assert document["exported_from"] == {
        "attempt": attempt.public_id,
        "item": item.public_id,
        "position": item.position,
    }


def test_an_attempt_still_in_progress_is_not_exported(all_kinds_exercise, invite, tmp_path):
    _, token = invite(all_kinds_exercise)
    attempt, _, _ = simulator_services.attempt_start(invitation_token=token)
    with pytest.raises(CommandError, match="is in_progress; only a submitted, scored or finalized"):
        call_command("export_attempt", attempt.public_id, "--out", str(tmp_path / "a.json"))
    with pytest.raises(CommandError, match="no attempt 'nope'"):
        call_command("export_attempt", "nope", "--out", str(tmp_path / "a.json"))
    assert not list(Path(tmp_path).iterdir())
