"""A small programme of two quick drills (a ticket queue and a customer update), a trainee in it,
and a helper that takes a drill the way a trainee does: start it from the programme, answer at a
chosen quality, submit, score."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from programmes import services
from programmes.services import StageSpec
from simulator import demo
from simulator import services as simulator_services


@pytest.fixture
def drills(organisation):
    make = simulator_services.exercise_create
    triage = make(
        organisation=organisation, slug="t-triage", title="Triage drill", purpose="training",
        time_limit_minutes=20, base_seed=31, variant_policy="per_participant",
        items=[{"kind": "triage_queue", "archetypes": [], "difficulty": "easy"}],
    )  # fmt: skip
    comms = make(
        organisation=organisation, slug="t-comms", title="Comms drill", purpose="training",
        time_limit_minutes=15, base_seed=32, variant_policy="per_participant",
        items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "easy"}],
    )  # fmt: skip
    return {"triage": triage, "comms": comms}


@pytest.fixture
def programme(organisation, lead, drills):
    return services.programme_create(
        organisation=organisation,
        title="Onboarding",
        created_by=lead,
        stages=[
            StageSpec(title="30 days", due_days=30, drills=[drills["triage"], drills["comms"]]),
            StageSpec(
                title="60 days", due_days=60, drills=[drills["comms"]], min_mean=4.5, attempts_needed=1
            ),
        ],
    )


@pytest.fixture
def enrolment(programme, lead):
    enrolment, _ = services.enrolment_create(
        programme=programme, name="Tara Trainee", email="tara@example.com",
        start_date=date.today() - timedelta(days=10), enrolled_by=lead,
    )  # fmt: skip
    return enrolment


@pytest.fixture
def take_drill():
    """take_drill(enrolment, exercise, quality) → the scored attempt."""
    from scoring import services as scoring_services

    def take(enrolment, exercise, quality=1.0, *, submit=True):
        attempt, _ = services.drill_start(enrolment=enrolment, exercise=exercise)
        for item in attempt.items.select_related("scenario__answer_key").order_by("position"):
            answer = demo.ANSWERS[item.kind](item.scenario.payload, item.scenario.answer_key.content, quality)
            simulator_services.response_save(attempt=attempt, item=item, base_version=0, answer=answer)
        if submit:
            simulator_services.attempt_submit(attempt=attempt, submitted_by="participant", now=timezone.now())
            scoring_services.attempt_score(attempt_id=attempt.pk)
            attempt.refresh_from_db()
        return attempt

    return take
