"""/staff/settings/notifications/: a lead switches the organisation's e-mails; nobody else sees it."""

import pytest
from django.urls import reverse

from simulator import notifications
from simulator.models import AuditEntry, NotificationSettings

pytestmark = pytest.mark.django_db

URL = "/staff/settings/notifications/"


def test_the_url_is_the_settings_page():
    assert reverse("staff-settings-notifications") == URL


def test_a_lead_sees_everything_on_by_default_and_switches_some_off(client, lead, organisation):
    client.force_login(lead)
    page = client.get(URL).content.decode()
    assert '<input type="checkbox" name="review_digest"' in page and "checked" in page
    assert (
        '<input type="checkbox" name="appeal_answered_emails" aria-describedby="id_appeal_answered_emails_helptext" id="id_appeal_answered_emails" checked>'
        in page
    )
    assert 'name="reminder_hours_before" value="24"' in page
    assert 'href="/staff/settings/notifications/" aria-current="page"' in page

    response = client.post(
        URL, {"invitation_emails": "on", "invitation_reminders": "on", "reminder_hours_before": "48"}
    )

    assert response.status_code == 302
    saved = NotificationSettings.objects.get(organisation=organisation)
    assert (saved.invitation_emails, saved.invitation_reminders, saved.reminder_hours_before) == (
        True,
        True,
        48,
    )
    assert (saved.feedback_ready_emails, saved.appeal_answered_emails, saved.review_digest) == (
        False,
        False,
        False,
    )
    entry = AuditEntry.objects.get(action="notifications.updated")
    assert entry.before["review_digest"] is True and entry.after["review_digest"] is False
    assert "Notification settings saved." in client.get(URL).content.decode()


@pytest.mark.parametrize("hours", ["0", "169", "soon", ""])
def test_a_lead_time_out_of_range_is_refused_with_a_message(client, lead, organisation, hours):
    client.force_login(lead)
    response = client.post(URL, {"review_digest": "on", "reminder_hours_before": hours})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not NotificationSettings.objects.exists()


def test_a_reviewer_gets_404_and_an_anonymous_visitor_the_login_page(client, reviewer):
    assert client.get(URL)["Location"].startswith("/staff/login/")
    client.force_login(reviewer)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"reminder_hours_before": "2"}).status_code == 404
    assert "/staff/settings/notifications/" not in client.get(reverse("staff-invitations")).content.decode()


def test_a_lead_changes_only_their_own_organisation(client, lead, organisation, outsiders):
    client.force_login(lead)
    client.post(URL, {"reminder_hours_before": "5"})
    assert notifications.settings_for(organisation.pk).review_digest is False
    other, _ = outsiders
    assert notifications.settings_for(other.pk).review_digest is True


def test_the_service_refuses_a_reviewer(reviewer, organisation):
    with pytest.raises(notifications.DomainError, match="only a lead"):
        notifications.notification_settings_update(
            organisation=organisation, updated_by=reviewer, invitation_emails=False, invitation_reminders=False,
            reminder_hours_before=5, feedback_ready_emails=False, review_digest=False,
        )  # fmt: skip


def test_the_page_runs_a_fixed_number_of_queries(client, lead, django_assert_num_queries):
    client.force_login(lead)
    client.get(URL)
    with django_assert_num_queries(5):  # session, user, membership, settings, organisation
        assert client.get(URL).status_code == 200


def test_with_invitation_e_mails_off_the_invitations_page_says_why_nothing_was_sent(
    client, lead, organisation, review_exercise
):
    from django.core import mail

    notifications.notification_settings_update(
        organisation=organisation, updated_by=lead, invitation_emails=False, invitation_reminders=True,
        reminder_hours_before=24, feedback_ready_emails=True, review_digest=True,
    )  # fmt: skip
    client.force_login(lead)
    response = client.post(
        reverse("staff-invitations"),
        {"mode": "one", "one-participant_name": "Dana Doe", "one-participant_email": "dana@example.com",
         "one-exercise": review_exercise.pk, "one-expires_in_days": 7, "one-send_email": "on"},
        follow=True,
    )  # fmt: skip
    assert "Not sent to dana@example.com: invitation e-mails are switched off" in response.content.decode()
    assert mail.outbox == []


def test_the_invitation_e_mail_links_to_the_configured_site(client, lead, review_exercise, settings):
    from django.core import mail

    settings.SITE_URL = "https://sim.acme.example"
    client.force_login(lead)
    client.post(
        reverse("staff-invitations"),
        {"mode": "one", "one-participant_name": "Dana Doe", "one-participant_email": "dana@example.com",
         "one-exercise": review_exercise.pk, "one-expires_in_days": 7, "one-send_email": "on"},
    )  # fmt: skip
    assert "https://sim.acme.example/take/" in mail.outbox[0].body
    assert "testserver" not in mail.outbox[0].body


def test_check_deploy_warns_about_a_site_url_that_is_not_the_sites_https_address(settings):
    from simulator.checks import site_url_check

    settings.ALLOWED_HOSTS = ["simulator.example.com"]
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert [w.id for w in site_url_check()] == ["simulator.W001"]
    settings.SITE_URL = "https://elsewhere.example"
    assert [w.id for w in site_url_check()] == ["simulator.W001"]
    settings.SITE_URL = "https://simulator.example.com"
    assert site_url_check() == []
