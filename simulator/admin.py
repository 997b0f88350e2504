"""The simulator's records in the operators' admin (simulator/admin_site.py lets in superusers only).

Almost everything here is read-only: attempts, invitations, exercises and panels change through
simulator/services.py, which keeps the state machine, the checks and the audit trail; an edit in the
admin would go around all three. Operators may rename an organisation and manage memberships, which
have no rule beyond the model's own. Secrets never appear: not the hash of an invitation's or an
attempt's token, nor an API token's key.
"""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.template.response import TemplateResponse
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from scenarios.admin import ReadOnlyAdmin
from simulator.models import (
    Attempt,
    AuditEntry,
    Event,
    Exercise,
    Invitation,
    Membership,
    NotificationSent,
    NotificationSettings,
    Organisation,
    Panel,
    Participant,
    Response,
    ResponseRevision,
    SingleSignOn,
    StaffIdentity,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """Renamed here, created by `simulator.services.organisation_create` (which adds its exercises)."""

    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    fields = ("name", "slug", "created_at")
    readonly_fields = ("slug", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation")
    search_fields = ("user__username", "user__email", "organisation__name")
    list_select_related = ("user", "organisation")
    raw_id_fields = ("user",)


@admin.register(Panel)
class PanelAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "reviewer_count")
    list_filter = ("organisation",)
    search_fields = ("name", "organisation__name")
    list_select_related = ("organisation",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(reviewer_count=Count("reviewers"))

    @admin.display(ordering="reviewer_count", description="reviewers")
    def reviewer_count(self, panel: Panel) -> int:
        return panel.reviewer_count


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ("name", "email", "kind", "organisation", "created_at", "erased_at")
    list_filter = ("kind", "organisation", ("erased_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "email")
    list_select_related = ("organisation",)
    date_hierarchy = "created_at"
    actions = ["erase_personal_data"]

    @admin.action(description="Erase personal data of the selected participants")
    def erase_personal_data(self, request, queryset):
        """simulator.erasure.participant_erase for each, after a page that asks for a reason."""
        from simulator.erasure import ErasureRefused, participant_erase

        reason = (request.POST.get("reason") or "").strip()
        if request.POST.get("confirm") != "yes" or not reason:
            return TemplateResponse(
                request,
                "admin/simulator/participant/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Erase personal data",
                    "participants": queryset,
                    "opts": self.model._meta,
                    "reason_missing": request.POST.get("confirm") == "yes",
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        erased = 0
        for participant in queryset:
            try:
                if not participant_erase(
                    participant=participant, erased_by=request.user, reason=reason
                ).already_erased:
                    erased += 1
            except ErasureRefused as error:
                self.message_user(
                    request, f"Participant {participant.pk} was not erased: {error}", messages.ERROR
                )
        noun = "participant" if erased == 1 else "participants"
        self.message_user(request, f"Erased the personal data of {erased} {noun}.", messages.SUCCESS)
        return None


@admin.register(Exercise)
class ExerciseAdmin(ReadOnlyAdmin):
    list_display = (
        "title", "organisation", "purpose", "time_limit_minutes", "variant_policy", "panel", "reviews_required",
        "blind_review", "builtin",
    )  # fmt: skip
    list_filter = ("purpose", "variant_policy", "blind_review", "builtin", "organisation")
    search_fields = ("title", "slug", "organisation__name")
    list_select_related = ("organisation", "panel")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = (
        "participant", "exercise", "organisation", "expires_at", "last_sent_at", "created_by", "created_at",
    )  # fmt: skip
    list_filter = ("organisation",)
    search_fields = ("participant__name", "participant__email", "exercise__title")
    list_select_related = ("participant", "exercise", "organisation", "created_by")
    date_hierarchy = "created_at"
    # Named one by one, so no secret shows (token_hash, and link_secret, which with the server's key
    # makes the link), nor one added to the model later.
    fields = (
        "organisation", "exercise", "participant", "panel", "expires_at", "last_sent_at", "created_by",
        "created_at",
    )  # fmt: skip


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id", "participant", "exercise", "organisation", "status", "started_at", "submitted_at",
        "submitted_by",
    )  # fmt: skip
    list_filter = ("status", "submitted_by", "organisation")
    search_fields = ("public_id", "participant__name", "participant__email", "exercise__title")
    list_select_related = ("participant", "exercise", "organisation")
    date_hierarchy = "created_at"
    fields = (
        "public_id", "organisation", "exercise", "participant", "invitation", "status",
        "time_limit_seconds", "extra_seconds", "started_at", "deadline", "submitted_at", "submitted_by",
        "created_at", "updated_at",
    )  # fmt: skip


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ("pk", "attempt", "kind", "version", "updated_at")
    list_filter = ("item__kind",)
    search_fields = ("item__attempt__public_id", "item__public_id")
    list_select_related = ("item__attempt",)

    @admin.display(ordering="item__attempt__public_id")
    def attempt(self, response: Response) -> Attempt:
        return response.item.attempt

    @admin.display(ordering="item__kind")
    def kind(self, response: Response) -> str:
        return response.item.get_kind_display()


@admin.register(ResponseRevision)
class ResponseRevisionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "attempt", "kind", "version", "saved_at")
    list_filter = ("item__kind",)
    search_fields = ("item__attempt__public_id", "item__public_id")
    list_select_related = ("item__attempt",)
    # Autosave writes a revision every few seconds: no exact count of a table this size.
    show_full_result_count = False

    @admin.display(ordering="item__attempt__public_id")
    def attempt(self, revision: ResponseRevision) -> Attempt:
        return revision.item.attempt

    @admin.display(ordering="item__kind")
    def kind(self, revision: ResponseRevision) -> str:
        return revision.item.get_kind_display()


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("kind", "attempt", "item", "server_ts", "client_ts")
    list_filter = ("kind",)
    search_fields = ("attempt__public_id",)
    list_select_related = ("attempt", "item")
    show_full_result_count = False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The append-only record of privileged actions by leads and reviewers."""

    list_display = ("at", "organisation", "actor", "action", "target")
    list_filter = ("action", "organisation")
    search_fields = ("target", "actor__username", "action")
    list_select_related = ("organisation", "actor")
    date_hierarchy = "at"
    show_full_result_count = False


# API tokens: operators see who holds one, never a key. A token's string is its key and its primary
# key too, so there is no page per token (its title, breadcrumbs and delete confirmation would show
# the key) and no bulk action (the checkboxes carry primary keys). To revoke a token, deactivate its
# user: token authentication refuses inactive users.
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenProxyAdmin(TokenAdmin):
    list_display = ("user", "created")
    list_display_links = None
    list_select_related = ("user",)
    ordering = ("-created",)

    def has_view_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SingleSignOn)
class SingleSignOnAdmin(admin.ModelAdmin):
    """An organisation's identity provider, set up by operators (README: Single sign-on). It holds no
    secret: the client secret is read from the environment variable it names."""

    list_display = ("organisation", "enabled", "issuer", "client_id", "disable_local_passwords")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("enabled", "disable_local_passwords")
    list_select_related = ("organisation",)
    fieldsets = (
        (None, {"fields": ("organisation", "enabled", "disable_local_passwords")}),
        (
            "Provider",
            {
                "fields": (
                    "issuer",
                    "authorization_endpoint",
                    "token_endpoint",
                    "jwks_endpoint",
                    "userinfo_endpoint",
                    "signing_algorithm",
                    "scopes",
                )
            },
        ),  # fmt: skip
        ("Client", {"fields": ("client_id", "client_secret_env")}),
        ("Roles", {"fields": ("groups_claim", "lead_groups", "reviewer_groups")}),
    )


@admin.register(StaffIdentity)
class StaffIdentityAdmin(ReadOnlyAdmin):
    list_display = ("user", "organisation", "issuer", "subject", "last_login_at")
    list_filter = ("organisation",)
    search_fields = ("user__username", "user__email", "subject")
    list_select_related = ("user", "organisation")


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(ReadOnlyAdmin):
    """Leads change these on /staff/settings/notifications/ (audited)."""

    list_display = (
        "organisation", "invitation_emails", "invitation_reminders", "reminder_hours_before",
        "feedback_ready_emails", "appeal_answered_emails", "review_digest", "updated_at",
    )  # fmt: skip
    list_select_related = ("organisation",)


@admin.register(NotificationSent)
class NotificationSentAdmin(ReadOnlyAdmin):
    list_display = ("kind", "key", "recipient", "organisation", "sent_at")
    list_filter = ("kind", "organisation")
    search_fields = ("recipient", "key")
    list_select_related = ("organisation",)
