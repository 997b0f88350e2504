"""What the organisation connects to: partner API keys (an ATS calls us), the tests an ATS sent,
webhook endpoints, a learning record store or LMS, and every outbound delivery with its tries.

Secrets: an API key and a webhook secret are derived from a random seed stored here and the server's
SECRET_KEY (integrations/secrets.py), so a copy of the database alone holds no usable key; an API key
is found by the SHA-256 hash of what the caller presents. State changes live in services.py.
"""

from django.conf import settings
from django.db import models

from simulator.models import Attempt, Organisation, opaque_id


class PartnerApiKey(models.Model):
    """A key an applicant tracking system sends as the HTTP Basic user name (password empty)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="partner_api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The key's first characters, to tell keys apart")
    key_hash = models.CharField(max_length=64, unique=True)
    seed = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class PartnerInterview(models.Model):
    """A test an ATS sent through `send_test`: the invitation it made and where to report completion."""

    public_id = models.CharField(max_length=32, unique=True, default=opaque_id)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="partner_interviews"
    )
    api_key = models.ForeignKey(PartnerApiKey, on_delete=models.PROTECT, related_name="interviews")
    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="partner_interview")
    callback_url = models.URLField(max_length=1000)
    candidate = models.JSONField(default=dict, help_text="The candidate as the ATS sent them")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "callback_url"], name="one_interview_per_callback"
            )
        ]

    def __str__(self) -> str:
        return f"partner interview {self.public_id}"


class WebhookEndpoint(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=1000)
    events = models.JSONField(help_text="The event types this endpoint receives")
    seed = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.url


class LearningRecordKind(models.TextChoices):
    XAPI = "xapi", "xAPI statements to a learning record store"
    LTI_AGS = "lti_ags", "LTI 1.3 Assignment and Grade Services scores"


class LearningRecordTarget(models.Model):
    """Where the scores of training attempts go: an xAPI LRS (HTTP Basic) or an LTI 1.3 line item
    (OAuth 2 client credentials with a signed JWT, as LTI Advantage requires)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="learning_record_target"
    )
    kind = models.CharField(max_length=16, choices=LearningRecordKind.choices)
    endpoint = models.URLField(
        max_length=1000, help_text="xAPI: the LRS base URL (…/xapi/); LTI: the line item URL"
    )
    username = models.CharField(max_length=200, blank=True, help_text="xAPI: the LRS key")
    password = models.CharField(max_length=200, blank=True, help_text="xAPI: the LRS secret")
    token_url = models.URLField(
        max_length=1000, blank=True, help_text="LTI: the platform's OAuth 2 token URL"
    )
    client_id = models.CharField(max_length=200, blank=True, help_text="LTI: this tool's client id")
    active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.endpoint}"


class DeliveryKind(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    ATS_COMPLETION = "ats_completion", "ATS completion"
    XAPI = "xapi", "xAPI statement"
    LTI_SCORE = "lti_score", "LTI score"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"


class FailureReason(models.TextChoices):
    """Why a try failed, in words a lead can act on; the raw detail stays in `last_error`."""

    HTTP_STATUS = "http_status", "HTTP status"
    TIMEOUT = "timeout", "timeout"
    CONNECTION_REFUSED = "connection_refused", "connection refused"
    HOST_NOT_FOUND = "host_not_found", "host not found"
    CONNECTION_FAILED = "connection_failed", "connection failed"
    TLS = "tls", "TLS error"
    SSRF_GUARD = "ssrf_guard", "refused by the SSRF guard"
    NOT_CONFIGURED = "not_configured", "not configured"
    BAD_ANSWER = "bad_answer", "unreadable answer"
    REQUEST_FAILED = "request_failed", "request failed"


class Delivery(models.Model):
    """One message to send out (a webhook event to one endpoint, a completion PATCH, a learning
    record), with its outcome; each try is a DeliveryTry. `last_error` keeps the raw detail for
    operators; the page shows `failure_text`, the classified reason."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=16, choices=DeliveryKind.choices)
    event = models.CharField(max_length=40)
    event_id = models.CharField(max_length=40, help_text="The same for every delivery of one event")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    attempt = models.ForeignKey(
        Attempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="integration_deliveries"
    )
    method = models.CharField(max_length=8, default="POST")
    url = models.URLField(max_length=1000)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    tries = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_failure = models.CharField(max_length=24, choices=FailureReason.choices, blank=True)
    created_at = models.DateTimeField()
    next_try_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.event} to {self.url} ({self.status})"

    @property
    def failure_text(self) -> str:
        """The last try's failure as a short reason, never the exception's own text."""
        if self.last_failure == FailureReason.HTTP_STATUS or (
            not self.last_failure and self.last_status_code
        ):
            ok = self.last_status_code is not None and 200 <= self.last_status_code < 300
            return "" if ok else f"HTTP status {self.last_status_code}"
        if self.last_failure:
            return FailureReason(self.last_failure).label
        return "request failed" if self.last_error else ""


class DeliveryTry(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="try_records")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="one_try_per_number")]

    def __str__(self) -> str:
        return f"try {self.number} of delivery {self.delivery_id}"
