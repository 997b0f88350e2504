from django.dispatch import Signal

# Sent inside the erasure transaction, before a participant's personal data is cleared, so that every
# app can erase what it holds about that person. Keyword arguments: participant.
participant_erased = Signal()
