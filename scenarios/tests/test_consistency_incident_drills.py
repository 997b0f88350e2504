"""The linter's checks of an incident drill's decisions: whom to engage for a code regression and when
to ask it, a severity that fits the failure's share of requests and its way round. Each test breaks a
generated drill the way earlier generator versions made it and expects the pack refused at the broken
part."""

import pytest

from scenarios.consistency import lint
from scenarios.generation import generate
from scenarios.tests.test_consistency import _assert_path, _refused

# A release of our own code exhausts a pool; a node without time sync fails part of the SSO logins.
CODE_REGRESSION = "db_pool_exhaustion_after_deploy"
PARTIAL_WAY_ROUND = "saml_clock_skew"


@pytest.fixture(scope="module")
def drills():
    return {
        archetype: generate("incident", archetype, 11, "medium")
        for archetype in (CODE_REGRESSION, PARTIAL_WAY_ROUND)
    }


@pytest.mark.parametrize("archetype", [CODE_REGRESSION, PARTIAL_WAY_ROUND])
def test_the_generated_drills_pass(drills, archetype):
    assert lint("incident", drills[archetype].payload, drills[archetype].answer_key) == []


def _route_point(payload) -> int:
    return next(n for n, p in enumerate(payload["decision_points"]) if "engage" in p["prompt"])


def test_a_code_regression_whose_route_leaves_out_the_owning_team_is_refused(drills):
    def mutate(payload, key):
        key["decisions"]["D2"]["correct"] = ["SRE"]

    refused = _refused({"incident": drills[CODE_REGRESSION]}, "incident", mutate)
    _assert_path(refused, "answer_key.decisions.D2.correct", "Engineering")


def test_whom_to_engage_asked_before_the_last_line_arrives_is_refused(drills):
    drill = drills[PARTIAL_WAY_ROUND]
    n = _route_point(drill.payload)
    herrings = set(drill.answer_key["red_herring_inject_ids"])
    last = max(
        i["offset_seconds"]
        for i in drill.payload["injects"]
        if i["kind"] in ("log_excerpt", "change") and i["id"] not in herrings
    )

    def mutate(payload, key):
        payload["decision_points"][n]["offset_seconds"] = last - 5
        key["decisions"]["D2"]["window_seconds"][0] = last - 5

    refused = _refused({"incident": drill}, "incident", mutate)
    _assert_path(refused, f"payload.decision_points[{n}].offset_seconds", "last of the failure's lines")


def test_production_down_for_a_failure_of_a_quarter_of_requests_is_refused(drills):
    def mutate(payload, key):
        key["severity"] = "SEV1"
        key["decisions"]["D1"]["correct"] = ["SEV1"]
        key["update_cadence_minutes"] = 30
        key["severity_reason"] = (
            "Critical by the scale: production down for many customers. "
            "Many customers are affected, enterprise ones among them."
        )

    refused = _refused({"incident": drills[CODE_REGRESSION]}, "incident", mutate)
    _assert_path(refused, "answer_key.severity", "most requests fail")


def test_no_workaround_beside_a_retry_that_often_works_unsaid_is_refused(drills):
    def mutate(payload, key):
        key["severity_reason"] = key["severity_reason"].replace(
            " The only way round is partial: retrying works only part of the time.", ""
        )

    refused = _refused({"incident": drills[PARTIAL_WAY_ROUND]}, "incident", mutate)
    _assert_path(refused, "answer_key.severity_reason", "partial")


def _comms_point(payload) -> int:
    return next(n for n, p in enumerate(payload["decision_points"]) if "communication" in p["prompt"])


def test_a_reply_to_the_one_customer_beside_several_reporters_is_refused(drills):
    drill = drills[CODE_REGRESSION]
    n = _comms_point(drill.payload)
    assert "customers opened tickets" in " ".join(i["text"] for i in drill.payload["injects"])

    def mutate(payload, key):
        payload["decision_points"][n]["options"][0]["text"] = (
            "Reply only to the customer who opened the ticket."
        )

    refused = _refused({"incident": drill}, "incident", mutate)
    _assert_path(refused, f"payload.decision_points[{n}].options[0].text", "several opened tickets")


def test_silence_until_the_cause_is_known_as_a_comms_option_is_refused(drills):
    drill = drills[PARTIAL_WAY_ROUND]
    n = _comms_point(drill.payload)

    def mutate(payload, key):
        payload["decision_points"][n]["options"][1]["text"] = (
            "Wait until the root cause is confirmed before saying anything."
        )

    refused = _refused({"incident": drill}, "incident", mutate)
    _assert_path(refused, f"payload.decision_points[{n}].options[1].text", "silence")


def test_an_over_promising_update_left_out_of_the_unsafe_options_is_refused(drills):
    """Promising a fix and a recovery time nobody has measured misleads customers: the key lists that
    option as unsafe, and a key that does not is refused at its unsafe list."""
    drill = drills[CODE_REGRESSION]
    n = _comms_point(drill.payload)
    point = drill.payload["decision_points"][n]
    promise = next(o["id"] for o in point["options"] if "back to normal within" in o["text"])
    assert promise in drill.answer_key["decisions"][point["id"]]["unsafe"]

    def mutate(payload, key):
        key["decisions"][point["id"]]["unsafe"] = []

    refused = _refused({"incident": drill}, "incident", mutate)
    _assert_path(refused, f"answer_key.decisions.{point['id']}.unsafe", "nobody has measured")


def _mitigation_point(payload) -> int:
    return next(n for n, p in enumerate(payload["decision_points"]) if "first mitigation" in p["prompt"])


@pytest.mark.parametrize(
    "argued",
    [
        "Raise the pool size above the database's max_connections so 'there is room for everyone'.",
        "Cordon and drain the node so identity-service pods reschedule onto nodes with healthy time sync.",
    ],
)
def test_a_mitigation_that_argues_for_or_against_itself_is_refused(drills, argued):
    drill = drills[CODE_REGRESSION]
    n = _mitigation_point(drill.payload)

    def mutate(payload, key):
        payload["decision_points"][n]["options"][0]["text"] = argued

    refused = _refused({"incident": drill}, "incident", mutate)
    _assert_path(refused, f"payload.decision_points[{n}].options[0].text", "scare quotes")
