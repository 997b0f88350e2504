"""schemathesis over the whole OpenAPI schema, against the running app, with staff and candidate
credentials: no server error, and every response (status, content type, body) as the schema says.

Bounded: SCHEMATHESIS_EXAMPLES cases per operation (default 12; about 330 cases and under a
minute). The number of operations, cases and failures is written to the test run's output.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from simulator import services

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def credentials(lead, all_kinds_exercise, invite):
    """A lead's API token and a candidate's bearer token for an attempt in progress."""
    _, token = invite(all_kinds_exercise)
    _, access_token, _ = services.attempt_start(invitation_token=token)
    return {
        "staff": {"Authorization": f"Token {Token.objects.create(user=lead).key}"},
        "candidate": {"Authorization": f"Bearer {access_token}"},
    }


def _schema_dict(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _run(operation, *, base_url: str, headers: dict, counter: list) -> None:
    """EXAMPLES cases of one operation, each counted in `counter`; raises what schemathesis found."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        counter.append(1)
        response = case.call(base_url=base_url, headers=headers)
        case.validate_response(response, checks=CHECKS)

    run()


def test_every_operation_answers_as_the_schema_says(live_server, client, credentials, request):
    schema = schemathesis.openapi.from_dict(_schema_dict(client))
    cases = []
    operations = 0
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        security = [
            name for requirement in operation.definition.raw.get("security", []) for name in requirement
        ]
        headers = credentials["candidate"] if "attemptAccessToken" in security else credentials["staff"]
        try:
            _run(operation, base_url=live_server.url, headers=headers, counter=cases)
        except (
            Exception,
            BaseExceptionGroup,
        ) as error:  # one entry per failing operation; the others still run
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error).strip()[:1500]}")
    summary = f"schemathesis: {operations} operations, {len(cases)} cases, {len(failures)} failing operations"
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:  # in the test log (the CI log) without -s
        with capture.global_and_fixture_disabled():
            reporter.write_line("\n" + summary)
    assert operations >= 25
    assert not failures, "\n\n".join(failures)
