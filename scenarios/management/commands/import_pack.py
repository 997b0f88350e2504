from django.core.management.base import BaseCommand, CommandError

from scenarios.packs import PackError
from scenarios.services import pack_import


class Command(BaseCommand):
    help = "Import a scenario pack (JSON or YAML) whole, or nothing of it if any part is invalid."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--replace", action="store_true", help="overwrite scenarios whose id exists with other content"
        )

    def handle(self, *args, **options):
        try:
            result = pack_import(path=options["file"], replace=options["replace"])
        except PackError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"imported {options['file']}: {len(result.created)} created, {len(result.replaced)} replaced, "
            f"{len(result.unchanged)} unchanged"
        )
