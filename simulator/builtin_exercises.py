"""The exercises of the role blueprint (section 19), installed in every new organisation."""

import hashlib
import hmac
import random

from scenarios.catalog import archetype_ids, get_archetype

BUILTIN_EXERCISES = [
    {
        "slug": "ticket-triage",
        "title": "Ticket triage",
        "purpose": "hiring",
        "time_limit_minutes": 40,
        "description": "Triage a queue of 3-5 tickets of varying severity and ambiguity: severity, component, "
        "route, clarifying questions, next steps and the order you would work them.",
        "items": [{"kind": "triage_queue", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "logs-and-traces",
        "title": "Debugging with logs and API traces",
        "purpose": "hiring",
        "time_limit_minutes": 50,
        "description": "Find the root cause of a customer's problem in structured logs, HTTP samples, traces "
        "and a dashboard snapshot; cite the evidence and propose a safe mitigation.",
        "items": [{"kind": "log_investigation", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "escalation-writeup",
        "title": "Escalation write-up",
        "purpose": "hiring",
        "time_limit_minutes": 30,
        "description": "Turn a messy ticket thread into an escalation packet engineering can act on.",
        "items": [{"kind": "escalation_writeup", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "customer-communication",
        "title": "Customer communication",
        "purpose": "hiring",
        "time_limit_minutes": 20,
        "description": "Draft the customer update for an outage whose cause is not yet known.",
        "items": [{"kind": "customer_comms", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "incident-drill",
        "title": "Incident drill",
        "purpose": "training",
        "time_limit_minutes": 45,
        "description": "Work a live incident: events arrive as time passes; declare severity, engage the right "
        "team, choose a mitigation and keep stakeholders updated.",
        "items": [{"kind": "incident", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "postmortem-drill",
        "title": "Postmortem drill",
        "purpose": "training",
        "time_limit_minutes": 40,
        "description": "Write a blameless postmortem of a resolved incident: cause chain, contributing factors, "
        "corrective actions with owners, detection and prevention.",
        "items": [{"kind": "postmortem", "archetypes": [], "difficulty": "medium"}],
    },
]


def keyed_seed(secret: str, *parts: object) -> int:
    """A 48-bit seed from an organisation's secret and the parts that name what it seeds.

    HMAC-SHA256 keyed with the secret: without the secret, knowing the parts (an exercise's base
    seed, an item's position, a participant) says nothing about the seed, and so nothing about the
    scenario or its answer key. The same secret and parts always give the same seed.
    """
    message = "|".join(str(part) for part in parts).encode()
    return int(hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:12], 16)


def builtin_exercises_for(seed_secret: str) -> list[dict]:
    """The built-in exercises as one organisation gets them: each with a base seed drawn from the
    organisation's secret and its own archetype, no two exercises on the same failure, the
    archetypes themselves drawn from the secret (so organisations get different failures)."""
    order = sorted(archetype_ids())
    random.Random(keyed_seed(seed_secret, "builtin-archetypes")).shuffle(order)
    used: set[str] = set()
    specs = []
    for spec in BUILTIN_EXERCISES:
        items = []
        for item in spec["items"]:
            fitting = [a for a in order if item["kind"] in get_archetype(a)["kinds"]]
            chosen = next((a for a in fitting if a not in used), fitting[0])
            used.add(chosen)
            items.append(item | {"archetypes": [chosen]})
        specs.append(spec | {"items": items, "base_seed": keyed_seed(seed_secret, "builtin", spec["slug"])})
    return specs
