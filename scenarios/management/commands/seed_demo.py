import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from scenarios import services
from scenarios.catalog import archetype_ids
from scenarios.generation import KINDS

DEMO_LEAD = {"username": "lead", "password": "lead-demo-password"}
DEMO_SEED = 2026


class Command(BaseCommand):
    help = "Create demo data: a staff login and one generated scenario of every kind. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print what was created as JSON")

    @transaction.atomic
    def handle(self, *args, **options):
        user_model = get_user_model()
        lead, _ = user_model.objects.get_or_create(username=DEMO_LEAD["username"])
        lead.is_staff = lead.is_superuser = True
        lead.set_password(DEMO_LEAD["password"])
        lead.save()
        archetypes = archetype_ids()
        scenarios = [
            services.scenario_generate(
                kind=kind, archetype=archetypes[i % len(archetypes)], seed=DEMO_SEED, difficulty="medium"
            )
            for i, kind in enumerate(KINDS)
        ]
        summary = {
            "lead": DEMO_LEAD,
            "scenarios": [{"reference": s.reference, "title": s.title} for s in scenarios],
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        self.stdout.write(
            f"Demo ready. Admin: http://127.0.0.1:8000/admin/  login {DEMO_LEAD['username']} / {DEMO_LEAD['password']}\n"
            f"API schema: http://127.0.0.1:8000/api/docs/\n"
            + "\n".join(f"  {s.reference}  {s.title}" for s in scenarios)
        )
