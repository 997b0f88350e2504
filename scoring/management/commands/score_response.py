import json

from django.core.management.base import BaseCommand, CommandError

from scoring.offline import (
    OfflineInputError,
    answer_record,
    pack_scenario,
    read_json_file,
    read_pack,
    score_offline,
)


class Command(BaseCommand):
    help = (
        "Score one response to one scenario of a pack, offline, exactly as a live attempt with the same work "
        "is scored, and print the dimensions, scores and checks as JSON. The response file is "
        '{"answer": ..., "events": [{"kind", "data", "elapsed"}, ...], "revisions": [[elapsed_seconds, answer], ...]} '
        "(simulator/schemas/offline-response.schema.json; export_attempt writes one for a live attempt); "
        "a file holding only the answer object is scored with no events and no revisions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pack", required=True, help="a scenario pack (.json, .yaml)")
        parser.add_argument(
            "--scenario",
            default="",
            help="the id of a scenario in the pack (default: the response file's `scenario`, "
            "or the pack's only scenario)",
        )
        parser.add_argument("--response", required=True, help="a response file (JSON)")
        parser.add_argument(
            "--validate-only",
            action="store_true",
            help="check the response (answer, events, revisions) against the scenario's kind and stop: "
            "print what was checked, score nothing",
        )

    def handle(self, *args, **options):
        try:
            pack = read_pack(options["pack"])
            document = read_json_file(options["response"])
            named = document.get("scenario", "") if isinstance(document, dict) else ""
            scenario = pack_scenario(pack, options["scenario"] or named)
            record = answer_record(document, kind=scenario["kind"], name=options["response"])
        except OfflineInputError as error:
            raise CommandError(str(error)) from None
        if options["validate_only"]:
            checked = {
                "scenario": scenario["id"],
                "kind": scenario["kind"],
                "valid": True,
                "events": len(record.events),
                "revisions": len(record.revisions),
            }
            self.stdout.write(json.dumps(checked, indent=2))
            return
        result = score_offline(scenario, record)
        self.stdout.write(json.dumps({"scenario": scenario["id"], **result.as_dict()}, indent=2))
