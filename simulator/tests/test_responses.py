"""The published answer schemas, and the compiled validator autosave uses agreeing with them."""

import fastjsonschema
import pytest

from simulator.responses import InvalidAnswer, _fast_validator, _validator, validate_answer

CASES = {
    "triage_queue": [
        (
            {
                "tickets": {"T-1": {"severity": "SEV2", "route": "L2", "component": "auth"}},
                "priority_order": ["T-1"],
            },
            True,
        ),
        ({"tickets": {"T-1": {"severity": "SEV9"}}}, False),
        ({"tickets": {"ticket one": {"severity": "SEV1"}}}, False),
        ({"priority_order": ["T-1", "T-1"]}, False),
        ({"tickets": {"T-1": {"colour": "red"}}}, False),
    ],
    "log_investigation": [
        ({"root_cause": "x", "evidence_ids": ["L000123", "0" * 32], "onset": "2026-01-01T10:00:00Z"}, True),
        ({"evidence_ids": ["L-deploy-2.14", "L-first-401"]}, True),  # a pack's explicit line ids
        ({"evidence_ids": ["line 5"]}, False),
        ({"evidence_ids": ["L-" + "x" * 15]}, False),  # longer than any line id
        ({"evidence_ids": ["req_0123456789ab"]}, False),
        ({"evidence_ids": "L000123"}, False),
    ],
    "escalation_writeup": [
        ({"packet": "p", "severity": "SEV2", "route": "Engineering"}, True),
        ({"packet": 5}, False),
        ({"route": "Marketing"}, False),
    ],
    "customer_comms": [
        ({"update": "u", "next_update_at": "2026-03-01T10:30:00Z"}, True),
        ({"next_update_at": "2026-03-01T12:30+02:00"}, True),
        ({"next_update_at": "2026-03-01T10:30:00.250Z"}, True),
        ({"next_update_at": ""}, True),
        ({"update": ["u"]}, False),
        ({"next_update_at": "10:30 UTC"}, False),
        ({"next_update_at": "2026-03-01T10:30"}, False),
        ({"next_update_at": "2026-03-01T25:30Z"}, False),
    ],
    "incident": [
        ({"decisions": {"D1": "SEV1"}, "stakeholder_updates": ["x"], "log": "l"}, True),
        ({"decisions": {"first": "SEV1"}}, False),
        ({"stakeholder_updates": [5]}, False),
    ],
    "postmortem": [
        (
            {"summary": "s", "corrective_actions": [{"action": "a", "owner": "SRE", "due": "2026-02-01"}]},
            True,
        ),
        ({"corrective_actions": [{"action": "a", "priority": "high"}]}, False),
        ({"document": None}, False),
    ],
}


@pytest.mark.parametrize(
    ("kind", "answer", "valid"),
    [(kind, answer, valid) for kind, cases in CASES.items() for answer, valid in cases],
)
def test_the_compiled_validator_agrees_with_the_published_schema(kind, answer, valid):
    assert (not list(_validator(kind).iter_errors(answer))) is valid
    try:
        _fast_validator(kind)(answer)
        fast_valid = True
    except fastjsonschema.JsonSchemaException:
        fast_valid = False
    assert fast_valid is valid
    if valid:
        validate_answer(kind, answer)
    else:
        with pytest.raises(InvalidAnswer, match=r"^answer"):
            validate_answer(kind, answer)
