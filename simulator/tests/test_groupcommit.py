"""Autosave's fast path on PostgreSQL (simulator/groupcommit.py): alone, grouped, and behind gunicorn.

The committer works on its own connection, so these tests commit their fixtures (transaction=True).
On SQLite there is no fast path: the first test checks every save goes the general way; the others
need PostgreSQL and run in CI's PostgreSQL suite.
"""

import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

import orjson
import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from simulator import groupcommit, services
from simulator.models import Response, ResponseRevision
from simulator.services import token_hash

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the fast path is PostgreSQL's; CI's PostgreSQL suite runs it"
)


def _item(attempt, kind="escalation_writeup"):
    return attempt.items.get(kind=kind)


def _pending(attempt, token, item, version, packet, now=None):
    return groupcommit.PendingSave(
        attempt=attempt.public_id,
        token_hash=token_hash(token),
        item=item.public_id,
        version=version,
        answer=orjson.dumps({"packet": packet}).decode(),
        now=now or timezone.now(),
    )


def _save(attempt, token, item, version, packet):
    return services.response_save_by_token(
        access_token=token, attempt_public_id=attempt.public_id, item_public_id=item.public_id,
        base_version=version, answer={"packet": packet},
    )  # fmt: skip


def _run_batch(pendings, committers=1):
    """Queue every save before the committer starts, so it takes them in one statement."""
    committer = groupcommit.GroupCommitter(committers=committers)
    for pending in pendings:
        committer._queue.put(pending)
    committer._ensure_running()
    try:
        for pending in pendings:
            assert pending.done.wait(10), "the committer never answered"
    finally:
        committer.close()
    return committer


@pytest.fixture
def grouped():
    with override_settings(AUTOSAVE_GROUP_COMMIT=True):
        yield
    groupcommit.committer().close()  # its connections must not outlive the test database


def test_without_postgresql_every_save_takes_the_general_path(started):
    attempt, token = started
    item = _item(attempt)
    assert groupcommit.available() == (connection.vendor == "postgresql")
    assert _save(attempt, token, item, 0, "first").version == 1
    assert Response.objects.get(item=item).answer == {"packet": "first"}


@postgresql_only
def test_saves_queued_together_are_applied_in_one_statement_each_with_its_revision(started, invite):
    attempt, token = started
    others = [services.attempt_start(invitation_token=invite(attempt.exercise, email=f"p{n}@example.com")[1])
              for n in range(3)]  # fmt: skip
    pairs = [(attempt, token)] + [(other, other_token) for other, other_token, _ in others]
    pendings = [_pending(a, t, _item(a), 0, f"draft of {a.public_id}") for a, t in pairs]

    committer = _run_batch(pendings)

    assert committer.batches == 1 and committer.saves == 4
    for (a, _), pending in zip(pairs, pendings, strict=True):
        assert pending.result is not None and pending.result.version == 1
        assert pending.result.deadline == a.deadline
        response = Response.objects.get(item=_item(a))
        assert (response.version, response.answer) == (1, {"packet": f"draft of {a.public_id}"})
        assert list(ResponseRevision.objects.filter(item=_item(a)).values_list("version", flat=True)) == [1]


@postgresql_only
def test_a_batch_applies_only_current_open_saves_and_leaves_the_rest_to_the_general_path(started):
    attempt, token = started
    escalation, comms = _item(attempt), _item(attempt, "customer_comms")
    good = _pending(attempt, token, escalation, 0, "good")
    same_base = _pending(attempt, token, escalation, 0, "second tab")  # the same item, the same base version
    forged = _pending(attempt, "forged", comms, 0, "forged")
    late = _pending(attempt, token, comms, 0, "late", now=attempt.deadline + timedelta(seconds=1))

    _run_batch([good, same_base, forged, late])

    applied = [p for p in (good, same_base) if p.result is not None]
    assert len(applied) == 1, "PostgreSQL updates the row once; the other save is stale"
    assert forged.result is None and late.result is None
    response = Response.objects.get(item=escalation)
    assert response.version == 1 and response.answer == {"packet": json.loads(applied[0].answer)["packet"]}
    assert Response.objects.get(item=comms).version == 0
    assert ResponseRevision.objects.filter(item__attempt=attempt).count() == 1


@postgresql_only
def test_through_the_service_a_grouped_save_answers_like_the_general_path(started, grouped):
    attempt, token = started
    item = _item(attempt)

    def save(version, packet):
        return _save(attempt, token, item, version, packet)

    assert save(0, "one").version == 1
    assert save(1, "two").version == 2
    with pytest.raises(services.StaleVersion) as stale:
        save(1, "from a stale tab")
    assert stale.value.response.version == 2 and stale.value.response.answer == {"packet": "two"}
    assert groupcommit.committer().saves >= 3


@postgresql_only
def test_a_failing_batch_loses_nothing_its_saves_take_the_general_path(started, grouped, monkeypatch, caplog):
    attempt, token = started
    item = _item(attempt)
    monkeypatch.setattr(groupcommit, "BATCH_SQL", "SELECT no_such_column FROM simulator_response")

    with caplog.at_level(logging.ERROR, logger="simulator.groupcommit"):
        saved = _save(attempt, token, item, 0, "kept")

    assert saved.version == 1
    assert Response.objects.get(item=item).answer == {"packet": "kept"}
    assert ResponseRevision.objects.filter(item=item).count() == 1
    assert "take the general path" in caplog.text


@postgresql_only
def test_the_single_statement_is_prepared_once_per_connection(started):
    """Django turns psycopg's prepared statements off; the settings let explicit prepare=True through."""
    attempt, token = started
    item = _item(attempt)
    for version in range(3):
        assert (
            groupcommit.apply_alone(_pending(attempt, token, item, version, f"v{version}")).version
            == version + 1
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any("simulator_responserevision" in statement for statement in statements), statements


@postgresql_only
def test_gunicorn_as_deployed_serves_autosave_with_gevent_workers_and_a_pool(started):
    """gunicorn.conf.py end to end: gevent workers, the pooled connections, the group committer."""
    from benchmarks.autosave import GunicornServer

    attempt, token = started
    item = _item(attempt)
    url = f"/api/v1/attempts/{attempt.public_id}/items/{item.public_id}/response/"

    def request(server, method, path, body=None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{server.port}{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    with GunicornServer(worker_class="gevent", workers=1, threads=1, conn_max_age=0) as server:
        assert request(server, "PUT", url, {"version": 0, "answer": {"packet": "from gevent"}})[:1] == (200,)
        status, body = request(server, "PUT", url, {"version": 0, "answer": {"packet": "stale"}})
        assert status == 409 and body["current_version"] == 1
        status, view = request(server, "GET", f"/api/v1/attempts/{attempt.public_id}/")
        assert status == 200
        saved = next(i for i in view["items"] if i["id"] == item.public_id)
        assert saved["response"]["version"] == 1 and saved["response"]["answer"] == {"packet": "from gevent"}
