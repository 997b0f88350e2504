"""The trainee's programme page, reached by their link (no account, like an invitation link), and
the start of a drill from it. The drill's workspace then belongs to this browser session, as an
invitation's does (`simulator.views.take`)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from programmes import presenters, selectors, services
from simulator import services as simulator_services
from simulator.errors import DomainError
from simulator.models import Exercise
from simulator.views import SESSION_TOKENS

SESSION_PROGRAMME = "programme_link"


def _enrolment(token: str):
    enrolment = selectors.enrolment_for_token(token)
    if enrolment is None:
        raise Http404
    return enrolment


@never_cache
def trainee_home(request, token: str):
    enrolment = _enrolment(token)
    # The session remembers the way back, so the drill's pages can offer it.
    if request.session.get(SESSION_PROGRAMME) != token:
        request.session[SESSION_PROGRAMME] = token
    progress = selectors.trainee_progress(enrolment=enrolment, today=timezone.localdate())
    context = {**presenters.progress_context(progress), "token": token}
    return render(request, "programmes/trainee.html", context)


@require_POST
def drill_start(request, token: str, exercise_id: int):
    enrolment = _enrolment(token)
    exercise = get_object_or_404(
        Exercise, pk=exercise_id, organisation_id=enrolment.programme.organisation_id
    )
    try:
        attempt, access_token = services.drill_start(enrolment=enrolment, exercise=exercise)
    except services.simulator_services.NotFound:
        raise Http404 from None
    except DomainError as error:
        progress = selectors.trainee_progress(enrolment=enrolment, today=timezone.localdate())
        context = {**presenters.progress_context(progress), "token": token, "problem": str(error)}
        return render(request, "programmes/trainee.html", context, status=400)
    tokens = dict(request.session.get(SESSION_TOKENS) or {})
    tokens[attempt.public_id] = access_token
    request.session[SESSION_TOKENS] = tokens
    request.session[SESSION_PROGRAMME] = token
    return redirect("workspace", attempt_id=attempt.public_id)


@never_cache
def drill_feedback(request, token: str, attempt_id: str):
    """The way back from the programme page to a finished drill's feedback (and its appeal's answer).

    The trainee's link is the credential: the attempt must be one of this enrolment's finished
    drills (anything else is a 404), and then its access goes into this browser session as starting
    the drill did, so the feedback page opens here."""
    enrolment = _enrolment(token)
    attempt = selectors.finished_drill_attempt(enrolment=enrolment, attempt_id=attempt_id)
    invitation_token = simulator_services.invitation_token_for(attempt.invitation) if attempt else None
    if invitation_token is None:
        raise Http404
    tokens = dict(request.session.get(SESSION_TOKENS) or {})
    tokens[attempt.public_id] = simulator_services.access_token_for(invitation_token)
    request.session[SESSION_TOKENS] = tokens
    request.session[SESSION_PROGRAMME] = token
    return redirect("workspace", attempt_id=attempt.public_id)
