import os
import time

from django.core.management.base import BaseCommand, CommandError

from simulator.notifications import notifications_sweep
from simulator.services import attempts_sweep


class Command(BaseCommand):
    help = (
        "Expire unstarted attempts, submit attempts past their deadline and queue scoring again for "
        "submissions left unscored, and send the e-mails that are due (invitation reminders, feedback "
        "ready, and the reviewers' digest during REVIEW_DIGEST_HOUR): once, or every --every seconds "
        "(where no Celery beat runs it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=None, help="repeat every this many seconds")
        parser.add_argument(
            "--with-parent",
            action="store_true",
            help="with --every: stop when the process that started this one ends (./dev up uses it)",
        )

    def handle(self, *args, every=None, with_parent=False, **options):
        if every is not None and every <= 0:
            raise CommandError(f"--every must be a positive number of seconds, got {every:g}")
        parent = os.getppid()
        while True:
            self.stdout.write(f"{attempts_sweep()}; {notifications_sweep()}")
            if every is None:
                return
            next_run = time.monotonic() + every
            while (left := next_run - time.monotonic()) > 0:
                if with_parent and os.getppid() != parent:
                    return
                time.sleep(min(left, 1.0))
