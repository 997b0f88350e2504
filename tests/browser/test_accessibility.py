"""Accessibility: axe-core (WCAG 2.1 A and AA rules) on every page a candidate sees."""

import pytest

from tests.browser.conftest import start_exercise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page, options=WCAG).response["violations"]


def describe(found: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s), e.g. {v['nodes'][0]['target']}: "
        + " ".join(v["nodes"][0].get("failureSummary", "").split())
        for v in found
    )


@pytest.mark.parametrize(
    "exercise",
    ["Ticket triage", "Debugging with logs and API traces", "Escalation write-up", "Customer communication",
     "Incident drill", "Postmortem drill"],
)  # fmt: skip
def test_the_start_page_and_the_workspace_have_no_wcag_violations(page, invitations, exercise):
    page.goto(invitations[exercise])
    found = violations(page)
    start_exercise(page, invitations[exercise])
    found += violations(page)
    assert not found, describe(found)


def test_every_tab_of_the_log_explorer_and_the_dialogs_have_no_wcag_violations(page, invitations):
    import re

    start_exercise(page, invitations["Debugging with logs and API traces"])
    found = []
    for tab in ("^Logs", "^Traces", "^HTTP", "^Dashboard"):
        page.get_by_role("tab", name=re.compile(tab)).click()
        page.wait_for_timeout(300)  # the tab's content (a chart, a page of logs) settles
        found += violations(page)
    page.keyboard.press("?")
    page.locator("#help-dialog").wait_for(state="visible")
    found += violations(page)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Submit…").click()
    page.locator("#submit-dialog").wait_for(state="visible")
    found += violations(page)
    assert not found, describe(found)


def test_a_trainees_scores_and_worked_answer_have_no_wcag_violations(page, invitations):
    start_exercise(page, invitations["Postmortem drill"])
    page.get_by_role("button", name="Submit…").click()
    page.locator("#submit-dialog").get_by_role("button", name="Submit now").click()
    page.locator('[data-feedback-state="scored"]').wait_for(state="visible", timeout=20_000)

    found = violations(page)
    assert not found, describe(found)


def test_the_optional_questions_after_a_hiring_exercise_have_no_wcag_violations(page, invitations, shot):
    from fairness.models import SelfIdentification

    start_exercise(page, invitations["Customer communication"])
    page.get_by_role("button", name="Submit…").click()
    page.locator("#submit-dialog").get_by_role("button", name="Submit now").click()
    page.locator("[data-testid='about-you-offer']").wait_for()
    found = violations(page)
    page.get_by_role("link", name="Answer or decline the questions").click()
    page.locator("[data-testid='self-identification']").wait_for()
    found += violations(page)
    shot(page, "self-identification-form", full_page=True)

    page.get_by_role("group", name="How do you describe your gender?").get_by_label("Non-binary").check()
    page.get_by_role("group", name="How old are you?").get_by_label("40 to 54").check()
    page.get_by_role("button", name="Save my answers").click()
    page.get_by_role("status").filter(has_text="Your answers are saved").wait_for()
    found += violations(page)
    shot(page, "self-identification-saved")

    record = SelfIdentification.objects.get()
    assert record.answers["gender"] == "non_binary" and record.answers["age"] == "40_54"
    assert record.answers["ethnicity"] == "prefer_not_to_say"
    page.get_by_role("button", name="Withdraw my answers").click()
    page.get_by_role("status").filter(has_text="Your answers are deleted").wait_for()
    assert not SelfIdentification.objects.exists()
    assert not found, describe(found)
