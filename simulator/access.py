"""Who may see what on the staff side: one place for every page and API call.

A lead sees everything of their organisation. A reviewer sees the attempts of the panels they sit
on and the attempts assigned to them, and the invitations, exercises and participants behind those.
Anything else is a 404 (never a 403), so ids are not confirmed. Operators use `/admin/`.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from rest_framework import permissions

from simulator.models import Attempt, Exercise, Invitation, Membership, Panel, Participant, Role


def staff_membership(user) -> Membership | None:
    """The caller's membership, or None for anonymous users, participants and outsiders."""
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "membership", None)


def is_lead(user) -> bool:
    membership = staff_membership(user)
    return membership is not None and membership.role == Role.LEAD


def _reviewer_attempt_filter(user) -> Q:
    from scoring.models import ReviewAssignment

    on_panel = Panel.reviewers.through.objects.filter(
        panel_id=OuterRef("invitation__panel_id"), user_id=user.pk
    )
    assigned = ReviewAssignment.objects.filter(attempt_id=OuterRef("pk"), reviewer_id=user.pk)
    return Q(Exists(on_panel)) | Q(Exists(assigned))


def _in_organisation(user, queryset: QuerySet, for_reviewer) -> QuerySet:
    """`queryset` within the caller's organisation: all of it for a lead, `for_reviewer(it)` for a
    reviewer, nothing for anyone else."""
    membership = staff_membership(user)
    if membership is None:
        return queryset.none()
    scoped = queryset.filter(organisation_id=membership.organisation_id)
    return scoped if membership.role == Role.LEAD else for_reviewer(scoped)


def attempts_visible_to(user) -> QuerySet[Attempt]:
    return _in_organisation(
        user, Attempt.objects.all(), lambda attempts: attempts.filter(_reviewer_attempt_filter(user))
    )


def invitations_visible_to(user) -> QuerySet[Invitation]:
    return _in_organisation(
        user,
        Invitation.objects.all(),
        lambda invitations: invitations.filter(attempt__in=attempts_visible_to(user)),
    )


def exercises_visible_to(user) -> QuerySet[Exercise]:
    return _in_organisation(
        user,
        Exercise.objects.all(),
        lambda exercises: exercises.filter(
            Q(panel__reviewers=user) | Q(attempts__in=attempts_visible_to(user))
        ).distinct(),
    )


def exercises_open_to_invite(user) -> QuerySet[Exercise]:
    """The exercises the caller may invite participants to: a lead, every one of the organisation's;
    a reviewer, those whose panel they sit on (the reviewers who will see the attempt)."""
    return _in_organisation(
        user, Exercise.objects.all(), lambda exercises: exercises.filter(panel__reviewers=user)
    )


def may_invite(user, exercise: Exercise) -> bool:
    membership = staff_membership(user)
    if membership is None or membership.organisation_id != exercise.organisation_id:
        return False
    return membership.role == Role.LEAD or exercises_open_to_invite(user).filter(pk=exercise.pk).exists()


def participants_visible_to(user) -> QuerySet[Participant]:
    membership = staff_membership(user)
    if membership is None:
        return Participant.objects.none()
    participants = Participant.objects.filter(organisation_id=membership.organisation_id)
    if membership.role == Role.LEAD:
        return participants
    return participants.filter(attempts__in=attempts_visible_to(user)).distinct()


def attempt_for_staff(user, public_id: str) -> Attempt:
    """The attempt if the caller may see it, else Http404."""
    attempt = (
        attempts_visible_to(user)
        .select_related("exercise", "participant", "invitation", "organisation")
        .filter(public_id=public_id)
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


def require_lead(user) -> Membership:
    """The caller's membership if they are a lead; a reviewer gets a 404 like an outsider would."""
    membership = staff_membership(user)
    if membership is None or membership.role != Role.LEAD:
        raise Http404
    return membership


class IsStaffMember(permissions.BasePermission):
    """A logged-in (session or token) member of an organisation: a lead or a reviewer."""

    message = "only leads and reviewers of an organisation can use the staff API"

    def has_permission(self, request, view):
        return staff_membership(request.user) is not None
