"""The demo organisation's partner API key for `seed_demo`, so the partner API can be tried at once."""

from integrations import services
from integrations.models import PartnerApiKey
from integrations.secrets import api_key_for, key_hash

DEMO_KEY_NAME = "Demo ATS"


def demo_partner_api_key(*, organisation, lead) -> str:
    """The same key on every run while SECRET_KEY stays (it is derived again from its stored seed);
    a new one if it was revoked or can no longer be derived."""
    row = PartnerApiKey.objects.filter(
        organisation=organisation, name=DEMO_KEY_NAME, revoked_at__isnull=True
    ).first()
    if row is not None:
        key = api_key_for(row.seed)
        if key_hash(key) == row.key_hash:
            return key
    return services.api_key_create(organisation=organisation, name=DEMO_KEY_NAME, created_by=lead)[1]
