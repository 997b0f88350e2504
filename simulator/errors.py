class DomainError(Exception):
    """A refused operation; the message is safe to show to whoever asked, candidates included."""

    status_code = 400
    code = "refused"
