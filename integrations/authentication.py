from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from integrations import services
from integrations.models import PartnerApiKey

REALM = "Support simulator partner API"


class PartnerKeyAuthentication(authentication.BaseAuthentication):
    """An organisation's partner API key as the HTTP Basic user name, the password empty (as
    Greenhouse sends it). `request.auth` is the key; there is no user."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        credentials = services.basic_credentials(header)
        if credentials is None:
            raise exceptions.AuthenticationFailed(
                "send the API key as the HTTP Basic user name, with an empty password"
            )
        api_key = services.api_key_authenticate(credentials[0])
        if api_key is None:
            raise exceptions.AuthenticationFailed("this API key is not valid or has been revoked")
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return f'Basic realm="{REALM}"'


class HasPartnerKey(permissions.BasePermission):
    message = "an organisation's partner API key is required (HTTP Basic, the key as the user name)"

    def has_permission(self, request, view):
        return isinstance(request.auth, PartnerApiKey)


class PartnerKeyThrottle(throttling.SimpleRateThrottle):
    """A rate per API key."""

    scope = "partner_api"

    def get_cache_key(self, request, view):
        ident = request.auth.pk if isinstance(request.auth, PartnerApiKey) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.PartnerKeyAuthentication"
    name = "partnerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "The partner API key as the user name, no password.",
        }
