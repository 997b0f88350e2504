import requests
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from simulator.models import Organisation, SingleSignOn
from simulator.sso import secret_variable


class Command(BaseCommand):
    help = (
        "Set up (or update) an organisation's OpenID Connect provider for staff sign-in from the provider's "
        "discovery document (<issuer>/.well-known/openid-configuration). The client secret is not an "
        "argument: put it in the environment variable this command names."
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's slug")
        parser.add_argument("--issuer", required=True, help="e.g. https://login.example.com/realms/acme")
        parser.add_argument("--client-id", required=True)
        parser.add_argument(
            "--lead-group", action="append", default=[], help="a provider group of leads (repeat)"
        )
        parser.add_argument(
            "--reviewer-group", action="append", default=[], help="a provider group of reviewers (repeat)"
        )
        parser.add_argument("--groups-claim", default="groups", help="the claim that lists the groups")
        parser.add_argument("--scopes", default="openid email profile")
        parser.add_argument(
            "--secret-env", default="", help="the variable of the client secret (default per slug)"
        )
        parser.add_argument("--disable-local-passwords", action="store_true")
        parser.add_argument("--enable-local-passwords", action="store_true")

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation with the slug {options['organisation']!r}")
        if not options["lead_group"] and not options["reviewer_group"]:
            raise CommandError(
                "name at least one --lead-group or --reviewer-group: without one nobody can sign in"
            )
        issuer = options["issuer"].rstrip("/")
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=10)
            response.raise_for_status()
            discovery = response.json()
        except (requests.RequestException, ValueError) as error:
            raise CommandError(f"could not read {url}: {error}") from None
        if discovery.get("issuer", "").rstrip("/") != issuer:
            raise CommandError(f"{url} names the issuer {discovery.get('issuer')!r}, not {issuer!r}")
        missing = [
            k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not discovery.get(k)
        ]
        if missing:
            raise CommandError(f"{url} has no {', '.join(missing)}")
        algorithms = discovery.get("id_token_signing_alg_values_supported") or ["RS256"]
        values = {
            "enabled": True,
            "issuer": discovery["issuer"],
            "authorization_endpoint": discovery["authorization_endpoint"],
            "token_endpoint": discovery["token_endpoint"],
            "jwks_endpoint": discovery["jwks_uri"],
            "userinfo_endpoint": discovery.get("userinfo_endpoint", ""),
            "client_id": options["client_id"],
            "client_secret_env": options["secret_env"],
            "scopes": options["scopes"],
            "signing_algorithm": "RS256" if "RS256" in algorithms else algorithms[0],
            "groups_claim": options["groups_claim"],
            "lead_groups": "\n".join(options["lead_group"]),
            "reviewer_groups": "\n".join(options["reviewer_group"]),
        }
        with transaction.atomic():
            config = SingleSignOn.objects.filter(organisation=organisation).first() or SingleSignOn(
                organisation=organisation
            )
            for name, value in values.items():
                setattr(config, name, value)
            if options["disable_local_passwords"]:
                config.disable_local_passwords = True
            if options["enable_local_passwords"]:
                config.disable_local_passwords = False
            config.full_clean()
            config.save()
        self.stdout.write(
            f"single sign-on of {organisation.slug}: issuer {config.issuer}, client {config.client_id}; "
            f"put the client secret in the environment variable {secret_variable(config)}; "
            f"local passwords {'off' if config.disable_local_passwords else 'on'}; "
            f"staff sign in at /staff/login/?organisation={organisation.slug}"
        )
