"""The audit log page for leads: scoped to the organisation, filtered, paged, exported as CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from simulator import services
from simulator.models import AuditEntry

pytestmark = pytest.mark.django_db


def _entry(organisation, actor, action, target, *, days_ago=0, **after):
    return services.audit_record(
        organisation_id=organisation.pk, actor=actor, action=action, target=target, after=after,
        now=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_a_lead_sees_their_organisations_entries_and_no_other(client, organisation, lead, outsiders):
    other, users = outsiders
    _entry(organisation, lead, "invitation.created", "invitation:1", participant="mine@example.com")
    _entry(other, users["lead"], "invitation.created", "invitation:2", participant="theirs@example.com")
    client.force_login(lead)

    page = _html(client.get(reverse("staff-audit")))

    assert "<code>mine@example.com</code>" in page and "invitation:1" in page
    assert "theirs@example.com" not in page and "invitation:2" not in page
    assert 'href="/staff/audit/"' in page and 'aria-current="page">Audit log' in page


def test_a_reviewer_and_an_anonymous_visitor_cannot_read_it(client, reviewer, organisation, lead):
    _entry(organisation, lead, "invitation.created", "invitation:1")

    anonymous = client.get(reverse("staff-audit"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/staff/login/")
    client.force_login(reviewer)
    assert client.get(reverse("staff-audit")).status_code == 404
    assert client.get(reverse("staff-audit-csv")).status_code == 404
    assert "Audit log" not in _html(client.get(reverse("staff-invitations")))


def test_filters_by_actor_action_object_and_date(client, organisation, lead, reviewer):
    _entry(organisation, lead, "invitation.created", "invitation:11", days_ago=10)
    _entry(organisation, reviewer, "review.submitted", "attempt:AbC123", days_ago=3)
    _entry(organisation, lead, "override.created", "attempt:AbC123", days_ago=1)
    _entry(organisation, None, "participant.erased", "participant:5", days_ago=0)
    client.force_login(lead)
    today = timezone.now().date()

    def targets(**query):
        page = _html(client.get(reverse("staff-audit"), query))
        return [
            action
            for action in ("invitation.created", "review.submitted", "override.created", "participant.erased")
            if f"<code>{action}</code>" in page
        ]

    assert targets() == ["invitation.created", "review.submitted", "override.created", "participant.erased"]
    assert targets(actor=reviewer.pk) == ["review.submitted"]
    assert targets(action="override.created") == ["override.created"]
    assert targets(target="abc123") == ["review.submitted", "override.created"]
    assert targets(date_from=str(today - timedelta(days=4)), date_to=str(today - timedelta(days=1))) == [
        "review.submitted",
        "override.created",
    ]
    # A value that does not parse is dropped, not an error.
    assert len(targets(actor="x", date_from="not-a-date")) == 4


def test_objects_link_to_their_pages_and_the_system_is_named(client, organisation, lead):
    _entry(organisation, None, "participant.erased", "participant:5")
    _entry(organisation, lead, "review.submitted", "attempt:AbC123")
    client.force_login(lead)

    page = _html(client.get(reverse("staff-audit")))

    assert 'href="/staff/participants/5/"' in page
    assert 'href="/staff/attempts/AbC123/"' in page
    assert "<td>system</td>" in page


def test_values_are_escaped_on_the_page(client, organisation, lead):
    _entry(organisation, lead, "override.created", "attempt:x", justification="<script>alert(1)</script>")
    client.force_login(lead)

    page = _html(client.get(reverse("staff-audit")))

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_page_is_paginated(client, organisation, lead):
    for n in range(55):
        _entry(organisation, lead, "invitation.created", f"invitation:{n}")
    client.force_login(lead)

    first = _html(client.get(reverse("staff-audit")))
    second = _html(client.get(reverse("staff-audit"), {"page": 2}))

    assert "1–50 of 55" in first and "invitation:54<" in first and "invitation:4<" not in first
    assert "51–55 of 55" in second and "invitation:4<" in second


def test_the_csv_holds_the_filtered_entries_formula_safe_and_the_export_is_logged(client, organisation, lead):
    _entry(organisation, lead, "override.created", "attempt:x", justification='=HYPERLINK("http://evil")')
    _entry(organisation, lead, "invitation.created", "invitation:1")
    client.force_login(lead)

    response = client.get(reverse("staff-audit-csv"), {"action": "override.created"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["at", "who", "action", "object", "before", "after"]
    assert [row[2] for row in rows[1:]] == ["override.created"]
    assert rows[1][1] == "lena"
    assert "=HYPERLINK" in rows[1][5] and not rows[1][5].startswith("=")
    exported = AuditEntry.objects.get(action="audit.exported")
    assert exported.actor == lead and exported.after == {"query": "action=override.created"}


def test_a_cell_that_starts_like_a_formula_gets_a_leading_quote(client, organisation, lead):
    _entry(organisation, lead, "=cmd|' /C calc'!A0", "+attempt:x")
    client.force_login(lead)

    rows = list(
        csv.reader(io.StringIO(b"".join(client.get(reverse("staff-audit-csv")).streaming_content).decode()))
    )

    # The export's own entry comes first: it is the newest.
    assert rows[1][2] == "audit.exported"
    assert rows[2][2] == "'=cmd|' /C calc'!A0" and rows[2][3] == "'+attempt:x"


def test_the_page_runs_the_same_queries_for_three_entries_or_forty(
    client, organisation, lead, reviewer, django_assert_num_queries
):
    for n in range(3):
        _entry(organisation, reviewer if n % 2 else lead, f"action.{n}", f"attempt:{n}")
    client.force_login(lead)
    url = reverse("staff-audit")
    client.get(url)
    expected = 7  # session, user, membership, actors, actions, count, rows (with their actor)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200

    for n in range(40):
        _entry(organisation, reviewer if n % 2 else lead, f"other.{n % 5}", f"invitation:{n}")
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
