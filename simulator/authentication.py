from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

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
