"""Single sign-on for staff, against a local OpenID Connect provider (simulator/tests/oidc_provider.py):
groups map to roles, users are created or updated, a sign-in with no mapped group is refused with a
page that says why, and an organisation can turn its staff's passwords off."""

import logging
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse

from simulator.models import AuditEntry, Membership, SingleSignOn, StaffIdentity
from simulator.tests.oidc_provider import Provider

pytestmark = pytest.mark.django_db

SECRET = "s3cret-client-value"


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setenv("OIDC_CLIENT_SECRET_ACME", SECRET)
    with Provider(client_secret=SECRET) as running:
        yield running


@pytest.fixture
def sso(organisation, provider):
    return SingleSignOn.objects.create(
        organisation=organisation,
        client_id=provider.client_id,
        lead_groups="support-leads\nsupport-managers",
        reviewer_groups="support-reviewers",
        **provider.endpoints(),
    )


def _sign_in(client, provider, claims, slug="acme", next_url=None):
    """The browser's round trip: the login form, the provider (which signs `claims` in), the callback."""
    provider.next_claims = claims
    query = {"organisation": slug, **({"next": next_url} if next_url else {})}
    start = client.get(reverse("staff-sso"), query)
    assert start.status_code == 302
    to_provider = client.get(start["Location"])
    assert to_provider.status_code == 302, to_provider.content
    authorize = to_provider["Location"]
    assert authorize.startswith(provider.issuer + "/authorize?")
    provider.last_authorize = {k: v[0] for k, v in parse_qs(urlparse(authorize).query).items()}
    back = requests.get(authorize, allow_redirects=False, timeout=5)
    callback = urlparse(back.headers["Location"])
    assert callback.path == "/staff/sso/callback/"
    return client.get(callback.path, parse_qs(callback.query))


def _whoami(client):
    return client.session.get("_auth_user_id")


def test_a_provider_account_in_a_lead_group_becomes_a_lead(client, provider, sso, organisation):
    response = _sign_in(
        client, provider,
        {"sub": "u-100", "email": "nora@acme.example", "given_name": "Nora", "family_name": "Lind",
         "groups": ["everyone", "support-managers"]},
    )  # fmt: skip

    assert response.status_code == 302 and response["Location"] == "/staff/"
    user = get_user_model().objects.get(pk=_whoami(client))
    assert (user.email, user.get_full_name()) == ("nora@acme.example", "Nora Lind")
    assert user.membership.organisation == organisation and user.membership.role == "lead"
    assert not user.has_usable_password()
    assert StaffIdentity.objects.get(user=user).subject == "u-100"
    assert client.get(reverse("staff-attempts")).status_code == 200
    # The authorization request used PKCE, a nonce and the configured scopes; the token request the secret.
    sent = provider.last_authorize
    assert sent["scope"] == "openid email profile" and sent["code_challenge_method"] == "S256"
    assert sent["nonce"] and sent["redirect_uri"] == "http://testserver/staff/sso/callback/"
    assert provider.token_requests[-1]["client_secret"] == SECRET


def test_the_role_follows_the_groups_at_each_sign_in(client, provider, sso):
    _sign_in(client, provider, {"sub": "u-7", "email": "kim@acme.example", "groups": ["support-reviewers"]})
    user = get_user_model().objects.get(pk=_whoami(client))
    assert user.membership.role == "reviewer"
    assert client.get(reverse("staff-settings-notifications")).status_code == 404

    client.logout()
    _sign_in(client, provider, {"sub": "u-7", "email": "kim@acme.example", "groups": ["support-leads"]})

    assert _whoami(client) == str(user.pk)  # the same user, by (issuer, subject)
    assert Membership.objects.get(user=user).role == "lead"
    assert get_user_model().objects.count() == 1
    assert AuditEntry.objects.filter(action="sso.signed_in").first().before == {"role": "reviewer"}


def test_an_account_in_no_mapped_group_is_refused_with_a_page_that_says_why(client, provider, sso):
    response = _sign_in(client, provider, {"sub": "u-9", "email": "ivy@acme.example", "groups": ["sales"]})

    assert response.status_code == 403
    page = response.content.decode()
    assert "none of your groups gives a role here" in page
    assert "Back to the login page" in page
    assert _whoami(client) is None
    assert not get_user_model().objects.filter(email="ivy@acme.example").exists()


def test_an_account_whose_groups_map_to_no_role_is_told_which_groups_would_and_whom_to_ask(
    client, provider, sso, lead
):
    lead.first_name, lead.last_name, lead.email = "Lena", "Lind", "lena@acme.example"
    lead.save()

    response = _sign_in(
        client, provider, {"sub": "u-9", "email": "ivy@acme.example", "groups": ["sales", "everyone"]}
    )

    assert response.status_code == 403 and _whoami(client) is None
    page = response.content.decode()
    assert "Your account has no role in Acme Support" in page
    assert "signed you in as <strong>ivy@acme.example</strong>" in page
    assert "<code>everyone</code>, <code>sales</code>" in page
    assert "Lead: <code>support-leads</code>, <code>support-managers</code>" in page
    assert "Reviewer: <code>support-reviewers</code>" in page
    assert 'Lena Lind · <a href="mailto:lena@acme.example">lena@acme.example</a>' in page
    assert "Back to the login page" in page


def test_a_provider_that_sends_no_groups_claim_is_named_as_the_likely_cause(client, provider, sso):
    response = _sign_in(client, provider, {"sub": "u-10", "email": "joe@acme.example"})

    assert response.status_code == 403 and _whoami(client) is None
    page = response.content.decode()
    assert "Your account has no role in Acme Support" in page
    assert "No <code>groups</code> claim at all" in page
    assert "has no lead here yet" in page


def test_the_groups_claim_is_configurable(client, provider, sso):
    sso.groups_claim = "roles"
    sso.save()
    _sign_in(client, provider, {"sub": "u-3", "email": "al@acme.example", "roles": "support-reviewers"})
    assert Membership.objects.get(user_id=_whoami(client)).role == "reviewer"


def test_an_existing_member_is_linked_by_e_mail_and_keeps_their_account(client, provider, sso, lead):
    lead.email = "lena@acme.example"
    lead.save()
    _sign_in(client, provider, {"sub": "u-lena", "email": "LENA@acme.example", "groups": ["support-leads"]})
    assert _whoami(client) == str(lead.pk)
    assert StaffIdentity.objects.get(user=lead).subject == "u-lena"


def test_a_member_of_another_organisation_with_that_e_mail_is_not_taken_over(
    client, provider, sso, outsiders
):
    _, users = outsiders
    users["lead"].email = "dup@acme.example"
    users["lead"].save()

    _sign_in(client, provider, {"sub": "u-dup", "email": "dup@acme.example", "groups": ["support-reviewers"]})

    user = get_user_model().objects.get(pk=_whoami(client))
    assert user != users["lead"]
    assert user.membership.organisation.slug == "acme"
    assert users["lead"].membership.organisation.slug == "other"


def test_an_id_token_for_another_client_or_issuer_is_refused(client, provider, sso):
    provider.id_token_overrides = {"aud": "another-client"}
    response = _sign_in(
        client, provider, {"sub": "u-1", "email": "a@acme.example", "groups": ["support-leads"]}
    )
    assert response.status_code == 403 and _whoami(client) is None

    provider.id_token_overrides = {"iss": "https://elsewhere.example"}
    response = _sign_in(
        client, provider, {"sub": "u-1", "email": "a@acme.example", "groups": ["support-leads"]}
    )
    assert response.status_code == 403 and _whoami(client) is None
    assert not StaffIdentity.objects.exists()


def test_a_callback_not_started_here_is_refused(client, provider, sso):
    response = client.get(reverse("staff-sso-callback"), {"code": "x", "state": "forged"})
    assert response.status_code in (400, 403)
    assert _whoami(client) is None


def test_an_unknown_organisation_or_a_missing_secret_gets_a_clear_page(
    client, provider, sso, monkeypatch, caplog
):
    response = client.get(reverse("staff-sso-start", args=["nowhere"]))
    assert response.status_code == 404 and "no single sign-on" in response.content.decode()

    monkeypatch.delenv("OIDC_CLIENT_SECRET_ACME")
    with caplog.at_level(logging.ERROR):
        response = client.get(reverse("staff-sso-start", args=["acme"]))
    assert response.status_code == 503 and "not set up yet" in response.content.decode()
    assert "OIDC_CLIENT_SECRET_ACME" in caplog.text


def test_the_client_secret_is_never_logged(client, provider, sso, caplog):
    provider.client_secret = "the-provider-expects-another"  # the token request fails
    with caplog.at_level(logging.DEBUG):
        response = _sign_in(
            client, provider, {"sub": "u-1", "email": "a@acme.example", "groups": ["support-leads"]}
        )
        provider.client_secret = SECRET
        _sign_in(client, provider, {"sub": "u-1", "email": "a@acme.example", "groups": ["support-leads"]})
    assert response.status_code == 403
    assert "single sign-on of acme failed" in caplog.text
    assert SECRET not in caplog.text
    assert _whoami(client) is not None


# Passwords turned off --------------------------------------------------------------------------------


@pytest.fixture
def passwords_off(sso):
    sso.disable_local_passwords = True
    sso.save()
    return sso


def test_the_login_page_offers_sso_and_only_sso_when_passwords_are_off(client, sso):
    page = client.get(reverse("staff-login")).content.decode()
    assert "Sign in with SSO" in page and 'name="password"' in page

    page = client.get(reverse("staff-login"), {"organisation": "acme"}).content.decode()
    assert 'name="password"' in page and 'value="acme"' in page

    sso.disable_local_passwords = True
    sso.save()
    page = client.get(reverse("staff-login"), {"organisation": "acme"}).content.decode()
    assert "Sign in with SSO" in page and 'name="password"' not in page


def test_a_local_password_is_refused_on_the_login_page_and_the_token_api(client, lead, passwords_off):
    response = client.post(reverse("staff-login"), {"username": "lena", "password": "lead-password-123"})
    assert response.status_code == 200 and _whoami(client) is None
    assert "Acme Support signs its staff in through its identity provider" in response.content.decode()

    response = client.post(
        reverse("api-token"),
        {"username": "lena", "password": "lead-password-123"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "turned staff passwords off" in response.json()["detail"] + str(response.json().get("fields"))


def test_passwords_stay_for_other_organisations_and_operators(client, passwords_off, outsiders):
    _, users = outsiders
    assert (
        client.post(
            reverse("staff-login"), {"username": "other-lead", "password": "other-password-789"}
        ).status_code
        == 302
    )
    client.logout()
    services_user = get_user_model().objects.create_superuser("ops", password="operator-password-1")
    assert (
        client.post(
            "/admin/login/", {"username": "ops", "password": "operator-password-1", "next": "/admin/"}
        ).status_code
        == 302
    )
    assert _whoami(client) == str(services_user.pk)


def test_sso_still_signs_in_when_passwords_are_off(client, provider, passwords_off):
    response = _sign_in(
        client, provider, {"sub": "u-5", "email": "z@acme.example", "groups": ["support-reviewers"]}
    )
    assert response.status_code == 302 and _whoami(client) is not None


def test_a_wrong_password_of_an_sso_only_user_says_nothing_about_sso(client, lead, passwords_off):
    response = client.post(reverse("staff-login"), {"username": "lena", "password": "wrong"})
    page = response.content.decode()
    assert "identity provider" not in page
    assert "Please enter a correct username and password" in page


def test_sso_configure_reads_the_providers_discovery_document(client, provider, organisation):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command(
        "sso_configure", "acme", "--issuer", provider.issuer, "--client-id", provider.client_id,
        "--lead-group", "support-leads", "--reviewer-group", "support-reviewers", "--disable-local-passwords",
        stdout=out,
    )  # fmt: skip
    config = SingleSignOn.objects.get(organisation=organisation)
    assert (
        config.token_endpoint == f"{provider.issuer}/token"
        and config.jwks_endpoint == f"{provider.issuer}/jwks"
    )
    assert config.disable_local_passwords
    assert "OIDC_CLIENT_SECRET_ACME" in out.getvalue()

    response = _sign_in(
        client, provider, {"sub": "u-1", "email": "a@acme.example", "groups": ["support-leads"]}
    )
    assert response.status_code == 302 and Membership.objects.get(user_id=_whoami(client)).role == "lead"

    with pytest.raises(CommandError, match="could not read .*other"):
        call_command("sso_configure", "acme", "--issuer", provider.issuer + "/other", "--client-id", "x",
                     "--lead-group", "g")  # fmt: skip
    with pytest.raises(CommandError, match="at least one"):
        call_command("sso_configure", "acme", "--issuer", provider.issuer, "--client-id", "x")


def test_an_identity_that_signs_in_to_one_organisation_is_refused_by_another(
    client, provider, sso, outsiders
):
    other, _ = outsiders
    SingleSignOn.objects.create(
        organisation=other, client_id=provider.client_id, client_secret_env="OIDC_CLIENT_SECRET_ACME",
        reviewer_groups="support-reviewers", **provider.endpoints(),
    )  # fmt: skip
    claims = {"sub": "u-shared", "email": "pat@acme.example", "groups": ["support-reviewers"]}
    _sign_in(client, provider, claims)
    first = get_user_model().objects.get(pk=_whoami(client))
    client.logout()

    response = _sign_in(client, provider, claims, slug="other")

    assert response.status_code == 403
    assert "already signs in to another organisation" in response.content.decode()
    assert _whoami(client) is None
    first.refresh_from_db()
    assert first.membership.organisation.slug == "acme"


def test_an_invalid_e_mail_from_the_provider_is_refused_with_a_page_not_an_error(client, provider, sso):
    response = _sign_in(
        client, provider, {"sub": "u-x", "email": "not an address", "groups": ["support-leads"]}
    )
    assert response.status_code == 403
    assert "not valid here" in response.content.decode()
    assert not get_user_model().objects.exists()
