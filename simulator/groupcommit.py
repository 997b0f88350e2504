"""Autosave's fast path on PostgreSQL: one prepared statement, alone or for a group of saves.

services.response_save_by_token hands every well-formed save here first. The statement applies a
save only when it is current and open: the token matches the attempt, the attempt is in progress
and before its deadline, the item is the attempt's and the version is the current one. It bumps
the version and keeps the revision (the "answer saved" event). A save it does not apply comes back
as None, and the caller takes the general path (services.response_save), which works out the
precise refusal. So this module decides nothing; it only makes the common case cheap.

Alone (the default): the statement runs on the request's own connection.

Grouped (AUTOSAVE_GROUP_COMMIT, which gunicorn.conf.py turns on for gevent workers): under load
what a save costs is mostly fixed per statement (a round trip, a transaction, its WAL flush), so the
saves of one process go to its committers (AUTOSAVE_COMMITTERS, three by default), each of which
takes every save waiting and runs them in one statement. While they run, the next saves queue for
the next statement. There is no timer: a lone save goes at once, a busy process writes batches as
large as its traffic (about a dozen saves each in the benchmark). Each save is acknowledged only after
the statement holding it committed, so "200" still means "on disk"; should the statement fail, each
of its saves takes the general path, so nothing is lost. When PostgreSQL refuses the data itself (a
data exception, which input checks should have caught), the batch is retried one save at a time, so
the save it refuses is refused alone (Unstorable) and the others of its batch are applied.

Both statements also coalesce revisions (AUTOSAVE_REVISION_SECONDS): the revision a save replaces as
the latest is deleted when it was saved in the same window as the new one and is not the first.
"""

import contextlib
import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime

import orjson
import psycopg
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

MAX_BATCH = 128

# Saves that miss are absent from the result. When two saves of one item meet in a batch on the same
# base version, PostgreSQL updates the row once; the other is absent and the general path gives 409.
BATCH_SQL = """
WITH input AS (
    SELECT * FROM jsonb_to_recordset(%(batch)s::jsonb)
        AS s(ord int, attempt text, token_hash text, item text, version int, answer jsonb, now timestamptz)
), target AS (
    SELECT s.ord, r.id AS response_id, i.id AS item_id, a.id AS attempt_id, a.deadline, s.version, s.answer, s.now
    FROM input s
    JOIN simulator_attempt a ON a.public_id = s.attempt AND a.access_token_hash = s.token_hash
    JOIN simulator_attemptitem i ON i.attempt_id = a.id AND i.public_id = s.item
    JOIN simulator_response r ON r.item_id = i.id
    WHERE a.status = 'in_progress' AND a.deadline > s.now AND r.version = s.version
), saved AS (
    UPDATE simulator_response r SET version = r.version + 1, answer = t.answer, updated_at = t.now
    FROM target t WHERE r.id = t.response_id AND r.version = t.version
    RETURNING t.ord, r.item_id, r.version, t.attempt_id, t.deadline, t.answer, t.now
), revision AS (
    INSERT INTO simulator_responserevision (item_id, version, answer, saved_at)
    SELECT item_id, version, answer, now FROM saved
), coalesced AS (
    DELETE FROM simulator_responserevision old USING saved s
    WHERE old.item_id = s.item_id AND old.version = s.version - 1 AND old.version > 1
      AND old.saved_at >= to_timestamp(floor(extract(epoch FROM s.now) / NULLIF(%(window)s, 0)) * %(window)s)
)
SELECT ord, version, deadline, item_id, attempt_id FROM saved
"""

# The same statement for one save. BATCH_SQL with a batch of one would do, but costs about 40% more
# PostgreSQL CPU (unpacking the document), and without grouping every save is a batch of one.
SINGLE_SQL = """
WITH target AS (
    SELECT r.id AS response_id, i.id AS item_id, a.id AS attempt_id, a.deadline
    FROM simulator_attempt a
    JOIN simulator_attemptitem i ON i.attempt_id = a.id
    JOIN simulator_response r ON r.item_id = i.id
    WHERE a.public_id = %(attempt)s AND a.access_token_hash = %(token_hash)s AND i.public_id = %(item)s
      AND a.status = 'in_progress' AND a.deadline > %(now)s AND r.version = %(version)s
), saved AS (
    UPDATE simulator_response r SET version = r.version + 1, answer = %(answer)s::jsonb, updated_at = %(now)s
    FROM target t WHERE r.id = t.response_id AND r.version = %(version)s
    RETURNING r.item_id, r.version, t.attempt_id, t.deadline
), revision AS (
    INSERT INTO simulator_responserevision (item_id, version, answer, saved_at)
    SELECT item_id, version, %(answer)s::jsonb, %(now)s FROM saved
), coalesced AS (
    DELETE FROM simulator_responserevision old USING saved s
    WHERE old.item_id = s.item_id AND old.version = s.version - 1 AND old.version > 1
      AND old.saved_at >= to_timestamp(floor(extract(epoch FROM %(now)s) / NULLIF(%(window)s, 0)) * %(window)s)
)
SELECT version, deadline, item_id, attempt_id FROM saved
"""


@dataclass(frozen=True)
class Applied:
    version: int
    deadline: datetime
    item_id: int
    attempt_id: int


class Unstorable(Exception):
    """PostgreSQL refused this save's data (a data exception); the message is the database's."""


def revision_window() -> float:
    """Seconds per revision window; 0 keeps every revision."""
    return float(settings.AUTOSAVE_REVISION_SECONDS)


@dataclass
class PendingSave:
    attempt: str
    token_hash: str
    item: str
    version: int
    answer: str  # the answer as JSON text
    now: datetime
    done: threading.Event = field(default_factory=threading.Event)
    result: Applied | None = None
    refused: str = ""  # PostgreSQL's message when it refused this save's data


def available(alias: str = "default") -> bool:
    """The fast path needs PostgreSQL; elsewhere (SQLite) every save takes the general path."""
    return settings.DATABASES[alias]["ENGINE"] == "django.db.backends.postgresql"


def apply(pending: PendingSave, alias: str = "default") -> Applied | None:
    """Apply the save if it is current and open; None sends the caller to the general path.
    Raises Unstorable when PostgreSQL refuses the save's data."""
    if settings.AUTOSAVE_GROUP_COMMIT:
        applied = committer(alias).save(pending)
        if pending.refused:
            raise Unstorable(pending.refused)
        return applied
    return apply_alone(pending, alias)


def apply_alone(pending: PendingSave, alias: str = "default") -> Applied | None:
    connection = connections[alias]
    connection.ensure_connection()
    params = {
        "attempt": pending.attempt,
        "token_hash": pending.token_hash,
        "item": pending.item,
        "now": pending.now,
        "version": pending.version,
        "answer": pending.answer,
        "window": revision_window(),
    }
    # psycopg's own cursor binds on the server, so the statement is prepared once per connection
    # (settings let explicit prepare=True through): planning it costs more than running it.
    try:
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(SINGLE_SQL, params, prepare=True)
            row = cursor.fetchone()
    except psycopg.DataError as error:
        raise Unstorable(_first_line(error)) from None
    return Applied(*row) if row is not None else None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class GroupCommitter:
    """A few committer threads (greenlets under gevent) per process, sharing one queue; started on first
    use, after fork. With more than one, a batch can gather while another is in PostgreSQL."""

    def __init__(self, alias: str = "default", *, committers: int | None = None, max_batch: int = MAX_BATCH):
        self.alias, self.max_batch = alias, max_batch
        self.committers = committers or settings.AUTOSAVE_COMMITTERS
        self._queue: queue.SimpleQueue[PendingSave | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._pid = os.getpid()
        self._local = threading.local()
        self.batches = 0
        self.saves = 0

    def save(self, pending: PendingSave) -> Applied | None:
        self._ensure_running()
        self._queue.put(pending)
        pending.done.wait()
        return pending.result

    def _ensure_running(self) -> None:
        if self._pid == os.getpid() and all(t.is_alive() for t in self._threads) and self._threads:
            return
        with self._lock:
            if self._pid != os.getpid():  # a forked child inherits neither the threads nor the queue
                self._queue = queue.SimpleQueue()
                self._threads = []
                self._pid = os.getpid()
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self.committers:
                thread = threading.Thread(target=self._run, name="autosave-group-commit", daemon=True)
                thread.start()
                self._threads.append(thread)

    def close(self, timeout: float = 10.0) -> None:
        """Stop this process's committers once the saves already queued are done; close their connections."""
        with self._lock:
            threads, self._threads = self._threads, []
            for _ in threads:
                self._queue.put(None)
        for thread in threads:
            thread.join(timeout)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = []
            first = self._queue.get()
            if first is None:
                stopping = True
            else:
                batch.append(first)
            while not stopping and len(batch) < self.max_batch:
                try:
                    pending = self._queue.get_nowait()
                except queue.Empty:
                    break
                if pending is None:
                    stopping = True
                else:
                    batch.append(pending)
            if batch:
                self._commit_or_fall_back(batch)
        self._disconnect()

    def _commit_or_fall_back(self, batch: list[PendingSave]) -> None:
        try:
            self._commit(batch)
        except psycopg.DataError as error:
            # One save's data, not the database, is at fault: find it by applying the saves alone,
            # so the others are not slowed or failed with it.
            if len(batch) == 1:
                batch[0].refused = _first_line(error)
                logger.warning("autosave refused by PostgreSQL: %s", batch[0].refused)
            else:
                for pending in batch:
                    self._commit_or_fall_back([pending])
        except Exception:  # the committer must outlive any one batch
            logger.exception("autosave group commit failed; its %d saves take the general path", len(batch))
            for pending in batch:
                pending.result = None
            self._disconnect()
        finally:
            for pending in batch:
                pending.done.set()

    def _connect(self) -> psycopg.Connection:
        """The committer's own connection, outside any pool: the requests waiting on the committer
        may hold every pooled connection, and it must never wait for one of theirs."""
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            params = connections[self.alias].get_connection_params()
            params.pop("cursor_factory", None)  # psycopg's cursor binds on the server; Django's does not
            connection = self._local.connection = psycopg.connect(**params, autocommit=True)
        return connection

    def _disconnect(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            with contextlib.suppress(psycopg.Error):
                connection.close()
            self._local.connection = None

    def _commit(self, batch: list[PendingSave]) -> None:
        # The whole batch travels as one JSON document, encoded in one call; PostgreSQL unpacks it.
        document = orjson.dumps(
            [
                {"ord": index, "attempt": p.attempt, "token_hash": p.token_hash, "item": p.item,
                 "version": p.version, "answer": orjson.Fragment(p.answer), "now": p.now}
                for index, p in enumerate(batch)
            ]
        )  # fmt: skip
        params = {"batch": document.decode(), "window": revision_window()}
        # One statement in autocommit mode is one transaction: the batch is applied whole or not at all.
        with self._connect().cursor() as cursor:
            cursor.execute(BATCH_SQL, params, prepare=True)
            rows = cursor.fetchall()
        for index, version, deadline, item_id, attempt_id in rows:
            batch[index].result = Applied(version, deadline, item_id, attempt_id)
        self.batches += 1
        self.saves += len(batch)


_committers: dict[str, GroupCommitter] = {}
_committers_lock = threading.Lock()


def committer(alias: str = "default") -> GroupCommitter:
    found = _committers.get(alias)
    if found is None:
        with _committers_lock:
            found = _committers.setdefault(alias, GroupCommitter(alias))
    return found
