"""Test-wide setup: shared fixtures, which tests need a real Celery worker, and the worker itself."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent

pytest_plugins = ["simulator.tests.fixtures"]


def pytest_collection_modifyitems(config, items):
    """Worker tests run only when a broker is configured (the company-scale run of .ci/run); fault
    tests only when FAULT_TESTS=1 (.ci/run's fault step: they start their own Redis and workers);
    with DATABASE_TESTS_ONLY=1, only the tests that can reach the database."""
    faults = os.environ.get("FAULT_TESTS") == "1"
    broker = bool(os.environ.get("CELERY_BROKER_URL"))
    database_only = os.environ.get("DATABASE_TESTS_ONLY") == "1"

    def wanted(item) -> bool:
        if "fault" in item.keywords:
            return faults
        if database_only and not _touches_the_database(item):
            return False
        return broker or "worker" not in item.keywords

    selected = [item for item in items if wanted(item)]
    deselected = [item for item in items if not wanted(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


def _touches_the_database(item) -> bool:
    """Whether a test can reach the database: pytest-django blocks every other test's queries, so a
    test without its marker or a database fixture runs the same on SQLite and PostgreSQL, and the
    PostgreSQL run of .ci/run (DATABASE_TESTS_ONLY=1) leaves it to the SQLite run."""
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Django's PBKDF2 at its production work factor takes about a third of a second a hash, and the
    tests make and check hundreds of passwords; they use a fast hasher, as Django advises for tests.
    The production hasher (simulator/hashers.py, run off the event loop) is tested where it matters
    in a subprocess with the real settings (tests/test_hardening_access.py)."""
    from django.conf import settings
    from django.test import override_settings

    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    ):
        yield


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Throttle counters live in the cache; every test starts with none, whatever ran before it."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _reproducible_seed_secrets(monkeypatch):
    """Every organisation gets a random seed secret in production; in tests they are distinct but
    the same from run to run, so a failure that depends on the generated scenarios reproduces."""
    import hashlib
    import itertools

    from simulator.models import Organisation

    numbers = itertools.count()
    field = Organisation._meta.get_field("seed_secret")
    monkeypatch.setattr(
        field,
        "_get_default",
        lambda: hashlib.sha256(f"test-organisation-{next(numbers)}".encode()).hexdigest(),
    )
    yield


@pytest.fixture
def celery_worker_process(transactional_db, _celery_worker):
    """The session's real Celery worker, for one test. After the test, the worker's running tasks
    are let finish and its queue emptied before the test database is flushed: a task still writing
    while the flush truncates the tables deadlocks it, and leaves the next test a database that is
    not empty."""
    yield _celery_worker
    from simulator.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        active = app.control.inspect(timeout=1.0).active() or {}
        if not any(active.values()):
            break
        time.sleep(0.2)
    app.control.purge()


@pytest.fixture(scope="session")
def _celery_worker(django_db_setup, django_db_blocker):
    """A real `celery worker` in its own processes, pointed at the test database."""
    from django.db import connection

    from simulator.celery import app

    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        pytest.fail("worker tests need PostgreSQL: set DATABASE_URL as well as CELERY_BROKER_URL")
    database_url = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    app.control.purge()
    env = {**os.environ, "DATABASE_URL": database_url}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "simulator", "worker", "--concurrency=2", "--loglevel=WARNING",
         "-n", f"tests-{os.getpid()}@%h"],
        cwd=PROJECT,
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1.0):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start (exit code {worker.poll()})")
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
