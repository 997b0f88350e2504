"""/admin/ is for operators (superusers) only; leads and reviewers are refused on every page of it,
since the admin is not scoped to an organisation. Operators get every list in a fixed number of
queries, and no secret on any page."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from scenarios.models import AnswerKey
from scoring import services as scoring_services
from scoring.models import Override
from simulator import services
from simulator.models import Attempt, Invitation

pytestmark = pytest.mark.django_db

# The most queries any changelist may make, whatever the number of rows (session, user, count,
# rows, filters' choices...).
CHANGELIST_MAX_QUERIES = 9


def _scored_attempt(exercise, created_by, email: str) -> Attempt:
    invitation, token = services.invitation_create(
        exercise=exercise, participant_name="Casey Candidate", participant_email=email, created_by=created_by
    )
    attempt, _, _ = services.attempt_start(invitation_token=token)
    item = attempt.items.order_by("position").first()
    answer = {"triage_queue": {"notes": "Worked the queue."}, "customer_comms": {"update": "Investigating."}}
    services.response_save(attempt=attempt, item=item, base_version=0, answer=answer[item.kind])
    services.events_record(
        attempt=attempt, events=[{"kind": "item_opened", "item": item.public_id, "data": {}}]
    )
    services.attempt_submit(attempt=attempt, submitted_by="participant")
    scoring_services.attempt_score(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return attempt


def _reviewed(attempt: Attempt, *, lead, reviewer) -> Attempt:
    """The staff side's records for an attempt: an assignment, a review, an override and its revert,
    a claim left open, the audit entries of each."""
    scoring_services.review_assign(attempt=attempt, reviewer=reviewer, assigned_by=lead)
    scoring_services.review_claim(attempt=attempt, reviewer=reviewer)
    dimension = sorted(attempt.scorecard.auto_scores)[0]
    scoring_services.review_submit(attempt=attempt, reviewer=reviewer, scores={dimension: 3}, notes="Solid.")
    override = scoring_services.override_create(
        attempt=attempt, dimension=dimension, score=4, reason_code="scorer_missed_evidence",
        justification="The answer names the failing deploy.", author=lead,
    )  # fmt: skip
    scoring_services.override_revert(
        override=override, justification="Second look: it does not.", author=lead
    )
    scoring_services.review_claim(attempt=attempt, reviewer=reviewer)
    return attempt


@pytest.fixture
def exercise(review_exercise, lead):
    scoring_services.recommendation_rule_set(
        exercise=review_exercise,
        bands=[{"outcome": "hire", "min_mean": 3.5, "min_each": 2}],
        otherwise="no_hire",
        set_by=lead,
    )
    return review_exercise


@pytest.fixture
def other_organisation():
    """Another customer: its lead holds an API token, its attempt has answer keys."""
    organisation = services.organisation_create(name="Globex Support", slug="globex")
    lead = get_user_model().objects.create_user(username="gus", password="globex-lead-password")
    services.member_add(organisation=organisation, user=lead, role="lead")
    token = Token.objects.create(user=lead)
    exercise = services.exercise_create(
        organisation=organisation,
        slug="comms",
        title="Comms",
        purpose="hiring",
        time_limit_minutes=30,
        base_seed=99,
        items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "medium"}],
    )
    attempt = _scored_attempt(exercise, lead, "globex-candidate@example.com")
    return {"organisation": organisation, "lead": lead, "token": token, "attempt": attempt}


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser(username="ops", password="operator-password-123")


def _admin_pages() -> list[tuple[str, object]]:
    """Every page of the admin: the index, each app's index, and each model's list, add and
    change (for its first row) pages; each with a test of whether a request may open it."""
    pages = [(reverse("admin:index"), lambda request: True)]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        pages += [
            (reverse("admin:app_list", args=[opts.app_label]), lambda request: True),
            (reverse(f"{name}_changelist"), model_admin.has_view_or_change_permission),
            (reverse(f"{name}_add"), model_admin.has_add_permission),
        ]
        first = model_admin.get_queryset(None).first()
        if first is not None:
            object_id = first.user_id if isinstance(first, Token) else first.pk
            pages.append(
                (
                    reverse(f"{name}_change", args=[object_id]),
                    lambda request, model_admin=model_admin, first=first: (
                        model_admin.has_view_or_change_permission(request, first)
                    ),
                )
            )
    return pages


def _admin_urls() -> list[str]:
    return sorted({url for url, _ in _admin_pages()})


def _changelist_urls() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


@pytest.mark.parametrize("marked_staff", [False, True], ids=["lead", "lead-marked-is_staff"])
def test_a_lead_is_sent_to_the_login_page_from_every_admin_page(
    client, lead, other_organisation, marked_staff
):
    """Even a lead someone marked `is_staff` (as seed_demo once did): only superusers get in."""
    lead.is_staff = marked_staff
    lead.save()
    client.force_login(lead)
    urls = _admin_urls()
    assert len(urls) > 30
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_a_lead_cannot_sign_in_to_the_admin(client, lead):
    lead.is_staff = True
    lead.save()
    response = client.post(
        reverse("admin:login"), {"username": "lena", "password": "lead-password-123", "next": "/admin/"}
    )
    assert response.status_code == 200
    assert "for an operator account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lead_cannot_reach_another_organisations_tokens_users_or_answer_keys(
    client, lead, other_organisation
):
    client.force_login(lead)
    answer_key = AnswerKey.objects.get(scenario=other_organisation["attempt"].items.get().scenario)
    for url in [
        reverse("admin:authtoken_tokenproxy_changelist"),
        reverse("admin:authtoken_tokenproxy_change", args=[other_organisation["lead"].pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[other_organisation["lead"].pk]),
        reverse("admin:scenarios_answerkey_changelist"),
        reverse("admin:scenarios_answerkey_change", args=[answer_key.pk]),
    ]:
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("admin:login")), url
        page = response.content.decode()
        assert other_organisation["token"].key not in page
        assert "gus" not in page
        assert "not authorized to access this page" in page


def test_an_operator_signs_in_and_opens_every_page(
    client, operator, lead, reviewer, exercise, other_organisation
):
    _reviewed(_scored_attempt(exercise, lead, "casey@example.com"), lead=lead, reviewer=reviewer)
    response = client.post(
        reverse("admin:login"), {"username": "ops", "password": "operator-password-123", "next": "/admin/"}
    )
    assert response.status_code == 302
    request = RequestFactory().get("/admin/")
    request.user = operator
    pages = _admin_pages()
    for url, may_open in pages:
        response = client.get(url)
        # Read-only records have no add page (and API tokens no page at all): 403, as Django
        # answers for a missing permission.
        assert response.status_code == (200 if may_open(request) else 403), url
    allowed = {url for url, may_open in pages if may_open(request)}
    assert reverse("admin:simulator_membership_add") in allowed
    assert reverse("admin:simulator_attempt_add") not in allowed
    refused_pages = {url for url, _ in pages if url.endswith("/change/") and url not in allowed}
    assert refused_pages == {
        reverse("admin:authtoken_tokenproxy_change", args=[other_organisation["lead"].pk])
    }
    opened = {url.split("/")[3] for url in allowed if url.endswith("/change/")}
    for model in (
        "attempt",
        "invitation",
        "answerkey",
        "scoreset",
        "review",
        "override",
        "scorecard",
        "reviewclaim",
    ):
        assert model in opened, " ".join(sorted(opened))


def test_overrides_are_append_only_in_the_admin_too(client, operator, lead, reviewer, exercise):
    _reviewed(_scored_attempt(exercise, lead, "casey@example.com"), lead=lead, reviewer=reviewer)
    client.force_login(operator)
    override = Override.objects.filter(action="override").get()
    change = reverse("admin:scoring_override_change", args=[override.pk])
    page = client.get(change)
    assert page.status_code == 200 and "The answer names the failing deploy." in page.content.decode()
    assert 'name="justification"' not in page.content.decode()  # shown, not editable
    assert client.post(change, {"justification": "changed", "score": 1}).status_code == 403
    assert (
        client.post(reverse("admin:scoring_override_delete", args=[override.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert client.get(reverse("admin:scoring_override_add")).status_code == 403
    override.refresh_from_db()
    assert override.justification == "The answer names the failing deploy."


def test_every_changelist_takes_the_same_few_queries_however_many_rows(
    client, operator, lead, reviewer, exercise
):
    client.force_login(operator)
    _reviewed(_scored_attempt(exercise, lead, "first@example.com"), lead=lead, reviewer=reviewer)

    def counts() -> dict[str, int]:
        result = {}
        for url in _changelist_urls():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            result[url] = len(queries)
        return result

    before = counts()
    for number in range(3):
        _reviewed(_scored_attempt(exercise, lead, f"more{number}@example.com"), lead=lead, reviewer=reviewer)
    Token.objects.create(user=lead)
    after = counts()
    assert after == before
    assert max(after.values()) <= CHANGELIST_MAX_QUERIES, after


def test_no_admin_page_shows_a_token_or_its_hash(
    client, operator, lead, reviewer, exercise, other_organisation
):
    client.force_login(operator)
    attempt = _reviewed(_scored_attempt(exercise, lead, "casey@example.com"), lead=lead, reviewer=reviewer)
    secrets = [other_organisation["token"].key, attempt.access_token_hash]
    for token_hash, link_secret in Invitation.objects.values_list("token_hash", "link_secret"):
        secrets += [token_hash, link_secret] if link_secret else [token_hash]
    for url in _admin_urls():
        page = client.get(url).content.decode()
        for secret in secrets:
            assert secret not in page, url


def test_answer_key_lists_name_the_scenario_but_show_no_key(client, operator, lead, exercise):
    client.force_login(operator)
    attempt = _scored_attempt(exercise, lead, "casey@example.com")
    page = client.get(reverse("admin:scenarios_answerkey_changelist")).content.decode()
    for item in attempt.items.select_related("scenario__answer_key"):
        assert item.scenario.reference in page
        for value in _leaf_strings(item.scenario.answer_key.content):
            assert value not in page


def _leaf_strings(value) -> list[str]:
    """The answer key's longer texts: short ones ("SEV1") may appear on any page by chance."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _leaf_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _leaf_strings(v)]
    return (
        [value] if isinstance(value, str) and len(value) > 24 and not re.fullmatch(r"[\w.:-]+", value) else []
    )
