"""The audit log page for leads: who did what to which object and when, filtered, paged and exported.

Only a lead reads it, and only their organisation's entries (a reviewer or an outsider gets a 404,
like any page outside their scope). Every export is itself written to the log.
"""

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import orjson
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from scoring.staff_selectors import csv_safe
from simulator.access import require_lead
from simulator.models import AuditEntry
from simulator.services import audit_record
from simulator.staff_views import _page, _query, attempt_url, staff_page

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    actor: int | None = None
    action: str = ""
    target: str = ""
    date_from: date | None = None
    date_to: date | None = None


class AuditFilterForm(forms.Form):
    """The page's query string; a value that does not parse is dropped, not an error."""

    actor = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Who")
    action = forms.ChoiceField(required=False, label="Action")
    target = forms.CharField(required=False, max_length=120, label="Object")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, actors, actions):
        super().__init__(data)
        self.fields["actor"].choices = [("", "Anyone")] + [
            (u.pk, u.get_full_name() or u.get_username()) for u in actors
        ]
        self.fields["action"].choices = [("", "Any action")] + [(a, a) for a in actions]
        self.fields["target"].widget.attrs["placeholder"] = "attempt:…, invitation:12"

    def filters(self) -> AuditFilters:
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return AuditFilters(
            actor=data.get("actor"),
            action=data.get("action") or "",
            target=(data.get("target") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


# Selectors ------------------------------------------------------------------------------------------


def audit_actors(*, organisation_id: int) -> QuerySet:
    """The organisation's staff, for the "who" filter."""
    return (
        get_user_model()
        .objects.filter(membership__organisation_id=organisation_id)
        .only("pk", "username", "first_name", "last_name")
        .order_by("username")
    )


def audit_actions(*, organisation_id: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(organisation_id=organisation_id)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(*, organisation_id: int, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The organisation's entries, newest first; `date_to` includes its whole day."""
    entries = AuditEntry.objects.filter(organisation_id=organisation_id)
    if filters.actor:
        entries = entries.filter(actor_id=filters.actor)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.target:
        entries = entries.filter(target__icontains=filters.target)
    if filters.date_from:
        entries = entries.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        entries = entries.filter(at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return entries.select_related("actor").order_by("-at", "-id")


def _who(entry: AuditEntry) -> str:
    if entry.actor is None:
        return "system"
    return entry.actor.get_full_name() or entry.actor.get_username()


def _change(value: dict) -> str:
    """Before/after for the CSV: JSON with sorted keys."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if value else ""


def _change_lines(value: dict) -> list[tuple[str, str]]:
    """Before/after for the page: one (key, value) per line, nested values as compact JSON."""
    if not isinstance(value, dict):
        return [("", _change(value))] if value else []
    return [
        (key, item if isinstance(item, str) else orjson.dumps(item, option=orjson.OPT_SORT_KEYS).decode())
        for key, item in sorted(value.items())
    ]


def _target_url(target: str) -> str:
    kind, _, key = target.partition(":")
    if kind == "attempt" and key:
        return attempt_url(key)
    if kind == "participant" and key.isdigit():
        return reverse("staff-participant", args=[int(key)])
    return ""


def audit_row(entry: AuditEntry) -> dict:
    return {
        "at": entry.at,
        "who": _who(entry),
        "action": entry.action,
        "target": entry.target,
        "target_url": _target_url(entry.target),
        "before": _change(entry.before),
        "after": _change(entry.after),
        "before_lines": _change_lines(entry.before),
        "after_lines": _change_lines(entry.after),
    }


# Views ---------------------------------------------------------------------------------------------


def _form(request, organisation_id: int) -> AuditFilterForm:
    return AuditFilterForm(
        request.GET,
        actors=list(audit_actors(organisation_id=organisation_id)),
        actions=audit_actions(organisation_id=organisation_id),
    )


@staff_page
def audit_log(request):
    membership = require_lead(request.user)
    form = _form(request, membership.organisation_id)
    entries = audit_entries(organisation_id=membership.organisation_id, filters=form.filters())
    page, pager = _page(request, entries, per_page=PAGE_SIZE)
    context = {
        "form": form,
        "rows": [audit_row(entry) for entry in page.object_list],
        "page": page,
        "pager": pager,
        "filtered": any(request.GET.get(name) for name in form.fields),
        "export_url": reverse("staff-audit-csv") + _query(request, page=None).rstrip("?"),
    }
    return render(request, "staff/audit.html", context)


class _Echo:
    def write(self, value):
        return value


@staff_page
def audit_export(request):
    """Every entry that matches the filters, as CSV streamed in chunks; the export is logged."""
    membership = require_lead(request.user)
    form = _form(request, membership.organisation_id)
    entries = audit_entries(organisation_id=membership.organisation_id, filters=form.filters())
    audit_record(
        organisation_id=membership.organisation_id, actor=request.user, action="audit.exported",
        target="audit-log.csv", after={"query": request.META.get("QUERY_STRING", "")},
    )  # fmt: skip
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(["at", "who", "action", "object", "before", "after"])
        for entry in entries.iterator(chunk_size=1000):
            row = audit_row(entry)
            yield writer.writerow(
                [
                    csv_safe(v)
                    for v in (
                        row["at"].isoformat(),
                        row["who"],
                        row["action"],
                        row["target"],
                        row["before"],
                        row["after"],
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
