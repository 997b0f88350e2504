"""Programmes in the operators' admin: read-only (programmes and enrolments change through
programmes/services.py, which checks who may and audits it). A trainee's link secret and token
hash never appear."""

from django.contrib import admin

from programmes.models import DrillAttempt, Enrolment, Programme, Stage
from scenarios.admin import ReadOnlyAdmin


class StageInline(admin.TabularInline):
    model = Stage
    fields = ("position", "title", "due_days", "min_mean", "min_each", "attempts_needed", "dimensions")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ("title", "organisation", "created_at", "updated_at")
    list_filter = ("organisation",)
    search_fields = ("title",)
    fields = ("organisation", "title", "description", "created_by", "created_at", "updated_at")
    inlines = [StageInline]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ("name", "email", "programme", "start_date", "enrolled_at")
    list_filter = ("programme",)
    search_fields = ("name", "email")
    fields = ("programme", "participant", "name", "email", "start_date", "enrolled_by", "enrolled_at")
    list_select_related = ("programme",)


@admin.register(DrillAttempt)
class DrillAttemptAdmin(ReadOnlyAdmin):
    list_display = ("enrolment", "exercise", "attempt", "started_at")
    list_select_related = ("enrolment__programme", "exercise", "attempt")
    fields = ("enrolment", "exercise", "attempt", "started_at")
