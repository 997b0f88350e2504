"""The trainee's page and the lead's pages: what they show, who reaches them (everyone else gets a
404), the CSV, the forms, and a pinned number of queries whatever the number of attempts or trainees."""

import csv
import io
import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from programmes import services
from programmes.models import Programme
from simulator.views import SESSION_TOKENS


def trainee_url(enrolment) -> str:
    return reverse("programme-trainee", args=[services.trainee_link_token(enrolment.link_secret)])


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The trainee's page ---------------------------------------------------------------------------------


def test_the_trainee_page_shows_stages_due_dates_and_drills(client, enrolment, drills):
    page = client.get(trainee_url(enrolment))

    html = page.content.decode()
    assert page.status_code == 200
    assert "30 days" in html and "60 days" in html and "Triage drill" in html and "Comms drill" in html
    assert "No scored drill yet" in html
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]


def test_an_unknown_trainee_link_is_a_404(client, enrolment):
    assert client.get(reverse("programme-trainee", args=["not-a-token"])).status_code == 404


def test_starting_a_drill_opens_its_workspace_in_this_session(client, enrolment, drills):
    token = services.trainee_link_token(enrolment.link_secret)

    response = client.post(reverse("programme-drill-start", args=[token, drills["comms"].pk]))

    assert response.status_code == 302
    attempt_id = re.search(r"/attempt/([^/]+)/", response["Location"]).group(1)
    assert attempt_id in client.session[SESSION_TOKENS]
    assert client.get(response["Location"]).status_code == 200


def test_a_drill_of_another_organisation_or_outside_the_programme_is_a_404(client, enrolment, outsiders):
    other, _ = outsiders
    token = services.trainee_link_token(enrolment.link_secret)
    foreign = other.exercises.first()
    builtin = enrolment.programme.organisation.exercises.get(slug="incident-drill")

    assert client.post(reverse("programme-drill-start", args=[token, foreign.pk])).status_code == 404
    assert client.post(reverse("programme-drill-start", args=[token, builtin.pk])).status_code == 404
    assert client.get(reverse("programme-drill-start", args=[token, builtin.pk])).status_code == 405


def test_the_chart_and_its_table_show_every_scored_drill(client, enrolment, drills, take_drill):
    take_drill(enrolment, drills["triage"], 0.3)
    take_drill(enrolment, drills["triage"], 1.0)

    html = client.get(trainee_url(enrolment)).content.decode()

    assert 'data-chart="score-chart"' in html and 'role="img"' in html
    assert html.count('data-series="troubleshooting"') == 1
    assert "Score per dimension, drill by drill as a table" in html
    assert "#1 " in html and "#2 " in html
    assert 'data-chart="time-chart"' in html and "Minutes to triage" in html
    assert "data-weakest=" in html


def test_the_trainee_page_has_a_pinned_query_count(
    client, enrolment, drills, take_drill, django_assert_num_queries
):
    take_drill(enrolment, drills["triage"], 0.5)
    url = trainee_url(enrolment)
    client.get(url)  # the session row exists from here on

    # session, enrolment, stages, drills, attempts with scorecards, events, revisions
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    take_drill(enrolment, drills["triage"], 0.8)
    take_drill(enrolment, drills["comms"], 0.8)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200


def _feedback_link(html, attempt):
    match = re.search(rf'href="([^"]+)" data-drill-feedback="{attempt.public_id}"', html)
    return match and match.group(1)


def test_each_finished_drill_links_to_its_feedback_from_a_new_browser(enrolment, drills, take_drill, lead):
    from scoring import appeals

    first = take_drill(enrolment, drills["comms"], 0.5)
    second = take_drill(enrolment, drills["comms"], 0.9)
    running = take_drill(enrolment, drills["triage"], submit=False)
    appeal = appeals.appeal_request(attempt=first, dimension="communication", reason="Look again.")
    appeals.appeal_resolve(appeal=appeal, outcome="upheld", note="The update had no time.", resolver=lead)
    trainee = Client()  # the programme link alone, in a browser that never took the drills

    html = trainee.get(trainee_url(enrolment)).content.decode()

    assert _feedback_link(html, running) is None
    link = _feedback_link(html, first)
    assert link and _feedback_link(html, second)
    response = trainee.get(link)
    assert response.status_code == 302 and response["Location"].endswith(f"/attempt/{first.public_id}/")
    page = trainee.get(response["Location"]).content.decode()
    assert 'data-feedback-state="scored"' in page
    assert 'data-appeal-status="upheld"' in page and "The update had no time." in page
    # Only the opened attempt joins the session.
    assert set(trainee.session[SESSION_TOKENS]) == {first.public_id}
    assert trainee.get(f"/attempt/{second.public_id}/").status_code == 404


def test_another_trainees_link_cannot_open_a_drills_feedback(
    client, enrolment, programme, drills, take_drill, lead
):
    attempt = take_drill(enrolment, drills["comms"], 0.5)
    running = take_drill(enrolment, drills["triage"], submit=False)
    other, _ = services.enrolment_create(
        programme=programme, name="Omar Other", email="omar@example.com", start_date=date.today(), enrolled_by=lead
    )  # fmt: skip
    own_token = services.trainee_link_token(enrolment.link_secret)
    other_token = services.trainee_link_token(other.link_secret)

    assert (
        client.get(reverse("programme-drill-feedback", args=[other_token, attempt.public_id])).status_code
        == 404
    )
    assert (
        client.get(reverse("programme-drill-feedback", args=["not-a-token", attempt.public_id])).status_code
        == 404
    )
    assert (
        client.get(reverse("programme-drill-feedback", args=[own_token, "no-such-attempt"])).status_code
        == 404
    )
    assert (
        client.get(reverse("programme-drill-feedback", args=[own_token, running.public_id])).status_code
        == 404
    )
    assert SESSION_TOKENS not in client.session
    assert client.get(f"/attempt/{attempt.public_id}/").status_code == 404
    assert (
        client.get(reverse("programme-drill-feedback", args=[own_token, attempt.public_id])).status_code
        == 302
    )


# The lead's pages -------------------------------------------------------------------------------------


@pytest.fixture
def lead_client(lead):
    return logged_in(lead)


def test_the_lead_sees_every_trainee_with_stage_readiness_and_trend(lead_client, programme, enrolment, lead):
    services.enrolment_create(
        programme=programme,
        name="Abe Early",
        email="abe@example.com",
        start_date=date(2020, 1, 1),
        enrolled_by=lead,
    )

    html = lead_client.get(reverse("staff-programme", args=[programme.pk])).content.decode()

    assert "Tara Trainee" in html and "Abe Early" in html
    assert "Overdue" in html  # Abe started in 2020
    assert "not enough attempts" in html
    assert html.index("Abe Early") < html.index("Tara Trainee")


def test_the_overview_sorts_by_a_column_and_back(lead_client, programme, enrolment, lead):
    services.enrolment_create(
        programme=programme,
        name="Abe Early",
        email="abe@example.com",
        start_date=date(2020, 1, 1),
        enrolled_by=lead,
    )
    url = reverse("staff-programme", args=[programme.pk])

    by_due = lead_client.get(url, {"sort": "due"}).content.decode()
    by_name_desc = lead_client.get(url, {"sort": "-name"}).content.decode()

    assert by_due.index("Abe Early") < by_due.index("Tara Trainee")
    assert by_name_desc.index("Tara Trainee") < by_name_desc.index("Abe Early")
    assert 'aria-sort="descending"' in by_name_desc
    assert lead_client.get(url, {"sort": "nonsense"}).status_code == 200


def test_the_csv_has_every_trainee_and_cannot_run_a_formula(lead_client, programme, lead, enrolment):
    services.enrolment_create(
        programme=programme,
        name="=HYPERLINK(1)",
        email="eve@example.com",
        start_date=date.today(),
        enrolled_by=lead,
    )

    response = lead_client.get(reverse("staff-programme", args=[programme.pk]), {"format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:4] == ["trainee", "email", "start_date", "stage"]
    names = [row[0] for row in rows[1:]]
    assert "'=HYPERLINK(1)" in names and "Tara Trainee" in names


def test_the_lead_enrols_a_trainee_through_the_form(lead_client, programme):
    url = reverse("staff-programme-enrol", args=[programme.pk])

    bad = lead_client.post(url, {"name": "Neo", "email": "nope", "start_date": "2026-01-05"})
    good = lead_client.post(url, {"name": "Neo", "email": "neo@example.com", "start_date": "2026-01-05"})

    assert bad.status_code == 400 and "Enter a valid email address" in bad.content.decode()
    assert good.status_code == 302
    assert programme.enrolments.get(email="neo@example.com").start_date == date(2026, 1, 5)
    again = lead_client.post(url, {"name": "Neo", "email": "neo@example.com", "start_date": "2026-01-05"})
    assert again.status_code == 400 and "already enrolled" in again.content.decode()


def _stage_post(prefix_count: int, stages: list[dict], title="From the form") -> dict:
    """The edit form as a browser posts it: the stages, then empty extra forms showing the rule's defaults."""
    data = {
        "title": title, "description": "",
        "stage-TOTAL_FORMS": str(prefix_count), "stage-INITIAL_FORMS": str(len(stages)),
        "stage-MIN_NUM_FORMS": "0", "stage-MAX_NUM_FORMS": "12",
    }  # fmt: skip
    for index, stage in enumerate(stages):
        for key, value in stage.items():
            data[f"stage-{index}-{key}"] = value
    for index in range(len(stages), prefix_count):
        data.update({f"stage-{index}-min_mean": "3.5", f"stage-{index}-min_each": "2.0",
                     f"stage-{index}-attempts_needed": "2"})  # fmt: skip
    return data


def test_the_new_programme_form_offers_the_30_60_90_template(lead_client, organisation):
    services.drill_library_install(organisation=organisation)

    html = lead_client.get(reverse("staff-programme-new")).content.decode()

    assert (
        "30 days: baseline execution" in html and "60 days" in html and "90 days: problem management" in html
    )
    assert html.count("checked") >= 9  # the template's drills are ticked


def test_the_template_drills_are_installed_by_a_button(lead_client, organisation):
    html = lead_client.get(reverse("staff-programme-new")).content.decode()
    assert "Add the template&#x27;s drills" in html or "Add the template's drills" in html

    assert lead_client.post(reverse("staff-programme-drills-install")).status_code == 302
    assert organisation.exercises.filter(slug__startswith="drill-").count() == 9


def test_the_lead_creates_and_edits_a_programme_through_the_form(lead_client, drills):
    stage = {"title": "First month", "goal": "", "due_days": "30", "drills": [str(drills["comms"].pk)],
             "min_mean": "3.5", "min_each": "2", "attempts_needed": "2"}  # fmt: skip
    created = lead_client.post(reverse("staff-programme-new"), _stage_post(3, [stage]))

    programme = Programme.objects.get(title="From the form")
    assert created.status_code == 302 and programme.stages.get().drills.get() == drills["comms"]

    edit = reverse("staff-programme-edit", args=[programme.pk])
    second = {"title": "Second month", "due_days": "20", "drills": [str(drills["triage"].pk)],
              "min_mean": "3", "min_each": "2", "attempts_needed": "1"}  # fmt: skip
    refused = lead_client.post(edit, _stage_post(2, [stage, second], title="Renamed"))
    assert refused.status_code == 400 and "due days must come after" in refused.content.decode()

    second["due_days"] = "60"
    assert lead_client.post(edit, _stage_post(2, [stage, second], title="Renamed")).status_code == 302
    programme.refresh_from_db()
    assert programme.title == "Renamed" and programme.stages.count() == 2

    stage["DELETE"] = "on"
    assert lead_client.post(edit, _stage_post(2, [stage, second], title="Renamed")).status_code == 302
    assert list(programme.stages.values_list("title", flat=True)) == ["Second month"]


@pytest.mark.parametrize("page", ["list", "new", "detail", "edit", "trainee"])
def test_reviewers_and_other_organisations_get_a_404(page, programme, enrolment, reviewer, outsiders):
    _, users = outsiders
    url = {
        "list": reverse("staff-programmes"),
        "new": reverse("staff-programme-new"),
        "detail": reverse("staff-programme", args=[programme.pk]),
        "edit": reverse("staff-programme-edit", args=[programme.pk]),
        "trainee": reverse("staff-programme-trainee", args=[programme.pk, enrolment.pk]),
    }[page]
    assert logged_in(reviewer).get(url).status_code == 404
    if page not in ("list", "new"):
        assert logged_in(users["lead"]).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_a_trainee_of_another_programme_is_a_404_under_this_one(
    lead_client, programme, enrolment, lead, drills
):
    other = services.programme_create(
        organisation=programme.organisation, title="Other", created_by=lead,
        stages=[services.StageSpec(title="S", due_days=10, drills=[drills["comms"]])],
    )  # fmt: skip

    assert (
        lead_client.get(reverse("staff-programme-trainee", args=[other.pk, enrolment.pk])).status_code == 404
    )
    assert (
        lead_client.get(reverse("staff-programme-trainee", args=[programme.pk, enrolment.pk])).status_code
        == 200
    )


def test_the_staff_nav_links_programmes_for_leads_only(programme, lead, reviewer):
    assert reverse("staff-programmes") in logged_in(lead).get(reverse("staff-attempts")).content.decode()
    assert (
        reverse("staff-programmes") not in logged_in(reviewer).get(reverse("staff-attempts")).content.decode()
    )


def test_the_overview_has_a_pinned_query_count(lead_client, programme, enrolment, lead, drills, take_drill,
                                               django_assert_num_queries):  # fmt: skip
    url = reverse("staff-programme", args=[programme.pk])
    take_drill(enrolment, drills["comms"], 0.5)
    lead_client.get(url)

    # session, user, membership, programme, enrolments, stages, drills, attempts
    with django_assert_num_queries(8):
        lead_client.get(url)
    for number in range(3):
        extra, _ = services.enrolment_create(
            programme=programme, name=f"T{number}", email=f"t{number}@example.com", start_date=date.today(),
            enrolled_by=lead,
        )  # fmt: skip
        take_drill(extra, drills["triage"], 0.5)
    with django_assert_num_queries(8):
        lead_client.get(url)


def test_the_list_and_trainee_pages_have_pinned_query_counts(lead_client, programme, enrolment, drills, take_drill,
                                                            django_assert_num_queries):  # fmt: skip
    take_drill(enrolment, drills["triage"], 0.5)
    trainee = reverse("staff-programme-trainee", args=[programme.pk, enrolment.pk])
    lead_client.get(trainee)
    with django_assert_num_queries(4):
        lead_client.get(reverse("staff-programmes"))
    with django_assert_num_queries(9):
        lead_client.get(trainee)
    take_drill(enrolment, drills["comms"], 0.5)
    with django_assert_num_queries(9):
        lead_client.get(trainee)


def test_the_submitted_drill_leads_back_to_the_programme(client, enrolment, drills):
    from simulator import services as simulator_services
    from simulator.models import Attempt

    token = services.trainee_link_token(enrolment.link_secret)
    workspace = client.post(reverse("programme-drill-start", args=[token, drills["comms"].pk]))["Location"]
    attempt = Attempt.objects.get(public_id=workspace.rstrip("/").rsplit("/", 1)[-1])
    simulator_services.attempt_submit(attempt=attempt, submitted_by="participant")

    html = client.get(workspace).content.decode()

    assert "Back to your programme" in html and reverse("programme-trainee", args=[token]) in html
    assert (
        "Back to your programme"
        not in Client().get(reverse("programme-trainee", args=["x"])).content.decode()
    )


def test_the_readiness_mean_reads_the_same_on_the_overview_the_trainee_pages_and_the_csv(
    lead_client, programme, enrolment, drills, take_drill
):
    take_drill(enrolment, drills["triage"], 0.55)
    take_drill(enrolment, drills["comms"], 0.8)
    take_drill(enrolment, drills["comms"], 0.35)
    url = reverse("staff-programme", args=[programme.pk])

    rows = list(csv.DictReader(io.StringIO(lead_client.get(url, {"format": "csv"}).content.decode())))
    mean = next(row for row in rows if row["trainee"] == "Tara Trainee")["stage_mean"]
    overview = lead_client.get(url).content.decode()
    staff_trainee = lead_client.get(reverse("staff-programme-trainee", args=[programme.pk, enrolment.pk]))
    trainee = Client().get(trainee_url(enrolment)).content.decode()

    assert re.fullmatch(r"\d\.\d\d", mean)
    assert f"mean {mean}</span>" in overview
    assert f'<th scope="row">Mean</th><td class="num">{mean}</td>' in trainee
    assert f'<th scope="row">Mean</th><td class="num">{mean}</td>' in staff_trainee.content.decode()
