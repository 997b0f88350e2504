"""Voluntary self-identification: optional, stored apart from the attempt, never shown to reviewers,
erased with the participant."""

import pytest
from django.urls import reverse

from fairness import services
from fairness.models import SelfIdentification
from fairness.questions import DEFAULT_QUESTIONS, PREFER_NOT_TO_SAY
from scoring import services as scoring_services
from simulator.models import Attempt, AuditEntry, Participant
from simulator.signals import participant_erased

pytestmark = pytest.mark.django_db

# Labels no other page could contain by chance: if one shows up on a reviewer's page, it leaked.
MARKED_QUESTIONS = [
    {
        "key": "heritage",
        "label": "Heritagequestion",
        "prompt": "Which heritage marker applies to you?",
        "options": [
            {"key": "zebrafinch", "label": "Zebrafinchgroup"},
            {"key": "kingfisher", "label": "Kingfishergroup"},
        ],
    }
]
MARKERS = ["zebrafinch", "Zebrafinchgroup", "Heritagequestion", "heritage marker"]


def about_you(attempt):
    return reverse("self-identification", args=[attempt.public_id])


def test_the_submitted_hiring_page_offers_the_questions_and_the_form_defaults_to_prefer_not_to_say(
    client, candidate_session, review_exercise
):
    attempt = candidate_session(client, review_exercise)

    submitted = client.get(reverse("workspace", args=[attempt.public_id])).content.decode()
    form = client.get(about_you(attempt))

    assert about_you(attempt) in submitted
    assert "never shown to the people who review it" in submitted
    html = form.content.decode()
    assert form.status_code == 200
    assert "Why we ask" in html and "Answering is voluntary" in html
    for question in DEFAULT_QUESTIONS:
        assert f'name="{question["key"]}" value="{PREFER_NOT_TO_SAY}" checked' in html
    assert 'value="decline"' in html
    assert not SelfIdentification.objects.exists()


def test_declining_stores_no_answers(client, candidate_session, review_exercise):
    attempt = candidate_session(client, review_exercise)

    response = client.post(about_you(attempt), {"action": "decline"})

    assert response.status_code == 302
    record = SelfIdentification.objects.get(participant=attempt.participant)
    assert record.declined is True and record.answers == {}
    assert "You will not be asked again" in client.get(response["Location"]).content.decode()


def test_answers_are_stored_and_an_unanswered_question_is_prefer_not_to_say(
    client, candidate_session, review_exercise
):
    attempt = candidate_session(client, review_exercise)

    client.post(about_you(attempt), {"action": "save", "gender": "woman", "age": "40_54"})

    record = SelfIdentification.objects.get(participant=attempt.participant)
    assert record.answers == {
        "gender": "woman",
        "age": "40_54",
        "ethnicity": PREFER_NOT_TO_SAY,
        "disability": PREFER_NOT_TO_SAY,
    }
    assert record.declined is False
    # Nothing the candidate said goes to the audit log that staff read.
    assert not any("woman" in str(entry.after) for entry in AuditEntry.objects.all())


def test_an_answer_that_is_not_offered_is_refused_with_a_400(client, candidate_session, review_exercise):
    attempt = candidate_session(client, review_exercise)

    response = client.post(about_you(attempt), {"action": "save", "gender": "robot"})

    assert response.status_code == 400
    assert "gender: choose one of the options offered" in response.content.decode().lower()
    assert not SelfIdentification.objects.exists()


def test_the_candidate_can_withdraw_their_answers(client, candidate_session, review_exercise):
    attempt = candidate_session(client, review_exercise)
    client.post(about_you(attempt), {"action": "save", "gender": "man"})

    client.post(about_you(attempt), {"action": "withdraw"})

    assert not SelfIdentification.objects.exists()


def test_the_form_needs_the_candidates_own_session_and_a_submitted_hiring_attempt(
    client, candidate_session, review_exercise, organisation
):
    attempt = candidate_session(client, review_exercise)
    trainee = candidate_session(
        client, organisation.exercises.get(slug="postmortem-drill"), email="tia@example.com", score=False
    )

    assert client.get(about_you(trainee)).status_code == 404
    client.cookies.clear()
    assert client.get(about_you(attempt)).status_code == 404
    assert client.post(about_you(attempt), {"action": "decline"}).status_code == 404
    assert not SelfIdentification.objects.exists()


def test_it_is_not_asked_while_the_exercise_is_in_progress(client, review_exercise, invite):
    invitation, token = invite(review_exercise)
    client.post(reverse("take", args=[token]))
    attempt = Attempt.objects.get(invitation=invitation)

    response = client.get(about_you(attempt))

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace", args=[attempt.public_id])


def test_nothing_about_an_attempt_points_at_the_self_identification():
    from django.db.models import ForeignObjectRel

    related = {
        f.related_model
        for f in Attempt._meta.get_fields()
        if f.is_relation and not isinstance(f, ForeignObjectRel)
    }
    assert SelfIdentification not in related
    assert all(f.related_model is not Attempt for f in SelfIdentification._meta.get_fields() if f.is_relation)
    # Its one link is to the participant, with no way back from the participant to it.
    assert not any(
        rel.related_model is SelfIdentification for rel in Participant._meta.related_objects if rel.name
    )


def test_the_erasure_signal_deletes_the_self_identification(organisation, lead):
    participant = Participant.objects.create(
        organisation=organisation, name="Ada", email="ada@example.com", kind="candidate"
    )
    other = Participant.objects.create(
        organisation=organisation, name="Bo", email="bo@example.com", kind="candidate"
    )
    services.self_identification_record(participant=participant, answers={"gender": "woman"})
    services.self_identification_record(participant=other, answers={"gender": "man"})

    participant_erased.send(sender=Participant, participant=participant)

    assert list(SelfIdentification.objects.values_list("participant_id", flat=True)) == [other.pk]


def test_deleting_the_participant_deletes_it_too(organisation):
    participant = Participant.objects.create(
        organisation=organisation, name="Ada", email="ada@example.com", kind="candidate"
    )
    services.self_identification_decline(participant=participant)

    participant.delete()

    assert not SelfIdentification.objects.exists()


def test_an_organisation_sets_its_own_questions_and_a_reviewer_may_not(organisation, lead, reviewer):
    from simulator.errors import DomainError
    from simulator.services import NotAllowed

    with pytest.raises(NotAllowed):
        services.questions_set(organisation=organisation, questions=MARKED_QUESTIONS, set_by=reviewer)
    with pytest.raises(DomainError, match="prefer_not_to_say"):
        services.questions_set(
            organisation=organisation,
            questions=[{**MARKED_QUESTIONS[0], "options": [{"key": "prefer_not_to_say", "label": "x"}] * 2}],
            set_by=lead,
        )
    services.questions_set(organisation=organisation, questions=MARKED_QUESTIONS, set_by=lead)
    participant = Participant.objects.create(
        organisation=organisation, name="Ada", email="ada@example.com", kind="candidate"
    )
    with pytest.raises(DomainError, match="there is no question gender"):
        services.self_identification_record(participant=participant, answers={"gender": "woman"})
    record = services.self_identification_record(participant=participant, answers={"heritage": "kingfisher"})
    assert record.answers == {"heritage": "kingfisher"}


def test_reviewers_never_see_a_self_identification_on_any_page_api_or_export(
    client, candidate_session, review_exercise, organisation, lead, reviewer, second_reviewer
):
    services.questions_set(organisation=organisation, questions=MARKED_QUESTIONS, set_by=lead)
    attempt = candidate_session(client, review_exercise)
    client.post(about_you(attempt), {"action": "save", "heritage": "zebrafinch"})
    assert SelfIdentification.objects.get().answers == {"heritage": "zebrafinch"}
    for user in (reviewer, second_reviewer):
        scoring_services.review_submit(attempt=attempt, reviewer=user, scores={"communication": 3})

    pages = [
        reverse("staff-attempts"),
        reverse("staff-queue"),
        reverse("staff-attempt", args=[attempt.public_id]),
        reverse("staff-scorecard", args=[attempt.public_id]),
        reverse("staff-participant", args=[attempt.participant_id]),
        reverse("staff-invitations"),
        reverse("staff-exercises"),
        "/api/v1/attempts/",
        f"/api/v1/attempts/{attempt.public_id}/scorecard/",
        f"/api/v1/attempts/{attempt.public_id}/scores/",
        f"/api/v1/attempts/{attempt.public_id}/answers/",
        f"/api/v1/attempts/{attempt.public_id}/kpis/",
        f"/api/v1/attempts/?participant={attempt.participant_id}",
    ]
    client.force_login(reviewer)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert not any(marker in body for marker in MARKERS), url
    # The report is the leads' alone.
    assert client.get(reverse("staff-adverse-impact", args=[review_exercise.pk])).status_code == 404
    assert client.get(f"/api/v1/exercises/{review_exercise.pk}/adverse-impact/").status_code == 404

    # Not in a lead's scorecard exports either: those go to whoever the lead shares them with.
    client.force_login(lead)
    exports = [
        client.get(reverse("staff-compare", args=[review_exercise.pk]), {"format": "csv"}),
        client.get(f"/api/v1/exercises/{review_exercise.pk}/scorecards/", {"format": "csv"}),
        client.get(f"/api/v1/exercises/{review_exercise.pk}/scorecards/"),
        client.get(reverse("staff-compare", args=[review_exercise.pk])),
    ]
    for response in exports:
        assert response.status_code == 200
        body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
        assert attempt.participant.email in body
        assert not any(marker in body for marker in MARKERS)


def test_a_lead_reads_and_replaces_the_questions_through_the_api(client, lead, reviewer):
    url = "/api/v1/self-identification/questions/"
    client.force_login(reviewer)
    assert client.get(url).status_code == 404
    assert (
        client.put(url, {"questions": MARKED_QUESTIONS}, content_type="application/json").status_code == 404
    )

    client.force_login(lead)
    default = client.get(url).json()
    bad = client.put(url, {"questions": [{"key": "Bad Key"}]}, content_type="application/json")
    saved = client.put(url, {"questions": MARKED_QUESTIONS}, content_type="application/json")

    assert default["custom"] is False and [q["key"] for q in default["questions"]] == [
        q["key"] for q in DEFAULT_QUESTIONS
    ]
    assert bad.status_code == 400
    assert bad.json()["error"] == "refused"
    assert "question 1: key must be lower-case letters" in bad.json()["detail"]
    assert saved.status_code == 200
    assert saved.json()["custom"] is True
    assert client.get(url).json()["questions"] == MARKED_QUESTIONS
