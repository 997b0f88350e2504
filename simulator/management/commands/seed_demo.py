import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from simulator import services
from simulator.models import Organisation, Role

DEMO_ORGANISATION = {"name": "Demo Support Org", "slug": "demo"}
DEMO_USERS = {
    "lead": {"username": "lead", "password": "lead-demo-password", "role": Role.LEAD},
    "reviewer": {"username": "reviewer", "password": "reviewer-demo-password", "role": Role.REVIEWER},
}


class Command(BaseCommand):
    help = (
        "Create the demo organisation, a lead and a reviewer with known passwords, the built-in exercises, "
        "and a fresh open invitation per exercise. Safe to run again: people and exercises are reused."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="print the logins and invitation links as JSON"
        )
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the app is served")

    @transaction.atomic
    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(slug=DEMO_ORGANISATION["slug"]).first()
        if organisation is None:
            organisation = services.organisation_create(**DEMO_ORGANISATION)
        users = {}
        for key, spec in DEMO_USERS.items():
            user, _ = get_user_model().objects.get_or_create(username=spec["username"])
            user.is_staff = spec["role"] == Role.LEAD
            user.is_superuser = spec["role"] == Role.LEAD
            user.set_password(spec["password"])
            user.save()
            if not hasattr(user, "membership"):
                services.member_add(organisation=organisation, user=user, role=spec["role"])
            users[key] = user
        invitations = []
        for number, exercise in enumerate(organisation.exercises.order_by("pk"), start=1):
            _, token = services.invitation_create(
                exercise=exercise,
                participant_name=f"Demo Candidate {number}",
                participant_email=f"candidate{number}@example.com",
                created_by=users["lead"],
            )
            url = options["base_url"].rstrip("/") + reverse("take", args=[token])
            invitations.append({"exercise": exercise.title, "token": token, "url": url})
        summary = {
            "lead": {"username": DEMO_USERS["lead"]["username"], "password": DEMO_USERS["lead"]["password"]},
            "reviewer": {
                "username": DEMO_USERS["reviewer"]["username"],
                "password": DEMO_USERS["reviewer"]["password"],
            },
            "invitations": invitations,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        lines = [
            f"Demo organisation ready: {organisation.name}",
            f"  lead login      {summary['lead']['username']} / {summary['lead']['password']}",
            f"  reviewer login  {summary['reviewer']['username']} / {summary['reviewer']['password']}",
            f"  admin           {options['base_url'].rstrip('/')}/admin/   API docs {options['base_url'].rstrip('/')}/api/docs/",
            "  candidate links (one per exercise):",
        ] + [f"    {i['exercise']:<40} {i['url']}" for i in invitations]
        self.stdout.write("\n".join(lines))
