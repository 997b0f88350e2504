"""LTI 1.3 (LTI Advantage) as a tool that posts scores: the OAuth 2 client-credentials grant with a
JWT client assertion signed by the tool's RSA key (RS256), and the tool's public key as a JWKS for the
platform to verify it. The private key comes from LTI_TOOL_PRIVATE_KEY (PEM); without it LTI
delivery is refused with a message saying so."""

import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from jwt.algorithms import RSAAlgorithm

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class LtiNotConfigured(Exception):
    pass


def _private_key():
    pem = getattr(settings, "LTI_TOOL_PRIVATE_KEY", "")
    if not pem:
        raise LtiNotConfigured(
            "LTI_TOOL_PRIVATE_KEY is not set: the tool has no key to sign its token request"
        )
    return serialization.load_pem_private_key(pem.encode(), password=None)


def key_id() -> str:
    public = (
        _private_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return str(uuid.uuid5(uuid.NAMESPACE_OID, public.hex()))


def jwks() -> dict:
    """The tool's public key set, served at /integrations/lti/jwks.json."""
    try:
        key = _private_key()
    except LtiNotConfigured:
        return {"keys": []}
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": key_id(), "alg": "RS256", "use": "sig"})
    return {"keys": [jwk]}


def client_assertion(*, client_id: str, token_url: str, now: float | None = None) -> str:
    now = time.time() if now is None else now
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": int(now),
        "exp": int(now) + 300,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _private_key(), algorithm="RS256", headers={"kid": key_id()})


def token_request_body(*, client_id: str, token_url: str) -> dict:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(client_id=client_id, token_url=token_url),
        "scope": SCORE_SCOPE,
    }


def scores_url(lineitem_url: str) -> str:
    """The line item's scores endpoint: `/scores` appended to its path, its query string kept."""
    base, _, query = lineitem_url.partition("?")
    return base.rstrip("/") + "/scores" + (f"?{query}" if query else "")
