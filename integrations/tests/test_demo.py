import json
from io import StringIO

from django.core.management import call_command
from rest_framework.test import APIClient

from integrations.tests.conftest import basic


def seed() -> dict:
    out = StringIO()
    call_command("seed_demo", "--json", "--no-scored-attempts", stdout=out)
    return json.loads(out.getvalue())


def test_seed_demo_prints_a_partner_api_key_that_works_and_stays_the_same(db):
    first = seed()
    key = first["partner_api_key"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(key))
    response = client.get("/integrations/greenhouse/list_tests")
    assert response.status_code == 200
    assert "support-engineer-loop" in {t["partner_test_id"] for t in response.json()}
    assert seed()["partner_api_key"] == key
