"""Operators read programmes in the admin; nothing there changes them or shows a trainee's link."""

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse


def test_an_operator_reads_programmes_and_enrolments_without_the_link(programme, enrolment):
    operator = get_user_model().objects.create_superuser(username="ops", password="operator-password-123")
    client = Client()
    client.force_login(operator)

    pages = [
        reverse("admin:programmes_programme_change", args=[programme.pk]),
        reverse("admin:programmes_enrolment_change", args=[enrolment.pk]),
        reverse("admin:programmes_enrolment_changelist"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert enrolment.link_secret not in html and enrolment.token_hash not in html
    assert client.get(reverse("admin:programmes_programme_add")).status_code == 403
    assert "Tara Trainee" in client.get(pages[2]).content.decode()
