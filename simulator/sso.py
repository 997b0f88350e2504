"""Single sign-on for staff: OpenID Connect per organisation, through mozilla-django-oidc.

    /staff/login/  "Sign in with SSO" (the organisation's short name)
      → /staff/sso/<slug>/         SsoStartView: state, nonce and PKCE in the session, off to the provider
      → provider login
      → /staff/sso/callback/       SsoCallbackView → OrganisationOIDCBackend.authenticate:
           the code for tokens, the ID token checked (signature from the provider's JWKS, issuer,
           audience, expiry, nonce), the groups claim mapped to a role, the user created or updated
      → /staff/   or a page that says why not (another organisation...); when no group maps to a
                  role, a page naming the groups that would and the organisation's leads to ask

Each organisation has its own provider (SingleSignOn): the views and the backend read it instead
of the library's global settings. The client secret comes from the environment (`client_secret`);
it is never stored, logged or shown. `LocalPasswordBackend` refuses passwords to the staff of an
organisation that has turned them off; operators (no organisation) always keep theirs.
"""

import logging
import os
import re
from urllib.parse import parse_qs, urlparse

import jwt
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from simulator.models import Membership, Organisation, Role, SingleSignOn, StaffIdentity

logger = logging.getLogger(__name__)

SSO_STATES = "sso_states"  # session: {state: organisation id} for the logins under way
MAX_STATES = 20
CALLBACK_URL_NAME = "staff-sso-callback"


class SignInRefused(SuspiciousOperation):
    """A sign-in the provider vouched for that this site refuses; the message is for the user."""


class NoRole(SignInRefused):
    """The provider vouched for the account, but none of its groups maps to a role here."""

    def __init__(self, *, config: SingleSignOn, claims: dict):
        super().__init__(
            f"Your account at {config.organisation.name}'s identity provider is in none of the groups that "
            "give a role here (lead or reviewer). Ask your administrator to add you to one."
        )
        self.config = config
        self.email = str(claims.get("email") or "")
        self.groups = sorted(groups_of(config, claims))
        self.groups_sent = config.groups_claim in claims


def secret_variable(config: SingleSignOn) -> str:
    """The environment variable that holds the organisation's client secret."""
    slug = re.sub(r"[^A-Z0-9]", "_", config.organisation.slug.upper())
    return config.client_secret_env or f"OIDC_CLIENT_SECRET_{slug}"


def client_secret(config: SingleSignOn) -> str:
    return os.environ.get(secret_variable(config), "")


def group_names(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


def groups_of(config: SingleSignOn, claims: dict) -> set[str]:
    """The groups the provider sent in the configured claim (one group may come as a string)."""
    groups = claims.get(config.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    return {str(group) for group in groups}


def role_for(config: SingleSignOn, claims: dict) -> str | None:
    """The role the provider's groups give: lead before reviewer; None when no group maps."""
    groups = groups_of(config, claims)
    if groups & group_names(config.lead_groups):
        return Role.LEAD
    if groups & group_names(config.reviewer_groups):
        return Role.REVIEWER
    return None


def sso_for(organisation_id: int | None) -> SingleSignOn | None:
    if organisation_id is None:
        return None
    return (
        SingleSignOn.objects.select_related("organisation")
        .filter(organisation_id=organisation_id, enabled=True)
        .first()
    )


def local_passwords_disabled(user) -> bool:
    """True for a member of an organisation whose staff sign in through its provider only."""
    membership = getattr(user, "membership", None)
    if membership is None or user.is_superuser:
        return False
    return SingleSignOn.objects.filter(
        organisation_id=membership.organisation_id, enabled=True, disable_local_passwords=True
    ).exists()


class LocalPasswordBackend(ModelBackend):
    """Django's password check, refused to staff whose organisation turned passwords off. The
    request is marked (`sso_required`) so the login page and the token API can say why."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and local_passwords_disabled(user):
            if request is not None:
                request.sso_required = user.membership.organisation
            return None
        return user


def axes_ignores_sso_callback(request, credentials) -> bool:
    """django-axes counts failed password logins; the provider's callback carries no password (and
    its query holds a one-time code that should not be kept in axes' log), so it is not counted."""
    from django.urls import reverse

    return request.path == reverse(CALLBACK_URL_NAME)


# Signing in ----------------------------------------------------------------------------------------


@transaction.atomic
def staff_sign_in(
    *, organisation: Organisation, issuer: str, subject: str, email: str, first_name: str, last_name: str,
    role: str, email_verified: bool = True,
) -> object:  # fmt: skip
    """The staff user of a provider identity, created or updated with the role its groups map to.

    An identity is (issuer, subject). The first time, an existing member of this organisation with
    the same verified e-mail address is linked to it; otherwise a user is created (with no usable
    password). A user of another organisation, or an operator, is never taken over.
    """
    from simulator.services import audit_record, member_add

    User = get_user_model()
    now = timezone.now()
    identity = StaffIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is not None and identity.organisation_id != organisation.pk:
        raise SignInRefused("This identity-provider account already signs in to another organisation here.")
    user = identity.user if identity else None
    if user is None and email and email_verified:
        user = (
            User.objects.filter(membership__organisation=organisation, email__iexact=email)
            .exclude(sso_identity__isnull=False)
            .first()
        )
    created = user is None
    if created:
        user = User(username=_free_username(organisation, email or subject))
        user.set_unusable_password()
    if user.is_superuser:
        raise SignInRefused(
            "Operators sign in with their own password, not through an organisation's provider."
        )
    if not user.is_active:
        raise SignInRefused("Your account here is deactivated. Ask a lead of your organisation.")
    user.email = email or user.email
    user.first_name = first_name[:150] or user.first_name
    user.last_name = last_name[:150] or user.last_name
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise SignInRefused(
            f"The identity provider's details of your account are not valid here: {'; '.join(error.messages)}"
        ) from None
    user.save()
    membership = Membership.objects.select_for_update().filter(user=user).first()
    before = membership.role if membership else None
    if membership is None:
        member_add(organisation=organisation, user=user, role=role)
    elif membership.organisation_id != organisation.pk:
        raise SignInRefused("Your account here belongs to another organisation.")
    elif membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    StaffIdentity.objects.update_or_create(
        user=user,
        defaults={"organisation": organisation, "issuer": issuer, "subject": subject, "last_login_at": now},
    )
    audit_record(
        organisation_id=organisation.pk, actor=user, action="sso.signed_in", target=f"user:{user.pk}",
        before={"role": before}, after={"role": role, "created": created}, now=now,
    )  # fmt: skip
    return user


def _free_username(organisation: Organisation, basis: str) -> str:
    User = get_user_model()
    stem = re.sub(r"[^\w.@+-]", "", basis.split("@")[0])[:100] or "staff"
    candidate = f"{stem}.{organisation.slug}"[:150]
    number = 1
    while User.objects.filter(username=candidate).exists():
        number += 1
        candidate = f"{stem}.{organisation.slug}.{number}"[:150]
    return candidate


class OrganisationOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, configured per sign-in from the organisation the login was
    started for, checking the ID token's issuer and audience too, and mapping groups to a role."""

    def __init__(self, *args, **kwargs):
        # The library reads one provider from the settings here; ours is chosen per sign-in.
        self.UserModel = get_user_model()
        self.config: SingleSignOn | None = None

    def get_settings(self, attr, *args):
        if attr == "OIDC_RP_SCOPES" and self.config is not None:
            return self.config.scopes
        return import_from_settings(attr, *args)

    def authenticate(self, request, **kwargs):
        # Only the callback view calls with a nonce; a password login passes username/password.
        if request is None or "nonce" not in kwargs or "password" in kwargs:
            return None
        state = request.GET.get("state")
        if not state or not request.GET.get("code"):
            return None
        states = dict(request.session.get(SSO_STATES) or {})
        organisation_id = states.pop(state, None)
        request.session[SSO_STATES] = states
        config = sso_for(organisation_id)
        if config is None:
            request.sso_refusal = "This sign-in was not started here, or single sign-on has been turned off."
            return None
        self.config = config
        self.OIDC_OP_TOKEN_ENDPOINT = config.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = config.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = config.jwks_endpoint
        self.OIDC_RP_CLIENT_ID = config.client_id
        self.OIDC_RP_CLIENT_SECRET = client_secret(config)
        self.OIDC_RP_SIGN_ALGO = config.signing_algorithm
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            user = super().authenticate(request, **kwargs)
        except (
            requests.RequestException,
            SuspiciousOperation,
            jwt.PyJWTError,
            KeyError,
            ValueError,
        ) as error:
            # The message names what failed, never the secret (which only the token request carries).
            logger.warning("single sign-on of %s failed: %s", config.organisation.slug, error)
            user = None
        if user is None and not getattr(request, "sso_refusal", None):
            request.sso_refusal = (
                f"{config.organisation.name}'s identity provider did not confirm the sign-in. Try again; "
                "if it fails again, tell a lead of your organisation."
            )
        return user

    def _verify_jws(self, payload, key):
        """The library checks the signature and expiry; the audience and issuer are checked here too,
        so a token the provider issued to another client, or another provider's, is refused."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(
                f"the ID token is signed with {header.get('alg')!r}, not {self.OIDC_RP_SIGN_ALGO}"
            )
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.config.issuer,
                options={"require": ["iss", "aud", "sub", "exp"]},
                leeway=60,
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"the ID token was refused: {error}") from None

    def get_userinfo(self, access_token, id_token, payload):
        if not self.OIDC_OP_USER_ENDPOINT:
            return {}
        return super().get_userinfo(access_token, id_token, payload)

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") not in (None, payload.get("sub")):
            raise SuspiciousOperation("the userinfo subject is not the ID token's")
        claims = {**payload, **userinfo}
        organisation = self.config.organisation
        try:
            role = role_for(self.config, claims)
            if role is None:
                raise NoRole(config=self.config, claims=claims)
            return staff_sign_in(
                organisation=organisation,
                issuer=self.config.issuer,
                subject=str(payload["sub"]),
                email=str(claims.get("email") or ""),
                email_verified=claims.get("email_verified") is not False,
                first_name=str(claims.get("given_name") or ""),
                last_name=str(claims.get("family_name") or ""),
                role=role,
            )
        except SignInRefused as refusal:
            self.request.sso_refusal = str(refusal)
            if isinstance(refusal, NoRole):
                self.request.sso_no_role = refusal
            raise


# Views ---------------------------------------------------------------------------------------------


def refusal_page(request, reason: str, status: int = 403):
    return render(request, "staff/sso_refused.html", {"reason": reason}, status=status)


def no_role_page(request, refusal: NoRole):
    """The provider signed the person in, but their groups give no role here: say so, show what the
    provider sent and which groups would give a role, and name the organisation's leads to ask.
    The person has proved to the organisation's own provider that they belong to it."""
    config = refusal.config
    leads = [
        {"name": m.user.get_full_name() or m.user.get_username(), "email": m.user.email}
        for m in Membership.objects.filter(
            organisation_id=config.organisation_id, role=Role.LEAD, user__is_active=True
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    ]
    context = {
        "organisation": config.organisation,
        "email": refusal.email,
        "groups": refusal.groups,
        "groups_sent": refusal.groups_sent,
        "groups_claim": config.groups_claim,
        "lead_groups": sorted(group_names(config.lead_groups)),
        "reviewer_groups": sorted(group_names(config.reviewer_groups)),
        "leads": leads,
    }
    return render(request, "staff/sso_no_role.html", context, status=403)


class SsoStartView(OIDCAuthenticationRequestView):
    """Start a sign-in with the organisation's provider (its slug in the URL)."""

    def __init__(self, *args, **kwargs):
        View.__init__(self, *args, **kwargs)  # not the library's: it reads one provider from settings
        self.config = None

    def get_settings(self, attr, *args):
        if attr == "OIDC_RP_SCOPES" and self.config is not None:
            return self.config.scopes
        return import_from_settings(attr, *args)

    def get(self, request, slug: str):
        organisation = Organisation.objects.filter(slug=slug).first()
        config = sso_for(organisation.pk if organisation else None)
        if config is None:
            return refusal_page(
                request, f"There is no single sign-on for an organisation named “{slug}” here.", 404
            )
        if not config.client_id or not client_secret(config):
            logger.error(
                "single sign-on of %s is not set up: the client id or the environment variable %s is empty",
                slug,
                secret_variable(config),
            )
            return refusal_page(request, "Single sign-on for this organisation is not set up yet.", 503)
        self.config = config
        self.OIDC_OP_AUTH_ENDPOINT = config.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = config.client_id
        response = super().get(request)
        state = parse_qs(urlparse(response["Location"]).query)["state"][0]
        states = dict(request.session.get(SSO_STATES) or {})
        while len(states) >= MAX_STATES:
            states.pop(next(iter(states)))
        states[state] = config.organisation_id
        request.session[SSO_STATES] = states
        return response


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back; a refusal is a page that says why, not a bare redirect."""

    def login_failure(self):
        no_role = getattr(self.request, "sso_no_role", None)
        if no_role is not None:
            return no_role_page(self.request, no_role)
        reason = getattr(self.request, "sso_refusal", None) or (
            "The sign-in did not complete: it was cancelled, took too long, or was started in another "
            "browser. Start again from the login page."
        )
        return refusal_page(self.request, reason)
