"""The leads' integrations page (/staff/settings/integrations/): partner API keys, webhook endpoints,
the learning record target and the delivery log; and the LTI tool's public keys."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from integrations import lti, selectors, services
from integrations.forms import ApiKeyForm, DeliveryFilterForm, LearningRecordTargetForm, WebhookEndpointForm
from integrations.models import LearningRecordKind
from integrations.signing import HEADER, TOLERANCE_SECONDS
from simulator.access import require_lead
from simulator.errors import DomainError
from simulator.staff_views import _query, staff_page


def lti_jwks(request):
    return JsonResponse(lti.jwks())


@staff_page
def settings_page(request):
    membership = require_lead(request.user)
    organisation = membership.organisation
    key_form = ApiKeyForm(prefix="key")
    webhook_form = WebhookEndpointForm(prefix="hook")
    target = selectors.learning_record_target_of(organisation_id=organisation.pk)
    target_form = LearningRecordTargetForm(
        prefix="lrs",
        initial={
            "kind": target.kind, "endpoint": target.endpoint, "username": target.username,
            "token_url": target.token_url, "client_id": target.client_id, "active": target.active,
        } if target else {"kind": LearningRecordKind.XAPI, "active": True},
    )  # fmt: skip
    shown_once, status = None, 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create_key":
                key_form = ApiKeyForm(request.POST, prefix="key")
                if key_form.is_valid():
                    api_key, key = services.api_key_create(
                        organisation=organisation, name=key_form.cleaned_data["name"], created_by=request.user
                    )
                    shown_once = {"what": f"API key “{api_key.name}”", "value": key}
                    key_form = ApiKeyForm(prefix="key")
            elif action == "create_webhook":
                webhook_form = WebhookEndpointForm(request.POST, prefix="hook")
                if webhook_form.is_valid():
                    endpoint, secret = services.webhook_endpoint_create(
                        organisation=organisation, url=webhook_form.cleaned_data["url"],
                        event_types=webhook_form.cleaned_data["events"], created_by=request.user,
                    )  # fmt: skip
                    shown_once = {"what": f"signing secret of {endpoint.url}", "value": secret}
                    webhook_form = WebhookEndpointForm(prefix="hook")
            elif action == "set_target":
                target_form = LearningRecordTargetForm(request.POST, prefix="lrs")
                if target_form.is_valid():
                    services.learning_record_target_set(
                        organisation=organisation, updated_by=request.user, **target_form.cleaned_data
                    )
                    messages.success(request, "Learning records settings saved.")
                    return redirect("staff-integrations")
            else:
                return redirect("staff-integrations")
        except DomainError as error:
            form = {"create_key": key_form, "create_webhook": webhook_form, "set_target": target_form}[action]
            form.add_error(None, str(error))
        if shown_once is None:
            status = 400

    filters = DeliveryFilterForm(request.GET)
    filters.is_valid()
    deliveries = selectors.deliveries_of(
        organisation_id=organisation.pk,
        kind=filters.cleaned_data.get("kind") or "",
        status=filters.cleaned_data.get("status") or "",
    )
    page = Paginator(deliveries, selectors.LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    pager = {
        "previous": _query(request, page=page.previous_page_number()) if page.has_previous() else "",
        "next": _query(request, page=page.next_page_number()) if page.has_next() else "",
    }
    base = request.build_absolute_uri("/").rstrip("/")
    context = {
        "organisation": organisation,
        "keys": list(selectors.api_keys_of(organisation_id=organisation.pk)),
        "endpoints": list(selectors.webhook_endpoints_of(organisation_id=organisation.pk)),
        "target": target,
        "key_form": key_form,
        "webhook_form": webhook_form,
        "target_form": target_form,
        "shown_once": shown_once,
        "filters": filters,
        "page": page,
        "pager": pager,
        "partner_urls": [
            ("List tests", base + reverse("greenhouse-list-tests")),
            ("Send test", base + reverse("greenhouse-send-test")),
            ("Test status", base + reverse("greenhouse-test-status")),
        ],
        "jwks_url": base + reverse("lti-jwks"),
        "signature_header": HEADER,
        "tolerance": TOLERANCE_SECONDS,
    }
    return render(request, "integrations/settings.html", context, status=status)


@require_POST
@staff_page
def api_key_revoke(request, key_id: int):
    membership = require_lead(request.user)
    api_key = selectors.api_keys_of(organisation_id=membership.organisation_id).filter(pk=key_id).first()
    if api_key is None:
        raise Http404
    services.api_key_revoke(api_key=api_key, revoked_by=request.user)
    messages.success(request, f"The key “{api_key.name}” is revoked; calls with it now get 401.")
    return redirect("staff-integrations")


@require_POST
@staff_page
def webhook_disable(request, endpoint_id: int):
    membership = require_lead(request.user)
    endpoint = (
        selectors.webhook_endpoints_of(organisation_id=membership.organisation_id)
        .filter(pk=endpoint_id)
        .first()
    )
    if endpoint is None:
        raise Http404
    services.webhook_endpoint_disable(endpoint=endpoint, disabled_by=request.user)
    messages.success(request, f"Nothing more is sent to {endpoint.url}.")
    return redirect("staff-integrations")
