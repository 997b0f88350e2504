"""How each scenario kind looks in the workspace: one module per kind, named after it.

A kind's module has `present(item, attempt) -> dict` (what its item template needs, from the
candidate's view of the item) and `worked(key, scenario, answer) -> dict` (the worked answer a
trainee reads after a closed drill, and staff on the review page). Modules are found through the
kind registry (`scenarios.kinds`), template names are built from the kind.
"""

import functools
import importlib

from scenarios.kinds import KIND_LIST, KINDS_BY_NAME

KIND_LABELS = {kind.name: kind.workspace_label for kind in KIND_LIST}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@functools.cache
def presenter(kind: str):
    """The presenter module of a kind, or None for a kind this build does not know."""
    entry = KINDS_BY_NAME.get(kind)
    return importlib.import_module(entry.presenter_module) if entry else None


def item_view(item: dict, attempt) -> dict:
    """An item as its template shows it: the common header fields and the kind's own."""
    payload = item["payload"]
    entry = KINDS_BY_NAME.get(item["kind"])
    view = {
        "id": item["id"],
        "kind": item["kind"],
        "kind_label": kind_label(item["kind"]),
        "title": item["title"],
        "position": item["position"] + 1,
        "brief": payload.get("brief", ""),
        "payload": payload,
        "template": entry.item_template if entry else "",
    }
    module = presenter(item["kind"])
    if module:
        view.update(module.present(item, attempt))
    return view


def worked_answer(kind: str, key: dict, scenario, answer: dict) -> dict:
    module = presenter(kind)
    return module.worked(key, scenario, answer) if module else {}


def worked_template(kind: str) -> str:
    entry = KINDS_BY_NAME.get(kind)
    return entry.worked_template if entry else ""
