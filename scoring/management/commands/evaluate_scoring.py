"""Measure the auto-scorers against expert grades on the held-out evaluation set.

The set (scoring/evaluation/ by default):
  manifest.json                       {"scenarios": [{"id", "kind", "source": "hand"|"generated", "split": "dev"|"test"}]}
  packs/<id>.json                     a one-scenario pack
  responses/<id>/<style>.json         a response file, as score_response reads it (scoring.offline)
  grades/<grader>.json                {"<id>/<style>": {"<dimension>": 1-5, ...}, ...}, two graders or more

Every response is scored offline exactly as score_response scores it. The expert grade of a
dimension is the mean of the graders' grades, rounded half up. Tune on `dev`; report `test`.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scoring import agreement
from scoring.agreement import GradedDimension
from scoring.offline import (
    OfflineInputError,
    pack_scenario,
    read_answer_record,
    read_json_file,
    read_pack,
    score_offline,
)

SPLITS = ("dev", "test", "all")


@dataclass
class EvaluationSet:
    rows: list[GradedDimension] = field(default_factory=list)
    scenarios: int = 0
    responses: int = 0
    skipped: list[str] = field(default_factory=list)  # what could not be used, and why


class Command(BaseCommand):
    help = (
        "Score every response of the evaluation set offline (as score_response does) and print how far the "
        "scores agree with the expert grades: quadratic weighted kappa, Spearman and mean absolute error "
        "overall, per dimension and per kind; mean scores by response style; agreement between graders; "
        "inverted pairs; the own-words gap; the review flag's recall of large errors; and each target."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--split",
            choices=SPLITS,
            default="dev",
            help="dev (the default: tune on it), test (report it) or all",
        )
        parser.add_argument(
            "--dir",
            default=str(Path(settings.BASE_DIR) / "scoring" / "evaluation"),
            help="the evaluation set (default: scoring/evaluation)",
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument(
            "--fail-under-targets", action="store_true", help="exit with status 1 when a target is missed"
        )

    def handle(self, *args, **options):
        directory = Path(options["dir"])
        try:
            evaluation = load_evaluation_set(directory, split=options["split"])
        except OfflineInputError as error:
            raise CommandError(str(error)) from None
        if not evaluation.rows:
            raise CommandError(
                f"{directory}: no graded response in the {options['split']} split"
                + "".join(f"\n  skipped {note}" for note in evaluation.skipped)
            )
        report = agreement.evaluation_report(evaluation.rows)
        report["set"] = {
            "dir": str(directory),
            "split": options["split"],
            "scenarios": evaluation.scenarios,
            "responses": evaluation.responses,
            "graded_dimensions": len(evaluation.rows),
            "skipped": evaluation.skipped,
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self.stdout.write(render(report))
        missed = [t["target"] for t in report["targets"] if not t["met"]]
        if missed and options["fail_under_targets"]:
            raise CommandError("targets missed: " + "; ".join(missed))


def load_evaluation_set(directory: Path, *, split: str) -> EvaluationSet:
    """Score every response of the split and pair each dimension with its grades. Missing parts
    (a pack, responses, grades) are skipped and listed; a malformed file stops the run."""
    manifest = read_json_file(directory / "manifest.json")
    entries = manifest.get("scenarios") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        raise OfflineInputError(f'{directory / "manifest.json"}: expected {{"scenarios": [...]}}')
    for index, entry in enumerate(entries):
        if not (isinstance(entry, dict) and {"id", "kind", "split"} <= set(entry)):
            raise OfflineInputError(
                f"{directory / 'manifest.json'}: scenarios[{index}] needs an id, a kind and a split"
            )
        if entry["split"] not in ("dev", "test"):
            raise OfflineInputError(
                f"{directory / 'manifest.json'}: scenarios[{index}].split: {entry['split']!r} is not dev or test"
            )
    grades = _grades(directory / "grades")
    evaluation = EvaluationSet()
    for entry in entries:
        if split != "all" and entry["split"] != split:
            continue
        scenario_id = entry["id"]
        pack_path = directory / "packs" / f"{scenario_id}.json"
        if not pack_path.exists():
            evaluation.skipped.append(f"{scenario_id}: no pack ({pack_path.name})")
            continue
        scenario = pack_scenario(read_pack(pack_path))
        if scenario["kind"] != entry["kind"]:
            raise OfflineInputError(
                f"{pack_path}: the scenario is a {scenario['kind']}, the manifest says {entry['kind']}"
            )
        responses = sorted((directory / "responses" / scenario_id).glob("*.json"))
        if not responses:
            evaluation.skipped.append(f"{scenario_id}: no responses")
            continue
        evaluation.scenarios += 1
        for path in responses:
            style = path.stem
            record = read_answer_record(path, kind=scenario["kind"])
            if record.style and record.style != style:
                raise OfflineInputError(f"{path}: style {record.style!r} does not match the file's name")
            key = f"{scenario_id}/{style}"
            graded = {
                grader: by_response[key] for grader, by_response in grades.items() if key in by_response
            }
            if not graded:
                evaluation.skipped.append(f"{key}: no grades")
                continue
            evaluation.responses += 1
            try:
                scored = score_offline(scenario, record)
            except Exception as error:
                error.add_note(f"while scoring {path}")
                raise
            for result in scored.dimensions:
                dimension_grades = {
                    g: marks[result.dimension] for g, marks in graded.items() if result.dimension in marks
                }
                if not dimension_grades:
                    evaluation.skipped.append(f"{key}: no grade for {result.dimension}")
                    continue
                evaluation.rows.append(
                    GradedDimension(
                        scenario=scenario_id,
                        kind=scenario["kind"],
                        style=style,
                        dimension=result.dimension,
                        auto=result.score,
                        grades=dimension_grades,
                        flagged=_review_flag(result),
                    )
                )
    return evaluation


def _grades(directory: Path) -> dict[str, dict[str, dict[str, int]]]:
    """{grader: {"<id>/<style>": {dimension: grade}}}, every grade checked to be 1-5."""
    grades = {}
    for path in sorted(directory.glob("*.json")):
        document = read_json_file(path)
        if not isinstance(document, dict):
            raise OfflineInputError(f'{path}: expected {{"<id>/<style>": {{"<dimension>": 1-5}}}}')
        for key, marks in document.items():
            if not isinstance(marks, dict):
                raise OfflineInputError(f'{path}: {key}: expected {{"<dimension>": 1-5}}')
            for dimension, grade in marks.items():
                if type(grade) is not int or not 1 <= grade <= 5:
                    raise OfflineInputError(
                        f"{path}: {key}.{dimension}: {grade!r} is not a grade from 1 to 5"
                    )
        grades[path.stem] = document
    return grades


def _review_flag(result) -> bool | None:
    """The scorer's "needs human review" for a dimension, if its results carry one (or a
    confidence with the threshold scoring.checks sets for it)."""
    from scoring import checks

    flag = getattr(result, "needs_review", None)
    if isinstance(flag, bool):
        return flag
    confidence = getattr(result, "confidence", None)
    threshold = getattr(checks, "REVIEW_BELOW", None)
    if isinstance(confidence, int | float) and isinstance(threshold, int | float):
        return confidence < threshold
    return None


def _figure(value, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def render(report: dict) -> str:
    """The report as text a panel reads top to bottom."""
    meta = report["set"]
    graders = sorted({g for pair in report["inter_grader"] for g in pair["graders"]})
    lines = [
        f"Scoring evaluation of {meta['dir']}, split {meta['split']}: {meta['scenarios']} scenarios, "
        f"{meta['responses']} responses, {meta['graded_dimensions']} graded dimensions",
        "",
        "Agreement with the expert grade (the graders' mean, rounded half up): quadratic weighted kappa (QWK), "
        "Spearman, mean absolute error (MAE)",
        f"  {'':<28}{'n':>6}{'QWK':>8}{'Spearman':>10}{'MAE':>7}",
    ]

    def row(label: str, figures: dict) -> str:
        return (
            f"  {label:<28}{figures['n']:>6}{_figure(figures['qwk']):>8}"
            f"{_figure(figures['spearman']):>10}{_figure(figures['mae']):>7}"
        )

    lines.append(row("overall", report["overall"]))
    lines.append("  by dimension")
    lines += [row(f"  {name}", figures) for name, figures in report["by_dimension"].items()]
    lines.append("  by kind")
    lines += [row(f"  {name}", figures) for name, figures in report["by_kind"].items()]

    lines += [
        "",
        "Mean score by response style",
        f"  {'style':<16}{'n':>6}{'auto':>8}{'expert':>8}{'auto-expert':>13}",
    ]
    for style, figures in report["by_style"].items():
        difference = figures["mean_auto"] - figures["mean_expert"]
        lines.append(
            f"  {style:<16}{figures['n']:>6}{figures['mean_auto']:>8.2f}{figures['mean_expert']:>8.2f}{difference:>+13.2f}"
        )

    lines += ["", f"Agreement between graders (QWK, {len(graders)} graders)"]
    if not report["inter_grader"]:
        lines.append("  n/a: one grader only")
    for pair in report["inter_grader"]:
        lines.append(f"  {' / '.join(pair['graders']):<34}{pair['n']:>6}{_figure(pair['qwk']):>8}")

    inverted = report["inverted_pairs"]
    lines += [
        "",
        f"Inverted pairs (same scenario and dimension, the lower expert grade scoring at least as high): "
        f"{inverted['all']} of {inverted['comparable']} pairs with different expert grades",
        f"  good ({', '.join(agreement.GOOD_STYLES)}) under bad ({', '.join(agreement.BAD_STYLES)}): "
        f"{inverted['good_vs_bad']}",
    ]
    for pair in inverted["good_vs_bad_pairs"][:20]:
        worse, better = pair["worse"], pair["better"]
        lines.append(
            f"    {pair['scenario']} {pair['dimension']}: {worse['style']} (auto {worse['auto']}, expert "
            f"{worse['expert']}) >= {better['style']} (auto {better['auto']}, expert {better['expert']})"
        )
    if inverted["good_vs_bad"] > 20:
        lines.append(f"    ... and {inverted['good_vs_bad'] - 20} more (--json lists them all)")

    gap = report["own_words_gap"]
    lines += [
        "",
        f"Own words - expert (auto score, same scenario and dimension): {_figure(gap['mean'])} over {gap['n']} pairs",
    ]

    flag = report["review_flag"]
    if flag is None:
        lines.append("Review flag: the dimension scores carry none")
    else:
        lines.append(
            f"Review flag: {flag['flagged']} of {flag['n']} dimensions flagged ({flag['flag_rate']:.0%}); "
            f"recall of |auto - expert| >= {agreement.LARGE_ERROR}: {flag['large_errors_flagged']} of "
            f"{flag['large_errors']} ({_figure(flag['recall'])})"
        )

    lines += ["", "Targets"]
    for target in report["targets"]:
        value = target["value"]
        shown = _figure(value) if isinstance(value, float) or value is None else str(value)
        if target.get("where"):
            shown += f" ({target['where']})"
        lines.append(f"  {target['target']:<48}{shown:<34} {'met' if target['met'] else 'MISSED'}")
    if meta["skipped"]:
        lines += ["", f"Skipped ({len(meta['skipped'])})"] + [f"  {note}" for note in meta["skipped"]]
    return "\n".join(lines)
