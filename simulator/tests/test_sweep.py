"""The periodic sweep: what must happen when nobody asks (a lost deadline task, a lost scoring task,
an expired invitation)."""

import io
import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from simulator import services
from simulator.models import Attempt, AttemptStatus, SubmittedBy

pytestmark = pytest.mark.django_db


@pytest.fixture
def comms(organisation):
    """A one-item exercise: quick to start."""
    return organisation.exercises.get(slug="customer-communication")


def _start(comms, invite, email):
    _, token = invite(comms, email=email)
    attempt, _, _ = services.attempt_start(invitation_token=token)
    return attempt


def test_the_sweep_submits_an_abandoned_attempt_at_its_deadline_with_its_last_saved_work(
    comms, invite, eager, django_capture_on_commit_callbacks
):
    abandoned = _start(comms, invite, "gone@example.com")
    item = abandoned.items.get()
    services.response_save(
        attempt=abandoned, item=item, base_version=0, answer={"update": "Investigating elevated errors."}
    )
    working = _start(comms, invite, "here@example.com")
    after_deadline = abandoned.deadline + timedelta(minutes=30)
    working.deadline = after_deadline + timedelta(hours=1)
    working.save(update_fields=["deadline"])

    with django_capture_on_commit_callbacks(execute=True):  # the scoring queued on submit runs
        result = services.attempts_sweep(now=after_deadline)

    abandoned.refresh_from_db()
    working.refresh_from_db()
    assert result.submitted == 1 and result.failed == 0
    assert abandoned.status == AttemptStatus.SCORED  # submitted, then scored in-process
    assert abandoned.submitted_by == SubmittedBy.DEADLINE
    assert abandoned.submitted_at == abandoned.deadline
    item.response.refresh_from_db()
    assert item.response.answer == {"update": "Investigating elevated errors."}
    assert working.status == AttemptStatus.IN_PROGRESS


def test_the_sweep_queues_scoring_again_only_for_submissions_left_waiting(comms, invite):
    stuck = _start(comms, invite, "stuck@example.com")
    fresh = _start(comms, invite, "fresh@example.com")
    with mock.patch("scoring.tasks.score_attempt.delay"):  # both scoring tasks are lost
        services.attempt_submit(attempt=stuck, submitted_by=SubmittedBy.PARTICIPANT)
        services.attempt_submit(attempt=fresh, submitted_by=SubmittedBy.PARTICIPANT)
    Attempt.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(minutes=20))

    with mock.patch("scoring.tasks.score_attempt.delay") as delay:
        result = services.attempts_sweep()

    assert [call.args for call in delay.call_args_list] == [(stuck.pk,)]
    assert result.scoring_queued == 1


def test_a_queued_score_really_scores_the_waiting_submission(comms, invite, eager):
    stuck = _start(comms, invite, "stuck@example.com")
    with mock.patch("scoring.tasks.score_attempt.delay"):
        services.attempt_submit(attempt=stuck, submitted_by=SubmittedBy.PARTICIPANT)
    assert Attempt.objects.get(pk=stuck.pk).status == AttemptStatus.SUBMITTED

    services.attempts_sweep(now=timezone.now() + services.SCORING_GRACE + timedelta(seconds=1))

    stuck.refresh_from_db()
    assert stuck.status == AttemptStatus.SCORED
    assert stuck.score_sets.count() == 1


def test_one_failing_attempt_is_logged_and_the_sweep_goes_on(comms, invite, eager, caplog):
    first = _start(comms, invite, "first@example.com")
    second = _start(comms, invite, "second@example.com")
    later = max(first.deadline, second.deadline) + timedelta(minutes=1)
    real = services.attempt_enforce_deadline

    def enforce(*, attempt, now=None):
        if attempt.pk == first.pk:
            raise RuntimeError("database hiccup")
        return real(attempt=attempt, now=now)

    with (
        mock.patch.object(services, "attempt_enforce_deadline", side_effect=enforce),
        caplog.at_level(logging.ERROR, logger="simulator.services"),
    ):
        result = services.attempts_sweep(now=later)

    assert (result.submitted, result.failed) == (1, 1)
    assert Attempt.objects.get(pk=first.pk).status == AttemptStatus.IN_PROGRESS  # the next sweep retries
    assert Attempt.objects.get(pk=second.pk).status in (AttemptStatus.SUBMITTED, AttemptStatus.SCORED)
    assert f"could not submit attempt {first.pk}" in caplog.text


def test_the_sweep_expires_unstarted_attempts_too(comms, invite):
    invite(comms, expires_in=timedelta(minutes=5))

    result = services.attempts_sweep(now=timezone.now() + timedelta(minutes=10))

    assert result.expired == 1
    assert Attempt.objects.get().status == AttemptStatus.EXPIRED


def test_the_sweep_runs_as_a_command_and_as_the_beat_task(comms, invite, eager, settings):
    from simulator.celery import app
    from simulator.tasks import sweep_attempts

    invite(comms, expires_in=timedelta(seconds=-1))
    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert out.getvalue().strip() == (
        "expired 1 unstarted attempts, submitted 0 past their deadline, queued scoring again for 0, 0 failed; "
        "sent 0 invitation reminders, 0 feedback-ready e-mails and 0 review digests, 0 not sent"
    )
    with pytest.raises(CommandError, match="--every must be a positive number of seconds, got 0"):
        call_command("sweep", "--every", "0")

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-attempts"]
    assert app.tasks[entry["task"]].name == sweep_attempts.name == "simulator.tasks.sweep_attempts"
    assert entry["schedule"] == 60.0
    assert sweep_attempts.delay().get().startswith("expired 0 unstarted attempts")


def test_the_repeating_sweep_runs_on_schedule_and_stops_when_its_parent_ends(comms, invite):
    """./dev up starts `sweep --every 60 --with-parent` beside the server; when the server ends, the
    sweep is re-parented and must stop rather than linger."""
    clock = {"now": 0.0}
    parents = iter([100] + [100] * 130 + [1] * 10)  # the parent lives for 130 checks, then ends

    def sleep(seconds):
        clock["now"] += seconds

    out = io.StringIO()
    with (
        mock.patch("simulator.management.commands.sweep.os.getppid", side_effect=lambda: next(parents)),
        mock.patch("simulator.management.commands.sweep.time.monotonic", side_effect=lambda: clock["now"]),
        mock.patch("simulator.management.commands.sweep.time.sleep", side_effect=sleep),
    ):
        call_command("sweep", "--every", "60", "--with-parent", stdout=out)

    runs = out.getvalue().strip().splitlines()
    assert len(runs) == 3  # at 0 s, 60 s and 120 s; the parent ended at 130 s
    assert all(run.startswith("expired 0 unstarted attempts") for run in runs)
    assert 130 <= clock["now"] <= 131


def test_with_the_broker_down_an_attempt_still_starts_and_the_sweep_keeps_its_deadline(
    comms, invite, django_capture_on_commit_callbacks, caplog
):
    from kombu.exceptions import OperationalError

    from simulator.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = False  # company scale, with the broker unreachable
    try:
        with (
            mock.patch(
                "simulator.tasks.submit_at_deadline.apply_async", side_effect=OperationalError("refused")
            ),
            django_capture_on_commit_callbacks(execute=True),
            caplog.at_level(logging.ERROR),
        ):
            attempt = _start(comms, invite, "casey@example.com")
    finally:
        app.conf.task_always_eager = before

    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert "refused" in caplog.text  # logged, not raised at the participant
    with mock.patch("scoring.tasks.score_attempt.delay"):
        result = services.attempts_sweep(now=attempt.deadline + timedelta(seconds=1))
    attempt.refresh_from_db()
    assert result.submitted == 1
    assert (attempt.status, attempt.submitted_by) == (AttemptStatus.SUBMITTED, SubmittedBy.DEADLINE)
