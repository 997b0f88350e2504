"""The admin is for operators, the people who run the platform: superusers only.

Leads and reviewers are ordinary users with a membership and work in the staff pages and the API,
where every query is scoped to their organisation. The admin scopes nothing: whoever gets in sees
every organisation's people, invitations and answer keys, so it lets in nobody but an operator,
even a user someone marked `is_staff`.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm


class OperatorAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter the correct %(username)s and password for an operator account. "
            "Note that both fields may be case-sensitive."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_superuser:
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class OperatorAdminSite(admin.AdminSite):
    site_header = "Support simulator: operators"
    site_title = "Support simulator operators"
    index_title = "Operations"
    login_form = OperatorAuthenticationForm

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser
