"""The staff pages of the delivery side: login, attempts, a reviewer's queue, invitations and a
participant's history. Every read goes through `simulator.access` so a row outside the caller's
organisation (reviewers: their panels) is never listed and never found (404)."""

import functools

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache

from simulator.access import staff_membership

LOGIN_URL = "/staff/login/"


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
    template_name = "staff/login.html"
    next_page = reverse_lazy("staff-home")


class StaffLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("staff-login")


@staff_page
def home(request):
    return redirect("staff-attempts")


@staff_page
def attempts(request):
    return render(request, "staff/attempts.html", {})


@staff_page
def queue(request):
    return render(request, "staff/queue.html", {})


@staff_page
def invitations(request):
    return render(request, "staff/invitations.html", {})


@staff_page
def invitation_revoke(request, invitation_id: int):
    raise Http404


@staff_page
def invitation_resend(request, invitation_id: int):
    raise Http404


@staff_page
def participant(request, participant_id: int):
    raise Http404
