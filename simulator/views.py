"""The participant's web workspace (server-rendered pages; the page's script talks to the JSON API)."""

from django.http import HttpResponse


def take(request, token: str):
    return HttpResponse("start page", content_type="text/plain")


def workspace(request, attempt_id: str):
    return HttpResponse("workspace", content_type="text/plain")


def healthz(request):
    """Liveness probe; also the ceiling a benchmark compares real endpoints against."""
    return HttpResponse(status=204)
