"""Reads for the integrations settings page: everything scoped to one organisation."""

from integrations.models import Delivery, LearningRecordTarget, PartnerApiKey, WebhookEndpoint

LOG_PAGE_SIZE = 50


def api_keys_of(*, organisation_id: int):
    return PartnerApiKey.objects.filter(organisation_id=organisation_id).select_related("created_by")


def webhook_endpoints_of(*, organisation_id: int):
    return WebhookEndpoint.objects.filter(organisation_id=organisation_id)


def learning_record_target_of(*, organisation_id: int) -> LearningRecordTarget | None:
    return LearningRecordTarget.objects.filter(organisation_id=organisation_id).first()


def deliveries_of(*, organisation_id: int, kind: str = "", status: str = ""):
    rows = Delivery.objects.filter(organisation_id=organisation_id).select_related("attempt").defer("body")
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")
