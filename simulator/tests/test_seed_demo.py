"""seed_demo makes leads and reviewers ordinary members; an operator only when asked."""

import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def _seed(*args) -> dict:
    """seed_demo's JSON; without the scored attempts unless a test passes "--with-scored"."""
    out = io.StringIO()
    flags = [a for a in args if a != "--with-scored"]
    if "--with-scored" not in args:
        flags.append("--no-scored-attempts")
    call_command("seed_demo", "--json", *flags, stdout=out)
    return json.loads(out.getvalue())


def test_seed_demo_makes_no_member_staff_or_superuser():
    summary = _seed()
    assert "operator" not in summary
    assert not get_user_model().objects.filter(is_staff=True).exists()
    assert not get_user_model().objects.filter(is_superuser=True).exists()


def test_seed_demo_demotes_a_lead_an_earlier_run_made_superuser():
    _seed()
    get_user_model().objects.filter(username="lead").update(is_staff=True, is_superuser=True)
    _seed()
    lead = get_user_model().objects.get(username="lead")
    assert (lead.is_staff, lead.is_superuser) == (False, False)


def test_seed_demo_makes_an_operator_with_a_generated_password_when_asked():
    first = _seed("--operator", "ops")["operator"]
    operator = get_user_model().objects.get(username="ops")
    assert operator.is_superuser and operator.is_staff and not hasattr(operator, "membership")
    assert len(first["password"]) >= 20 and operator.check_password(first["password"])
    second = _seed("--operator", "ops")["operator"]
    assert second["password"] != first["password"]
    operator.refresh_from_db()
    assert operator.check_password(second["password"])


def test_seed_demo_prints_the_operator_login_and_the_admin():
    out = io.StringIO()
    call_command(
        "seed_demo", "--operator", "ops", "--no-scored-attempts", "--base-url", "http://demo.test", stdout=out
    )
    assert "operator login  ops / " in out.getvalue()
    assert "http://demo.test/admin/" in out.getvalue()
    out = io.StringIO()
    call_command("seed_demo", "--no-scored-attempts", stdout=out)
    assert "/admin/" not in out.getvalue()


def test_seed_demo_refuses_to_make_a_member_an_operator():
    with pytest.raises(CommandError, match="nobody's member"):
        _seed("--operator", "lead")
    assert not get_user_model().objects.filter(is_superuser=True).exists()


def test_seed_demo_gives_the_lead_scored_attempts_of_every_quality_to_review_and_compare():
    from scoring.models import Override, Review, Scorecard

    summary = _seed("--with-scored")
    again = _seed("--with-scored")

    cards = list(Scorecard.objects.filter(exercise__purpose="hiring").order_by("-mean_score"))
    assert summary["scored_attempts"] == again["scored_attempts"] == len(cards) == 6
    assert cards[0].mean_score - cards[-1].mean_score >= 2
    assert {c.recommendation for c in cards} >= {"strong_hire", "strong_no_hire"}
    assert Review.objects.count() == 8 and Override.objects.count() == 2
    assert any(c.needs_review for c in cards)
    assert summary["staff_url"].endswith("/staff/login/")
    assert "/staff/exercises/" in summary["compare_url"]
    assert get_user_model().objects.get(username="reviewer2").panels.exists()


@pytest.mark.django_db(transaction=True)  # the e-mails are sent on commit, as in a real run
def test_seed_demo_sends_no_email_and_says_how_many_it_held_back(settings, capsys, eager):
    from django.core import mail

    from simulator.models import NotificationKind, NotificationSent

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # as on a laptop
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue() + capsys.readouterr().out

    assert "Subject:" not in printed and "Content-Type:" not in printed
    held = re.search(
        r"^  e-mails +(\d+) not sent: they would have gone to the demo's made-up people$", printed, re.M
    )
    assert held, printed
    # The drills' "feedback ready" notices count as handled, so the sweep does not send them later.
    assert (
        int(held.group(1))
        == NotificationSent.objects.filter(kind=NotificationKind.FEEDBACK_READY).count()
        > 0
    )
    assert "lead login      lead / lead-demo-password" in printed and "candidate links" in printed
    assert getattr(mail, "outbox", []) == []
