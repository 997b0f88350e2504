"""triage_queue: 3-5 tickets of mixed severity, tier and ambiguity, one of them the scenario's outage."""

import re

from scenarios.catalog import archetype_ids, catalog
from scenarios.consistency import (
    HIDDEN_COMPONENTS,
    partial_scope,
    states_degraded,
    states_fully_blocked,
    states_partial_retry,
    ticket_text,
    unshown_claims,
    unshown_step_claims,
)

from .common import MINUTE_MS, comparable, customer_ticket, kind_rng, split_facts, ticket_facts
from .severity import (
    SEVERITY_SCALE,
    WORKAROUND_EXISTS,
    graded,
    severity_on_scale,
    stated_impact,
    with_workaround,
)
from .world import (
    SEVERITY_RANK,
    TIER_RANK,
    World,
    build_world,
    iso_s,
    make_customer,
    render,
    reports_in_working_hours,
    seeded_faker,
)

_BENIGN_SEVERITY_REASONS = {
    "SEV3": "Something does not work as the customer expects, but the service is up and a workaround exists.",
    "SEV4": "A question or request with no service impact.",
}
_BENIGN_ROUTE_REASONS = {
    "L1": "Frontline support can answer it from the documentation.",
    "L2": "It needs a support engineer to look at the customer's account or configuration.",
}
# A route's reason in words any ticket of the failure supports, for a ticket that does not show what the
# archetype's own reason claims (a deploy, a flag, a node, the failure's scope).
_SHOWN_ROUTE_REASONS = {
    "SRE": "Errors on our side that the customer can neither cause nor fix: the on-call SRE checks how "
    "widespread they are and what changed, and owns any rollback.",
    "Engineering": "A product defect the customer cannot work around on their side: Engineering must find "
    "and fix it.",
    "L2": "It needs a support engineer to look at the customer's account, configuration and our logs.",
    "L1": "Frontline support can answer it from the documentation.",
    "Security": "A possible security incident involving customer data: Security owns the investigation.",
}
# Gathering the facts a vague ticket leaves out is frontline work: L1 asks, then routes it on with them.
_VAGUE_ROUTE_REASON = (
    "The ticket is too vague to route yet: frontline support asks the customer for the missing facts, "
    "then routes it on with them."
)
_VAGUE_CAUSE = (
    "Not known from the ticket: it is too vague to name a cause; what it describes points at the {area} area."
)
QUEUE_SIZE = {"easy": 3, "medium": 4, "hard": 5}
# How many of the queue's outage tickets are written vaguely, by difficulty.
VAGUE_SHARE = {"easy": 0.0, "medium": 0.34, "hard": 0.67}


def generate(world: World, difficulty: str) -> tuple[dict, dict]:
    rng = kind_rng("triage_queue", world, difficulty)
    size = QUEUE_SIZE[difficulty]
    others = [a for a in archetype_ids() if a != world.archetype["id"]]
    n_outages = 1 + (size - 1) // 2
    n_benign = size - n_outages
    outage_worlds = [world]
    candidates = rng.sample(others, len(others))
    # Prefer neighbours whose severity the queue does not have yet: a queue of one severity tests nothing.
    for archetype_id in candidates:
        if len(outage_worlds) == n_outages:
            break
        neighbour = _neighbour(archetype_id, world, rng)
        if neighbour.severity not in {w.severity for w in outage_worlds} and reports_in_working_hours(
            neighbour
        ):
            outage_worlds.append(neighbour)
    for archetype_id in candidates:
        if len(outage_worlds) == n_outages:
            break
        if archetype_id not in {w.archetype["id"] for w in outage_worlds}:
            neighbour = _neighbour(archetype_id, world, rng)
            if reports_in_working_hours(neighbour):
                outage_worlds.append(neighbour)
    benign_specs = rng.sample(catalog()["benign_tickets"], min(n_benign, len(catalog()["benign_tickets"])))

    entries = []  # (ticket, key) pairs
    start = world.onset_ms + 10 * MINUTE_MS
    for position, outage in enumerate(outage_worlds):
        clear = position == 0 and difficulty != "hard" or rng.random() >= VAGUE_SHARE[difficulty]
        ticket = customer_ticket(outage, rng, clear=clear, received_ms=start + rng.randint(0, 50 * 60) * 1000)
        missing_facts, stated_facts = ticket_facts(outage, ticket, vague=not clear)
        entries.append((ticket, _outage_key(outage, ticket, clear, missing_facts, stated_facts)))
    fake = seeded_faker(f"triage-benign|{world.archetype['id']}|{world.seed}|{difficulty}")
    for spec in benign_specs:
        customer = make_customer(rng, fake)
        values = {**world.values, "customer": customer.name, "contact_name": customer.contact_name,
                  "tenant_id": customer.tenant_id, "customer_domain": customer.domain}  # fmt: skip
        ticket = {
            "id": f"T-{rng.randint(10000, 99999)}",
            "customer": customer.as_payload(),
            "channel": rng.choice(("email", "portal", "chat")),
            "received_at": iso_s(start + rng.randint(0, 50 * 60) * 1000),
            # One of several customers' wordings, so two queues do not carry the same ticket word for word.
            "subject": render(rng.choice([spec["subject"], *spec.get("other_subjects", ())]), values),
            "body": render(rng.choice([spec["body"], *spec.get("other_bodies", ())]), values).strip(),
        }
        # What this wording states, not what another customer's wording of the same request does.
        missing, stated = split_facts(spec["missing_facts"], lambda text, v=values: render(text, v), ticket)
        entries.append(
            (
                ticket,
                {
                    "severity": spec["severity"],
                    "component": spec["component"],
                    "route": spec["route"],
                    "tier": customer.tier,
                    "missing_facts": missing,
                    "stated_facts": stated,
                    "clarity": "clear",
                    "severity_reason": _BENIGN_SEVERITY_REASONS[spec["severity"]],
                    "route_reason": _BENIGN_ROUTE_REASONS[spec["route"]],
                    "root_cause": None,
                    "next_steps": [],
                },
            )
        )
    _unique_ids(entries, rng)
    rng.shuffle(entries)
    tickets = sorted((t for t, _ in entries), key=lambda t: (t["received_at"], t["id"]))
    keys = {t["id"]: k for t, k in entries}
    order = sorted(
        keys,
        key=lambda tid: (
            SEVERITY_RANK[keys[tid]["severity"]],
            TIER_RANK[keys[tid]["tier"]],
            _received(tickets, tid),
        ),
    )
    payload = {
        "kind": "triage_queue",
        "title": f"Ticket queue: {len(tickets)} new tickets",
        "brief": (
            "You are the support engineer on duty. For each ticket set a severity (SEV1 highest to SEV4), "
            "the component, where it goes (L1, L2, Engineering, SRE or Security), the questions you would "
            "ask the customer, and your next steps; then put the queue in the order you would work it."
        ),
        "severity_scale": dict(SEVERITY_SCALE),
        "tickets": tickets,
    }
    answer_key = {"tickets": keys, "priority_order": order}
    return payload, answer_key


def _outage_key(outage: World, ticket: dict, clear: bool, missing: list[str], stated: list[str]) -> dict:
    """What a triager can justify from this ticket alone: the severity its impact and the customer's
    tier give on the queue's scale; for a vague ticket, the area its words name, frontline support (L1)
    to gather the missing facts, and asking for them first; next steps naming no version, change, id
    or host the ticket does not show."""
    archetype = outage.archetype
    tier = outage.customer.tier
    shown = ticket_text(ticket)
    impact = stated_impact(archetype["severity"]["ticket_impact"], shown)
    if impact == "degraded" and not states_degraded(shown):
        # "Sometimes shows an error" tells of a nuisance, not of a core feature badly degraded.
        impact = "partial"
    way = _way_round(outage, ticket)
    # A way round the customer takes themselves, removing the impact, makes a Major failure Minor ("or a
    # workaround exists"), weighed as every kind weighs it.
    severity, clause = with_workaround(severity_on_scale(impact, tier=tier), way[0] if way else "")
    reason = _severity_reason(impact, clause, tier, ticket, way)
    steps = outage.texts(archetype["mitigations"]["safe"] + archetype["mitigations"].get("follow_up", []))
    if clear:
        component, route = archetype["component"], archetype["route"]
        words = HIDDEN_COMPONENTS.get(component)
        if words and not words.search(shown):
            # The ticket shows the symptom, not the layer behind it: grade the area its words name.
            component = archetype["ticket"].get("vague_component", "api")
        route_reason = generalise(outage.text(archetype["route_reason"]), shown)
        if unshown_claims(route_reason, shown):
            route_reason = _SHOWN_ROUTE_REASONS[route]
        next_steps = _shown_steps(
            [
                _unnamed_services(_unnamed_facts(outage, generalise(step, shown), shown), shown)
                for step in steps
            ],
            shown,
        )
    else:
        component = archetype["ticket"].get("vague_component", archetype["component"])
        route, route_reason = "L1", _VAGUE_ROUTE_REASON
        next_steps = [
            "Ask the customer for " + "; ".join(missing[:3]) + ".",
            "Once they answer, route it with the facts: to L2 for their account or configuration, to SRE or "
            "Engineering for errors on our side.",
        ]
    return {
        "severity": severity,
        "component": component,
        "route": route,
        "tier": tier,
        "missing_facts": missing,
        "stated_facts": stated,
        "clarity": "clear" if clear else "vague",
        "severity_reason": f"{graded(severity, clause)} {reason}",
        "route_reason": route_reason,
        # A triager has the ticket, not the logs: the cause its words point at (a clear ticket's), or
        # none named for a ticket too vague to point anywhere.
        "root_cause": outage.text(archetype["ticket"]["likely_cause"])
        if clear
        else _VAGUE_CAUSE.format(area=component.replace("_", " ")),
        "next_steps": next_steps,
    }


def _way_round(outage: World, ticket: dict) -> tuple[str, str] | None:
    """(kind, what it is) of the way round the failure this ticket shows, "full" or "partial", or None:
    the catalog's for the wording drawn, else retries the customer says work part of the time."""
    shown = comparable(ticket_text(ticket))
    for way in outage.archetype["ticket"].get("way_round", ()):
        if any(comparable(outage.text(phrase)) in shown for phrase in way["stated_by"]):
            return way["kind"], outage.text(way["says"])
    if states_partial_retry(shown):
        return "partial", "trying again"
    return None


# The customer's words that say how bad it is for them, strongest first: what a severity reason quotes.
_STAKES = re.compile(
    r"\burgent|\btoday\b|\bdepends?\b|\bcheckout\b|\blosing\b|\bpiling up\b|\bhurts\b|\bcomplian"
    r"|\brefund|\bdelaying\b|\bpeople (?:are )?affected\b|\bnobody can\b|\bevery day\b"
    r"|\bstill (?:returns?|uses?|receiving|gets?)\b",
    re.I,
)
# The customer's words for money or data at risk: a charge twice, traffic they do not recognise.
_AT_RISK = re.compile(
    r"\b(?:charged?|paid|billed?)\b[^.]{0,30}\btwice\b|\btwo (?:identical )?(?:charges|payments)\b|\b2 charges\b"
    r"|\bsomeone else\b"
    r"|\bpublic repository\b|\bdo not recognise\b|\bcan't explain\b",
    re.I,
)
_GREETING = re.compile(r"^(?:hi|hello|hey|dear)\b[^,\n.]{0,30}[,\n]\s*", re.I)
_QUOTE_CHARS = 160


def _severity_reason(impact: str, clause: str, tier: str, ticket: dict, way: tuple[str, str] | None) -> str:
    """Why the ticket has its severity, in the customer's own words: what they say fails and how much
    of their work it stops (quoted), then how the scale weighs it: a partial way round they name
    (retries that often work) leaves the failure Major, one they can take themselves makes it Minor,
    and a ticket stating no impact is graded partial until the customer says more."""
    quotes = _impact_quotes(ticket)
    said = "The ticket says " + " and ".join(f'"{quote}"' for quote in quotes) + "; "
    partly = f"the only way round it, {way[1]}, works only part of the time" if way else ""
    if impact == "data_at_risk":
        tail = "the customer's money or data is at risk, which is SEV1 whatever their tier"
    elif impact == "blocked" and tier == "enterprise":
        tail = "an enterprise customer fully blocked is SEV1"
    elif clause == WORKAROUND_EXISTS:
        tail = f"it also shows a way round the customer can take themselves: {way[1]}"
    elif impact == "blocked" and way:
        tail = f"for a {tier} customer that is a core feature broken, not SEV1, and {partly}"
    elif impact == "blocked":
        tail = f"for a {tier} customer that is a core feature broken, not SEV1"
    elif impact == "degraded" and way:
        tail = f"{partly}, so it is no workaround by the scale"
    elif impact == "degraded":
        tail = "it fails for them and the ticket names no way round it"
    elif way and way[0] == "full":
        tail = f"it also shows a way round: {way[1]}"
    elif partial_scope(ticket_text(ticket)):
        tail = f"that is partial impact: {partial_scope(ticket_text(ticket))}"
    elif states_degraded(ticket_text(ticket)):
        tail = "it tells of one feature failing and of nothing more of their work that stops"
    else:
        tail = "it names no feature failing and no one blocked, so it is graded partial until the customer says more"
    return said + tail + "."


def _impact_quotes(ticket: dict) -> list[str]:
    """One or two of the ticket's own sentences, as written: the one saying most of what fails for the
    customer, and the one naming a way round or what is at stake; a ticket saying neither, its first."""
    sentences = [s for s in _sentences(ticket["body"]) if len(s.split()) >= 3]
    # A question asks; it tells of no impact unless the ticket says nothing else.
    sentences = (
        [s for s in sentences if not s.endswith("?")] or sentences or [" ".join(ticket["subject"].split())]
    )

    def weight(sentence: str) -> int:
        return (
            4 * states_fully_blocked(sentence)
            + 3 * bool(_AT_RISK.search(sentence))
            + 3 * states_degraded(sentence)
            + 2 * bool(partial_scope(sentence) or states_partial_retry(sentence))
            + bool(_STAKES.search(sentence))
        )

    ranked = sorted(range(len(sentences)), key=lambda n: (-weight(sentences[n]), n))
    chosen = [ranked[0]]
    second = next(
        (n for n in ranked[1:] if states_partial_retry(sentences[n]) or _STAKES.search(sentences[n])),
        None,
    )
    if second is not None and weight(sentences[second]):
        chosen.append(second)
    return [_quotable(sentences[n]) for n in sorted(chosen)]


def _sentences(body: str) -> list[str]:
    """A ticket body's sentences, without the greeting: split after a full stop, "!" or "?" (not an
    ellipsis), never inside a quoted message ("SSO login failed. Please contact ...")."""
    text = " ".join(_GREETING.sub("", body).split())
    out: list[str] = []
    for piece in re.split(r"(?<=[^.][.!?])\s+", text):
        if out and out[-1].count('"') % 2:
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


def _quotable(sentence: str) -> str:
    """A sentence as a reason quotes it: its own double quotes as single ones, cut at a word if long."""
    text = sentence.replace('"', "'").rstrip(".!?,;: ")
    if len(text) > _QUOTE_CHARS:
        text = text[: text.rfind(" ", 0, _QUOTE_CHARS)].rstrip(",;:") + " ..."
    return text


def _shown_steps(steps: list[str], shown: str) -> list[str]:
    """The steps a triager can take from this ticket: one that presupposes what the ticket does not
    show (a rollback of a deploy it never mentions) becomes the check that would find it out."""
    out: list[str] = []
    for step in steps:
        claims = unshown_step_claims(step, shown)
        for replacement in [check for _, check in claims] or [step]:
            if replacement not in out:
                out.append(replacement)
    return out


# The identifiers a triager cannot know from a ticket that does not show them, and the words that
# say the same without them ("roll back to the previous version").
_GENERAL = (
    (re.compile(r"\b(?:back )?to v\d+\.\d+\.\d+\b"), "back to the previous version"),
    (re.compile(r"\b([a-z][a-z0-9]*(?:-[a-z0-9]+)*) v\d+\.\d+\.\d+\b"), r"the new version of \1"),
    (re.compile(r"\bv\d+\.\d+\.\d+\b"), "the new version"),
    (re.compile(r"\b[Mm]igration \d{4}_[a-z][a-z0-9_]*\b"), "A schema migration"),
    (re.compile(r"\b\d{4}_[a-z][a-z0-9_]*\b"), "the schema migration"),
    (re.compile(r"\b[a-z]+(?:-[a-z]+)*-[0-9a-f]{5,10}-[a-z0-9]{5}\b"), "the affected pod"),
    (re.compile(r"\bchange CHG-\d+\b|\bCHG-\d+\b"), "the recent change"),
    # A record pointed at a host named after the tenant points at the target the triager looks up in the
    # customer's domain settings: no description of a host stands where the host goes.
    (
        re.compile(r" -> tn_[0-9a-f]{6,}(?:\.[a-z0-9-]+)+\b"),
        " (pointing at the edge hostname their custom-domain settings show)",
    ),
    # A host named after the tenant (its CNAME target on our edge) is named as a whole, before the
    # tenant id inside it would leave "the customer's tenant.domains..." for the host rule to fill again.
    (re.compile(r"\btn_[0-9a-f]{6,}(?:\.[a-z0-9-]+)+\b"), "the tenant's hostname on our edge"),
    (re.compile(r"\b[Tt]enant \(?tn_[0-9a-f]{6,}\b\)?"), "one tenant"),
    (re.compile(r"\(?\btn_[0-9a-f]{6,}\b\)?"), "the customer's tenant"),
    (re.compile(r"\b[a-z]{1,6}_[0-9a-f]{6,}\b"), "the affected one"),
    (re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)+\.(?:com|io|net|de|co|uk|org)\b"), "the customer's endpoint"),
    (re.compile(r"\bNode ip-\d+(?:-\d+){3}\b"), "The affected node"),
    (re.compile(r"\b(?:node )?ip-\d+(?:-\d+){3}\b"), "the affected node"),
    (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b"), "the time the logs show"),
)


def _unnamed_facts(world: World, text: str, shown: str) -> str:
    """A fact of the failure the ticket does not give (a flag key, a node) is named by what it is."""
    for name, value in world.values.items():
        if (
            name in world.archetype.get("facts", {})
            and len(value) >= 6
            and value in text
            and value not in shown
        ):
            words = name.replace("_", " ")
            # A value given in passing, "(America/Denver)" or "(about 120000 records)", goes unsaid.
            text = re.sub(rf"\s*\([^()]*{re.escape(value)}[^()]*\)", "", text)
            # "provider Sendloop" reads "the provider", "their API key rk_live_ab12cd***" reads "their API
            # key" (not "API key the api key prefix"); elsewhere the value is named by what it is.
            nouns = "|".join(re.escape(word) for word in words.split())
            text = re.sub(
                rf"(\b(?:the|a|an|their|its|our|your|this) )?\b((?:{nouns})(?: (?:{nouns}))*) {re.escape(value)}\**",
                lambda m: (m.group(1) or ("the " if m.start() else "")) + m.group(2),
                text,
                flags=re.I,
            )
            text = re.sub(rf"{re.escape(value)}\**", "the " + words, text)
    return text


_INTERNAL_SERVICE = re.compile(r"\b[a-z]+(?:-[a-z]+)*-(?:service|dispatcher|worker|gateway)\b")
_NAMED_ROLE = re.compile(r"\bthe ((?:[\w-]+ )*?)'([A-Z][\w -]*\w)' role\b")


def _unnamed_services(text: str, shown: str) -> str:
    """An internal service the ticket never names ("reports-service") is the affected service, and a role
    it never names ("the built-in 'Report Exporter' role") one by what it must grant: a triager knows the
    symptom, not which of our services or roles is behind it."""
    text = _NAMED_ROLE.sub(
        lambda m: m.group(0) if m.group(2) in shown else f"a {m.group(1)}role with the missing permission",
        text,
    )
    return _INTERNAL_SERVICE.sub(
        lambda m: m.group(0) if m.group(0) in shown else "the affected service", text
    )


def generalise(text: str, shown: str) -> str:
    """`text` with each identifier `shown` does not contain (a version, a migration, a tenant, a host)
    named by what it is instead."""
    for pattern, words in _GENERAL:
        text = pattern.sub(
            lambda m, w=words: m.group(0) if m.group(0).strip("()").split()[-1] in shown else m.expand(w),
            text,
        )
    return re.sub(r"back back to", "back to", text)


def _neighbour(archetype_id: str, world: World, rng) -> World:
    """Another outage of the same hour: it began up to an hour before this one, so its ticket's
    times, dates and headers fit the queue's clock."""
    onset = world.onset_ms - rng.randint(5, 60) * MINUTE_MS
    return build_world(archetype_id, world.seed, salt="triage-neighbour", onset_ms=onset)


def _received(tickets: list[dict], ticket_id: str) -> str:
    return next(t["received_at"] for t in tickets if t["id"] == ticket_id)


def _unique_ids(entries: list, rng) -> None:
    seen: set[str] = set()
    for ticket, _ in entries:
        while ticket["id"] in seen:
            ticket["id"] = f"T-{rng.randint(10000, 99999)}"
        seen.add(ticket["id"])
