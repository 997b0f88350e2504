from django.db.models import QuerySet

from scenarios.models import AnswerKey, Scenario


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


def decision_windows(*, scenario_ids: list[int]) -> dict[int, dict[str, list[int]]]:
    """Per incident scenario, each decision point's window ([opens, closes] in drill seconds).

    The one part of an answer key a candidate is told while working: how soon each decision is due
    is part of the question (a trainee sees the window, a hiring candidate its urgency in words).
    Which option is right stays in the key. One query; the rest of the key is not loaded.
    """
    if not scenario_ids:
        return {}
    rows = AnswerKey.objects.filter(scenario_id__in=scenario_ids, scenario__kind="incident").values_list(
        "scenario_id", "content__decisions"
    )
    return {
        scenario_id: {
            decision_id: list(entry.get("window_seconds") or [])
            for decision_id, entry in (decisions or {}).items()
            if isinstance(entry, dict)
        }
        for scenario_id, decisions in rows
    }
