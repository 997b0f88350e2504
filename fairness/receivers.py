"""What the fairness app does when another part of the system acts: the only receiver is erasure."""

from fairness import services


def erase_self_identification(sender, *, participant, **kwargs) -> None:
    """A participant is being erased: their self-identification goes with them, in the same transaction."""
    services.self_identification_erase(participant=participant)
