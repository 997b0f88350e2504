import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scenarios.packs import PackError, read_pack_file, validate_pack
from scoring.context import build_context
from scoring.scorers import score_item
from simulator.responses import validate_answer


class Command(BaseCommand):
    help = (
        "Score one response to one scenario of a pack, offline, and print the dimensions, scores and checks "
        'as JSON. The response file holds the answer object (or {"answer": ..., "events": [...]}).'
    )

    def add_arguments(self, parser):
        parser.add_argument("--pack", required=True, help="a scenario pack (.json, .yaml)")
        parser.add_argument("--scenario", required=True, help="the id of a scenario in the pack")
        parser.add_argument("--response", required=True, help="a JSON file with the answer")

    def handle(self, *args, **options):
        try:
            pack = read_pack_file(options["pack"])
            validate_pack(pack, name=Path(options["pack"]).name)
        except PackError as error:
            raise CommandError(str(error)) from None
        scenario = next((s for s in pack["scenarios"] if s["id"] == options["scenario"]), None)
        if scenario is None:
            known = ", ".join(s["id"] for s in pack["scenarios"][:20])
            raise CommandError(f"no scenario {options['scenario']!r} in the pack; it has: {known}")
        try:
            document = json.loads(Path(options["response"]).read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"{options['response']}: cannot read the file: {error.strerror}") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"{options['response']}: not valid JSON: {error}") from None
        answer = document.get("answer", document) if isinstance(document, dict) else document
        events = document.get("events", []) if isinstance(document, dict) and "answer" in document else []
        try:
            validate_answer(scenario["kind"], answer)
        except Exception as error:
            raise CommandError(f"{options['response']}: {error}") from None
        result = score_item(
            build_context(
                kind=scenario["kind"],
                payload=scenario["payload"],
                answer_key=scenario["answer_key"],
                answer=answer,
                archetype=(scenario.get("generation") or {}).get("archetype", ""),
                events=tuple(events),
            )
        )
        self.stdout.write(json.dumps({"scenario": scenario["id"], **result.as_dict()}, indent=2))
