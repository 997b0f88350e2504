"""Delivery of a simulation: organisations and people, exercises, invitations, attempts and what
a candidate did in them. State changes live in simulator/services.py; reads in selectors.py."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from scenarios.models import Scenario, ScenarioKind


def opaque_id() -> str:
    """A random public id: it says nothing about what it names, so it can sit in a candidate's URL.
    It never starts with "-", which a command line (`export_attempt ID`) would take for an option."""
    while (value := secrets.token_urlsafe(12)).startswith("-"):
        pass
    return value


def new_seed_secret() -> str:
    """An organisation's scenario secret: mixed into every seed its exercises draw, so no scenario
    and no answer key of the organisation can be recomputed from the code and its constants."""
    return secrets.token_hex(32)


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Server-side only: no form, serializer, page or export shows it.
    seed_secret = models.CharField(max_length=64, default=new_seed_secret, editable=False)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    LEAD = "lead", "Lead"
    REVIEWER = "reviewer", "Reviewer"


class Membership(models.Model):
    """A staff user's place in one organisation. Participants are not users: they need no password."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    def __str__(self) -> str:
        return f"{self.user} ({self.role} of {self.organisation})"


class Panel(models.Model):
    """A hiring panel: the reviewers who assess one hiring loop."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(max_length=200)
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="panels")

    def __str__(self) -> str:
        return self.name


class ParticipantKind(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    TRAINEE = "trainee", "Trainee"


class Participant(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    kind = models.CharField(max_length=16, choices=ParticipantKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when simulator.erasure removed the person's data: the row stays, anonymous, for its scores.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], name="participant_email_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Purpose(models.TextChoices):
    HIRING = "hiring", "Hiring"
    TRAINING = "training", "Training"


class VariantPolicy(models.TextChoices):
    SAME_SEED = "same_seed", "The same scenario for every participant"
    PER_PARTICIPANT = "per_participant", "An isomorphic variant per participant"


class Exercise(models.Model):
    """A template: ordered scenario specs, a time limit, a purpose and a variant policy.

    `items` is a list of {"kind", "archetypes": [ids] (one is picked), "difficulty"}; an empty
    archetype list means any archetype that supports the kind.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="exercises")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    time_limit_minutes = models.PositiveIntegerField()
    variant_policy = models.CharField(
        max_length=20, choices=VariantPolicy.choices, default=VariantPolicy.SAME_SEED
    )
    base_seed = models.BigIntegerField()
    items = models.JSONField()
    builtin = models.BooleanField(default=False)
    # Human review: the panel whose reviewers get this exercise's attempts, how many reviews each
    # attempt needs (1 for hiring, 0 for training by default) and whether reviews are blind.
    panel = models.ForeignKey(
        "Panel", on_delete=models.SET_NULL, null=True, blank=True, related_name="exercises"
    )
    reviews_required = models.PositiveSmallIntegerField(default=1)
    blind_review = models.BooleanField(default=True)
    # Whether a hiring candidate may ask for a second look at one dimension (trainees always may).
    appeals_allowed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="exercise_slug_per_org")]

    def __str__(self) -> str:
        return self.title


class AttemptStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    SCORED = "scored", "Scored"
    FINALIZED = "finalized", "Finalized"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


class SubmittedBy(models.TextChoices):
    PARTICIPANT = "participant", "The participant"
    DEADLINE = "deadline", "The deadline"
    STAFF = "staff", "A lead or reviewer"


class Invitation(models.Model):
    """A single-use link. Only a hash of its token is stored; the link is shown once, at creation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="invitations")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="invitations")
    panel = models.ForeignKey(
        Panel, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # The link's token is derived from this value and the server's secret key (services.invitation_link_token),
    # so staff can copy or resend the link while the database alone never holds a usable token.
    link_secret = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"invitation of {self.participant} to {self.exercise}"


class Attempt(models.Model):
    public_id = models.CharField(max_length=32, unique=True, default=opaque_id)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="attempts")
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="attempt")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="attempts")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attempts")
    status = models.CharField(max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.INVITED)
    access_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    time_limit_seconds = models.PositiveIntegerField()
    extra_seconds = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.CharField(max_length=16, choices=SubmittedBy.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"attempt {self.public_id} ({self.status})"


class AttemptItem(models.Model):
    """One scenario of an attempt, named to the candidate only by its opaque public id."""

    public_id = models.CharField(max_length=32, unique=True, default=opaque_id)
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=ScenarioKind.choices)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="item_position_per_attempt")
        ]

    def __str__(self) -> str:
        return f"item {self.position} of {self.attempt_id}"


class Response(models.Model):
    """The current answer to an item; every saved version is also kept in ResponseRevision."""

    item = models.OneToOneField(AttemptItem, on_delete=models.CASCADE, related_name="response")
    version = models.PositiveIntegerField(default=0)
    answer = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"response to {self.item_id} v{self.version}"


class ResponseRevision(models.Model):
    # No index of its own: the unique (item, version) index serves lookups by item.
    item = models.ForeignKey(AttemptItem, on_delete=models.CASCADE, related_name="revisions", db_index=False)
    version = models.PositiveIntegerField()
    answer = models.JSONField()
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["item", "version"]
        constraints = [models.UniqueConstraint(fields=["item", "version"], name="one_revision_per_version")]

    def __str__(self) -> str:
        return f"revision {self.version} of {self.item_id}"


class EventKind(models.TextChoices):
    ITEM_OPENED = "item_opened", "Item opened"
    TICKET_VIEWED = "ticket_viewed", "Ticket viewed"
    LOG_SEARCH = "log_search", "Log search or filter run"
    TRACE_OPENED = "trace_opened", "Trace opened"
    SEVERITY_SET = "severity_set", "Severity first set"
    ANSWER_SAVED = "answer_saved", "Answer saved"
    INJECT_SEEN = "inject_seen", "Incident inject seen"


class Event(models.Model):
    """Append-only record of what the participant did, stamped with the server's clock."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events")
    item = models.ForeignKey(
        AttemptItem, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    data = models.JSONField(default=dict, blank=True)
    client_ts = models.DateTimeField(null=True, blank=True)
    server_ts = models.DateTimeField()

    class Meta:
        ordering = ["attempt", "server_ts", "id"]
        indexes = [models.Index(fields=["attempt", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} in {self.attempt_id}"


class AuditEntry(models.Model):
    """One privileged action (invitations, reviews, overrides, finalize, reopen, exports...): who did
    what to which object, when, and the state before and after. Append-only."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=120, help_text='What was acted on, e.g. "attempt:Xy12..."')
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-at"])]

    def __str__(self) -> str:
        return f"{self.action} on {self.target}"


# Notifications and single sign-on: per-organisation settings ---------------------------------------


class NotificationSettings(models.Model):
    """Which e-mails an organisation sends; every one is on until a lead switches it off.
    An organisation without a row has the defaults (`simulator.notifications.settings_for`)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="notification_settings"
    )
    invitation_emails = models.BooleanField(default=True)
    invitation_reminders = models.BooleanField(default=True)
    reminder_hours_before = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(7 * 24)]
    )
    feedback_ready_emails = models.BooleanField(default=True)
    appeal_answered_emails = models.BooleanField(default=True)
    review_digest = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification settings of {self.organisation_id}"


class NotificationKind(models.TextChoices):
    INVITATION_REMINDER = "invitation_reminder", "Reminder before an invitation expires"
    FEEDBACK_READY = "feedback_ready", "Feedback ready"
    APPEAL_ANSWERED = "appeal_answered", "Appeal answered"
    REVIEW_DIGEST = "review_digest", "Daily review-queue digest"


class NotificationSent(models.Model):
    """An automatic e-mail that went out. The key names what it was about (an invitation, an
    attempt, a reviewer's day), and one row per kind and key is what makes each go once."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    key = models.CharField(max_length=120)
    recipient = models.EmailField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="one_notification_per_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class SigningAlgorithm(models.TextChoices):
    RS256 = "RS256", "RS256"
    RS384 = "RS384", "RS384"
    RS512 = "RS512", "RS512"
    ES256 = "ES256", "ES256"
    ES384 = "ES384", "ES384"
    PS256 = "PS256", "PS256"


class SingleSignOn(models.Model):
    """An organisation's OpenID Connect provider for staff logins (simulator/sso.py).

    The client secret is not stored here: it is read from the environment variable named by
    `client_secret_env` (default OIDC_CLIENT_SECRET_<SLUG>), so no database copy, backup or admin
    page holds it.
    """

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="single_sign_on"
    )
    enabled = models.BooleanField(default=True)
    issuer = models.URLField(help_text="The provider's issuer, exactly as its ID tokens name it")
    authorization_endpoint = models.URLField()
    token_endpoint = models.URLField()
    jwks_endpoint = models.URLField()
    userinfo_endpoint = models.URLField(blank=True, help_text="Empty: the ID token's claims alone are read")
    client_id = models.CharField(max_length=255)
    client_secret_env = models.CharField(
        max_length=100, blank=True, help_text="Empty: OIDC_CLIENT_SECRET_<organisation slug in capitals>"
    )
    scopes = models.CharField(max_length=255, default="openid email profile")
    signing_algorithm = models.CharField(
        max_length=8, choices=SigningAlgorithm.choices, default=SigningAlgorithm.RS256
    )
    groups_claim = models.CharField(max_length=100, default="groups")
    lead_groups = models.TextField(
        blank=True, help_text="Provider groups whose members are leads, one a line"
    )
    reviewer_groups = models.TextField(
        blank=True, help_text="Provider groups whose members are reviewers, one a line"
    )
    disable_local_passwords = models.BooleanField(
        default=False, help_text="Staff of this organisation sign in through the provider only"
    )

    def __str__(self) -> str:
        return f"single sign-on of {self.organisation_id}"


class StaffIdentity(models.Model):
    """The identity-provider account a staff user signs in with: (issuer, subject) is the key, not
    the e-mail address, which a provider may let its users change."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    last_login_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_identity")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
