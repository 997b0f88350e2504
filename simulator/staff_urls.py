"""The staff pages of the delivery side: login, attempts, invitations, participants."""

from django.urls import path

from simulator import sso, staff_audit, staff_privacy, staff_views

urlpatterns = [
    path("", staff_views.home, name="staff-home"),
    path("login/", staff_views.StaffLoginView.as_view(), name="staff-login"),
    path("logout/", staff_views.StaffLogoutView.as_view(), name="staff-logout"),
    path("sso/", staff_views.sso_choose, name="staff-sso"),
    path("sso/callback/", sso.SsoCallbackView.as_view(), name="staff-sso-callback"),
    path("sso/<slug:slug>/", sso.SsoStartView.as_view(), name="staff-sso-start"),
    path("attempts/", staff_views.attempts, name="staff-attempts"),
    path("queue/", staff_views.queue, name="staff-queue"),
    path("invitations/", staff_views.invitations, name="staff-invitations"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        staff_views.invitation_revoke,
        name="staff-invitation-revoke",
    ),
    path(
        "invitations/<int:invitation_id>/resend/",
        staff_views.invitation_resend,
        name="staff-invitation-resend",
    ),
    path("participants/<int:participant_id>/", staff_views.participant, name="staff-participant"),
    path("settings/notifications/", staff_views.notification_settings, name="staff-settings-notifications"),
    path(
        "participants/<int:participant_id>/erase/",
        staff_privacy.participant_erase_view,
        name="staff-participant-erase",
    ),
    path("audit/", staff_audit.audit_log, name="staff-audit"),
    path("audit/export.csv", staff_audit.audit_export, name="staff-audit-csv"),
]
