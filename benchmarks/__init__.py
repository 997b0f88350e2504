"""The benchmark harnesses, each run as `.venv/bin/python -m benchmarks.<name> [options]` from the
project directory (`--help` lists the options). They are not management commands, so they stay out
of `manage.py help`.

Importing this package sets Django up (the settings of DJANGO_SETTINGS_MODULE, by default the
project's), so a harness may import models at module level. Each harness is a `Command` (Django's
BaseCommand: argparse options, `self.stdout`), so tests run it with
`call_command(Command(), ..., stdout=buffer)`.
"""

import os
import sys

import django
from django.apps import apps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simulator.settings")
if not apps.ready:
    django.setup()


def run(command_class, module: str) -> None:
    """Run `command_class` with this process's arguments, as `python -m <module>` would show them.

    A CommandError is printed as one line on stderr with exit status 1, as manage.py does."""
    command_class().run_from_argv(["python -m", module, *sys.argv[1:]])
