from django.core.management.base import BaseCommand, CommandError

from scenarios.canonical import canonical_json
from scenarios.generation import DIFFICULTIES, KINDS, GenerationError, generate


class Command(BaseCommand):
    help = (
        "Generate one scenario and print its canonical JSON payload; with --answer-key, an object "
        '{"payload", "answer_key", "content_hash"}. The same inputs always print the same bytes.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--archetype", required=True, help="an id from list_archetypes")
        parser.add_argument("--seed", required=True, type=int)
        parser.add_argument("--difficulty", required=True, choices=DIFFICULTIES)
        parser.add_argument(
            "--answer-key", action="store_true", help="include the answer key and content hash"
        )
        parser.add_argument("--log-lines", type=int, help="number of log lines (log_investigation only)")

    def handle(self, *args, **options):
        try:
            generated = generate(
                options["kind"],
                options["archetype"],
                options["seed"],
                options["difficulty"],
                log_lines=options["log_lines"],
            )
        except GenerationError as error:
            raise CommandError(str(error)) from None
        if options["answer_key"]:
            output = canonical_json(
                {
                    "payload": generated.payload,
                    "answer_key": generated.answer_key,
                    "content_hash": generated.content_hash,
                }
            )
        else:
            output = generated.canonical_payload()
        self.write_bytes(output + b"\n")

    def write_bytes(self, data: bytes) -> None:
        """The canonical bytes as they are: straight to a binary stream (a big log is not copied
        into a str on the way), decoded for a text stream such as call_command's StringIO."""
        stream = self.stdout._out
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            stream.flush()
            buffer.write(data)
            buffer.flush()
        else:
            stream.write(data.decode("utf-8"))
