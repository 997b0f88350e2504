"""Outbound HTTP for every integration: one place that checks where a request may go and sends it.

SSRF guard: only http(s) URLs; unless INTEGRATIONS_ALLOW_PRIVATE_TARGETS is on (the default on a
laptop, DJANGO_DEBUG=true, and in tests), a host that resolves to a loopback, private, link-local,
reserved or multicast address is refused, both when an URL is configured and again before each
request. Redirects are not followed (a public URL cannot bounce a request inside the network).
Every request has a connect and a read timeout.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from urllib3.exceptions import NameResolutionError

from integrations.models import FailureReason
from simulator.errors import DomainError

USER_AGENT = "support-simulator-integrations/1.0"


class TargetRefused(DomainError):
    code = "target_refused"


def _allow_private() -> bool:
    return bool(getattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_TARGETS", False))


def check_target(url: str) -> None:
    """Refuse an URL an integration must not call; the message says why."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("only http:// and https:// URLs can be called")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if parts.username or parts.password:
        raise TargetRefused("put credentials in the settings, not in the URL")
    if _allow_private():
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError):
        raise TargetRefused(f"the host {parts.hostname} does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            raise TargetRefused(
                f"{parts.hostname} resolves to {address}, an internal address; only public hosts can be called"
            )


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int
    text: str = ""
    failure: str = ""  # a FailureReason value when the request failed

    @property
    def ok(self) -> bool:
        """A 2xx answer that the caller did not find unusable (a token answer without a token is a 200
        with a failure)."""
        return not self.failure and self.status_code is not None and 200 <= self.status_code < 300


def send(*, method: str, url: str, body: bytes = b"", headers: dict | None = None, auth=None) -> Outcome:
    """One request; a network or HTTP failure is reported, not raised. A target the guard refuses
    raises TargetRefused: trying again would not help."""
    check_target(url)
    started = time.monotonic()
    try:
        response = requests.request(
            method,
            url,
            data=body or None,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            auth=auth,
            timeout=(settings.INTEGRATIONS_CONNECT_TIMEOUT, settings.INTEGRATIONS_READ_TIMEOUT),
            allow_redirects=False,
        )
        error = "" if response.ok else f"HTTP {response.status_code}: {response.text[:200]}"
        reason = "" if response.ok else FailureReason.HTTP_STATUS
        return Outcome(response.status_code, error, _ms(started), response.text[:20_000], reason)
    except requests.RequestException as failure:
        return Outcome(
            None, f"{type(failure).__name__}: {failure}"[:500], _ms(started), "", failure_reason(failure)
        )


def failure_reason(failure: requests.RequestException) -> str:
    """Why a request failed, from the exception's type and the errors it wraps (requests wraps
    urllib3's, which wrap the socket's)."""
    if isinstance(failure, requests.Timeout):  # before ConnectionError: ConnectTimeout is both
        return FailureReason.TIMEOUT
    if isinstance(failure, requests.exceptions.SSLError):  # before ConnectionError, its base
        return FailureReason.TLS
    if isinstance(failure, requests.ConnectionError):
        causes = _causes(failure)
        if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
            return FailureReason.CONNECTION_REFUSED
        if any(isinstance(cause, socket.gaierror | NameResolutionError) for cause in causes):
            return FailureReason.HOST_NOT_FOUND
        return FailureReason.CONNECTION_FAILED
    return FailureReason.REQUEST_FAILED


def _causes(failure: BaseException) -> list[BaseException]:
    """The exception and every one it wraps: its arguments, urllib3's `reason`, its cause and context."""
    seen: list[BaseException] = []
    pending = [failure]
    while pending and len(seen) < 20:
        current = pending.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        wrapped = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        pending.extend(e for e in wrapped if isinstance(e, BaseException))
    return seen


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
