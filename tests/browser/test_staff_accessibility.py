"""Accessibility of the staff pages of the delivery side: axe-core (WCAG 2.1 A and AA) on the login
page, the attempts list, a reviewer's queue, the invitations page, a participant's history and the
audit log, each reached by logging in through the real login page; and the keyboard paths they promise."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from simulator import services
from simulator.models import Attempt, AttemptStatus
from tests.browser.test_accessibility import describe, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMS_UPDATES = [
    "We are investigating elevated errors on the Orders API that started at 09:40 UTC. Some requests fail "
    "with 502s; retrying after a short wait is safe. We will post the next update by 10:30 UTC.",
    "We know about the problem and are looking into it.",
    "Errors on the API since 09:40 UTC. Engineers are on it; next update at 10:30 UTC.",
]
PEOPLE = [
    ("Ada Lovelace", "ada@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Alan Turing", "alan@example.com"),
    ("Katherine Johnson", "katherine@example.com"),
]


@pytest.fixture
def staff_demo(live_server):
    """The demo organisation with a blind-reviewed hiring exercise: scored attempts, one reviewed by
    the reviewer, one in progress, and open invitations."""
    from django.core.management import call_command

    from scoring import services as scoring_services

    call_command("seed_demo", "--base-url", live_server.url, verbosity=0)
    users = get_user_model().objects
    lead, reviewer = users.get(username="lead"), users.get(username="reviewer")
    organisation = lead.membership.organisation
    panel = services.panel_create(organisation=organisation, name="Support hiring", reviewers=[reviewer])
    exercise = services.exercise_create(
        organisation=organisation, slug="staff-review-drill", title="Review drill", purpose="hiring",
        time_limit_minutes=30, base_seed=7070, panel=panel,
        items=[
            {"kind": "triage_queue", "archetypes": [], "difficulty": "medium"},
            {"kind": "customer_comms", "archetypes": [], "difficulty": "medium"},
        ],
    )  # fmt: skip
    attempts = []
    for index, (name, email) in enumerate(PEOPLE):
        _, token = services.invitation_create(
            exercise=exercise, participant_name=name, participant_email=email, created_by=lead
        )
        attempt, _, _ = services.attempt_start(invitation_token=token)
        if index == len(PEOPLE) - 1:
            continue  # still in progress
        for item in attempt.items.order_by("position"):
            answer = (
                {"update": COMMS_UPDATES[index % len(COMMS_UPDATES)]}
                if item.kind == "customer_comms"
                else {"notes": "Worked by severity."}
            )
            services.response_save(attempt=attempt, item=item, base_version=0, answer=answer)
        services.attempt_submit(attempt=attempt, submitted_by="participant")
        attempt.refresh_from_db()
        if attempt.status == AttemptStatus.SUBMITTED:
            scoring_services.attempt_score(attempt_id=attempt.pk)
        attempts.append(Attempt.objects.get(pk=attempt.pk))
    for attempt in attempts:
        if not attempt.review_assignments.filter(reviewer=reviewer).exists():
            scoring_services.review_assign(attempt=attempt, reviewer=reviewer, assigned_by=lead)
    reviewed = attempts[0]
    dimensions = list(reviewed.scorecard.auto_scores)
    scoring_services.review_submit(
        attempt=reviewed, reviewer=reviewer, scores=dict.fromkeys(dimensions, 4), notes="Clear and calm."
    )
    services.invitation_create(
        exercise=exercise, participant_name="Edsger Dijkstra", participant_email="edsger@example.com",
        created_by=lead,
    )  # fmt: skip
    return {"exercise": exercise, "attempts": attempts, "lead": lead, "reviewer": reviewer}


def log_in(page, live_server, username: str, password: str):
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/staff/attempts/")


def test_the_login_page_and_the_leads_pages_have_no_wcag_violations(page, live_server, staff_demo, shot):
    page.goto(f"{live_server.url}/staff/attempts/")
    page.wait_for_url("**/staff/login/**")
    found = violations(page)
    shot(page, "staff-login")

    log_in(page, live_server, "lead", "lead-demo-password")
    found += violations(page)
    shot(page, "staff-attempts-lead")

    page.goto(f"{live_server.url}/staff/invitations/")
    found += violations(page)
    shot(page, "staff-invitations")
    page.locator("summary", has_text="Invite many at once").click()
    page.get_by_label("Names and e-mails").fill("Barbara Liskov, barbara@example.com\nNo Email, not-an-email")
    page.locator("#id_many-exercise").select_option(label="Review drill")
    page.get_by_role("button", name="Create invitations").click()
    page.get_by_role("alert").wait_for()
    found += violations(page)
    shot(page, "staff-invitations-bulk-error")

    ada = staff_demo["attempts"][0].participant_id
    page.goto(f"{live_server.url}/staff/participants/{ada}/")
    found += violations(page)
    shot(page, "staff-participant")

    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/staff/audit/")
    found += violations(page)
    shot(page, "staff-audit", full_page=True)
    page.get_by_label("Action").select_option("review.submitted")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**action=review.submitted**")
    actions = page.locator("tbody td:nth-child(3)").all_inner_texts()
    assert actions and set(actions) == {"review.submitted"}
    found += violations(page)
    assert not found, describe(found)


def test_a_reviewers_pages_have_no_wcag_violations_and_show_blinded_participants_by_code(
    page, live_server, staff_demo, shot
):
    log_in(page, live_server, "reviewer", "reviewer-demo-password")
    found = violations(page)
    shot(page, "staff-attempts-reviewer")
    body = page.locator("main").inner_text()
    assert "Ada Lovelace" in body  # reviewed: no longer blind
    assert "Grace Hopper" not in body and "Alan Turing" not in body

    page.get_by_role("link", name="My queue").click()
    page.wait_for_url("**/staff/queue/")
    found += violations(page)
    shot(page, "staff-queue")
    assert not found, describe(found)


def test_sorting_works_from_the_keyboard_and_says_which_way_it_sorts(page, live_server, staff_demo):
    log_in(page, live_server, "lead", "lead-demo-password")
    participant_header = page.get_by_role("columnheader", name="Participant")
    assert participant_header.get_attribute("aria-sort") is None

    participant_header.get_by_role("link").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=participant**")
    assert page.get_by_role("columnheader", name="Participant").get_attribute("aria-sort") == "ascending"
    names = page.locator("tbody td:first-child .cell-main").all_inner_texts()
    assert names == sorted(names)

    page.get_by_role("columnheader", name="Participant").get_by_role("link").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=-participant**")
    assert page.get_by_role("columnheader", name="Participant").get_attribute("aria-sort") == "descending"


def test_copy_link_puts_the_invitation_link_on_the_clipboard(page, browser_context, live_server, staff_demo):
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in(page, live_server, "lead", "lead-demo-password")
    page.goto(f"{live_server.url}/staff/invitations/?status=not_sent")
    button = page.get_by_role("button", name="Copy link of Edsger Dijkstra")
    link = button.get_attribute("data-copy")
    button.click()
    page.get_by_text("Link copied to the clipboard").wait_for(state="attached")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert "/take/" in link


def test_the_integrations_page_has_no_wcag_violations_and_shows_a_new_key_once(page, live_server, shot):
    from django.core.management import call_command
    from django.utils import timezone

    from integrations import services as integration_services
    from integrations.models import Delivery

    call_command("seed_demo", "--base-url", live_server.url, "--no-scored-attempts", verbosity=0)
    lead = get_user_model().objects.get(username="lead")
    organisation = lead.membership.organisation
    integration_services.webhook_endpoint_create(
        organisation=organisation, url="https://hooks.example.com/simulator",
        event_types=["attempt.scored", "attempt.finalized"], created_by=lead,
    )  # fmt: skip
    for status, tries, code, error in [
        ("succeeded", 1, 200, ""),
        ("failed", 6, 500, "HTTP 500: upstream down"),
    ]:
        Delivery.objects.create(
            organisation=organisation, kind="webhook", event="attempt.scored", event_id=f"evt_{status}",
            url="https://hooks.example.com/simulator", status=status, tries=tries, last_status_code=code,
            last_error=error, created_at=timezone.now(),
        )  # fmt: skip

    log_in(page, live_server, "lead", "lead-demo-password")
    page.get_by_role("link", name="Integrations").click()
    page.wait_for_url("**/staff/settings/integrations/")
    found = violations(page)
    shot(page, "staff-integrations", full_page=True)

    page.get_by_label("Name").fill("Greenhouse")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("it is shown this once")).to_be_visible()
    key = page.locator("#shown-once-value").inner_text()
    assert key.startswith("sim_")
    found += violations(page)
    shot(page, "staff-integrations-new-key")

    page.get_by_label("Endpoint URL").fill("ftp://hooks.example.com/x")
    page.get_by_role("button", name="Add endpoint").click()
    page.get_by_role("alert").wait_for()
    found += violations(page)
    page.reload()
    assert key not in page.content()
    assert not found, describe(found)
