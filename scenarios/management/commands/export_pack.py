from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scenarios.generation import DIFFICULTIES, KINDS
from scenarios.selectors import scenarios_for_export
from scenarios.services import pack_export


class Command(BaseCommand):
    help = "Export scenarios with their answer keys to a pack file (.json, .yaml or .yml). Staff only: it holds answers."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the file to write; its ending chooses JSON or YAML")
        parser.add_argument("--kind", choices=KINDS)
        parser.add_argument("--archetype")
        parser.add_argument("--difficulty", choices=DIFFICULTIES)
        parser.add_argument(
            "--id", action="append", dest="references", help="a scenario id; repeat for several"
        )
        parser.add_argument("--name", default="", help="the pack's name")
        parser.add_argument("--description", default="")

    def handle(self, *args, **options):
        out = Path(options["out"])
        fmt = "yaml" if out.suffix.lower() in (".yaml", ".yml") else "json"
        scenarios = list(
            scenarios_for_export(
                kind=options["kind"],
                archetype=options["archetype"],
                difficulty=options["difficulty"],
                references=options["references"],
            )
        )
        if not scenarios:
            raise CommandError("no scenario matches these filters; nothing was written")
        data = pack_export(
            scenarios=scenarios, fmt=fmt, name=options["name"], description=options["description"]
        )
        out.write_bytes(data)
        self.stdout.write(f"wrote {len(scenarios)} scenarios to {out}")
