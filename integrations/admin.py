"""The integrations' records for operators, read-only (they change through integrations/services.py).
No page shows a key, a key's hash, a seed or an LRS secret."""

from django.contrib import admin

from integrations.models import (
    Delivery,
    LearningRecordTarget,
    PartnerApiKey,
    PartnerInterview,
    WebhookEndpoint,
)
from scenarios.admin import ReadOnlyAdmin


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "organisation", "created_at", "last_used_at", "revoked_at")
    list_filter = ("organisation",)
    list_select_related = ("organisation",)
    fields = (
        "organisation",
        "name",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )


@admin.register(PartnerInterview)
class PartnerInterviewAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "organisation", "attempt", "created_at")
    list_select_related = ("organisation", "attempt")
    fields = ("public_id", "organisation", "api_key", "attempt", "callback_url", "candidate", "created_at")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "organisation", "active", "created_at")
    list_filter = ("active",)
    list_select_related = ("organisation",)
    fields = ("organisation", "url", "events", "active", "created_by", "created_at")


@admin.register(LearningRecordTarget)
class LearningRecordTargetAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "kind", "endpoint", "active", "updated_at")
    list_select_related = ("organisation",)
    fields = (
        "organisation",
        "kind",
        "endpoint",
        "username",
        "token_url",
        "client_id",
        "active",
        "updated_by",
        "updated_at",
    )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "organisation",
        "kind",
        "event",
        "url",
        "status",
        "tries",
        "last_status_code",
    )
    list_filter = ("kind", "status")
    list_select_related = ("organisation",)
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body")
