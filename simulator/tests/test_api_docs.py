"""/api/docs/ must work on a machine without internet access: Swagger UI comes from the installed
drf-spectacular-sidecar package, served as this site's static files."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

ASSET_URL = re.compile(r"""(?:src|href)=["']([^"']+)["']""")
OTHER_HOST = re.compile(r"(https?:)?//[a-z0-9.-]+", re.IGNORECASE)


@pytest.fixture
def docs_page(client, db) -> str:
    response = client.get(reverse("swagger-ui"))
    assert response.status_code == 200
    return response.content.decode()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_docs_page_names_no_other_host(docs_page):
    assets = ASSET_URL.findall(docs_page)
    assert any(url.endswith("/swagger-ui-bundle.js") for url in assets)
    assert not [url for url in assets if OTHER_HOST.match(url)], assets
    # Nor the page's own script: no validator badge or CDN fallback reaching out.
    assert not re.search(r"https?://", docs_page)


def test_docs_assets_are_installed_static_files_or_the_app_itself(client, docs_page):
    for url in ASSET_URL.findall(docs_page):
        assert url.startswith("/"), url
        if url.startswith("/static/"):
            assert url.startswith("/static/drf_spectacular_sidecar/"), url
            assert finders.find(url.removeprefix("/static/")), f"{url} is not an installed static file"
        # Served by the app (WhiteNoise for static files), so the docs work with DEBUG off as well.
        response = client.get(url)
        assert response.status_code == 200, url
        if not url.startswith("/static/"):
            assert not re.search(rb"https?://", _body(response)), f"{url} names another host"
        response.close()
