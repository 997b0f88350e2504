"""Built-in exercises are keyed with a per-organisation secret: the same exercise gives different
scenarios in different organisations, and no seed or answer key follows from the code alone."""

import hashlib

import pytest
from django.contrib.auth import get_user_model

from scenarios.catalog import archetype_ids, get_archetype
from scenarios.generation import generate
from simulator import services
from simulator.builtin_exercises import BUILTIN_EXERCISES, builtin_exercises_for, keyed_seed
from simulator.models import Exercise, Organisation


def _org(slug: str) -> tuple[Organisation, object]:
    organisation = services.organisation_create(name=slug.title(), slug=slug)
    user = get_user_model().objects.create_user(username=f"lead-{slug}", password="lead-password-123")
    services.member_add(organisation=organisation, user=user, role="lead")
    return organisation, user


def _start(exercise: Exercise, lead, email: str = "casey@example.com"):
    _, token = services.invitation_create(
        exercise=exercise, participant_name="Casey Candidate", participant_email=email, created_by=lead
    )
    attempt, _, _ = services.attempt_start(invitation_token=token)
    return attempt.items.select_related("scenario").get().scenario


def _old_formula_seed(base_seed: int, position: int) -> int:
    """How seeds were drawn before secrets: from the exercise's settings alone."""
    return int(hashlib.sha256(f"{base_seed}|{position}".encode()).hexdigest()[:12], 16)


@pytest.mark.django_db
def test_every_organisation_gets_its_own_secret_that_no_page_or_form_shows(admin_client):
    first, _ = _org("first")
    second, _ = _org("second")
    assert len(first.seed_secret) == 64 and int(first.seed_secret, 16) >= 0
    assert first.seed_secret != second.seed_secret
    html = admin_client.get(f"/admin/simulator/organisation/{first.pk}/change/").content.decode()
    assert "First" in html and first.seed_secret not in html


@pytest.mark.django_db
def test_two_organisations_builtin_exercises_differ_in_seed_archetype_and_scenario():
    (first, lead_a), (second, lead_b) = _org("first"), _org("second")
    by_slug = {
        org.pk: {e.slug: e for e in Exercise.objects.filter(organisation=org, builtin=True)}
        for org in (first, second)
    }
    a, b = by_slug[first.pk], by_slug[second.pk]
    assert set(a) == set(b) == {spec["slug"] for spec in BUILTIN_EXERCISES}
    # Not 1000 + position any more, and not the same in both organisations.
    assert all(a[slug].base_seed != b[slug].base_seed for slug in a)
    assert all(e.base_seed >= 2**16 for e in [*a.values(), *b.values()])
    archetypes_a = [a[spec["slug"]].items[0]["archetypes"][0] for spec in BUILTIN_EXERCISES]
    archetypes_b = [b[spec["slug"]].items[0]["archetypes"][0] for spec in BUILTIN_EXERCISES]
    assert archetypes_a != archetypes_b
    scenario_a = _start(a["ticket-triage"], lead_a)
    scenario_b = _start(b["ticket-triage"], lead_b)
    assert scenario_a.seed != scenario_b.seed
    assert scenario_a.content_hash != scenario_b.content_hash


@pytest.mark.django_db
def test_one_organisation_s_builtin_exercises_each_use_a_different_failure_that_fits_its_kind():
    organisation, _ = _org("solo")
    exercises = Exercise.objects.filter(organisation=organisation, builtin=True)
    chosen = [(e.items[0]["kind"], e.items[0]["archetypes"]) for e in exercises]
    assert all(len(archetypes) == 1 for _, archetypes in chosen)
    assert len({archetypes[0] for _, archetypes in chosen}) == len(BUILTIN_EXERCISES)
    assert all(kind in get_archetype(archetypes[0])["kinds"] for kind, archetypes in chosen)


@pytest.mark.django_db
def test_the_seed_follows_from_the_secret_not_from_the_exercise_settings():
    organisation, lead = _org("keyed")
    exercise = Exercise.objects.get(organisation=organisation, slug="logs-and-traces")
    scenario = _start(exercise, lead)
    # The seed is the HMAC of the exercise's settings under the organisation's secret ...
    assert scenario.seed == keyed_seed(organisation.seed_secret, exercise.base_seed, 0)
    # ... so whoever knows the settings but not the secret cannot compute it.
    assert scenario.seed != _old_formula_seed(exercise.base_seed, 0)
    assert scenario.seed != keyed_seed("0" * 64, exercise.base_seed, 0)
    assert all(scenario.seed != _old_formula_seed(1000 + p, 0) for p in range(len(BUILTIN_EXERCISES)))
    # The same organisation's exercise regenerates byte for byte from what the scenario stores.
    again = generate(
        scenario.kind, scenario.archetype, scenario.seed, scenario.difficulty,
        generator_version=scenario.generator_version, log_lines=scenario.log_lines,
    )  # fmt: skip
    assert again.content_hash == scenario.content_hash


def test_the_builtin_set_is_a_pure_function_of_the_secret():
    secret = "ab" * 32
    assert builtin_exercises_for(secret) == builtin_exercises_for(secret)
    assert builtin_exercises_for(secret) != builtin_exercises_for("cd" * 32)
    # Over many organisations the built-in set does not keep landing on the same failures.
    firsts = {builtin_exercises_for(f"{n:064x}")[0]["items"][0]["archetypes"][0] for n in range(40)}
    fitting = [a for a in archetype_ids() if "triage_queue" in get_archetype(a)["kinds"]]
    assert len(firsts) >= len(fitting) // 2


@pytest.mark.django_db
def test_items_of_one_exercise_draw_different_archetypes_by_default():
    organisation, lead = _org("mixed")
    exercise = services.exercise_create(
        organisation=organisation, slug="loop", title="Loop", purpose="hiring", time_limit_minutes=60,
        base_seed=424242,
        items=[
            {"kind": "triage_queue", "archetypes": [], "difficulty": "medium"},
            {"kind": "log_investigation", "archetypes": [], "difficulty": "medium", "log_lines": 300},
            {"kind": "postmortem", "archetypes": [], "difficulty": "medium"},
        ],
    )  # fmt: skip
    _, token = services.invitation_create(
        exercise=exercise, participant_name="Casey", participant_email="c@example.com", created_by=lead
    )
    attempt, _, _ = services.attempt_start(invitation_token=token)
    archetypes = [item.scenario.archetype for item in attempt.items.select_related("scenario")]
    assert len(set(archetypes)) == 3


def test_no_organisation_s_postmortem_or_incident_drill_is_about_a_customer_s_own_setup():
    """A customer's own expired secret or missing CNAME is no incident of ours: neither the built-in
    drills nor an item that leaves the archetype open draw one for an incident or a postmortem."""
    chosen = {
        (item["kind"], archetype)
        for n in range(40)
        for spec in builtin_exercises_for(f"{n:064x}")
        for item in spec["items"]
        for archetype in item["archetypes"]
        if item["kind"] in ("incident", "postmortem")
    }
    assert chosen and not [c for c in chosen if get_archetype(c[1]).get("fault") == "customer"], chosen
    open_pool = [a for a in archetype_ids() if "postmortem" in get_archetype(a)["kinds"]]
    assert not [a for a in open_pool if get_archetype(a).get("fault") == "customer"]
