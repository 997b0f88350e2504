"""What the progress pages show, built from a trainee's progress: the score chart and its table,
the time trends, and each stage's drills. Shared by the trainee's page and the lead's view of it."""

import math

from django.template.defaultfilters import floatformat

from programmes.charts import Series, line_chart
from programmes.selectors import EnrolmentProgress
from scoring.dimensions import DIMENSION_KEYS
from scoring.staff_selectors import DIMENSION_NAMES


def _score_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def mean_text(value: float | None) -> str:
    """A readiness mean as every page and the CSV write it: two decimals, half up ('' when none)."""
    return "" if value is None else floatformat(value, 2)


def score_chart(progress: EnrolmentProgress) -> dict | None:
    """Final score per dimension for every scored drill, oldest first."""
    scored = progress.scored_records
    if not scored:
        return None
    present = {d for r in scored for d in r.scores}
    dimensions = [d for d in DIMENSION_KEYS if d in present]
    labels = [f"#{i} {(r.submitted_at or r.started_at):%d %b}" for i, r in enumerate(scored, start=1)]
    series = [
        Series(
            key=d,
            label=DIMENSION_NAMES.get(d, d),
            points=[(i, r.scores.get(d)) for i, r in enumerate(scored)],
        )
        for d in dimensions
    ]
    chart = line_chart(series, labels, y_min=1, y_max=5, y_ticks=[1, 2, 3, 4, 5])
    chart["table"] = {
        "columns": labels,
        "rows": [
            {"label": DIMENSION_NAMES.get(d, d), "cells": [_score_text(r.scores.get(d)) for r in scored]}
            for d in dimensions
        ]
        + [{"label": "Mean", "cells": [_score_text(r.mean) for r in scored]}],
    }
    return chart


def time_chart(progress: EnrolmentProgress) -> dict | None:
    """Median minutes to first action and to triage per drill with a ticket queue."""
    kpis = progress.kpis
    if not kpis:
        return None
    labels = [f"#{i} {k['at']:%d %b}" for i, k in enumerate(kpis, start=1)]
    values = [v for k in kpis for v in (k["first_action"], k["triage"]) if v is not None]
    top = max(4, math.ceil(max(values, default=4) / 4) * 4)
    series = [
        Series(
            key="first_action",
            label="First action",
            points=[(i, k["first_action"]) for i, k in enumerate(kpis)],
        ),
        Series(key="triage", label="Triage", points=[(i, k["triage"]) for i, k in enumerate(kpis)]),
    ]
    chart = line_chart(
        series,
        labels,
        y_min=0,
        y_max=top,
        y_ticks=[top * n // 4 for n in range(5)],
        height=200,
        unit=" min",
    )
    chart["table"] = {
        "columns": labels,
        "rows": [
            {"label": "Minutes to first action", "cells": [_score_text(k["first_action"]) for k in kpis]},
            {"label": "Minutes to triage", "cells": [_score_text(k["triage"]) for k in kpis]},
        ],
    }
    first, last = kpis[0], kpis[-1]
    chart["summary"] = [
        _change("first action", first["first_action"], last["first_action"], len(kpis)),
        _change("triage", first["triage"], last["triage"], len(kpis)),
    ]
    return chart


def _change(what: str, first: float | None, last: float | None, count: int) -> str:
    if last is None:
        return f"Time to {what}: not recorded yet."
    if count < 2 or first is None:
        return f"Time to {what}: {last:.1f} min in your only ticket-queue drill so far."
    direction = "faster" if last < first else ("slower" if last > first else "the same")
    return f"Time to {what}: {last:.1f} min in the latest drill, {abs(first - last):.1f} min {direction} than the first ({first:.1f})."


def progress_context(progress: EnrolmentProgress) -> dict:
    for stage in progress.stages:
        stage.level_rows = [
            {
                "name": DIMENSION_NAMES.get(d, d),
                "level": _score_text(stage.readiness.levels.get(d)),
                "count": stage.readiness.counts.get(d, 0),
                "low": stage.readiness.levels.get(d) is not None
                and stage.readiness.levels[d] < stage.stage.min_each,
            }
            for d in stage.dimensions
        ]
        stage.mean_text = mean_text(stage.readiness.mean) or "—"
    return {
        "progress": progress,
        "score_chart": score_chart(progress),
        "time_chart": time_chart(progress),
    }
