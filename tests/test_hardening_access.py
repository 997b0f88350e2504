"""Abuse and exposure: a spent invitation link, production settings, the CSP and caching of candidate
pages, login lockout, throttles, and password checks that do not stall other requests."""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.urls import reverse

from simulator import services
from simulator.authentication import AttemptEventsThrottle
from simulator.models import Attempt, Invitation
from simulator.views import SESSION_TOKENS

PROJECT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    # The production variables the README documents.
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k8Zq3vN0xR7wT2yB5mC9pL4sD1fG6hJ0aE8uI3oP7rS2tV5wX9zQ1bN4",
    "DJANGO_ALLOWED_HOSTS": "simulator.example.com",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "SITE_URL": "https://simulator.example.com",
}


def _manage(*args, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env={**clean, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


# The invitation link after submitting --------------------------------------------------------------


@pytest.mark.django_db
def test_after_submitting_the_link_returns_no_token_and_no_answers(client, all_kinds_exercise, invite):
    _, link_token = invite(all_kinds_exercise)
    attempt, access_token, _ = services.attempt_start(invitation_token=link_token)
    services.attempt_submit(attempt=attempt, submitted_by="participant")

    response = client.post(
        "/api/v1/attempts/", {"invitation_token": link_token}, content_type="application/json"
    )

    assert response.status_code == 409
    assert response.json()["error"] == "already_submitted"
    assert access_token not in response.content.decode()
    assert "items" not in response.json() and "access_token" not in response.json()


@pytest.mark.django_db
def test_after_submitting_the_link_shows_the_submitted_page_only(client, all_kinds_exercise, invite):
    _, link_token = invite(all_kinds_exercise)
    attempt, _, _ = services.attempt_start(invitation_token=link_token)
    services.attempt_submit(attempt=attempt, submitted_by="participant")

    response = client.post(reverse("take", args=[link_token]))

    assert response.status_code == 200
    assert "already submitted" in response.content.decode()
    assert attempt.public_id not in (client.session.get(SESSION_TOKENS) or {})
    assert client.get(reverse("workspace", args=[attempt.public_id])).status_code == 404


@pytest.mark.django_db
def test_a_trainee_reaches_their_feedback_through_their_own_session(client, organisation, invite):
    invitation, link_token = invite(organisation.exercises.get(slug="postmortem-drill"))
    assert client.post(reverse("take", args=[link_token])).status_code == 302
    attempt = Attempt.objects.get(invitation=invitation)
    services.attempt_submit(attempt=attempt, submitted_by="participant")

    again = client.post(reverse("take", args=[link_token])).content.decode()
    feedback = client.get(reverse("workspace", args=[attempt.public_id]))

    assert reverse("workspace", args=[attempt.public_id]) in again and "See your feedback" in again
    assert feedback.status_code == 200 and "data-feedback-state" in feedback.content.decode()


# Production settings ---------------------------------------------------------------------------------


def test_check_deploy_passes_at_warning_level_with_the_documented_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("key", [None, "insecure-laptop-only-key-change-me-in-production", "short", "a" * 60])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_laptop_defaults_still_start():
    assert _manage("check", env={}).returncode == 0


def test_production_settings_turn_https_on_and_trust_the_proxy_header():
    script = "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    result = _manage("shell", "-c", script, env=PRODUCTION_ENV)

    assert (
        result.stdout.strip().splitlines()[-1]
        == "True 31536000 True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.django_db
def test_every_page_sends_a_strict_csp_and_the_candidate_pages_run_no_inline_script(
    client, all_kinds_exercise, invite, lead
):
    invitation, link_token = invite(all_kinds_exercise)
    start_page = client.get(reverse("take", args=[link_token]))
    client.post(reverse("take", args=[link_token]))
    attempt = Attempt.objects.get(invitation=invitation)
    workspace = client.get(reverse("workspace", args=[attempt.public_id]))
    pages = {
        "start": start_page,
        "workspace": workspace,
        "staff login": client.get("/staff/login/"),
        "admin login": client.get("/admin/login/"),
        "api docs": client.get("/api/docs/"),
    }
    client.force_login(lead)
    pages["staff attempts"] = client.get("/staff/attempts/")

    for name, response in pages.items():
        assert response.status_code == 200, name
        policy = dict(
            (directive.split(" ", 1) + [""])[:2]
            for directive in response["Content-Security-Policy"].split("; ")
        )
        assert policy["script-src"] == "'self'", name
        assert policy["style-src"] == ("'self' 'unsafe-inline'" if name == "api docs" else "'self'"), name
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'", name
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (name, INLINE_SCRIPT.search(html).group(0))
        assert not INLINE_HANDLER.search(html), (name, INLINE_HANDLER.search(html).group(0))


@pytest.mark.django_db
def test_candidate_pages_and_the_api_are_never_cached(client, all_kinds_exercise, invite):
    invitation, link_token = invite(all_kinds_exercise)
    start_page = client.get(reverse("take", args=[link_token]))
    client.post(reverse("take", args=[link_token]))
    attempt = Attempt.objects.get(invitation=invitation)
    workspace = client.get(reverse("workspace", args=[attempt.public_id]))
    api = client.get(f"/api/v1/attempts/{attempt.public_id}/")

    for response in (start_page, workspace, api):
        assert "no-store" in response["Cache-Control"]


# Logins: lockout ----------------------------------------------------------------------------------------


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user(
        username="ops", password="right-password-123", is_staff=True, is_superuser=True
    )


def _token_login(client, password):
    return client.post(
        "/api/v1/auth/token/", {"username": "ops", "password": password}, content_type="application/json"
    )


def test_the_token_endpoint_locks_a_username_out_after_five_wrong_passwords(client, staff_user, settings):
    assert _token_login(client, "right-password-123").status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token_login(client, "wrong").status_code == 400
    assert _token_login(client, "wrong").status_code == 429  # the fifth locks

    locked = _token_login(client, "right-password-123")

    assert locked.status_code == 429
    assert locked.json()["error"] == "locked_out"
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()


@pytest.mark.parametrize("url", ["/admin/login/", "/staff/login/"])
def test_the_login_pages_lock_out_too(client, staff_user, settings, url):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, {"username": "ops", "password": "wrong"}).status_code == 200
    assert client.post(url, {"username": "ops", "password": "wrong"}).status_code == 429

    locked = client.post(url, {"username": "ops", "password": "right-password-123"})

    assert locked.status_code == 429 and "Retry-After" in locked
    assert "_auth_user_id" not in client.session


# Throttles -------------------------------------------------------------------------------------------------


def test_the_token_endpoint_is_throttled_per_address(client, db):
    statuses = [
        client.post(
            "/api/v1/auth/token/", {"username": f"u{n}", "password": "x"}, content_type="application/json"
        ).status_code
        for n in range(21)
    ]

    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


def test_attempt_start_is_throttled_per_address_with_retry_after(client, db):
    responses = [
        client.post("/api/v1/attempts/", {"invitation_token": f"guess-{n}"}, content_type="application/json")
        for n in range(31)
    ]

    assert [r.status_code for r in responses[:30]] == [404] * 30
    assert responses[30].status_code == 429
    assert int(responses[30]["Retry-After"]) > 0
    assert responses[30].json()["error"] == "throttled"


@pytest.mark.django_db
def test_events_are_throttled_per_attempt_but_autosave_is_not(client, started, monkeypatch):
    attempt, token = started
    monkeypatch.setattr(AttemptEventsThrottle, "rate", "3/min", raising=False)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    events = [
        client.post(
            f"/api/v1/attempts/{attempt.public_id}/events/",
            {"events": []},
            content_type="application/json",
            **bearer,
        )
        for _ in range(4)
    ]
    item = attempt.items.get(kind="escalation_writeup")
    saves = [
        client.put(
            f"/api/v1/attempts/{attempt.public_id}/items/{item.public_id}/response/",
            {"version": version, "answer": {"packet": f"v{version}"}}, content_type="application/json", **bearer,
        ).status_code
        for version in range(150)
    ]  # fmt: skip

    assert [r.status_code for r in events] == [201, 201, 201, 429]
    assert "Retry-After" in events[3]
    assert saves == [200] * 150


@pytest.mark.django_db
def test_invitations_are_throttled_per_staff_user(client, lead, all_kinds_exercise, monkeypatch):
    from simulator.authentication import InvitationThrottle

    monkeypatch.setattr(InvitationThrottle, "rate", "2/min", raising=False)
    client.force_login(lead)
    body = {"exercise": all_kinds_exercise.pk, "participant_name": "P", "participant_email": "p@example.com"}

    statuses = [
        client.post("/api/v1/invitations/", body, content_type="application/json").status_code
        for _ in range(3)
    ]

    assert statuses == [201, 201, 429]
    assert client.get("/api/v1/invitations/").status_code == 200  # the list is not the throttled call


# Password checks do not stall other requests -------------------------------------------------------------

BURST_SCRIPT = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import json, os, statistics, sys, time

    import django

    django.setup()
    import gevent
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from simulator import services

    call_command("migrate", verbosity=0)
    organisation = services.organisation_create(name="Burst", slug="burst")
    lead = get_user_model().objects.create_user(username="lead", password="lead-password-123")
    services.member_add(organisation=organisation, user=lead, role="lead")
    invitation, link = services.invitation_create(
        exercise=organisation.exercises.get(slug="customer-communication"), participant_name="P",
        participant_email="p@example.com", created_by=lead,
    )
    attempt, token, _ = services.attempt_start(invitation_token=link)
    item = attempt.items.get()
    url = f"/api/v1/attempts/{attempt.public_id}/items/{item.public_id}/response/"
    candidate = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    version = 0

    def autosave_ms(count):
        global version
        timings = []
        for _ in range(count):
            began = time.perf_counter()
            response = candidate.put(url, {"version": version, "answer": {"update": f"v{version}"}}, content_type="application/json")
            assert response.status_code == 200, response.content
            version += 1
            timings.append((time.perf_counter() - began) * 1000)
            gevent.sleep(0.005)
        return timings

    def wrong_logins(n):
        client = Client()
        for attempt_no in range(1):
            response = client.post("/api/v1/auth/token/", {"username": f"nobody-{n}-{attempt_no}", "password": "wrong"}, content_type="application/json")
            assert response.status_code == 400, response.status_code

    baseline = autosave_ms(20)
    began = time.perf_counter()
    burst = [gevent.spawn(wrong_logins, n) for n in range(8)]
    gevent.sleep(0)
    during = []
    while not all(greenlet.dead for greenlet in burst):
        during += autosave_ms(1)
    burst_seconds = time.perf_counter() - began
    gevent.joinall(burst, raise_error=True)
    during = during or [float("inf")]  # not one save while the burst ran: the loop was held
    print(json.dumps({"baseline_p50": statistics.median(baseline), "during_p50": statistics.median(during),
                      "during_p90": statistics.quantiles(during + during, n=10)[-1], "during_max": max(during),
                      "saves_during": len(during), "burst_seconds": burst_seconds, "during": during[:12]}))
    """
)


def test_a_burst_of_wrong_logins_does_not_slow_autosave_under_gevent(tmp_path):
    """Eight concurrent wrong logins in one gevent process, as a gunicorn gevent
    worker runs them, while the same process serves one candidate's autosaves."""
    script = tmp_path / "burst.py"
    script.write_text(BURST_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="simulator.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'burst.sqlite3'}",
        PYTHONPATH=str(PROJECT),
    )

    result = subprocess.run(
        [sys.executable, str(script)], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(figures)
    # The saves ran while the hashes did; with the hasher on the event loop not one does.
    assert figures["saves_during"] >= 10, figures
    assert figures["during_p50"] < figures["baseline_p50"] + 50, figures
    assert figures["during_p90"] < 250, figures


# The database away for a moment -------------------------------------------------------------------


def _database_gone(*args, **kwargs):
    raise OperationalError("connection failed: connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.django_db
def test_autosave_while_the_database_is_away_is_a_503_with_the_error_body(client, started, monkeypatch):
    attempt, access_token = started
    item = attempt.items.get(kind="customer_comms")
    monkeypatch.setattr(services, "response_save_by_token", _database_gone)

    response = client.put(
        f"/api/v1/attempts/{attempt.public_id}/items/{item.public_id}/response/",
        {"version": 0, "answer": {"update": "Still here."}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access_token}",
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json() == {
        "error": "database_unavailable",
        "detail": "the database is unavailable for a moment; try again shortly",
    }


@pytest.mark.django_db
def test_an_api_view_and_a_page_answer_503_while_the_database_is_away(client, started, monkeypatch):
    attempt, access_token = started
    monkeypatch.setattr(services, "attempt_enforce_deadline", _database_gone)

    api = client.get(f"/api/v1/attempts/{attempt.public_id}/", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert api.status_code == 503
    assert api.json()["error"] == "database_unavailable"

    session = client.session
    session[SESSION_TOKENS] = {attempt.public_id: access_token}
    session.save()
    page = client.get(f"/attempt/{attempt.public_id}/")
    assert page.status_code == 503
    assert page["Retry-After"] == "2"
    assert "Traceback" not in page.content.decode() and "Connection refused" not in page.content.decode()


# Who may invite: one rule for the API and the staff page -----------------------------------------


@pytest.fixture
def off_panel_reviewer(organisation, review_exercise):
    user = get_user_model().objects.create_user(username="otto", password="reviewer-password-000")
    services.member_add(organisation=organisation, user=user, role="reviewer")
    services.panel_create(organisation=organisation, name="Platform hiring", reviewers=[user])
    return user


def _invite_by_api(client, user, exercise, email):
    client.force_login(user)
    return client.post(
        "/api/v1/invitations/",
        {"exercise": exercise.pk, "participant_name": "New Person", "participant_email": email},
        content_type="application/json",
    )


def _invite_by_page(client, user, exercise, email):
    client.force_login(user)
    return client.post(
        reverse("staff-invitations"),
        {
            "mode": "one",
            "one-participant_name": "New Person",
            "one-participant_email": email,
            "one-exercise": exercise.pk,
            "one-expires_in_days": 7,
        },
    )


@pytest.mark.django_db
def test_a_reviewer_off_the_exercises_panel_can_invite_neither_by_api_nor_by_page(
    client, off_panel_reviewer, review_exercise
):
    api = _invite_by_api(client, off_panel_reviewer, review_exercise, "api@example.com")
    page = _invite_by_page(client, off_panel_reviewer, review_exercise, "page@example.com")

    assert api.status_code == 403
    assert api.json() == {
        "error": "not_allowed",
        "detail": "only leads and the reviewers on this exercise's panel can invite to it",
    }
    assert page.status_code == 400
    assert review_exercise.title not in page.content.decode()  # not offered either
    assert not Invitation.objects.filter(
        participant__email__in=["api@example.com", "page@example.com"]
    ).exists()
    with pytest.raises(services.NotAllowed):
        services.invitation_create(
            exercise=review_exercise, participant_name="X", participant_email="x@example.com",
            created_by=off_panel_reviewer,
        )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["reviewer", "lead"])
def test_a_panel_reviewer_and_a_lead_invite_by_api_and_by_page(client, who, request, review_exercise):
    user = request.getfixturevalue(who)

    api = _invite_by_api(client, user, review_exercise, "api@example.com")
    page = _invite_by_page(client, user, review_exercise, "page@example.com")

    assert api.status_code == 201
    assert page.status_code == 302
    assert (
        Invitation.objects.filter(
            exercise=review_exercise, participant__email__in=["api@example.com", "page@example.com"]
        ).count()
        == 2
    )


@pytest.mark.django_db
def test_only_a_lead_invites_to_an_exercise_without_a_panel(client, reviewer, lead, all_kinds_exercise):
    assert _invite_by_api(client, reviewer, all_kinds_exercise, "r@example.com").status_code == 403
    assert _invite_by_page(client, reviewer, all_kinds_exercise, "r@example.com").status_code == 400
    assert _invite_by_api(client, lead, all_kinds_exercise, "l@example.com").status_code == 201
