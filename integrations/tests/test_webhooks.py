"""Webhooks: the published signature scheme and its test vectors, the events the services emit,
delivery to a local receiver with retries, and the SSRF guard."""

import json
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction

from integrations import services as integration_services
from integrations import signing
from integrations.models import Delivery, DeliveryKind
from integrations.outbound import TargetRefused, send
from integrations.tests.conftest import take_and_score
from scoring import services as scoring_services
from simulator import events
from simulator import services as simulator_services

VECTORS = json.loads((Path(signing.__file__).parent / "webhook_signature_vectors.json").read_text())[
    "vectors"
]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["header"][:24])
def test_the_published_vectors_sign_and_verify(vector):
    body = vector["body"].encode()
    assert signing.signature_header(vector["secret"], body, timestamp=vector["timestamp"]) == vector["header"]
    assert (
        signing.verify(vector["secret"], body, vector["header"], now=vector["timestamp"] + 10)
        == vector["timestamp"]
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda v: {**v, "body": v["body"] + " "}, "no signature matches"),
        (lambda v: {**v, "secret": v["secret"] + "x"}, "no signature matches"),
        (
            lambda v: {**v, "header": v["header"].replace(f"t={v['timestamp']}", f"t={v['timestamp'] + 1}")},
            "no signature",
        ),
        (lambda v: {**v, "header": v["header"].split(",")[0]}, "needs t="),
    ],
    ids=["body changed", "wrong secret", "timestamp changed", "no v1"],
)
def test_a_changed_request_fails_verification(change, reason):
    vector = change(VECTORS[0])
    with pytest.raises(signing.SignatureError, match=reason):
        signing.verify(
            vector["secret"], vector["body"].encode(), vector["header"], now=VECTORS[0]["timestamp"]
        )


def test_a_replay_outside_the_tolerance_is_refused_and_rotation_is_accepted():
    vector = VECTORS[0]
    body = vector["body"].encode()
    late = vector["timestamp"] + signing.TOLERANCE_SECONDS + 1
    with pytest.raises(signing.SignatureError, match="seconds from now"):
        signing.verify(vector["secret"], body, vector["header"], now=late)
    rotating = f"{vector['header']},v1={'0' * 64}"
    assert signing.verify(vector["secret"], body, rotating, now=vector["timestamp"]) == vector["timestamp"]


def test_every_transition_emits_its_event_once_after_commit(
    comms_exercise, lead, reviewer, invite, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, *, event, attempt_id, **kwargs):
        heard.append((event, attempt_id))

    events.domain_event.connect(listener)
    try:
        panel = simulator_services.panel_create(
            organisation=comms_exercise.organisation, name="P", reviewers=[reviewer]
        )
        comms_exercise.panel = panel
        comms_exercise.save()
        with django_capture_on_commit_callbacks(execute=True):
            invitation, _ = invite(comms_exercise)
        attempt = invitation.attempt
        assert heard == [(events.INVITATION_CREATED, attempt.pk)]
        with django_capture_on_commit_callbacks(execute=True):
            attempt = take_and_score(attempt)
        with django_capture_on_commit_callbacks(execute=True):
            scoring_services.scorecard_finalize(
                attempt=attempt, finalized_by=lead, without_required_reviews=True
            )
    finally:
        events.domain_event.disconnect(listener)
    assert [e for e, _ in heard] == [
        events.INVITATION_CREATED, events.ATTEMPT_STARTED, events.ATTEMPT_SUBMITTED,
        events.ATTEMPT_SCORED, events.REVIEW_REQUESTED, events.ATTEMPT_FINALIZED,
    ]  # fmt: skip
    assert {a for _, a in heard} == {attempt.pk}


def test_nothing_is_announced_for_a_rolled_back_change(
    comms_exercise, invite, django_capture_on_commit_callbacks
):
    heard = []
    events.domain_event.connect(
        lambda sender, **kw: heard.append(kw["event"]), weak=False, dispatch_uid="t-rollback"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError), transaction.atomic():
                invite(comms_exercise)
                raise RuntimeError("the caller's transaction fails after the invitation")
            invite(comms_exercise, email="kept@example.com")
        assert heard == [events.INVITATION_CREATED], "only the committed invitation is announced"
    finally:
        events.domain_event.disconnect(dispatch_uid="t-rollback")


@pytest.fixture
def endpoint(organisation, lead, receiver):
    def make(statuses=(200,), event_types=(events.INVITATION_CREATED,)):
        server = receiver(statuses)
        row, secret = integration_services.webhook_endpoint_create(
            organisation=organisation,
            url=server.url("/hooks"),
            event_types=list(event_types),
            created_by=lead,
        )
        return server, row, secret

    return make


def test_a_subscribed_endpoint_gets_the_event_signed_with_its_secret(
    endpoint, comms_exercise, invite, django_capture_on_commit_callbacks
):
    server, row, secret = endpoint()
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _ = invite(comms_exercise)
    assert len(server.requests) == 1
    request = server.requests[0]
    signing.verify(secret, request["body"], request["headers"][signing.HEADER])
    body = json.loads(request["body"])
    assert (
        body["type"] == "invitation.created" and request["headers"]["Simulator-Event"] == "invitation.created"
    )
    assert body["id"] == request["headers"]["Simulator-Event-Id"] and body["id"].startswith("evt_")
    attempt = body["data"]["attempt"]
    assert attempt["id"] == invitation.attempt.public_id and attempt["status"] == "invited"
    assert attempt["exercise"]["slug"] == "comms-screen"
    assert attempt["staff_url"] == f"https://sim.example.com/staff/attempts/{invitation.attempt.public_id}/"
    delivery = Delivery.objects.get(kind=DeliveryKind.WEBHOOK)
    assert (delivery.endpoint_id, delivery.status, delivery.tries) == (row.pk, "succeeded", 1)


def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_try(
    endpoint, comms_exercise, invite, django_capture_on_commit_callbacks
):
    server, _, secret = endpoint(statuses=[500, 503, 200])
    with django_capture_on_commit_callbacks(execute=True):
        invite(comms_exercise)
    assert len(server.requests) == 3
    assert len({r["body"] for r in server.requests}) == 1, "every try carries the same event"
    for request in server.requests:
        signing.verify(secret, request["body"], request["headers"][signing.HEADER])
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.tries, delivery.last_status_code, delivery.next_try_at) == (
        "succeeded",
        3,
        200,
        None,
    )
    assert list(delivery.try_records.values_list("status_code", flat=True)) == [500, 503, 200]


def test_a_receiver_that_never_answers_well_fails_after_the_last_try(
    endpoint, comms_exercise, invite, settings, django_capture_on_commit_callbacks
):
    server, _, _ = endpoint(statuses=[500])
    with django_capture_on_commit_callbacks(execute=True):
        invite(comms_exercise)
    delivery = Delivery.objects.get()
    assert len(server.requests) == settings.INTEGRATIONS_MAX_TRIES == delivery.tries
    assert delivery.status == "failed" and "HTTP 500" in delivery.last_error
    assert (delivery.last_failure, delivery.failure_text) == ("http_status", "HTTP status 500")


def test_the_backoff_doubles_after_each_failure(settings):
    settings.INTEGRATIONS_RETRY_BASE_SECONDS = 30
    assert [integration_services.retry_delay(n) for n in range(1, 6)] == [30, 60, 120, 240, 480]


def test_the_try_after_a_failure_is_scheduled_with_the_backoff(endpoint, comms_exercise, invite, settings):
    """Without running the task: one try fails and the delivery waits for the next."""
    server, _, _ = endpoint(statuses=[500])
    invite(comms_exercise)  # the event waits for a commit that the test never makes
    endpoint_row = integration_services.WebhookEndpoint.objects.get()
    [delivery] = integration_services.deliveries_for_event(
        event=events.INVITATION_CREATED, organisation_id=endpoint_row.organisation_id,
        attempt_id=comms_exercise.attempts.get().pk, occurred_at=endpoint_row.created_at,
    )  # fmt: skip
    result = integration_services.delivery_try(delivery_id=delivery.pk)
    assert result.retry_in == settings.INTEGRATIONS_RETRY_BASE_SECONDS
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.next_try_at is not None


def test_unsubscribed_events_and_disabled_endpoints_get_nothing(
    endpoint, comms_exercise, invite, lead, django_capture_on_commit_callbacks
):
    quiet, _, _ = endpoint(event_types=[events.ATTEMPT_FINALIZED])
    disabled, row, _ = endpoint()
    integration_services.webhook_endpoint_disable(endpoint=row, disabled_by=lead)
    with django_capture_on_commit_callbacks(execute=True):
        invite(comms_exercise)
    assert quiet.requests == [] and disabled.requests == []
    assert not Delivery.objects.exists()


def test_an_endpoint_needs_known_events(organisation, lead):
    with pytest.raises(integration_services.DomainError, match="unknown attempt.exploded"):
        integration_services.webhook_endpoint_create(
            organisation=organisation,
            url="https://hooks.example.com/x",
            event_types=["attempt.exploded"],
            created_by=lead,
        )


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data",
     "http://[::1]/x", "ftp://hooks.example.com/x", "file:///etc/passwd", "https://user:pw@hooks.example.com/x"],
)  # fmt: skip
def test_the_ssrf_guard_refuses_internal_and_non_http_targets_in_production(
    organisation, lead, settings, url
):
    settings.INTEGRATIONS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(TargetRefused):
        integration_services.webhook_endpoint_create(
            organisation=organisation, url=url, event_types=[events.INVITATION_CREATED], created_by=lead
        )


def test_a_target_that_became_internal_is_refused_at_send_time_without_retries(
    endpoint, comms_exercise, invite, settings, django_capture_on_commit_callbacks
):
    server, _, _ = endpoint()
    settings.INTEGRATIONS_ALLOW_PRIVATE_TARGETS = False
    with django_capture_on_commit_callbacks(execute=True):
        invite(comms_exercise)
    delivery = Delivery.objects.get()
    assert server.requests == []
    assert (delivery.status, delivery.tries) == ("failed", 1) and "internal address" in delivery.last_error
    assert delivery.failure_text == "refused by the SSRF guard"


def test_a_delivery_whose_retry_task_was_lost_is_resumed_when_due(endpoint, comms_exercise, invite):
    server, _, secret = endpoint(statuses=[500, 200])
    invite(comms_exercise)
    row = integration_services.WebhookEndpoint.objects.get()
    [delivery] = integration_services.deliveries_for_event(
        event=events.INVITATION_CREATED, organisation_id=row.organisation_id,
        attempt_id=comms_exercise.attempts.get().pk, occurred_at=row.created_at,
    )  # fmt: skip
    integration_services.delivery_try(delivery_id=delivery.pk)  # fails; its retry task is "lost"
    delivery.refresh_from_db()
    assert integration_services.deliveries_resume(now=delivery.next_try_at - timedelta(seconds=1)) == 0
    assert integration_services.deliveries_resume(now=delivery.next_try_at) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.tries) == ("succeeded", 2) and len(server.requests) == 2


def test_an_endpoint_hears_only_its_own_organisations_events(
    endpoint, other_org, django_capture_on_commit_callbacks
):
    server, _, _ = endpoint()
    organisation, other_lead, _ = other_org
    exercise = organisation.exercises.get(slug="customer-communication")
    with django_capture_on_commit_callbacks(execute=True):
        simulator_services.invitation_create(
            exercise=exercise,
            participant_name="Gus",
            participant_email="gus@example.com",
            created_by=other_lead,
        )
    assert server.requests == [] and not Delivery.objects.exists()


@pytest.mark.parametrize(("debug", "expected"), [("false", "False"), ("true", "True")])
def test_internal_targets_are_refused_by_default_in_production_only(debug, expected):
    import os
    import secrets
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_DEBUG": debug, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
           "DJANGO_SETTINGS_MODULE": "simulator.settings"}  # fmt: skip
    env.pop("INTEGRATIONS_ALLOW_PRIVATE_TARGETS", None)
    shown = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.INTEGRATIONS_ALLOW_PRIVATE_TARGETS)"],
        env=env, capture_output=True, text=True, cwd=Path(signing.__file__).parent.parent, check=True,
    )  # fmt: skip
    assert shown.stdout.strip() == expected


def test_a_failed_request_says_what_went_wrong_in_a_word(receiver, settings):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    assert send(method="POST", url=f"http://127.0.0.1:{closed_port}/").failure == "connection_refused"

    settings.INTEGRATIONS_READ_TIMEOUT = 0.2
    with socket.socket() as silent:  # accepts the connection and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        assert send(method="POST", url=f"http://127.0.0.1:{silent.getsockname()[1]}/").failure == "timeout"

    plain = receiver([404])  # a plain HTTP server, asked for TLS
    assert send(method="POST", url=plain.url("/").replace("http://", "https://")).failure == "tls"
    answered = send(method="POST", url=plain.url("/"))
    assert (answered.status_code, answered.failure) == (404, "http_status")
    assert send(method="POST", url="http://no-such-host.invalid/").failure == "host_not_found"
