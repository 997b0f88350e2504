"""Data checks for scenarios/catalog/archetypes.yaml.

Plain pytest functions; no Django needed. Run with:
    .venv/bin/pytest scenarios/tests/test_catalog_data.py -p no:django -q
"""

import copy
import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from scenarios.generation import world
from scenarios.generation.stories import story_placeholders

CATALOG_DIR = Path(__file__).resolve().parents[1] / "catalog"
ARCHETYPES_PATH = CATALOG_DIR / "archetypes.yaml"
SCHEMA_PATH = CATALOG_DIR / "catalog.schema.json"
EXAMPLE_PATH = CATALOG_DIR / "EXAMPLE.yaml"

PLACEHOLDER_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")

WORLD_PLACEHOLDERS = frozenset(world.WORLD_PLACEHOLDERS)

ALL_KINDS = {
    "triage_queue",
    "log_investigation",
    "escalation_writeup",
    "customer_comms",
    "incident",
    "postmortem",
}


@lru_cache(maxsize=1)
def load_catalog():
    with ARCHETYPES_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=1)
def load_schema():
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def archetypes():
    return load_catalog()["archetypes"]


def iter_strings(node, path="$"):
    """Yield (path, string) for every string value in a nested structure."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from iter_strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_strings(value, f"{path}[{index}]")


def iter_ranges(node, path="$"):
    """Yield (path, value) for every [lo, hi] range field."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("latency_ms", "duration_ms", "int"):
                yield f"{path}.{key}", value
            else:
                yield from iter_ranges(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_ranges(value, f"{path}[{index}]")


def test_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(load_schema())


def test_catalog_validates_against_schema():
    validator = Draft202012Validator(load_schema())
    errors = sorted(validator.iter_errors(load_catalog()), key=lambda e: list(e.absolute_path))
    report = "\n".join(
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}" for error in errors
    )
    assert not errors, f"{len(errors)} schema error(s):\n{report}"


def test_enough_archetypes_with_unique_ids():
    ids = [a["id"] for a in archetypes()]
    assert len(ids) >= 15
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"duplicate archetype ids: {duplicates}"


def test_first_archetype_is_the_example_verbatim():
    with EXAMPLE_PATH.open(encoding="utf-8") as fh:
        example = yaml.safe_load(fh)
    assert archetypes()[0] == example[0]


def test_placeholders_are_world_or_facts():
    problems = []
    catalog = load_catalog()
    for section in ("noise", "benign_tickets"):
        for path, text in iter_strings(catalog[section], f"$.{section}"):
            for name in PLACEHOLDER_RE.findall(text):
                if name not in WORLD_PLACEHOLDERS:
                    problems.append(f"{path}: {{{name}}}")
    for arche in archetypes():
        allowed = WORLD_PLACEHOLDERS | story_placeholders(arche["id"])
        allowed |= {
            p for name, spec in arche.get("facts", {}).items() for p in world.fact_placeholders(name, spec)
        }
        for path, text in iter_strings(arche, f"$.{arche['id']}"):
            # The customer's impact names the counts the escalation key expects.
            here = allowed | ({"records", "users"} if path.endswith(".escalation.customer_impact") else set())
            # A symptom says how late delayed data is as of the moment each kind states it.
            here |= {"backlog_delay"} if path.endswith(".symptom") else set()
            for name in PLACEHOLDER_RE.findall(text):
                if name not in here:
                    problems.append(f"{path}: {{{name}}}")
    assert not problems, "unknown placeholders:\n" + "\n".join(problems)


def test_fact_names_do_not_shadow_world_placeholders():
    clashes = [
        f"{a['id']}.{name}" for a in archetypes() for name in a.get("facts", {}) if name in WORLD_PLACEHOLDERS
    ]
    assert not clashes, clashes


def test_services_are_declared():
    catalog = load_catalog()
    known = set(catalog["services"])
    problems = []
    for index, entry in enumerate(catalog["noise"]):
        if entry["service"] not in known:
            problems.append(f"noise[{index}]: {entry['service']}")
    for arche in archetypes():
        aid = arche["id"]
        named = [("primary_service", arche["primary_service"])]
        named += [("services", s) for s in arche["services"]]
        named += [("signal_logs", e["service"]) for e in arche["signal_logs"]]
        named += [("red_herrings", e["service"]) for e in arche["red_herrings"]]
        named += [("trace", s["service"]) for s in arche["trace"]]
        if "trigger" in arche:
            named.append(("trigger", arche["trigger"]["service"]))
        problems += [f"{aid}.{where}: {svc}" for where, svc in named if svc not in known]
    assert not problems, "services missing from top-level `services`:\n" + "\n".join(problems)


def test_failure_path_services_listed_on_archetype():
    problems = []
    for arche in archetypes():
        local = set(arche["services"])
        named = [arche["primary_service"]]
        named += [e["service"] for e in arche["signal_logs"]]
        named += [s["service"] for s in arche["trace"]]
        if "trigger" in arche:
            named.append(arche["trigger"]["service"])
        problems += [f"{arche['id']}: {svc}" for svc in named if svc not in local]
    assert not problems, "services missing from the archetype's `services`:\n" + "\n".join(problems)


def test_each_trace_has_exactly_one_error_span():
    bad = {a["id"]: n for a in archetypes() if (n := sum("error" in span for span in a["trace"])) != 1}
    assert not bad, f"archetypes whose trace does not have exactly one error span: {bad}"


def test_trace_steps_are_called_by_an_earlier_step_and_heal_to_healthy_times():
    """A step's parent comes before it (the root calls first), and a step that calls nothing and takes
    a failure's time (a second or more: a timeout, a backlog) says how long it takes when healthy."""
    problems = []
    for arche in archetypes():
        steps = arche["trace"]
        for n, step in enumerate(steps):
            parent = step.get("parent", n - 1)
            if n and not 0 <= parent < n:
                problems.append(f"{arche['id']}.trace[{n}]: parent {parent} does not come before it")
            if not n and ("parent" in step or step.get("async") or step.get("on_failure")):
                problems.append(f"{arche['id']}.trace[0]: the root span is called by nothing")
            calls = any(
                other.get("parent", m - 1) == n and not other.get("async") for m, other in enumerate(steps)
            )
            if not calls and step["duration_ms"][0] >= 1000 and "healthy_ms" not in step:
                problems.append(
                    f"{arche['id']}.trace[{n}]: a failure's time {step['duration_ms']} and no healthy_ms"
                )
    assert not problems, "\n".join(problems)


def test_red_herring_ids_unique_within_archetype():
    problems = []
    for arche in archetypes():
        counts = Counter(rh["id"] for rh in arche["red_herrings"])
        problems += [f"{arche['id']}.{i}" for i, n in counts.items() if n > 1]
    assert not problems, f"duplicate red herring ids: {problems}"


def test_benign_ticket_ids_unique():
    counts = Counter(t["id"] for t in load_catalog()["benign_tickets"])
    assert all(n == 1 for n in counts.values()), counts


def test_routes_cover_all_teams():
    routes = {a["route"] for a in archetypes()}
    assert {"L1", "L2", "Engineering", "SRE", "Security"} <= routes, routes


# The customer update is for an outage whose cause is not yet known: a retirement announced months
# ago, or a security review of one customer's leaked key, is not that story.
NOT_AN_OUTAGE_OF_UNKNOWN_CAUSE = {"deprecated_api_version_sunset", "leaked_api_key_in_use"}


# A failure of the customer's own setup (their certificate, DNS record, secret, integration or client)
# is no outage of ours: there is nothing to announce as our incident, no incident to command and none
# to review in a postmortem.
OUR_OUTAGE_KINDS = {"customer_comms", "incident", "postmortem"}


def test_every_archetype_supports_every_kind_its_story_fits():
    missing = {
        a["id"]: ALL_KINDS
        - set(a["kinds"])
        - ({"customer_comms"} if a["id"] in NOT_AN_OUTAGE_OF_UNKNOWN_CAUSE else set())
        - (OUR_OUTAGE_KINDS if a.get("fault") == "customer" else set())
        for a in archetypes()
    }
    assert not any(missing.values()), {k: v for k, v in missing.items() if v}
    misfits = [
        a["id"]
        for a in archetypes()
        if "customer_comms" in a["kinds"]
        and (
            a["id"] in NOT_AN_OUTAGE_OF_UNKNOWN_CAUSE
            or "announced" in " ".join(text for item in a["comms"]["known"] for text in item["say"])
        )
    ]
    assert misfits == []


def test_no_customer_side_archetype_is_offered_as_our_outage():
    offered = {
        a["id"]: sorted(OUR_OUTAGE_KINDS & set(a["kinds"]))
        for a in archetypes()
        if a.get("fault") == "customer"
    }
    assert not any(offered.values()), {k: v for k, v in offered.items() if v}
    # The customer's own expired secret, certificate and missing CNAME are the cases that started this.
    assert {"oauth_client_secret_expired", "webhook_tls_cert_expired", "dns_custom_domain_broken"} <= set(
        offered
    )


def _schema_errors_with(position: int, entry: dict) -> list:
    """The schema's errors for the catalog with the archetype at `position` replaced by `entry`."""
    entries = [*archetypes()[:position], entry, *archetypes()[position + 1 :]]
    return list(Draft202012Validator(load_schema()).iter_errors({**load_catalog(), "archetypes": entries}))


@pytest.mark.parametrize("kind", sorted(OUR_OUTAGE_KINDS))
def test_the_schema_refuses_a_customer_side_archetype_offered_as_our_outage(kind):
    position = next(n for n, a in enumerate(archetypes()) if a.get("fault") == "customer")
    entry = copy.deepcopy(archetypes()[position])
    entry["kinds"].append(kind)
    if kind in ("incident", "postmortem"):
        entry["incident_title"] = "Webhook deliveries failing for some tenants"
        entry["postmortem"] = copy.deepcopy(next(a["postmortem"] for a in archetypes() if "postmortem" in a))
    errors = _schema_errors_with(position, entry)
    assert errors and all(list(e.absolute_path)[:2] == ["archetypes", position] for e in errors), errors


def test_the_schema_wants_an_incident_title_and_a_postmortem_block_where_they_are_used():
    position = next(n for n, a in enumerate(archetypes()) if "postmortem" in a["kinds"])
    entry = copy.deepcopy(archetypes()[position])
    del entry["incident_title"], entry["postmortem"]
    errors = _schema_errors_with(position, entry)
    assert {"'incident_title' is a required property", "'postmortem' is a required property"} <= {
        e.message for e in errors
    }


def test_the_registry_refuses_a_postmortem_of_a_customer_side_failure():
    from scenarios.generation import GenerationError, generate

    for archetype in (a["id"] for a in archetypes() if a.get("fault") == "customer"):
        with pytest.raises(GenerationError, match="does not support kind 'postmortem'"):
            generate("postmortem", archetype, 1, "medium")


def test_ranges_are_ordered():
    bad = [
        f"{path}: {value}"
        for path, value in iter_ranges(load_catalog())
        if isinstance(value, list) and len(value) == 2 and value[0] > value[1]
    ]
    assert not bad, "ranges with lo > hi:\n" + "\n".join(bad)


def test_noise_is_healthy_traffic():
    bad = [
        f"noise[{i}]"
        for i, entry in enumerate(load_catalog()["noise"])
        if entry["level"] not in ("DEBUG", "INFO")
        or ("http" in entry and not 200 <= entry["http"]["status"] < 400)
    ]
    assert not bad, bad


def _ticket_variants(arche: dict, seed: int):
    """Every ticket text the generator can show for an archetype: each subject with each clear body
    (and the error snippet, which clear tickets carry) and each vague body."""
    w = world.build_world(arche["id"], seed)
    ticket = arche["ticket"]
    snippet = w.text(ticket["error_snippet"]).strip() if ticket.get("error_snippet") else ""
    for subject in ticket["subjects"]:
        for body in ticket["bodies_clear"]:
            yield w, {"subject": w.text(subject), "body": w.text(body).strip(), "error_snippet": snippet}
        for body in ticket["bodies_vague"]:
            yield w, {"subject": w.text(subject), "body": w.text(body).strip()}


def test_every_stated_by_phrase_is_in_some_ticket_the_generator_shows():
    """A phrase no ticket contains is a typo: the fact would be expected even where the ticket states it."""
    from scenarios.generation.common import comparable

    problems = []
    for arche in archetypes():
        for seed in (1, 2, 3):
            shown = [comparable(" ".join(t.values())) for _, t in _ticket_variants(arche, seed)]
            w = world.build_world(arche["id"], seed)
            for entry in arche["missing_facts"]:
                for phrase in entry.get("stated_by", ()) if isinstance(entry, dict) else []:
                    if not any(comparable(w.text(phrase)) in text for text in shown):
                        problems.append(f"{arche['id']} (seed {seed}): {phrase!r}")
    assert not problems, "stated_by phrases found in no ticket:\n" + "\n".join(sorted(set(problems)))


def test_no_missing_fact_is_worded_the_same_for_two_tickets():
    """A queue holds tickets of several archetypes and side requests: one question word for word the same
    under two of them reads as a template, not as a question about that ticket."""
    catalog = load_catalog()
    owners: dict[str, set[str]] = {}
    for spec in [*catalog["archetypes"], *catalog["benign_tickets"]]:
        for entry in spec["missing_facts"]:
            owners.setdefault(entry if isinstance(entry, str) else entry["fact"], set()).add(spec["id"])
    shared = {fact: sorted(ids) for fact, ids in owners.items() if len(ids) > 1}
    assert not shared, shared


def test_every_ticket_leaves_at_least_two_facts_to_ask_for():
    """The triage scorer wants questions aimed at what a ticket lacks: a ticket stating everything
    would leave nothing to ask, and the candidate could not earn those checks."""
    from scenarios.generation.common import ticket_facts

    too_few = []
    for arche in archetypes():
        for w, ticket in _ticket_variants(arche, seed=7):
            facts, _ = ticket_facts(w, ticket, vague="error_snippet" not in ticket)
            if len(facts) < 2:
                too_few.append(f"{arche['id']}: {ticket['body'][:60]!r} leaves {facts}")
    assert not too_few, "\n".join(too_few)


def test_a_clear_ticket_does_not_expect_what_it_states_and_a_vague_one_expects_the_generic_facts():
    from scenarios.generation.common import asked_of, ticket_facts

    arche = next(a for a in archetypes() if a["id"] == "oauth_client_secret_expired")
    variants = list(_ticket_variants(arche, seed=11))
    w, clear = next((w, t) for w, t in variants if "error_snippet" in t)
    _, vague = next((w, t) for w, t in variants if "error_snippet" not in t)

    assert w.values["client_id"] in clear["body"]
    clear_facts, stated = ticket_facts(w, clear)
    assert stated == [
        "the client id the integration uses",
        "the exact time the failures started, with timezone",
    ]
    assert "the client id the integration uses" not in clear_facts
    assert "the exact time the failures started, with timezone" not in clear_facts
    assert "when the client secret was created or last rotated" in clear_facts
    assert ticket_facts(w, vague, vague=True)[1] == []
    # A vague ticket asks the generic facts only: no client secret "the integration is broken" hints at.
    assert ticket_facts(w, vague, vague=True)[0] == [
        w.text(e["fact"]) for e in arche["missing_facts"] if "vague" in asked_of(e)
    ]
    assert not any("secret" in fact for fact in ticket_facts(w, vague, vague=True)[0])


FOLLOW_UP_OPENINGS = re.compile(
    r"^(confirm|watch|compare|track|tell|post|keep|acknowledge|escalate|involve|offer|capture|once|after)\b",
    re.IGNORECASE,
)


def test_safe_mitigations_mitigate_and_follow_up_steps_are_kept_apart():
    """A drill's "first mitigation" counts only `safe` steps: one that verifies, watches, tells or
    escalates belongs under `follow_up`, where it is offered without counting as a mitigation."""
    misfiled = [
        f"{a['id']}: {step}"
        for a in archetypes()
        for step in a["mitigations"]["safe"]
        if FOLLOW_UP_OPENINGS.match(step)
    ]
    assert not misfiled, "safe steps that mitigate nothing:\n" + "\n".join(misfiled)
    assert all(a["mitigations"]["safe"] for a in archetypes())


def test_every_clear_ticket_body_has_a_subject_about_it():
    """The generator heads a body with a subject about the same thing (not invitations over password
    resets): each clear body needs one among its archetype's subjects."""
    from scenarios.consistency import subject_topics_missing

    problems = [
        f"{arche['id']}.ticket.bodies_clear[{n}]"
        for arche in archetypes()
        for n, body in enumerate(arche["ticket"]["bodies_clear"])
        if all(subject_topics_missing(subject, body) for subject in arche["ticket"]["subjects"])
    ]
    assert not problems, problems


def test_every_archetype_s_severity_fits_the_scale_it_states():
    """A key's severity fits the scale and scope its scenarios state: one customer is SEV1 only when
    their data or money is at risk or an enterprise customer is fully blocked; a failure of many
    tenants is graded no lower than SEV3 only when its reason names what keeps it minor (a delay, a
    workaround, data that stays correct); a failure of many tenants is never graded below one of them."""
    from scenarios.generation.severity import severity_on_scale

    unfit = []
    for archetype_id in [a["id"] for a in world.catalog()["archetypes"]]:
        archetype = world.get_archetype(archetype_id)
        severity = archetype["severity"]
        reason = severity["reason"].lower()
        for seed in range(12):
            built = world.build_world(archetype_id, seed)
            graded = built.incident_severity
            if not built.many_tenants and graded == "SEV1":
                blocked_enterprise = (
                    severity["ticket_impact"] == "blocked" and built.customer.tier == "enterprise"
                )
                if severity["ticket_impact"] != "data_at_risk" and not blocked_enterprise:
                    unfit.append((archetype_id, seed, "SEV1 for one customer"))
            if (
                built.many_tenants
                and graded == "SEV3"
                and not re.search(r"workaround|delayed|a delay|data is correct|nothing is lost", reason)
            ):
                unfit.append((archetype_id, seed, "SEV3 for many tenants with nothing keeping it minor"))
            if built.many_tenants:
                one = severity_on_scale(severity["ticket_impact"], tier=built.customer.tier)[0]
                if graded > one:
                    unfit.append((archetype_id, seed, f"{graded} for many tenants below {one} for one"))
    assert unfit == []
