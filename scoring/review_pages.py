"""Reads and presentation for the staff review, scorecard and comparison pages.

The scorecard itself (with blind review applied) comes from `scoring.staff_selectors`; this module
adds what only the pages need: the scenario as the participant saw it, their answers as readable
fields with a diff between revisions, the process timeline, the worked answers, the panel's
reviewers, and the comparison's sorting, distribution and chart geometry.
"""

import difflib
import re
import textwrap
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, QuerySet, Value, When

from scoring import scorecards
from scoring.staff_selectors import DIMENSION_NAMES, comparison_scorecards
from simulator.models import Attempt, AttemptItem, EventKind

# The answer as fields ------------------------------------------------------------------------------

_PLAIN_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def _label(key) -> str:
    key = str(key)
    return key.replace("_", " ").capitalize() if _PLAIN_KEY.match(key) else key


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def answer_fields(answer, prefix: str = "") -> list[tuple[str, str]]:
    """(label, text) for every filled-in leaf of an answer, in the answer's own order.

    Nested objects give "Tickets › T-1042 › Severity"; a list of words or short texts is one field
    with an entry per line; a list of objects (corrective actions, posted updates) is numbered.
    """
    fields: list[tuple[str, str]] = []
    if isinstance(answer, dict):
        for key, value in answer.items():
            if _blank(value):
                continue
            label = f"{prefix} › {_label(key)}" if prefix else _label(key)
            fields += answer_fields(value, label)
    elif isinstance(answer, list):
        if all(not isinstance(v, (dict, list)) for v in answer):
            text = "\n".join(str(v) for v in answer if not _blank(v))
            if text:
                fields.append((prefix or "Answer", text))
        else:
            for number, value in enumerate(answer, start=1):
                fields += answer_fields(value, f"{prefix} › {number}" if prefix else str(number))
    elif not _blank(answer):
        fields.append((prefix or "Answer", str(answer)))
    return fields


def answer_groups(fields: list[tuple[str, str]]) -> list[dict]:
    """Fields grouped under their common prefix ("Tickets › T-1042"), short values marked so the
    page can set them side by side."""
    groups: list[dict] = []
    for label, text in fields:
        title, _, name = label.rpartition(" › ")
        if not groups or groups[-1]["title"] != title:
            groups.append({"title": title, "fields": []})
        short = len(text) <= 24 and "\n" not in text
        groups[-1]["fields"].append({"label": name, "text": text, "short": short})
    return groups


# A diff between two revisions ------------------------------------------------------------------------

CONTEXT_LINES = 2
WORD_DIFF_SIMILARITY = 0.5
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class DiffLine:
    """One line of a field's diff: `op` is same, del or ins; `parts` are (changed, text) pieces so a
    changed word inside a line can be marked on its own. `gap` counts unchanged lines left out."""

    op: str
    parts: list[tuple[bool, str]]
    gap: int = 0


def _word_diff(old: str, new: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    left: list[tuple[bool, str]] = []
    right: list[tuple[bool, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append((False, "".join(a[i1:i2])))
            right.append((False, "".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append((True, "".join(a[i1:i2])))
        if j2 > j1:
            right.append((True, "".join(b[j1:j2])))
    return left, right


def _line_diff(old: str, new: str) -> list[DiffLine]:
    a, b = old.splitlines() or [""], new.splitlines() or [""]
    if not old:
        return [DiffLine("ins", [(True, line)]) for line in b]
    if not new:
        return [DiffLine("del", [(True, line)]) for line in a]
    lines: list[DiffLine] = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            same = a[i1:i2]
            head = same[:CONTEXT_LINES] if index > 0 else []
            tail = same[-CONTEXT_LINES:] if index < len(opcodes) - 1 else []
            if len(same) <= len(head) + len(tail):
                head, tail = same, []
            lines += [DiffLine("same", [(False, line)]) for line in head]
            left_out = len(same) - len(head) - len(tail)
            if left_out > 0:
                lines.append(DiffLine("gap", [], gap=left_out))
            lines += [DiffLine("same", [(False, line)]) for line in tail]
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for old_line, new_line in zip(a[i1:i2], b[j1:j2], strict=True):
                if (
                    difflib.SequenceMatcher(None, old_line, new_line, autojunk=False).ratio()
                    < WORD_DIFF_SIMILARITY
                ):
                    # A rewritten line reads better whole than as a scatter of matched little words.
                    lines += [DiffLine("del", [(True, old_line)]), DiffLine("ins", [(True, new_line)])]
                    continue
                left, right = _word_diff(old_line, new_line)
                lines += [DiffLine("del", left), DiffLine("ins", right)]
        else:
            lines += [DiffLine("del", [(True, line)]) for line in a[i1:i2]]
            lines += [DiffLine("ins", [(True, line)]) for line in b[j1:j2]]
    return lines


def answer_diff(old: dict, new: dict) -> list[dict]:
    """The fields that differ between two versions of an answer, each with its line-by-line diff."""
    before, after = dict(answer_fields(old)), dict(answer_fields(new))
    labels = list(after) + [label for label in before if label not in after]
    changes = []
    for label in labels:
        a, b = before.get(label, ""), after.get(label, "")
        if a == b:
            continue
        change = "added" if not a else "removed" if not b else "changed"
        changes.append({"label": label, "change": change, "lines": _line_diff(a, b)})
    return changes


def changed_fields(old: dict, new: dict) -> int:
    before, after = dict(answer_fields(old)), dict(answer_fields(new))
    return sum(1 for label in set(before) | set(after) if before.get(label) != after.get(label))


def answers_with_history(answers: list[dict], *, pick: dict[str, tuple[int, int]]) -> dict[str, dict]:
    """Per item id: the final answer's fields, its revisions (each with how many fields changed)
    and the diff between the two versions picked (by default the last two)."""
    out = {}
    for entry in answers:
        revisions = entry["revisions"]
        by_version = {r["version"]: r["answer"] for r in revisions}
        rows = []
        previous: dict = {}
        for revision in revisions:
            rows.append({**revision, "changed": changed_fields(previous, revision["answer"])})
            previous = revision["answer"]
        versions = [r["version"] for r in revisions]
        default = (versions[-2] if len(versions) > 1 else 0, versions[-1] if versions else 0)
        first, second = pick.get(entry["item_id"], default)
        if first not in by_version and first != 0:
            first = default[0]
        if second not in by_version:
            second = default[1]
        out[entry["item_id"]] = {
            "groups": answer_groups(answer_fields(entry["answer"])),
            "version": entry["version"],
            "revisions": list(reversed(rows)),
            "versions": versions,
            "diff_from": first,
            "diff_to": second,
            "diff": answer_diff(by_version.get(first, {}), by_version.get(second, {})) if versions else [],
        }
    return out


# What the participant saw --------------------------------------------------------------------------


def items_as_seen(*, attempt: Attempt) -> list[dict]:
    """Each item as the workspace rendered it when the attempt closed (incident injects released by
    then and no later), for the candidate templates. Three queries."""
    from simulator import selectors as simulator_selectors
    from simulator.presenters import item_view

    loaded = simulator_selectors.attempt_for_candidate(public_id=attempt.public_id)
    at = attempt.submitted_at
    items = simulator_selectors.candidate_items(attempt=loaded, now=at) if at else (
        simulator_selectors.candidate_items(attempt=loaded)
    )  # fmt: skip
    return [item_view(item, loaded) for item in items]


def worked_answers(*, attempt: Attempt, answers: list[dict]) -> dict[str, dict]:
    """Per item id, the answer key rendered as the worked answer (staff only, any purpose)."""
    from simulator.presenters import worked_answer, worked_template

    final = {entry["item_id"]: entry["answer"] for entry in answers}
    items = (
        AttemptItem.objects.filter(attempt=attempt)
        .select_related("scenario__answer_key")
        .defer("scenario__payload")
        .order_by("position")
    )
    out = {}
    for item in items:
        key = item.scenario.answer_key.content or {}
        out[item.public_id] = {
            "w": worked_answer(item.kind, key, item.scenario, final.get(item.public_id) or {}),
            "template": worked_template(item.kind),
        }
    return out


# The process ---------------------------------------------------------------------------------------

EVENT_LABELS = dict(EventKind.choices)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def process_view(*, attempt: Attempt, positions: dict[str, int]) -> dict:
    """The timeline with each event's offset from the start, and the per-ticket KPIs."""
    from simulator.selectors import attempt_kpis, attempt_timeline

    started = attempt.started_at
    events = []
    for entry in attempt_timeline(attempt=attempt):
        offset = (entry["at"] - started).total_seconds() if started else None
        data = {k: v for k, v in (entry["data"] or {}).items() if not _blank(v)}
        events.append(
            {
                "at": entry["at"],
                "offset": _clock(offset),
                "kind": entry["kind"],
                "label": EVENT_LABELS.get(entry["kind"], entry["kind"]),
                "part": positions.get(entry["item_id"]),
                "details": ", ".join(f"{_label(k).lower()} {v}" for k, v in data.items()),
            }
        )
    kpis = attempt_kpis(attempt=attempt)["tickets"]
    tickets = [
        {
            "ticket": ticket,
            "first_action": _clock(values["time_to_first_action_seconds"]),
            "triage": _clock(values["time_to_triage_seconds"]),
        }
        for ticket, values in kpis.items()
    ]
    used = (attempt.submitted_at - started).total_seconds() if started and attempt.submitted_at else None
    return {"events": events, "tickets": tickets, "time_used": _clock(used)}


# People --------------------------------------------------------------------------------------------


def panel_reviewers(*, attempt: Attempt) -> list:
    """The reviewers a lead may assign this attempt to: its panel's members of its organisation."""
    panel_id = attempt.invitation.panel_id or attempt.exercise.panel_id
    if panel_id is None:
        return []
    return list(
        get_user_model()
        .objects.filter(panels=panel_id, membership__organisation_id=attempt.organisation_id)
        .order_by("first_name", "last_name", "username")
    )


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


# The comparison ------------------------------------------------------------------------------------

PAGE_SIZE = 50
OUTCOME_ORDER = ["strong_hire", "hire", "ready", "no_hire", "not_yet", "strong_no_hire", ""]


@dataclass(frozen=True)
class ComparisonQuery:
    """What the comparison shows: the filters and the sort, read from the query string."""

    status: str = ""
    recommendation: str = ""
    needs_review: bool | None = None
    adjudication: bool | None = None
    sort: str = "-mean"

    @classmethod
    def from_params(cls, params, dimensions: list[str]) -> "ComparisonQuery":
        def yes_no(value: str) -> bool | None:
            return {"yes": True, "no": False}.get(value)

        sort = params.get("sort", "-mean")
        allowed = {"mean", "submitted", "participant", "status", "recommendation", "reviews", *dimensions}
        if sort.lstrip("-") not in allowed:
            sort = "-mean"
        return cls(
            status=params.get("status", "") if params.get("status") in ("scored", "finalized") else "",
            recommendation=params.get("recommendation", "")
            if params.get("recommendation") in scorecards.OUTCOME_LABELS
            else "",
            needs_review=yes_no(params.get("needs_review", "")),
            adjudication=yes_no(params.get("adjudication", "")),
            sort=sort,
        )

    def params(self, **changes) -> dict:
        values = {
            "status": self.status,
            "recommendation": self.recommendation,
            "needs_review": {True: "yes", False: "no"}.get(self.needs_review, ""),
            "adjudication": {True: "yes", False: "no"}.get(self.adjudication, ""),
            "sort": self.sort,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None)}


def comparison_rows(*, exercise, viewer, query: ComparisonQuery) -> QuerySet:
    """The scorecards the comparison shows, filtered and sorted as asked; one query when evaluated."""
    key = query.sort.lstrip("-")
    descending = query.sort.startswith("-")
    rows = comparison_scorecards(
        exercise=exercise,
        viewer=viewer,
        status=query.status,
        recommendation=query.recommendation,
        needs_review=query.needs_review,
        adjudication=query.adjudication,
        sort=query.sort if key in ("mean", "submitted", "participant") else "-mean",
        dimension_sort=query.sort if key in DIMENSION_NAMES else "",
    )
    if key == "status":
        return rows.order_by("-attempt__status" if descending else "attempt__status", "attempt_id")
    if key == "reviews":
        return rows.order_by("-reviews_submitted" if descending else "reviews_submitted", "attempt_id")
    if key == "recommendation":
        # Best outcome first when ascending: the rule's order, not the alphabet.
        rank = Case(
            *[When(recommendation=outcome, then=Value(i)) for i, outcome in enumerate(OUTCOME_ORDER)],
            default=Value(len(OUTCOME_ORDER)),
            output_field=IntegerField(),
        )
        rows = rows.annotate(_rank=rank)
        return rows.order_by("-_rank" if descending else "_rank", "attempt_id")
    return rows


def distribution_charts(counts: dict[str, list[int]]) -> list[dict]:
    """Per dimension, bars for the counts of levels 1-5, scaled to the largest count of all charts."""
    tallest = max((max(levels) for levels in counts.values()), default=0) or 1
    charts = []
    for dimension, levels in counts.items():
        bars = []
        for level, count in enumerate(levels, start=1):
            height = round(80 * count / tallest, 1)
            bars.append(
                {
                    "level": level,
                    "count": count,
                    "x": str(8 + (level - 1) * 36),
                    "label_x": str(22 + (level - 1) * 36),
                    "height": f"{height:g}",
                    "y": f"{92 - height:g}",
                }
            )
        charts.append(
            {"key": dimension, "name": DIMENSION_NAMES.get(dimension, dimension), "bars": bars,
             "total": sum(levels)}
        )  # fmt: skip
    return charts


PROFILE_COLOURS = ["#2456d6", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490"]


def profile_chart(rows: list[dict], dimensions: list[str], limit: int = 6) -> dict:
    """Lines over the dimensions for the first `limit` rows shown: each candidate's profile."""
    width, height, left, right, top, bottom = 680, 230, 64, 60, 12, 44
    step = (width - left - right) / max(1, len(dimensions) - 1)

    def y(score: float) -> float:
        return round(top + (5 - score) * (height - top - bottom) / 4, 1)

    lines = []
    for index, row in enumerate(rows[:limit]):
        points = [
            {
                "x": f"{left + i * step:.1f}",
                "y": f"{y(row['scores'][d]):g}",
                "score": row["scores"][d],
                "dimension": d,
            }
            for i, d in enumerate(dimensions)
            if row["scores"].get(d) is not None
        ]
        lines.append(
            {
                "label": row["participant"],
                "colour": PROFILE_COLOURS[index % len(PROFILE_COLOURS)],
                "points": points,
                "path": " ".join(f"{p['x']},{p['y']}" for p in points),
            }
        )
    return {
        "width": width,
        "height": height,
        "axis": [
            {
                "x": round(left + i * step, 1),
                "name": DIMENSION_NAMES.get(d, d),
                "lines": textwrap.wrap(DIMENSION_NAMES.get(d, d), 16)[:2],
                "key": d,
            }
            for i, d in enumerate(dimensions)
        ],
        "levels": [{"level": level, "y": y(level)} for level in range(1, 6)],
        "left": left,
        "right": width - right,
        "label_y": height - bottom + 18,
        "lines": lines,
    }
