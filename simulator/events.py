"""Domain events: what just happened to an invitation or an attempt, announced once its transaction
has committed, for whoever listens (the integrations app sends them on as webhooks, completion
callbacks and learning records).

The services call `emit` right where each transition happens; nothing is announced for work that
is rolled back, and a listener's failure never undoes or fails the change it hears about.
"""

import logging

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

logger = logging.getLogger(__name__)

INVITATION_CREATED = "invitation.created"
ATTEMPT_STARTED = "attempt.started"
ATTEMPT_SUBMITTED = "attempt.submitted"
ATTEMPT_SCORED = "attempt.scored"
ATTEMPT_FINALIZED = "attempt.finalized"
REVIEW_REQUESTED = "review.requested"

EVENT_TYPES: tuple[str, ...] = (
    INVITATION_CREATED,
    ATTEMPT_STARTED,
    ATTEMPT_SUBMITTED,
    ATTEMPT_SCORED,
    ATTEMPT_FINALIZED,
    REVIEW_REQUESTED,
)

# Receivers get: event (one of EVENT_TYPES), organisation_id, attempt_id, occurred_at.
domain_event = Signal()


def emit(event: str, *, organisation_id: int, attempt_id: int) -> None:
    """Announce `event` about an attempt (an invitation is announced by its attempt) after commit."""
    if event not in EVENT_TYPES:
        raise ValueError(f"unknown domain event {event!r}")
    occurred_at = timezone.now()

    def send() -> None:
        for receiver, outcome in domain_event.send_robust(
            sender=event, event=event, organisation_id=organisation_id, attempt_id=attempt_id,
            occurred_at=occurred_at,
        ):  # fmt: skip
            if isinstance(outcome, Exception):
                logger.error(
                    "listener %r failed on %s of attempt %s", receiver, event, attempt_id, exc_info=outcome
                )

    transaction.on_commit(send, robust=True)
