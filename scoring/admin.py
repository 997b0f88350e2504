"""Scoring records in the operators' admin, all read-only: a rubric change is a new version
(`scoring.services.rubric_publish`); a score set is made once by a scoring run and never changed;
reviews, overrides, appeals, assignments, claims and recommendation rules change only through
scoring/services.py (appeals: scoring/appeals.py), which checks who may, keeps the audit trail
and refreshes the scorecard; and overrides are append-only by design. Calibration examples and
grades change only through their services too."""

from django.contrib import admin

from scenarios.admin import ReadOnlyAdmin
from scoring.models import (
    Appeal,
    CalibrationExample,
    CalibrationGrade,
    DimensionScore,
    ItemScore,
    Override,
    RecommendationRule,
    Review,
    ReviewAssignment,
    ReviewClaim,
    Rubric,
    RubricDimension,
    Scorecard,
    ScoreSet,
)
from simulator.models import Attempt


class RubricDimensionInline(admin.TabularInline):
    model = RubricDimension
    fields = ("position", "key", "name", "description", "anchors")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Rubric)
class RubricAdmin(ReadOnlyAdmin):
    list_display = ("name", "version", "published_at")
    search_fields = ("name",)
    inlines = [RubricDimensionInline]


class ItemScoreInline(admin.TabularInline):
    model = ItemScore
    fields = ("attempt_item", "kind", "scorer_version")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("attempt_item")


@admin.register(ScoreSet)
class ScoreSetAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "rubric", "scorer_version", "created_at")
    list_filter = ("rubric",)
    search_fields = ("attempt__public_id", "scorer_version")
    list_select_related = ("attempt", "rubric")
    date_hierarchy = "created_at"
    inlines = [ItemScoreInline]


@admin.register(DimensionScore)
class DimensionScoreAdmin(ReadOnlyAdmin):
    """Every auto-score with its checks: where an operator looks when a scorer seems wrong."""

    list_display = ("dimension", "score", "kind", "attempt", "scored_at")
    list_filter = ("dimension", "score", "item_score__kind")
    search_fields = ("item_score__score_set__attempt__public_id",)
    list_select_related = ("item_score__score_set__attempt",)
    show_full_result_count = False

    @admin.display(ordering="item_score__kind")
    def kind(self, score: DimensionScore) -> str:
        return score.item_score.kind

    @admin.display(ordering="item_score__score_set__attempt__public_id")
    def attempt(self, score: DimensionScore) -> Attempt:
        return score.item_score.score_set.attempt

    @admin.display(ordering="item_score__score_set__created_at", description="scored at")
    def scored_at(self, score: DimensionScore):
        return score.item_score.score_set.created_at


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = (
        "attempt", "exercise", "organisation", "mean_score", "recommendation", "reviews_submitted",
        "reviews_required", "needs_review", "needs_adjudication", "low_confidence", "updated_at",
    )  # fmt: skip
    list_filter = ("recommendation", "needs_review", "needs_adjudication", "low_confidence", "organisation")
    search_fields = ("attempt__public_id", "attempt__participant__name", "exercise__title")
    list_select_related = ("attempt", "exercise", "organisation")


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "reviewer", "submitted_at", "updated_at")
    list_filter = ("attempt__organisation",)
    search_fields = ("attempt__public_id", "reviewer__username")
    list_select_related = ("attempt", "reviewer")
    date_hierarchy = "submitted_at"


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdmin):
    list_display = (
        "attempt", "dimension", "action", "score", "previous_score", "auto_score", "reason_code", "author",
        "created_at",
    )  # fmt: skip
    list_filter = ("action", "reason_code", "dimension", "attempt__organisation")
    search_fields = ("attempt__public_id", "author__username", "justification")
    list_select_related = ("attempt", "author")
    date_hierarchy = "created_at"


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "reviewer", "assigned_by", "assigned_at")
    list_filter = ("attempt__organisation",)
    search_fields = ("attempt__public_id", "reviewer__username")
    list_select_related = ("attempt", "reviewer", "assigned_by")


@admin.register(ReviewClaim)
class ReviewClaimAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "reviewer", "expires_at")
    search_fields = ("attempt__public_id", "reviewer__username")
    list_select_related = ("attempt", "reviewer")


@admin.register(RecommendationRule)
class RecommendationRuleAdmin(ReadOnlyAdmin):
    list_display = ("exercise", "organisation", "otherwise", "updated_by", "updated_at")
    list_filter = ("exercise__organisation",)
    search_fields = ("exercise__title",)
    list_select_related = ("exercise__organisation", "updated_by")

    @admin.display(ordering="exercise__organisation__name")
    def organisation(self, rule: RecommendationRule):
        return rule.exercise.organisation


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = (
        "attempt",
        "dimension",
        "status",
        "assigned_to",
        "requested_at",
        "resolved_by",
        "resolved_at",
    )
    list_filter = ("status", "dimension", "organisation")
    search_fields = ("attempt__public_id",)
    list_select_related = ("attempt", "assigned_to", "resolved_by")
    date_hierarchy = "requested_at"


@admin.register(CalibrationExample)
class CalibrationExampleAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "exercise", "marked_by", "marked_at")
    list_filter = ("exercise__organisation",)
    search_fields = ("attempt__public_id", "exercise__title")
    list_select_related = ("attempt", "exercise", "marked_by")


@admin.register(CalibrationGrade)
class CalibrationGradeAdmin(ReadOnlyAdmin):
    list_display = ("example", "reviewer", "graded_at")
    list_filter = ("example__exercise__organisation",)
    search_fields = ("reviewer__username", "example__attempt__public_id")
    list_select_related = ("example", "reviewer")
