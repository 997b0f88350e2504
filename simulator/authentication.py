from axes.helpers import get_cool_off
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse, JsonResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from simulator.models import Attempt, AttemptStatus
from simulator.services import token_hash


class AttemptBearerAuthentication(authentication.BaseAuthentication):
    """A participant's access token (`Authorization: Bearer <access_token>`) authenticates one attempt.

    `request.auth` is the attempt; there is no user: participants have no account.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("the Authorization header must be 'Bearer <access_token>'")
        try:
            token = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("the access token is not valid") from None
        attempt = (
            Attempt.objects.select_related("exercise")
            .filter(access_token_hash=token_hash(token))
            .exclude(status=AttemptStatus.CANCELLED)
            .first()
        )
        if attempt is None:
            raise exceptions.AuthenticationFailed("the access token is not valid")
        return AnonymousUser(), attempt

    def authenticate_header(self, request):
        return self.keyword


class AttemptBearerScheme(OpenApiAuthenticationExtension):
    target_class = "simulator.authentication.AttemptBearerAuthentication"
    name = "attemptAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The access_token returned when the attempt starts.",
        }


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: 429 with Retry-After, as JSON {error, detail} on the
    API and as the login page's plain message elsewhere."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 3600
    detail = f"too many failed logins; try again in {max(1, round(seconds / 60))} minutes"
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": "locked_out", "detail": detail}, status=429)
    else:
        response = HttpResponse(
            f"Locked out: {detail}.", status=429, content_type="text/plain; charset=utf-8"
        )
    response["Retry-After"] = str(seconds)
    return response


class ClientAddressThrottle(throttling.SimpleRateThrottle):
    """A rate per client address, for calls that anyone can make (`scope` names the rate)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(ClientAddressThrottle):
    scope = "login"


class AttemptStartThrottle(ClientAddressThrottle):
    scope = "attempt_start"


class InvitationThrottle(throttling.UserRateThrottle):
    scope = "invitations"


class AttemptEventsThrottle(throttling.SimpleRateThrottle):
    """A rate per attempt: one candidate's client cannot flood the event table."""

    scope = "events"

    def get_cache_key(self, request, view):
        ident = request.auth.pk if isinstance(request.auth, Attempt) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
