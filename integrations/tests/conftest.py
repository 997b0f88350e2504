"""Fixtures of the integration tests: a local HTTP receiver standing in for an ATS, a webhook
consumer, an LRS or an LMS, and a short hiring or training exercise taken to any state."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model

from integrations import services as integration_services
from scoring import services as scoring_services
from simulator import services


class Receiver:
    """A tiny HTTP server in a thread. It answers each request with the next status of `statuses`
    (the last one repeats) and the body of `replies` for a path, and records every request."""

    def __init__(self, statuses=(200,), replies=None):
        self.statuses = list(statuses)
        self.replies = replies or {}
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers),
                     "body": self.rfile.read(length) if length else b""}
                )  # fmt: skip
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                reply = receiver.replies.get(self.path.split("?")[0], b"")
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_GET = do_POST = do_PATCH = do_PUT = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def basic_auth(self, index: int) -> tuple[str, str]:
        scheme, _, encoded = self.requests[index]["headers"]["Authorization"].partition(" ")
        assert scheme == "Basic"
        user, _, password = base64.b64decode(encoded).decode().partition(":")
        return user, password

    def json(self, index: int) -> dict:
        return json.loads(self.requests[index]["body"])


@pytest.fixture
def receiver():
    made = []

    def make(statuses=(200,), replies=None):
        server = Receiver(statuses, replies)
        server.thread.start()
        made.append(server)
        return server

    yield make
    for server in made:
        server.server.shutdown()
        server.server.server_close()


@pytest.fixture(autouse=True)
def _integration_settings(settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE_TARGETS = True  # the local receivers listen on 127.0.0.1
    settings.INTEGRATIONS_MAX_TRIES = 4
    settings.SITE_URL = "https://sim.example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def comms_exercise(organisation):
    """A hiring exercise of one short item: quick to start, score and finalize."""
    return services.exercise_create(
        organisation=organisation, slug="comms-screen", title="Customer update screen", purpose="hiring",
        time_limit_minutes=20, base_seed=77, items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "medium"}],
    )  # fmt: skip


@pytest.fixture
def training_exercise(organisation):
    return services.exercise_create(
        organisation=organisation, slug="comms-drill", title="Customer update drill", purpose="training",
        time_limit_minutes=20, base_seed=78, items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "medium"}],
    )  # fmt: skip


@pytest.fixture
def api_key(organisation, lead):
    """(row, key) of a live partner API key of the organisation."""
    return integration_services.api_key_create(organisation=organisation, name="Greenhouse", created_by=lead)


@pytest.fixture
def other_org():
    """Another organisation with its own lead and key."""
    organisation = services.organisation_create(name="Globex", slug="globex")
    user = get_user_model().objects.create_user(username="gina", password="lead-password-456")
    services.member_add(organisation=organisation, user=user, role="lead")
    key_row, key = integration_services.api_key_create(organisation=organisation, name="ATS", created_by=user)
    return organisation, user, key


def take_and_score(attempt):
    """Start, answer, submit and auto-score an invited attempt (the invitation's link is recovered
    the way staff copy it)."""
    token = services.invitation_token_for(attempt.invitation)
    attempt, _, _ = services.attempt_start(invitation_token=token)
    item = attempt.items.get()
    services.response_save(
        attempt=attempt, item=item, base_version=0,
        answer={"update": "We are investigating errors on checkout since 09:10 UTC. Next update by 10:00 UTC."},
    )  # fmt: skip
    services.attempt_submit(attempt=attempt, submitted_by="participant")
    scoring_services.attempt_score(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return attempt


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


@pytest.fixture(autouse=True)
def _deliveries_in_process(eager):
    """Deliveries run in-process here even when a broker is configured (the PostgreSQL run of CI):
    these tests check the delivery service itself; tests/test_worker_integrations.py checks the
    real worker path."""
    yield
