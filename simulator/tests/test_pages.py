"""The candidate's pages: the start page, the workspace and what they must never show."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from scenarios.models import AnswerKey
from simulator import services
from simulator.models import Attempt, AttemptStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_org():
    organisation = services.organisation_create(name="Pages Org", slug="pages-org")
    user = User.objects.create_user(username="page-lead", password="page-lead-password")
    services.member_add(organisation=organisation, user=user, role="lead")
    return organisation, user


@pytest.fixture
def invitation_for(page_org):
    organisation, user = page_org

    def make(slug="ticket-triage", email="pat@example.com", **kwargs):
        return services.invitation_create(
            exercise=organisation.exercises.get(slug=slug),
            participant_name="Pat Participant",
            participant_email=email,
            created_by=user,
            **kwargs,
        )

    return make


def start(client, token):
    return client.post(reverse("take", args=[token]))


def test_start_page_shows_the_exercise_title_and_time_limit(client, invitation_for):
    invitation, token = invitation_for()

    response = client.get(reverse("take", args=[token]))

    assert response.status_code == 200
    html = response.content.decode()
    assert invitation.exercise.title in html
    assert f"{invitation.exercise.time_limit_minutes} minutes" in html
    assert "Start exercise" in html
    assert "the clock starts when you press" in html.lower()


def test_get_of_the_start_page_does_not_start_the_attempt(client, invitation_for):
    invitation, token = invitation_for()

    client.get(reverse("take", args=[token]))

    attempt = Attempt.objects.get(invitation=invitation)
    assert attempt.status == AttemptStatus.INVITED
    assert attempt.started_at is None


def test_post_starts_the_attempt_and_redirects_to_the_workspace(client, invitation_for):
    invitation, token = invitation_for()

    response = start(client, token)

    attempt = Attempt.objects.get(invitation=invitation)
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace", args=[attempt.public_id])
    workspace = client.get(response["Location"])
    assert workspace.status_code == 200
    assert invitation.exercise.title in workspace.content.decode()


def test_start_page_needs_a_csrf_token(invitation_for):
    from django.test import Client

    _, token = invitation_for()
    response = Client(enforce_csrf_checks=True).post(reverse("take", args=[token]))
    assert response.status_code == 403


def test_a_started_invitation_offers_resume_and_a_second_post_returns_the_same_attempt(
    client, invitation_for
):
    invitation, token = invitation_for()
    first = start(client, token)

    page = client.get(reverse("take", args=[token]))
    second = start(client, token)

    assert "Resume exercise" in page.content.decode()
    assert second["Location"] == first["Location"]
    assert Attempt.objects.filter(invitation=invitation).count() == 1


def test_workspace_is_404_without_the_session_token(client, invitation_for):
    invitation, token = invitation_for()
    response = start(client, token)
    attempt = Attempt.objects.get(invitation=invitation)

    client.cookies.clear()

    assert client.get(reverse("workspace", args=[attempt.public_id])).status_code == 404
    assert response.status_code == 302


def test_workspace_is_404_for_another_attempts_id(client, invitation_for):
    _, mine = invitation_for(email="me@example.com")
    other_invitation, other = invitation_for(email="other@example.com")
    services.attempt_start(invitation_token=other)
    start(client, mine)
    other_attempt = Attempt.objects.get(invitation=other_invitation)

    response = client.get(reverse("workspace", args=[other_attempt.public_id]))

    assert response.status_code == 404


def test_a_session_token_of_another_attempt_does_not_open_this_one(client, invitation_for):
    _, mine = invitation_for(email="me@example.com")
    other_invitation, other = invitation_for(email="other@example.com")
    start(client, mine)
    other_attempt, _, _ = services.attempt_start(invitation_token=other)
    session = client.session
    tokens = session["attempt_tokens"]
    tokens[other_attempt.public_id] = next(iter(tokens.values()))
    session["attempt_tokens"] = tokens
    session.save()

    assert client.get(reverse("workspace", args=[other_attempt.public_id])).status_code == 404


def test_an_invalid_invitation_shows_a_clear_message_with_410(client):
    response = client.get(reverse("take", args=["not-a-real-token"]))

    assert response.status_code == 410
    html = response.content.decode()
    assert "not valid" in html
    assert "Traceback" not in html
    assert 'type="submit"' not in html


def test_posting_an_invalid_invitation_is_410_too(client):
    response = client.post(reverse("take", args=["not-a-real-token"]))

    assert response.status_code == 410
    assert "not valid" in response.content.decode()


def test_an_expired_invitation_shows_a_clear_message_with_410(client, invitation_for):
    _, token = invitation_for(now=timezone.now() - timedelta(days=10), expires_in=timedelta(days=1))

    page = client.get(reverse("take", args=[token]))
    posted = client.post(reverse("take", args=[token]))

    assert page.status_code == 410
    assert "expired" in page.content.decode()
    assert posted.status_code == 410
    assert "expired" in posted.content.decode()


def test_a_submitted_attempt_shows_the_submitted_screen(client, invitation_for):
    invitation, token = invitation_for()
    location = start(client, token)["Location"]
    attempt = Attempt.objects.get(invitation=invitation)
    services.attempt_submit(attempt=attempt, submitted_by="participant")

    response = client.get(location)

    assert response.status_code == 200
    assert "Submitted" in response.content.decode()
    assert "attempt-access" not in response.content.decode()


def test_an_attempt_past_its_deadline_is_submitted_when_the_workspace_opens(client, invitation_for):
    invitation, token = invitation_for()
    location = start(client, token)["Location"]
    Attempt.objects.filter(invitation=invitation).update(deadline=timezone.now() - timedelta(seconds=1))

    response = client.get(location)

    assert "Submitted" in response.content.decode()
    assert Attempt.objects.get(invitation=invitation).status == AttemptStatus.SUBMITTED


@pytest.mark.parametrize(
    "slug",
    [
        "ticket-triage",
        "logs-and-traces",
        "escalation-writeup",
        "customer-communication",
        "incident-drill",
        "postmortem-drill",
    ],
)
def test_the_workspace_shows_no_answer_key_archetype_or_seed(client, invitation_for, slug):
    invitation, token = invitation_for(slug=slug)
    location = start(client, token)["Location"]
    attempt = Attempt.objects.get(invitation=invitation)

    html = client.get(location).content.decode()

    assert invitation.exercise.title in html
    for item in attempt.items.select_related("scenario"):
        scenario = item.scenario
        key = AnswerKey.objects.get(scenario=scenario).content
        if key.get("root_cause"):
            assert key["root_cause"] not in html
        assert scenario.archetype not in html
        assert str(scenario.seed) not in html
        assert '"difficulty"' not in html
        assert "generator_version" not in html
        assert "answer_key" not in html


def test_the_incident_feed_fragment_needs_the_session_and_serves_only_released_injects(
    client, invitation_for
):
    invitation, token = invitation_for(slug="incident-drill")
    location = start(client, token)["Location"]
    attempt = Attempt.objects.get(invitation=invitation)
    item = attempt.items.get()
    url = f"{location}?fragment=incident-feed&item={item.public_id}"
    future = [i["text"] for i in item.scenario.payload["injects"] if i["offset_seconds"] > 30]

    response = client.get(url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert all(text not in html for text in future)
    client.cookies.clear()
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
