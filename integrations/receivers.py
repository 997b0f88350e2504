"""The one listener of domain events: it turns each event into deliveries and queues them."""

from django.db import transaction

from integrations import services


def on_domain_event(sender, *, event, organisation_id, attempt_id, occurred_at, **kwargs):
    from integrations.tasks import deliver

    for delivery in services.deliveries_for_event(
        event=event, organisation_id=organisation_id, attempt_id=attempt_id, occurred_at=occurred_at
    ):
        transaction.on_commit(lambda delivery_id=delivery.pk: deliver.delay(delivery_id), robust=True)
