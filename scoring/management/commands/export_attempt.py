import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scenarios.packs import dump_pack
from scoring.offline import OfflineInputError, answer_record
from scoring.selectors import attempt_offline_files
from simulator.errors import DomainError


class Command(BaseCommand):
    help = (
        "Write a finished attempt as offline files, so any live attempt can be re-scored with score_response: "
        "FILE is a scenario pack with the scenario of every item (answer keys included: staff only), and next "
        "to it one response file per item, FILE's name plus .<position>-<kind>.response.json, holding the answer, "
        "the events and the saved revisions that live scoring read."
    )

    def add_arguments(self, parser):
        parser.add_argument("attempt", help="the attempt's public id")
        parser.add_argument("--out", required=True, help="the pack file to write (.json)")
        parser.add_argument("--item", default="", help="export only this item (its public id)")

    def handle(self, *args, **options):
        from simulator.models import Attempt

        attempt = Attempt.objects.filter(public_id=options["attempt"]).first()
        if attempt is None:
            raise CommandError(f"no attempt {options['attempt']!r}")
        try:
            pack, files = attempt_offline_files(attempt=attempt, item_public_id=options["item"])
        except DomainError as error:
            raise CommandError(str(error)) from None
        out = Path(options["out"])
        out.write_bytes(dump_pack(pack, fmt="json"))
        self.stdout.write(f"wrote the pack of {len(pack['scenarios'])} scenarios to {out}")
        for item, document in files:
            path = out.with_name(f"{out.stem}.{item.position}-{item.kind}.response.json")
            path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            self.stdout.write(
                f"item {item.position} ({item.kind}): python manage.py score_response --pack {out} --response {path}"
            )
            try:
                answer_record(document, kind=item.kind, name=str(path))
            except OfflineInputError as error:
                # Work saved under an older answer schema is exported as it was, but says so.
                self.stderr.write(f"warning: the current checks refuse this file:\n{error}")
