"""The Celery application.

With CELERY_BROKER_URL unset, tasks run in-process (eager), so a laptop needs no broker; with it
set (Redis), they go to real worker processes started with `celery -A simulator worker`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simulator.settings")

app = Celery("simulator")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
