"""Learning records: xAPI statements to an LRS and LTI 1.3 AGS scores to a line item, for training
attempts only, validated against JSON Schemas written from the published specifications."""

import json
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jsonschema import Draft202012Validator

from integrations import lti
from integrations import services as integration_services
from integrations.models import Delivery, DeliveryKind
from integrations.tests.conftest import take_and_score
from scoring import services as scoring_services
from simulator import services

IRI = {"type": "string", "pattern": r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$"}
UUID = {
    "type": "string",
    "pattern": r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
}
ISO_8601 = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"}
LANGUAGE_MAP = {"type": "object", "minProperties": 1, "propertyNames": {"pattern": r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]+)*$"},
                "additionalProperties": {"type": "string"}}  # fmt: skip

# xAPI 1.0.3 (IEEE 9274.1.1), section 2.4: a Statement as an Activity Provider sends it.
XAPI_STATEMENT = {
    "type": "object",
    "required": ["actor", "verb", "object"],
    "additionalProperties": False,
    "properties": {
        "id": UUID,
        "actor": {
            "type": "object", "required": ["mbox"], "additionalProperties": False,
            "properties": {"objectType": {"const": "Agent"}, "name": {"type": "string"},
                           "mbox": {"type": "string", "pattern": r"^mailto:[^@\s]+@[^@\s]+$"}},
        },
        "verb": {"type": "object", "required": ["id"], "additionalProperties": False,
                 "properties": {"id": IRI, "display": LANGUAGE_MAP}},
        "object": {
            "type": "object", "required": ["id"], "additionalProperties": False,
            "properties": {
                "objectType": {"const": "Activity"}, "id": IRI,
                "definition": {"type": "object", "additionalProperties": False,
                               "properties": {"name": LANGUAGE_MAP, "description": LANGUAGE_MAP, "type": IRI}},
            },
        },
        "result": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "score": {"type": "object", "additionalProperties": False,
                          "properties": {"scaled": {"type": "number", "minimum": -1, "maximum": 1},
                                         "raw": {"type": "number"}, "min": {"type": "number"}, "max": {"type": "number"}}},
                "success": {"type": "boolean"}, "completion": {"type": "boolean"},
                "response": {"type": "string"}, "duration": {"type": "string"},
                "extensions": {"type": "object", "propertyNames": IRI},
            },
        },
        "context": {
            "type": "object", "additionalProperties": False,
            "properties": {"registration": UUID, "platform": {"type": "string"}, "language": {"type": "string"},
                           "extensions": {"type": "object", "propertyNames": IRI}},
        },
        "timestamp": ISO_8601,
    },
}  # fmt: skip

# LTI Assignment and Grade Services 2.0, the Score publish service (application/vnd.ims.lis.v1.score+json).
LTI_SCORE = {
    "type": "object",
    "required": ["userId", "activityProgress", "gradingProgress", "timestamp"],
    "properties": {
        "userId": {"type": "string", "minLength": 1},
        "scoreGiven": {"type": "number", "minimum": 0},
        "scoreMaximum": {"type": "number", "exclusiveMinimum": 0},
        "comment": {"type": "string"},
        "activityProgress": {"enum": ["Initialized", "Started", "InProgress", "Submitted", "Completed"]},
        "gradingProgress": {"enum": ["FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"]},
        "timestamp": {
            "type": "string",
            "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,}(Z|[+-]\d\d:\d\d)$",
        },
    },
    "dependentRequired": {"scoreGiven": ["scoreMaximum"]},
}


def valid(schema: dict, document: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, e.path))}: {e.message}"
        for e in Draft202012Validator(schema).iter_errors(document)
    ]


def test_the_schemas_catch_what_the_specs_forbid():
    """The schemas are not vacuous: a statement without a verb IRI, a score out of range, an
    unknown gradingProgress are refused."""
    assert valid(
        XAPI_STATEMENT,
        {"actor": {"mbox": "bob@example.com"}, "verb": {"id": "scored"}, "object": {"id": "x"}},
    )
    assert valid(XAPI_STATEMENT, {"actor": {"mbox": "mailto:b@example.com"}, "verb": {"id": "http://a/b"},
                                  "object": {"id": "http://a/c"}, "result": {"score": {"scaled": 3}}})  # fmt: skip
    assert valid(LTI_SCORE, {"userId": "1", "activityProgress": "Done", "gradingProgress": "FullyGraded",
                             "timestamp": "2026-01-01T00:00:00.000Z"})  # fmt: skip
    assert valid(LTI_SCORE, {"userId": "1", "scoreGiven": 3, "activityProgress": "Completed",
                             "gradingProgress": "FullyGraded", "timestamp": "2026-01-01T00:00:00Z"})  # fmt: skip


@pytest.fixture
def xapi_lrs(organisation, lead, receiver):
    lrs = receiver(statuses=[200])
    integration_services.learning_record_target_set(
        organisation=organisation, kind="xapi", endpoint=lrs.url("/xapi/"), username="lrs-key", password="lrs-secret",
        updated_by=lead,
    )  # fmt: skip
    return lrs


def test_a_scored_training_attempt_sends_a_valid_xapi_statement(
    xapi_lrs, training_exercise, invite, django_capture_on_commit_callbacks
):
    invitation, _ = invite(training_exercise, email="trainee@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        attempt = take_and_score(invitation.attempt)
    [request] = xapi_lrs.requests
    assert (request["method"], request["path"]) == ("POST", "/xapi/statements")
    assert request["headers"]["X-Experience-API-Version"] == "1.0.3"
    assert xapi_lrs.basic_auth(0) == ("lrs-key", "lrs-secret")
    statement = xapi_lrs.json(0)
    assert valid(XAPI_STATEMENT, statement) == []
    score = statement["result"]["score"]
    assert score["min"] <= score["raw"] <= score["max"]
    assert score["raw"] == round(attempt.scorecard.mean_score, 2)
    assert score["scaled"] == pytest.approx((attempt.scorecard.mean_score - 1) / 4, abs=1e-4)
    assert statement["actor"]["mbox"] == "mailto:trainee@example.com"
    assert statement["object"]["id"] == "https://sim.example.com/exercises/acme/comms-drill"
    assert Delivery.objects.get().kind == DeliveryKind.XAPI


def test_hiring_attempts_send_no_learning_records(
    xapi_lrs, comms_exercise, invite, django_capture_on_commit_callbacks
):
    invitation, _ = invite(comms_exercise)
    with django_capture_on_commit_callbacks(execute=True):
        take_and_score(invitation.attempt)
    assert xapi_lrs.requests == [] and not Delivery.objects.exists()


def test_an_lrs_needs_its_key_and_secret(organisation, lead):
    with pytest.raises(integration_services.DomainError, match="key"):
        integration_services.learning_record_target_set(
            organisation=organisation, kind="xapi", endpoint="https://lrs.example.com/xapi/", updated_by=lead
        )


@pytest.fixture
def tool_key(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.LTI_TOOL_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key


@pytest.fixture
def lms(organisation, lead, receiver):
    platform = receiver(
        statuses=[200], replies={"/token": b'{"access_token": "tok-123", "token_type": "Bearer"}'}
    )
    integration_services.learning_record_target_set(
        organisation=organisation, kind="lti_ags", endpoint=platform.url("/api/lti/courses/3/line_items/7?type=x"),
        token_url=platform.url("/token"), client_id="10000000000042", updated_by=lead,
    )  # fmt: skip
    return platform


def test_lti_scores_are_pending_manual_until_the_review_and_fully_graded_once_final(
    tool_key, lms, organisation, lead, invite, django_capture_on_commit_callbacks
):
    reviewed = services.exercise_create(
        organisation=organisation, slug="reviewed-drill", title="Reviewed drill", purpose="training",
        time_limit_minutes=20, base_seed=79, reviews_required=1,
        items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "medium"}],
    )  # fmt: skip
    invitation, _ = invite(reviewed, email="trainee@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        attempt = take_and_score(invitation.attempt)
    with django_capture_on_commit_callbacks(execute=True):
        scoring_services.scorecard_finalize(attempt=attempt, finalized_by=lead, without_required_reviews=True)

    paths = [(r["method"], r["path"]) for r in lms.requests]
    assert paths == [("POST", "/token"), ("POST", "/api/lti/courses/3/line_items/7/scores?type=x")] * 2
    pending, final = lms.json(1), lms.json(3)
    for score in (pending, final):
        assert valid(LTI_SCORE, score) == []
        assert score["userId"] == "trainee@example.com" and score["scoreMaximum"] == 5
    assert (pending["gradingProgress"], pending["activityProgress"]) == ("PendingManual", "Submitted")
    assert (final["gradingProgress"], final["activityProgress"]) == ("FullyGraded", "Completed")
    assert final["scoreGiven"] == round(attempt.scorecard.mean_score, 2)
    score_request = lms.requests[1]
    assert score_request["headers"]["Authorization"] == "Bearer tok-123"
    assert score_request["headers"]["Content-Type"] == lti.SCORE_MEDIA_TYPE


def test_the_lti_token_request_is_a_client_assertion_the_platform_can_verify(tool_key, lms, training_exercise, invite,
                                                                              django_capture_on_commit_callbacks):  # fmt: skip
    invitation, _ = invite(training_exercise)
    with django_capture_on_commit_callbacks(execute=True):
        take_and_score(invitation.attempt)
    form = {k: v[0] for k, v in parse_qs(lms.requests[0]["body"].decode()).items()}
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert form["scope"] == "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    published = lti.jwks()["keys"][0]
    assert jwt.get_unverified_header(form["client_assertion"])["kid"] == published["kid"]
    public_key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(published))
    claims = jwt.decode(
        form["client_assertion"], public_key, algorithms=["RS256"], audience=lms.url("/token")
    )
    assert claims["iss"] == claims["sub"] == "10000000000042" and claims["exp"] > claims["iat"]


def test_lti_without_the_tools_key_fails_once_and_says_why(lms, training_exercise, invite, settings,
                                                           django_capture_on_commit_callbacks):  # fmt: skip
    settings.LTI_TOOL_PRIVATE_KEY = ""
    invitation, _ = invite(training_exercise)
    with django_capture_on_commit_callbacks(execute=True):
        take_and_score(invitation.attempt)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.tries) == (
        "failed",
        1,
    ) and "LTI_TOOL_PRIVATE_KEY" in delivery.last_error
    assert lms.requests == []


@pytest.mark.parametrize(
    "reply",
    [
        b'{"token_type": "Bearer"}',
        b'{"access_token": null, "token_type": "Bearer"}',
        b'{"access_token": "  ", "token_type": "Bearer"}',
        b"<html>sign in</html>",
    ],
    ids=["missing", "null", "blank", "not-json"],
)
def test_a_token_answer_without_a_token_is_a_failure_and_no_score_is_sent(
    tool_key,
    organisation,
    lead,
    receiver,
    training_exercise,
    invite,
    reply,
    django_capture_on_commit_callbacks,
):
    platform = receiver(statuses=[200], replies={"/token": reply})
    integration_services.learning_record_target_set(
        organisation=organisation, kind="lti_ags", endpoint=platform.url("/api/lti/courses/3/line_items/7"),
        token_url=platform.url("/token"), client_id="10000000000042", updated_by=lead,
    )  # fmt: skip
    invitation, _ = invite(training_exercise)
    with django_capture_on_commit_callbacks(execute=True):
        take_and_score(invitation.attempt)

    delivery = Delivery.objects.get(kind=DeliveryKind.LTI_SCORE)
    assert delivery.status != "delivered"
    assert delivery.last_error == "token request: no access_token in the answer"
    assert delivery.last_failure == "bad_answer"
    assert [r["path"] for r in platform.requests] == ["/token"] * delivery.tries
