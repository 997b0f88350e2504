"""seed_demo's programme: a trainee a couple of weeks in with scored drills, and their links."""

import io
import json

from django.core.management import call_command
from django.test import Client

from programmes.models import DrillAttempt, Enrolment


def test_seed_demo_makes_a_programme_with_a_trainee_who_has_done_drills(db):
    out = io.StringIO()
    call_command("seed_demo", "--json", "--base-url", "http://demo.test", stdout=out)
    again = io.StringIO()
    call_command("seed_demo", "--json", "--base-url", "http://demo.test", stdout=again)

    summary, second = json.loads(out.getvalue()), json.loads(again.getvalue())
    trainee = Enrolment.objects.get(email="noor.haddad@example.com")
    assert DrillAttempt.objects.filter(enrolment=trainee, attempt__status="scored").count() >= 4
    assert summary["trainee_url"] == second["trainee_url"] and "/programme/" in summary["trainee_url"]
    assert summary["programme_url"].startswith("http://demo.test/staff/programmes/")
    assert not any(i["exercise"].startswith("Drill:") for i in summary["invitations"] + second["invitations"])
    page = Client().get(summary["trainee_url"].removeprefix("http://demo.test"))
    assert page.status_code == 200 and 'data-chart="score-chart"' in page.content.decode()
