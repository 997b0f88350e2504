"""The attempt's life: states, the server's clock, autosave, events and injects."""

from datetime import timedelta

import pytest
from django.utils import timezone

from simulator import selectors, services
from simulator.errors import DomainError
from simulator.models import Attempt, AttemptStatus, Event, Response, ResponseRevision
from simulator.responses import InvalidAnswer

pytestmark = pytest.mark.django_db

ALL_MOVES = [(source, target) for source in AttemptStatus.values for target in AttemptStatus.values]


@pytest.mark.parametrize(("source", "target"), ALL_MOVES)
def test_every_move_is_allowed_or_refused_as_the_transition_table_says(source, target, organisation, invite):
    _, _ = invite(organisation.exercises.get(slug="customer-communication"))
    attempt = Attempt.objects.get()
    attempt.status = source
    allowed = target in services.TRANSITIONS[source]

    if allowed:
        services._move(attempt, target)
        assert attempt.status == target
    else:
        with pytest.raises(
            services.IllegalTransition, match=f"an attempt that is {source} cannot become {target}"
        ):
            services._move(attempt, target)
        assert attempt.status == source


def test_the_happy_path_walks_invited_to_finalized(organisation, invite):
    _, token = invite(organisation.exercises.get(slug="customer-communication"))
    assert Attempt.objects.get().status == AttemptStatus.INVITED

    attempt, _, _ = services.attempt_start(invitation_token=token)
    assert attempt.status == AttemptStatus.IN_PROGRESS
    attempt = services.attempt_submit(attempt=attempt, submitted_by="participant")
    assert attempt.status == AttemptStatus.SUBMITTED
    attempt = services.attempt_mark_scored(attempt=attempt)
    attempt = services.attempt_finalize(attempt=attempt)

    assert Attempt.objects.get().status == AttemptStatus.FINALIZED


def test_starting_sets_the_deadline_from_the_time_limit_and_materialises_every_item(started):
    attempt, access_token = started

    assert attempt.deadline - attempt.started_at == timedelta(minutes=60)
    assert [item.kind for item in attempt.items.order_by("position")] == [
        "triage_queue", "log_investigation", "escalation_writeup", "customer_comms", "incident", "postmortem",
    ]  # fmt: skip
    assert Response.objects.filter(item__attempt=attempt, version=0).count() == 6
    assert attempt.access_token_hash == services.token_hash(access_token)


def test_starting_twice_returns_the_same_attempt_and_access_token(all_kinds_exercise, invite):
    _, token = invite(all_kinds_exercise)
    first, first_token, created = services.attempt_start(invitation_token=token)
    again, again_token, created_again = services.attempt_start(invitation_token=token)

    assert (created, created_again) == (True, False)
    assert (again.pk, again_token) == (first.pk, first_token)
    assert again.items.count() == 6


def test_an_unknown_or_expired_invitation_cannot_start(organisation, invite):
    exercise = organisation.exercises.get(slug="customer-communication")
    with pytest.raises(services.InvitationUnusable, match="not valid"):
        services.attempt_start(invitation_token="made-up")
    invitation, token = invite(exercise, expires_in=timedelta(hours=1))

    with pytest.raises(services.InvitationUnusable, match="expired on"):
        services.attempt_start(invitation_token=token, now=timezone.now() + timedelta(hours=2))
    assert Attempt.objects.get(invitation=invitation).status == AttemptStatus.EXPIRED


def test_a_cancelled_invitation_cannot_start(organisation, invite, lead):
    _, token = invite(organisation.exercises.get(slug="customer-communication"))
    services.attempt_cancel(attempt=Attempt.objects.get(), cancelled_by=lead)

    with pytest.raises(services.InvitationUnusable, match="cancelled"):
        services.attempt_start(invitation_token=token)


def test_unstarted_attempts_expire_in_a_sweep(organisation, invite):
    invite(organisation.exercises.get(slug="customer-communication"), expires_in=timedelta(minutes=5))
    assert services.attempts_expire_unstarted(now=timezone.now() + timedelta(minutes=10)) == 1
    assert Attempt.objects.get().status == AttemptStatus.EXPIRED


def _item(attempt, kind):
    return attempt.items.get(kind=kind)


def test_autosave_keeps_every_revision_and_refuses_a_stale_version_without_overwriting(started):
    attempt, _ = started
    item = _item(attempt, "customer_comms")
    services.response_save(attempt=attempt, item=item, base_version=0, answer={"update": "first"})
    services.response_save(attempt=attempt, item=item, base_version=1, answer={"update": "second"})

    with pytest.raises(services.StaleVersion) as stale:
        services.response_save(
            attempt=attempt, item=item, base_version=1, answer={"update": "from another tab"}
        )

    assert (stale.value.response.version, stale.value.response.answer) == (2, {"update": "second"})
    assert Response.objects.get(item=item).answer == {"update": "second"}
    assert list(ResponseRevision.objects.filter(item=item).values_list("version", "answer")) == [
        (1, {"update": "first"}),
        (2, {"update": "second"}),
    ]


def test_an_answer_that_does_not_fit_its_kind_is_refused_with_the_place_named(started):
    attempt, _ = started
    item = _item(attempt, "triage_queue")
    with pytest.raises(InvalidAnswer, match=r"answer\.tickets\['T-1'\]\.severity: 'SEV9' is not one of"):
        services.response_save(
            attempt=attempt, item=item, base_version=0, answer={"tickets": {"T-1": {"severity": "SEV9"}}}
        )
    assert Response.objects.get(item=item).version == 0


def test_writes_after_the_deadline_are_refused_and_the_last_saved_work_is_submitted(started):
    attempt, _ = started
    item = _item(attempt, "customer_comms")
    services.response_save(attempt=attempt, item=item, base_version=0, answer={"update": "saved in time"})
    late = attempt.deadline + timedelta(seconds=1)

    with pytest.raises(services.DeadlinePassed, match="the deadline of this attempt was"):
        services.response_save(
            attempt=attempt, item=item, base_version=1, answer={"update": "too late"}, now=late
        )

    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_by) == (AttemptStatus.SUBMITTED, "deadline")
    assert attempt.submitted_at == attempt.deadline
    assert Response.objects.get(item=item).answer == {"update": "saved in time"}


def test_the_deadline_task_submits_and_is_harmless_before_the_deadline(started):
    from simulator.tasks import submit_at_deadline

    attempt, _ = started
    assert submit_at_deadline(attempt.pk) == AttemptStatus.IN_PROGRESS
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))

    assert submit_at_deadline(attempt.pk) == AttemptStatus.SUBMITTED
    assert submit_at_deadline(attempt.pk) == AttemptStatus.SUBMITTED


def test_a_lead_grants_extra_time_and_a_reviewer_cannot(started, lead, reviewer):
    attempt, _ = started
    deadline = attempt.deadline

    with pytest.raises(services.NotAllowed, match="only a lead"):
        services.attempt_extend(attempt=attempt, minutes=10, granted_by=reviewer)
    attempt = services.attempt_extend(attempt=attempt, minutes=15, granted_by=lead)

    assert attempt.deadline == deadline + timedelta(minutes=15)
    assert attempt.extra_seconds == 900
    item = _item(attempt, "customer_comms")
    services.response_save(
        attempt=attempt,
        item=item,
        base_version=0,
        answer={"update": "x"},
        now=deadline + timedelta(minutes=5),
    )


def test_extra_time_is_refused_once_the_deadline_has_submitted_the_attempt(started, lead):
    attempt, _ = started
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.AttemptClosed, match="only be given to an attempt in progress"):
        services.attempt_extend(attempt=attempt, minutes=10, granted_by=lead)


def test_submitting_twice_returns_the_same_result(started):
    attempt, _ = started
    first = services.attempt_submit(attempt=attempt, submitted_by="participant")
    second = services.attempt_submit(attempt=attempt, submitted_by="participant")
    assert (second.status, second.submitted_at, second.submitted_by) == (
        first.status,
        first.submitted_at,
        "participant",
    )


def test_nothing_is_saved_into_a_submitted_attempt(started):
    attempt, _ = started
    attempt = services.attempt_submit(attempt=attempt, submitted_by="participant")
    with pytest.raises(services.AttemptClosed, match="nothing more can be saved"):
        services.response_save(attempt=attempt, item=_item(attempt, "postmortem"), base_version=0, answer={})


def test_incident_injects_are_not_served_before_their_offset(started):
    attempt, _ = started
    item = _item(attempt, "incident")
    injects = item.scenario.payload["injects"]
    at_start = selectors.candidate_payload(item=item, payload=item.scenario.view_payload, elapsed=0)
    later = selectors.candidate_payload(item=item, payload=item.scenario.view_payload, elapsed=400)

    assert [i["id"] for i in at_start["injects"]] == [i["id"] for i in injects if i["offset_seconds"] == 0]
    assert [i["id"] for i in later["injects"]] == [i["id"] for i in injects if i["offset_seconds"] <= 400]
    assert len(later["injects"]) < len(injects)
    assert at_start["decision_points"] == []
    points = item.scenario.payload["decision_points"]
    upcoming = [e["offset_seconds"] for e in injects + points if e["offset_seconds"] > 0]
    assert at_start["next_release_in_seconds"] == min(upcoming)


def test_severity_first_set_is_recorded_by_the_server_once_per_ticket(started):
    attempt, _ = started
    item = _item(attempt, "triage_queue")
    ticket_id = item.scenario.payload["tickets"][0]["id"]
    services.response_save(
        attempt=attempt, item=item, base_version=0, answer={"tickets": {ticket_id: {"severity": "SEV2"}}}
    )
    services.response_save(
        attempt=attempt, item=item, base_version=1, answer={"tickets": {ticket_id: {"severity": "SEV1"}}}
    )

    events = Event.objects.filter(attempt=attempt, kind="severity_set")
    assert [(e.data["ticket_id"], e.data["severity"]) for e in events] == [(ticket_id, "SEV2")]


def test_kpis_give_time_to_first_action_and_time_to_triage_per_ticket(started):
    attempt, _ = started
    item = _item(attempt, "triage_queue")
    ticket_id = item.scenario.payload["tickets"][0]["id"]
    start = attempt.started_at
    services.events_record(
        attempt=attempt, events=[{"kind": "ticket_viewed", "item_id": item.public_id, "data": {"ticket_id": ticket_id}}],
        now=start + timedelta(seconds=30),
    )  # fmt: skip
    services.response_save(
        attempt=attempt, item=item, base_version=0, answer={"tickets": {ticket_id: {"severity": "SEV2"}}},
        now=start + timedelta(seconds=90),
    )  # fmt: skip
    services.response_save(
        attempt=attempt, item=item, base_version=1,
        answer={"tickets": {ticket_id: {"severity": "SEV2", "component": "auth", "route": "L2"}}},
        now=start + timedelta(seconds=200),
    )  # fmt: skip

    kpis = selectors.attempt_kpis(attempt=attempt)["tickets"][ticket_id]
    assert kpis == {"time_to_first_action_seconds": 30.0, "time_to_triage_seconds": 200.0}


def test_client_events_cannot_forge_server_events_or_name_foreign_items(started):
    attempt, _ = started
    with pytest.raises(
        DomainError, match=r"events\[0\]\.kind: 'answer_saved' is not an event a client can send"
    ):
        services.events_record(attempt=attempt, events=[{"kind": "answer_saved"}])
    with pytest.raises(DomainError, match=r"events\[0\]\.item_id: no such item"):
        services.events_record(attempt=attempt, events=[{"kind": "item_opened", "item_id": "nope"}])
    assert Event.objects.filter(attempt=attempt).count() == 0


def test_same_seed_policy_gives_every_participant_the_same_scenarios_and_per_participant_a_variant(
    organisation, invite
):
    exercise = organisation.exercises.get(slug="escalation-writeup")
    _, first = invite(exercise, email="a@example.com")
    _, second = invite(exercise, email="b@example.com")
    a, _, _ = services.attempt_start(invitation_token=first)
    b, _, _ = services.attempt_start(invitation_token=second)
    assert a.items.get().scenario_id == b.items.get().scenario_id

    exercise.variant_policy = "per_participant"
    exercise.save()
    _, third = invite(exercise, email="c@example.com")
    c, _, _ = services.attempt_start(invitation_token=third)
    variant, original = c.items.get().scenario, a.items.get().scenario
    assert variant.pk != original.pk
    assert (variant.archetype, variant.kind, variant.difficulty) == (
        original.archetype,
        original.kind,
        original.difficulty,
    )


def test_an_exercise_with_an_impossible_item_is_refused(organisation):
    with pytest.raises(DomainError, match="item 0: unknown archetype 'nope'"):
        services.exercise_create(
            organisation=organisation, slug="bad", title="Bad", purpose="hiring", time_limit_minutes=10,
            items=[{"kind": "incident", "archetypes": ["nope"], "difficulty": "easy"}],
        )  # fmt: skip


def test_a_reviewer_sits_on_several_panels_of_their_own_organisation_only(organisation, reviewer, lead):
    first = services.panel_create(
        organisation=organisation, name="Support L2 hiring", reviewers=[reviewer, lead]
    )
    second = services.panel_create(organisation=organisation, name="Onboarding review", reviewers=[reviewer])
    assert set(reviewer.panels.all()) == {first, second}

    outsider_org = services.organisation_create(name="Other", slug="other")
    with pytest.raises(services.NotAllowed, match="not members of Other: lena, rui"):
        services.panel_create(organisation=outsider_org, name="x", reviewers=[reviewer, lead])


def test_the_timeline_holds_events_and_every_saved_answer_in_order(started):
    attempt, _ = started
    item = _item(attempt, "customer_comms")
    start = attempt.started_at
    services.events_record(
        attempt=attempt,
        events=[{"kind": "item_opened", "item_id": item.public_id}],
        now=start + timedelta(seconds=5),
    )
    services.response_save(
        attempt=attempt, item=item, base_version=0, answer={"update": "a"}, now=start + timedelta(seconds=9)
    )
    services.response_save(
        attempt=attempt, item=item, base_version=1, answer={"update": "b"}, now=start + timedelta(seconds=20)
    )

    timeline = selectors.attempt_timeline(attempt=attempt)

    assert [(e["kind"], e["data"], e["item_id"]) for e in timeline] == [
        ("item_opened", {}, item.public_id),
        ("answer_saved", {"version": 1}, item.public_id),
        ("answer_saved", {"version": 2}, item.public_id),
    ]


def test_autosave_by_token_saves_and_refuses_like_the_general_path(started):
    """On PostgreSQL this runs the single-statement path; on SQLite the general one. Same outcomes."""
    attempt, access_token = started
    item = _item(attempt, "escalation_writeup")

    def save(version, token=access_token, attempt_id=attempt.public_id, item_id=item.public_id, now=None):
        return services.response_save_by_token(
            access_token=token, attempt_public_id=attempt_id, item_public_id=item_id,
            base_version=version, answer={"packet": f"v{version}"}, now=now,
        )  # fmt: skip

    saved = save(0)
    assert (saved.version, saved.status, saved.deadline) == (1, "in_progress", attempt.deadline)
    assert list(ResponseRevision.objects.filter(item=item).values_list("version", "answer")) == [
        (1, {"packet": "v0"})
    ]
    with pytest.raises(services.StaleVersion) as stale:
        save(0)
    assert stale.value.response.version == 1
    with pytest.raises(services.NotAuthenticated):
        save(1, token="forged")
    with pytest.raises(services.NotFound):
        save(1, item_id="someone-elses")
    with pytest.raises(InvalidAnswer):
        services.response_save_by_token(
            access_token=access_token, attempt_public_id=attempt.public_id, item_public_id=item.public_id,
            base_version=1, answer={"packet": 5},
        )  # fmt: skip
    with pytest.raises(services.DeadlinePassed):
        save(1, now=attempt.deadline + timedelta(seconds=1))
    assert Response.objects.get(item=item).version == 1


def test_the_expiry_sweep_runs_as_a_command(organisation, invite):
    import io

    from django.core.management import call_command

    invite(organisation.exercises.get(slug="customer-communication"), expires_in=timedelta(seconds=-1))
    out = io.StringIO()
    call_command("expire_invitations", stdout=out)
    assert out.getvalue().strip() == "expired 1 unstarted attempts"
    assert Attempt.objects.get().status == AttemptStatus.EXPIRED
