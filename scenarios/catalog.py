"""The archetype catalog: failure modes as data, read once per process from catalog/archetypes.yaml."""

import functools
from pathlib import Path

import yaml

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
CATALOG_FILE = CATALOG_DIR / "archetypes.yaml"


class UnknownArchetype(LookupError):
    def __init__(self, archetype_id: str):
        known = ", ".join(sorted(a["id"] for a in catalog()["archetypes"]))
        super().__init__(f"unknown archetype {archetype_id!r}; known archetypes: {known}")
        self.archetype_id = archetype_id


@functools.cache
def catalog() -> dict:
    with CATALOG_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.cache
def _by_id() -> dict[str, dict]:
    return {entry["id"]: entry for entry in catalog()["archetypes"]}


def archetype_ids() -> list[str]:
    return [entry["id"] for entry in catalog()["archetypes"]]


def get_archetype(archetype_id: str) -> dict:
    try:
        return _by_id()[archetype_id]
    except KeyError:
        raise UnknownArchetype(archetype_id) from None


def archetype_summaries() -> list[dict]:
    """What `list_archetypes` prints: enough to choose one, none of the answer."""
    return [
        {
            "id": entry["id"],
            "title": entry["title"],
            "component": entry["component"],
            "route": entry["route"],
            "trigger": entry.get("trigger", {}).get("kind", "none"),
            "kinds": list(entry["kinds"]),
        }
        for entry in catalog()["archetypes"]
    ]
