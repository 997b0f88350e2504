"""The staff review in a real browser: a reviewer scores an attempt blind and overrides a dimension;
the lead sees the override on the comparison, exports the CSV and finalizes. Axe checks every page."""

import csv
import io
import re
from pathlib import Path

import pytest

from tests.browser.test_accessibility import describe, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def log_in(page, live_server, username: str, password: str):
    page.goto(live_server.url + "/staff/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/staff/attempts/"))


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/staff/login/"))


@pytest.fixture
def review_setup(scored_attempt, reviewer, second_reviewer, lead):
    for user, first, last in ((reviewer, "Rui", "Reviewer"), (lead, "Lena", "Lead")):
        user.first_name, user.last_name = first, last
        user.save()
    attempts = [scored_attempt(email=email) for email in ("casey.jones@example.com", "robin.lee@example.com")]
    return attempts


def test_a_reviewer_reviews_blind_and_overrides_then_the_lead_compares_exports_and_finalizes(
    page, live_server, review_setup, review_exercise, shot
):
    attempt = review_setup[0]
    review_url = f"{live_server.url}/staff/attempts/{attempt.public_id}/"

    log_in(page, live_server, "rui", "reviewer-password-123")
    page.goto(review_url)
    expect()(page.locator("[data-blind]")).to_be_visible()
    expect()(page.locator("body")).not_to_contain_text("Casey.Jones")
    expect()(page.locator("[data-claim='mine']")).to_be_visible()
    expect()(page.locator("[data-worked-answer]")).to_have_count(0)
    shot(page, "60-review-blind")
    dimensions = page.locator("article.dim")
    first_key = dimensions.first.get_attribute("data-dimension")
    for index in range(dimensions.count()):
        dimensions.nth(index).locator("label.level").nth(2).click()
    page.get_by_label("Notes for the panel").fill("Structured triage, calm update.")
    page.get_by_role("button", name="Submit my review").click()
    expect()(page.locator(".staff-messages")).to_contain_text("Your review is saved")
    expect()(page.locator("body")).to_contain_text("Casey.Jones")
    expect()(page.locator("[data-worked-answer]").first).to_be_visible()

    first = page.locator(f"#dim-{first_key}")
    first.get_by_text("Override this score").click()
    first.locator(".override-form").get_by_label("5", exact=True).check()
    first.locator(".override-form").get_by_label("Reason").select_option("scorer_missed_evidence")
    first.locator(".override-form").get_by_label("Justification").fill(
        "The update names the cause the scorer missed."
    )
    first.get_by_role("button", name="Record the override").click()
    expect()(page.locator(".staff-messages")).to_contain_text("override recorded")
    first = page.locator(f"#dim-{first_key}")
    expect()(first.locator(".final-num")).to_have_text("5")
    expect()(first.locator(".marker-override")).to_be_visible()
    expect()(page.locator("#overrides")).to_contain_text("The update names the cause the scorer missed.")
    shot(page, "61-review-after-override")
    log_out(page)

    log_in(page, live_server, "lena", "lead-password-123")
    page.goto(f"{live_server.url}/staff/exercises/")
    page.get_by_role("link", name=f"Compare the scorecards of {review_exercise.title}").click()
    page.wait_for_url(re.compile(r"/compare/"))
    row = page.locator(f'tr[data-attempt="{attempt.public_id}"]')
    cell = row.locator(f'td[data-dimension="{first_key}"]')
    shot(page, "62-compare")
    expect()(cell).to_have_class(re.compile("is-overridden"))
    expect()(cell).to_contain_text("5")

    with page.expect_download() as download_info:
        page.locator("[data-export-csv]").click()
    body = Path(download_info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(body)))
    shown = page.locator("tr[data-attempt]").evaluate_all("rows => rows.map(r => r.dataset.attempt)")
    assert [r[0] for r in rows[1:]] == shown
    exported = next(r for r in rows[1:] if r[0] == attempt.public_id)
    assert exported[1] == "Casey.Jones"
    assert f"{first_key}=override" in exported[rows[0].index("sources")]

    row.get_by_role("link", name="Casey.Jones").click()
    page.wait_for_url(re.compile(attempt.public_id))
    page.locator("[data-action='finalize']").click()
    expect()(page.locator(".staff-messages")).to_contain_text("finalized")
    expect()(page.locator(".flag-ok")).to_have_text("Finalized")
    attempt.refresh_from_db()
    assert attempt.status == "finalized"


def test_the_staff_review_pages_have_no_wcag_violations(
    page, live_server, review_setup, review_exercise, shot
):
    attempt = review_setup[0]
    log_in(page, live_server, "rui", "reviewer-password-123")
    page.goto(f"{live_server.url}/staff/attempts/{attempt.public_id}/")
    found = violations(page)
    page.locator("article.dim").first.locator("label.level").nth(3).click()
    page.get_by_role("button", name="Submit my review").click()
    expect()(page.locator(".staff-messages")).to_contain_text("Your review is saved")
    page.locator("[data-override-box] summary").first.click()
    found += violations(page)
    shot(page, "63-review-reviewed", full_page=True)
    page.goto(f"{live_server.url}/staff/attempts/{attempt.public_id}/scorecard/")
    found += violations(page)
    shot(page, "64-scorecard", full_page=True)
    log_out(page)

    log_in(page, live_server, "lena", "lead-password-123")
    page.goto(f"{live_server.url}/staff/exercises/")
    found += violations(page)
    page.goto(f"{live_server.url}/staff/exercises/{review_exercise.pk}/compare/")
    for summary in page.locator("details.chart-table summary").all()[:2]:
        summary.click()
    found += violations(page)
    shot(page, "65-compare-full", full_page=True)
    page.emulate_media(media="print")
    page.goto(f"{live_server.url}/staff/attempts/{attempt.public_id}/scorecard/")
    expect()(page.locator(".staff-header")).to_be_hidden()
    shot(page, "66-scorecard-print", full_page=True)
    assert not found, describe(found)
