import itertools
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scenarios import packs
from scenarios.canonical import iter_canonical
from scenarios.generation import DIFFICULTIES, KINDS, GenerationError, generate
from scenarios.services import generated_reference, scenario_generate


class Command(BaseCommand):
    help = (
        "Generate one scenario and print its canonical JSON payload; with --answer-key, an object "
        '{"payload", "answer_key", "content_hash", "generator_version"}. The same inputs always print '
        "the same bytes. --save also stores it (export_pack then finds it by the reference printed on "
        "stderr); --pack FILE writes a one-scenario pack (.json, .yaml) that import_pack accepts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--archetype", required=True, help="an id from list_archetypes")
        parser.add_argument("--seed", required=True, type=int)
        parser.add_argument("--difficulty", required=True, choices=DIFFICULTIES)
        parser.add_argument(
            "--answer-key",
            action="store_true",
            help="include the answer key, content hash and generator version",
        )
        parser.add_argument("--log-lines", type=int, help="number of log lines (log_investigation only)")
        parser.add_argument(
            "--save", action="store_true", help="store the scenario, so export_pack can export it"
        )
        parser.add_argument(
            "--pack", metavar="FILE", help="write a one-scenario pack to FILE (.json, .yaml, .yml)"
        )

    def handle(self, *args, **options):
        inputs = {
            "kind": options["kind"],
            "archetype": options["archetype"],
            "seed": options["seed"],
            "difficulty": options["difficulty"],
            "log_lines": options["log_lines"],
        }
        try:
            generated = generate(
                inputs["kind"], inputs["archetype"], inputs["seed"], inputs["difficulty"],
                log_lines=inputs["log_lines"],
            )  # fmt: skip
            stored = scenario_generate(**inputs, generated=generated) if options["save"] else None
        except GenerationError as error:
            raise CommandError(str(error)) from None
        reference = generated_reference(generator_version=generated.generator_version, **inputs)
        if stored is not None:
            self.stderr.write(f"stored as {stored.reference}")
        if options["pack"]:
            self._write_pack(Path(options["pack"]), generated, reference)
        if options["answer_key"]:
            pieces = iter_canonical(
                {
                    "payload": generated.document,
                    "answer_key": generated.answer_key,
                    "content_hash": generated.content_hash,
                    "generator_version": generated.generator_version,
                }
            )
        else:
            pieces = generated.iter_canonical_payload()
        self.write_bytes(itertools.chain(pieces, [b"\n"]))

    def _write_pack(self, out: Path, generated, reference: str) -> None:
        entry = packs.pack_entry(
            reference=reference,
            kind=generated.kind,
            difficulty=generated.difficulty,
            title=generated.title[:300],
            content_hash=generated.content_hash,
            payload=generated.payload,
            answer_key=generated.answer_key,
            archetype=generated.archetype,
            seed=generated.seed,
            generator_version=generated.generator_version,
            log_lines=generated.log_lines,
        )
        document = packs.pack_wrapper([entry], name=reference)
        try:
            packs.validate_pack(document, name=out.name)
        except packs.PackError as error:
            raise CommandError(str(error)) from None
        fmt = "yaml" if out.suffix.lower() in (".yaml", ".yml") else "json"
        out.write_bytes(packs.dump_pack(document, fmt=fmt))
        self.stderr.write(f"wrote a one-scenario pack to {out}")

    def write_bytes(self, pieces) -> None:
        """The canonical bytes as they are, piece by piece (a big log is never one string): straight
        to a binary stream, decoded for a text stream such as call_command's StringIO. A piece ends
        between two JSON values, never inside a character."""
        stream = self.stdout._out
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            stream.flush()
            for piece in pieces:
                buffer.write(piece)
            buffer.flush()
        else:
            for piece in pieces:
                stream.write(piece.decode("utf-8"))
