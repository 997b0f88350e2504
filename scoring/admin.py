"""Scoring records in the operators' admin, all read-only: a rubric change is a new version
(`scoring.services.rubric_publish`), and a score set is made once by a scoring run and never
changed, so a rescore leaves the old one beside the new."""

from django.contrib import admin

from scenarios.admin import ReadOnlyAdmin
from scoring.models import DimensionScore, ItemScore, Rubric, RubricDimension, ScoreSet
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
