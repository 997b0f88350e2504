from django.conf import settings
from django.http import JsonResponse


class ApiBodySizeLimit:
    """Refuse an oversized API request body with 413 and a message, before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(("/api/", "/integrations/")):
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


# Pages and API calls whose responses hold a token, answers or personal data: never stored by a
# browser or a proxy (the workspace embeds the attempt's bearer token).
NO_STORE_PREFIXES = ("/take/", "/attempt/", "/api/", "/staff/", "/integrations/")


class SecurityHeaders:
    """The Content-Security-Policy of every response (settings.CONTENT_SECURITY_POLICY), and
    `Cache-Control: no-store` on the candidate pages and the API."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        if request.path.startswith(NO_STORE_PREFIXES):
            response["Cache-Control"] = "no-store"
        return response
