"""The customer update's next-update time: picked in UTC, saved as ISO 8601, shown again on reload."""

import re
from datetime import datetime, timedelta

import pytest

from tests.browser.conftest import start_exercise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_next_update_time_is_picked_in_utc_and_saved_as_iso_8601(page, invitations):
    from playwright.sync_api import expect

    from simulator.models import Response

    start_exercise(page, invitations["Customer communication"])
    picker = page.locator('.pane:not([hidden]) [data-field="next_update_at"]')
    assert picker.get_attribute("type") == "datetime-local"
    now = datetime.fromisoformat(picker.get_attribute("min"))
    chosen = (now + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")

    picker.fill(chosen)
    picker.blur()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved at"))

    # The demo's scored attempts have answers too: read the one this browser is taking.
    saved = Response.objects.get(
        item__kind="customer_comms", item__attempt__status="in_progress", version__gt=0
    ).answer
    assert saved["next_update_at"] == f"{chosen}:00Z"
    page.reload()
    page.wait_for_selector("#app[data-ready='true']")
    expect(page.locator('.pane:not([hidden]) [data-field="next_update_at"]')).to_have_value(chosen)
