"""The leads' integrations page: who may open it, keys shown once and stored as a hash, webhook
endpoints, the learning record settings, and the delivery log scoped to the organisation with a
fixed number of queries."""

import hashlib

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import Delivery, LearningRecordTarget, PartnerApiKey, WebhookEndpoint
from integrations.tests.conftest import basic
from simulator.models import AuditEntry

PAGE = "/staff/settings/integrations/"


@pytest.fixture
def lead_client(lead):
    client = Client()
    client.force_login(lead)
    return client


def test_only_leads_open_the_page(lead_client, reviewer, other_org):
    assert lead_client.get(PAGE).status_code == 200
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    as_reviewer = Client()
    as_reviewer.force_login(reviewer)
    assert as_reviewer.get(PAGE).status_code == 404


def test_a_new_key_is_shown_once_stored_as_a_hash_and_works(lead_client, organisation):
    response = lead_client.post(PAGE, {"action": "create_key", "key-name": "Greenhouse"})
    assert response.status_code == 200
    key = response.context["shown_once"]["value"]
    assert key.startswith("sim_") and key in response.content.decode()
    row = PartnerApiKey.objects.get()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {row.name, row.prefix, row.seed, row.key_hash}
    assert key not in lead_client.get(PAGE).content.decode(), "shown only once"
    ats = APIClient()
    ats.credentials(HTTP_AUTHORIZATION=basic(key))
    assert ats.get("/integrations/greenhouse/list_tests").status_code == 200
    assert AuditEntry.objects.filter(action="partner_api_key.created", organisation=organisation).exists()

    revoked = lead_client.post(f"{PAGE}keys/{row.pk}/revoke/")
    assert revoked.status_code == 302
    assert ats.get("/integrations/greenhouse/list_tests").status_code == 401


def test_a_key_needs_a_name(lead_client):
    response = lead_client.post(PAGE, {"action": "create_key", "key-name": ""})
    assert response.status_code == 400 and not PartnerApiKey.objects.exists()


def test_another_organisations_key_or_endpoint_cannot_be_revoked(lead_client, other_org):
    organisation, other_lead, _ = other_org
    key = PartnerApiKey.objects.get(organisation=organisation)
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation, url="https://hooks.example.com/g", events=["attempt.finalized"], seed="s",
        created_by=other_lead, created_at=timezone.now(),
    )  # fmt: skip
    assert lead_client.post(f"{PAGE}keys/{key.pk}/revoke/").status_code == 404
    assert lead_client.post(f"{PAGE}webhooks/{endpoint.pk}/disable/").status_code == 404
    key.refresh_from_db()
    endpoint.refresh_from_db()
    assert key.revoked_at is None and endpoint.active


def test_a_webhook_endpoint_is_added_with_its_secret_shown_once(lead_client):
    response = lead_client.post(
        PAGE, {"action": "create_webhook", "hook-url": "https://hooks.example.com/sim",
               "hook-events": ["attempt.scored", "attempt.finalized"]},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["shown_once"]["value"].startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["attempt.scored", "attempt.finalized"]
    refused = lead_client.post(PAGE, {"action": "create_webhook", "hook-url": "https://hooks.example.com/x"})
    assert refused.status_code == 400 and WebhookEndpoint.objects.count() == 1


def test_an_internal_webhook_url_is_refused_in_production(lead_client, settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE_TARGETS = False
    response = lead_client.post(
        PAGE,
        {"action": "create_webhook", "hook-url": "http://127.0.0.1:6379/", "hook-events": ["attempt.scored"]},
    )
    assert response.status_code == 400 and "internal address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_learning_records_settings_keep_the_secret_when_left_empty(lead_client, organisation):
    form = {"action": "set_target", "lrs-kind": "xapi", "lrs-endpoint": "https://lrs.example.com/xapi/",
            "lrs-username": "key", "lrs-password": "lrs-pw-Zq81", "lrs-active": "on"}  # fmt: skip
    assert lead_client.post(PAGE, form).status_code == 302
    assert lead_client.post(PAGE, {**form, "lrs-password": "", "lrs-username": "key2"}).status_code == 302
    target = LearningRecordTarget.objects.get(organisation=organisation)
    assert (target.username, target.password, target.active) == ("key2", "lrs-pw-Zq81", True)
    assert "lrs-pw-Zq81" not in lead_client.get(PAGE).content.decode()


def _deliveries(organisation, count: int, **fields):
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(organisation=organisation, kind="webhook", event="attempt.scored", event_id=f"evt_{n}",
                 url=f"https://hooks.example.com/{organisation.slug}/{n}", created_at=now, **fields)
        for n in range(count)
    )  # fmt: skip


def test_the_delivery_log_lists_only_the_organisations_deliveries(lead_client, organisation, other_org):
    _deliveries(organisation, 3, status="succeeded", tries=1, last_status_code=200)
    _deliveries(other_org[0], 2, status="failed", tries=6, last_error="HTTP 500")
    page = lead_client.get(PAGE)
    rows = list(page.context["page"].object_list)
    assert len(rows) == 3 and {d.organisation_id for d in rows} == {organisation.pk}
    assert "hooks.example.com/globex" not in page.content.decode()
    failed = lead_client.get(PAGE, {"status": "failed"})
    assert list(failed.context["page"].object_list) == []


def test_the_delivery_log_shows_why_a_delivery_failed_without_the_raw_error(lead_client, organisation):
    raw = {
        "timeout": "ReadTimeout: HTTPConnectionPool(host='10.20.30.40', port=8080): Read timed out.",
        "connection_refused": "ConnectionError: HTTPConnectionPool(host='10.20.30.41', port=80): Max retries",
        "tls": "SSLError: HTTPSConnectionPool(host='10.20.30.42', port=443): [SSL: WRONG_VERSION_NUMBER]",
        "ssrf_guard": "hooks.example.com resolves to 10.20.30.43, an internal address",
    }
    for reason, error in raw.items():
        _deliveries(organisation, 1, status="failed", tries=1, last_error=error, last_failure=reason)
    _deliveries(organisation, 1, status="retrying", tries=1, last_status_code=503, last_failure="http_status",
                last_error="HTTP 503: <html>upstream 10.20.30.44 down</html>")  # fmt: skip
    _deliveries(
        organisation, 1, status="failed", tries=1, last_error="OSError: 10.20.30.45 gone"
    )  # older rows

    html = lead_client.get(PAGE).content.decode()

    assert "10.20.30." not in html and "HTTPConnectionPool" not in html and "Max retries" not in html
    for shown in (
        "timeout",
        "connection refused",
        "TLS error",
        "refused by the SSRF guard",
        "HTTP status 503",
    ):
        assert f">{shown}</span>" in html
    assert 'data-failure="request_failed">request failed</span>' in html


def test_the_key_shown_once_has_a_copy_button_that_says_when_it_copied(lead_client):
    response = lead_client.post(PAGE, {"action": "create_key", "key-name": "Greenhouse"})
    html = response.content.decode()
    key = response.context["shown_once"]["value"]
    assert f'<code id="shown-once-value">{key}</code>' in html
    assert (
        '<button type="button" class="btn btn-sm" data-copy="shown-once-value">Copy<span class="visually-hidden"> the API key'
        in html
    )
    assert 'role="status" aria-live="polite" data-copy-status' in html
    assert "integrations/copy.js" in html
    assert "integrations/copy.js" not in lead_client.get(PAGE).content.decode()


@pytest.mark.parametrize("count", [2, 120])
def test_the_page_runs_a_fixed_number_of_queries(
    lead_client, organisation, lead, count, django_assert_num_queries
):
    _deliveries(organisation, count, status="retrying", tries=2, last_status_code=503)
    for n in range(3):
        PartnerApiKey.objects.create(
            organisation=organisation, name=f"k{n}", prefix=f"sim_{n}", key_hash=f"{n}" * 64, seed="s",
            created_by=lead, created_at=timezone.now(),
        )  # fmt: skip
    # session, user, membership (+ organisation), target, deliveries count, page, keys, endpoints
    with django_assert_num_queries(9):
        response = lead_client.get(PAGE)
    assert len(response.context["page"].object_list) == min(count, 50)
