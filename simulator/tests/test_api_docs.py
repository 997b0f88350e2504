"""/api/docs/ must work on a machine without internet access: Swagger UI comes from the installed
drf-spectacular-sidecar package, served as this site's static files."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

ASSET_URL = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@pytest.fixture
def docs_page(client, db) -> str:
    response = client.get(reverse("swagger-ui"))
    assert response.status_code == 200
    return response.content.decode()


def test_docs_page_names_no_other_host(docs_page):
    assets = ASSET_URL.findall(docs_page)
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets)
    assert not re.search(r"(https?:)?//[a-z0-9.-]+", " ".join(assets)), assets
    # The inline script, too: no validator badge or CDN fallback reaching out.
    assert not re.search(r"https?://", docs_page)


def test_docs_assets_are_installed_static_files_served_by_the_app(client, docs_page):
    for url in ASSET_URL.findall(docs_page):
        assert url.startswith("/static/drf_spectacular_sidecar/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not an installed static file"
        # WhiteNoise serves them itself, so the docs work with DEBUG off as well.
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()
