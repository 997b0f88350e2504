"""The notification settings page and the login page's single sign-on, in a browser: axe-core
(WCAG 2.1 A and AA), a lead saving from the keyboard, and the login page of an organisation that
turned passwords off."""

import pytest
from django.contrib.auth import get_user_model

from simulator import services
from simulator.models import NotificationSettings, SingleSignOn
from tests.browser.test_accessibility import describe, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lead(live_server):
    organisation = services.organisation_create(name="Acme Support", slug="acme")
    user = get_user_model().objects.create_user(username="lena", password="lead-password-123")
    services.member_add(organisation=organisation, user=user, role="lead")
    return user


def _log_in(page, live_server):
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("User name").fill("lena")
    page.get_by_label("Password").fill("lead-password-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/staff/attempts/")


def test_a_lead_switches_notifications_off_from_the_keyboard(page, live_server, lead, shot):
    _log_in(page, live_server)
    page.get_by_role("link", name="Settings").click()
    page.wait_for_url("**/staff/settings/notifications/")
    found = violations(page)
    shot(page, "staff-settings-notifications")

    page.get_by_label("Daily review-queue digest").focus()
    page.keyboard.press("Space")
    page.get_by_label("Send the reminder this many hours before the link expires").fill("500")
    page.get_by_role("button", name="Save").click()
    page.locator(".field-error").wait_for()
    found += violations(page)
    shot(page, "staff-settings-notifications-error")

    page.get_by_label("Send the reminder this many hours before the link expires").fill("36")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Notification settings saved.").wait_for()
    saved = NotificationSettings.objects.get(organisation=lead.membership.organisation)
    assert (saved.review_digest, saved.reminder_hours_before, saved.invitation_emails) == (False, 36, True)
    assert not found, describe(found)


def test_the_login_page_offers_only_sso_when_passwords_are_off(page, live_server, lead, shot):
    page.goto(f"{live_server.url}/staff/login/")
    found = violations(page)
    shot(page, "staff-login-with-sso")
    assert page.get_by_role("button", name="Sign in with SSO").is_visible()

    SingleSignOn.objects.create(
        organisation=lead.membership.organisation, issuer="https://idp.example", client_id="simulator",
        authorization_endpoint="https://idp.example/authorize", token_endpoint="https://idp.example/token",
        jwks_endpoint="https://idp.example/jwks", reviewer_groups="support", disable_local_passwords=True,
    )  # fmt: skip
    page.goto(f"{live_server.url}/staff/login/?organisation=acme")
    found += violations(page)
    shot(page, "staff-login-sso-only")
    assert page.get_by_label("Password").count() == 0
    assert page.get_by_label("Organisation").input_value() == "acme"

    page.get_by_label("Organisation").fill("nowhere")
    page.get_by_role("button", name="Sign in with SSO").click()
    page.get_by_role("alert").wait_for()
    found += violations(page)
    shot(page, "staff-sso-refused")
    assert "no single sign-on" in page.get_by_role("alert").inner_text()
    assert not found, describe(found)


def test_a_lead_copies_a_new_api_key_with_the_copy_button(page, live_server, lead, shot):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/staff/settings/integrations/")
    page.get_by_label("Name").first.fill("Greenhouse")
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#shown-once-value").text_content()
    found = violations(page)

    page.get_by_role("button", name="Copy the API key “Greenhouse”").click()
    page.get_by_role("status").filter(has_text="Copied").wait_for()
    shot(page, "staff-integrations-key-copied")
    assert key.startswith("sim_") and page.evaluate("navigator.clipboard.readText()") == key
    assert not found, describe(found)


def test_a_lead_adds_a_self_identification_question_and_fixes_a_mistake(page, live_server, lead, shot):
    from fairness.selectors import questions_for

    _log_in(page, live_server)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Self-identification questions").click()
    page.wait_for_url("**/staff/settings/self-identification/")
    found = violations(page)
    shot(page, "staff-settings-self-identification")

    new = page.locator("fieldset", has_text="New question")
    new.get_by_label("Label in reports").fill("Caring responsibilities")
    new.get_by_label("Question the candidate reads").fill("Do you look after someone who needs care?")
    new.get_by_label("Options, one per line").fill("Yes")
    page.get_by_role("button", name="Save questions").click()
    page.get_by_text("Question 5: give 2 to 12 options").wait_for()
    found += violations(page)
    shot(page, "staff-settings-self-identification-error")

    page.locator("fieldset", has_text="New question").get_by_label("Options, one per line").fill("Yes\nNo")
    page.get_by_role("button", name="Save questions").click()
    page.get_by_text("Questions saved.").wait_for()
    keys = [q["key"] for q in questions_for(organisation_id=lead.membership.organisation_id)]
    assert keys == ["gender", "age", "ethnicity", "disability", "caring_responsibilities"]
    assert not found, describe(found)
