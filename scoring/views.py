"""The staff pages of the scoring side: the attempt review page, the printable scorecard, the
exercises index and the comparison of an exercise's scorecards (with its CSV and its rule).

Views read through `scoring.staff_selectors` / `scoring.review_pages` (blind review is applied
there) and act through `scoring.services`; a refused action (`DomainError`: a held claim, a frozen
scorecard, a missing justification) is shown on the page with a 400, never a 500. Every lookup is
scoped by `simulator.access`: outside the caller's scope is a 404.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from scoring import appeals, review_pages, scorecards, services
from scoring.exports import scorecards_csv_response
from scoring.models import AppealStatus, Override, OverrideAction, OverrideReason, RecommendationRule
from scoring.staff_selectors import (
    DIMENSION_NAMES,
    attempt_answers,
    comparison_dimensions,
    comparison_row,
    distribution_counts,
    scorecard_view,
)
from simulator.access import attempt_for_staff, exercises_visible_to, require_lead, staff_membership
from simulator.errors import DomainError
from simulator.models import AttemptStatus, Purpose, Role
from simulator.staff_views import staff_page
from simulator.views import KIND_LABELS, ROUTES, SEVERITIES

LEVELS = [1, 2, 3, 4, 5]
RULE_ROWS = 4


# Forms ---------------------------------------------------------------------------------------------


class OverrideForm(forms.Form):
    dimension = forms.ChoiceField()
    score = forms.TypedChoiceField(choices=[(n, n) for n in LEVELS], coerce=int)
    reason_code = forms.ChoiceField(choices=OverrideReason.choices)
    justification = forms.CharField(
        max_length=5000, error_messages={"required": "Say why the score should change."}
    )

    def __init__(self, *args, dimensions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = [(d, DIMENSION_NAMES.get(d, d)) for d in dimensions]


class RevertForm(forms.Form):
    justification = forms.CharField(
        max_length=5000, error_messages={"required": "Say why the override should go."}
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, error_messages={"required": "Say why the scorecard is reopened."}
    )


# The attempt review page ---------------------------------------------------------------------------


def _is_lead(user) -> bool:
    membership = staff_membership(user)
    return membership is not None and membership.role == Role.LEAD


def _claim_on_open(request, attempt) -> str:
    """A reviewer who opens an attempt they have not reviewed claims it (or extends their claim).
    Returns why the claim was refused, or ''."""
    if _is_lead(request.user) or attempt.status != AttemptStatus.SCORED:
        return ""
    if attempt.reviews.filter(reviewer=request.user).exists():
        return ""
    # Browsing is not reviewing: claim only what still needs a review or was assigned to this reviewer.
    card = getattr(attempt, "scorecard", None)
    if (
        not (card and card.needs_review)
        and not attempt.review_assignments.filter(reviewer=request.user).exists()
    ):
        return ""
    try:
        services.review_claim(attempt=attempt, reviewer=request.user)
    except DomainError as error:
        return str(error)
    return ""


def _picked_diffs(request) -> dict[str, tuple[int, int]]:
    item = request.GET.get("item", "")
    try:
        return {item: (int(request.GET.get("from", "")), int(request.GET.get("to", "")))} if item else {}
    except ValueError:
        return {}


def _review_context(request, attempt, *, errors: dict | None = None, posted: dict | None = None) -> dict:
    errors = errors or {}
    posted = posted or {}
    view = scorecard_view(attempt=attempt, viewer=request.user)
    lead = _is_lead(request.user)
    now = timezone.now()
    claim = view.claim if view.claim and view.claim["expires_at"] > now else None
    held_by_other = bool(claim and claim["reviewer_id"] != request.user.pk)
    open_for_changes = attempt.status == AttemptStatus.SCORED
    answers = attempt_answers(attempt=attempt)
    history = review_pages.answers_with_history(answers, pick=_picked_diffs(request))
    seen = review_pages.items_as_seen(attempt=attempt)
    worked = {} if view.blinded else review_pages.worked_answers(attempt=attempt, answers=answers)
    checks_by_item: dict[str, list[dict]] = {}
    for item in view.items:
        checks_by_item[item["item_id"]] = [_dimension_checks(d) for d in item["dimensions"]]
    positions = {item["id"]: item["position"] for item in seen}
    parts = [
        {
            "seen": item,
            "template": f"simulator/items/_{item['kind']}.html",
            "answer": history.get(item["id"], {}),
            "worked": worked.get(item["id"]),
            "checks": checks_by_item.get(item["id"], []),
        }
        for item in seen
    ]
    _decorate_overrides(view.overrides, posted.get("revert") or {})
    for d in view.flags.get("disagreements") or []:
        d["dimension_name"] = DIMENSION_NAMES.get(d["dimension"], d["dimension"])
    review_posted = posted.get("review") or {}
    override_posted = posted.get("override") or {}
    appeal = appeals.appeal_of(attempt)
    dimensions = []
    for d in view.dimensions:
        mine = review_posted.get(d["key"], d["my_score"])
        override_form = override_posted.get(d["key"])
        dimensions.append(
            {
                **d,
                "mine": mine,
                "levels": [
                    {"level": n, "anchor": d["anchors"].get(str(n), ""), "checked": mine == n} for n in LEVELS
                ],
                "standing": next((o for o in d["overrides"] if o["standing"]), None),
                "override_form": override_form,
                "override_open": override_form is not None,
                "score_text": _score_text(d["score"]),
                "auto_text": _score_text(d["auto_score"]),
                "level": _level(d["score"]),
                "source_label": SOURCE_LABELS.get(d["source"], ""),
            }
        )
    return {
        "attempt": attempt,
        "exercise": attempt.exercise,
        "view": view,
        "is_lead": lead,
        "parts": parts,
        "process": review_pages.process_view(attempt=attempt, positions=positions),
        "dimensions": dimensions,
        "claim": claim,
        "claim_is_mine": bool(claim and not held_by_other),
        "held_by_other": held_by_other,
        "can_review": open_for_changes and not held_by_other and bool(view.dimensions),
        "can_override": open_for_changes and not view.blinded and bool(view.dimensions),
        "open_for_changes": open_for_changes,
        "reasons": OverrideReason.choices,
        "levels": LEVELS,
        "reviewers": review_pages.panel_reviewers(attempt=attempt) if lead else [],
        "errors": errors,
        "notes": posted.get("notes", (view.my_review or {}).get("notes", "")),
        "reopen_reason": posted.get("reopen_reason", ""),
        "severities": SEVERITIES,
        "routes": ROUTES,
        "kind_labels": KIND_LABELS,
        "appeal": _appeal_view(appeal, request.user, view, posted.get("appeal")) if appeal else None,
    }


def _appeal_view(appeal, user, view, posted: dict | None) -> dict:
    """The appeal card of the review page: the request, its outcome, and the form to answer it for
    the reviewer whose queue it is in (or a lead), once blind review no longer hides the scores."""
    current = next((d for d in view.dimensions if d["key"] == appeal.dimension), None)
    return {
        "id": appeal.pk,
        "dimension": appeal.dimension,
        "dimension_name": DIMENSION_NAMES.get(appeal.dimension, appeal.dimension),
        "reason": appeal.reason,
        "requested_at": appeal.requested_at,
        "status": appeal.status,
        "status_label": AppealStatus(appeal.status).label,
        "open": appeal.status == AppealStatus.OPEN,
        "assigned_to": review_pages.display_name(appeal.assigned_to) if appeal.assigned_to else "",
        "resolved_by": review_pages.display_name(appeal.resolved_by) if appeal.resolved_by else "",
        "resolved_at": appeal.resolved_at,
        "note": appeal.response_note,
        "score_before": None if view.blinded else _score_text(appeal.score_before),
        "current": None if view.blinded or current is None else _score_text(current["score"]),
        "new_score": (
            appeal.override.score
            if appeal.override
            else (_score_text(appeal.score_at_answer) if appeal.status == AppealStatus.CHANGED else None)
        ),
        "has_override": appeal.override_id is not None,
        # A first review moved the score since the request: keeping it is not "upheld".
        "moved": (
            current is not None
            and current.get("score") is not None
            and appeal.score_before is not None
            and float(current["score"]) != float(appeal.score_before)
        ),
        "may_resolve": appeals.may_resolve(appeal, user),
        "blinded": view.blinded,
        "posted": posted or {},
        "errors": (posted or {}).get("errors", []),
    }


SOURCE_LABELS = {
    scorecards.SOURCE_OVERRIDE: "Override",
    scorecards.SOURCE_REVIEWS: "Median of reviews",
    scorecards.SOURCE_AUTO: "Auto-score",
}


def _level(score) -> int:
    return max(1, min(5, int(score + 0.5))) if score is not None else 0


def _decorate_overrides(rows: list[dict], revert_forms: dict | None = None) -> None:
    """Labels the trail shows next to each override event (the rows are the selector's own dicts)."""
    reasons = dict(OverrideReason.choices)
    for row in rows:
        row["reason_label"] = reasons.get(row["reason_code"], "")
        row["previous_text"] = _score_text(row["previous_score"])
        row["dimension_name"] = DIMENSION_NAMES.get(row["dimension"], row["dimension"])
        row["revert_form"] = (revert_forms or {}).get(row["id"])


def _score_text(score) -> str:
    if score is None:
        return "—"
    return f"{score:.2f}".rstrip("0").rstrip(".") if isinstance(score, float) else str(score)


def _dimension_checks(dimension: dict) -> dict:
    checks = [
        {
            "passed": bool(c.get("passed")),
            "gate": bool(c.get("gate")),
            "assessed": c.get("assessed", True) is not False,
            "doubt": c.get("doubt", ""),
            "explanation": c.get("explanation", ""),
            "quote": c.get("quote", ""),
        }
        for c in dimension.get("checks") or []
    ]
    return {
        **dimension,
        "checks": checks,
        "passed_count": sum(1 for c in checks if c["passed"]),
        "failed_gate": any(c["gate"] and c["assessed"] and not c["passed"] for c in checks),
    }


def _render_review(request, attempt, *, status: int = 200, **extra):
    context = _review_context(request, attempt, **extra)
    return render(request, "scoring/review.html", context, status=status)


@staff_page
def attempt_review(request, public_id: str):
    attempt = attempt_for_staff(request.user, public_id)
    # A refused claim needs no message of its own: the claim banner says who holds it, until when.
    _claim_on_open(request, attempt)
    return _render_review(request, attempt)


def _back(attempt, anchor: str = ""):
    return redirect(reverse("staff-attempt", args=[attempt.public_id]) + (f"#{anchor}" if anchor else ""))


@staff_page
@require_POST
def review_submit(request, public_id: str):
    attempt = attempt_for_staff(request.user, public_id)
    dimensions = list((getattr(attempt, "scorecard", None) and attempt.scorecard.auto_scores) or {})
    scores: dict[str, int] = {}
    errors = []
    for dimension in dimensions:
        value = request.POST.get(f"score-{dimension}", "")
        if value == "":
            continue
        if value not in {str(n) for n in LEVELS}:
            errors.append(f"{DIMENSION_NAMES.get(dimension, dimension)}: choose a score from 1 to 5.")
            continue
        scores[dimension] = int(value)
    notes = request.POST.get("notes", "")
    if not scores and not errors:
        errors.append("Score at least one dimension before you submit.")
    if not errors:
        try:
            services.review_submit(attempt=attempt, reviewer=request.user, scores=scores, notes=notes)
        except DomainError as error:
            errors.append(str(error))
    if errors:
        return _render_review(
            request, attempt, status=400, errors={"review": errors}, posted={"review": scores, "notes": notes}
        )
    messages.success(request, "Your review is saved. Everything on this attempt is now visible to you.")
    return _back(attempt, "scores")


@staff_page
@require_POST
def override_create(request, public_id: str):
    attempt = attempt_for_staff(request.user, public_id)
    scorecard = getattr(attempt, "scorecard", None)
    dimensions = list(scorecard.auto_scores) if scorecard else []
    form = OverrideForm(request.POST, dimensions=dimensions)
    dimension = request.POST.get("dimension", "")
    if form.is_valid():
        try:
            services.override_create(
                attempt=attempt,
                dimension=form.cleaned_data["dimension"],
                score=form.cleaned_data["score"],
                reason_code=form.cleaned_data["reason_code"],
                justification=form.cleaned_data["justification"],
                author=request.user,
            )
        except DomainError as error:
            form.add_error(None, str(error))
    if not form.is_valid() or form.errors:
        return _render_review(request, attempt, status=400, posted={"override": {dimension: form}})
    name = DIMENSION_NAMES.get(dimension, dimension)
    messages.success(request, f"{name} is now {form.cleaned_data['score']} (override recorded).")
    return _back(attempt, f"dim-{dimension}")


@staff_page
@require_POST
def override_revert(request, public_id: str, override_id: int):
    attempt = attempt_for_staff(request.user, public_id)
    override = Override.objects.filter(
        pk=override_id, attempt=attempt, action=OverrideAction.OVERRIDE
    ).first()
    if override is None:
        raise Http404
    form = RevertForm(request.POST)
    if form.is_valid():
        try:
            services.override_revert(
                override=override, justification=form.cleaned_data["justification"], author=request.user
            )
        except DomainError as error:
            form.add_error(None, str(error))
    if form.errors:
        return _render_review(request, attempt, status=400, posted={"revert": {override.pk: form}})
    messages.success(request, f"The override of {DIMENSION_NAMES.get(override.dimension)} is reverted.")
    return _back(attempt, f"dim-{override.dimension}")


@staff_page
@require_POST
def appeal_resolve(request, public_id: str):
    """Answer the attempt's appeal: change the score (an override) or record that it stands."""
    attempt = attempt_for_staff(request.user, public_id)
    appeal = appeals.appeal_of(attempt)
    if appeal is None:
        raise Http404
    outcome = request.POST.get("outcome", "")
    note = request.POST.get("note", "")
    reason_code = request.POST.get("reason_code", "") or OverrideReason.OTHER
    score_text = request.POST.get("score", "")
    errors = []
    score = None
    if outcome == AppealStatus.CHANGED:
        if score_text not in {str(n) for n in LEVELS}:
            errors.append("Choose the new score from 1 to 5.")
        else:
            score = int(score_text)
        if reason_code not in OverrideReason.values:
            errors.append("Choose a reason for the change.")
    elif outcome != AppealStatus.UPHELD:
        errors.append("Choose whether the score changes or stands.")
    if not errors:
        try:
            appeals.appeal_resolve(
                appeal=appeal, outcome=outcome, note=note, resolver=request.user, score=score,
                reason_code=reason_code,
            )  # fmt: skip
        except DomainError as error:
            errors.append(str(error).capitalize().rstrip(".") + ".")
    if errors:
        posted = {
            "outcome": outcome,
            "note": note,
            "score": score_text,
            "reason_code": reason_code,
            "errors": errors,
        }
        return _render_review(request, attempt, status=400, posted={"appeal": posted})
    messages.success(request, "The appeal is answered; the participant sees the outcome and your note.")
    return _back(attempt, "appeal")


@staff_page
@require_POST
def review_release(request, public_id: str):
    attempt = attempt_for_staff(request.user, public_id)
    services.review_release(attempt=attempt, reviewer=request.user)
    messages.info(request, "You released this attempt; another reviewer can pick it up.")
    return redirect("staff-attempts")


@staff_page
@require_POST
def review_assign(request, public_id: str):
    require_lead(request.user)
    attempt = attempt_for_staff(request.user, public_id)
    reviewer = next(
        (
            u
            for u in review_pages.panel_reviewers(attempt=attempt)
            if str(u.pk) == request.POST.get("reviewer")
        ),
        None,
    )
    if reviewer is None:
        return _render_review(
            request, attempt, status=400, errors={"assign": ["Choose a reviewer of the panel."]}
        )
    try:
        services.review_assign(attempt=attempt, reviewer=reviewer, assigned_by=request.user)
    except DomainError as error:
        return _render_review(request, attempt, status=400, errors={"assign": [str(error)]})
    messages.success(request, f"Assigned to {review_pages.display_name(reviewer)}.")
    return _back(attempt, "lead")


@staff_page
@require_POST
def scorecard_finalize(request, public_id: str):
    require_lead(request.user)
    attempt = attempt_for_staff(request.user, public_id)
    try:
        services.scorecard_finalize(
            attempt=attempt, finalized_by=request.user,
            without_required_reviews=request.POST.get("without_required_reviews") == "yes",
        )  # fmt: skip
    except DomainError as error:
        return _render_review(request, attempt, status=400, errors={"lead": [str(error)]})
    messages.success(request, "The scorecard is finalized.")
    return _back(attempt)


@staff_page
@require_POST
def scorecard_reopen(request, public_id: str):
    require_lead(request.user)
    attempt = attempt_for_staff(request.user, public_id)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.scorecard_reopen(
                attempt=attempt, reopened_by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
    if form.errors:
        problems = [e for errors in form.errors.values() for e in errors]
        return _render_review(
            request, attempt, status=400, errors={"lead": problems},
            posted={"reopen_reason": request.POST.get("reason", "")},
        )  # fmt: skip
    messages.success(request, "The scorecard is reopened: reviews and overrides may change it again.")
    return _back(attempt)


# The printable scorecard ---------------------------------------------------------------------------


@staff_page
def scorecard(request, public_id: str):
    attempt = attempt_for_staff(request.user, public_id)
    view = scorecard_view(attempt=attempt, viewer=request.user)
    _decorate_overrides(view.overrides)
    for review in view.reviews:
        review["named_scores"] = [(DIMENSION_NAMES.get(k, k), v) for k, v in review["scores"].items()]
    rows = [
        {
            **d,
            "score_text": _score_text(d["score"]),
            "auto_text": _score_text(d["auto_score"]),
            "level": _level(d["score"]),
            "source_label": SOURCE_LABELS.get(d["source"], ""),
            "anchor": d["anchors"].get(str(_level(d["score"])), ""),
        }
        for d in view.dimensions
    ]
    context = {
        "attempt": attempt,
        "exercise": attempt.exercise,
        "view": view,
        "dimensions": rows,
        "mean_text": _score_text(view.mean_score),
        "printed_at": timezone.now(),
    }
    return render(request, "scoring/scorecard.html", context)


# Exercises and the comparison ----------------------------------------------------------------------


@staff_page
def exercises(request):
    rows = (
        exercises_visible_to(request.user)
        .annotate(
            attempt_count=Count("attempts", distinct=True),
            scored_count=Count("attempts", filter=Q(attempts__status=AttemptStatus.SCORED), distinct=True),
            finalized_count=Count(
                "attempts", filter=Q(attempts__status=AttemptStatus.FINALIZED), distinct=True
            ),
        )
        .order_by("title")
    )
    return render(request, "scoring/exercises.html", {"exercises": rows, "is_lead": _is_lead(request.user)})


@staff_page
@require_POST
def exercise_appeals(request, exercise_id: int):
    """A lead lets a hiring exercise's candidates ask for a second look, or stops it."""
    from simulator import services as simulator_services

    exercise = _compare_exercise(request, exercise_id)
    allowed = request.POST.get("allowed") == "yes"
    try:
        simulator_services.exercise_set_appeals(exercise=exercise, allowed=allowed, set_by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        state = "may now ask" if allowed else "can no longer ask"
        messages.success(request, f"Candidates of {exercise.title} {state} for a second look.")
    return redirect("staff-exercises")


def _compare_exercise(request, exercise_id: int):
    require_lead(request.user)
    exercise = exercises_visible_to(request.user).filter(pk=exercise_id).first()
    if exercise is None:
        raise Http404
    return exercise


def _rule_rows(exercise, posted: dict | None) -> dict:
    """The rule form's rows (the saved or default bands, or what was just posted) and the rule in words."""
    rule = RecommendationRule.objects.filter(exercise=exercise).first()
    current = scorecards.rule_for(
        exercise.purpose, {"bands": rule.bands, "otherwise": rule.otherwise} if rule else None
    )
    if posted is not None:
        rows, otherwise = posted["bands"], posted["otherwise"]
    else:
        rows = [
            {"outcome": b["outcome"], "min_mean": f"{b['min_mean']:g}", "min_each": f"{b['min_each']:g}"}
            for b in current["bands"]
        ]
        otherwise = current["otherwise"]
    rows = rows + [{"outcome": "", "min_mean": "", "min_each": ""}] * (RULE_ROWS - len(rows))
    return {
        "rows": rows[:RULE_ROWS],
        "otherwise": otherwise,
        "custom": rule is not None,
        "words": scorecards.describe_rule(current),
    }


def _outcomes(exercise) -> list[tuple[str, str]]:
    names = scorecards.HIRING_OUTCOMES if exercise.purpose == Purpose.HIRING else scorecards.TRAINING_OUTCOMES
    return [(name, scorecards.OUTCOME_LABELS[name]) for name in names]


def _mini_profile(cells: list[dict]) -> str:
    """A row's small bar chart of its final scores, built here in one piece: rendered node by node in
    the template it cost a third of the comparison page's time for 50 rows."""
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="7" height="{}" rx="1" class="lvl-{}" fill="var(--lvl)"></rect>',
        (
            (9 * i, f"{24 - 4.4 * c['score']:.1f}", f"{4.4 * c['score']:.1f}", c["level"])
            for i, c in enumerate(cells)
            if c["score"] is not None
        ),
    )
    width = 9 * len(cells)
    return format_html(
        '<svg class="mini-profile" width="{}" height="24" viewBox="0 0 {} 24" aria-hidden="true" focusable="false">{}</svg>',
        width, width, bars,
    )  # fmt: skip


def _compare_page(request, exercise, *, rule_posted: dict | None = None, rule_errors=None, status=200):
    dimensions = comparison_dimensions(exercise)
    query = review_pages.ComparisonQuery.from_params(request.GET, dimensions)
    rows = review_pages.comparison_rows(exercise=exercise, viewer=request.user, query=query)
    if request.GET.get("format") == "csv" and rule_posted is None:
        return scorecards_csv_response(rows, dimensions, filename=f"{exercise.slug}-scorecards.csv")
    page = Paginator(rows, review_pages.PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [comparison_row(scorecard_row, dimensions) for scorecard_row in page.object_list]
    for row in shown:
        row["cells"] = [
            {"key": d, "score": row["scores"][d], "text": _score_text(row["scores"][d]),
             "source": row["sources"][d], "overridden": d in row["overridden"],
             "level": max(1, min(5, int(row["scores"][d] + 0.5))) if row["scores"][d] is not None else 0}
            for d in dimensions
        ]  # fmt: skip
        row["mean_text"] = _score_text(row["mean"])
        row["mini_svg"] = _mini_profile(row["cells"])
        row["url"] = reverse("staff-attempt", args=[row["attempt_id"]])
    counts = distribution_counts(rows, dimensions)
    columns = [
        {"key": "participant", "label": "Participant", "num": False},
        {"key": "status", "label": "Status", "num": False},
        {"key": "submitted", "label": "Submitted", "num": False},
        *[{"key": d, "label": DIMENSION_NAMES.get(d, d), "num": True, "dimension": True} for d in dimensions],
        {"key": "mean", "label": "Mean", "num": True},
        {"key": "recommendation", "label": "Recommendation", "num": False},
        {"key": "reviews", "label": "Reviews", "num": True},
    ]
    key, descending = query.sort.lstrip("-"), query.sort.startswith("-")
    for column in columns:
        active = column["key"] == key
        # The first click sorts numbers high to low and words A to Z; a second click reverses.
        first = f"-{column['key']}" if column["num"] else column["key"]
        following = (column["key"] if descending else f"-{column['key']}") if active else first
        column["href"] = "?" + urlencode(query.params(sort=following))
        column["aria_sort"] = ("descending" if descending else "ascending") if active else ""
    page_params = query.params()
    context = {
        "exercise": exercise,
        "dimensions": [{"key": d, "name": DIMENSION_NAMES.get(d, d)} for d in dimensions],
        "columns": columns,
        "rows": shown,
        "page": page,
        "query": query,
        "page_query": urlencode(page_params),
        "csv_href": "?" + urlencode({**page_params, "format": "csv"}),
        "charts": review_pages.distribution_charts(counts),
        "profile": review_pages.profile_chart(shown, dimensions),
        "outcomes": _outcomes(exercise),
        "rule": _rule_rows(exercise, rule_posted),
        "rule_errors": rule_errors or [],
        "filtered": bool(query.status or query.recommendation or query.needs_review is not None
                         or query.adjudication is not None),
    }  # fmt: skip
    return render(request, "scoring/compare.html", context, status=status)


@staff_page
def compare(request, exercise_id: int):
    exercise = _compare_exercise(request, exercise_id)
    return _compare_page(request, exercise)


@staff_page
@require_POST
def recommendation_rule(request, exercise_id: int):
    exercise = _compare_exercise(request, exercise_id)
    bands, problems = [], []
    rows = []
    for index in range(1, RULE_ROWS + 1):
        outcome = request.POST.get(f"band-{index}-outcome", "")
        min_mean = request.POST.get(f"band-{index}-min_mean", "").strip()
        min_each = request.POST.get(f"band-{index}-min_each", "").strip()
        rows.append({"outcome": outcome, "min_mean": min_mean, "min_each": min_each})
        if not outcome and not min_mean and not min_each:
            continue
        band = {"outcome": outcome}
        for field, text, label in (
            ("min_mean", min_mean, "the lowest mean"),
            ("min_each", min_each, "the lowest dimension"),
        ):
            try:
                band[field] = float(text)
            except ValueError:
                problems.append(f"Band {index}: {label} must be a number from 1 to 5.")
                band[field] = None
        bands.append(band)
    otherwise = request.POST.get("otherwise", "")
    posted = {"bands": [r for r in rows if any(r.values())], "otherwise": otherwise}
    if not problems:
        try:
            services.recommendation_rule_set(
                exercise=exercise, bands=bands, otherwise=otherwise, set_by=request.user
            )
        except DomainError as error:
            problems = [p.strip().capitalize() for p in str(error).split(";")]
    if problems:
        return _compare_page(request, exercise, rule_posted=posted, rule_errors=problems, status=400)
    messages.success(
        request, "The recommendation rule is saved; every scorecard of the exercise follows it now."
    )
    return redirect(reverse("staff-compare", args=[exercise.pk]) + "#rule")
