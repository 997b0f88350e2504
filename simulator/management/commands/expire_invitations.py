from django.core.management.base import BaseCommand

from simulator.services import attempts_expire_unstarted


class Command(BaseCommand):
    help = "Move attempts whose invitation expired before they started to `expired` (run it from cron)."

    def handle(self, *args, **options):
        self.stdout.write(f"expired {attempts_expire_unstarted()} unstarted attempts")
