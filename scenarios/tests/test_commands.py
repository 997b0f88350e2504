import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scenarios.catalog import archetype_ids


def test_list_archetypes_json_names_every_archetype_without_the_answer():
    out = io.StringIO()
    call_command("list_archetypes", "--json", stdout=out)
    listed = json.loads(out.getvalue())

    assert [entry["id"] for entry in listed] == archetype_ids()
    assert all({"id", "title", "component", "kinds"} <= set(entry) for entry in listed)


def test_generate_scenario_refuses_an_unknown_archetype_with_the_known_ones():
    with pytest.raises(CommandError, match="unknown archetype 'nope'; known archetypes: "):
        call_command(
            "generate_scenario",
            "--kind",
            "incident",
            "--archetype",
            "nope",
            "--seed",
            "1",
            "--difficulty",
            "easy",
        )
