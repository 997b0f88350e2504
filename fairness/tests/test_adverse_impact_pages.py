"""The lead's adverse-impact page, its CSV and `GET /api/v1/exercises/{id}/adverse-impact/`."""

import csv
import io

import pytest
from django.urls import reverse

from fairness import services
from scoring import services as scoring_services
from scoring.models import Scorecard

pytestmark = pytest.mark.django_db

DIMENSIONS = ("troubleshooting", "escalation", "operational_discipline", "communication")


def page(exercise):
    return reverse("staff-adverse-impact", args=[exercise.pk])


def api(exercise):
    return f"/api/v1/exercises/{exercise.pk}/adverse-impact/"


def set_every_score(attempt, score, lead):
    """A lead's overrides make the recommendation what the test needs: all 5s → Strong hire,
    all 1s → Strong no hire (the default hiring rule)."""
    for dimension in DIMENSIONS:
        scoring_services.override_create(
            attempt=attempt, dimension=dimension, score=score, reason_code="other",
            justification="Fixture for the adverse-impact report.", author=lead,
        )  # fmt: skip


@pytest.fixture
def four_candidates(scored_attempt, lead, settings):
    """Women: one selected of two; men: both selected. Groups of two are judged (N = 2 here).
    By hand: women 1/2 = 0.5, men 2/2 = 1.0, impact ratio 0.5 < 0.8 (flagged). Mean scores
    5, 1, 5, 5: median 5, nobody strictly above it."""
    settings.FAIRNESS_MIN_GROUP_SIZE = 2
    people = [("ann@example.com", "woman", 5), ("bea@example.com", "woman", 1),
              ("cal@example.com", "man", 5), ("dan@example.com", "man", 5)]  # fmt: skip
    attempts = []
    for email, gender, score in people:
        attempt = scored_attempt(email)
        set_every_score(attempt, score, lead)
        services.self_identification_record(participant=attempt.participant, answers={"gender": gender})
        attempts.append(attempt)
    return attempts


def test_the_lead_sees_rates_ratios_and_the_four_fifths_flag(client, lead, review_exercise, four_candidates):
    assert sorted(Scorecard.objects.values_list("recommendation", flat=True)) == [
        "strong_hire", "strong_hire", "strong_hire", "strong_no_hire",
    ]  # fmt: skip
    client.force_login(lead)

    html = client.get(page(review_exercise)).content.decode()

    assert "4 candidates with a scorecard" in html
    assert "Strong hire or Hire" in html
    assert "50.0%" in html and "100.0%" in html
    assert '0.50 <span class="badge badge-error">below 4/5</span>' in html
    assert "Below four-fifths: Woman" in html
    # Options nobody chose are left out as "too few to report", never as "nobody".
    assert "<strong>Too few to report:</strong> Non-binary, In another way" in html
    assert "nobody" not in html.lower()
    # Gender: 4 answered, none left out. The questions nobody answered show no totals.
    assert "4 answered · 0 not stated" in html
    assert html.count("Too few answers to report") == 3
    assert "4 not stated" not in html


def test_the_api_gives_the_same_report(client, lead, review_exercise, four_candidates):
    client.force_login(lead)

    body = client.get(api(review_exercise)).json()

    assert body["candidates"] == 4 and body["selected"] == 3
    assert body["median_score"] == 5.0
    assert body["selected_outcomes"] == ["strong_hire", "hire"]
    gender = next(q for q in body["questions"] if q["key"] == "gender")
    groups = {g["key"]: g for g in gender["groups"]}
    assert groups["woman"]["selection_rate"] == 0.5
    assert groups["woman"]["impact_ratio"] == 0.5
    assert groups["woman"]["four_fifths_flag"] is True
    assert groups["man"]["highest"] is True
    assert groups["man"]["above_median"] == 0
    assert gender["left_out"] == [
        {"key": "non_binary", "label": "Non-binary", "reason": "too few to report"},
        {"key": "another", "label": "In another way", "reason": "too few to report"},
    ]
    assert (gender["respondents"], gender["not_stated"], gender["totals_withheld"]) == (4, 0, None)
    age = next(q for q in body["questions"] if q["key"] != "gender")
    assert (age["respondents"], age["not_stated"]) == (None, None)
    assert age["totals_withheld"] == "too few answers to report"


def test_the_csv_has_every_group_and_leaves_small_ones_empty(client, lead, review_exercise, four_candidates):
    client.force_login(lead)

    response = client.get(page(review_exercise), {"format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    woman = next(r for r in rows if r["question"] == "Gender" and r["group"] == "Woman")
    assert woman["people"] == "2" and woman["selected"] == "1"
    assert woman["selection_rate"] == "0.5000" and woman["impact_ratio"] == "0.5000"
    assert woman["four_fifths_flag"] == "yes"
    non_binary = next(r for r in rows if r["question"] == "Gender" and r["group"] == "Non-binary")
    assert non_binary["people"] == "" and non_binary["left_out_reason"] == "too few to report"
    not_stated = [r for r in rows if r["group"] == "Not stated"]
    assert [r["people"] for r in not_stated if r["question"] == "Gender"] == ["0"]
    withheld = [r for r in not_stated if r["question"] != "Gender"]
    assert withheld and all(r["people"] == "" for r in withheld)
    assert {r["left_out_reason"] for r in withheld} == {"too few answers to report"}


def test_a_label_that_looks_like_a_formula_is_defused_in_the_csv(client, lead, organisation, review_exercise):
    services.questions_set(
        organisation=organisation,
        questions=[{"key": "q", "label": "=HYPERLINK(1)", "prompt": "p",
                    "options": [{"key": "a", "label": "+A"}, {"key": "b", "label": "B"}]}],
        set_by=lead,
    )  # fmt: skip
    client.force_login(lead)

    body = client.get(page(review_exercise), {"format": "csv"}).content.decode()

    assert "'=HYPERLINK(1)" in body and "'+A" in body
    assert "\n=HYPERLINK" not in body


def test_the_finalized_only_filter_counts_finalized_scorecards(
    client, lead, review_exercise, four_candidates
):
    scoring_services.scorecard_finalize(
        attempt=four_candidates[0], finalized_by=lead, without_required_reviews=True
    )
    client.force_login(lead)

    assert client.get(api(review_exercise), {"finalized": "true"}).json()["candidates"] == 1
    assert client.get(api(review_exercise), {"finalized": "maybe"}).status_code == 400
    assert "(finalized only)" in client.get(page(review_exercise), {"finalized": "yes"}).content.decode()


def test_only_a_lead_of_the_organisation_sees_it(client, reviewer, review_exercise, outsiders):
    assert client.get(page(review_exercise)).status_code == 302  # to the login page
    assert client.get(api(review_exercise)).status_code in (401, 403)
    for user in (reviewer, outsiders[1]["lead"], outsiders[1]["reviewer"]):
        client.force_login(user)
        assert client.get(page(review_exercise)).status_code == 404
        assert client.get(page(review_exercise), {"format": "csv"}).status_code == 404
        response = client.get(api(review_exercise))
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_a_training_exercise_has_no_report(client, lead, organisation):
    training = organisation.exercises.get(slug="postmortem-drill")
    client.force_login(lead)

    html = client.get(page(training)).content.decode()
    response = client.get(api(training))

    assert "reported for hiring exercises" in html
    assert response.status_code == 400
    assert response.json() == {
        "error": "not_a_hiring_exercise",
        "detail": "adverse impact is reported for hiring exercises; this one is a training exercise",
    }


def test_the_page_and_the_api_run_the_same_queries_for_two_candidates_or_four(
    client, lead, review_exercise, scored_attempt, django_assert_num_queries
):
    for email, gender in (("ann@example.com", "woman"), ("cal@example.com", "man")):
        attempt = scored_attempt(email)
        services.self_identification_record(participant=attempt.participant, answers={"gender": gender})
    client.force_login(lead)
    # session, user, membership, exercise, question set, scorecards, answers
    with django_assert_num_queries(7):
        client.get(page(review_exercise))
    with django_assert_num_queries(7):
        client.get(api(review_exercise))
    for email in ("bea@example.com", "dan@example.com"):
        scored_attempt(email)
    with django_assert_num_queries(7):
        client.get(page(review_exercise))
    with django_assert_num_queries(7):
        client.get(page(review_exercise), {"format": "csv"})


def test_one_candidate_who_answered_is_not_pointed_at_on_the_page_the_csv_or_the_api(
    client, lead, review_exercise, scored_attempt, settings
):
    settings.FAIRNESS_MIN_GROUP_SIZE = 5
    attempt = scored_attempt("ann@example.com")
    services.self_identification_record(
        participant=attempt.participant, answers={"gender": "woman", "age": "25_39"}
    )
    client.force_login(lead)

    html = client.get(page(review_exercise)).content.decode()
    body = client.get(api(review_exercise)).json()
    rows = list(
        csv.DictReader(io.StringIO(client.get(page(review_exercise), {"format": "csv"}).content.decode()))
    )

    assert "1 candidate with a scorecard" in html
    # Not "Fewer than 5 people: Woman" next to "Nobody chose it: Man, …": one list for every option.
    assert "Fewer than" not in html and "nobody" not in html.lower()
    assert "<strong>Too few to report:</strong> Woman, Man, Non-binary, In another way" in html
    assert " answered · " not in html and "not stated</span>" not in html
    assert html.count("Too few answers to report") == len(body["questions"])
    for question in body["questions"]:
        assert question["groups"] == []
        assert {g["reason"] for g in question["left_out"]} == {"too few to report"}
        assert (question["respondents"], question["not_stated"]) == (None, None)
    assert {r["left_out_reason"] for r in rows if r["group"] != "Not stated"} == {"too few to report"}
    assert all(r["people"] == "" for r in rows)
