"""Webhook signatures: how each request is signed, and the function a receiver verifies it with.

Every webhook carries the header

    Simulator-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the endpoint's secret>

A receiver recomputes the HMAC over the timestamp, a dot and the raw request body (bytes as
received, before any JSON parsing), compares it in constant time, and refuses a timestamp more than
TOLERANCE_SECONDS away from its own clock: a captured request replayed later fails, and so does one
whose body or timestamp was changed. Several v1 values may appear while a secret is being rotated;
any one matching is enough. This module has no Django dependency: copy it into a receiver as is.
"""

import hashlib
import hmac
import time

HEADER = "Simulator-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The request is not signed by the holder of the secret, or it is too old or too new."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    payload = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str, body: bytes, header: str, *, tolerance: int = TOLERANCE_SECONDS, now: float | None = None
) -> int:
    """Check a request's signature header; returns its timestamp, or raises SignatureError."""
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("the signature header needs t=<timestamp> and at least one v1=<signature>")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError(
            f"the timestamp is more than {tolerance} seconds from now: a replay or a wrong clock"
        )
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("no signature matches this body and timestamp")
    return timestamp
