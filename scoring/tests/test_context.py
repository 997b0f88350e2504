"""Work done once per scenario and shared by every answer to it gives every answer the score it
gets alone."""

from pathlib import Path

import pytest

from scoring.context import build_context, clear_scenario_caches
from scoring.offline import pack_scenario, read_answer_record, read_pack, score_offline
from scoring.tests.helpers import scenario

EVALUATION = Path(__file__).resolve().parents[1] / "evaluation"
# One development scenario of every kind, with all its graded answers.
PACKS = ("ev1-logs-1", "ev1-triage-1", "ev2-comms-1", "ev2-esc-1", "ev3-incident-1", "ev3-pm-1")


@pytest.fixture(autouse=True)
def fresh_caches():
    clear_scenario_caches()
    yield
    clear_scenario_caches()


@pytest.mark.parametrize("pack", PACKS)
def test_answers_scored_one_after_another_get_what_each_gets_alone(pack):
    scenario_ = pack_scenario(read_pack(EVALUATION / "packs" / f"{pack}.json"))
    records = [
        read_answer_record(path, kind=scenario_["kind"])
        for path in sorted((EVALUATION / "responses" / pack).glob("*.json"))
    ]
    alone = []
    for record in records:
        clear_scenario_caches()
        alone.append(score_offline(scenario_, record).as_dict())
    clear_scenario_caches()

    in_turn = [score_offline(scenario_, record).as_dict() for record in records]

    assert len(records) >= 6
    assert in_turn == alone


def _context(generated, payload=None, content_hash=None):
    return build_context(
        kind=generated.kind,
        payload=payload if payload is not None else generated.payload,
        answer_key=generated.answer_key,
        answer={},
        content_hash=generated.content_hash if content_hash is None else content_hash,
        archetype=generated.archetype,
    )


def test_work_on_a_scenario_is_done_once_for_every_answer_to_it():
    generated = scenario("customer_comms", "third_party_provider_outage")
    built = []

    def build():
        built.append(1)
        return object()

    first = _context(generated).per_scenario("test.work", build)
    again = _context(generated).per_scenario("test.work", build)

    assert again is first and len(built) == 1


def test_other_content_under_the_same_hash_and_no_hash_are_worked_out_afresh():
    generated = scenario("customer_comms", "third_party_provider_outage")
    edited = {**generated.payload, "now": "2030-01-01T00:00:00Z"}

    first = _context(generated).per_scenario("test.work", object)
    other = _context(generated, payload=edited).per_scenario("test.work", object)
    unhashed = [_context(generated, content_hash="").per_scenario("test.work", object) for _ in range(2)]

    assert other is not first
    assert unhashed[0] is not unhashed[1] and first not in unhashed


def test_what_an_investigation_learns_from_its_cited_lines_stays_with_that_answer():
    from scoring.offline import context_inputs
    from scoring.scorers import investigation

    scenario_ = pack_scenario(read_pack(EVALUATION / "packs" / "ev1-logs-1.json"))
    expert = read_answer_record(
        EVALUATION / "responses" / "ev1-logs-1" / "expert.json", kind="log_investigation"
    )
    ctx = build_context(**context_inputs(scenario_, expert))
    fresh = vars(investigation._Facts(ctx))

    facts = investigation._Facts.of(ctx)
    investigation._Evidence(ctx, facts, expert.answer["evidence_ids"])

    assert vars(facts) != fresh  # the cited signal lines named more of the failure
    assert vars(ctx.per_scenario("investigation.facts", lambda: None)) == fresh
