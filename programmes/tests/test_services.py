"""Programmes, enrolments and drills through their services: what is refused, when stages fall due,
and that a repeated drill is a fresh variant of the same archetype, kind and difficulty."""

from datetime import date

import pytest
from django.utils import timezone

from programmes import selectors, services
from programmes.models import DrillAttempt, Stage
from programmes.services import StageSpec
from simulator import services as simulator_services
from simulator.errors import DomainError
from simulator.models import AuditEntry


def test_a_repeated_drill_is_a_new_variant_of_the_same_archetype_kind_and_difficulty(
    enrolment, drills, take_drill
):
    first = take_drill(enrolment, drills["triage"], 0.8)
    second = take_drill(enrolment, drills["triage"], 0.8)

    one, two = (a.items.select_related("scenario").get().scenario for a in (first, second))
    assert first.pk != second.pk
    assert (one.archetype, one.kind, one.difficulty) == (two.archetype, two.kind, two.difficulty)
    assert (one.kind, one.difficulty) == ("triage_queue", "easy")
    assert one.seed != two.seed and one.content_hash != two.content_hash
    assert one.payload != two.payload


def test_a_drill_in_progress_is_resumed_not_started_again(enrolment, drills):
    first, token_one = services.drill_start(enrolment=enrolment, exercise=drills["comms"])
    again, token_two = services.drill_start(enrolment=enrolment, exercise=drills["comms"])

    assert first.pk == again.pk and token_one == token_two
    assert DrillAttempt.objects.filter(enrolment=enrolment).count() == 1


def test_the_first_drill_links_the_trainee_to_a_participant(enrolment, drills):
    assert enrolment.participant_id is None

    attempt, _ = services.drill_start(enrolment=enrolment, exercise=drills["comms"])

    enrolment.refresh_from_db()
    assert enrolment.participant_id == attempt.participant_id
    assert attempt.participant.kind == "trainee" and attempt.participant.email == "tara@example.com"


def test_a_drill_outside_the_programme_is_not_found(enrolment, organisation):
    other = simulator_services.exercise_create(
        organisation=organisation, slug="other-drill", title="Other", purpose="training", time_limit_minutes=10,
        variant_policy="per_participant", items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "easy"}],
    )  # fmt: skip

    with pytest.raises(simulator_services.NotFound):
        services.drill_start(enrolment=enrolment, exercise=other)


def test_each_stage_falls_due_its_days_after_the_start_date(programme, lead):
    enrolment, _ = services.enrolment_create(
        programme=programme,
        name="Dee",
        email="dee@example.com",
        start_date=date(2026, 1, 10),
        enrolled_by=lead,
    )

    progress = selectors.trainee_progress(enrolment=enrolment, today=date(2026, 2, 1))

    assert [s.due_date for s in progress.stages] == [date(2026, 2, 9), date(2026, 3, 11)]
    assert [s.state for s in progress.stages] == ["current", "upcoming"]
    late = selectors.trainee_progress(enrolment=enrolment, today=date(2026, 2, 10))
    assert late.stages[0].state == "overdue" and late.current.stage.position == 0


def test_stage_readiness_follows_the_trainees_scores(enrolment, drills, take_drill):
    for _ in range(2):
        take_drill(enrolment, drills["triage"], 1.0)
        take_drill(enrolment, drills["comms"], 1.0)

    progress = selectors.trainee_progress(enrolment=enrolment, today=timezone.localdate())

    first = progress.stages[0]
    assert first.readiness.counts["communication"] == 2
    assert set(first.dimensions) == {
        "troubleshooting",
        "escalation",
        "operational_discipline",
        "communication",
    }
    assert len(progress.scored_records) == 4
    assert first.readiness.ready and first.ready_on is not None and first.state == "ready"
    assert first.readiness.levels["communication"] == 5.0
    # the second stage asks for one comms drill at 4.5 or more: the same attempts meet it
    assert progress.current is None and progress.state == "complete"


def test_a_weak_trainee_is_not_ready_and_is_told_why(enrolment, drills, take_drill):
    take_drill(enrolment, drills["triage"], 0.0)
    take_drill(enrolment, drills["triage"], 0.0)

    progress = selectors.trainee_progress(enrolment=enrolment, today=timezone.localdate())

    first = progress.stages[0]
    assert not first.readiness.ready and first.readiness.reasons
    assert progress.current is first
    assert progress.weakest is not None
    assert drills["triage"].pk in [d["exercise"].pk for d in progress.weakest["drills"]]


def test_time_trends_come_from_the_recorded_events_and_saves(enrolment, drills, take_drill):
    take_drill(enrolment, drills["triage"], 1.0)

    progress = selectors.trainee_progress(enrolment=enrolment, today=timezone.localdate())

    assert len(progress.kpis) == 1
    assert progress.kpis[0]["triage"] is not None and progress.kpis[0]["tickets"] >= 3


def test_a_same_seed_or_hiring_exercise_cannot_be_a_drill(organisation, lead):
    hiring = organisation.exercises.get(slug="ticket-triage")
    same_seed = organisation.exercises.get(slug="incident-drill")

    with pytest.raises(DomainError, match="cannot be a drill") as refused:
        services.programme_create(
            organisation=organisation, title="Bad", created_by=lead,
            stages=[StageSpec(title="One", due_days=30, drills=[hiring, same_seed])],
        )  # fmt: skip
    assert "Ticket triage" in str(refused.value) and "Incident drill" in str(refused.value)


def test_stages_must_fall_due_in_order_and_name_their_problem(organisation, lead, drills):
    with pytest.raises(DomainError) as refused:
        services.programme_create(
            organisation=organisation, title="Bad", created_by=lead,
            stages=[
                StageSpec(title="Later", due_days=60, drills=[drills["comms"]]),
                StageSpec(title="Earlier", due_days=30, drills=[], min_mean=7),
            ],
        )  # fmt: skip
    text = str(refused.value)
    assert "stage 2: due days must come after the previous stage's (60)" in text
    assert (
        "stage 2: choose at least one drill" in text
        and "stage 2: the lowest mean must be from 1 to 5" in text
    )


def test_only_a_lead_of_the_organisation_creates_programmes_and_enrols(
    organisation, reviewer, outsiders, programme
):
    _, users = outsiders
    for user in (reviewer, users["lead"]):
        with pytest.raises(services.NotAllowed):
            services.programme_create(organisation=organisation, title="X", created_by=user, stages=[])
        with pytest.raises(services.NotAllowed):
            services.enrolment_create(
                programme=programme,
                name="X",
                email="x@example.com",
                start_date=date.today(),
                enrolled_by=user,
            )


def test_an_enrolment_is_refused_twice_and_with_a_bad_email(programme, lead, enrolment):
    with pytest.raises(DomainError, match="already enrolled"):
        services.enrolment_create(
            programme=programme,
            name="Tara",
            email="TARA@example.com",
            start_date=date.today(),
            enrolled_by=lead,
        )
    with pytest.raises(DomainError, match="not an e-mail"):
        services.enrolment_create(
            programme=programme, name="Q", email="not-mail", start_date=date.today(), enrolled_by=lead
        )


def test_editing_a_programme_keeps_attempts_and_is_audited(programme, lead, drills, enrolment, take_drill):
    take_drill(enrolment, drills["comms"], 1.0)

    services.programme_update(
        programme=programme, title="Onboarding v2", updated_by=lead,
        stages=[StageSpec(title="Only", due_days=45, drills=[drills["comms"]], attempts_needed=1, min_mean=1)],
    )  # fmt: skip

    assert list(Stage.objects.filter(programme=programme).values_list("title", flat=True)) == ["Only"]
    progress = selectors.trainee_progress(enrolment=enrolment, today=timezone.localdate())
    assert len(progress.scored_records) == 1 and progress.stages[0].readiness.ready
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"programme.created", "programme.updated", "programme.enrolled"} <= actions


def test_the_default_template_is_the_blueprints_30_60_90_days(organisation, lead):
    stages = services.default_stages(organisation=organisation)

    programme = services.programme_create(
        organisation=organisation, title="Default", created_by=lead, stages=stages
    )

    assert [s.due_days for s in programme.stages.order_by("position")] == [30, 60, 90]
    assert all(services.drill_eligible(d) for s in stages for d in s.drills)
    assert services.default_stages(organisation=organisation)[0].drills == stages[0].drills  # installed once
