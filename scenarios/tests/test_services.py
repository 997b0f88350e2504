"""Storing generated scenarios and generating batches in the background."""

import pytest

from scenarios import services
from scenarios.catalog import archetype_ids, get_archetype
from scenarios.generation import GenerationError, generate
from scenarios.models import AnswerKey, GenerationBatch, Scenario

pytestmark = pytest.mark.django_db

# A failure of ours (the first archetypes are the customer's own faults, which run no incident).
OUR_OUTAGE = "db_pool_exhaustion_after_deploy"


def test_generating_twice_stores_one_scenario_with_its_answer_key_apart():
    archetype_id = archetype_ids()[4]
    first = services.scenario_generate(kind="triage_queue", archetype=archetype_id, seed=5, difficulty="hard")
    again = services.scenario_generate(kind="triage_queue", archetype=archetype_id, seed=5, difficulty="hard")

    assert first.pk == again.pk
    assert Scenario.objects.count() == 1 and AnswerKey.objects.count() == 1
    expected = generate("triage_queue", archetype_id, 5, "hard")
    assert first.content_hash == expected.content_hash
    assert first.answer_key.content == expected.answer_key
    assert "priority_order" not in first.payload


def test_a_stored_scenario_is_looked_up_without_its_payload():
    """Every attempt start looks up each part's scenario: the lookup must not read megabytes of
    payload; the payload is still there when it is read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    archetype_id = archetype_ids()[2]
    kwargs = dict(kind="log_investigation", archetype=archetype_id, seed=5, difficulty="easy", log_lines=300)
    stored = services.scenario_generate(**kwargs)

    with CaptureQueriesContext(connection) as queries:
        again = services.scenario_generate(**kwargs)

    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1 and "payload" not in selects[0]
    assert again.pk == stored.pk
    assert {"payload", "view_payload"} <= again.get_deferred_fields()
    assert again.payload == Scenario.objects.get(pk=stored.pk).payload


def test_a_batch_generates_every_spec_and_reports_progress(eager, django_capture_on_commit_callbacks):
    specs = [
        {"kind": "customer_comms", "archetype": archetype_id, "seed": seed, "difficulty": "easy"}
        for seed, archetype_id in enumerate(
            [a for a in archetype_ids() if "customer_comms" in get_archetype(a)["kinds"]][:3]
        )
    ]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.generation_batch_create(specs=specs)

    batch.refresh_from_db()
    assert (batch.status, batch.completed, batch.total, batch.progress) == ("done", 3, 3, 1.0)
    assert batch.scenarios.count() == 3
    assert batch.finished_at is not None


def test_rerunning_a_batch_creates_no_duplicates(eager, django_capture_on_commit_callbacks):
    spec = {"kind": "incident", "archetype": OUR_OUTAGE, "seed": 1, "difficulty": "medium"}
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.generation_batch_create(specs=[spec, spec])
    GenerationBatch.objects.filter(pk=batch.pk).update(status="running", completed=1)

    services.generation_batch_run(batch_id=batch.pk)

    assert Scenario.objects.count() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.completed) == ("done", 2)


def test_a_batch_with_a_bad_spec_is_refused_before_anything_is_queued(django_capture_on_commit_callbacks):
    specs = [
        {"kind": "incident", "archetype": OUR_OUTAGE, "seed": 1, "difficulty": "easy"},
        {"kind": "incident", "archetype": "made_up", "seed": 1, "difficulty": "easy"},
    ]
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(GenerationError, match="spec 1: unknown archetype"),
    ):
        services.generation_batch_create(specs=specs)
    assert callbacks == []
    assert GenerationBatch.objects.count() == 0
