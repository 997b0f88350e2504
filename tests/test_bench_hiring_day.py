"""The hiring-day benchmark's check: saves made through the service with chosen clocks are found
whole, and each way a save can go wrong (lost, applied twice, a revision missing, kept against the
coalescing rule, holding another answer, applied though answered with an error) is reported."""

import math
import time
from datetime import UTC, datetime

import pytest

from benchmarks.hiring_day import Save, StoredItem, Verdict, answer_digest, check_item, stored_items
from simulator import services
from simulator.models import Response, ResponseRevision

pytestmark = pytest.mark.django_db

WINDOW = 5.0
# Seconds after a window boundary: three saves in the first window, two in the next, two in the third.
OFFSETS = (0.5, 1.5, 2.5, 6.0, 7.0, 11.0, 11.5)


@pytest.fixture
def saved(started, settings):
    """An item saved seven times through the service: (item, attempt pk, the client's saves)."""
    settings.AUTOSAVE_REVISION_SECONDS = WINDOW
    attempt, _ = started
    item = attempt.items.get(kind="escalation_writeup")
    start = (math.floor(time.time() / WINDOW) + 1) * WINDOW
    saves = []
    for version, offset in enumerate(OFFSETS, start=1):
        answer = {
            "packet": f"Checkout 502s since the deploy (draft {version})",
            "severity": "SEV2",
            "route": "L2",
        }
        moment = start + offset
        services.response_save(
            attempt=attempt,
            item=item,
            base_version=version - 1,
            answer=answer,
            now=datetime.fromtimestamp(moment, tz=UTC),
        )
        saves.append(Save(version, moment - 0.01, moment + 0.01, answer_digest(answer)))
    return item, attempt.pk, saves


def _check(item, attempt_id, saves):
    stored, _ = stored_items([attempt_id])[item.public_id]
    return stored, check_item(saves, stored, WINDOW)


def test_what_the_service_stored_passes_and_keeps_what_the_coalescing_rule_keeps(saved):
    item, attempt_id, saves = saved

    stored, problems = _check(item, attempt_id, saves)

    assert problems == []
    # The first, the last of each window, and the latest.
    assert [r.version for r in stored.revisions] == [1, 3, 5, 7]
    verdict = Verdict()
    verdict.add("item", saves, stored, WINDOW)
    assert verdict.ok and (verdict.saves, verdict.revisions) == (7, 4)


def test_a_save_acknowledged_but_not_stored_is_lost(saved):
    item, attempt_id, saves = saved
    extra = Save(8, saves[-1].received + 0.5, saves[-1].received + 0.6, answer_digest({"packet": "draft 8"}))

    _, problems = _check(item, attempt_id, [*saves, extra])

    # Revision 7 should have gone too: save 8 was acknowledged in its window.
    assert problems == [
        ("lost", "version 7 stored, 8 acknowledged"),
        ("misplaced", "revision 7 was kept in a window with a later one"),
        ("lost", "revision 8 is missing"),
    ]


def test_an_acknowledged_answer_overwritten_in_place_is_lost(saved):
    item, attempt_id, saves = saved
    Response.objects.filter(item=item).update(answer={"packet": "someone else's words"})

    _, problems = _check(item, attempt_id, saves)

    assert problems == [("lost", "the stored answer is not the last one acknowledged")]


def test_a_version_acknowledged_twice_or_an_answer_applied_twice_is_duplicated(saved):
    item, attempt_id, saves = saved

    _, twice = _check(item, attempt_id, [*saves[:3], saves[2], *saves[3:]])
    Response.objects.filter(item=item).update(version=8)
    _, again = _check(item, attempt_id, saves)

    assert ("duplicated", "versions [3] acknowledged more than once") in twice
    assert again == [("duplicated", "the last answer acknowledged is stored again as version 8")]


def test_a_save_applied_though_every_try_answered_with_an_error_is_reported(saved):
    item, attempt_id, saves = saved
    Response.objects.filter(item=item).update(version=8, answer={"packet": "a save answered 500"})

    _, problems = _check(item, attempt_id, saves)

    assert problems == [("unacknowledged", "version 8 stored, only 7 acknowledged")]


def test_a_missing_revision_is_lost_and_one_kept_against_the_rule_or_holding_another_answer_is_misplaced(
    saved,
):
    item, attempt_id, saves = saved
    ResponseRevision.objects.filter(item=item, version=5).delete()
    sixth = datetime.fromtimestamp((saves[5].sent + saves[5].received) / 2, tz=UTC)
    ResponseRevision.objects.create(item=item, version=6, answer={"x": 1}, saved_at=sixth)
    ResponseRevision.objects.filter(item=item, version=3).update(
        saved_at=datetime.fromtimestamp(saves[2].received + 1, tz=UTC)
    )

    _, problems = _check(item, attempt_id, saves)

    assert ("lost", "revision 5 is missing") in problems
    assert ("misplaced", "revision 6 was kept in a window with a later one") in problems
    assert ("misplaced", "revision 6 holds another answer than was sent") in problems
    assert any(
        kind == "misplaced" and message.startswith("revision 3 saved at") for kind, message in problems
    )
    assert len(problems) == 4, problems


def test_when_a_request_straddles_a_window_boundary_either_outcome_is_right():
    digest = answer_digest({"a": 1})
    # Save 2 may have been applied just before or just after 10.0; save 3 came after it in window 2.
    saves = [Save(1, 1.0, 1.1, digest), Save(2, 9.9, 10.1, digest), Save(3, 10.5, 10.6, digest)]
    kept = StoredItem(3, digest, tuple(_revision(v, t) for v, t in ((1, 1.05), (2, 9.95), (3, 10.55))))
    coalesced = StoredItem(3, digest, tuple(_revision(v, t) for v, t in ((1, 1.05), (3, 10.55))))

    assert check_item(saves, kept, 10.0) == []
    assert check_item(saves, coalesced, 10.0) == []
    # With no window every revision stays.
    assert check_item(saves, coalesced, 0) == [("lost", "revision 2 is missing")]


def _revision(version, saved_at):
    from benchmarks.hiring_day import Revision

    return Revision(version, saved_at, answer_digest({"a": 1}))
