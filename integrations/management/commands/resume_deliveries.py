from django.core.management.base import BaseCommand

from integrations import services


class Command(BaseCommand):
    help = (
        "Queue again the deliveries (webhooks, ATS callbacks, learning records) whose retry is due but "
        "whose task was lost; Celery beat runs this every SWEEP_INTERVAL_SECONDS."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"queued {services.deliveries_resume()} deliveries again")
