"""The candidate's workspace in a real browser: start, answer, autosave, reload, submit, search logs."""

import re
from collections import Counter

import pytest

from tests.browser.conftest import start_exercise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def test_a_candidate_triages_a_ticket_reloads_and_submits(page, invitations, shot):
    page.goto(invitations["Ticket triage"])
    expect()(page.get_by_role("heading", level=1)).to_have_text("Ticket triage")
    expect()(page.get_by_text("40 minutes").first).to_be_visible()
    shot(page, "01-start-page")
    start_exercise(page, invitations["Ticket triage"])

    expect()(page.locator("#clock-value")).to_have_text(re.compile(r"^(39|40):\d\d$"))
    rows = page.locator("[data-ticket-row]")
    first = rows.first.get_attribute("data-ticket-row")
    second = rows.nth(1).get_attribute("data-ticket-row")
    ticket = f'[data-ticket="{first}"]'
    page.select_option(f'{ticket}[data-field="severity"]', "SEV2")
    page.fill(f'{ticket}[data-field="component"]', "billing")
    page.select_option(f'{ticket}[data-field="route"]', "Engineering")
    page.fill(f'{ticket}[data-field="clarifying_questions"]', "Which invoice ids were charged twice?")
    page.locator(f'{ticket}[data-field="clarifying_questions"]').blur()
    expect()(page.locator("#save-status")).to_have_text(re.compile(r"^Saved at \d\d:\d\d:\d\d$"))
    expect()(page.locator(f'[data-ticket-summary="{first}"]')).to_contain_text("SEV2")
    shot(page, "02-triage-answered")

    page.locator(f'[data-ticket-row="{first}"]').focus()
    page.keyboard.press("j")
    expect()(page.locator(f'[data-ticket-row="{second}"]')).to_have_attribute("aria-selected", "true")
    expect()(page.locator(f'[data-ticket-pane="{second}"]')).to_be_visible()

    page.reload()
    page.wait_for_selector("#app[data-ready='true']")
    expect()(page.locator(f'{ticket}[data-field="severity"]')).to_have_value("SEV2")
    expect()(page.locator(f'{ticket}[data-field="component"]')).to_have_value("billing")
    expect()(page.locator(f'{ticket}[data-field="route"]')).to_have_value("Engineering")
    expect()(page.locator(f'{ticket}[data-field="clarifying_questions"]')).to_have_value(
        "Which invoice ids were charged twice?"
    )

    page.keyboard.press("?")
    expect()(page.locator("#help-dialog")).to_be_visible()
    shot(page, "03-help")
    page.keyboard.press("Escape")

    page.get_by_role("button", name="Submit…").click()
    dialog = page.locator("#submit-dialog")
    expect()(dialog).to_contain_text("You have answered 1 of 1 part")
    expect()(dialog).to_contain_text("You cannot change your answers after submitting")
    shot(page, "04-submit-dialog")
    dialog.get_by_role("button", name="Submit now").click()
    expect()(page.get_by_role("heading", name="Submitted")).to_be_visible()
    expect()(page.get_by_text("You cannot change your answers any more")).to_be_visible()
    shot(page, "05-submitted")


def test_a_candidate_searches_the_logs(page, invitations, shot):
    start_exercise(page, invitations["Debugging with logs and API traces"])
    shot(page, "10-investigation-ticket")
    page.get_by_role("tab", name=re.compile("^Logs")).click()
    rows = page.locator("tr.log-row")
    expect()(rows.first).to_be_visible()
    messages = rows.locator("td.msg").all_inner_texts()
    words = Counter(word for message in messages for word in set(re.findall(r"[a-z]{6,}", message.lower())))
    word = next(w for w, count in words.most_common() if count < len(messages))
    shot(page, "11-logs")

    page.fill("[data-log-q]", word)
    page.keyboard.press("Enter")
    expect()(page.locator("[data-log-status]")).to_contain_text("matching lines")
    filtered = rows.locator("td.msg").all_inner_texts()
    assert filtered
    assert all(word in message.lower() for message in filtered)

    rows.first.locator('[data-action="cite-line"]').click()
    expect()(page.locator("[data-evidence-chips] .chip")).to_have_count(1)
    expect()(page.locator("#save-status")).to_have_text(re.compile(r"^Saved at"))
    shot(page, "12-logs-filtered")

    page.get_by_role("tab", name=re.compile("^Traces")).click()
    expect()(page.locator(".wf-bar").first).to_be_visible()
    shot(page, "13-traces")
    page.get_by_role("tab", name=re.compile("^HTTP")).click()
    shot(page, "14-http")
    page.get_by_role("tab", name="Dashboard").click()
    expect()(page.locator('canvas[data-chart="latency"]')).to_be_visible()
    page.wait_for_timeout(300)
    shot(page, "15-dashboard")


def test_a_stale_save_from_a_second_tab_is_refused_and_can_be_reloaded(
    browser_context, page, invitations, shot
):
    start_exercise(page, invitations["Escalation write-up"])
    other = browser_context.new_page()
    other.goto(page.url)
    other.wait_for_selector("#app[data-ready='true']")

    other.fill('[data-field="packet"]', "Written in the second tab")
    other.locator('[data-field="packet"]').blur()
    expect()(other.locator("#save-status")).to_have_text(re.compile(r"^Saved at"))

    page.fill('[data-field="packet"]', "Written in the first tab")
    page.locator('[data-field="packet"]').blur()
    banner = page.locator("[data-conflict]").first
    expect()(banner).to_be_visible()
    expect()(banner).to_contain_text("changed in another tab or window (version 1)")
    expect()(page.locator('[data-field="packet"]')).to_have_value("Written in the first tab")
    shot(page, "20-conflict")

    banner.get_by_role("button", name="Load the latest version").click()
    expect()(page.locator('[data-field="packet"]')).to_have_value("Written in the second tab")
    expect()(banner).to_be_hidden()
    other.close()


@pytest.mark.parametrize(
    ("exercise", "name"),
    [
        ("Escalation write-up", "30-escalation"),
        ("Customer communication", "31-comms"),
        ("Incident drill", "32-incident"),
        ("Postmortem drill", "33-postmortem"),
    ],
)
def test_every_kind_of_workspace_renders(page, invitations, shot, exercise, name):
    start_exercise(page, invitations[exercise])
    expect()(page.locator(".pane:not([hidden]) .panel.answer").first).to_be_visible()
    expect()(page.locator("#save-status")).to_have_text("All changes saved")
    shot(page, name)


def test_the_incident_feed_refreshes_through_htmx(page, invitations):
    start_exercise(page, invitations["Incident drill"])
    feed = page.locator("[data-incident-feed]")
    expect()(feed.locator("[data-inject-id]").first).to_be_visible()

    with page.expect_response(lambda response: "fragment=incident-feed" in response.url) as swap:
        page.evaluate("htmx.trigger(document.querySelector('[data-incident-feed]'), 'refresh')")

    assert swap.value.status == 200
    expect()(feed.locator("[data-inject-id]").first).to_be_visible()
    expect()(feed.locator(".feed-meta")).to_have_count(1)


def test_at_the_deadline_the_inputs_lock_and_the_submitted_screen_follows(page, invitations):
    from datetime import timedelta

    from django.utils import timezone

    from simulator.models import Attempt

    start_exercise(page, invitations["Customer communication"])
    attempt_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    Attempt.objects.filter(public_id=attempt_id).update(deadline=timezone.now() + timedelta(seconds=4))
    page.reload()
    page.wait_for_selector("#app[data-ready='true']")
    page.fill('[data-field="update"]', "We are investigating errors on API v1.")
    page.locator('[data-field="update"]').blur()
    expect()(page.locator("#save-status")).to_have_text(re.compile(r"^Saved at"))

    expect()(page.locator('[data-field="update"]')).to_be_disabled(timeout=10_000)
    expect()(page.get_by_role("heading", name="Submitted")).to_be_visible(timeout=15_000)
    expect()(page.get_by_text("your last saved work was submitted automatically")).to_be_visible()


def test_a_candidate_triages_with_the_keyboard_alone(page, invitations):
    """Start, move through the queue, answer, save and submit without touching the mouse."""
    page.goto(invitations["Ticket triage"])
    expect()(page.get_by_role("button", name="Start exercise")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/attempt/[^/]+/"))
    page.wait_for_selector("#app[data-ready='true']")
    rows = page.locator("[data-ticket-row]")
    second = rows.nth(1).get_attribute("data-ticket-row")
    ticket = f'[data-ticket="{second}"]'

    page.keyboard.press("j")  # the next ticket in the queue
    expect()(page.locator(f'[data-ticket-row="{second}"]')).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")  # to the ticket's severity
    expect()(page.locator(f'{ticket}[data-field="severity"]')).to_be_focused()
    page.keyboard.press("ArrowDown")  # a closed <select> takes the next option from the keyboard
    chosen = page.locator(f'{ticket}[data-field="severity"]').input_value()
    assert chosen.startswith("SEV")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect()(page.locator(f'{ticket}[data-field="component"]')).to_be_focused()
    page.keyboard.type("api gateway")
    page.keyboard.press("Control+s")
    expect()(page.locator("#save-status")).to_have_text(re.compile(r"^Saved at"))
    page.keyboard.press("Escape")  # leave the field, so the page's shortcuts work again

    page.reload()
    page.wait_for_selector("#app[data-ready='true']")
    expect()(page.locator(f'{ticket}[data-field="severity"]')).to_have_value(chosen)
    expect()(page.locator(f'{ticket}[data-field="component"]')).to_have_value("api gateway")


def test_on_a_flaky_network_every_saved_word_survives_without_a_false_conflict(
    browser_context, page, invitations
):
    from simulator.models import Response

    start_exercise(page, invitations["Escalation write-up"])
    packet = page.locator('[data-field="packet"]')
    status = page.locator("#save-status")
    banner = page.locator("[data-conflict]").first

    # 1. The save reaches the server, but its response is lost on the way back.
    lost = []

    def lose_the_first_response(route):
        if route.request.method == "PUT" and not lost:
            lost.append(route.fetch().status)  # the server applies the save...
            route.abort("connectionreset")  # ...and the answer never arrives
        else:
            route.continue_()

    page.route("**/response/", lose_the_first_response)
    packet.fill("Repro: POST /oauth/token returns 401 invalid_client since 09:20 UTC.")
    packet.blur()
    expect()(status).to_have_text(re.compile(r"^Saved at"), timeout=10_000)
    assert lost == [200]
    # The retry was refused as stale, but the server held this tab's own words: no conflict.
    expect()(banner).to_be_hidden()
    page.unroute("**/response/")

    # 2. The network goes away while the candidate types, and comes back.
    browser_context.set_offline(True)
    packet.fill("Repro: POST /oauth/token returns 401 invalid_client since 09:20 UTC. Workaround: none.")
    packet.blur()
    expect()(status).to_have_text("Offline — will retry")
    browser_context.set_offline(False)
    expect()(status).to_have_text(re.compile(r"^Saved at"), timeout=15_000)
    expect()(banner).to_be_hidden()

    page.reload()
    page.wait_for_selector("#app[data-ready='true']")
    expect()(packet).to_have_value(
        "Repro: POST /oauth/token returns 401 invalid_client since 09:20 UTC. Workaround: none."
    )
    # Only the attempt in progress: the demo's scored attempts have answers of their own.
    versions = sorted(
        Response.objects.filter(item__attempt__status="in_progress").values_list("version", flat=True)
    )
    assert versions == [2]  # two saves, each applied once: the lost one, then the offline one
