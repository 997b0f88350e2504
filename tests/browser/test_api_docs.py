"""/api/docs/ renders Swagger UI with the network cut off: everything it loads comes from this app."""

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def test_the_api_docs_render_with_no_network_beyond_this_server(page, live_server, shot):
    refused: list[str] = []

    def only_local(route):
        url = route.request.url
        if (
            urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).hostname not in LOCAL_HOSTS
        ):
            refused.append(url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/*", only_local)
    page.goto(f"{live_server.url}/api/docs/")

    page.locator(".swagger-ui .info .title").filter(has_text="Support engineering simulator API").wait_for()
    operations = page.locator(".opblock .opblock-summary-path")
    operations.first.wait_for()
    paths = set(operations.all_inner_texts())
    assert "/api/v1/exercises/" in paths
    assert any(path.startswith("/api/v1/attempts/") for path in paths)
    assert page.locator(".swagger-ui .errors-wrapper").count() == 0
    shot(page, "api-docs-offline", full_page=False)
    assert refused == [], f"the docs page tried to reach other hosts: {refused}"
