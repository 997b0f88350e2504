"""The forms of the delivery side's staff pages: list filters and invitations, one or many at once."""

import csv
import io
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from simulator.models import AttemptStatus, Purpose
from simulator.staff_selectors import INVITATION_STATUSES, AttemptFilters

YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]
MAX_BULK_LINES = 500
MAX_CSV_BYTES = 256 * 1024


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class AttemptFilterForm(forms.Form):
    """The attempts list's query string; a value that does not parse is dropped, not an error."""

    q = forms.CharField(required=False, max_length=200, label="Search participant")
    exercise = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Exercise")
    purpose = forms.ChoiceField(required=False, choices=[("", "Any")] + Purpose.choices, label="Purpose")
    status = forms.ChoiceField(required=False, choices=[("", "Any")] + AttemptStatus.choices, label="Status")
    reviewer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Assigned to")
    needs_review = forms.ChoiceField(required=False, choices=YES_NO, label="Needs review")
    needs_adjudication = forms.ChoiceField(required=False, choices=YES_NO, label="Needs adjudication")
    submitted_from = forms.DateField(
        required=False, label="Submitted from", widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        required=False, label="Submitted to", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.CharField(required=False, max_length=20)

    def __init__(self, data, *, exercises, reviewers):
        super().__init__(data)
        self.fields["exercise"].choices = [("", "All exercises")] + [(e.pk, e.title) for e in exercises]
        self.fields["reviewer"].choices = [("", "Anyone")] + [
            (u.pk, u.get_full_name() or u.get_username()) for u in reviewers
        ]

    def filters(self) -> AttemptFilters:
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items()}
        return AttemptFilters(
            exercise=data.get("exercise"),
            purpose=data.get("purpose") or "",
            status=data.get("status") or "",
            reviewer=data.get("reviewer"),
            needs_review=_yes_no(data.get("needs_review") or ""),
            needs_adjudication=_yes_no(data.get("needs_adjudication") or ""),
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
            search=(data.get("q") or "").strip(),
        )


class InvitationFilterForm(forms.Form):
    exercise = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Exercise")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any")] + list(INVITATION_STATUSES.items()), label="Status"
    )

    def __init__(self, data, *, exercises):
        super().__init__(data)
        self.fields["exercise"].choices = [("", "All exercises")] + [(e.pk, e.title) for e in exercises]


class _InvitationOptions(forms.Form):
    exercise = forms.TypedChoiceField(coerce=int, label="Exercise")
    expires_in_days = forms.IntegerField(min_value=1, max_value=60, initial=7, label="Link valid for (days)")
    send_email = forms.BooleanField(required=False, initial=True, label="Send the link by e-mail now")

    def __init__(self, *args, exercises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exercise"].choices = [("", "Choose an exercise")] + [(e.pk, e.title) for e in exercises]


class InvitationForm(_InvitationOptions):
    participant_name = forms.CharField(max_length=200, label="Name")
    participant_email = forms.EmailField(label="E-mail")

    field_order = ["participant_name", "participant_email", "exercise", "expires_in_days", "send_email"]

    def clean_participant_name(self):
        name = self.cleaned_data["participant_name"].strip()
        if not name:
            raise ValidationError("Enter the participant's name.")
        return name


@dataclass(frozen=True)
class Invitee:
    line: int
    name: str
    email: str


class BulkInvitationForm(_InvitationOptions):
    """Many invitations from pasted `name,email` lines or an uploaded CSV of the same. Every line is
    checked before anything is created; `line_errors` lists each bad line by number."""

    lines = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Names and e-mails",
        help_text="One per line: name, e-mail",
    )
    csv_file = forms.FileField(required=False, label="Or upload a CSV file")

    field_order = ["lines", "csv_file", "exercise", "expires_in_days", "send_email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_errors: list[str] = []
        self.invitees: list[Invitee] = []

    def _text(self) -> str:
        upload = self.cleaned_data.get("csv_file")
        if upload is not None:
            if upload.size > MAX_CSV_BYTES:
                raise ValidationError(f"The file is larger than {MAX_CSV_BYTES // 1024} KB.")
            try:
                return upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError("The file is not UTF-8 text; save it as CSV (UTF-8).") from None
        return self.cleaned_data.get("lines") or ""

    def clean(self):
        cleaned = super().clean()
        try:
            text = self._text()
        except ValidationError as error:
            self.add_error("csv_file", error)
            return cleaned
        if not text.strip():
            self.add_error("lines", "Paste at least one line, or choose a CSV file.")
            return cleaned
        self.invitees, self.line_errors = parse_invitees(text)
        if self.line_errors:
            raise ValidationError("Nothing was created: correct the lines below and try again.")
        return cleaned


def parse_invitees(text: str) -> tuple[list[Invitee], list[str]]:
    """`name,email` lines (a header line and blank lines are skipped) and an error per bad line."""
    invitees: list[Invitee] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_BULK_LINES:
        return [], [f"At most {MAX_BULK_LINES} lines at once; this has {len(rows)}."]
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] == ["name", "email"]:
            continue
        if len(cells) != 2:
            errors.append(f"Line {number}: expected a name and an e-mail separated by a comma.")
            continue
        name, email = cells
        if not name:
            errors.append(f"Line {number}: the name is missing.")
            continue
        try:
            validate_email(email)
        except ValidationError:
            errors.append(f"Line {number}: “{email}” is not a valid e-mail address.")
            continue
        key = email.lower()
        if key in seen:
            errors.append(f"Line {number}: {email} is already on line {seen[key]}.")
            continue
        seen[key] = number
        invitees.append(Invitee(line=number, name=name, email=email))
    return invitees, errors


class NotificationSettingsForm(forms.Form):
    """A lead's switches for the organisation's e-mails (simulator.notifications)."""

    invitation_emails = forms.BooleanField(
        required=False,
        label="Invitations",
        help_text="Staff can e-mail an invitation's link to its participant. Off: links are copied by hand.",
    )
    invitation_reminders = forms.BooleanField(
        required=False,
        label="Reminder before an invitation expires",
        help_text="Once, to a participant whose e-mailed link is still unused.",
    )
    reminder_hours_before = forms.IntegerField(
        min_value=1,
        max_value=7 * 24,
        label="Send the reminder this many hours before the link expires",
        help_text="From 1 to 168 hours.",
    )
    feedback_ready_emails = forms.BooleanField(
        required=False,
        label="Feedback ready",
        help_text="Once, to a trainee when their training drill has been scored.",
    )
    appeal_answered_emails = forms.BooleanField(
        required=False,
        label="Appeal answered",
        help_text="Once, to a participant when their request for a second look has been answered.",
    )
    review_digest = forms.BooleanField(
        required=False,
        label="Daily review-queue digest",
        help_text="Each morning, to reviewers with attempts waiting in their queue or unclaimed in their panels.",
    )
