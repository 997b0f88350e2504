"""The lead's forms: a programme with its stages (a formset, one fieldset per stage), and an enrolment."""

from django import forms

from programmes.services import MAX_ATTEMPTS_NEEDED, MAX_DUE_DAYS, MAX_STAGES, StageSpec
from programmes.templates_default import DEFAULT_RULE
from scoring.dimensions import DEFAULT_RUBRIC


class ProgrammeForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Give the programme a title."})
    description = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StageForm(forms.Form):
    title = forms.CharField(max_length=200)
    goal = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_days = forms.IntegerField(
        min_value=1, max_value=MAX_DUE_DAYS, label="Due (days after the start date)"
    )
    drills = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one drill."},
    )
    dimensions = forms.MultipleChoiceField(
        choices=[(d["key"], d["name"]) for d in DEFAULT_RUBRIC], required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to judge the dimensions the drills evidence.",
    )  # fmt: skip
    min_mean = forms.FloatField(
        min_value=1, max_value=5, initial=DEFAULT_RULE["min_mean"], label="Mean at least"
    )
    min_each = forms.FloatField(
        min_value=1, max_value=5, initial=DEFAULT_RULE["min_each"], label="No dimension below"
    )
    attempts_needed = forms.IntegerField(
        min_value=1, max_value=MAX_ATTEMPTS_NEEDED, initial=DEFAULT_RULE["attempts_needed"],
        label="Over the last N attempts",
    )  # fmt: skip

    def __init__(self, *args, drills, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["drills"].queryset = drills
        self.fields["min_mean"].widget.attrs["step"] = "0.1"
        self.fields["min_each"].widget.attrs["step"] = "0.5"

    def spec(self) -> StageSpec:
        data = self.cleaned_data
        return StageSpec(
            title=data["title"], goal=data.get("goal", ""), due_days=data["due_days"], drills=list(data["drills"]),
            dimensions=list(data.get("dimensions") or []), min_mean=data["min_mean"], min_each=data["min_each"],
            attempts_needed=data["attempts_needed"],
        )  # fmt: skip


StageFormSet = forms.formset_factory(
    StageForm, extra=1, can_delete=True, max_num=MAX_STAGES, validate_max=True
)


def stage_specs(formset) -> list[StageSpec]:
    """The stages a valid formset describes, in order; deleted forms and untouched extra ones (whose
    cleaned_data is empty) left out."""
    return [
        form.spec() for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class EnrolmentForm(forms.Form):
    name = forms.CharField(max_length=200, label="Trainee's name")
    email = forms.EmailField(label="E-mail")
    start_date = forms.DateField(label="Start date", widget=forms.DateInput(attrs={"type": "date"}))
