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
