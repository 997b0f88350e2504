"""The staff pages of calibration: an exercise's calibration page for leads (agreement, reviewer
strictness, override analytics, item statistics, the calibration set), the calibration index, and a
calibration example that a reviewer grades before the exercise's live attempts reach them.

Reads go through `scoring.calibration`, `scoring.item_statistics` and `simulator.access`; every change
through one service of `scoring.services`. A refused change is shown on the page with a 400.
"""

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from scoring import review_pages, services
from scoring.calibration import ENOUGH_TO_JUDGE, Period, exercise_calibration
from scoring.check_labels import check_label
from scoring.dimensions import DEFAULT_RUBRIC
from scoring.item_statistics import FLAG_LABELS, exercise_item_statistics
from scoring.models import CalibrationExample, CalibrationGrade, OverrideReason
from scoring.staff_selectors import DIMENSION_NAMES, attempt_answers, comparison_dimensions, participant_code
from simulator.access import exercises_visible_to, require_lead, staff_membership
from simulator.errors import DomainError
from simulator.models import Attempt, AttemptStatus, Role
from simulator.staff_views import staff_page
from simulator.views import KIND_LABELS, ROUTES, SEVERITIES

ANCHORS = {d["key"]: d["anchors"] for d in DEFAULT_RUBRIC}
REASON_LABELS = dict(OverrideReason.choices)
STRICTNESS_RANGE = 2.0  # the strictness chart spans -2 to +2 points


def _is_lead(user) -> bool:
    membership = staff_membership(user)
    return membership is not None and membership.role == Role.LEAD


def _lead_exercise(request, exercise_id: int):
    require_lead(request.user)
    exercise = exercises_visible_to(request.user).filter(pk=exercise_id).first()
    if exercise is None:
        raise Http404
    return exercise


def _number(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _percent(value) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _bar(value, lowest: float = 0.0, highest: float = 1.0) -> float:
    """A bar's width in percent for a value on [lowest, highest] (clamped; 0 when there is none)."""
    if value is None:
        return 0.0
    return round(100 * max(0.0, min(1.0, (value - lowest) / (highest - lowest))), 1)


# Charts ------------------------------------------------------------------------------------------------


def strictness_chart(reviewers: list[dict]) -> dict:
    """A diverging bar per reviewer: the mean deviation from the other reviewers, from -2 to +2."""
    left, centre, half, row = 170, 410, 200, 30
    bars = []
    for index, r in enumerate(reviewers):
        value = max(-STRICTNESS_RANGE, min(STRICTNESS_RANGE, r["mean_deviation"]))
        width = abs(value) * half / STRICTNESS_RANGE
        bars.append(
            {
                "label": r["reviewer"],
                "y": 24 + index * row,
                "text_y": 24 + index * row + 14,
                "x": f"{centre - width if value < 0 else centre:.1f}",
                "width": f"{max(width, 1.5):.1f}",
                "side": "strict" if value < 0 else "lenient",
                "value": f"{r['mean_deviation']:+.2f}",
                "value_x": f"{(centre - width - 6) if value < 0 else (centre + width + 6):.1f}",
                "anchor": "end" if value < 0 else "start",
                "n": r["n"],
            }
        )
    height = 24 + max(1, len(bars)) * row + 26
    ticks = [
        {"x": f"{centre + v * half / STRICTNESS_RANGE:.1f}", "label": f"{v:+g}" if v else "0"}
        for v in (-2, -1, 0, 1, 2)
    ]
    return {
        "width": centre + half + 60,
        "height": height,
        "left": left,
        "centre": centre,
        "axis_y": height - 18,
        "bars": bars,
        "ticks": ticks,
    }


# The calibration page ---------------------------------------------------------------------------------


def _calibration_set(exercise) -> dict:
    """The exercise's examples with their grades, and where each panel reviewer stands."""
    examples = list(
        CalibrationExample.objects.filter(exercise=exercise)
        .select_related("attempt")
        .prefetch_related(Prefetch("grades", queryset=CalibrationGrade.objects.select_related("reviewer")))
    )
    graded: dict[int, list[float]] = {}
    names: dict[int, str] = {}
    rows = []
    for example in examples:
        grades = []
        for grade in example.grades.all():
            distance = [abs(grade.scores.get(d, 0) - v) for d, v in example.agreed_scores.items()]
            mean = sum(distance) / len(distance) if distance else 0.0
            graded.setdefault(grade.reviewer_id, []).append(mean)
            names[grade.reviewer_id] = review_pages.display_name(grade.reviewer)
            grades.append({"reviewer": names[grade.reviewer_id], "distance": f"{mean:.2f}"})
        rows.append(
            {
                "example": example,
                "code": participant_code(example.attempt.participant_id),
                "label": _attempt_label(example.attempt),
                "agreed": [(DIMENSION_NAMES.get(d, d), v) for d, v in example.agreed_scores.items()],
                "grades": grades,
                "url": reverse("staff-calibration-example", args=[example.pk]),
            }
        )
    reviewers = []
    if exercise.panel_id:
        members = list(exercise.panel.reviewers.order_by("username"))
        statuses = services.calibration_statuses(exercises=[exercise], reviewers=members)
        for user in members:
            done = graded.get(user.pk, [])
            status = statuses[(exercise.pk, user.pk)]
            reviewers.append(
                {
                    "name": review_pages.display_name(user),
                    "graded": status.graded,
                    "mean_distance": _number(sum(done) / len(done)) if done else "—",
                    "cleared": status.cleared,
                    "reviewed_live": status.reviewed_live,
                }
            )
    eligible = [
        {"public_id": a.public_id, "label": _attempt_label(a)}
        for a in Attempt.objects.filter(
            exercise=exercise, status=AttemptStatus.FINALIZED, calibration_example__isnull=True
        )
        .only("public_id", "participant_id", "submitted_at")
        .order_by("-submitted_at", "-pk")
    ]
    return {"examples": rows, "reviewers": reviewers, "count": len(examples), "eligible": eligible}


def _attempt_label(attempt) -> str:
    """An attempt as a lead picks it for the calibration set: the participant's code and the day it
    was submitted, never a name (reviewers grade examples blind)."""
    day = attempt.submitted_at.date().isoformat() if attempt.submitted_at else "not submitted"
    return f"{participant_code(attempt.participant_id)} · submitted {day}"


def _calibration_context(request, exercise, period: Period, period_error: str = "") -> dict:
    report = exercise_calibration(exercise=exercise, period=period)
    items = exercise_item_statistics(exercise=exercise, period=period)
    for row in report["dimensions"]:
        alpha = row["reviewers"]["alpha"]
        qwk = row["auto_vs_human"]["qwk"]
        msd = row["auto_vs_human"]["mean_signed_difference"]
        row.update(
            alpha_text=_number(alpha), alpha_bar=_bar(alpha), qwk_text=_number(qwk), qwk_bar=_bar(qwk),
            alpha_too_few=alpha is not None and not row["reviewers"]["enough_data"],
            qwk_too_few=qwk is not None and not row["auto_vs_human"]["enough_data"],
            msd_text="—" if msd is None else f"{msd:+.2f}",
            msd_words="" if msd is None or abs(msd) < 0.25 else ("auto-score higher" if msd > 0 else "auto-score lower"),
        )  # fmt: skip
    for row in report["reviewers"]:
        row.update(
            mean_text=f"{row['mean_deviation']:+.2f}",
            mad_text=_number(row["mean_absolute_deviation"]),
            deviating_text=_percent(row["deviating"] / row["n"]) if row["n"] else "—",
        )
    overrides = report["overrides"]
    top_rate = max((r["rate"] or 0 for r in overrides["by_dimension"]), default=0) or 1
    for row in overrides["by_dimension"]:
        row.update(
            name=DIMENSION_NAMES.get(row["dimension"], row["dimension"]),
            rate_text=_percent(row["rate"]), bar=_bar(row["rate"] or 0, 0, top_rate),
            reason_text=", ".join(f"{REASON_LABELS.get(k, k)} ({v})" for k, v in sorted(row["reasons"].items())),
        )  # fmt: skip
    for row in overrides["weakest_checks"]:
        row.update(
            kind_label=KIND_LABELS.get(row["kind"], row["kind"]),
            label=check_label(row["kind"], row["check"]),
            name=DIMENSION_NAMES.get(row["dimension"], row["dimension"]),
            rate_text=_percent(row["rate"]),
            reason_text=", ".join(
                f"{REASON_LABELS.get(k, k)} ({v})" for k, v in sorted(row["reasons"].items())
            ),
        )
    for row in overrides["by_scorer_version"]:
        row["rate_text"] = _percent(row["rate"])
        row["version_text"] = row["scorer_version"].replace(",", ", ")
    for row in items["scenarios"]:
        row.update(
            kind_label=KIND_LABELS.get(row["kind"], row["kind"]), mean_text=_number(row["mean_score"]),
            passing_text=_percent(row["share_passing"]), r_text=_number(row["discrimination"]),
            flag_labels=[FLAG_LABELS[f] for f in row["flags"]],
        )  # fmt: skip
    flagged_checks = [c for c in items["checks"] if c["flags"]]
    for row in items["checks"]:
        row.update(
            kind_label=KIND_LABELS.get(row["kind"], row["kind"]), name=DIMENSION_NAMES.get(row["dimension"], row["dimension"]),
            label=check_label(row["kind"], row["check"]), passing_text=_percent(row["share_passing"]), r_text=_number(row["discrimination"]),
            flag_labels=[FLAG_LABELS[f] for f in row["flags"]],
        )  # fmt: skip
    dimensions = comparison_dimensions(exercise)
    return {
        "exercise": exercise,
        "period": period,
        "period_from": request.GET.get("from", ""),
        "period_to": request.GET.get("to", ""),
        "period_error": period_error,
        "report": report,
        "strictness": strictness_chart(report["reviewers"]),
        "items": items,
        "flagged_checks": flagged_checks,
        "calibration": _calibration_set(exercise),
        "dimensions": [{"key": d, "name": DIMENSION_NAMES.get(d, d)} for d in dimensions],
        "levels": [1, 2, 3, 4, 5],
        "reason_labels": REASON_LABELS,
        "enough_to_judge": ENOUGH_TO_JUDGE,
    }


def _period_of(request) -> tuple[Period, str]:
    try:
        return Period.parse(request.GET.get("from"), request.GET.get("to")), ""
    except ValueError as error:
        return Period(), str(error).capitalize() + "."


def _render_calibration(request, exercise, *, status=200, errors=None, posted=None):
    period, period_error = _period_of(request)
    context = _calibration_context(request, exercise, period, period_error)
    context["errors"] = errors or {}
    context["posted"] = posted or {}
    for d in context["dimensions"]:
        d["posted"] = (posted or {}).get("scores", {}).get(d["key"], "")
    return render(
        request, "scoring/calibration.html", context, status=400 if period_error and status == 200 else status
    )


@staff_page
def calibration(request, exercise_id: int):
    return _render_calibration(request, _lead_exercise(request, exercise_id))


@staff_page
@require_POST
def calibration_example_mark(request, exercise_id: int):
    exercise = _lead_exercise(request, exercise_id)
    public_id = request.POST.get("attempt", "").strip()
    dimensions = comparison_dimensions(exercise)
    posted = {"attempt": public_id, "notes": request.POST.get("notes", ""), "scores": {}}
    problems = []
    scores = {}
    for d in dimensions:
        text = request.POST.get(f"agreed-{d}", "")
        posted["scores"][d] = text
        if text not in {"1", "2", "3", "4", "5"}:
            problems.append(f"Choose the agreed score for {DIMENSION_NAMES.get(d, d)}.")
        else:
            scores[d] = int(text)
    attempt = (
        Attempt.objects.filter(exercise=exercise, public_id=public_id).select_related("exercise").first()
        if public_id
        else None
    )
    if attempt is None:
        problems.insert(0, "Choose a finalized attempt of this exercise.")
    if not problems:
        try:
            services.calibration_example_mark(
                attempt=attempt, agreed_scores=scores, notes=posted["notes"], marked_by=request.user
            )
        except DomainError as error:
            problems.append(str(error).capitalize())
    if problems:
        return _render_calibration(request, exercise, status=400, errors={"mark": problems}, posted=posted)
    messages.success(request, "The attempt is a calibration example now.")
    return redirect(reverse("staff-calibration", args=[exercise.pk]) + "#calibration-set")


@staff_page
@require_POST
def calibration_example_unmark(request, example_id: int):
    require_lead(request.user)
    example = _example_for(request, example_id)
    exercise_id = example.exercise_id
    services.calibration_example_unmark(example=example, unmarked_by=request.user)
    messages.success(request, "The attempt is no longer a calibration example.")
    return redirect(reverse("staff-calibration", args=[exercise_id]) + "#calibration-set")


@staff_page
@require_POST
def item_retire(request, exercise_id: int):
    exercise = _lead_exercise(request, exercise_id)
    reason = request.POST.get("reason", "").strip()
    try:
        services.item_retire(
            exercise=exercise, kind=request.POST.get("kind", ""), archetype=request.POST.get("archetype", ""),
            difficulty=request.POST.get("difficulty", ""), reason=reason, retired_by=request.user,
        )  # fmt: skip
    except DomainError as error:
        return _render_calibration(
            request, exercise, status=400, errors={"retire": [str(error).capitalize()]}
        )
    messages.success(request, "The scenario is retired: new attempts of this exercise will not be given it.")
    return redirect(reverse("staff-calibration", args=[exercise.pk]) + "#items")


# The calibration index and examples -------------------------------------------------------------------


@staff_page
def calibration_index(request):
    """Leads: every exercise with a link to its calibration page. Reviewers: the calibration sets of
    their exercises, what they graded and what is left."""
    lead = _is_lead(request.user)
    exercises = (
        exercises_visible_to(request.user)
        .annotate(
            example_count=Count("calibration_examples", distinct=True),
            scored_count=Count(
                "attempts",
                filter=Q(attempts__status__in=[AttemptStatus.SCORED, AttemptStatus.FINALIZED]),
                distinct=True,
            ),
        )
        .order_by("title")
    )
    rows = []
    if lead:
        rows = [{"exercise": e, "url": reverse("staff-calibration", args=[e.pk])} for e in exercises]
    else:
        exercises = [e for e in exercises if e.example_count]
        examples = (
            CalibrationExample.objects.filter(exercise__in=[e.pk for e in exercises])
            .select_related("attempt")
            .order_by("marked_at", "pk")
        )
        mine = {
            g.example_id: g
            for g in CalibrationGrade.objects.filter(
                reviewer=request.user, example__exercise__in=[e.pk for e in exercises]
            )
        }
        by_exercise: dict[int, list] = {}
        for example in examples:
            by_exercise.setdefault(example.exercise_id, []).append(
                {
                    "code": participant_code(example.attempt.participant_id),
                    "url": reverse("staff-calibration-example", args=[example.pk]),
                    "graded": example.pk in mine,
                }
            )
        statuses = services.calibration_statuses(exercises=exercises, reviewers=[request.user])
        for exercise in exercises:
            listed = by_exercise.get(exercise.pk, [])
            status = statuses[(exercise.pk, request.user.pk)]
            rows.append(
                {
                    "exercise": exercise,
                    "examples": listed,
                    "done": status.graded,
                    "cleared": status.cleared,
                    "reviewed_live": status.reviewed_live,
                }
            )
    return render(request, "scoring/calibration_index.html", {"rows": rows, "is_lead": lead})


def _example_for(request, example_id: int) -> CalibrationExample:
    example = (
        CalibrationExample.objects.filter(pk=example_id, exercise__in=exercises_visible_to(request.user))
        .select_related("attempt__participant", "exercise")
        .first()
    )
    if example is None:
        raise Http404
    return example


def _example_page(request, example, *, status=200, errors=None, chosen=None, result=None):
    lead = _is_lead(request.user)
    grade = CalibrationGrade.objects.filter(example=example, reviewer=request.user).first()
    if grade is not None and result is None:
        result = services.calibration_distance(grade)
    answers = {a["item_id"]: a for a in attempt_answers(attempt=example.attempt)}
    # What the participant saw, rendered by the same item templates as the live review page.
    parts = [
        {
            "seen": item,
            "template": f"simulator/items/_{item['kind']}.html",
            "groups": review_pages.answer_groups(
                review_pages.answer_fields(answers.get(item["id"], {}).get("answer") or {})
            ),
        }
        for item in review_pages.items_as_seen(attempt=example.attempt)
    ]
    chosen = chosen or {}
    dimensions = [
        {
            "key": d,
            "name": DIMENSION_NAMES.get(d, d),
            "levels": [
                {"level": n, "anchor": ANCHORS.get(d, {}).get(str(n), ""), "checked": chosen.get(d) == str(n)}
                for n in range(1, 6)
            ],
        }
        for d in example.agreed_scores
    ]
    rows = []
    if result:
        rows = [
            {
                "name": DIMENSION_NAMES.get(d, d),
                **r,
                "difference_text": f"{r['difference']:+d}" if r["difference"] else "0",
            }
            for d, r in result.items()
        ]
    context = {
        "example": example,
        "code": participant_code(example.attempt.participant_id),
        "parts": parts,
        "dimensions": dimensions,
        "result": rows,
        "mean_distance": _number(sum(abs(r["difference"]) for r in rows) / len(rows)) if rows else None,
        "show_agreed": bool(rows) or lead,
        "agreed": [(DIMENSION_NAMES.get(d, d), v) for d, v in example.agreed_scores.items()],
        "can_grade": grade is None and not rows,
        "is_lead": lead,
        "errors": errors or [],
        "severities": SEVERITIES,  # the item templates' choices, as on the review page
        "routes": ROUTES,
        "kind_labels": KIND_LABELS,
    }
    return render(request, "scoring/calibration_example.html", context, status=status)


@staff_page
def calibration_example(request, example_id: int):
    return _example_page(request, _example_for(request, example_id))


@staff_page
@require_POST
def calibration_grade(request, example_id: int):
    example = _example_for(request, example_id)
    chosen = {d: request.POST.get(f"score-{d}", "") for d in example.agreed_scores}
    missing = [DIMENSION_NAMES.get(d, d) for d, v in chosen.items() if v not in {"1", "2", "3", "4", "5"}]
    if missing:
        return _example_page(
            request, example, status=400, chosen=chosen, errors=[f"Choose a level for {', '.join(missing)}."]
        )
    try:
        services.calibration_grade_submit(
            example=example, reviewer=request.user, scores={d: int(v) for d, v in chosen.items()}
        )
    except DomainError as error:
        return _example_page(request, example, status=400, chosen=chosen, errors=[str(error).capitalize()])
    messages.success(request, "Your grades are saved: here is how far they are from the agreed scores.")
    return redirect("staff-calibration-example", example.pk)
