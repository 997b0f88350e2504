"""The candidate's pages: the start page, the workspace and what they must never show."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from scenarios.models import AnswerKey
from simulator import services
from simulator.models import Attempt, AttemptStatus

# A score's "/5" as the pages print it ("4<span class="score-of">/5</span>"), not a link whose
# attempt id happens to start with 5 ("/attempt/5PVy.../", "/attempt/5-Xq.../").
SCORE_OUT_OF_FIVE = re.compile(r"/5(?![\w-])")

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

    html = page.content.decode()
    assert "Resume exercise" in html
    # The page does not say the clock starts on Resume: it has been running since Start.
    assert "already running" in html and "clock starts when" not in html.lower()
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


# The submitted screen: feedback for a training drill, nothing for a hiring exercise -----------------


def submit_and_open(client, invitation_for, slug, *, score):
    from scoring import services as scoring_services

    invitation, token = invitation_for(slug=slug)
    location = start(client, token)["Location"]
    attempt = Attempt.objects.get(invitation=invitation)
    services.attempt_submit(attempt=attempt, submitted_by="participant")
    if score:
        scoring_services.attempt_score(attempt_id=attempt.pk)
    return attempt, location


def report_of(attempt):
    from scoring import selectors as scoring_selectors

    return scoring_selectors.score_report(score_set=scoring_selectors.latest_score_set(attempt=attempt))


def test_a_scored_training_drill_shows_scores_checks_and_the_worked_answer(client, invitation_for):
    attempt, location = submit_and_open(client, invitation_for, "postmortem-drill", score=True)
    report = report_of(attempt)
    key = AnswerKey.objects.get(scenario=attempt.items.get().scenario).content

    response = client.get(location)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-feedback-state="scored"' in html
    assert "being scored" not in html
    dimension = report["items"][0]["dimensions"][0]
    assert dimension["name"] in html
    assert f'data-score="{dimension["score"]}"' in html
    assert escape(dimension["checks"][0]["explanation"]) in html
    assert escape(key["root_cause"]) in html
    assert escape(key["cause_chain"][0]) in html
    assert escape(key["corrective_actions"][0]["action"]) in html
    assert escape(key["detection"]) in html
    assert "{&#x27;" not in html and '{"' not in html  # no raw dump of the key


def test_each_dimension_says_what_happened_not_the_anchor_that_judges_the_trainee(client, invitation_for):
    attempt, location = submit_and_open(client, invitation_for, "postmortem-drill", score=True)
    report = report_of(attempt)
    anchors = {d["key"]: d["anchors"] for d in report["rubric"]["dimensions"]}

    html = client.get(location).content.decode()

    for dimension in report["items"][0]["dimensions"]:
        assert dimension["label"]
        assert escape(dimension["label"]) in html
        # The count under the label counts the checks the way the label does (gates apart).
        earning = [c for c in dimension["checks"] if not c["gate"] and c.get("assessed", True)]
        met = sum(1 for c in earning if c["passed"])
        assert f"{met} of {len(earning)} check" in html
        if dimension["label"].startswith("Met "):
            assert dimension["label"].startswith(f"Met {met} of {len(earning)} checks")
        anchor = anchors[dimension["dimension"]][str(dimension["score"])]
        assert escape(anchor) not in html


def test_a_dimension_label_masks_the_scenario_secret():
    from simulator.views import _dimension_view

    dimension = {
        "dimension": "collaboration",
        "name": "Collaboration",
        "score": 2,
        "label": "Met 1 of 3 checks. Routed to Engineering where L2 owns it; pasted sk_live_9f8e7d6c5b4a.",
        "checks": [],
    }

    view = _dimension_view(dimension, "sk_live_9f8e7d6c5b4a")

    assert view["label"].startswith("Met 1 of 3 checks. Routed to Engineering where L2 owns it")
    assert "sk_live_9f8e7d6c5b4a" not in view["label"]
    assert "anchor" not in view


def test_the_incident_worked_answer_names_the_options_and_windows(client, invitation_for):
    attempt, location = submit_and_open(client, invitation_for, "incident-drill", score=True)
    scenario = attempt.items.get().scenario
    key = AnswerKey.objects.get(scenario=scenario).content

    html = client.get(location).content.decode()

    point = scenario.view_payload["decision_points"][-1]
    right = set(key["decisions"][point["id"]]["correct"])
    texts = [option["text"] for option in point["options"] if option["id"] in right]
    assert all(escape(text) in html for text in texts)
    assert escape(point["prompt"]) in html
    assert f"every {key['update_cadence_minutes']} minutes" in html
    assert escape(key["severity_reason"]) in html


def test_a_training_drill_not_scored_yet_says_it_is_being_scored_and_polls(client, invitation_for):
    attempt, location = submit_and_open(client, invitation_for, "postmortem-drill", score=False)
    key = AnswerKey.objects.get(scenario=attempt.items.get().scenario).content

    html = client.get(location).content.decode()
    fragment = client.get(f"{location}?fragment=feedback", headers={"HX-Request": "true"})

    assert "Your work is being scored" in html
    assert 'hx-trigger="every 3s"' in html
    assert escape(key["root_cause"]) not in html
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "being scored" in fragment.content.decode()


def test_the_feedback_fragment_shows_the_feedback_once_scored(client, invitation_for):
    from scoring import services as scoring_services

    attempt, location = submit_and_open(client, invitation_for, "postmortem-drill", score=False)
    scoring_services.attempt_score(attempt_id=attempt.pk)
    key = AnswerKey.objects.get(scenario=attempt.items.get().scenario).content

    fragment = client.get(f"{location}?fragment=feedback", headers={"HX-Request": "true"}).content.decode()

    assert 'data-feedback-state="scored"' in fragment
    assert "hx-trigger" not in fragment
    assert escape(key["root_cause"]) in fragment


def test_the_feedback_fragment_needs_the_session(client, invitation_for):
    attempt, location = submit_and_open(client, invitation_for, "postmortem-drill", score=True)
    client.cookies.clear()

    response = client.get(f"{location}?fragment=feedback", headers={"HX-Request": "true"})

    assert response.status_code == 404


@pytest.mark.parametrize("slug", ["logs-and-traces", "ticket-triage"])
def test_a_scored_hiring_exercise_shows_no_score_check_or_answer(client, invitation_for, slug):
    attempt, location = submit_and_open(client, invitation_for, slug, score=True)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SCORED
    report = report_of(attempt)

    response = client.get(location)
    fragment = client.get(f"{location}?fragment=feedback", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "Submitted, thank you; the panel will review your work" in html
    for item in attempt.items.select_related("scenario"):
        key = AnswerKey.objects.get(scenario=item.scenario).content
        roots = [key.get("root_cause")] + [t.get("root_cause") for t in (key.get("tickets") or {}).values()]
        for root in filter(None, roots):
            assert escape(root) not in html and root not in html
    explanations = {
        check["explanation"]
        for entry in report["items"]
        for dimension in entry["dimensions"]
        for check in dimension["checks"]
    }
    assert explanations
    assert not any(escape(text) in html or text in html for text in explanations)
    assert not any(d["name"] in html for d in report["rubric"]["dimensions"])
    assert not SCORE_OUT_OF_FIVE.search(html)
    assert "data-feedback" not in html and "data-score" not in html
    assert "worked answer" not in html.lower()
    assert "being scored" not in html
    assert fragment.status_code == 404


def test_the_investigation_worked_answer_lists_follow_up_steps_apart_from_mitigations():
    from django.template.loader import render_to_string

    from scenarios.generation import generate
    from simulator.presenters.log_investigation import worked as _worked_investigation

    key = generate("log_investigation", "db_pool_exhaustion_after_deploy", 3, "easy").answer_key
    html = render_to_string(
        "simulator/feedback/_worked_log_investigation.html", {"w": _worked_investigation(key, None, {})}
    )

    follow_up = html[html.index("data-worked-follow-up") :]
    assert "Roll orders-service back" in html[: html.index("data-worked-follow-up")]
    assert "Watch pool utilisation" in follow_up and "Roll orders-service back" not in follow_up


def test_the_triage_worked_answer_says_which_facts_the_ticket_already_gives():
    from django.template.loader import render_to_string

    from scenarios.generation import generate
    from simulator.presenters.triage_queue import worked as _worked_triage

    key = generate("triage_queue", "oauth_client_secret_expired", 3, "medium").answer_key
    stated = [fact for ticket in key["tickets"].values() for fact in ticket["stated_facts"]]
    html = render_to_string(
        "simulator/feedback/_worked_triage_queue.html", {"w": _worked_triage(key, None, {})}
    )

    assert "the client id the integration uses" in stated
    assert html.count("data-worked-stated") == sum(1 for t in key["tickets"].values() if t["stated_facts"])
    assert "Already in the ticket, so not to ask: " in html and "the client id the integration uses" in html


# The final score on a trainee's feedback ----------------------------------------------------------


def _api_feedback(client, attempt):
    from rest_framework.test import APIClient

    access_token = client.session["attempt_tokens"][attempt.public_id]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    response = api.get(f"/api/v1/attempts/{attempt.public_id}/feedback/")
    assert response.status_code == 200
    return response.json()


def _tile(html, dimension):
    start = html.index(f'data-summary-dimension="{dimension}"')
    return html[start : html.index("</li>", start)]


def _changed_score(attempt, dimension):
    from scoring.models import Scorecard

    before = Scorecard.objects.get(attempt=attempt).final_scores[dimension]["score"]
    return before, (5 if before < 4.5 else 2)


def test_a_reviewers_override_is_the_score_the_trainee_sees_with_where_it_came_from(
    client, invitation_for, page_org
):
    from scoring import services as scoring_services

    attempt, location = submit_and_open(client, invitation_for, "postmortem-drill", score=True)
    dimension = report_of(attempt)["items"][0]["dimensions"][0]["dimension"]
    before, new_score = _changed_score(attempt, dimension)
    assert 'data-score-source="override"' not in client.get(location).content.decode()
    assert "These scores come from automatic checks. Compare" in client.get(location).content.decode()

    scoring_services.override_create(
        attempt=attempt, dimension=dimension, score=new_score, reason_code="scorer_missed_evidence",
        justification="The timeline was there.", author=page_org[1],
    )  # fmt: skip
    html = client.get(location).content.decode()

    tile = _tile(html, dimension)
    assert f'{new_score}<span class="score-of">/5</span>' in tile
    assert "Changed by a reviewer" in tile
    assert f'data-dimension="{dimension}" data-score="{new_score}" data-score-source="override"' in html
    assert "the automatic checks below gave" in html
    assert "These scores come from automatic checks. Compare" not in html
    assert "except where a person changed one" in html
    body = _api_feedback(client, attempt)
    assert body["summary"][dimension] == new_score
    assert body["final_scores"][dimension]["source"] == "override"
    assert body["auto_summary"][dimension] == before
    # Every tile on the page shows the API's summary.
    for key, score in body["summary"].items():
        shown = f"{score:.1f}".rstrip("0").rstrip(".")
        assert f'{shown}<span class="score-of">/5</span>' in _tile(html, key)


def test_an_answered_appeal_changes_the_score_on_the_feedback_page_and_the_api(
    client, invitation_for, page_org
):
    from scoring import appeals

    attempt, location = submit_and_open(client, invitation_for, "postmortem-drill", score=True)
    dimension = report_of(attempt)["items"][0]["dimensions"][0]["dimension"]
    before, new_score = _changed_score(attempt, dimension)
    client.post(
        reverse("attempt-appeal", args=[attempt.public_id]), {"dimension": dimension, "reason": "Look."}
    )
    appeal = attempt.appeal
    appeals.appeal_resolve(
        appeal=appeal, outcome="changed", score=new_score, note="You did give it.", resolver=page_org[1]
    )

    html = client.get(location).content.decode()

    tile = _tile(html, dimension)
    assert f'{new_score}<span class="score-of">/5</span>' in tile
    assert "Changed after your second look" in tile
    assert f"is now {new_score}" in html
    assert "except where a person changed one" in html
    body = _api_feedback(client, attempt)
    assert body["summary"][dimension] == new_score
    assert body["final_scores"][dimension] == {
        "score": float(new_score),
        "auto": before,
        "source": "appeal",
        "source_label": "changed after your second look",
    }


def test_an_upheld_appeal_leaves_the_automatic_score_and_footer(client, invitation_for, page_org):
    from scoring import appeals

    attempt, location = submit_and_open(client, invitation_for, "postmortem-drill", score=True)
    dimension = report_of(attempt)["items"][0]["dimensions"][0]["dimension"]
    client.post(
        reverse("attempt-appeal", args=[attempt.public_id]), {"dimension": dimension, "reason": "Look."}
    )
    appeals.appeal_resolve(appeal=attempt.appeal, outcome="upheld", note="It stands.", resolver=page_org[1])

    html = client.get(location).content.decode()

    assert 'data-score-source="override"' not in html and "Changed by" not in html
    assert "These scores come from automatic checks. Compare" in html
    assert all(entry["source"] == "auto" for entry in _api_feedback(client, attempt)["final_scores"].values())


def test_a_hiring_candidate_sees_no_score_after_an_override(client, invitation_for, page_org):
    from scoring import services as scoring_services

    attempt, location = submit_and_open(client, invitation_for, "ticket-triage", score=True)
    dimension = report_of(attempt)["items"][0]["dimensions"][0]["dimension"]
    scoring_services.override_create(
        attempt=attempt, dimension=dimension, score=5, reason_code="scorer_missed_evidence",
        justification="Fine.", author=page_org[1],
    )  # fmt: skip

    html = client.get(location).content.decode()

    assert "score-num" not in html and "Changed by" not in html and not SCORE_OUT_OF_FIVE.search(html)
