"""The staff pages of the delivery side: login, attempts, a reviewer's queue, invitations and a
participant's history. Every read goes through `simulator.access` (via `simulator.staff_selectors`),
so a row outside the caller's organisation (reviewers: their panels) is never listed and never
found (404). Views parse the request, call a service or a selector, and render."""

import functools
import logging
import re
import smtplib
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from scoring.staff_selectors import DIMENSION_NAMES
from simulator import emails, notifications, services, staff_selectors
from simulator.access import (
    exercises_open_to_invite,
    exercises_visible_to,
    is_lead,
    require_lead,
    staff_membership,
)
from simulator.errors import DomainError
from simulator.models import AttemptStatus, Invitation, Role, SingleSignOn
from simulator.staff_forms import (
    AttemptFilterForm,
    BulkInvitationForm,
    InvitationFilterForm,
    InvitationForm,
    Invitee,
    NotificationSettingsForm,
)

LOGIN_URL = "/staff/login/"
logger = logging.getLogger(__name__)


def staff_page(view):
    """A page for leads and reviewers: anonymous callers go to the login page; a logged-in user
    without a membership (an operator, anyone else) gets a 404, like any object outside their scope."""

    @functools.wraps(view)
    def for_members(request, *args, **kwargs):
        if staff_membership(request.user) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return never_cache(login_required(for_members, login_url=LOGIN_URL))


class StaffLoginView(auth_views.LoginView):
    """Passwords, and "Sign in with SSO" for organisations with a provider. `?organisation=<slug>`
    (the address an organisation gives its staff) fills in the SSO form, and shows only it when the
    organisation has turned passwords off."""

    template_name = "staff/login.html"
    next_page = reverse_lazy("staff-home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        slug = (self.request.GET.get("organisation") or "").strip()
        organisation = getattr(self.request, "sso_required", None)
        config = SingleSignOn.objects.filter(
            organisation__slug=organisation.slug if organisation else slug, enabled=True
        ).first() if (organisation or slug) else None  # fmt: skip
        context["sso_slug"] = organisation.slug if organisation else slug
        context["password_login"] = config is None or not config.disable_local_passwords
        if organisation is not None:
            context["sso_message"] = (
                f"{organisation.name} signs its staff in through its identity provider: use Sign in with SSO."
            )
        return context


@require_GET
def sso_choose(request):
    """The login page's SSO form: on to the organisation's provider."""
    slug = (request.GET.get("organisation") or "").strip().lower()
    if not slug:
        messages.error(request, "Enter your organisation's short name to sign in with SSO.")
        return redirect("staff-login")
    if not _is_slug(slug):
        messages.error(
            request, "An organisation's short name has only letters, digits, hyphens and underscores."
        )
        return redirect("staff-login")
    url = reverse("staff-sso-start", args=[slug])
    if request.GET.get("next"):
        url += "?" + urlencode({"next": request.GET["next"]})  # the library checks it is this site's
    return redirect(url)


def _is_slug(value: str) -> bool:
    return re.fullmatch(r"[-a-zA-Z0-9_]+", value) is not None


class StaffLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("staff-login")


@staff_page
def home(request):
    return redirect("staff-attempts")


def attempt_url(public_id: str) -> str:
    """The review page of an attempt (the scoring side's `staff-attempt`)."""
    try:
        return reverse("staff-attempt", args=[public_id])
    except NoReverseMatch:
        return f"/staff/attempts/{public_id}/"


def _query(request, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    query: QueryDict = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _page(request, rows, per_page: int = staff_selectors.PAGE_SIZE):
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    return page, {
        "previous": _query(request, page=page.previous_page_number()) if page.has_previous() else "",
        "next": _query(request, page=page.next_page_number()) if page.has_next() else "",
    }


# Attempts ------------------------------------------------------------------------------------------

SORT_COLUMNS = [
    ("participant", "Participant"),
    ("time", "Time used"),
    ("mean", "Score"),
    ("submitted", "Submitted"),
]
# The first click on a column sorts this way: names A-Z, the rest largest or newest first.
FIRST_DIRECTION = {"participant": "", "time": "-", "mean": "-", "submitted": "-"}


def _sort_headers(request, sort: str) -> dict[str, dict]:
    current, descending = sort.lstrip("-"), sort.startswith("-")
    headers = {}
    for key, label in SORT_COLUMNS:
        active = key == current
        next_sort = ("" if descending else "-") + key if active else FIRST_DIRECTION[key] + key
        headers[key] = {
            "label": label,
            "url": _query(request, sort=next_sort, page=None),
            "aria_sort": ("descending" if descending else "ascending") if active else "",
            "icon": ("▼" if descending else "▲") if active else "",
            "hint": f"Sort by {label.lower()}, {'ascending' if next_sort[0] != '-' else 'descending'}",
        }
    return headers


@staff_page
def attempts(request):
    viewer = request.user
    exercises = list(exercises_visible_to(viewer).only("pk", "title").order_by("title"))
    reviewers = list(staff_selectors.reviewers_of(viewer=viewer))
    form = AttemptFilterForm(request.GET, exercises=exercises, reviewers=reviewers)
    filters = form.filters()
    sort = request.GET.get("sort") or staff_selectors.DEFAULT_ATTEMPT_SORT
    if sort.lstrip("-") not in staff_selectors.ATTEMPT_SORTS:
        sort = staff_selectors.DEFAULT_ATTEMPT_SORT
    rows = staff_selectors.attempts_for_staff(viewer=viewer, filters=filters, sort=sort)
    page, pager = _page(request, rows)
    now = timezone.now()
    counts = staff_selectors.attempt_status_counts(viewer=viewer, filters=filters)
    status_tabs = [
        {
            "value": "",
            "label": "All",
            "count": sum(counts.values()),
            "url": _query(request, status=None, page=None),
            "current": not filters.status,
        }
    ] + [
        {
            "value": value,
            "label": label,
            "count": counts[value],
            "url": _query(request, status=value, page=None),
            "current": filters.status == value,
        }
        for value, label in AttemptStatus.choices
    ]
    context = {
        "form": form,
        "rows": [
            {**staff_selectors.attempt_row(a, now=now), "url": attempt_url(a.public_id)}
            for a in page.object_list
        ],
        "page": page,
        "pager": pager,
        "status_tabs": status_tabs,
        "sort_headers": _sort_headers(request, sort),
        "filtered": any(request.GET.get(k) for k in form.fields if k != "sort"),
        "advanced_open": any(
            request.GET.get(k)
            for k in (
                "purpose",
                "reviewer",
                "needs_review",
                "needs_adjudication",
                "submitted_from",
                "submitted_to",
            )
        ),
    }
    return render(request, "staff/attempts.html", context)


@staff_page
def queue(request):
    to_review, done = staff_selectors.queue_for(reviewer=request.user)
    now = timezone.now()
    waiting = [
        {**staff_selectors.attempt_row(a, now=now), "url": attempt_url(a.public_id)} for a in to_review
    ]
    reviewed = []
    for review in done[:100]:
        attempt = review.attempt
        attempt.blinded = False  # their own review is in: blind review no longer hides anything
        reviewed.append(
            {
                **staff_selectors.attempt_row(attempt, now=now),
                "url": attempt_url(attempt.public_id),
                "reviewed_at": review.submitted_at,
            }
        )
    appeals = [
        {
            **staff_selectors.attempt_row(attempt, now=now),
            "url": attempt_url(attempt.public_id) + "#appeal",
            "appeal_dimension": DIMENSION_NAMES.get(attempt.appeal.dimension, attempt.appeal.dimension),
            "appeal_requested_at": attempt.appeal.requested_at,
        }
        for attempt in staff_selectors.appeals_waiting_for(viewer=request.user)
    ]
    return render(request, "staff/queue.html", {"waiting": waiting, "reviewed": reviewed, "appeals": appeals})


# Invitations ---------------------------------------------------------------------------------------


def _link(request, invitation: Invitation) -> str | None:
    token = services.invitation_token_for(invitation)
    return request.build_absolute_uri(reverse("take", args=[token])) if token else None


def _send(request, invitation: Invitation, link: str) -> str:
    """Send the link by e-mail; '' when it went, else why not, in words for the page. The e-mail's
    link is built from SITE_URL, like every link the site mails."""
    token = services.invitation_token_for(invitation)
    link = emails.take_url(token) if token else link
    try:
        services.invitation_send(invitation=invitation, link=link, sent_by=request.user)
    except DomainError as error:
        return str(error)
    except (smtplib.SMTPException, OSError):
        logger.exception("invitation e-mail to participant %s failed", invitation.participant_id)
        return "the mail server did not accept the e-mail; try again later"
    return ""


def _create_invitations(request, *, exercise, invitees, expires_in_days: int, send: bool) -> None:
    """Create every invitation or none, then send the e-mails (a mail server's failure does not undo
    an invitation: the link can be copied or sent again)."""
    expires_in = timedelta(days=expires_in_days)
    with transaction.atomic():
        created = [
            services.invitation_create(
                exercise=exercise,
                participant_name=invitee.name,
                participant_email=invitee.email,
                created_by=request.user,
                expires_in=expires_in,
            )[0]
            for invitee in invitees
        ]
    problems = []
    if send:
        for invitation in created:
            problem = _send(request, invitation, _link(request, invitation))
            if problem:
                problems.append(f"{invitation.participant.email}: {problem}")
    noun = "invitation" if len(created) == 1 else "invitations"
    sent = " and sent by e-mail" if send and not problems else ""
    messages.success(request, f"{len(created)} {noun} to {exercise.title} created{sent}. Copy a link below.")
    for problem in problems:
        messages.error(request, f"Not sent to {problem}")


@staff_page
def invitations(request):
    viewer = request.user
    exercises = list(exercises_visible_to(viewer).only("pk", "title", "organisation_id").order_by("title"))
    # The forms offer what the invitation service accepts (access.may_invite); the list shows more.
    invitable = (
        exercises
        if is_lead(viewer)
        else list(exercises_open_to_invite(viewer).only("pk", "title", "organisation_id").order_by("title"))
    )
    by_id = {e.pk: e for e in invitable}
    single = InvitationForm(exercises=invitable, prefix="one")
    bulk = BulkInvitationForm(exercises=invitable, prefix="many")
    mode = "one"
    if request.method == "POST":
        mode = "many" if request.POST.get("mode") == "many" else "one"
        form = (
            BulkInvitationForm(request.POST, request.FILES, exercises=invitable, prefix="many")
            if mode == "many"
            else InvitationForm(request.POST, exercises=invitable, prefix="one")
        )
        if form.is_valid():
            if mode == "many":
                invitees = form.invitees
            else:
                invitees = [
                    Invitee(
                        line=1,
                        name=form.cleaned_data["participant_name"],
                        email=form.cleaned_data["participant_email"],
                    )
                ]
            try:
                _create_invitations(
                    request,
                    exercise=by_id[form.cleaned_data["exercise"]],
                    invitees=invitees,
                    expires_in_days=form.cleaned_data["expires_in_days"],
                    send=form.cleaned_data["send_email"],
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                return redirect(reverse("staff-invitations") + _query(request, page=None))
        if mode == "many":
            bulk = form
        else:
            single = form

    filter_form = InvitationFilterForm(request.GET, exercises=exercises)
    filter_form.is_valid()
    exercise_id = filter_form.cleaned_data.get("exercise")
    status = filter_form.cleaned_data.get("status") or ""
    now = timezone.now()
    rows = staff_selectors.invitations_for_staff(viewer=viewer, exercise=exercise_id, status=status, now=now)
    page, pager = _page(request, rows)
    counts = staff_selectors.invitation_status_counts(viewer=viewer, exercise=exercise_id, now=now)
    table = []
    for invitation in page.object_list:
        row = staff_selectors.invitation_row(invitation, viewer=viewer, now=now)
        row["link"] = (
            _link(request, invitation)
            if row["may_manage"] and row["status"] in ("sent", "not_sent")
            else None
        )
        row["url"] = attempt_url(row["attempt_id"])
        table.append(row)
    status_tabs = [
        {
            "label": "All",
            "count": sum(counts.values()),
            "url": _query(request, status=None, page=None),
            "current": not status,
        }
    ] + [
        {
            "label": label,
            "count": counts[value],
            "url": _query(request, status=value, page=None),
            "current": status == value,
        }
        for value, label in staff_selectors.INVITATION_STATUSES.items()
    ]
    context = {
        "single": single,
        "bulk": bulk,
        "mode": mode,
        "filter_form": filter_form,
        "rows": table,
        "page": page,
        "pager": pager,
        "status_tabs": status_tabs,
        "status_labels": staff_selectors.INVITATION_STATUSES,
        "return_query": request.GET.urlencode(),
    }
    return render(request, "staff/invitations.html", context, status=400 if request.method == "POST" else 200)


def _managed_invitation(request, invitation_id: int) -> Invitation:
    """An invitation the caller may revoke or resend; one they can see but not manage is a 404 too."""
    invitation = staff_selectors.invitation_for_staff(viewer=request.user, invitation_id=invitation_id)
    if not staff_selectors.may_manage_invitation(request.user, invitation):
        raise Http404
    return invitation


def _back_to_invitations(request):
    query = request.POST.get("return_query", "")
    return redirect(reverse("staff-invitations") + (f"?{QueryDict(query).urlencode()}" if query else ""))


@require_POST
@staff_page
def invitation_revoke(request, invitation_id: int):
    invitation = _managed_invitation(request, invitation_id)
    try:
        services.invitation_revoke(invitation=invitation, revoked_by=request.user)
    except DomainError as error:
        messages.error(request, f"The invitation of {invitation.participant.name} was not revoked: {error}")
    else:
        messages.success(
            request, f"The invitation of {invitation.participant.name} is revoked; its link no longer works."
        )
    return _back_to_invitations(request)


@require_POST
@staff_page
def invitation_resend(request, invitation_id: int):
    invitation = _managed_invitation(request, invitation_id)
    link = _link(request, invitation)
    problem = (
        "this link was made before links could be sent again; create a new invitation"
        if link is None
        else _send(request, invitation, link)
    )
    if problem:
        messages.error(request, f"Not sent to {invitation.participant.email}: {problem}")
    else:
        messages.success(request, f"The link was sent to {invitation.participant.email} again.")
    return _back_to_invitations(request)


# A participant's history ---------------------------------------------------------------------------


@staff_page
def participant(request, participant_id: int):
    history = staff_selectors.participant_history(viewer=request.user, participant_id=participant_id)
    for row in history.attempts:
        row["url"] = attempt_url(row["id"])
    return render(
        request,
        "staff/participant.html",
        {"history": history, "is_lead": staff_membership(request.user).role == Role.LEAD},
    )


# Settings ------------------------------------------------------------------------------------------

NOTIFICATION_FIELDS = (
    "invitation_emails",
    "invitation_reminders",
    "reminder_hours_before",
    "feedback_ready_emails",
    "appeal_answered_emails",
    "review_digest",
)


@staff_page
def notification_settings(request):
    """The organisation's e-mail notifications, for its leads (anyone else: 404)."""
    membership = require_lead(request.user)
    current = notifications.settings_for(membership.organisation_id)
    form = NotificationSettingsForm(initial={name: getattr(current, name) for name in NOTIFICATION_FIELDS})
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            notifications.notification_settings_update(
                organisation=membership.organisation, updated_by=request.user, **form.cleaned_data
            )
            messages.success(request, "Notification settings saved.")
            return redirect("staff-settings-notifications")
    return render(
        request,
        "staff/settings_notifications.html",
        {"form": form, "organisation": membership.organisation},
        status=400 if request.method == "POST" else 200,
    )
