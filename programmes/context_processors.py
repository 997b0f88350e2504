"""The way back to a trainee's programme page from the drills they started there."""

from django.urls import reverse

from programmes.views import SESSION_PROGRAMME


def programme_home(request) -> dict:
    """`programme_home`: the programme page this browser session came from, or ''. Read lazily, so
    pages that never show it never touch the session."""

    def url() -> str:
        session = getattr(request, "session", None)
        token = session.get(SESSION_PROGRAMME) if session is not None else None
        return reverse("programme-trainee", args=[token]) if token else ""

    return {"programme_home": url}
