import json

from django.core.management.base import BaseCommand

from scenarios.catalog import archetype_summaries


class Command(BaseCommand):
    help = "List the failure-mode archetypes scenarios are generated from."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print a JSON array instead of a table")

    def handle(self, *args, **options):
        summaries = archetype_summaries()
        if options["json"]:
            self.stdout.write(json.dumps(summaries, indent=2))
            return
        width = max(len(s["id"]) for s in summaries)
        for summary in summaries:
            self.stdout.write(f"{summary['id']:<{width}}  {summary['route']:<11}  {summary['title']}")
