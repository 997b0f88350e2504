"""Appeals through the pages: the requester's form and outcome, the reviewer's queue and answer."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from scenarios.models import AnswerKey
from scoring.models import Appeal, AppealStatus, Override, Scorecard
from simulator import services as simulator_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def training_exercise(organisation):
    return simulator_services.exercise_create(
        organisation=organisation, slug="comms-drill", title="Comms drill", purpose="training",
        time_limit_minutes=20, base_seed=5151,
        items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "medium"}],
    )  # fmt: skip


def workspace(attempt):
    return reverse("workspace", args=[attempt.public_id])


def ask(client, attempt, dimension="communication", reason="My update did give the next update time."):
    return client.post(
        reverse("attempt-appeal", args=[attempt.public_id]), {"dimension": dimension, "reason": reason}
    )


def answer(client, attempt, **data):
    return client.post(reverse("staff-attempt-appeal", args=[attempt.public_id]), data)


def test_a_trainee_asks_from_the_feedback_page_once(client, candidate_session, training_exercise):
    attempt = candidate_session(client, training_exercise)

    before = client.get(workspace(attempt)).content.decode()
    response = ask(client, attempt)
    after = client.get(workspace(attempt)).content.decode()
    again = ask(client, attempt, reason="Once more.")

    assert 'name="reason"' in before and "Ask for a second look" in before
    assert response.status_code == 302 and response["Location"].endswith("#appeal")
    assert 'data-appeal-status="open"' in after
    assert 'name="reason"' not in after
    assert again.status_code == 409
    assert "one request per attempt" in again.content.decode()
    assert Appeal.objects.filter(attempt=attempt).count() == 1


def test_a_request_without_a_reason_is_shown_again_with_the_problem(
    client, candidate_session, training_exercise
):
    attempt = candidate_session(client, training_exercise)

    response = ask(client, attempt, reason="   ")

    assert response.status_code == 400
    assert "Say in a sentence or two why" in response.content.decode()
    assert not Appeal.objects.exists()


def test_only_the_participants_own_session_may_ask(client, candidate_session, training_exercise):
    attempt = candidate_session(client, training_exercise)

    stranger = Client()
    assert ask(stranger, attempt).status_code == 404
    assert stranger.post(reverse("attempt-appeal", args=["no-such-attempt"]), {}).status_code == 404
    assert client.get(reverse("attempt-appeal", args=[attempt.public_id])).status_code == 405
    assert not Appeal.objects.exists()


def test_the_appeal_is_in_the_leads_queue_clearly_marked_and_its_answer_reaches_the_trainee(
    client, candidate_session, training_exercise, lead
):
    trainee = Client()
    attempt = candidate_session(trainee, training_exercise)
    ask(trainee, attempt)
    before = Scorecard.objects.get(attempt=attempt).final_scores["communication"]["score"]
    new_score = 5 if before < 5 else 4
    client.force_login(lead)

    queue = client.get(reverse("staff-queue")).content.decode()
    review = client.get(reverse("staff-attempt", args=[attempt.public_id])).content.decode()
    response = answer(
        client, attempt, outcome="changed", score=str(new_score), reason_code="scorer_missed_evidence",
        note="You did give the next update time; the scorer missed it.",
    )  # fmt: skip

    assert 'data-testid="queue-appeals"' in queue
    assert "Answer the appeal" in queue and "Customer communication" in queue
    assert "My update did give the next update time." in review
    assert 'data-appeal="open"' in review
    assert response.status_code == 302
    override = Override.objects.get(attempt=attempt)
    assert override.score == new_score and override.author == lead
    assert Appeal.objects.get(attempt=attempt).override == override
    assert "queue-appeals" not in client.get(reverse("staff-queue")).content.decode()
    page = trainee.get(workspace(attempt)).content.decode()
    assert 'data-appeal-status="changed"' in page
    assert f"Customer communication is now {new_score}" in page
    assert "You did give the next update time; the scorer missed it." in page


def test_upholding_is_recorded_and_shown_to_the_trainee(client, candidate_session, training_exercise, lead):
    trainee = Client()
    attempt = candidate_session(trainee, training_exercise)
    ask(trainee, attempt)
    client.force_login(lead)

    response = answer(client, attempt, outcome="upheld", note="The update gives no time for the next one.")

    assert response.status_code == 302
    assert Appeal.objects.get(attempt=attempt).status == AppealStatus.UPHELD
    assert not Override.objects.filter(attempt=attempt).exists()
    page = trainee.get(workspace(attempt)).content.decode()
    assert 'data-appeal-status="upheld"' in page
    assert "The update gives no time for the next one." in page


def test_a_score_moved_by_a_first_review_is_not_offered_or_shown_as_upheld(
    client, candidate_session, training_exercise, lead
):
    from scoring import services as scoring_services

    trainee = Client()
    attempt = candidate_session(trainee, training_exercise)
    ask(trainee, attempt)
    before = Appeal.objects.get(attempt=attempt).score_before
    moved = 2 if before != 2 else 3
    scoring_services.review_submit(attempt=attempt, reviewer=lead, scores={"communication": moved})
    client.force_login(lead)

    review = client.get(reverse("staff-attempt", args=[attempt.public_id])).content.decode()
    response = answer(client, attempt, outcome="upheld", note="The reviewed score stands.")

    assert "The score stands (upheld)" not in review
    assert f"Keep the current score, {moved}" in review
    assert response.status_code == 302
    assert Appeal.objects.get(attempt=attempt).status == AppealStatus.CHANGED
    page = trainee.get(workspace(attempt)).content.decode()
    assert 'data-appeal-status="changed"' in page and "Score upheld" not in page
    assert re.search(rf"Score changed</strong>: Customer communication is now {moved} \(was ", page)
    assert "Score changed" in client.get(reverse("staff-attempt", args=[attempt.public_id])).content.decode()


def test_an_answer_with_a_problem_is_shown_on_the_review_page(
    client, candidate_session, training_exercise, lead
):
    attempt = candidate_session(Client(), training_exercise)
    Appeal.objects.all().delete()
    from scoring import appeals

    appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")
    client.force_login(lead)

    no_outcome = answer(client, attempt, note="n")
    no_score = answer(client, attempt, outcome="changed", note="n")
    no_note = answer(client, attempt, outcome="upheld", note=" ")

    assert (
        no_outcome.status_code == 400
        and "Choose whether the score changes or stands." in no_outcome.content.decode()
    )
    assert no_score.status_code == 400 and "Choose the new score from 1 to 5." in no_score.content.decode()
    assert no_note.status_code == 400 and "Write a note for the participant" in no_note.content.decode()
    assert Appeal.objects.get().status == AppealStatus.OPEN


def test_a_hiring_appeal_goes_to_a_panel_reviewer_and_the_candidate_never_sees_a_score_or_the_key(
    client, candidate_session, review_exercise, lead, reviewer, second_reviewer
):
    simulator_services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=lead)
    candidate = Client()
    attempt = candidate_session(candidate, review_exercise)
    form_page = candidate.get(workspace(attempt)).content.decode()
    ask(candidate, attempt)
    appeal = Appeal.objects.get(attempt=attempt)
    assigned = appeal.assigned_to
    other = second_reviewer if assigned == reviewer else reviewer
    assert assigned in (reviewer, second_reviewer)

    client.force_login(other)
    assert "queue-appeals" not in client.get(reverse("staff-queue")).content.decode()
    refused = answer(client, attempt, outcome="upheld", note="n")
    assert refused.status_code == 400 and escape("another reviewer's queue") in refused.content.decode()

    client.force_login(assigned)
    queue = client.get(reverse("staff-queue")).content.decode()
    assert 'data-testid="queue-appeals"' in queue
    blind = client.get(reverse("staff-attempt", args=[attempt.public_id])).content.decode()
    assert "submit your own scores below first; then answer the appeal" in blind
    from scoring import services as scoring_services

    scoring_services.review_submit(attempt=attempt, reviewer=assigned, scores={"communication": 2})
    finals = Scorecard.objects.get(attempt=attempt).final_scores
    new_score = 4 if finals["communication"]["score"] != 4 else 3
    answer(client, attempt, outcome="changed", score=str(new_score), reason_code="scorer_missed_evidence",
           note="Looked again: the update was clear.")  # fmt: skip
    assert Appeal.objects.get(attempt=attempt).status == AppealStatus.CHANGED

    page = candidate.get(workspace(attempt)).content.decode()
    assert 'data-appeal-status="changed"' in page
    assert "Looked again: the update was clear." in page
    # No score: no "n/5", no "is now", no digit next to a dimension; nothing of the answer key.
    for html in (form_page, page):
        assert "is now" not in html
        assert not re.search(r"\b[1-5](\.\d+)?\s*/\s*5\b", html)
        assert "data-score" not in html and "Worked answer" not in html
        for item in attempt.items.select_related("scenario"):
            key = AnswerKey.objects.get(scenario=item.scenario).content
            for text in filter(None, [key.get("root_cause"), *(key.get("must_include") or [])]):
                assert escape(str(text)) not in html


def test_a_hiring_candidate_is_not_offered_an_appeal_unless_the_exercise_allows_it(
    client, candidate_session, review_exercise
):
    attempt = candidate_session(client, review_exercise)

    page = client.get(workspace(attempt)).content.decode()
    response = ask(client, attempt)

    assert "Ask for a second look" not in page
    assert response.status_code == 403
    assert not Appeal.objects.exists()


def test_outsiders_cannot_answer_or_see_an_appeal(client, candidate_session, training_exercise, outsiders):
    attempt = candidate_session(Client(), training_exercise)
    from scoring import appeals

    appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")
    client.force_login(outsiders[1]["lead"])

    assert answer(client, attempt, outcome="upheld", note="n").status_code == 404
    assert "queue-appeals" not in client.get(reverse("staff-queue")).content.decode()
    assert Appeal.objects.get().status == AppealStatus.OPEN


def test_an_attempt_without_an_appeal_has_nothing_to_answer(client, scored_attempt, lead):
    attempt = scored_attempt()
    client.force_login(lead)

    assert answer(client, attempt, outcome="upheld", note="n").status_code == 404


def test_a_lead_turns_candidate_appeals_on_from_the_exercises_page(client, lead, reviewer, review_exercise):
    url = reverse("staff-exercise-appeals", args=[review_exercise.pk])
    client.force_login(reviewer)
    assert client.post(url, {"allowed": "yes"}).status_code == 404

    client.force_login(lead)
    assert client.post(url, {"allowed": "yes"}).status_code == 302
    review_exercise.refresh_from_db()
    assert review_exercise.appeals_allowed is True
    assert "Candidates may ask" in client.get(reverse("staff-exercises")).content.decode()


def test_the_queue_runs_the_same_queries_with_one_appeal_or_three(
    client, candidate_session, training_exercise, lead, django_assert_num_queries
):
    from scoring import appeals

    def appeal_one(email):
        attempt = candidate_session(Client(), training_exercise, email=email)
        appeals.appeal_request(attempt=attempt, dimension="communication", reason="Look again.")

    appeal_one("a@example.com")
    client.force_login(lead)
    with django_assert_num_queries(6):  # session, user, membership, to review, done, appeals
        client.get(reverse("staff-queue"))
    appeal_one("b@example.com")
    appeal_one("c@example.com")
    with django_assert_num_queries(6):
        response = client.get(reverse("staff-queue"))
    assert response.content.decode().count("data-appeal-row") == 3
