import json
import secrets

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse

from programmes import demo as programme_demo
from simulator import demo, services
from simulator.models import Organisation, Role

# The demo's secret is public on purpose: its scenarios look the same on every machine, so the demo
# (and its scored attempts) can be described and tested. A real organisation's secret is random.
DEMO_ORGANISATION = {"name": "Demo Support Org", "slug": "demo", "seed_secret": "demo-content-is-public-2"}
DEMO_USERS = {
    "lead": {"username": "lead", "password": "lead-demo-password", "role": Role.LEAD},
    "reviewer": {"username": "reviewer", "password": "reviewer-demo-password", "role": Role.REVIEWER},
    "reviewer2": {"username": "reviewer2", "password": "reviewer2-demo-password", "role": Role.REVIEWER},
}
DEMO_PANEL = "Support hiring panel"


class Command(BaseCommand):
    help = (
        "Create the demo organisation, a lead and a reviewer with known passwords, the built-in exercises, "
        "and a fresh open invitation per exercise. Safe to run again: people and exercises are reused. "
        "Leads and reviewers are ordinary users; /admin/ is for an operator, made only with --operator."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="print the logins and invitation links as JSON"
        )
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the app is served")
        parser.add_argument(
            "--no-scored-attempts",
            action="store_true",
            help="skip the demo hiring loop's six scored attempts (they take a few seconds to generate and score)",
        )
        parser.add_argument(
            "--operator",
            metavar="USERNAME",
            help="also create (or reset the password of) an operator: a superuser for /admin/, in no "
            "organisation; prints a generated password",
        )

    def handle(self, *args, **options):
        # Seeding invites made-up people and scores their drills, which would e-mail them: with the
        # console backend every message would be printed in full over the logins and links. They are
        # kept in memory while seeding (the tasks that send them run on commit, so the transaction
        # ends inside) and only counted.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            outbox = getattr(mail, "outbox", [])
            before = len(outbox)
            summary = self._seed(options)
            outbox = getattr(mail, "outbox", [])
            held = len(outbox) - before
            del outbox[before:]
        summary["emails_not_sent"] = held
        self._print(summary, options)

    @transaction.atomic
    def _seed(self, options) -> dict:
        organisation = Organisation.objects.filter(slug=DEMO_ORGANISATION["slug"]).first()
        if organisation is None:
            organisation = services.organisation_create(**DEMO_ORGANISATION)
        users = {}
        for key, spec in DEMO_USERS.items():
            user, _ = get_user_model().objects.get_or_create(username=spec["username"])
            # Members work in the staff pages, never the admin (it is not scoped to an organisation);
            # this also demotes the leads that earlier versions of this command made superusers.
            user.is_staff = False
            user.is_superuser = False
            user.set_password(spec["password"])
            user.email = user.email or f"{spec['username']}@demo.example"  # for the reviewers' digest
            user.save()
            if not hasattr(user, "membership"):
                services.member_add(organisation=organisation, user=user, role=spec["role"])
            users[key] = user
        panel = organisation.panels.filter(name=DEMO_PANEL).first() or services.panel_create(
            organisation=organisation, name=DEMO_PANEL, reviewers=[users["reviewer"], users["reviewer2"]]
        )
        organisation.exercises.filter(purpose="hiring", panel__isnull=True).update(panel=panel)
        loop = demo.demo_exercise(organisation=organisation, panel=panel)
        scored = []
        if not options["no_scored_attempts"]:
            scored = demo.demo_scored_attempts(exercise=loop, lead=users["lead"])
            reviewers = [users["reviewer"], users["reviewer2"]]
            demo.demo_reviews(attempts=scored, reviewers=reviewers, lead=users["lead"])
        invitations = []
        candidate_exercises = organisation.exercises.exclude(pk=loop.pk).exclude(
            slug__in=programme_demo.drill_slugs()
        )
        for number, exercise in enumerate(candidate_exercises.order_by("pk"), start=1):
            _, token = services.invitation_create(
                exercise=exercise,
                participant_name=f"Demo Candidate {number}",
                participant_email=f"candidate{number}@example.com",
                created_by=users["lead"],
            )
            url = options["base_url"].rstrip("/") + reverse("take", args=[token])
            invitations.append({"exercise": exercise.title, "token": token, "url": url})
        programme, _, trainee_token = programme_demo.demo_programme(
            organisation=organisation, lead=users["lead"], with_drills=not options["no_scored_attempts"]
        )
        from integrations.demo import demo_partner_api_key

        summary = {
            "partner_api_key": demo_partner_api_key(organisation=organisation, lead=users["lead"]),
            "lead": {"username": DEMO_USERS["lead"]["username"], "password": DEMO_USERS["lead"]["password"]},
            "reviewer": {
                "username": DEMO_USERS["reviewer"]["username"],
                "password": DEMO_USERS["reviewer"]["password"],
            },
            "reviewer2": {
                "username": DEMO_USERS["reviewer2"]["username"],
                "password": DEMO_USERS["reviewer2"]["password"],
            },
            "staff_url": options["base_url"].rstrip("/") + reverse("staff-login"),
            "compare_url": options["base_url"].rstrip("/") + reverse("staff-compare", args=[loop.pk]),
            "scored_attempts": len(scored),
            "programme_url": options["base_url"].rstrip("/")
            + reverse("staff-programme", args=[programme.pk]),
            "trainee_url": options["base_url"].rstrip("/")
            + reverse("programme-trainee", args=[trainee_token]),
            "invitations": invitations,
        }
        if options["operator"]:
            summary["operator"] = _operator_with_new_password(options["operator"])
        summary["organisation"] = organisation.name
        return summary

    def _print(self, summary: dict, options) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        scored = summary["scored_attempts"]
        lines = [
            f"Demo organisation ready: {summary['organisation']}",
            f"  lead login      {summary['lead']['username']} / {summary['lead']['password']}",
            f"  reviewer login  {summary['reviewer']['username']} / {summary['reviewer']['password']}",
            f"  reviewer login  {summary['reviewer2']['username']} / {summary['reviewer2']['password']}",
            f"  staff pages     {summary['staff_url']}",
            f"  comparison      {summary['compare_url']}  ({scored} scored attempts to review)",
            f"  programme       {summary['programme_url']}  (the lead's overview of the trainees)",
            f"  trainee's page  {summary['trainee_url']}",
            f"  API docs        {options['base_url'].rstrip('/')}/api/docs/",
            f"  partner API key {summary['partner_api_key']}   (HTTP Basic user name, e.g. "
            f"curl -u {summary['partner_api_key']}: {options['base_url'].rstrip('/')}/integrations/greenhouse/list_tests)",
        ]
        if "operator" in summary:
            lines.append(
                f"  operator login  {summary['operator']['username']} / {summary['operator']['password']}"
                f"   admin {options['base_url'].rstrip('/')}/admin/"
            )
        held = summary["emails_not_sent"]
        lines.append(f"  e-mails         {held} not sent: they would have gone to the demo's made-up people")
        lines += ["  candidate links (one per exercise):"] + [
            f"    {i['exercise']:<40} {i['url']}" for i in summary["invitations"]
        ]
        self.stdout.write("\n".join(lines))


def _operator_with_new_password(username: str) -> dict:
    """A superuser for /admin/ with a fresh random password, shown this once."""
    user, _ = get_user_model().objects.get_or_create(username=username)
    if hasattr(user, "membership"):
        raise CommandError(
            f"{username} is a member of {user.membership.organisation}; an operator is nobody's member"
        )
    password = secrets.token_urlsafe(18)
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(password)
    user.save()
    return {"username": username, "password": password}
