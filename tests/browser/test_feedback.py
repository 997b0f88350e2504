"""A trainee's feedback in a real browser: submit a drill, then see the scores and the worked answer."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def test_a_trainee_submits_the_postmortem_drill_and_sees_scores_and_the_worked_answer(
    page, invitations, shot
):
    from scenarios.models import AnswerKey
    from simulator.models import Attempt

    page.goto(invitations["Postmortem drill"])
    page.get_by_role("button", name="Start exercise").click()
    page.wait_for_url(re.compile(r"/attempt/[^/]+/"))
    page.wait_for_selector("#app[data-ready='true']")
    incident = page.locator(".pane:not([hidden]) .panel.context p").first.inner_text()
    summary = page.locator('[data-field="summary"]')
    summary.fill(f"What happened: {incident} We restored service and will follow up with the actions below.")
    summary.blur()
    expect()(page.locator("#save-status")).to_have_text(re.compile(r"^Saved at"))

    page.get_by_role("button", name="Submit…").click()
    page.locator("#submit-dialog").get_by_role("button", name="Submit now").click()
    expect()(page.get_by_role("heading", name="Submitted")).to_be_visible()
    shot(page, "40-feedback-submitted")

    feedback = page.locator('[data-feedback-state="scored"]')
    expect()(feedback).to_be_visible(timeout=20_000)
    expect()(page.get_by_role("heading", name="Your scores")).to_be_visible()
    expect()(page.locator(".score-tile").first).to_contain_text("/5")
    expect()(page.locator(".fb-dim").first.locator(".fb-label")).not_to_be_empty()
    expect()(page.locator(".check").first.locator(".check-text")).not_to_be_empty()
    expect()(page.locator(".check.is-pass .check-icon").first).to_have_text("✓")
    expect()(page.locator(".check.is-fail .check-icon").first).to_have_text("✗")

    attempt = Attempt.objects.get(public_id=page.url.rstrip("/").rsplit("/", 1)[-1])
    key = AnswerKey.objects.get(scenario=attempt.items.get().scenario).content
    worked = page.locator("[data-worked-answer]")
    expect()(worked.locator("[data-worked-root-cause]")).to_have_text(key["root_cause"])
    expect()(worked).to_contain_text(key["cause_chain"][0])
    expect()(worked).to_contain_text(key["corrective_actions"][0]["action"])
    shot(page, "41-feedback-scores")
    worked.scroll_into_view_if_needed()
    shot(page, "42-feedback-worked-answer")
    shot(page, "43-feedback-full", full_page=True)


def test_the_submitted_screen_polls_until_the_drill_is_scored(page, invitations, shot):
    from scoring import services as scoring_services
    from scoring.models import ScoreSet
    from simulator import services
    from simulator.models import Attempt

    page.goto(invitations["Incident drill"])
    page.get_by_role("button", name="Start exercise").click()
    page.wait_for_url(re.compile(r"/attempt/[^/]+/"))
    page.wait_for_selector("#app[data-ready='true']")
    attempt = Attempt.objects.get(public_id=page.url.rstrip("/").rsplit("/", 1)[-1])
    services.attempt_submit(attempt=attempt, submitted_by="participant")
    # Keep the page on "being scored" until this test scores the attempt itself.
    ScoreSet.objects.filter(attempt=attempt).delete()
    Attempt.objects.filter(pk=attempt.pk).update(status="submitted")

    page.reload()
    expect()(page.get_by_text("Your work is being scored")).to_be_visible()
    shot(page, "44-feedback-pending")
    with page.expect_response(lambda response: "fragment=feedback" in response.url, timeout=10_000):
        pass
    scoring_services.attempt_score(attempt_id=attempt.pk)

    expect()(page.locator('[data-feedback-state="scored"]')).to_be_visible(timeout=10_000)
    expect()(page.locator('[data-feedback-item="incident"] .wa-decision').first).to_be_visible()
    shot(page, "45-feedback-incident", full_page=True)
