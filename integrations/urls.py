"""The integrations' HTTP surface: the partner API an ATS calls, the LTI tool's public keys, and the
leads' settings page (under /staff/)."""

from django.urls import path

from integrations import api, views

urlpatterns = [
    path("greenhouse/list_tests", api.ListTestsApi.as_view(), name="greenhouse-list-tests"),
    path("greenhouse/send_test", api.SendTestApi.as_view(), name="greenhouse-send-test"),
    path("greenhouse/test_status", api.TestStatusApi.as_view(), name="greenhouse-test-status"),
    path("greenhouse/response_error", api.ResponseErrorApi.as_view(), name="greenhouse-response-error"),
    path("lti/jwks.json", views.lti_jwks, name="lti-jwks"),
]

staff_urlpatterns = [
    path("settings/integrations/", views.settings_page, name="staff-integrations"),
    path(
        "settings/integrations/keys/<int:key_id>/revoke/",
        views.api_key_revoke,
        name="staff-integrations-key-revoke",
    ),
    path(
        "settings/integrations/webhooks/<int:endpoint_id>/disable/",
        views.webhook_disable,
        name="staff-integrations-webhook-disable",
    ),
]
