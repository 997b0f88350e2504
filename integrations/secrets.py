"""Keys and signing secrets derived from a stored random seed and the server's SECRET_KEY.

The database keeps the seed and, for API keys, the SHA-256 hash of the key: a copy of the database
alone holds nothing that authenticates as the organisation or forges a webhook signature. The server
can derive the key again when it must present it (the completion PATCH to an ATS authenticates with
the same key the ATS calls us with), as invitation links are (simulator.services.invitation_link_token).
Changing SECRET_KEY therefore retires every key and webhook secret: create new ones.
"""

import base64
import hashlib
import hmac
import secrets as random_source

from django.conf import settings

API_KEY_PREFIX = "sim_"


def new_seed() -> str:
    return random_source.token_urlsafe(24)


def _derive(purpose: bytes, seed: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), purpose + b"|" + seed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def api_key_for(seed: str) -> str:
    """The partner API key of a seed: `sim_` and 43 URL-safe characters (Greenhouse takes < 171)."""
    return API_KEY_PREFIX + _derive(b"partner-api-key", seed)


def webhook_secret_for(seed: str) -> str:
    return "whsec_" + _derive(b"webhook-secret", seed)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
