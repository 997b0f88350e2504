"""In a real browser, with axe-core (WCAG 2.1 A and AA): the candidate's optional questions, a
request for a second look and its outcome, the appeal on a reviewer's page and the lead's
adverse-impact report."""

import pytest

from fairness import services as fairness_services
from scoring import appeals
from scoring.models import Appeal, AppealStatus
from simulator import services
from simulator.models import Attempt
from tests.browser.conftest import start_exercise
from tests.browser.test_accessibility import describe, violations
from tests.browser.test_staff_accessibility import log_in, staff_demo  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page):
    page.get_by_role("button", name="Submit…").click()
    page.locator("#submit-dialog").get_by_role("button", name="Submit now").click()
    page.locator("[data-testid='submitted']").wait_for()


def test_a_trainee_asks_for_a_second_look_and_reads_the_outcome(page, invitations, shot):
    from django.contrib.auth import get_user_model

    start_exercise(page, invitations["Postmortem drill"])
    submit(page)
    page.locator('[data-feedback-state="scored"]').wait_for(state="visible", timeout=20_000)
    form = page.locator("[data-testid='appeal']")
    form.scroll_into_view_if_needed()
    found = violations(page)
    form.get_by_label("Dimension").select_option(value="collaboration")
    form.get_by_label("Why should it be looked at again?").fill(
        "My timeline names who did what at each step; the collaboration checks missed it."
    )
    shot(page, "appeal-form", clip=form.bounding_box())
    form.get_by_role("button", name="Ask for a second look").click()
    page.locator("[data-appeal-status='open']").wait_for()
    found += violations(page)

    appeal = Appeal.objects.get()
    lead = get_user_model().objects.get(username="lead")
    appeals.appeal_resolve(
        appeal=appeal, outcome="upheld", resolver=lead,
        note="The postmortem names owners for two actions of five; the score stands.",
    )  # fmt: skip
    page.reload()
    outcome = page.locator("[data-appeal-status='upheld']")
    outcome.wait_for()
    outcome.scroll_into_view_if_needed()
    found += violations(page)
    shot(page, "appeal-outcome", clip=page.locator("[data-testid='appeal']").bounding_box())
    assert "the score stands" in page.locator("[data-testid='appeal']").inner_text()
    assert not found, describe(found)


def test_a_hiring_candidate_may_ask_where_the_exercise_allows_it_and_sees_no_score(page, invitations, shot):
    from django.contrib.auth import get_user_model

    lead = get_user_model().objects.get(username="lead")
    exercise = lead.membership.organisation.exercises.get(slug="customer-communication")
    services.exercise_set_appeals(exercise=exercise, allowed=True, set_by=lead)
    start_exercise(page, invitations["Customer communication"])
    submit(page)
    attempt = Attempt.objects.get(exercise=exercise)
    for _ in range(100):  # scoring runs in-process right after the submit
        attempt.refresh_from_db()
        if attempt.status == "scored":
            break
        page.wait_for_timeout(100)
    page.reload()
    form = page.locator("[data-testid='appeal']")
    form.get_by_label("Why should it be looked at again?").fill("I gave the next update time.")
    found = violations(page)
    shot(page, "appeal-form-hiring", full_page=True)
    form.get_by_role("button", name="Ask for a second look").click()
    page.locator("[data-appeal-status='open']").wait_for()
    found += violations(page)
    text = page.locator("main").inner_text()
    assert "/5" not in text and "is now" not in text
    assert Appeal.objects.get().status == AppealStatus.OPEN
    assert not found, describe(found)


def test_the_lead_answers_an_appeal_and_reads_the_adverse_impact_report(
    page,
    live_server,
    staff_demo,  # noqa: F811 (the fixture imported above)
    settings,
    shot,
):
    settings.FAIRNESS_MIN_GROUP_SIZE = 1
    exercise, lead = staff_demo["exercise"], staff_demo["lead"]
    for attempt, gender in zip(staff_demo["attempts"], ["woman", "man", "man"], strict=True):
        fairness_services.self_identification_record(
            participant=attempt.participant, answers={"gender": gender}
        )
    services.exercise_set_appeals(exercise=exercise, allowed=True, set_by=lead)
    appealed = staff_demo["attempts"][1]
    appeals.appeal_request(attempt=appealed, dimension="communication", reason="My update gave the time.")

    log_in(page, live_server, "lead", "lead-demo-password")
    page.get_by_role("link", name="My queue").click()
    page.locator("[data-testid='queue-appeals']").wait_for()
    found = violations(page)
    shot(page, "staff-queue-appeal")
    page.get_by_role("link", name="Answer the appeal").click()
    card = page.locator("#appeal")
    card.wait_for()
    found += violations(page)
    card.get_by_label("The score stands (upheld)").check()
    card.get_by_label("Note to the participant").fill("The update gives no time for the next one.")
    shot(page, "staff-appeal-card", clip=card.bounding_box())
    card.get_by_role("button", name="Record the outcome").click()
    page.locator("#appeal[data-appeal='upheld']").wait_for()
    found += violations(page)
    assert Appeal.objects.get().status == AppealStatus.UPHELD

    page.goto(f"{live_server.url}/staff/exercises/")
    page.get_by_role("link", name="Adverse impact of Review drill").click()
    page.get_by_role("heading", name="Adverse impact", exact=True).wait_for()
    found += violations(page)
    shot(page, "adverse-impact", full_page=True)
    rows = page.get_by_role("table").first.locator("tbody th")
    assert [name.split()[0].lower() for name in rows.all_inner_texts()] == ["woman", "man"]
    assert not found, describe(found)
