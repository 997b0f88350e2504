import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

# Paths whose callers read JSON: the API's {error, detail} body, not a page.
JSON_PREFIXES = ("/api/", "/integrations/")


class ApiBodySizeLimit:
    """Refuse an oversized API request body with 413 and a message, before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(JSON_PREFIXES):
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


DATABASE_RETRY_AFTER_SECONDS = 2


class DatabaseUnavailable:
    """The database gone for a moment (restarted, failed over, every pooled connection busy past the
    pool's timeout) is a 503 with `Retry-After`, not a server error: the API answers its documented
    {error, detail}, pages a short notice. The workspace retries a failed save on its own (and
    recognises, from the 409 of its retry, a save whose commit did land before the answer was lost)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        first_line = (
            str(exception).strip().splitlines()[0] if str(exception).strip() else type(exception).__name__
        )
        logger.warning(
            "database unavailable, %s %s answered 503: %s", request.method, request.path, first_line
        )
        detail = "the database is unavailable for a moment; try again shortly"
        if request.path.startswith(JSON_PREFIXES):
            response = JsonResponse({"error": "database_unavailable", "detail": detail}, status=503)
        else:
            response = HttpResponse(
                f"Service briefly unavailable: {detail}.",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
