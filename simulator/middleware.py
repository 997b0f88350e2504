from django.conf import settings
from django.http import JsonResponse


class ApiBodySizeLimit:
    """Refuse an oversized API request body with 413 and a message, before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.API_MAX_BODY_BYTES
            if length > limit:
                return JsonResponse(
                    {
                        "error": "payload_too_large",
                        "detail": f"the request body is {length:,} bytes; the limit is {limit:,}",
                    },
                    status=413,
                )
        return self.get_response(request)
