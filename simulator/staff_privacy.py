"""A lead erases a participant's personal data from the participant's page (simulator/erasure.py)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from simulator.access import participants_visible_to, require_lead
from simulator.erasure import participant_erase
from simulator.errors import DomainError
from simulator.staff_views import staff_page


@require_POST
@staff_page
def participant_erase_view(request, participant_id: int):
    require_lead(request.user)
    participant = participants_visible_to(request.user).filter(pk=participant_id).first()
    if participant is None:
        raise Http404
    reason = (request.POST.get("reason") or "").strip()[:200]
    try:
        erasure = participant_erase(participant=participant, erased_by=request.user, reason=reason)
    except DomainError as error:
        messages.error(request, f"Nothing was erased: {error}")
    else:
        if erasure.already_erased:
            messages.info(request, "This participant's personal data was erased already.")
        else:
            messages.success(
                request,
                "The participant's name, e-mail address, answers and event data are erased; "
                "their anonymous scores stay. The audit log keeps who erased them and why.",
            )
    return redirect("staff-participant", participant_id=participant_id)
