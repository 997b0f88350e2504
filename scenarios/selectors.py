from django.db.models import QuerySet

from scenarios.models import Scenario


def scenarios_for_export(
    *,
    kind: str | None = None,
    archetype: str | None = None,
    difficulty: str | None = None,
    references: list[str] | None = None,
) -> QuerySet[Scenario]:
    """Scenarios with their answer keys joined in one query, for packs (staff only)."""
    queryset = Scenario.objects.select_related("answer_key").order_by("reference")
    if kind:
        queryset = queryset.filter(kind=kind)
    if archetype:
        queryset = queryset.filter(archetype=archetype)
    if difficulty:
        queryset = queryset.filter(difficulty=difficulty)
    if references:
        queryset = queryset.filter(reference__in=references)
    return queryset
