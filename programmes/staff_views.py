"""The lead's programme pages under /staff/programmes/: the list, a programme's overview of every
trainee (sortable, with its CSV), the create and edit forms, enrolment, and one trainee's progress.
Programmes are a lead's: a reviewer (or anyone outside the organisation) gets a 404."""

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from programmes import presenters, selectors, services
from programmes.forms import EnrolmentForm, ProgrammeForm, StageFormSet, stage_specs
from programmes.templates_default import DEFAULT_RULE, DEFAULT_STAGES, DEFAULT_TITLE, DRILL_LIBRARY
from scoring.staff_selectors import csv_safe
from simulator.access import require_lead
from simulator.errors import DomainError
from simulator.staff_views import staff_page

SORTS = {
    "name": ("Trainee", lambda p: p.enrolment.name.lower(), False),
    "stage": ("Stage", lambda p: p.current.stage.position if p.current else 999, False),
    "readiness": (
        "Readiness",
        lambda p: (p.current.readiness.mean or 0) if p.current else 6,
        True,
    ),
    "trend": ("Trend", lambda p: p.slope if p.slope is not None else -99, True),
    "due": ("Next due", lambda p: p.current.due_date.toordinal() if p.current else 10**9, False),
    "activity": (
        "Last drill",
        lambda p: p.last_activity.timestamp() if p.last_activity else 0,
        True,
    ),
}


def _trainee_link(request, enrolment) -> str:
    token = services.trainee_link_token(enrolment.link_secret)
    return request.build_absolute_uri(reverse("programme-trainee", args=[token]))


@staff_page
def programme_list(request):
    require_lead(request.user)
    rows = (
        selectors.programmes_visible_to(request.user)
        .annotate(trainees=Count("enrolments", distinct=True), stage_count=Count("stages", distinct=True))
        .order_by("title", "pk")
    )
    return render(request, "programmes/staff_list.html", {"programmes": rows})


def _sparkline(means: list[float]) -> str:
    """The mean score of the last eight scored drills as a small line; the trend's words and slope
    next to it say the same for screen readers."""
    recent = means[-8:]
    if len(recent) < 2:
        return ""
    step = 60 / (len(recent) - 1)
    points = " ".join(f"{i * step + 2:.1f},{22 - (m - 1) * 5:.1f}" for i, m in enumerate(recent))
    return format_html(
        '<svg class="pg-spark" width="64" height="24" viewBox="0 0 64 24" aria-hidden="true" focusable="false">'
        '<polyline points="{}" fill="none" stroke="currentColor" stroke-width="1.6"></polyline></svg>',
        points,
    )


def _rows(request, programme, overview) -> list[dict]:
    rows = []
    for progress in overview:
        current = progress.current
        rows.append(
            {
                "progress": progress,
                "name": progress.enrolment.name,
                "email": progress.enrolment.email,
                "start_date": progress.enrolment.start_date,
                "stage": current.stage.title if current else "All stages ready",
                "state": progress.state,
                "state_label": current.state_label if current else "Complete",
                "due_date": current.due_date if current else None,
                "ready_mean": current.readiness.mean if current else None,
                "ready_mean_text": presenters.mean_text(current.readiness.mean if current else None),
                "reasons": "; ".join(current.readiness.reasons) if current else "",
                "stages_ready": sum(1 for s in progress.stages if s.state == "ready"),
                "attempts": len(progress.scored_records),
                "slope": progress.slope,
                "trend": progress.trend_word,
                "spark": _sparkline([r.mean for r in progress.scored_records]),
                "last_activity": progress.last_activity,
                "url": reverse("staff-programme-trainee", args=[programme.pk, progress.enrolment.pk]),
                "link": _trainee_link(request, progress.enrolment),
            }
        )
    return rows


def _csv(programme, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="programme-{programme.pk}-trainees.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["trainee", "email", "start_date", "stage", "state", "due_date", "stage_mean", "not_ready_because",
         "stages_ready", "scored_drills", "trend_per_drill", "trend", "last_drill"]
    )  # fmt: skip
    for row in rows:
        writer.writerow(
            csv_safe(cell)
            for cell in [
                row["name"], row["email"], row["start_date"].isoformat(), row["stage"], row["state"],
                row["due_date"].isoformat() if row["due_date"] else "",
                presenters.mean_text(row["ready_mean"]), row["reasons"],
                row["stages_ready"], row["attempts"], round(row["slope"], 3) if row["slope"] is not None else None,
                row["trend"], row["last_activity"].isoformat() if row["last_activity"] else "",
            ]
        )  # fmt: skip
    return response


@staff_page
def programme_detail(request, programme_id: int):
    require_lead(request.user)
    return _detail_page(request, selectors.programme_for_staff(request.user, programme_id))


def _detail_page(request, programme, *, enrol_form=None, status=200):
    today = timezone.localdate()
    stages, overview = selectors.programme_overview(programme=programme, today=today)
    rows = _rows(request, programme, overview)
    sort = request.GET.get("sort", "name")
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = "name", "name"
    descending = sort.startswith("-")
    rows.sort(key=lambda row: SORTS[key][1](row["progress"]), reverse=descending)
    if request.GET.get("format") == "csv":
        return _csv(programme, rows)
    columns = []
    for name, (label, _, numeric_first) in SORTS.items():
        active = name == key
        first = f"-{name}" if numeric_first else name
        following = (name if descending else f"-{name}") if active else first
        columns.append(
            {"key": name, "label": label, "href": "?" + urlencode({"sort": following}),
             "aria_sort": ("descending" if descending else "ascending") if active else ""}
        )  # fmt: skip
    context = {
        "programme": programme,
        "stages": [
            {"stage": s, "dimensions": selectors.stage_dimensions(s), "rule": selectors.stage_rule(s).words()}
            for s in stages
        ],  # fmt: skip
        "rows": rows,
        "columns": columns,
        "csv_href": "?" + urlencode({"sort": sort, "format": "csv"}),
        "enrol_form": enrol_form or EnrolmentForm(initial={"start_date": today}),
    }
    return render(request, "programmes/staff_detail.html", context, status=status)


@staff_page
@require_POST
def programme_enrol(request, programme_id: int):
    require_lead(request.user)
    programme = selectors.programme_for_staff(request.user, programme_id)
    form = EnrolmentForm(request.POST)
    if form.is_valid():
        try:
            enrolment, _ = services.enrolment_create(
                programme=programme, name=form.cleaned_data["name"], email=form.cleaned_data["email"],
                start_date=form.cleaned_data["start_date"], enrolled_by=request.user,
            )  # fmt: skip
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"{enrolment.name} is enrolled. Copy their link from the table and send it."
            )
            return redirect("staff-programme", programme_id=programme.pk)
    return _detail_page(request, programme, enrol_form=form, status=400)


@staff_page
def programme_trainee(request, programme_id: int, enrolment_id: int):
    require_lead(request.user)
    enrolment = selectors.enrolment_for_staff(request.user, enrolment_id)
    if enrolment.programme_id != programme_id:
        raise Http404
    progress = selectors.trainee_progress(enrolment=enrolment, today=timezone.localdate())
    context = {**presenters.progress_context(progress), "link": _trainee_link(request, enrolment)}
    return render(request, "programmes/staff_trainee.html", context)


# Create and edit --------------------------------------------------------------------------------------


def _template_initial(organisation) -> tuple[list[dict], bool]:
    """The 30/60/90-day template as the stage forms' initial data, and whether its drills exist."""
    library = {e.slug: e for e in organisation.exercises.filter(slug__in=[d["slug"] for d in DRILL_LIBRARY])}
    installed = len(library) == len(DRILL_LIBRARY)
    initial = [
        {"title": s["title"], "goal": s["goal"], "due_days": s["due_days"],
         "drills": [library[slug].pk for slug in s["drills"] if slug in library], **DEFAULT_RULE}
        for s in DEFAULT_STAGES
    ]  # fmt: skip
    return initial, installed


def _stage_initial(programme) -> list[dict]:
    return [
        {"title": s.title, "goal": s.goal, "due_days": s.due_days, "drills": [d.pk for d in s.drill_list],
         "dimensions": s.dimensions, "min_mean": s.min_mean, "min_each": s.min_each,
         "attempts_needed": s.attempts_needed}
        for s in selectors.programme_stages(programme)
    ]  # fmt: skip


def _edit_page(request, *, programme=None):
    membership = require_lead(request.user)
    organisation = membership.organisation
    drills = selectors.eligible_drills(organisation.pk)
    installed = True
    if programme is None:
        stage_initial, installed = _template_initial(organisation)
        programme_initial = {"title": DEFAULT_TITLE}
    else:
        stage_initial = _stage_initial(programme)
        programme_initial = {"title": programme.title, "description": programme.description}
    status = 200
    if request.method == "POST":
        form = ProgrammeForm(request.POST)
        # No initial data when bound: an empty extra form must read as untouched, not as a changed stage.
        stages = StageFormSet(request.POST, prefix="stage", form_kwargs={"drills": drills})
        if form.is_valid() and stages.is_valid():
            specs = stage_specs(stages)
            try:
                if programme is None:
                    programme = services.programme_create(
                        organisation=organisation, title=form.cleaned_data["title"], stages=specs,
                        description=form.cleaned_data["description"], created_by=request.user,
                    )  # fmt: skip
                    messages.success(request, f"{programme.title} is created. Enrol trainees below.")
                else:
                    services.programme_update(
                        programme=programme, title=form.cleaned_data["title"], stages=specs,
                        description=form.cleaned_data["description"], updated_by=request.user,
                    )  # fmt: skip
                    messages.success(
                        request, "The programme is saved; every trainee's readiness follows it now."
                    )
                return redirect("staff-programme", programme_id=programme.pk)
            except DomainError as error:
                form.add_error(None, str(error))
        status = 400
    else:
        form = ProgrammeForm(initial=programme_initial)
        stages = StageFormSet(initial=stage_initial, prefix="stage", form_kwargs={"drills": drills})
    context = {"programme": programme, "form": form, "stages": stages, "template_installed": installed}
    return render(request, "programmes/staff_edit.html", context, status=status)


@staff_page
def programme_new(request):
    return _edit_page(request)


@staff_page
def programme_edit(request, programme_id: int):
    require_lead(request.user)
    return _edit_page(request, programme=selectors.programme_for_staff(request.user, programme_id))


@staff_page
@require_POST
def drills_install(request):
    membership = require_lead(request.user)
    services.drill_library_install(organisation=membership.organisation)
    messages.success(request, "The template's drills are now training exercises of your organisation.")
    return redirect("staff-programme-new")
