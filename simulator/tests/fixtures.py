"""Fixtures shared by every test folder: an organisation with its people, exercises and attempts."""

import pytest
from django.contrib.auth import get_user_model

from simulator import services


@pytest.fixture
def organisation(db):
    return services.organisation_create(name="Acme Support", slug="acme")


@pytest.fixture
def lead(organisation):
    user = get_user_model().objects.create_user(username="lena", password="lead-password-123")
    services.member_add(organisation=organisation, user=user, role="lead")
    return user


@pytest.fixture
def reviewer(organisation):
    user = get_user_model().objects.create_user(username="rui", password="reviewer-password-123")
    services.member_add(organisation=organisation, user=user, role="reviewer")
    return user


@pytest.fixture
def all_kinds_exercise(organisation):
    """One item of every kind, with a small log so tests stay fast."""
    return services.exercise_create(
        organisation=organisation,
        slug="all-kinds",
        title="Every kind",
        purpose="hiring",
        time_limit_minutes=60,
        base_seed=4242,
        items=[
            {"kind": "triage_queue", "archetypes": [], "difficulty": "medium"},
            {"kind": "log_investigation", "archetypes": [], "difficulty": "medium", "log_lines": 600},
            {"kind": "escalation_writeup", "archetypes": [], "difficulty": "hard"},
            {"kind": "customer_comms", "archetypes": [], "difficulty": "medium"},
            {"kind": "incident", "archetypes": [], "difficulty": "medium"},
            {"kind": "postmortem", "archetypes": [], "difficulty": "medium"},
        ],
    )


@pytest.fixture
def invite(lead):
    def make(exercise, email="casey@example.com", **kwargs):
        return services.invitation_create(
            exercise=exercise,
            participant_name="Casey Candidate",
            participant_email=email,
            created_by=lead,
            **kwargs,
        )

    return make


@pytest.fixture
def started(all_kinds_exercise, invite):
    """An attempt in progress on the every-kind exercise: (attempt, access token)."""
    _, token = invite(all_kinds_exercise)
    attempt, access_token, _ = services.attempt_start(invitation_token=token)
    return attempt, access_token


@pytest.fixture
def eager():
    """Run Celery tasks in-process whatever the environment says, so a test checks the service
    itself; the worker tests (tests/test_worker_*.py) check the real path."""
    from simulator.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


# The staff side: a panel, a second reviewer, an outside organisation and scored attempts.


@pytest.fixture
def second_reviewer(organisation):
    user = get_user_model().objects.create_user(username="sam", password="reviewer-password-456")
    services.member_add(organisation=organisation, user=user, role="reviewer")
    return user


@pytest.fixture
def panel(organisation, reviewer, second_reviewer):
    return services.panel_create(
        organisation=organisation, name="Support hiring", reviewers=[reviewer, second_reviewer]
    )


@pytest.fixture
def review_exercise(organisation, panel):
    """A small hiring exercise (a ticket queue and a customer update) reviewed blind by the panel."""
    return services.exercise_create(
        organisation=organisation,
        slug="review-drill",
        title="Review drill",
        purpose="hiring",
        time_limit_minutes=30,
        base_seed=7070,
        panel=panel,
        items=[
            {"kind": "triage_queue", "archetypes": [], "difficulty": "medium"},
            {"kind": "customer_comms", "archetypes": [], "difficulty": "medium"},
        ],
    )


@pytest.fixture
def outsiders(db):
    """Another organisation with its own lead and reviewer."""
    other = services.organisation_create(name="Other Org", slug="other")
    users = {}
    for role in ("lead", "reviewer"):
        user = get_user_model().objects.create_user(username=f"other-{role}", password="other-password-789")
        services.member_add(organisation=other, user=user, role=role)
        users[role] = user
    return other, users


GOOD_COMMS_UPDATE = (
    "We are investigating elevated errors on the Orders API that started at 09:40 UTC. Some requests fail "
    "with 502s; retrying after a short wait is safe. Our engineers are working on it now and we will post "
    "the next update by 10:30 UTC."
)


@pytest.fixture
def scored_attempt(review_exercise, lead):
    """make(email, comms=...) → a submitted and scored attempt of the review exercise."""
    from scoring import services as scoring_services

    def make(email="casey@example.com", comms=GOOD_COMMS_UPDATE, exercise=None):
        exercise = exercise or review_exercise
        _, token = services.invitation_create(
            exercise=exercise,
            participant_name=email.split("@")[0].title(),
            participant_email=email,
            created_by=lead,
        )
        attempt, _, _ = services.attempt_start(invitation_token=token)
        for item in attempt.items.order_by("position"):
            answer = {"update": comms} if item.kind == "customer_comms" else {"notes": "Worked by severity."}
            services.response_save(attempt=attempt, item=item, base_version=0, answer=answer)
        services.attempt_submit(attempt=attempt, submitted_by="participant")
        scoring_services.attempt_score(attempt_id=attempt.pk)
        attempt.refresh_from_db()
        return attempt

    return make


@pytest.fixture
def candidate_session(lead):
    """make(client, exercise, email, comms=..., score=True) → the attempt, taken in `client`'s browser
    session (as a participant would, through the invitation link), submitted and scored."""
    from django.urls import reverse

    from scoring import services as scoring_services
    from simulator.models import Attempt

    def make(client, exercise, email="casey@example.com", comms=GOOD_COMMS_UPDATE, score=True):
        invitation, token = services.invitation_create(
            exercise=exercise, participant_name=email.split("@")[0].title(), participant_email=email,
            created_by=lead,
        )  # fmt: skip
        client.post(reverse("take", args=[token]))
        attempt = Attempt.objects.get(invitation=invitation)
        for item in attempt.items.order_by("position"):
            answers = {"customer_comms": {"update": comms}, "triage_queue": {"notes": "Worked by severity."}}
            if item.kind in answers:  # other kinds are left unanswered
                services.response_save(attempt=attempt, item=item, base_version=0, answer=answers[item.kind])
        services.attempt_submit(attempt=attempt, submitted_by="participant")
        if score:
            scoring_services.attempt_score(attempt_id=attempt.pk)
        attempt.refresh_from_db()
        return attempt

    return make
