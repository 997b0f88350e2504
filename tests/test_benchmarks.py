"""The benchmark harnesses live in `benchmarks/`, outside the apps: none is a management command,
each runs as `python -m benchmarks.<name>`, parses its documented options and writes through
`self.stdout`, so `call_command(Command(), ..., stdout=buffer)` captures it."""

import importlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands

PROJECT = Path(__file__).resolve().parent.parent
HARNESSES = sorted(
    path.stem for path in (PROJECT / "benchmarks").glob("*.py") if not path.stem.startswith("_")
)
PRINTS = re.compile(r"sys\.std(out|err)|(?<![\w.])print\(")


def test_the_harnesses_are_the_documented_ones_and_none_is_a_management_command():
    assert HARNESSES == [
        "autosave",
        "calibration",
        "comparison",
        "generation",
        "hiring_day",
        "log_search",
        "scoring",
    ]
    assert not [name for name in get_commands() if name.startswith("bench")]
    readme = (PROJECT / "README.md").read_text()
    for name in HARNESSES:
        assert f"-m benchmarks.{name}" in readme, name
    assert "manage.py bench_" not in readme


@pytest.mark.parametrize("name", HARNESSES)
def test_each_harness_parses_its_options_under_its_module_name_and_never_prints_directly(name):
    module = importlib.import_module(f"benchmarks.{name}")
    parser = module.Command().create_parser("python -m", f"benchmarks.{name}")

    assert parser.format_usage().startswith(f"usage: python -m benchmarks.{name} ")
    assert not PRINTS.search(Path(module.__file__).read_text()), name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("generation", ["--lines", "300", "--repeat", "1"], "meets targets"),
        ("comparison", ["--attempts", "3", "--repeat", "1"], "CSV"),
    ],
)
def test_call_command_captures_what_a_harness_prints(name, args, expected, capsys):
    module = importlib.import_module(f"benchmarks.{name}")
    out = io.StringIO()

    call_command(module.Command(), *args, stdout=out)

    assert expected in out.getvalue(), out.getvalue()[:2000]
    assert capsys.readouterr().out == ""


def test_python_dash_m_sets_django_up_and_runs_a_harness():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.generation", "--lines", "300", "--repeat", "1", "--json"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert '"lines": 300' in done.stdout, done.stdout


def test_a_bad_option_is_refused_with_its_name_as_manage_py_would():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.generation", "--lines", "many"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 2, done.stderr  # argparse's own exit status for a bad option
    assert "--lines: invalid int value: 'many'" in done.stderr
