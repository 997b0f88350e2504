"""Every management command writes to `self.stdout`, so `call_command(..., stdout=buffer)` captures
what it prints and scripts need not shell out."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands

from scenarios.canonical import canonical_json
from scenarios.generation import generate

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("scenarios", "scoring", "simulator")
PRINTS = re.compile(r"sys\.std(out|err)|(?<![\w.])print\(")

# Commands whose own tests run them with a StringIO (the benchmarks, not commands, are in
# tests/test_benchmarks.py).
CAPTURED_ELSEWHERE = {
    "sso_configure": "simulator/tests/test_sso.py",
    "erase_participant": "tests/test_erasure.py",
    "erase_expired_participants": "tests/test_erasure.py",
}


def _comms_scenario():
    from scenarios.services import scenario_generate

    return scenario_generate(
        kind="customer_comms", archetype="db_pool_exhaustion_after_deploy", seed=3, difficulty="medium"
    )


def _generate_scenario(tmp_path, invite):
    expected = generate("incident", "db_pool_exhaustion_after_deploy", 7, "easy").canonical_payload()
    args = ["--kind", "incident", "--archetype", "db_pool_exhaustion_after_deploy", "--seed", "7"]
    return [*args, "--difficulty", "easy"], lambda out: out == expected.decode() + "\n"


def _generate_scenario_with_key(tmp_path, invite):
    generated = generate("customer_comms", "db_pool_exhaustion_after_deploy", 7, "easy")
    expected = canonical_json(
        {
            "payload": generated.payload,
            "answer_key": generated.answer_key,
            "content_hash": generated.content_hash,
            "generator_version": generated.generator_version,
        }
    )
    args = ["--kind", "customer_comms", "--archetype", "db_pool_exhaustion_after_deploy", "--seed", "7"]
    return [*args, "--difficulty", "easy", "--answer-key"], lambda out: out == expected.decode() + "\n"


def _export_pack(tmp_path, invite):
    scenario = _comms_scenario()
    return [
        "--out",
        str(tmp_path / "pack.json"),
        "--id",
        scenario.reference,
    ], lambda out: "wrote 1 scenarios" in out


def _import_pack(tmp_path, invite):
    scenario = _comms_scenario()
    call_command(
        "export_pack", "--out", str(tmp_path / "pack.json"), "--id", scenario.reference, stdout=io.StringIO()
    )
    return [str(tmp_path / "pack.json")], lambda out: "0 created, 0 replaced, 1 unchanged" in out


def _score_response(tmp_path, invite):
    scenario = _comms_scenario()
    call_command(
        "export_pack", "--out", str(tmp_path / "pack.json"), "--id", scenario.reference, stdout=io.StringIO()
    )
    (tmp_path / "response.json").write_text(json.dumps({"update": "We are investigating."}))
    args = ["--pack", str(tmp_path / "pack.json"), "--response", str(tmp_path / "response.json")]
    return args, lambda out: json.loads(out)["scenario"] == scenario.reference


def _export_attempt(tmp_path, invite):
    from simulator import services
    from simulator.models import Exercise

    _, token = invite(Exercise.objects.get(slug="all-kinds"))
    attempt, _, _ = services.attempt_start(invitation_token=token)
    attempt = services.attempt_submit(attempt=attempt, submitted_by="participant")
    return [attempt.public_id, "--out", str(tmp_path / "attempt.json")], lambda out: "score_response" in out


def _evaluate_scoring(tmp_path, invite):
    fixture = Path(__file__).resolve().parent.parent / "scoring" / "tests" / "fixtures" / "evaluation"
    return ["--dir", str(fixture), "--split", "all"], lambda out: "quadratic weighted kappa" in out


CASES = {
    "list_archetypes": lambda tmp_path, invite: ([], lambda out: "db_pool_exhaustion_after_deploy" in out),
    "generate_scenario": _generate_scenario,
    "generate_scenario --answer-key": _generate_scenario_with_key,
    "export_pack": _export_pack,
    "import_pack": _import_pack,
    "score_response": _score_response,
    "export_attempt": _export_attempt,
    "evaluate_scoring": _evaluate_scoring,
    "expire_invitations": lambda tmp_path, invite: ([], lambda out: "expired" in out),
    "sweep": lambda tmp_path, invite: ([], lambda out: out.strip() != ""),
    "seed_demo": lambda tmp_path, invite: (
        ["--json", "--no-scored-attempts"],
        lambda out: "invitations" in json.loads(out),
    ),
}


def test_every_command_of_the_project_is_checked_here_or_in_its_benchmark_test():
    project = {name for name, app in get_commands().items() if app in PROJECT_APPS}
    checked = {case.split()[0] for case in CASES} | set(CAPTURED_ELSEWHERE)
    assert not project - checked, (
        f"add {sorted(project - checked)} to CASES here, or to CAPTURED_ELSEWHERE with the test that runs "
        "it with a StringIO stdout"
    )
    assert not checked - project, f"no such command any more: {sorted(checked - project)}"


def test_no_command_writes_to_the_process_streams_directly():
    for name, app in get_commands().items():
        if app not in PROJECT_APPS:
            continue
        source = (
            Path(__file__).resolve().parent.parent / app / "management" / "commands" / f"{name}.py"
        ).read_text()
        assert not PRINTS.search(source), name


@pytest.mark.parametrize("case", list(CASES))
def test_call_command_captures_what_the_command_prints(case, tmp_path, all_kinds_exercise, invite, capsys):
    args, expected = CASES[case](tmp_path, invite)
    out = io.StringIO()

    call_command(case.split()[0], *args, stdout=out)

    assert expected(out.getvalue()), out.getvalue()[:2000]
    assert capsys.readouterr().out == ""
