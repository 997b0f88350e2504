"""System checks of the project's own settings (`manage.py check --deploy`)."""

from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_check(app_configs=None, **kwargs) -> list[Warning]:
    """E-mailed links are built from SITE_URL: in production it must be the site's HTTPS address."""
    url = urlparse(settings.SITE_URL)
    host = url.hostname or ""
    allowed = any(
        h == "*" or h == host or (h.startswith(".") and host.endswith(h)) for h in settings.ALLOWED_HOSTS
    )
    if url.scheme != "https" or not allowed:
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: e-mailed links (invitations, reminders, digests) would "
                "point there",
                hint="set SITE_URL to the site's https:// address, whose host is in DJANGO_ALLOWED_HOSTS",
                id="simulator.W001",
            )
        ]
    return []
