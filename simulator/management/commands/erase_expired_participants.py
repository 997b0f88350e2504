from django.core.management.base import BaseCommand, CommandError

from simulator.erasure import participants_erase_expired


class Command(BaseCommand):
    help = (
        "Erase the personal data of participants whose attempts all closed more than "
        "PARTICIPANT_RETENTION_DAYS days ago (Celery beat runs it every six hours)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="instead of PARTICIPANT_RETENTION_DAYS")
        parser.add_argument("--dry-run", action="store_true", help="count who is due, erase nobody")

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is not None and days < 1:
            raise CommandError(f"--days must be at least 1, got {days}")
        self.stdout.write(str(participants_erase_expired(days=days, dry_run=dry_run)))
