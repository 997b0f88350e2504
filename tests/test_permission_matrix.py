"""The permission matrix: every route of the URL configuration, tried as every kind of caller.

`MATRIX` holds one or more requests per URL name and, for each, the status every caller must get.
A route added to the URL configuration without an entry here fails `test_every_route_has_an_entry`,
so nobody adds an endpoint without saying who may reach it. Each request runs inside a savepoint
that is rolled back, so the callers all meet the same state.

Callers (the columns, in this order):
  anon        nobody logged in, no token
  cand        the participant of attempt B (its bearer token and the browser session that took it)
  cand2       another participant, with their own token and session, reaching for attempt B
  rev         a reviewer on the panel of the hiring exercise (attempt A is theirs to review)
  rev_off     a reviewer of the same organisation on no panel of that exercise
  lead        a lead of the organisation
  lead_other  a lead of another organisation

Objects: A is a scored hiring attempt of the panel's exercise E (with an override O and an open
appeal assigned to rev); B is an attempt in progress of an every-kind hiring exercise with no panel,
started from invitation I; P is A's participant. CX is a calibration example of E (rev has graded
it); PR is an onboarding programme with one drill DR and one trainee EN, whose link token is PT;
K is a partner API key and W a webhook endpoint of the organisation.

Codes: 401/403 unauthenticated or not allowed, 404 outside the caller's scope, 302 a redirect (to
the login page for a staff page without a staff user), 400/409 the caller was let in and the request
was refused on its merits.
"""

from dataclasses import dataclass
from datetime import date

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from integrations import services as integration_services
from programmes import services as programme_services
from scoring import appeals
from scoring import services as scoring_services
from simulator import services
from simulator.views import SESSION_TOKENS

pytestmark = pytest.mark.django_db

CALLERS = ("anon", "cand", "cand2", "rev", "rev_off", "lead", "lead_other")


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # formatted with the world's objects: {A} {B} {B_item} {B_log_item} {E} {O} {P} {I} {token} {CXA} …
    expected: str  # one code per caller, in CALLERS order, separated by spaces
    body: dict | None = None


# URL name → the requests tried on it.
MATRIX: dict[str, list[Call]] = {
    # The API: staff (token or session), candidates (bearer), anonymous.
    "api-token": [Call("post", "/api/v1/auth/token/", "400 400 400 400 400 400 400", {"username": "lena", "password": "wrong"})],
    "api-exercises": [Call("get", "/api/v1/exercises/", "401 401 401 200 200 200 200")],
    "api-invitations": [
        Call("get", "/api/v1/invitations/", "401 401 401 200 200 200 200"),
        Call(
            # Leads and the exercise's panel reviewers invite (access.may_invite, as the page below).
            "post", "/api/v1/invitations/", "401 401 401 201 403 201 404",
            {"exercise": "{E}", "participant_name": "New Person", "participant_email": "new@example.com"},
        ),
    ],
    "api-attempt-start": [
        Call("get", "/api/v1/attempts/", "401 401 401 200 200 200 200"),
        Call("post", "/api/v1/attempts/", "201 201 201 201 201 201 201", {"invitation_token": "{token}"}),
    ],
    "api-attempt": [Call("get", "/api/v1/attempts/{B}/", "401 200 404 401 401 401 401")],
    "api-response": [
        Call("put", "/api/v1/attempts/{B}/items/{B_item}/response/", "401 200 404 401 401 401 401",
             {"version": 0, "answer": {}}),
    ],
    "api-logs": [Call("get", "/api/v1/attempts/{B}/items/{B_log_item}/logs/", "401 200 404 401 401 401 401")],
    "api-events": [
        Call("post", "/api/v1/attempts/{B}/events/", "401 201 404 401 401 401 401",
             {"events": [{"kind": "item_opened", "item_id": "{B_item}"}]}),
    ],
    "api-submit": [Call("post", "/api/v1/attempts/{B}/submit/", "401 200 404 401 401 401 401")],
    "api-extra-time": [Call("post", "/api/v1/attempts/{B}/extra-time/", "401 401 401 404 404 200 404", {"minutes": 10})],
    "api-kpis": [Call("get", "/api/v1/attempts/{B}/kpis/", "401 401 401 404 404 200 404")],
    "api-scores": [Call("get", "/api/v1/attempts/{A}/scores/", "401 401 401 403 404 200 404")],  # blind until reviewed
    "api-feedback": [Call("get", "/api/v1/attempts/{B}/feedback/", "401 404 404 401 401 401 401")],  # hiring: none
    "api-response-schema": [Call("get", "/api/v1/schemas/responses/triage_queue/", "200 200 200 200 200 200 200")],
    "api-attempt-answers": [Call("get", "/api/v1/attempts/{A}/answers/", "401 401 401 200 404 200 404")],
    "api-scorecard": [Call("get", "/api/v1/attempts/{A}/scorecard/", "401 401 401 200 404 200 404")],
    "api-claim": [Call("post", "/api/v1/attempts/{A}/claim/", "401 401 401 200 404 200 404")],
    "api-reviews": [
        Call("post", "/api/v1/attempts/{A}/reviews/", "401 401 401 201 404 201 404", {"scores": {"communication": 3}}),
    ],
    "api-overrides": [
        Call("post", "/api/v1/attempts/{A}/overrides/", "401 401 401 403 404 201 404",
             {"dimension": "communication", "score": 3, "reason_code": "other", "justification": "x"}),
    ],
    "api-override-revert": [Call("post", "/api/v1/overrides/{O}/revert/", "401 401 401 403 404 201 404", {"justification": "x"})],
    "api-finalize": [
        Call("post", "/api/v1/attempts/{A}/finalize/", "401 401 401 404 404 200 404", {"without_required_reviews": True}),
    ],
    "api-reopen": [Call("post", "/api/v1/attempts/{A}/reopen/", "401 401 401 404 404 409 404", {"reason": "x"})],
    "api-exercise-scorecards": [Call("get", "/api/v1/exercises/{E}/scorecards/", "401 401 401 404 404 200 404")],
    "api-recommendation-rule": [
        Call("get", "/api/v1/exercises/{E}/recommendation-rule/", "401 401 401 200 404 200 404"),
        Call("put", "/api/v1/exercises/{E}/recommendation-rule/", "401 401 401 404 404 200 404",
             {"bands": [{"outcome": "hire", "min_mean": 3.5, "min_each": 2}], "otherwise": "no_hire"}),
    ],
    "schema": [Call("get", "/api/schema/", "200 200 200 200 200 200 200")],
    "swagger-ui": [Call("get", "/api/docs/", "200 200 200 200 200 200 200")],
    # Staff pages: a caller with no staff user goes to the login page (302); out of scope is a 404.
    "staff-home": [Call("get", "/staff/", "302 302 302 302 302 302 302")],
    "staff-login": [Call("get", "/staff/login/", "200 200 200 200 200 200 200")],
    "staff-logout": [Call("post", "/staff/logout/", "302 302 302 302 302 302 302")],
    "staff-attempts": [Call("get", "/staff/attempts/", "302 302 302 200 200 200 200")],
    "staff-queue": [Call("get", "/staff/queue/", "302 302 302 200 200 200 200")],
    "staff-invitations": [
        Call("get", "/staff/invitations/", "302 302 302 200 200 200 200"),
        # Created (302); E is not offered to a reviewer off its panel or another organisation (400).
        Call("post", "/staff/invitations/", "302 302 302 302 400 302 400",
             {"mode": "one", "one-participant_name": "New Person", "one-participant_email": "new@example.com",
              "one-exercise": "{E}", "one-expires_in_days": 7}),
    ],
    "staff-invitation-revoke": [Call("post", "/staff/invitations/{I}/revoke/", "302 302 302 404 404 302 404")],
    "staff-invitation-resend": [Call("post", "/staff/invitations/{I}/resend/", "302 302 302 404 404 302 404")],
    "staff-participant": [Call("get", "/staff/participants/{P}/", "302 302 302 200 404 200 404")],
    "staff-participant-erase": [
        Call("post", "/staff/participants/{P}/erase/", "302 302 302 404 404 302 404", {"reason": "request of the person"}),
    ],
    "staff-audit": [Call("get", "/staff/audit/", "302 302 302 404 404 200 200")],
    "staff-audit-csv": [Call("get", "/staff/audit/export.csv", "302 302 302 404 404 200 200")],
    "staff-attempt": [Call("get", "/staff/attempts/{A}/", "302 302 302 200 404 200 404")],
    "staff-attempt-review": [
        Call("post", "/staff/attempts/{A}/review/", "302 302 302 400 404 400 404", {"score_communication": "3"}),
    ],
    "staff-attempt-release": [Call("post", "/staff/attempts/{A}/release/", "302 302 302 302 404 302 404")],
    "staff-attempt-override": [
        Call("post", "/staff/attempts/{A}/overrides/", "302 302 302 400 404 302 404",
             {"dimension": "communication", "score": "3", "reason_code": "other", "justification": "x"}),
    ],
    "staff-attempt-override-revert": [
        Call("post", "/staff/attempts/{A}/overrides/{O}/revert/", "302 302 302 400 404 302 404", {"justification": "x"}),
    ],
    "staff-attempt-assign": [Call("post", "/staff/attempts/{A}/assign/", "302 302 302 404 404 400 404")],
    "staff-attempt-finalize": [Call("post", "/staff/attempts/{A}/finalize/", "302 302 302 404 404 400 404")],
    "staff-attempt-reopen": [Call("post", "/staff/attempts/{A}/reopen/", "302 302 302 404 404 400 404")],
    "staff-scorecard": [Call("get", "/staff/attempts/{A}/scorecard/", "302 302 302 200 404 200 404")],
    "staff-exercises": [Call("get", "/staff/exercises/", "302 302 302 200 200 200 200")],
    "staff-compare": [Call("get", "/staff/exercises/{E}/compare/", "302 302 302 404 404 200 404")],
    "staff-exercise-rule": [Call("post", "/staff/exercises/{E}/rule/", "302 302 302 404 404 400 404")],
    # The candidate's pages: the link shows the exercise to whoever holds it; the workspace opens
    # only in the browser session that took it.
    "take": [Call("get", "/take/{token_B}/", "200 200 200 200 200 200 200")],
    "workspace": [Call("get", "/attempt/{B}/", "404 200 404 404 404 404 404")],
    "attempt-appeal": [
        # B is still in progress: its participant is sent back to the workspace; anyone else, 404.
        Call("post", "/attempt/{B}/appeal/", "404 302 404 404 404 404 404", {"dimension": "communication", "reason": "x"}),
    ],
    "self-identification": [Call("get", "/attempt/{B}/about-you/", "404 302 404 404 404 404 404")],
    "healthz": [Call("get", "/healthz/", "204 204 204 204 204 204 204")],
    # Single sign-on: public steps of a sign-in; an organisation without a provider is a 404 page and
    # a callback without a sign-in started in this browser is refused.
    "staff-sso": [Call("get", "/staff/sso/", "302 302 302 302 302 302 302")],
    "staff-sso-start": [Call("get", "/staff/sso/no-such-organisation/", "404 404 404 404 404 404 404")],
    "staff-sso-callback": [Call("get", "/staff/sso/callback/", "403 403 403 403 403 403 403")],
    "staff-settings-notifications": [Call("get", "/staff/settings/notifications/", "302 302 302 404 404 200 200")],
    "staff-settings-self-identification": [
        Call("get", "/staff/settings/self-identification/", "302 302 302 404 404 200 200"),
        Call("post", "/staff/settings/self-identification/", "302 302 302 404 404 400 400", {"action": "save", "count": "0"}),
    ],
    # Appeals: the assigned reviewer (rev) or a lead answers A's appeal; on a blind exercise the
    # reviewer must review first (400), the lead records that the score stands.
    "staff-attempt-appeal": [
        Call("post", "/staff/attempts/{A}/appeal/", "302 302 302 400 404 302 404",
             {"outcome": "upheld", "note": "Looked at it again; it stands."}),
    ],
    "staff-exercise-appeals": [Call("post", "/staff/exercises/{E}/appeals/", "302 302 302 404 404 302 404", {"allowed": "yes"})],
    # Calibration and item statistics: leads only (a reviewer, like another organisation, 404);
    # calibration examples are graded by the reviewers of their exercise.
    "api-exercise-calibration": [Call("get", "/api/v1/exercises/{E}/calibration/", "401 401 401 404 404 200 404")],
    "api-item-statistics": [Call("get", "/api/v1/items/statistics/?exercise={E}", "401 401 401 404 404 200 404")],
    "api-item-retire": [Call("post", "/api/v1/exercises/{E}/items/retire/", "401 401 401 404 404 400 404", {})],
    "staff-calibration": [Call("get", "/staff/exercises/{E}/calibration/", "302 302 302 404 404 200 404")],
    "staff-calibration-mark": [
        Call("post", "/staff/exercises/{E}/calibration/examples/", "302 302 302 404 404 400 404"),
        Call("post", "/staff/exercises/{E}/calibration/examples/", "302 302 302 404 404 302 404",
             {"attempt": "{CXA}", "agreed-troubleshooting": "3", "agreed-communication": "3",
              "agreed-escalation": "3", "agreed-operational_discipline": "3"}),
    ],
    "staff-item-retire": [Call("post", "/staff/exercises/{E}/items/retire/", "302 302 302 404 404 400 404")],
    "staff-calibration-index": [Call("get", "/staff/calibration/", "302 302 302 200 200 200 200")],
    "staff-calibration-example": [Call("get", "/staff/calibration/examples/{CX}/", "302 302 302 200 404 200 404")],
    "staff-calibration-grade": [Call("post", "/staff/calibration/examples/{CX}/grade/", "302 302 302 400 404 400 404")],
    "staff-calibration-unmark": [Call("post", "/staff/calibration/examples/{CX}/unmark/", "302 302 302 404 404 302 404")],
    # Programmes: a lead's (reviewers and other organisations 404; a reviewer's API list is empty).
    "api-programmes": [Call("get", "/api/v1/programmes/", "401 401 401 200 200 200 200")],
    "api-programme": [Call("get", "/api/v1/programmes/{PR}/", "401 401 401 404 404 200 404")],
    "api-programme-enrolments": [Call("get", "/api/v1/programmes/{PR}/enrolments/", "401 401 401 404 404 200 404")],
    "api-enrolment": [Call("get", "/api/v1/enrolments/{EN}/", "401 401 401 404 404 200 404")],
    "staff-programmes": [Call("get", "/staff/programmes/", "302 302 302 404 404 200 200")],
    "staff-programme-new": [Call("get", "/staff/programmes/new/", "302 302 302 404 404 200 200")],
    "staff-programme-drills-install": [Call("post", "/staff/programmes/drills/install/", "302 302 302 404 404 302 302")],
    "staff-programme": [Call("get", "/staff/programmes/{PR}/", "302 302 302 404 404 200 404")],
    "staff-programme-edit": [Call("get", "/staff/programmes/{PR}/edit/", "302 302 302 404 404 200 404")],
    "staff-programme-enrol": [
        Call("post", "/staff/programmes/{PR}/enrol/", "302 302 302 404 404 400 404"),
        Call("post", "/staff/programmes/{PR}/enrol/", "302 302 302 404 404 302 404",
             {"name": "Una Trainee", "email": "una@example.com", "start_date": "2026-01-05"}),
    ],
    "staff-programme-trainee": [Call("get", "/staff/programmes/{PR}/trainees/{EN}/", "302 302 302 404 404 200 404")],
    # The trainee's link works for whoever holds it, like an invitation link.
    "programme-trainee": [Call("get", "/programme/{PT}/", "200 200 200 200 200 200 200")],
    "programme-drill-start": [Call("post", "/programme/{PT}/drills/{DR}/start/", "302 302 302 302 302 302 302")],
    # A drill's feedback through the link: only the enrolment's own finished drills (B is none of them).
    "programme-drill-feedback": [Call("get", "/programme/{PT}/attempts/{B}/feedback/", "404 404 404 404 404 404 404")],
    # Fairness: the report and the questions are a lead's (of the exercise's organisation).
    "api-adverse-impact": [Call("get", "/api/v1/exercises/{E}/adverse-impact/", "401 401 401 404 404 200 404")],
    "api-self-identification-questions": [
        Call("get", "/api/v1/self-identification/questions/", "401 401 401 404 404 200 200"),
        Call("put", "/api/v1/self-identification/questions/", "401 401 401 404 404 400 400", {"questions": []}),
    ],
    "staff-adverse-impact": [Call("get", "/staff/exercises/{E}/adverse-impact/", "302 302 302 404 404 200 404")],
    # Integrations: the settings page is a lead's; the partner API answers only its key (none of
    # these callers holds one: 401); the LTI tool's public keys are public.
    "staff-integrations": [Call("get", "/staff/settings/integrations/", "302 302 302 404 404 200 200")],
    "staff-integrations-key-revoke": [
        Call("post", "/staff/settings/integrations/keys/{K}/revoke/", "302 302 302 404 404 302 404"),
    ],
    "staff-integrations-webhook-disable": [
        Call("post", "/staff/settings/integrations/webhooks/{W}/disable/", "302 302 302 404 404 302 404"),
    ],
    "greenhouse-list-tests": [Call("get", "/integrations/greenhouse/list_tests", "401 401 401 401 401 401 401")],
    "greenhouse-send-test": [
        Call("post", "/integrations/greenhouse/send_test", "401 401 401 401 401 401 401",
             {"partner_test_id": "review-drill", "candidate": {"first_name": "A", "last_name": "B", "email": "ab@example.com"}}),
    ],
    "greenhouse-test-status": [
        Call("get", "/integrations/greenhouse/test_status?partner_interview_id={A}", "401 401 401 401 401 401 401"),
    ],
    "greenhouse-response-error": [
        Call("post", "/integrations/greenhouse/response_error", "401 401 401 401 401 401 401", {"partner_interview_id": "{A}"}),
    ],
    "lti-jwks": [Call("get", "/integrations/lti/jwks.json", "200 200 200 200 200 200 200")],
}  # fmt: skip


def url_names() -> set[str]:
    """Every named route of the URL configuration but the operators' admin."""

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if getattr(pattern, "app_name", None) == "admin" or str(pattern.pattern) == "admin/":
                    continue
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern.name or f"<unnamed {pattern.pattern}>"

    return set(walk(get_resolver().url_patterns))


def test_every_route_has_an_entry():
    names = url_names()

    assert names - set(MATRIX) == set(), "routes without an entry in the permission matrix"
    assert set(MATRIX) - names == set(), "entries for routes that no longer exist"
    for name, calls in MATRIX.items():
        for call in calls:
            assert len(call.expected.split()) == len(CALLERS), name


@pytest.fixture
def world(
    scored_attempt, review_exercise, all_kinds_exercise, lead, reviewer, outsiders, organisation, settings
):
    from django.contrib.auth import get_user_model

    attempt_a = scored_attempt()
    override = scoring_services.override_create(
        attempt=attempt_a,
        dimension="communication",
        score=2,
        reason_code="other",
        justification="x",
        author=lead,
    )
    invitation_b, token_b = services.invitation_create(
        exercise=all_kinds_exercise,
        participant_name="Bea",
        participant_email="bea@example.com",
        created_by=lead,
    )
    attempt_b, access_b, _ = services.attempt_start(invitation_token=token_b)
    _, token_c = services.invitation_create(
        exercise=all_kinds_exercise,
        participant_name="Cy",
        participant_email="cy@example.com",
        created_by=lead,
    )
    attempt_c, access_c, _ = services.attempt_start(invitation_token=token_c)
    _, fresh_token = services.invitation_create(
        exercise=all_kinds_exercise,
        participant_name="Di",
        participant_email="di@example.com",
        created_by=lead,
    )
    rev_off = get_user_model().objects.create_user(username="otto", password="reviewer-password-000")
    services.member_add(organisation=organisation, user=rev_off, role="reviewer")
    # A's participant asks for a second look. Routing sends it to a panel reviewer not assigned to
    # A's first review (tested in scoring/tests/test_appeals.py); the matrix needs the caller rev to
    # be the appeal's reviewer, so it is put in rev's queue here.
    services.exercise_set_appeals(exercise=review_exercise, allowed=True, set_by=lead)
    appeal = appeals.appeal_request(attempt=attempt_a, dimension="communication", reason="I was clear.")
    assert appeal.assigned_to not in (None, reviewer)
    type(appeal).objects.filter(pk=appeal.pk).update(assigned_to=reviewer)
    # A calibration example of E, already graded by rev so that the live attempts stay open to rev.
    example_attempt = scored_attempt(email="cal@example.com")
    scoring_services.scorecard_finalize(
        attempt=example_attempt, finalized_by=lead, without_required_reviews=True
    )
    example_attempt.refresh_from_db()
    dimensions = scoring_services._dimensions_of(example_attempt)
    example = scoring_services.calibration_example_mark(
        attempt=example_attempt, agreed_scores={d: 3 for d in dimensions}, marked_by=lead
    )
    scoring_services.calibration_grade_submit(
        example=example, reviewer=reviewer, scores={d: 3 for d in dimensions}
    )
    # An onboarding programme with one drill and one trainee.
    drill = services.exercise_create(
        organisation=organisation, slug="m-drill", title="Matrix drill", purpose="training",
        time_limit_minutes=20, base_seed=41, variant_policy="per_participant",
        items=[{"kind": "triage_queue", "archetypes": [], "difficulty": "easy"}],
    )  # fmt: skip
    programme = programme_services.programme_create(
        organisation=organisation, title="Onboarding", created_by=lead,
        stages=[programme_services.StageSpec(title="30 days", due_days=30, drills=[drill])],
    )  # fmt: skip
    enrolment, trainee_token = programme_services.enrolment_create(
        programme=programme, name="Tara Trainee", email="tara@example.com", start_date=date.today(),
        enrolled_by=lead,
    )  # fmt: skip
    # The integrations: a partner API key and a webhook endpoint.
    settings.INTEGRATIONS_ALLOW_PRIVATE_TARGETS = True
    api_key, partner_key = integration_services.api_key_create(
        organisation=organisation, name="Greenhouse", created_by=lead
    )
    endpoint, _ = integration_services.webhook_endpoint_create(
        organisation=organisation, url="http://127.0.0.1:9/hooks", event_types=["attempt.finalized"],
        created_by=lead,
    )  # fmt: skip
    items = list(attempt_b.items.order_by("position"))
    objects = {
        "A": attempt_a.public_id,
        "B": attempt_b.public_id,
        "B_item": items[0].public_id,
        "B_log_item": next(i.public_id for i in items if i.kind == "log_investigation"),
        "E": review_exercise.pk,
        "O": override.pk,
        "P": attempt_a.participant_id,
        "I": invitation_b.pk,
        "token": fresh_token,
        "token_B": token_b,
        "CX": example.pk,
        "CXA": example_attempt.public_id,
        "PR": programme.pk,
        "EN": enrolment.pk,
        "PT": trainee_token,
        "DR": drill.pk,
        "K": api_key.pk,
        "W": endpoint.pk,
        "partner_key": partner_key,
    }

    def candidate(attempt, access_token):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
        session = client.session
        session[SESSION_TOKENS] = {attempt.public_id: access_token}
        session.save()
        return client

    def staff(user):
        client = APIClient()
        client.force_login(user)
        return client

    clients = {
        "anon": lambda: APIClient(),
        "cand": lambda: candidate(attempt_b, access_b),
        "cand2": lambda: candidate(attempt_c, access_c),
        "rev": lambda: staff(reviewer),
        "rev_off": lambda: staff(rev_off),
        "lead": lambda: staff(lead),
        "lead_other": lambda: staff(outsiders[1]["lead"]),
    }
    return objects, clients


def _fill(value, objects):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in objects:
            return objects[value[1:-1]]
        return value.format(**objects)
    if isinstance(value, dict):
        return {k: _fill(v, objects) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, objects) for v in value]
    return value


class _Rollback(Exception):
    pass


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_answers_each_caller_as_the_matrix_says(caller, world):
    objects, clients = world
    column = CALLERS.index(caller)
    wrong = []
    for name, calls in MATRIX.items():
        for call in calls:
            client = clients[caller]()
            path = call.path.format(**objects)
            expected = int(call.expected.split()[column])
            status = None
            try:
                with transaction.atomic():
                    if call.body is None:
                        response = getattr(client, call.method)(path)
                    elif path.startswith(("/api/", "/integrations/")):
                        response = getattr(client, call.method)(
                            path, _fill(call.body, objects), format="json"
                        )
                    else:
                        response = getattr(client, call.method)(path, _fill(call.body, objects))
                    status = response.status_code
                    raise _Rollback
            except _Rollback:
                pass
            if status != expected:
                wrong.append(f"{call.method.upper()} {call.path} ({name}): expected {expected}, got {status}")
    assert not wrong, f"{caller}:\n" + "\n".join(wrong)


def test_the_partner_api_answers_its_own_key(world):
    """The partner routes' 401 above is the missing key, not a broken route: the key opens them."""
    import base64

    objects, _ = world
    client = APIClient()
    credentials = base64.b64encode(f"{objects['partner_key']}:".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {credentials}")

    response = client.get("/integrations/greenhouse/list_tests")

    assert response.status_code == 200
    ids = {t["partner_test_id"] for t in response.json()}
    # The organisation's hiring exercises: the panel's exercise is one, the training drill is not.
    assert "review-drill" in ids
    assert "m-drill" not in ids
