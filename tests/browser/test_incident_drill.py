"""The incident drill in a real browser: each decision's urgency, new events kept in view while
decisions accumulate, screen-reader announcements, and a header that shows one clock."""

import re
from datetime import timedelta

import pytest

from tests.browser.conftest import start_exercise
from tests.browser.test_accessibility import describe, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def _advance(page, seconds: int):
    """Move the drill `seconds` further on and let the feed fetch what has been released."""
    from simulator.models import Attempt

    attempt_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    attempt = Attempt.objects.get(public_id=attempt_id)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=attempt.started_at - timedelta(seconds=seconds))
    with page.expect_response(lambda response: "fragment=incident-feed" in response.url):
        page.evaluate("htmx.trigger(document.querySelector('[data-incident-feed]'), 'refresh')")


def _drill(page) -> tuple[dict, dict]:
    """The running drill's scenario payload and answer key: their times are drawn per scenario."""
    from simulator.models import AttemptItem

    attempt_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    item = AttemptItem.objects.select_related("scenario__answer_key").get(
        attempt__public_id=attempt_id, kind="incident"
    )
    return item.scenario.payload, item.scenario.answer_key.content


def test_decisions_accumulate_beside_the_feed_and_new_events_stay_in_view(page, invitations, shot):
    start_exercise(page, invitations["Incident drill"])
    payload, key = _drill(page)
    asked = {p["id"]: p["offset_seconds"] for p in payload["decision_points"]}
    injects = sorted(i["offset_seconds"] for i in payload["injects"])
    assert asked["D2"] < asked["D3"] <= asked["D4"]
    feed_panel = page.locator("[data-feed-scroll]")
    header = page.locator(".pane:not([hidden]) .panel.context .panel-head")
    expect()(header).to_contain_text(re.compile(r"Drill clock \+\d\d:\d\d"))
    expect()(header).not_to_contain_text("UTC")

    # D1 and D2 asked, D3 not yet: their boxes sit in the work column, not above the events.
    now = asked["D2"] + 1
    _advance(page, now)
    decisions = page.locator("[data-decisions] [data-decision]")
    expect()(decisions).to_have_count(2)
    expect()(page.locator(".panel.answer [data-decision='D1']")).to_be_visible()
    # The drill is training: each box tells the window on the drill clock.
    expect()(page.locator("[data-decision='D2'] [data-urgency-text]")).to_have_text(
        re.compile(r"^Decide by \+\d\d:\d\d \(window \+\d\d:\d\d to \+\d\d:\d\d\)\.$")
    )
    page.locator("[data-decision='D1'] input[value='SEV2']").check()
    expect()(page.locator("[data-decision='D1']")).to_have_class(re.compile(r"\bis-answered\b"))

    # Every decision asked, and the newest event is still in view at the top of the feed.
    _advance(page, asked["D4"] + 1 - now)
    now = asked["D4"] + 1
    expect()(decisions).to_have_count(4)
    newest = page.locator("[data-incident-feed] [data-inject-id]").first
    expect()(newest).to_be_in_viewport()
    expect()(page.locator("[data-decision='D1'] input[value='SEV2']")).to_be_checked()
    expect()(page.locator("[data-incident-announcer]")).to_contain_text("New decision: Decision D")
    shot(page, "34-incident-decisions")
    found = violations(page)
    assert not found, describe(found)

    # Scrolled down to older events, a new one does not move the page: a button offers it.
    later = next(t for t in injects if t > now)
    feed_panel.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    _advance(page, later + 1 - now)
    now = later + 1
    button = page.get_by_role("button", name="New events above ↑")
    expect()(button).to_be_visible()
    expect()(page.locator("[data-incident-announcer]")).to_contain_text("New event:")
    button.click()
    expect()(page.locator("[data-incident-feed] [data-inject-id]").first).to_be_in_viewport()
    expect()(button).to_be_hidden()

    # D2 is unanswered and its window has closed: the box says so. (The page learns the moved start
    # time on a reload; in a real drill the time simply passes.)
    closed = key["decisions"]["D2"]["window_seconds"][1]
    if now <= closed:
        _advance(page, closed + 1 - now)
    expect()(page.locator("#save-status")).to_have_text(re.compile(r"^(Saved at|All changes saved)"))
    page.reload()
    page.wait_for_selector("#app[data-ready='true']")
    expect()(page.locator("[data-decision='D2']")).to_have_class(re.compile(r"\bis-overdue\b"))
    expect()(page.locator("[data-decision='D2'] [data-urgency-text]")).to_contain_text(
        "The window closed at +"
    )
    expect()(page.locator("[data-decision='D1']")).not_to_have_class(re.compile(r"\bis-overdue\b"))


def test_a_hiring_drill_words_the_urgency_without_a_due_time(page, invitations):
    from simulator.models import Exercise

    Exercise.objects.filter(slug="incident-drill").update(purpose="hiring")
    start_exercise(page, invitations["Incident drill"])
    _advance(page, 600)

    urgency = page.locator("[data-urgency-text]")
    expect()(urgency).to_have_count(4)
    for text in urgency.all_inner_texts():
        assert re.fullmatch(r"(Urgent|Needed soon|Less pressing): [a-z ,.]+", text), text
    expect()(page.locator("[data-due-seconds]")).to_have_count(0)
    page.locator("[data-decision='D1'] input").first.check()
    found = violations(page)
    assert not found, describe(found)
