"""The programmes API: scope (leads of the organisation; a reviewer's lists are empty, anything
else a 404), the bodies, limit/offset pages with a clear 400, pinned query counts, and the schema."""

from datetime import date

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from programmes import services


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_a_lead_lists_and_reads_programmes_with_stages_and_rules(lead, programme, drills):
    client = token_client(lead)

    page = client.get("/api/v1/programmes/").json()
    body = client.get(f"/api/v1/programmes/{programme.pk}/").json()

    assert page["count"] == 1 and page["results"][0]["title"] == "Onboarding"
    assert [s["due_days"] for s in body["stages"]] == [30, 60]
    first = body["stages"][0]
    assert {d["slug"] for d in first["drills"]} == {"t-triage", "t-comms"}
    assert first["rule"]["min_mean"] == 3.5 and first["rule"]["attempts"] == 2
    assert "communication" in first["rule"]["dimensions"]


def test_enrolments_show_stage_readiness_and_trend(lead, programme, enrolment, drills, take_drill):
    take_drill(enrolment, drills["comms"], 0.2)
    take_drill(enrolment, drills["comms"], 1.0)
    client = token_client(lead)

    rows = client.get(f"/api/v1/programmes/{programme.pk}/enrolments/").json()["results"]
    detail = client.get(f"/api/v1/enrolments/{enrolment.pk}/").json()

    assert rows[0]["name"] == "Tara Trainee" and rows[0]["current_stage"] == "30 days"
    assert rows[0]["scored_drills"] == 2 and rows[0]["trend"] > 0 and rows[0]["trend_word"] == "improving"
    assert detail["stages"][0]["readiness"]["counts"]["communication"] == 2
    assert (
        "too few scored attempts on Troubleshooting methodology"
        in detail["stages"][0]["readiness"]["reasons"][0]
    )
    assert [s["due_date"] for s in detail["stages"]] == [
        date.fromordinal(enrolment.start_date.toordinal() + d).isoformat() for d in (30, 60)
    ]
    assert len(detail["scored"]) == 2


def test_a_reviewer_gets_an_empty_list_and_a_404(reviewer, programme, enrolment):
    client = token_client(reviewer)

    assert client.get("/api/v1/programmes/").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    for path in (f"/api/v1/programmes/{programme.pk}/", f"/api/v1/programmes/{programme.pk}/enrolments/",
                 f"/api/v1/enrolments/{enrolment.pk}/"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"] == "not_found"


@pytest.mark.parametrize("role", ["lead", "reviewer"])
def test_another_organisations_staff_see_nothing(role, outsiders, programme, enrolment):
    _, users = outsiders
    client = token_client(users[role])

    assert client.get("/api/v1/programmes/").json()["count"] == 0
    assert client.get(f"/api/v1/programmes/{programme.pk}/").status_code == 404
    assert client.get(f"/api/v1/enrolments/{enrolment.pk}/").status_code == 404


def test_anonymous_callers_are_refused(programme):
    assert APIClient().get("/api/v1/programmes/").status_code == 401


def test_a_bad_page_is_a_400_that_names_the_field(lead, programme):
    response = token_client(lead).get("/api/v1/programmes/", {"limit": "0"})

    assert response.status_code == 400 and response.json()["error"] == "invalid"
    assert "limit" in response.json()["fields"]


def test_enrolment_pages_follow_limit_and_offset(lead, programme):
    for name in ("Ann", "Ben", "Cy"):
        services.enrolment_create(
            programme=programme, name=name, email=f"{name.lower()}@example.com", start_date=date.today(),
            enrolled_by=lead,
        )  # fmt: skip

    page = (
        token_client(lead)
        .get(f"/api/v1/programmes/{programme.pk}/enrolments/", {"limit": 2, "offset": 1})
        .json()
    )

    assert page["count"] == 3 and [r["name"] for r in page["results"]] == ["Ben", "Cy"]
    assert page["previous"] and page["next"] is None


def test_the_list_endpoints_have_pinned_query_counts(lead, organisation, programme, enrolment, drills, take_drill,
                                                      django_assert_num_queries):  # fmt: skip
    client = token_client(lead)
    take_drill(enrolment, drills["comms"], 0.5)

    # token and user, membership, count, page
    with django_assert_num_queries(4):
        client.get("/api/v1/programmes/")
    # token and user, membership, programme, count, enrolments, stages, drills, attempts
    with django_assert_num_queries(8):
        client.get(f"/api/v1/programmes/{programme.pk}/enrolments/")
    for number in range(3):
        extra, _ = services.enrolment_create(
            programme=programme, name=f"T{number}", email=f"t{number}@example.com", start_date=date.today(),
            enrolled_by=lead,
        )  # fmt: skip
        take_drill(extra, drills["comms"], 0.5)
        services.programme_create(
            organisation=organisation, title=f"P{number}", created_by=lead,
            stages=[services.StageSpec(title="S", due_days=10, drills=[drills["comms"]])],
        )  # fmt: skip
    with django_assert_num_queries(4):
        assert client.get("/api/v1/programmes/").json()["count"] == 4
    with django_assert_num_queries(8):
        assert client.get(f"/api/v1/programmes/{programme.pk}/enrolments/").json()["count"] == 4


def test_the_detail_endpoints_have_pinned_query_counts(lead, programme, enrolment, drills, take_drill,
                                                        django_assert_num_queries):  # fmt: skip
    client = token_client(lead)
    take_drill(enrolment, drills["triage"], 0.5)
    with django_assert_num_queries(5):
        client.get(f"/api/v1/programmes/{programme.pk}/")
    # token and user, membership, enrolment, stages, drills, attempts, events, revisions
    with django_assert_num_queries(8):
        client.get(f"/api/v1/enrolments/{enrolment.pk}/")
    take_drill(enrolment, drills["triage"], 0.5)
    with django_assert_num_queries(8):
        client.get(f"/api/v1/enrolments/{enrolment.pk}/")


def test_the_openapi_schema_documents_the_programme_endpoints(client):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    for path in ("/api/v1/programmes/", "/api/v1/programmes/{programme_id}/",
                 "/api/v1/programmes/{programme_id}/enrolments/", "/api/v1/enrolments/{enrolment_id}/"):  # fmt: skip
        assert "get" in paths[path]
