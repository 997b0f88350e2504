from django import forms

from integrations.models import DeliveryKind, DeliveryStatus, LearningRecordKind
from simulator.events import EVENT_TYPES


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, label="Name", help_text="Which system uses it, e.g. Greenhouse")


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(max_length=1000, label="Endpoint URL", assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in EVENT_TYPES], widget=forms.CheckboxSelectMultiple, label="Events",
        initial=list(EVENT_TYPES),
    )  # fmt: skip


class LearningRecordTargetForm(forms.Form):
    kind = forms.ChoiceField(choices=LearningRecordKind.choices, label="Send scores as")
    endpoint = forms.URLField(
        max_length=1000, label="LRS or line item URL", assume_scheme="https",
        help_text="xAPI: the LRS base URL, statements go to …/statements. LTI: the line item URL.",
    )  # fmt: skip
    username = forms.CharField(max_length=200, required=False, label="LRS key (xAPI)")
    password = forms.CharField(
        max_length=200, required=False, label="LRS secret (xAPI)", widget=forms.PasswordInput,
        help_text="Leave empty to keep the stored secret.",
    )  # fmt: skip
    token_url = forms.URLField(
        max_length=1000, required=False, label="Platform token URL (LTI)", assume_scheme="https"
    )
    client_id = forms.CharField(max_length=200, required=False, label="Client id (LTI)")
    active = forms.BooleanField(required=False, initial=True, label="Send scores")


class DeliveryFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "All kinds")] + DeliveryKind.choices, label="Kind")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status")] + DeliveryStatus.choices, label="Status"
    )
