"""Every state change of the integrations: partner API keys, tests sent by an ATS, webhook endpoints,
the learning record target, and deliveries (made from domain events, then tried until they succeed
or run out of tries). Privileged changes are appended to the organisation's audit log."""

import base64
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations import lti, outbound, payloads
from integrations import secrets as keys
from integrations.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    DeliveryTry,
    FailureReason,
    LearningRecordKind,
    LearningRecordTarget,
    PartnerApiKey,
    PartnerInterview,
    WebhookEndpoint,
)
from integrations.signing import HEADER as SIGNATURE_HEADER
from integrations.signing import signature_header
from simulator import events
from simulator import services as simulator_services
from simulator.errors import DomainError
from simulator.models import Attempt, Exercise, Organisation, Purpose, Role

logger = logging.getLogger(__name__)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


def _lead_of(user, organisation_id: int):
    membership = getattr(user, "membership", None)
    if membership is None or membership.role != Role.LEAD or membership.organisation_id != organisation_id:
        raise simulator_services.NotAllowed("only a lead of this organisation can change its integrations")
    return membership


def _audit(*, organisation_id: int, actor, action: str, target: str, before=None, after=None, now=None):
    simulator_services.audit_record(
        organisation_id=organisation_id, actor=actor, action=action, target=target,
        before=before, after=after, now=now,
    )  # fmt: skip


# Partner API keys --------------------------------------------------------------------------------


@transaction.atomic
def api_key_create(
    *, organisation: Organisation, name: str, created_by, now=None
) -> tuple[PartnerApiKey, str]:
    """A new key for an ATS; returns the row and the key, which is shown this once."""
    _lead_of(created_by, organisation.pk)
    name = (name or "").strip()
    if not name:
        raise DomainError("name: say which system will use this key, e.g. Greenhouse")
    now = now or timezone.now()
    seed = keys.new_seed()
    key = keys.api_key_for(seed)
    api_key = PartnerApiKey(
        organisation=organisation, name=name, prefix=key[:10], key_hash=keys.key_hash(key), seed=seed,
        created_by=created_by, created_at=now,
    )  # fmt: skip
    api_key.full_clean()
    api_key.save()
    _audit(organisation_id=organisation.pk, actor=created_by, action="partner_api_key.created",
           target=f"partner_api_key:{api_key.pk}", after={"name": name, "prefix": api_key.prefix}, now=now)  # fmt: skip
    return api_key, key


@transaction.atomic
def api_key_revoke(*, api_key: PartnerApiKey, revoked_by, now=None) -> PartnerApiKey:
    _lead_of(revoked_by, api_key.organisation_id)
    api_key = PartnerApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    now = now or timezone.now()
    api_key.revoked_at, api_key.revoked_by = now, revoked_by
    api_key.save(update_fields=["revoked_at", "revoked_by"])
    _audit(organisation_id=api_key.organisation_id, actor=revoked_by, action="partner_api_key.revoked",
           target=f"partner_api_key:{api_key.pk}", after={"name": api_key.name, "prefix": api_key.prefix}, now=now)  # fmt: skip
    return api_key


def api_key_authenticate(key: str, *, now=None) -> PartnerApiKey | None:
    """The live key a caller presented, or None; its last use is kept to the minute."""
    if not key or len(key) > 200:
        return None
    api_key = (
        PartnerApiKey.objects.select_related("organisation")
        .filter(key_hash=keys.key_hash(key), revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        return None
    now = now or timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > timedelta(minutes=1):
        PartnerApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


# Tests sent by an ATS ------------------------------------------------------------------------------


def partner_tests(*, organisation_id: int):
    """The organisation's hiring exercises, which an ATS may send (partner_test_id is the slug)."""
    return Exercise.objects.filter(organisation_id=organisation_id, purpose=Purpose.HIRING).order_by("title")


@dataclass(frozen=True)
class Candidate:
    first_name: str
    last_name: str
    email: str
    extra: dict

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


def partner_test_send(
    *,
    api_key: PartnerApiKey,
    partner_test_id: str,
    candidate: Candidate,
    callback_url: str,
    link_for,
    now=None,
) -> tuple[PartnerInterview, bool]:
    """Invite the candidate to the exercise and e-mail them the link (the invitation service's mail),
    remembering where to report completion. Idempotent per callback URL: Greenhouse sends one URL per
    test instance, so a repeated call (even a concurrent one) returns the same interview (created
    False) and sends nothing. The key's creator is the invitation's author. `link_for(token)` makes
    the absolute link."""
    existing = PartnerInterview.objects.filter(
        organisation_id=api_key.organisation_id, callback_url=callback_url
    ).first()
    if existing is not None:
        return existing, False
    try:
        interview = _partner_test_create(
            api_key=api_key, partner_test_id=partner_test_id, candidate=candidate, callback_url=callback_url,
            link_for=link_for, now=now,
        )  # fmt: skip
    except IntegrityError:  # the same URL sent twice at once: the other call made the interview
        return PartnerInterview.objects.get(
            organisation_id=api_key.organisation_id, callback_url=callback_url
        ), False
    return interview, True


@transaction.atomic
def _partner_test_create(
    *,
    api_key: PartnerApiKey,
    partner_test_id: str,
    candidate: Candidate,
    callback_url: str,
    link_for,
    now=None,
) -> PartnerInterview:
    organisation_id = api_key.organisation_id
    exercise = partner_tests(organisation_id=organisation_id).filter(slug=partner_test_id).first()
    if exercise is None:
        raise NotFound(
            f"partner_test_id: no test {partner_test_id!r}; list_tests gives the tests of this key"
        )
    outbound.check_target(callback_url)
    now = now or timezone.now()
    invitation, token = simulator_services.invitation_create(
        exercise=exercise, participant_name=candidate.name, participant_email=candidate.email,
        created_by=api_key.created_by, now=now,
    )  # fmt: skip
    interview = PartnerInterview.objects.create(
        organisation_id=organisation_id, api_key=api_key, attempt=invitation.attempt, callback_url=callback_url,
        candidate={"first_name": candidate.first_name, "last_name": candidate.last_name, "email": candidate.email,
                   **candidate.extra},
        created_at=now,
    )  # fmt: skip
    # Inside the transaction: if the mail server refuses, nothing is created and the ATS may call again.
    simulator_services.invitation_send(
        invitation=invitation, link=link_for(token), sent_by=api_key.created_by, now=now
    )
    return interview


def partner_interview_for(*, api_key: PartnerApiKey, public_id: str) -> PartnerInterview:
    interview = (
        PartnerInterview.objects.select_related(
            "attempt__exercise", "attempt__scorecard", "attempt__organisation", "attempt__participant"
        )
        .filter(organisation_id=api_key.organisation_id, public_id=public_id)
        .first()
    )
    if interview is None:
        raise NotFound("partner_interview_id: no such test was sent with a key of this organisation")
    return interview


def partner_error_record(
    *, api_key: PartnerApiKey, api_call: str, errors: list[str], details: dict, now=None
) -> None:
    """Greenhouse reports a response of ours it could not read (its `response_error` call); kept in
    the organisation's audit log so a lead can see what went wrong."""
    _audit(organisation_id=api_key.organisation_id, actor=None, action="partner_api.response_error",
           target=f"partner_api_key:{api_key.pk}",
           after={"api_call": api_call, "errors": errors[:20], **details}, now=now)  # fmt: skip


# Webhook endpoints ---------------------------------------------------------------------------------


def _check_events(chosen: list[str]) -> list[str]:
    unknown = sorted(set(chosen) - set(events.EVENT_TYPES))
    if unknown:
        raise DomainError(
            f"events: unknown {', '.join(unknown)}; choose from {', '.join(events.EVENT_TYPES)}"
        )
    if not chosen:
        raise DomainError("events: choose at least one event")
    return [e for e in events.EVENT_TYPES if e in chosen]


@transaction.atomic
def webhook_endpoint_create(
    *, organisation: Organisation, url: str, event_types: list[str], created_by, now=None
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint; returns it and its signing secret, which is shown this once."""
    _lead_of(created_by, organisation.pk)
    outbound.check_target(url)
    now = now or timezone.now()
    endpoint = WebhookEndpoint(
        organisation=organisation, url=url, events=_check_events(event_types), seed=keys.new_seed(),
        created_by=created_by, created_at=now,
    )  # fmt: skip
    endpoint.full_clean()
    endpoint.save()
    _audit(organisation_id=organisation.pk, actor=created_by, action="webhook_endpoint.created",
           target=f"webhook_endpoint:{endpoint.pk}", after={"url": url, "events": endpoint.events}, now=now)  # fmt: skip
    return endpoint, keys.webhook_secret_for(endpoint.seed)


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, disabled_by, now=None) -> WebhookEndpoint:
    """Stop sending to an endpoint; its delivery log stays."""
    _lead_of(disabled_by, endpoint.organisation_id)
    endpoint.active = False
    endpoint.save(update_fields=["active"])
    _audit(organisation_id=endpoint.organisation_id, actor=disabled_by, action="webhook_endpoint.disabled",
           target=f"webhook_endpoint:{endpoint.pk}", before={"url": endpoint.url}, now=now)  # fmt: skip
    return endpoint


# The learning record target ----------------------------------------------------------------------


@transaction.atomic
def learning_record_target_set(
    *, organisation: Organisation, kind: str, endpoint: str, updated_by, username: str = "", password: str = "",
    token_url: str = "", client_id: str = "", active: bool = True, now=None,
) -> LearningRecordTarget:  # fmt: skip
    """Where training scores go. xAPI needs the LRS key and secret; LTI the token URL and client id
    (and LTI_TOOL_PRIVATE_KEY on the server). An empty password keeps the stored one."""
    _lead_of(updated_by, organisation.pk)
    if kind not in LearningRecordKind.values:
        raise DomainError(f"kind: one of {', '.join(LearningRecordKind.values)}")
    outbound.check_target(endpoint)
    current = LearningRecordTarget.objects.filter(organisation=organisation).first()
    if kind == LearningRecordKind.XAPI:
        password = password or (current.password if current else "")
        if not username or not password:
            raise DomainError("an xAPI learning record store needs its key (username) and secret (password)")
    else:
        if not token_url or not client_id:
            raise DomainError("LTI needs the platform's token URL and this tool's client id")
        outbound.check_target(token_url)
    now = now or timezone.now()
    target, _ = LearningRecordTarget.objects.update_or_create(
        organisation=organisation,
        defaults={
            "kind": kind, "endpoint": endpoint, "username": username if kind == LearningRecordKind.XAPI else "",
            "password": password if kind == LearningRecordKind.XAPI else "", "token_url": token_url,
            "client_id": client_id, "active": active, "updated_by": updated_by, "updated_at": now,
        },
    )  # fmt: skip
    target.full_clean()
    _audit(organisation_id=organisation.pk, actor=updated_by, action="learning_record_target.set",
           target=f"organisation:{organisation.pk}",
           after={"kind": kind, "endpoint": endpoint, "active": active}, now=now)  # fmt: skip
    return target


# Deliveries ----------------------------------------------------------------------------------------


def deliveries_for_event(
    *, event: str, organisation_id: int, attempt_id: int, occurred_at: datetime
) -> list[Delivery]:
    """Everything one domain event sends: the event to each subscribed webhook endpoint; on
    finalize, the completion PATCH to the ATS that sent the test; on scoring and finalize of a
    training attempt, a learning record. Called after the event's transaction has committed."""
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(organisation_id=organisation_id, active=True)
        if event in e.events
    ]
    interview = None
    if event == events.ATTEMPT_FINALIZED:
        interview = PartnerInterview.objects.filter(attempt_id=attempt_id).first()
    target = None
    if event in (events.ATTEMPT_SCORED, events.ATTEMPT_FINALIZED):
        target = LearningRecordTarget.objects.filter(organisation_id=organisation_id, active=True).first()
    if not endpoints and interview is None and target is None:
        return []
    attempt = Attempt.objects.select_related(
        "exercise", "participant", "invitation", "organisation", "scorecard"
    ).get(pk=attempt_id)
    event_id = "evt_" + uuid.uuid4().hex
    common = {"organisation_id": organisation_id, "attempt": attempt, "event": event, "event_id": event_id,
              "created_at": timezone.now()}  # fmt: skip
    made = []
    if endpoints:
        body = _json(
            payloads.webhook_event(event=event, event_id=event_id, occurred_at=occurred_at, attempt=attempt)
        )
        made += [
            Delivery(kind=DeliveryKind.WEBHOOK, endpoint=e, url=e.url, body=body, **common) for e in endpoints
        ]
    if interview is not None:
        made.append(
            Delivery(kind=DeliveryKind.ATS_COMPLETION, method="PATCH", url=interview.callback_url, **common)
        )
    if target is not None and attempt.exercise.purpose == Purpose.TRAINING:
        if target.kind == LearningRecordKind.XAPI:
            statement = payloads.xapi_statement(
                attempt=attempt,
                statement_id=str(uuid.uuid5(uuid.NAMESPACE_URL, event_id)),
                timestamp=occurred_at,
            )
            made.append(Delivery(kind=DeliveryKind.XAPI, url=target.endpoint.rstrip("/") + "/statements",
                                 body=_json(statement), **common))  # fmt: skip
        else:
            score = payloads.lti_score(
                attempt=attempt, user_id=attempt.participant.email, timestamp=occurred_at
            )
            made.append(Delivery(kind=DeliveryKind.LTI_SCORE, url=lti.scores_url(target.endpoint),
                                 body=_json(score), **common))  # fmt: skip
    Delivery.objects.bulk_create(made)
    return made


def _json(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class TryResult:
    status: str
    retry_in: int | None  # seconds until the next try, or None when done


def retry_delay(tries: int) -> int:
    """Exponential backoff: INTEGRATIONS_RETRY_BASE_SECONDS, then twice as long after each failure."""
    return settings.INTEGRATIONS_RETRY_BASE_SECONDS * 2 ** (tries - 1)


def delivery_try(*, delivery_id: int, now=None) -> TryResult:
    """Send a delivery once and record the try. A failure is tried again after retry_delay() until
    INTEGRATIONS_MAX_TRIES; then the delivery is failed. No database lock is held while the request
    is out: a delivery may arrive twice (the receiver dedupes on the event id), never zero times."""
    delivery = Delivery.objects.select_related("endpoint", "attempt").get(pk=delivery_id)
    if delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED):
        return TryResult(delivery.status, None)
    try:
        outcome = _send(delivery)
    except DomainError as refused:  # a configuration that cannot work: trying again will not help
        reason = (
            FailureReason.SSRF_GUARD
            if isinstance(refused, outbound.TargetRefused)
            else FailureReason.NOT_CONFIGURED
        )
        outcome = outbound.Outcome(None, str(refused), 0, failure=reason)
        final = True
    else:
        final = False
    now = now or timezone.now()
    number = delivery.tries + 1
    with transaction.atomic():
        DeliveryTry.objects.create(
            delivery=delivery, number=number, at=now, status_code=outcome.status_code,
            error=outcome.error[:500], duration_ms=outcome.duration_ms,
        )  # fmt: skip
        delivery.tries = number
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error[:500]
        delivery.last_failure = "" if outcome.ok else outcome.failure or FailureReason.REQUEST_FAILED
        retry_in = None
        if outcome.ok:
            delivery.status, delivery.finished_at, delivery.next_try_at = DeliveryStatus.SUCCEEDED, now, None
        elif final or number >= settings.INTEGRATIONS_MAX_TRIES:
            delivery.status, delivery.finished_at, delivery.next_try_at = DeliveryStatus.FAILED, now, None
        else:
            retry_in = retry_delay(number)
            delivery.status, delivery.next_try_at = DeliveryStatus.RETRYING, now + timedelta(seconds=retry_in)
        delivery.save(
            update_fields=[
                "tries",
                "last_status_code",
                "last_error",
                "last_failure",
                "status",
                "finished_at",
                "next_try_at",
            ]
        )
    return TryResult(delivery.status, retry_in)


def _send(delivery: Delivery) -> outbound.Outcome:
    body = delivery.body.encode()
    if delivery.kind == DeliveryKind.WEBHOOK:
        if delivery.endpoint is None:
            raise DomainError("the endpoint was removed")
        secret = keys.webhook_secret_for(delivery.endpoint.seed)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(secret, body),
            "Simulator-Event": delivery.event,
            "Simulator-Event-Id": delivery.event_id,
            "Simulator-Delivery": str(delivery.pk),
        }
        return outbound.send(method="POST", url=delivery.url, body=body, headers=headers)
    if delivery.kind == DeliveryKind.ATS_COMPLETION:
        interview = PartnerInterview.objects.select_related("api_key").get(attempt_id=delivery.attempt_id)
        key = _live_key(interview)
        return outbound.send(method="PATCH", url=delivery.url, auth=(key, ""))
    target = LearningRecordTarget.objects.filter(organisation_id=delivery.organisation_id).first()
    if target is None:
        raise DomainError("the learning record target was removed")
    if delivery.kind == DeliveryKind.XAPI:
        headers = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
        return outbound.send(method="POST", url=delivery.url, body=body, headers=headers,
                             auth=(target.username, target.password))  # fmt: skip
    token, failure = _lti_token(target)
    if failure is not None:
        return failure
    headers = {"Content-Type": lti.SCORE_MEDIA_TYPE, "Authorization": f"Bearer {token}"}
    return outbound.send(method="POST", url=delivery.url, body=body, headers=headers)


def _live_key(interview: PartnerInterview) -> str:
    """The key the ATS knows us by: the one it sent the test with, else the organisation's newest live key."""
    api_key = interview.api_key
    if api_key.revoked_at is not None:
        api_key = PartnerApiKey.objects.filter(
            organisation_id=interview.organisation_id, revoked_at__isnull=True
        ).first()
        if api_key is None:
            raise DomainError("no live partner API key: create one on the integrations page")
    key = keys.api_key_for(api_key.seed)
    if keys.key_hash(key) != api_key.key_hash:
        raise DomainError("the partner API key cannot be derived since SECRET_KEY changed: create a new key")
    return key


def _lti_token(target: LearningRecordTarget) -> tuple[str, outbound.Outcome | None]:
    try:
        form = lti.token_request_body(client_id=target.client_id, token_url=target.token_url)
    except lti.LtiNotConfigured as missing:
        raise DomainError(str(missing)) from None
    outcome = outbound.send(
        method="POST", url=target.token_url, body=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    if not outcome.ok:
        return "", outbound.Outcome(
            outcome.status_code,
            f"token request: {outcome.error}",
            outcome.duration_ms,
            failure=outcome.failure,
        )
    try:
        token = json.loads(outcome.text)["access_token"]
    except (ValueError, KeyError, TypeError):
        token = None
    if isinstance(token, str) and token.strip():
        return token, None
    return "", outbound.Outcome(
        outcome.status_code,
        "token request: no access_token in the answer",
        outcome.duration_ms,
        failure=FailureReason.BAD_ANSWER,
    )


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(user name, password) from an `Authorization: Basic …` header, or None."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return user, password


# How long a new delivery may wait for its first try before the resume sweep queues it again.
FIRST_TRY_GRACE = timedelta(minutes=5)
RESUME_BATCH = 500


def deliveries_resume(*, now=None) -> int:
    """Queue again the deliveries whose task was lost (a broker restarted without its queue): those
    waiting for a retry past its time, and new ones never tried after FIRST_TRY_GRACE. Run by Celery
    beat (CELERY_BEAT_SCHEDULE) or `manage.py resume_deliveries`; a delivery tried twice is harmless."""
    from django.db.models import Q

    from integrations.tasks import deliver

    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(
            Q(status=DeliveryStatus.RETRYING, next_try_at__lte=now)
            | Q(status=DeliveryStatus.PENDING, created_at__lte=now - FIRST_TRY_GRACE)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:RESUME_BATCH]
    )
    for delivery_id in due:
        deliver.delay(delivery_id)
    return len(due)
