"""Calibration in a real browser: a lead opens an exercise's calibration page (agreement, reviewer
strictness, overrides, item statistics), marks a calibration example; a new reviewer grades it and sees
how far they are from the agreed scores. Axe checks every page."""

import re

import pytest

from scoring import services as scoring_services
from tests.browser.test_accessibility import describe, violations
from tests.browser.test_staff_review import expect, log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def calibration_setup(scored_attempt, reviewer, second_reviewer, lead):
    for user, first, last in (
        (reviewer, "Rui", "Reviewer"),
        (second_reviewer, "Sam", "Second"),
        (lead, "Lena", "Lead"),
    ):
        user.first_name, user.last_name = first, last
        user.save()
    attempts = [scored_attempt(email=f"candidate{n}@example.com") for n in range(3)]
    for n, attempt in enumerate(attempts):
        dimensions = list(attempt.scorecard.auto_scores)
        scoring_services.review_submit(
            attempt=attempt, reviewer=reviewer, scores=dict.fromkeys(dimensions, 2 + n % 2)
        )
        scoring_services.review_submit(
            attempt=attempt, reviewer=second_reviewer, scores=dict.fromkeys(dimensions, 4)
        )
    scoring_services.override_create(
        attempt=attempts[0], dimension="communication", score=1, reason_code="scorer_credited_keywords",
        justification="Promises a fix time nobody gave.", author=lead,
    )  # fmt: skip
    # Only a finalized attempt can be a calibration example.
    scoring_services.scorecard_finalize(attempt=attempts[2], finalized_by=lead)
    attempts[2].refresh_from_db()
    # The page's first request would otherwise import scikit-learn and krippendorff in the server thread.
    import krippendorff  # noqa: F401
    import sklearn.metrics  # noqa: F401

    return attempts


def test_a_lead_opens_the_calibration_page_and_a_reviewer_grades_the_calibration_set(
    page, live_server, calibration_setup, review_exercise, shot
):
    example_attempt = calibration_setup[2]
    page.set_default_timeout(45_000)
    log_in(page, live_server, "lena", "lead-password-123")
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Calibration").click()
    page.get_by_role("link", name=f"Calibration of {review_exercise.title}").click()
    page.wait_for_url(re.compile(r"/calibration/"))

    expect()(page.get_by_role("heading", name="Calibration", exact=True)).to_be_visible()
    communication = page.locator('[data-agreement] tr[data-dimension="communication"]')
    expect()(communication.locator("[data-alpha]")).not_to_have_text("—")
    expect()(page.locator("[data-strictness] svg rect")).to_have_count(2)
    expect()(page.locator('[data-reviewers] tr[data-reviewer="Rui Reviewer"]')).to_contain_text("stricter")
    expect()(page.locator('[data-reviewers] tr[data-reviewer="Sam Second"]')).to_contain_text("more lenient")
    expect()(page.locator("[data-weakest-checks] tbody tr").first).to_be_visible()
    expect()(page.locator("[data-scenarios] tbody tr")).to_have_count(2)
    found = violations(page)
    shot(page, "70-calibration", full_page=True)

    page.locator("select[data-eligible-attempts]").select_option(example_attempt.public_id)
    for select in page.locator(".mark-form fieldset.agreed select").all():
        select.select_option("3")
    page.get_by_label("Notes for reviewers").fill("A middling answer: calm, but no next update time.")
    page.get_by_role("button", name="Mark as calibration example").click()
    expect()(page.locator(".staff-messages")).to_contain_text("calibration example")
    # Both panel reviewers reviewed live attempts before the set existed: they keep their place.
    expect()(page.locator("[data-set-reviewers]")).to_contain_text("cleared: reviewed live before the set")
    expect()(page.locator("[data-set-reviewers]")).not_to_contain_text("waiting")
    expect()(page.locator("[data-examples]")).to_contain_text("submitted")
    found += violations(page)
    log_out(page)

    # A reviewer who joined after the set was made: the set comes before the live queue.
    from django.contrib.auth import get_user_model

    from simulator import services

    newcomer = get_user_model().objects.create_user(
        username="nia", password="reviewer-password-789", first_name="Nia", last_name="New"
    )
    services.member_add(organisation=review_exercise.organisation, user=newcomer, role="reviewer")
    review_exercise.panel.reviewers.add(newcomer)
    log_in(page, live_server, "nia", "reviewer-password-789")
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Calibration").click()
    expect()(page.locator("body")).to_contain_text("grade the set to join the queue")
    found += violations(page)
    page.get_by_role("link", name=re.compile(r"P-\w+ \(to grade\)")).click()
    expect()(page.get_by_role("heading", name="Your grades")).to_be_visible()
    expect()(page.locator("[data-seen]").first).to_be_visible()
    expect()(page.locator("body")).not_to_contain_text("Candidate2")
    for fieldset in page.locator("fieldset.levels").all():
        fieldset.locator("label.level").nth(3).click()
    found += violations(page)
    page.get_by_role("button", name="Submit my grades").click()
    result = page.locator("[data-calibration-result]")
    expect()(result).to_contain_text("How far you are from the agreed scores")
    expect()(result).to_contain_text("+1")
    expect()(result).to_contain_text("no next update time")
    found += violations(page)
    shot(page, "71-calibration-example-graded", full_page=True)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Calibration").click()
    expect()(page.locator("body")).to_contain_text("cleared: live attempts reach you")
    assert not found, describe(found)
