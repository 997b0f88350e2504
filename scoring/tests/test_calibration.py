"""Calibration and item statistics of a live exercise: the figures from stored reviews and overrides,
the API and page (leads only, 404 outside), pinned queries, calibration sets gating a reviewer's live
queue, and retiring a scenario."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from scoring import services
from scoring.calibration import Period, exercise_calibration
from scoring.models import CalibrationExample, CalibrationGrade, Review, ReviewAssignment
from scoring.staff_selectors import participant_code
from simulator import services as simulator_services
from simulator.errors import DomainError
from simulator.models import AuditEntry
from simulator.services import NotAllowed

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def reviewed(scored_attempt, reviewer, second_reviewer, lead):
    """Two attempts each reviewed by both panel reviewers (2 and 4 on communication: they disagree),
    and one override lowering an auto-score."""
    attempts = [scored_attempt("a@example.com"), scored_attempt("b@example.com")]
    for attempt in attempts:
        services.review_submit(
            attempt=attempt, reviewer=reviewer, scores={"communication": 2, "troubleshooting": 3}
        )
        services.review_submit(
            attempt=attempt, reviewer=second_reviewer, scores={"communication": 4, "troubleshooting": 3}
        )
    services.override_create(
        attempt=attempts[0], dimension="communication", score=1, reason_code="scorer_credited_keywords",
        justification="Promises a fix time nobody gave.", author=lead,
    )  # fmt: skip
    return attempts


# The figures from stored reviews and overrides -----------------------------------------------------


def test_the_calibration_of_an_exercise_reads_its_reviews_and_overrides(reviewed, review_exercise):
    report = exercise_calibration(exercise=review_exercise)

    assert report["attempts"] == 2 and report["reviews"] == 4
    by_dimension = {row["dimension"]: row for row in report["dimensions"]}
    # Communication: 2 and 4 on each attempt. Ordinal delta(2,4) = (4 - 2)^2 = 4; observed 2*2*4 = 16,
    # expected from the marginals 2*2*2*4 = 32; alpha = 1 - (n-1) * 16/32 = 1 - 3/2 = -0.5.
    assert by_dimension["communication"]["reviewers"] == {
        "alpha": pytest.approx(-0.5),
        "attempts": 2,
        "reviews": 4,
        "enough_data": False,
    }
    # Troubleshooting: both reviewers gave 3 everywhere, so there is nothing for alpha to measure.
    assert by_dimension["troubleshooting"]["reviewers"]["alpha"] is None
    assert by_dimension["escalation"]["reviewers"] == {
        "alpha": None,
        "attempts": 0,
        "reviews": 0,
        "enough_data": False,
    }
    # Every attempt's communication and troubleshooting final score came from people.
    assert by_dimension["communication"]["auto_vs_human"]["n"] == 2
    reviewers = {row["reviewer"]: row for row in report["reviewers"]}
    assert reviewers["rui"]["direction"] == "stricter" and reviewers["rui"][
        "mean_deviation"
    ] == pytest.approx(-1.0)
    assert reviewers["sam"]["direction"] == "more lenient"
    overrides = report["overrides"]
    assert overrides["total"] == 1 and overrides["by_reason"] == {"scorer_credited_keywords": 1}
    communication = next(r for r in overrides["by_dimension"] if r["dimension"] == "communication")
    assert communication["overridden"] == 1 and communication["rate"] == 0.5
    # The override lowered the score: the checks that passed on communication are the ones implicated.
    assert overrides["weakest_checks"] and all(row["passing"] == 1 for row in overrides["weakest_checks"])
    assert {row["dimension"] for row in overrides["weakest_checks"]} == {"communication"}
    assert [row["overrides"] for row in overrides["by_scorer_version"]] == [1]


def test_a_period_keeps_only_the_attempts_submitted_in_it(reviewed, review_exercise):
    submitted = reviewed[0].submitted_at.date()

    inside = exercise_calibration(exercise=review_exercise, period=Period(submitted, submitted))
    after = exercise_calibration(
        exercise=review_exercise, period=Period(submitted.replace(year=submitted.year + 1))
    )

    assert inside["attempts"] == 2
    assert after["attempts"] == 0 and after["reviews"] == 0 and after["overrides"]["total"] == 0


# The API -----------------------------------------------------------------------------------------


def test_a_lead_reads_the_calibration_and_the_item_statistics(reviewed, review_exercise, lead):
    body = api(lead).get(f"/api/v1/exercises/{review_exercise.pk}/calibration/").json()
    assert body["attempts"] == 2
    assert {d["dimension"] for d in body["dimensions"]} >= {"communication", "troubleshooting"}

    items = api(lead).get("/api/v1/items/statistics/", {"exercise": review_exercise.pk}).json()
    assert items["attempts"] == 2
    assert {s["kind"] for s in items["scenarios"]} == {"triage_queue", "customer_comms"}
    assert all(s["n"] == 2 for s in items["scenarios"])
    assert items["checks"] and all(0 <= c["share_passing"] <= 1 for c in items["checks"])


def test_the_api_says_when_alpha_and_kappa_rest_on_too_few_attempts(
    reviewed, review_exercise, lead, monkeypatch
):
    url = f"/api/v1/exercises/{review_exercise.pk}/calibration/"
    communication = next(
        d for d in api(lead).get(url).json()["dimensions"] if d["dimension"] == "communication"
    )
    assert communication["reviewers"]["attempts"] == 2 and communication["reviewers"]["enough_data"] is False
    assert communication["auto_vs_human"]["n"] == 2 and communication["auto_vs_human"]["enough_data"] is False

    monkeypatch.setattr("scoring.calibration.ENOUGH_TO_JUDGE", 2)
    communication = next(
        d for d in api(lead).get(url).json()["dimensions"] if d["dimension"] == "communication"
    )
    assert (
        communication["reviewers"]["enough_data"] is True
        and communication["auto_vs_human"]["enough_data"] is True
    )


def test_calibration_is_for_leads_of_the_organisation_only(reviewed, review_exercise, reviewer, outsiders):
    for user in (reviewer, outsiders[1]["lead"]):
        assert api(user).get(f"/api/v1/exercises/{review_exercise.pk}/calibration/").status_code == 404
        response = api(user).get("/api/v1/items/statistics/", {"exercise": review_exercise.pk})
        assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert api().get(f"/api/v1/exercises/{review_exercise.pk}/calibration/").status_code in (401, 403)


def test_bad_periods_and_a_missing_exercise_are_refused_with_what_is_wrong(review_exercise, lead):
    response = api(lead).get(f"/api/v1/exercises/{review_exercise.pk}/calibration/", {"from": "last week"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "detail": "from must be a date as YYYY-MM-DD, not 'last week'",
    }
    response = api(lead).get("/api/v1/items/statistics/")
    assert response.status_code == 400 and "exercise is required" in response.json()["detail"]
    response = api(lead).get(
        "/api/v1/items/statistics/", {"exercise": review_exercise.pk, "to": "2026-13-01"}
    )
    assert response.status_code == 400


def test_a_period_ending_on_the_last_day_there_is_answers_instead_of_failing(reviewed, review_exercise, lead):
    for path, params in (
        (f"/api/v1/exercises/{review_exercise.pk}/calibration/", {"to": "9999-12-31"}),
        ("/api/v1/items/statistics/", {"exercise": review_exercise.pk, "to": "9999-12-31"}),
    ):
        response = api(lead).get(path, params)
        assert response.status_code == 200, response.content
    assert api(lead).get(f"/api/v1/exercises/{review_exercise.pk}/calibration/", {"to": "9999-12-31"}).json()[
        "period"
    ] == {"from": None, "to": "9999-12-31"}


def test_the_calibration_api_keeps_its_queries_whatever_the_attempts(
    scored_attempt, reviewer, second_reviewer, lead, review_exercise, django_assert_num_queries
):
    def add(email):
        attempt = scored_attempt(email)
        services.review_submit(attempt=attempt, reviewer=reviewer, scores={"communication": 2})
        services.review_submit(attempt=attempt, reviewer=second_reviewer, scores={"communication": 3})
        services.override_create(
            attempt=attempt, dimension="communication", score=5, reason_code="scorer_missed_evidence",
            justification="x", author=lead,
        )  # fmt: skip

    add("one@example.com")
    client = api(lead)
    url = f"/api/v1/exercises/{review_exercise.pk}/calibration/"
    items_url = f"/api/v1/items/statistics/?exercise={review_exercise.pk}"
    # the exercise; scorecards, reviews, reviewer names, score sets, check outcomes, overrides, their checks
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    # the exercise; score sets, dimension scores
    with django_assert_num_queries(3):
        assert client.get(items_url).status_code == 200
    for n in range(3):
        add(f"more{n}@example.com")
    with django_assert_num_queries(8):
        assert client.get(url).json()["overrides"]["total"] == 4
    with django_assert_num_queries(3):
        assert client.get(items_url).json()["attempts"] == 4


# The page ----------------------------------------------------------------------------------------


def test_the_calibration_page_shows_the_figures_to_a_lead_only(
    client, reviewed, review_exercise, lead, reviewer, outsiders
):
    url = reverse("staff-calibration", args=[review_exercise.pk])
    client.force_login(lead)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-alpha>-0.50<" in html
    assert "Reviewer strictness" in html and "stricter" in html and "more lenient" in html
    assert "data-weakest-checks" in html and "Item statistics" in html

    for user in (reviewer, outsiders[1]["lead"]):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(lead)
    assert client.get(url, {"from": "nonsense"}).status_code == 400


def test_alpha_and_kappa_over_too_few_attempts_are_greyed_as_too_few_to_judge(
    client, reviewed, review_exercise, lead, monkeypatch
):
    client.force_login(lead)
    url = reverse("staff-calibration", args=[review_exercise.pk])

    def communication_row():
        html = client.get(url).content.decode()
        start = html.index('<tr data-dimension="communication">')
        return html[start : html.index("</tr>", start)]

    row = communication_row()
    assert row.count("data-too-few") == 2 and row.count("meter-bar is-thin") == 2
    assert (
        '<span class="score is-thin" data-alpha>-0.50</span><span class="cell-sub">too few to judge (n=2)</span>'
        in row
    )
    assert "is-low" not in row  # a red bar would read as a finding

    monkeypatch.setattr("scoring.calibration.ENOUGH_TO_JUDGE", 2)
    row = communication_row()
    assert "too few to judge" not in row and "is-thin" not in row
    assert '<span class="score" data-alpha>-0.50</span>' in row and "meter-bar is-low" in row


CHECK_ROW = re.compile(
    r'<tr data-check="([^"]+)">\s*<th scope="row"><span class="cell-main">([^<]+)</span>'
    r'<span class="cell-sub mono">\1</span></th>'
)


def test_the_checks_on_the_calibration_page_read_as_names_with_their_ids_beside(
    client, reviewed, review_exercise, lead, monkeypatch
):
    from scoring import calibration_views
    from scoring.item_statistics import exercise_item_statistics

    def with_a_flag(**kwargs):
        items = exercise_item_statistics(**kwargs)
        items["checks"][0]["flags"] = ["does_not_discriminate"]
        return items

    monkeypatch.setattr(calibration_views, "exercise_item_statistics", with_a_flag)
    client.force_login(lead)
    html = client.get(reverse("staff-calibration", args=[review_exercise.pk])).content.decode()

    weakest = html[html.index("data-weakest-checks") : html.index('id="items"')]
    flagged = html[html.index("data-flagged-checks") : html.index('id="calibration-set"')]
    report = exercise_calibration(exercise=review_exercise)["overrides"]["weakest_checks"]
    assert len(CHECK_ROW.findall(weakest)) == len(report)
    assert ("acknowledges_impact", "Acknowledges the customer impact") in CHECK_ROW.findall(weakest)
    assert len(CHECK_ROW.findall(flagged)) == 1
    for check_id, label in CHECK_ROW.findall(weakest) + CHECK_ROW.findall(flagged):
        assert label != check_id and "_" not in label


def test_the_calibration_page_runs_a_fixed_number_of_queries(
    client, scored_attempt, reviewer, second_reviewer, lead, review_exercise, django_assert_num_queries
):
    def add(email):
        attempt = scored_attempt(email)
        services.review_submit(attempt=attempt, reviewer=reviewer, scores={"communication": 2})
        services.review_submit(attempt=attempt, reviewer=second_reviewer, scores={"communication": 4})
        return attempt

    marked = _finalize(add("one@example.com"), lead)
    example = services.calibration_example_mark(
        attempt=marked, agreed_scores=_all_three(marked), marked_by=lead
    )
    for user in (reviewer, second_reviewer):
        services.calibration_grade_submit(example=example, reviewer=user, scores=_all_three(marked))
    client.force_login(lead)
    url = reverse("staff-calibration", args=[review_exercise.pk])
    client.get(url)
    with django_assert_num_queries(20) as first:
        client.get(url)
    for n in range(3):
        _finalize(add(f"more{n}@example.com"), lead)  # more attempts to offer in the select
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(url).content.decode().count("· submitted") == 4  # 3 offered, 1 listed


# Calibration sets --------------------------------------------------------------------------------


def _finalize(attempt, lead):
    services.scorecard_finalize(attempt=attempt, finalized_by=lead, without_required_reviews=True)
    attempt.refresh_from_db()
    return attempt


def _all_three(attempt):
    from scoring.models import Scorecard

    return {d: 3 for d in Scorecard.objects.get(attempt=attempt).auto_scores}


def test_a_lead_marks_an_example_and_a_reviewer_sees_how_far_they_are(scored_attempt, lead, reviewer):
    attempt = _finalize(scored_attempt(), lead)
    agreed = _all_three(attempt) | {"communication": 4}

    with pytest.raises(NotAllowed):
        services.calibration_example_mark(attempt=attempt, agreed_scores=agreed, marked_by=reviewer)
    with pytest.raises(DomainError, match="missing: communication"):
        services.calibration_example_mark(
            attempt=attempt,
            agreed_scores={k: v for k, v in agreed.items() if k != "communication"},
            marked_by=lead,
        )
    example = services.calibration_example_mark(attempt=attempt, agreed_scores=agreed, marked_by=lead)
    mine = dict(agreed) | {"communication": 2, "troubleshooting": 5}

    distance = services.calibration_grade_submit(example=example, reviewer=reviewer, scores=mine)

    assert distance["communication"] == {"mine": 2, "agreed": 4, "difference": -2}
    assert distance["troubleshooting"] == {"mine": 5, "agreed": 3, "difference": 2}
    assert distance["escalation"]["difference"] == 0
    # A calibration grade is not a review: the live scorecard does not move.
    assert not Review.objects.filter(attempt=attempt).exists()
    with pytest.raises(DomainError, match="already"):
        services.calibration_grade_submit(example=example, reviewer=reviewer, scores=mine)
    assert AuditEntry.objects.filter(action="calibration_example.marked").count() == 1


def test_a_reviewer_gets_live_attempts_only_after_grading_the_calibration_set(
    scored_attempt, lead, reviewer, second_reviewer
):
    example_attempt = _finalize(scored_attempt("example@example.com"), lead)
    example = services.calibration_example_mark(
        attempt=example_attempt, agreed_scores=_all_three(example_attempt), marked_by=lead
    )
    # The second reviewer cleared the set; the first has not graded it.
    services.calibration_grade_submit(
        example=example, reviewer=second_reviewer, scores=_all_three(example_attempt)
    )

    live = [scored_attempt(f"live{n}@example.com") for n in range(3)]

    assert {ReviewAssignment.objects.get(attempt=a).reviewer for a in live} == {second_reviewer}
    with pytest.raises(services.NotCalibrated, match="graded 0 of the 1 calibration examples"):
        services.review_claim(attempt=live[0], reviewer=reviewer)
    with pytest.raises(services.NotCalibrated):
        services.review_submit(attempt=live[0], reviewer=reviewer, scores={"communication": 3})
    with pytest.raises(services.NotCalibrated):
        services.review_assign(attempt=live[0], reviewer=reviewer, assigned_by=lead)
    assert not services.reviewer_calibration(reviewer=reviewer, exercise=example_attempt.exercise).cleared

    services.calibration_grade_submit(example=example, reviewer=reviewer, scores=_all_three(example_attempt))

    services.review_claim(attempt=live[0], reviewer=reviewer)
    services.review_submit(attempt=live[0], reviewer=reviewer, scores={"communication": 3})
    later = scored_attempt("later@example.com")
    assert ReviewAssignment.objects.get(attempt=later).reviewer == reviewer  # the fewest assignments now


def test_a_reviewer_already_reviewing_the_exercise_keeps_their_place_when_a_set_is_made(
    scored_attempt, lead, reviewer
):
    before = scored_attempt("before@example.com")
    services.review_submit(attempt=before, reviewer=reviewer, scores={"communication": 3})
    example_attempt = _finalize(scored_attempt("example@example.com"), lead)
    services.calibration_example_mark(
        attempt=example_attempt, agreed_scores=_all_three(example_attempt), marked_by=lead
    )

    status = services.reviewer_calibration(reviewer=reviewer, exercise=before.exercise)

    assert status.cleared and status.graded == 0 and status.reviewed_live
    services.review_claim(attempt=scored_attempt("after@example.com"), reviewer=reviewer)


def test_unmarking_an_example_removes_its_grades(scored_attempt, lead, reviewer):
    attempt = _finalize(scored_attempt(), lead)
    example = services.calibration_example_mark(
        attempt=attempt, agreed_scores=_all_three(attempt), marked_by=lead
    )
    services.calibration_grade_submit(example=example, reviewer=reviewer, scores=_all_three(attempt))

    services.calibration_example_unmark(example=example, unmarked_by=lead)

    assert not CalibrationExample.objects.exists() and not CalibrationGrade.objects.exists()


def test_the_pages_mark_an_example_and_let_a_reviewer_grade_it(
    client, scored_attempt, lead, reviewer, review_exercise
):
    attempt = _finalize(scored_attempt(), lead)
    dimensions = list(_all_three(attempt))
    client.force_login(lead)
    mark_url = reverse("staff-calibration-mark", args=[review_exercise.pk])

    refused = client.post(mark_url, {"attempt": attempt.public_id})
    assert refused.status_code == 400 and "Choose the agreed score" in refused.content.decode()
    response = client.post(
        mark_url,
        {"attempt": attempt.public_id, "notes": "Anchor case.", **{f"agreed-{d}": "3" for d in dimensions}},
    )
    assert response.status_code == 302
    example = CalibrationExample.objects.get(attempt=attempt)

    client.force_login(reviewer)
    index = client.get(reverse("staff-calibration-index")).content.decode()
    assert "grade the set to join the queue" in index
    page = client.get(reverse("staff-calibration-example", args=[example.pk])).content.decode()
    assert "Submit my grades" in page and "Anchor case." not in page  # agreed scores wait for the grade
    assert attempt.participant.name not in page
    grade_url = reverse("staff-calibration-grade", args=[example.pk])
    assert client.post(grade_url, {f"score-{dimensions[0]}": "3"}).status_code == 400
    response = client.post(grade_url, {f"score-{d}": "4" for d in dimensions}, follow=True)
    html = response.content.decode()
    assert "How far you are from the agreed scores" in html and "+1" in html and "Anchor case." in html
    assert "cleared" in client.get(reverse("staff-calibration-index")).content.decode()


def test_a_calibration_example_of_another_organisation_is_not_found(client, scored_attempt, lead, outsiders):
    attempt = _finalize(scored_attempt(), lead)
    example = services.calibration_example_mark(
        attempt=attempt, agreed_scores=_all_three(attempt), marked_by=lead
    )
    client.force_login(outsiders[1]["reviewer"])

    assert client.get(reverse("staff-calibration-example", args=[example.pk])).status_code == 404
    assert client.post(reverse("staff-calibration-grade", args=[example.pk]), {}).status_code == 404
    with pytest.raises(NotAllowed):
        services.calibration_grade_submit(example=example, reviewer=outsiders[1]["reviewer"], scores={})


# Retiring a scenario -----------------------------------------------------------------------------


def _two_archetype_exercise(organisation, panel):
    return simulator_services.exercise_create(
        organisation=organisation, slug="retire-drill", title="Retire drill", purpose="hiring",
        time_limit_minutes=20, base_seed=99, panel=panel,
        items=[{"kind": "customer_comms", "archetypes": ["saml_clock_skew", "kafka_consumer_lag"], "difficulty": "medium"}],
    )  # fmt: skip


def _archetype_of_new_attempt(exercise, lead, email):
    _, token = simulator_services.invitation_create(
        exercise=exercise, participant_name="Pat", participant_email=email, created_by=lead
    )
    attempt, _, _ = simulator_services.attempt_start(invitation_token=token)
    return attempt.items.get().scenario.archetype


def test_a_retired_scenario_is_not_given_to_new_attempts(organisation, panel, lead, reviewer):
    exercise = _two_archetype_exercise(organisation, panel)
    served = _archetype_of_new_attempt(exercise, lead, "first@example.com")
    other = ({"saml_clock_skew", "kafka_consumer_lag"} - {served}).pop()

    with pytest.raises(NotAllowed):
        services.item_retire(
            exercise=exercise, kind="customer_comms", archetype=served, difficulty="medium", reason="x",
            retired_by=reviewer,
        )  # fmt: skip
    with pytest.raises(DomainError, match="needs a reason"):
        services.item_retire(
            exercise=exercise, kind="customer_comms", archetype=served, difficulty="medium", reason=" ",
            retired_by=lead,
        )  # fmt: skip
    parts = services.item_retire(
        exercise=exercise, kind="customer_comms", archetype=served, difficulty="medium",
        reason="Nearly everyone fails it.", retired_by=lead,
    )  # fmt: skip

    assert parts == [0]
    exercise.refresh_from_db()
    assert exercise.items[0]["retired_archetypes"] == [served]
    assert _archetype_of_new_attempt(exercise, lead, "second@example.com") == other
    entry = AuditEntry.objects.get(action="item.retired")
    assert entry.after["archetype"] == served and entry.after["reason"] == "Nearly everyone fails it."
    # The last archetype a part can serve cannot be retired.
    with pytest.raises(DomainError, match="add another archetype"):
        services.item_retire(
            exercise=exercise, kind="customer_comms", archetype=other, difficulty="medium", reason="x",
            retired_by=lead,
        )  # fmt: skip


def test_retiring_through_the_api_and_a_scenario_the_exercise_does_not_serve(organisation, panel, lead):
    exercise = _two_archetype_exercise(organisation, panel)
    url = f"/api/v1/exercises/{exercise.pk}/items/retire/"

    response = api(lead).post(
        url, {"kind": "customer_comms", "archetype": "kafka_consumer_lag", "difficulty": "medium", "reason": "Noise."},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["parts"] == [1]
    response = api(lead).post(
        url, {"kind": "triage_queue", "archetype": "kafka_consumer_lag", "difficulty": "medium", "reason": "x"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "serves no triage_queue" in response.json()["detail"]
    assert api(lead).post(url, {"kind": "customer_comms"}, format="json").status_code == 400


def test_the_calibration_index_and_an_example_keep_their_queries_whatever_the_set(
    client, scored_attempt, lead, reviewer, review_exercise, django_assert_num_queries
):
    def mark(email):
        attempt = _finalize(scored_attempt(email), lead)
        return services.calibration_example_mark(
            attempt=attempt, agreed_scores=_all_three(attempt), marked_by=lead
        )

    example = mark("one@example.com")
    index = reverse("staff-calibration-index")
    page = reverse("staff-calibration-example", args=[example.pk])
    client.force_login(reviewer)
    client.get(index)
    with django_assert_num_queries(9) as index_queries:
        assert client.get(index).status_code == 200
    with django_assert_num_queries(9) as page_queries:
        assert client.get(page).status_code == 200
    for n in range(3):
        mark(f"more{n}@example.com")
    with django_assert_num_queries(len(index_queries.captured_queries)):
        assert client.get(index).content.decode().count("(to grade)") == 4
    with django_assert_num_queries(len(page_queries.captured_queries)):
        client.get(page)
    client.force_login(lead)
    with django_assert_num_queries(4):
        assert client.get(index).status_code == 200


def test_the_migration_fills_the_check_outcomes_of_stored_scores(scored_attempt):
    import importlib

    from django.apps import apps

    from scoring.models import DimensionScore

    scored_attempt()
    expected = {row.pk: row.check_outcomes for row in DimensionScore.objects.all()}
    assert expected and all(expected.values())
    DimensionScore.objects.update(check_outcomes={})

    importlib.import_module("scoring.migrations.0006_calibration").fill_check_outcomes(apps, None)

    assert {row.pk: row.check_outcomes for row in DimensionScore.objects.all()} == expected


# Only finalized attempts are examples; a grader never reviews the example live ------------------------


def test_an_attempt_still_in_review_cannot_be_an_example_on_the_page_or_in_the_service(
    client, scored_attempt, lead, reviewer, review_exercise
):
    attempt = scored_attempt()  # in the reviewer's queue, 0 of its reviews in
    assert ReviewAssignment.objects.filter(attempt=attempt, reviewer=reviewer).exists()

    with pytest.raises(
        services.ExampleNotFinalized, match="only an attempt whose scorecard is finalized"
    ) as refused:
        services.calibration_example_mark(attempt=attempt, agreed_scores=_all_three(attempt), marked_by=lead)
    assert refused.value.status_code == 409
    client.force_login(lead)
    page = client.post(
        reverse("staff-calibration-mark", args=[review_exercise.pk]),
        {"attempt": attempt.public_id, **{f"agreed-{d}": "3" for d in _all_three(attempt)}},
    )
    assert page.status_code == 400
    assert (
        "Only an attempt whose scorecard is finalized can be a calibration example" in page.content.decode()
    )
    assert not CalibrationExample.objects.exists()
    # The page offers only finalized attempts, by participant code and date, never by name.
    listed = client.get(reverse("staff-calibration", args=[review_exercise.pk])).content.decode()
    assert attempt.public_id not in listed
    _finalize(attempt, lead)
    listed = client.get(reverse("staff-calibration", args=[review_exercise.pk])).content.decode()
    label = (
        f"{participant_code(attempt.participant_id)} · submitted {attempt.submitted_at.date().isoformat()}"
    )
    assert f'<option value="{attempt.public_id}">{label}</option>' in listed
    assert attempt.participant.name not in listed


def test_a_reviewer_who_graded_an_example_never_reviews_that_attempt_live(scored_attempt, lead, reviewer):
    from scoring.staff_selectors import reviewer_queue

    attempt = _finalize(scored_attempt(), lead)
    example = services.calibration_example_mark(
        attempt=attempt, agreed_scores=_all_three(attempt), marked_by=lead
    )
    services.calibration_grade_submit(example=example, reviewer=reviewer, scores=_all_three(attempt))
    services.scorecard_reopen(attempt=attempt, reopened_by=lead, reason="A second look.")
    attempt.refresh_from_db()

    with pytest.raises(services.ReviewRefused, match="graded this attempt as a calibration example"):
        services.review_claim(attempt=attempt, reviewer=reviewer)
    with pytest.raises(services.ReviewRefused, match="graded this attempt as a calibration example"):
        services.review_submit(attempt=attempt, reviewer=reviewer, scores={"communication": 3})
    ReviewAssignment.objects.filter(attempt=attempt).delete()
    with pytest.raises(services.ReviewRefused, match="graded this attempt as a calibration example"):
        services.review_assign(attempt=attempt, reviewer=reviewer, assigned_by=lead)
    # An example is never put in a live queue, and leaves the queue it was in.
    assert services.assignments_make(attempt=attempt) == []
    ReviewAssignment.objects.create(attempt=attempt, reviewer=reviewer, assigned_at=attempt.submitted_at)
    assert attempt not in reviewer_queue(reviewer=reviewer)
    services.calibration_example_unmark(example=example, unmarked_by=lead)
    assert attempt in reviewer_queue(reviewer=reviewer)


# One definition of the gate ------------------------------------------------------------------------------


def test_a_reviewer_who_keeps_their_place_is_shown_cleared_on_both_pages(
    client, scored_attempt, lead, reviewer, review_exercise
):
    services.review_submit(
        attempt=scored_attempt("before@example.com"), reviewer=reviewer, scores={"communication": 3}
    )
    example_attempt = _finalize(scored_attempt("example@example.com"), lead)
    services.calibration_example_mark(
        attempt=example_attempt, agreed_scores=_all_three(example_attempt), marked_by=lead
    )
    assert services.reviewer_calibration(reviewer=reviewer, exercise=review_exercise).cleared
    services.review_claim(attempt=scored_attempt("after@example.com"), reviewer=reviewer)

    client.force_login(lead)
    lead_page = client.get(reverse("staff-calibration", args=[review_exercise.pk])).content.decode()
    row = re.search(r"<li><span>" + reviewer.get_username() + r"</span>.*?</li>", lead_page).group(0)
    assert "cleared: reviewed live before the set" in row and "waiting" not in row
    client.force_login(reviewer)
    own = client.get(reverse("staff-calibration-index")).content.decode()
    assert "you keep your place" in own and "grade the set to join the queue" not in own


# What the participant saw ----------------------------------------------------------------------------


def _seen_frames(html: str) -> list[str]:
    return re.findall(r"data-seen>(.*?)</div>\s*</section>", html, flags=re.S)


def test_the_example_page_shows_what_the_participant_saw_as_the_review_page_does(
    client, scored_attempt, lead, reviewer
):
    from scoring import review_pages

    attempt = _finalize(scored_attempt(), lead)
    example = services.calibration_example_mark(
        attempt=attempt, agreed_scores=_all_three(attempt), marked_by=lead
    )
    client.force_login(lead)
    live = _seen_frames(client.get(reverse("staff-attempt", args=[attempt.public_id])).content.decode())
    client.force_login(reviewer)
    page = client.get(reverse("staff-calibration-example", args=[example.pk])).content.decode()

    seen = review_pages.items_as_seen(attempt=attempt)
    assert len(_seen_frames(page)) == len(seen) == len(live) > 0
    assert _seen_frames(page) == live
    for item in seen:
        assert item["title"] in page
    assert "What the participant saw" in page and "Submit my grades" in page
