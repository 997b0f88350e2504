"""Scoring runs: on submit, once per attempt and scorer versions, visible to staff and trainees only."""

import io
import json

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from scoring import services
from scoring.dimensions import DEFAULT_RUBRIC, DIMENSION_KEYS, KIND_DIMENSIONS
from scoring.models import DimensionScore, ItemScore, Rubric, ScoreSet
from scoring.scorers import scorer_version
from scoring.tasks import score_attempt
from simulator import services as simulator_services
from simulator.errors import DomainError

pytestmark = pytest.mark.django_db


def _answer_everything(attempt):
    for item in attempt.items.order_by("position"):
        answers = {
            "triage_queue": {"notes": "Working the queue by severity."},
            "log_investigation": {"root_cause": "still investigating", "evidence_ids": []},
            "escalation_writeup": {"packet": "Escalating to engineering with the repro steps below."},
            "customer_comms": {"update": "We are investigating errors and will update you in 30 minutes."},
            "incident": {"decisions": {"D1": "SEV1"}},
            "postmortem": {"summary": "The incident is resolved."},
        }
        simulator_services.response_save(
            attempt=attempt, item=item, base_version=0, answer=answers[item.kind]
        )


def test_every_kind_declares_its_dimensions_and_together_they_cover_all_eight():
    covered = {dimension for dimensions in KIND_DIMENSIONS.values() for dimension in dimensions}
    assert covered == set(DIMENSION_KEYS)
    assert len(DIMENSION_KEYS) == 8


def test_submitting_queues_the_score_and_the_attempt_becomes_scored(
    started, eager, django_capture_on_commit_callbacks
):
    attempt, _ = started
    _answer_everything(attempt)
    with django_capture_on_commit_callbacks(execute=True):
        simulator_services.attempt_submit(attempt=attempt, submitted_by="participant")

    attempt.refresh_from_db()
    assert attempt.status == "scored"
    score_set = ScoreSet.objects.get(attempt=attempt)
    for item_score in score_set.items.all():
        dimensions = list(item_score.dimensions.values_list("dimension", flat=True))
        assert sorted(dimensions) == sorted(KIND_DIMENSIONS[item_score.kind])
    for score in DimensionScore.objects.filter(item_score__score_set=score_set):
        assert 1 <= score.score <= 5
        assert all({"id", "passed", "weight", "explanation", "quote"} <= set(c) for c in score.checks)


def test_scoring_twice_or_retrying_the_task_makes_one_score_set(started):
    attempt, _ = started
    _answer_everything(attempt)
    simulator_services.attempt_submit(attempt=attempt, submitted_by="participant")

    first = services.attempt_score(attempt_id=attempt.pk)
    again = services.attempt_score(attempt_id=attempt.pk)
    retried = score_attempt(attempt.pk)

    assert first.pk == again.pk == retried
    assert ScoreSet.objects.count() == 1
    assert ItemScore.objects.count() == 6


def test_the_same_answers_score_the_same_after_a_rescore(started, eager, django_capture_on_commit_callbacks):
    attempt, _ = started
    _answer_everything(attempt)
    simulator_services.attempt_submit(attempt=attempt, submitted_by="participant")
    before = list(DimensionScore.objects.filter(item_score__score_set=services.attempt_score(attempt_id=attempt.pk)).values_list("dimension", "score", "checks").order_by("item_score__attempt_item__position", "dimension"))  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        services.attempts_rescore(attempt_ids=[attempt.pk])

    after = list(DimensionScore.objects.values_list("dimension", "score", "checks").order_by("item_score__attempt_item__position", "dimension"))  # fmt: skip
    assert ScoreSet.objects.count() == 1
    assert after == before


def test_an_attempt_in_progress_cannot_be_scored(started):
    attempt, _ = started
    with pytest.raises(DomainError, match="only a submitted attempt can be scored; this one is in_progress"):
        services.attempt_score(attempt_id=attempt.pk)


def test_the_default_rubric_has_eight_dimensions_with_five_anchors_each():
    rubric = services.rubric_current()
    dimensions = list(rubric.dimensions.all())
    assert [d.key for d in dimensions] == list(DIMENSION_KEYS)
    assert all(sorted(d.anchors) == ["1", "2", "3", "4", "5"] for d in dimensions)
    troubleshooting = dimensions[0]
    assert troubleshooting.anchors["5"] == "Hypothesis-driven, fast convergence, validates assumptions."
    assert troubleshooting.anchors["1"] == "Random walk, cannot justify steps."


def test_a_change_to_the_rubric_is_a_new_version_and_the_old_one_stays(started):
    first = services.rubric_current()
    changed = [dict(d, anchors=dict(d["anchors"])) for d in DEFAULT_RUBRIC]
    changed[3]["anchors"]["3"] = "Understandable; structure and next steps need work."

    second = services.rubric_publish(name="Support engineer scorecard", dimensions=changed)

    assert (first.version, second.version) == (1, 2)
    assert services.rubric_current() == second
    old = Rubric.objects.get(version=1).dimensions.get(key="communication")
    assert old.anchors["3"] == "Understandable but lacks structure."


def test_a_rubric_without_all_five_anchors_is_refused():
    broken = [dict(d, anchors={k: v for k, v in d["anchors"].items() if k != "2"}) for d in DEFAULT_RUBRIC]
    with pytest.raises(DomainError, match="anchor text is missing for levels 2"):
        services.rubric_publish(name="Broken", dimensions=broken)
    assert Rubric.objects.count() == 0


@pytest.fixture
def scored(started):
    attempt, access_token = started
    _answer_everything(attempt)
    simulator_services.attempt_submit(attempt=attempt, submitted_by="participant")
    services.attempt_score(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return attempt, access_token


def _staff(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_reviewers_and_leads_read_the_scores_with_checks_and_versions(
    scored, lead, reviewer, django_assert_num_queries
):
    attempt, access_token = scored
    # The reviewer sits on the attempt's panel; the exercise is not reviewed blind.
    panel = simulator_services.panel_create(
        organisation=attempt.organisation, name="Panel", reviewers=[reviewer]
    )
    attempt.invitation.panel = panel
    attempt.invitation.save()
    attempt.exercise.blind_review = False
    attempt.exercise.save()
    url = f"/api/v1/attempts/{attempt.public_id}/scores/"
    api = _staff(reviewer)

    # token, membership, attempt, set+rubric, dimensions, items, scores
    with django_assert_num_queries(7):
        response = api.get(url)

    assert response.status_code == 200
    body = response.json()
    assert body["rubric"]["version"] == 1 and len(body["rubric"]["dimensions"]) == 8
    assert body["scorer_version"].startswith("customer_comms@")
    assert [item["kind"] for item in body["items"]][0] == "triage_queue"
    dimension = body["items"][3]["dimensions"][0]
    assert dimension["dimension"] == "communication" and dimension["checks"][0]["id"] == "readable_update"
    assert set(body["summary"]) == set(DIMENSION_KEYS)
    assert _staff(lead).get(url).status_code == 200
    candidate = APIClient()
    candidate.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert candidate.get(url).status_code in (401, 403)


def test_a_blind_reviewer_is_told_to_review_before_reading_the_auto_scores(scored, reviewer):
    attempt, _ = scored
    panel = simulator_services.panel_create(
        organisation=attempt.organisation, name="Panel", reviewers=[reviewer]
    )
    attempt.invitation.panel = panel
    attempt.invitation.save()

    response = _staff(reviewer).get(f"/api/v1/attempts/{attempt.public_id}/scores/")

    assert response.status_code == 403 and response.json()["error"] == "blind_review"


def test_scores_of_an_unscored_attempt_or_another_organisation_are_404(started, lead):
    attempt, _ = started
    assert _staff(lead).get(f"/api/v1/attempts/{attempt.public_id}/scores/").json()["error"] == "not_scored"
    other = simulator_services.organisation_create(name="Other", slug="other")
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user(username="s", password="s-password-123")
    simulator_services.member_add(organisation=other, user=stranger, role="lead")
    assert _staff(stranger).get(f"/api/v1/attempts/{attempt.public_id}/scores/").status_code == 404


def test_a_trainee_sees_scores_checks_and_the_worked_answer_once_scored(organisation, invite):
    _, token = invite(organisation.exercises.get(slug="postmortem-drill"))
    attempt, access_token, _ = simulator_services.attempt_start(invitation_token=token)
    candidate = APIClient()
    candidate.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    url = f"/api/v1/attempts/{attempt.public_id}/feedback/"
    simulator_services.attempt_submit(attempt=attempt, submitted_by="participant")
    assert candidate.get(url).status_code == 409

    services.attempt_score(attempt_id=attempt.pk)
    body = candidate.get(url).json()

    assert body["items"][0]["dimensions"][0]["checks"]
    assert (
        body["worked_answers"][0]["worked_answer"]["root_cause"]
        == attempt.items.get().scenario.answer_key.content["root_cause"]
    )


def test_a_hiring_candidate_never_sees_scores_or_the_worked_answer(scored):
    attempt, access_token = scored
    candidate = APIClient()
    candidate.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    response = candidate.get(f"/api/v1/attempts/{attempt.public_id}/feedback/")
    assert response.status_code == 404
    assert "root_cause" not in response.content.decode()


def test_score_response_scores_one_answer_from_a_pack_offline(tmp_path, all_kinds_exercise, invite):
    from scenarios.services import scenario_generate

    scenario = scenario_generate(
        kind="customer_comms", archetype="db_pool_exhaustion_after_deploy", seed=3, difficulty="medium"
    )
    pack = tmp_path / "pack.json"
    call_command("export_pack", "--out", str(pack), "--id", scenario.reference)
    response = tmp_path / "answer.json"
    response.write_text(
        json.dumps({"update": "We are investigating errors on the Orders API; next update in 30 minutes."})
    )
    out = io.StringIO()

    call_command(
        "score_response",
        "--pack",
        str(pack),
        "--scenario",
        scenario.reference,
        "--response",
        str(response),
        stdout=out,
    )

    printed = json.loads(out.getvalue())
    assert printed["kind"] == "customer_comms"
    assert printed["scorer_version"] == scorer_version("customer_comms")
    assert printed["dimensions"][0]["dimension"] == "communication"
    assert 1 <= printed["dimensions"][0]["score"] <= 5


def test_score_response_explains_a_bad_answer_file(tmp_path):
    from django.core.management.base import CommandError

    from scenarios.services import scenario_generate

    scenario = scenario_generate(
        kind="customer_comms", archetype="db_pool_exhaustion_after_deploy", seed=3, difficulty="medium"
    )
    pack = tmp_path / "pack.json"
    call_command("export_pack", "--out", str(pack), "--id", scenario.reference)
    response = tmp_path / "answer.json"
    response.write_text(json.dumps({"update": 42}))
    with pytest.raises(CommandError, match=r"answer\.update: 42 is not of type 'string'"):
        call_command(
            "score_response",
            "--pack",
            str(pack),
            "--scenario",
            scenario.reference,
            "--response",
            str(response),
        )
    with pytest.raises(CommandError, match="no scenario 'nope' in the pack"):
        call_command("score_response", "--pack", str(pack), "--scenario", "nope", "--response", str(response))
