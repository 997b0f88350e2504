"""Adverse impact of one exercise, as a plain function over plain rows (one row per candidate).

For each self-identification question, the candidates who chose an option form a group; "prefer not
to say", a declined form and no answer are "not stated" and belong to no group.

- Selection rate: the share of a group whose recommendation counts as selected. Selected are the
  outcomes that advance a candidate, `strong_hire` and `hire`; `no_hire` and `strong_no_hire` are
  not (`SELECTED_OUTCOMES`, from the hiring outcomes of `scoring.scorecards`).
- Share above the median, for the continuous score (the scorecard's mean of final scores): the
  median is taken over every candidate in the report, stated or not, and a score counts only when
  strictly above it.
- Impact ratio: a group's rate divided by the highest rate among the groups judged; the
  four-fifths rule flags a ratio below 4/5 (exactly 0.8 is not flagged; computed in fractions so
  that 4/5 is exact).
- A group is too small to judge, and left out, when it has fewer than `min_group_size` people
  (nobody included) or is under `min_share` (2%) of those who answered the question. Its numbers
  are not reported at all: a small group's rate could point at a person. The groups left out are
  one list with one reason, "too few to report", in the question's order: telling "nobody" from
  "fewer than N" would say how many chose an option.
- A question's totals (how many answered it, how many did not) are withheld when they could give
  the size of a small group: when fewer than `min_group_size` answered it ("too few answers to
  report"), or when the people in the groups left out number from 1 to `min_group_size - 1` (those
  who answered minus the judged groups would be that number). The number of candidates is shown
  anyway (a lead sees every scorecard elsewhere), so withholding one total withholds both: only
  "not stated and groups left out" together can then be worked out from the report.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from statistics import median

SELECTED_OUTCOMES = ("strong_hire", "hire")
FOUR_FIFTHS = Fraction(4, 5)
MIN_SHARE = Fraction(2, 100)
TOO_FEW = "too few to report"
TOO_FEW_ANSWERS = "too few answers to report"
WOULD_REVEAL = "not shown: with the groups above they would give the size of the groups too few to report"


@dataclass(frozen=True)
class Candidate:
    """One candidate's outcome on the exercise and their self-identification answers ({} if none)."""

    selected: bool
    score: float | None
    answers: Mapping[str, str] = field(default_factory=dict)


def is_selected(recommendation: str) -> bool:
    return recommendation in SELECTED_OUTCOMES


def _ratio(rate: Fraction | None, highest: Fraction | None) -> Fraction | None:
    if rate is None or not highest:
        return None
    return rate / highest


def _number(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _group(key: str, label: str, members: list[Candidate], cut: float | None) -> dict:
    scored = [m for m in members if m.score is not None]
    selected = sum(1 for m in members if m.selected)
    above = sum(1 for m in scored if cut is not None and m.score > cut)
    return {
        "key": key,
        "label": label,
        "people": len(members),
        "selected": selected,
        "selection_rate": Fraction(selected, len(members)),
        "above_median": above,
        "above_median_rate": Fraction(above, len(scored)) if scored and cut is not None else None,
    }


def _compare(groups: list[dict], rate_key: str, prefix: str) -> None:
    rates = [g[rate_key] for g in groups if g[rate_key] is not None]
    highest = max(rates) if rates else None
    for g in groups:
        ratio = _ratio(g[rate_key], highest)
        g[f"{prefix}impact_ratio"] = ratio
        g[f"{prefix}four_fifths_flag"] = ratio is not None and ratio < FOUR_FIFTHS
        g[f"{prefix}highest"] = g[rate_key] is not None and highest is not None and g[rate_key] == highest


def _question(
    question: Mapping,
    candidates: Sequence[Candidate],
    cut: float | None,
    min_group_size: int,
    min_share: Fraction,
) -> dict:
    options = [(o["key"], o["label"]) for o in question["options"]]
    members: dict[str, list[Candidate]] = {key: [] for key, _ in options}
    not_stated = 0
    for candidate in candidates:
        answer = candidate.answers.get(question["key"])
        if answer in members:
            members[answer].append(candidate)
        else:
            not_stated += 1
    respondents = sum(len(m) for m in members.values())
    judged, left_out = [], []
    left_out_people = 0
    for key, label in options:
        people = len(members[key])
        if people < min_group_size or Fraction(people, respondents) < min_share:
            # One reason for all: the list must not tell "nobody" from "a few".
            left_out.append({"key": key, "label": label, "reason": TOO_FEW})
            left_out_people += people
        else:
            judged.append(_group(key, label, members[key], cut))
    if respondents < min_group_size:
        totals_withheld = TOO_FEW_ANSWERS
    elif 0 < left_out_people < min_group_size:
        totals_withheld = WOULD_REVEAL
    else:
        totals_withheld = None
    _compare(judged, "selection_rate", "")
    _compare(judged, "above_median_rate", "above_median_")
    for g in judged:
        for name in ("selection_rate", "above_median_rate", "impact_ratio", "above_median_impact_ratio"):
            g[name] = _number(g[name])
    return {
        "key": question["key"],
        "label": question["label"],
        # None when withheld (see the module's docstring), with the reason in `totals_withheld`.
        "respondents": None if totals_withheld else respondents,
        "not_stated": None if totals_withheld else not_stated,
        "totals_withheld": totals_withheld,
        "groups": judged,
        "left_out": left_out,
        # One judged group has nothing to be compared with.
        "comparable": len(judged) >= 2,
        "flagged": [
            g["label"] for g in judged if g["four_fifths_flag"] or g["above_median_four_fifths_flag"]
        ],
    }


def adverse_impact(
    candidates: Sequence[Candidate],
    questions: Sequence[Mapping],
    *,
    min_group_size: int = 5,
    min_share: Fraction = MIN_SHARE,
) -> dict:
    """The report: per question, the groups judged with their rates, ratios and flags, the groups
    left out and why, and how many candidates stated nothing."""
    scores = [c.score for c in candidates if c.score is not None]
    cut = median(scores) if scores else None
    return {
        "candidates": len(candidates),
        "selected": sum(1 for c in candidates if c.selected),
        "median_score": cut,
        "selected_outcomes": list(SELECTED_OUTCOMES),
        "min_group_size": min_group_size,
        "min_share": float(min_share),
        "questions": [_question(q, candidates, cut, min_group_size, min_share) for q in questions],
    }
