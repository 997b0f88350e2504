from django.contrib import admin

from scenarios.models import AnswerKey, GenerationBatch, Scenario


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("reference", "kind", "archetype", "difficulty", "origin", "created_at")
    list_filter = ("kind", "difficulty", "origin")
    search_fields = ("reference", "title", "archetype")
    readonly_fields = ("content_hash", "created_at")
    exclude = ("payload",)


@admin.register(AnswerKey)
class AnswerKeyAdmin(admin.ModelAdmin):
    list_display = ("scenario",)
    raw_id_fields = ("scenario",)


@admin.register(GenerationBatch)
class GenerationBatchAdmin(admin.ModelAdmin):
    list_display = ("pk", "status", "completed", "total", "created_at", "finished_at")
    readonly_fields = ("scenarios",)
