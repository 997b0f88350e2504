"""The incident drill's decisions carry their urgency: a trainee sees the window on the drill clock,
a hiring candidate the urgency in words; the feed fragment brings new decisions out of band."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import escape

from scenarios.models import AnswerKey
from simulator import services
from simulator.models import Attempt, Exercise
from simulator.presenters.incident import decision_urgency


def test_a_trainee_is_told_the_window_on_the_drill_clock():
    urgency = decision_urgency(offset_seconds=60, window=[60, 660], training=True)

    assert urgency == {
        "level": "soon",
        "text": "Decide by +11:00 (window +01:00 to +11:00).",
        "due_seconds": 660,
    }


@pytest.mark.parametrize(
    ("window", "level", "words"),
    [
        ([60, 480], "now", "Urgent: the incident channel needs this decision now."),
        ([60, 780], "soon", "Needed soon: decide within the next few minutes."),
        ([480, 1830], "later", "Less pressing: check the evidence first, then decide."),
    ],
)
def test_a_hiring_candidate_is_told_the_urgency_in_words_and_no_time(window, level, words):
    offset = window[0]
    urgency = decision_urgency(offset_seconds=offset, window=window, training=False)

    assert urgency == {"level": level, "text": words, "due_seconds": None}
    assert not any(char.isdigit() for char in urgency["text"])


def test_the_urgency_is_measured_from_when_the_decision_is_asked_not_from_the_drill_start():
    # Asked at +08:00, due at +15:00: seven minutes to decide, urgent, though +15:00 is far from 0.
    assert decision_urgency(offset_seconds=480, window=[480, 900], training=False)["level"] == "now"


@pytest.mark.parametrize("window", [None, [], [60]])
def test_a_decision_without_a_known_window_gets_no_urgency_line(window):
    assert decision_urgency(offset_seconds=60, window=window, training=True) is None


# The workspace page --------------------------------------------------------------------------------


@pytest.fixture
def drill(db):
    organisation = services.organisation_create(name="Drill Org", slug="drill-org")
    user = User.objects.create_user(username="drill-lead", password="drill-lead-password")
    services.member_add(organisation=organisation, user=user, role="lead")

    def start(*, purpose: str, elapsed_seconds: int):
        Exercise.objects.filter(organisation=organisation, slug="incident-drill").update(purpose=purpose)
        _, token = services.invitation_create(
            exercise=organisation.exercises.get(slug="incident-drill"),
            participant_name="Pat Participant",
            participant_email="pat@example.com",
            created_by=user,
        )
        return token, elapsed_seconds

    return start


def _open(client, token: str, elapsed_seconds: int) -> tuple[Attempt, str]:
    location = client.post(reverse("take", args=[token]))["Location"]
    attempt = Attempt.objects.get()
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=attempt.started_at - timedelta(seconds=elapsed_seconds)
    )
    return attempt, location


@pytest.mark.django_db
def test_a_training_drill_shows_each_released_decisions_window(client, drill):
    attempt, location = _open(client, *drill(purpose="training", elapsed_seconds=600))
    key = AnswerKey.objects.get(scenario=attempt.items.get().scenario).content

    html = client.get(location).content.decode()

    for decision_id in ("D1", "D2", "D3", "D4"):
        start, end = key["decisions"][decision_id]["window_seconds"]
        assert f"Decide by +{end // 60:02d}:{end % 60:02d}" in html
        assert f'data-due-seconds="{end}"' in html
    assert 'aria-describedby="urgency-' in html
    assert 'aria-live="polite" data-incident-announcer' in html


@pytest.mark.django_db
def test_a_hiring_drill_shows_urgency_in_words_and_never_the_window(client, drill):
    attempt, location = _open(client, *drill(purpose="hiring", elapsed_seconds=600))
    key = AnswerKey.objects.get(scenario=attempt.items.get().scenario).content

    html = client.get(location).content.decode()

    assert "Decide by" not in html and "data-due-seconds" not in html
    for entry in key["decisions"].values():
        end = entry["window_seconds"][1]
        assert f"+{end // 60:02d}:{end % 60:02d}" not in html
    assert escape("Needed soon: decide within the next few minutes.") in html


@pytest.mark.django_db
def test_the_header_shows_the_drill_clock_alone_and_the_story_start_apart(client, drill):
    attempt, location = _open(client, *drill(purpose="training", elapsed_seconds=30))

    html = client.get(location).content.decode()

    head = html.split('id="feed-title-', 1)[1].split("</div>", 1)[0]
    assert "Drill clock" in head and "UTC" not in head
    assert "The incident began at" in html


@pytest.mark.django_db
def test_the_feed_fragment_swaps_the_decisions_in_out_of_band_with_their_urgency(client, drill):
    attempt, location = _open(client, *drill(purpose="training", elapsed_seconds=30))
    item = attempt.items.get()
    url = f"{location}?fragment=incident-feed&item={item.public_id}"
    assert "Decision D2" not in client.get(location).content.decode()
    # Each drill draws when its decisions are asked: move the clock past this one's D2.
    asked = next(p["offset_seconds"] for p in item.scenario.payload["decision_points"] if p["id"] == "D2")

    Attempt.objects.filter(pk=attempt.pk).update(started_at=attempt.started_at - timedelta(seconds=asked))
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert f'id="decisions-{item.public_id}" data-decisions hx-swap-oob="true"' in html
    assert "Decision D2" in html and "Decide by +" in html
