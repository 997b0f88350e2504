"""Pages of the fairness app: the candidate's voluntary questions (after they submit a hiring
exercise) and the lead's adverse-impact report with its CSV.

The candidate page is reached only from the browser session that took the exercise, like the
submitted page; the report only by a lead of the exercise's organisation (anyone else: 404).
"""

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from fairness import selectors, services
from fairness.questions import (
    DEFAULT_QUESTIONS,
    MAX_QUESTIONS,
    PREFER_NOT_TO_SAY,
    PREFER_NOT_TO_SAY_LABEL,
    questions_from_form,
)
from scoring.scorecards import OUTCOME_LABELS
from scoring.staff_selectors import csv_safe
from simulator.access import exercises_visible_to, require_lead
from simulator.errors import DomainError
from simulator.models import AttemptStatus, Purpose
from simulator.staff_views import staff_page
from simulator.views import _attempt_for_session

# The candidate's questions ---------------------------------------------------------------------------


def _question_rows(questions: list[dict], chosen: dict) -> list[dict]:
    rows = []
    for question in questions:
        picked = chosen.get(question["key"]) or PREFER_NOT_TO_SAY
        options = [*question["options"], {"key": PREFER_NOT_TO_SAY, "label": PREFER_NOT_TO_SAY_LABEL}]
        rows.append(
            {
                **question,
                "choices": [{**option, "checked": option["key"] == picked} for option in options],
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def about_you(request, attempt_id: str):
    """Optional questions, offered once a hiring exercise is submitted. Answer, decline, change or
    withdraw; nothing here changes anything about the exercise or is seen by reviewers."""
    attempt, _ = _attempt_for_session(request, attempt_id)
    if attempt.exercise.purpose != Purpose.HIRING:
        raise Http404
    if attempt.status == AttemptStatus.IN_PROGRESS:
        # Offered after submitting only: nothing about the person is asked while they are assessed.
        return redirect("workspace", attempt_id=attempt.public_id)
    participant = attempt.participant
    questions = selectors.questions_for(organisation_id=participant.organisation_id)
    error = ""
    posted: dict = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "save":
                posted = {q["key"]: request.POST.get(q["key"], "") for q in questions}
                services.self_identification_record(participant=participant, answers=posted)
            elif action == "decline":
                services.self_identification_decline(participant=participant)
            elif action == "withdraw":
                services.self_identification_withdraw(participant=participant)
            else:
                raise DomainError("choose to save your answers, to decline, or to withdraw them")
        except DomainError as problem:
            error = str(problem)
        else:
            return redirect(reverse("self-identification", args=[attempt.public_id]) + f"?done={action}")
    record = selectors.own_record(participant_id=participant.pk)
    chosen = posted or (record.answers if record else {})
    context = {
        "attempt": attempt,
        "exercise": attempt.exercise,
        "questions": _question_rows(questions, chosen),
        "record": record,
        "done": request.GET.get("done", "") if not error else "",
        "min_group_size": settings.FAIRNESS_MIN_GROUP_SIZE,
        "error": error,
    }
    return render(request, "fairness/about_you.html", context, status=400 if error else 200)


# The lead's adverse-impact report --------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def report_for(request, exercise_id: int):
    """The exercise (lead of its organisation only, else 404) and its report."""
    require_lead(request.user)
    exercise = exercises_visible_to(request.user).filter(pk=exercise_id).first()
    if exercise is None:
        raise Http404
    finalized_only = request.GET.get("finalized") == "yes"
    if exercise.purpose != Purpose.HIRING:
        return exercise, None
    return exercise, selectors.impact_report(exercise=exercise, finalized_only=finalized_only)


CSV_HEADER = [
    "question", "group", "judged", "people", "selected", "selection_rate", "impact_ratio",
    "four_fifths_flag", "above_median", "above_median_rate", "above_median_impact_ratio",
    "above_median_four_fifths_flag", "left_out_reason",
]  # fmt: skip


def report_csv_rows(report: dict) -> list[list[str]]:
    """Every judged and left-out group of every question; a left-out group's numbers stay empty."""
    rows = []
    for question in report["questions"]:
        for g in question["groups"]:
            rows.append(
                [
                    question["label"], g["label"], "yes", g["people"], g["selected"],
                    _number(g["selection_rate"]), _number(g["impact_ratio"]),
                    "yes" if g["four_fifths_flag"] else "no", g["above_median"],
                    _number(g["above_median_rate"]), _number(g["above_median_impact_ratio"]),
                    "yes" if g["above_median_four_fifths_flag"] else "no", "",
                ]
            )  # fmt: skip
        for g in question["left_out"]:
            rows.append([question["label"], g["label"], "no", *[""] * 9, g["reason"]])
        if question["totals_withheld"]:
            rows.append([question["label"], "Not stated", "no", "", *[""] * 8, question["totals_withheld"]])
        else:
            rows.append(
                [question["label"], "Not stated", "no", question["not_stated"], *[""] * 8, "not a group"]
            )
    return [[csv_safe(cell) for cell in row] for row in rows]


def _number(value) -> str:
    return "" if value is None else f"{value:.4f}"


def report_csv_response(exercise, report: dict) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(report_csv_rows(report))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exercise.slug}-adverse-impact.csv"'
    return response


@staff_page
def adverse_impact(request, exercise_id: int):
    exercise, report = report_for(request, exercise_id)
    if report is not None and request.GET.get("format") == "csv":
        return report_csv_response(exercise, report)
    questions = []
    for question in (report or {}).get("questions", []):
        groups = [
            {
                **g,
                "rate_text": _percent(g["selection_rate"]),
                "ratio_text": _ratio(g["impact_ratio"]),
                "above_text": _percent(g["above_median_rate"]),
                "above_ratio_text": _ratio(g["above_median_impact_ratio"]),
                "bar": f"{(g['selection_rate'] or 0) * 100:.1f}",
                "above_bar": f"{(g['above_median_rate'] or 0) * 100:.1f}",
            }
            for g in question["groups"]
        ]
        left_out = [group["label"] for group in question["left_out"]]
        questions.append({**question, "rows": groups, "left_out_labels": left_out})
    finalized_only = bool(report and report["finalized_only"])
    context = {
        "exercise": exercise,
        "report": report,
        "questions": questions,
        "selected_labels": [OUTCOME_LABELS[o] for o in (report or {}).get("selected_outcomes", [])],
        "finalized_only": finalized_only,
        "csv_href": "?" + ("finalized=yes&" if finalized_only else "") + "format=csv",
        "median_text": (
            f"{report['median_score']:.2f}" if report and report["median_score"] is not None else "—"
        ),
    }
    return render(request, "fairness/adverse_impact.html", context)


# The lead's question settings ---------------------------------------------------------------------


def _blocks_for(questions: list[dict]) -> list[dict]:
    blocks = [
        {**q, "options": "\n".join(o["label"] for o in q["options"]), "remove": False} for q in questions
    ]
    if len(blocks) < MAX_QUESTIONS:
        blocks.append({"key": "", "label": "", "prompt": "", "options": "", "remove": False})
    return blocks


def _posted_blocks(post) -> list[dict]:
    try:
        count = min(int(post.get("count", "0")), MAX_QUESTIONS + 1)
    except ValueError:
        count = 0
    return [
        {
            "key": post.get(f"q{i}-key", "")[:40],
            "label": post.get(f"q{i}-label", "")[:400],
            "prompt": post.get(f"q{i}-prompt", "")[:400],
            "options": post.get(f"q{i}-options", "")[:4000],
            "remove": post.get(f"q{i}-remove") == "yes",
        }
        for i in range(max(count, 0))
    ]


@require_http_methods(["GET", "POST"])
@staff_page
def question_settings(request):
    """The organisation's voluntary self-identification questions, for its leads (anyone else: 404):
    edit, add, remove, or go back to the default set. Changes go through `questions_set`."""
    membership = require_lead(request.user)
    organisation = membership.organisation
    question_set = selectors.question_set_for(organisation_id=organisation.pk)
    current = question_set.questions if question_set else DEFAULT_QUESTIONS
    blocks, problems = _blocks_for(current), []
    if request.method == "POST":
        restore = request.POST.get("action") == "restore"
        blocks = _blocks_for(DEFAULT_QUESTIONS) if restore else _posted_blocks(request.POST)
        questions = DEFAULT_QUESTIONS if restore else questions_from_form(blocks, previous=current)
        try:
            services.questions_set(organisation=organisation, questions=questions, set_by=request.user)
        except DomainError as refused:
            problems = str(refused).split("; ")
        else:
            messages.success(request, "Default questions restored." if restore else "Questions saved.")
            return redirect("staff-settings-self-identification")
    context = {
        "organisation": organisation,
        "question_set": question_set,
        "blocks": blocks,
        "count": len(blocks),
        "problems": problems,
        "max_questions": MAX_QUESTIONS,
        "prefer_not_to_say": PREFER_NOT_TO_SAY_LABEL,
    }
    return render(request, "fairness/question_settings.html", context, status=400 if problems else 200)
