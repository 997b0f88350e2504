"""postmortem: a resolved incident's timeline and evidence; the candidate writes the review."""

import re

from .common import MINUTE_MS, kind_rng
from .incident import (
    ERROR_RATE_WINDOW_MINUTES,
    alert_text,
    first_alert,
    saturation_figure,
    saturation_value,
    story_text,
)
from .world import World, iso_s

# A step's opening verbs and what the team did: a timeline tells what happened, not what to do.
_DONE = (
    ("Cordon and drain ", "cordoned and drained "),
    ("Pause or throttle ", "throttled "),
    ("Ask ", "asked "),
    ("Roll ", "rolled "),
    ("Revert ", "reverted "),
    ("Fail ", "failed "),
    ("Guide ", "guided "),
    ("Share ", "shared "),
    ("Suggest ", "suggested "),
    ("Pause ", "paused "),
    ("Delete ", "deleted "),
    ("Turn ", "turned "),
    ("Move ", "moved "),
    ("Issue ", "issued "),
    ("Raise ", "raised "),
    ("Restart ", "restarted "),
    ("Tell ", "told "),
)
_WORKAROUND = "Workaround: "
# The step's later verbs, joined to the first by "and" (not those of an infinitive it asks for).
_ALSO_DONE = (
    (" and ask the customer ", " and asked the customer "),
    (" and move it ", " and moved it "),
    (" and have them ", " and had them "),
    (", and removes it after the fix", ", to be removed after the fix"),
)
_OPENING_CLAUSE = re.compile(r"^((?:With|After|Once) [^,]+, )(\w)")


def as_done(step: str) -> str:
    """A mitigation step as the event it became: "Ask Engineering to pause the run." is "the team asked
    Engineering to pause the run."; a step opening with a clause keeps it ("With the customer's
    confirmation, the team revoked ...")."""
    clause = _OPENING_CLAUSE.match(step)
    head, rest = (clause.group(1), step[len(clause.group(1)) :]) if clause else ("", step)
    rest = rest[0].upper() + rest[1:]
    for before, after in _ALSO_DONE:
        rest = rest.replace(before, after)
    if rest.startswith(_WORKAROUND):
        return head + rest[len(_WORKAROUND) :].replace(" assigns ", " assigned ", 1)
    for verb, done in _DONE:
        if rest.startswith(verb):
            return f"{head}the team {done}{rest[len(verb) :]}"
    # An unknown verb: past tense by rule ("Revoke" -> "revoked", "Run" stays readable as "ran" only by
    # the table above).
    word, _, tail = rest.partition(" ")
    past = word.lower() + ("d" if word.endswith("e") else "ed")
    return f"{head}the team {past} {tail}"


def generate(world: World, difficulty: str) -> tuple[dict, dict]:
    rng = kind_rng("postmortem", world, difficulty)
    archetype = world.archetype
    severity = world.incident_severity
    # Who noticed first decides how soon: an alert within its evaluation window, people later.
    source, detected = _detection(world, rng)
    # Moments fall on any second, as real events do (not all on the onset's second).
    escalated = detected + rng.randint(5 * 60, 30 * 60) * 1000
    mitigated = escalated + rng.randint(10 * 60, 60 * 60) * 1000
    metrics = archetype["metrics"]
    mitigation = world.text(archetype["mitigations"]["safe"][0])
    nature = archetype["postmortem"].get("nature", "availability")
    # A workaround eases the impact without ending it: the fix ships later, and the impact lasts until it.
    fix = _fix_line(world, mitigation)
    fixed = mitigated + rng.randint(20 * 60, 90 * 60) * 1000 if fix else mitigated
    resolved = fixed + rng.randint(15 * 60, 120 * 60) * 1000
    err = metrics["error_rate_pct"]
    # What came back is what the failure moved most: a backlog drains, else the error rate recovers.
    recovered = (
        "error rate"
        if err["peak"] >= 2 * err["baseline"] and not metrics["saturation"].get("backlog")
        else world.text(metrics["saturation"]["name"])
    )
    trigger = archetype.get("trigger")
    first = _first_signal_at(world, rng, nature)
    timeline = [
        (first, _FIRST[nature] + story_text(world, archetype["signal_logs"][0]["message"], first + MINUTE_MS)),
        (detected, "Detected: " + source),
        (escalated, f"Escalated to {archetype['route']}; incident channel opened as {severity}."),
        (mitigated, f"Mitigated: {as_done(mitigation)}"),
        (resolved, _resolved_line(world, rng, recovered, nature)),
    ]  # fmt: skip
    if fix:
        timeline.append((fixed, fix))
    if trigger:
        timeline.append((world.trigger_ms, world.text(trigger["message"])))
    timeline.sort(key=lambda item: item[0])
    # The evidence is quoted as it read at the worst moment, when the mitigation began.
    evidence = [
        ("log", _with_pages_served(world, story_text(world, entry["message"], mitigated)))
        for entry in archetype["signal_logs"]
    ]
    evidence.append(("metric", f"{world.text(metrics['saturation']['name'])} {_moved(world, mitigated)} "
                               f"{saturation_figure(world, mitigated)} "
                               f"(baseline {metrics['saturation']['baseline']})."))  # fmt: skip
    # What the team established while resolving it (a diff, a config, what the customer confirmed): the
    # key's cause chain rests on these and the lines above, never on facts the writer cannot see.
    # What the review established of how the failure got through (a test, an alert's scope): the
    # contributing factors rest on these.
    notes = archetype["postmortem"].get("findings", []) + archetype["postmortem"].get("review_notes", [])
    evidence += [("note", story_text(world, _records_said(world, note), mitigated)) for note in notes]
    affected = _customers_affected(world, rng)
    if world.many_tenants and not archetype["postmortem"].get("customers_affected"):
        # The count the incident record gives is one the evidence shows how it was made.
        evidence.append(
            ("metric", rng.choice(_IMPACT_COUNTS).format(
                n=affected, start=iso_s(world.onset_ms)[11:16], end=iso_s(fixed)[11:16],
                impact=archetype["postmortem"].get("affected_by") or rng.choice(_IMPACTS[nature])))
        )  # fmt: skip
    # Harder drills put more plausible-but-innocent evidence in front of the writer.
    herrings = archetype["red_herrings"][: {"easy": 1, "medium": 2, "hard": 3}[difficulty]]
    herring_items = [(("log", world.text(h["message"])), world.text(h["why_not"])) for h in herrings]
    evidence.extend(item for item, _ in herring_items)
    why_not = {id(item): reason for item, reason in herring_items}
    rng.shuffle(evidence)
    evidence_items = [
        {"id": f"E{n}", "kind": kind, "text": text} for n, (kind, text) in enumerate(evidence, 1)
    ]
    payload = {
        "kind": "postmortem",
        # What failed, for whom and when, as the incident was declared: the cause is the writer's to state.
        "title": f"Postmortem: {world.text(archetype['incident_title'])} ({iso_s(world.onset_ms)[:10]}, {severity})",
        "brief": (
            "The incident below is resolved. Write a blameless postmortem: the chain of causes, "
            "contributing factors, corrective actions with owners and due dates, and how detection "
            "and prevention should improve."
        ),
        "incident": {
            "severity": severity,
            "started_at": iso_s(world.onset_ms),
            "detected_at": iso_s(detected),
            "mitigated_at": iso_s(mitigated),
            "resolved_at": iso_s(resolved),
            "duration_minutes": (resolved - world.onset_ms) // MINUTE_MS,
            "customers_affected": affected,
            # Told as over: the review's own past-tense summary, not the symptom as customers reported it.
            "summary": story_text(
                world, archetype["postmortem"].get("summary", archetype["symptom"]), mitigated
            ),
        },
        "timeline": [{"at": iso_s(at), "text": text} for at, text in timeline],
        "evidence": evidence_items,
    }
    answer_key = {
        # A cause the catalog tells as ongoing ("is being used") has the review's past-tense telling.
        "root_cause": world.text(archetype["postmortem"].get("root_cause", archetype["root_cause"])),
        "cause_chain": [story_text(world, step, mitigated) for step in archetype["cause_chain"]],
        "contributing_factors": _contributing_factors(world, rng, detected=detected, escalated=escalated),
        "corrective_actions": world.texts(archetype["postmortem"]["corrective_actions"]),
        "detection": world.text(archetype["postmortem"]["detection"]),
        "red_herrings": [
            {"evidence_id": f"E{n}", "why_not": why_not[id(item)]}
            for n, item in enumerate(evidence, 1)
            if id(item) in why_not
        ],
    }
    return payload, answer_key


_PAGING = re.compile(r"\bsequential paging at \d+ req/s, page_size=(\d+)$")
_PAGE_SIZE = 500


def _pages_served(world: World) -> int:
    """How many pages a stranger's paging got before the key was revoked: the records the review counts,
    at the page size the gateway logs. The rest of their requests were refused by the key's rate limit."""
    return max(1, round(int(world.values["records_accessed"]) / _PAGE_SIZE))


def _with_pages_served(world: World, line: str) -> str:
    """A line of paging at a rate (40 req/s, 500 records a page), with what it was served: the pages and
    records the rate limit let through since the first use, so the rate and the records agree."""
    found = _PAGING.search(line)
    if not found or "records_accessed" not in world.values:
        return line
    pages, size = _pages_served(world), int(found[1])
    since = iso_s(world.onset_ms)[11:]
    return f"{line}; {pages:,} pages ({pages * size:,} records) served since {since}, the rest refused by the rate limit"


def _records_said(world: World, note: str) -> str:
    """A note counting the records returned, by the pages served (see _with_pages_served)."""
    if "{records_accessed}" not in note:
        return note
    return note.replace("{records_accessed}", f"{_pages_served(world) * _PAGE_SIZE:,}")


# The first entry of a timeline by the failure's nature: what failed, waited, came out wrong, or
# which requests nobody can account for.
_FIRST = {
    "availability": "First failures: ",
    "delay": "First delays: ",
    "correctness": "First wrong results: ",
    "security": "Logged by the anomaly detector: ",
}


def _first_signal_at(world: World, rng, nature: str) -> int:
    """When the timeline's first entry of the failure stands: at the onset, as its first failures do;
    a while after a trigger at the onset, which tells the start itself; an anomaly detector classifies
    traffic over minutes, never in the second of its first request."""
    trigger_at_onset = world.archetype.get("trigger") and world.trigger_ms == world.onset_ms
    if nature == "security":
        return world.onset_ms + rng.randint(2 * 60, 6 * 60) * 1000
    return world.onset_ms + (rng.randint(30, 240) * 1000 if trigger_at_onset else 0)


_WORKAROUND_STEP = re.compile(r"^Workaround: |\bas a workaround\b")
_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")


def _fix_line(world: World, mitigation: str) -> str | None:
    """The entry for the fix that ended an incident whose mitigation was a workaround: the next patch of
    the release the failure came with. None when the mitigation itself ended it (a rollback, a drain)."""
    version = _VERSION.match(world.values.get("version_new", ""))
    if not _WORKAROUND_STEP.search(mitigation) or not version:
        return None
    major, minor, patch = version.groups()
    return f"Fix deployed: {world.values['primary_service']} v{major}.{minor}.{int(patch) + 1}."


# How the closing entry reads: what came back, then who was told, in one of a few teams' words.
_RESOLVED = (
    "Resolved: {recovered} back to baseline; {told}.",
    "Resolved: {recovered} normal again and holding; {told}.",
    "Resolved: monitoring shows {recovered} where it was before the onset; {told}.",
    "Resolved: {recovered} steady at its usual level; {told}.",
)
_TOLD_MANY = (
    "affected customers informed",
    "status page marked resolved",
    "final status page update posted",
    "closing update sent to affected customers",
)
_TOLD_ONE = (
    "{customer} informed",
    "{customer} confirmed the fix on their side",
    "closing reply sent to {customer}",
)
# How the count of affected customers was made, in the words of whoever queried it.
_IMPACT_COUNTS = (
    "{n} customer accounts {impact} between {start} and {end} UTC.",
    "Query of request logs, {start}-{end} UTC: {n} customer accounts {impact}.",
    "{n} distinct tenants {impact} from {start} to {end} UTC (request logs, deduplicated by tenant).",
)
# What a customer counted as affected went through, by the failure's nature.
_IMPACTS = {
    "availability": ("had at least one failed request", "saw failed requests"),
    "delay": ("had at least one update delayed", "saw delayed updates"),
    "correctness": ("received at least one wrong result", "were shown wrong results"),
    "security": ("had records read by the unknown client",),
}
# A wrong result is over when what is produced since the fix is right again; an intrusion when the
# credential is dead and what it read is known. Nothing "came back" in either.
_RESOLVED_BY_NATURE = {
    "correctness": (
        "Resolved: results produced since the fix checked and correct; {told}.",
        "Resolved: spot checks of new results match the expected figures again; {told}.",
    ),
    "security": (
        "Resolved: no further use of the revoked credential, and the review of what it read is finished; {told}.",
        "Resolved: the revoked credential is refused everywhere and the access review is finished; {told}.",
    ),
}
_TOLD_SECURITY = (
    "{customer} given the list of records read",
    "findings shared with the security contact of {customer}",
)


def _resolved_line(world: World, rng, recovered: str, nature: str) -> str:
    told = rng.choice(
        _TOLD_SECURITY if nature == "security" else _TOLD_MANY if world.many_tenants else _TOLD_ONE
    ).format(customer=world.customer.name)
    return rng.choice(_RESOLVED_BY_NATURE.get(nature, _RESOLVED)).format(recovered=recovered, told=told)


# How soon after the onset each kind of detector can notice, in seconds: an alert once its condition
# held over its evaluation window (an error rate averaged over five minutes) and it notified; a customer
# has to notice, try again and write; an internal user or partner in between.
DETECTION_DELAY_S = {"alert": (ERROR_RATE_WINDOW_MINUTES * 60 + 20, 12 * 60), "synthetic": (120, 6 * 60),
                     "ticket": (9 * 60, 40 * 60), "people": (6 * 60, 30 * 60)}  # fmt: skip


def _detection(world: World, rng) -> tuple[str, int]:
    """(who or what noticed first, when): a source drawn from those the failure's scale allows, at a
    moment that source can notice it."""
    probe = world.onset_ms + 10 * MINUTE_MS
    sources = detection_sources(world, probe)
    text = rng.choice(sources)
    kind = (
        "alert" if text.startswith("alert on ")
        else "synthetic" if text.startswith("the synthetic check")
        else "ticket" if "ticket" in text
        else "people"
    )  # fmt: skip
    at = world.onset_ms + rng.randint(*DETECTION_DELAY_S[kind]) * 1000
    if kind == "alert":
        # The alert quotes the figure at the moment it fired.
        text = rng.choice([s for s in detection_sources(world, at) if s.startswith("alert on ")] or [text])
    return text, at


def _contributing_factors(world: World, rng, *, detected: int, escalated: int) -> list[str]:
    """The archetype's factors in an order drawn per seed, with what this incident's timeline shows:
    how long the failure went unnoticed, and how long it waited for the team that owns it."""
    factors = world.texts(world.archetype["postmortem"]["contributing_factors"])
    rng.shuffle(factors)
    unnoticed = (detected - world.onset_ms) // MINUTE_MS
    if unnoticed >= 8:
        factors.append(f"The failure ran {unnoticed} minutes before anyone noticed it.")
    waited = (escalated - detected) // MINUTE_MS
    if waited >= 15:
        factors.append(f"It took {waited} minutes from detection to reach {world.archetype['route']}.")
    return factors


def detection_sources(world: World, at_ms: int) -> list[str]:
    """Who or what could have noticed the failure first, as its scale allows: the customer's ticket
    (several customers' when many tenants fail), the alert the failure really raises (never a
    service's error rate for one customer's failure: one tenant does not move it), a synthetic check
    when many tenants get server errors, and the archetype's own internal users, partners and notices."""
    customer = world.customer
    sources = [
        f"tickets from several customers, the first from {customer.name} ({customer.tier})."
        if world.many_tenants
        else f"a ticket from {customer.name} ({customer.tier})."
    ]
    alert = first_alert(world, at_ms)
    if (
        alert
        and (world.many_tenants or not alert["metric"].endswith("error rate"))
        and not paged_nobody(world)
    ):
        sources.append(f"alert on {alert_text(alert)}.")
    failing = next(
        (e["http"] for e in world.archetype["signal_logs"] if (e.get("http") or {}).get("status", 0) >= 500),
        None,
    )
    if world.many_tenants and failing:
        sources.append(
            f"the synthetic check on {failing['method']} {failing['path']} got {failing['status']} "
            "on two runs in a row."
        )
    sources += world.texts(world.archetype["postmortem"].get("detected_by", []))
    return sources


# A review that found the failure's detector paged nobody: no alert detected it.
PAGED_NOBODY = re.compile(r"\bdid not page\b|\bpaged (?:nobody|no one)\b", re.I)


def paged_nobody(world: World) -> bool:
    """Whether the archetype's review says its detector logged the failure but paged nobody, so the
    timeline's detection is no alert (a contributing factor would otherwise contradict it)."""
    postmortem = world.archetype["postmortem"]
    said = postmortem["contributing_factors"] + postmortem.get("review_notes", [])
    return any(PAGED_NOBODY.search(text) for text in said)


def _moved(world: World, at_ms: int) -> str:
    """How the saturation metric went from its baseline to its figure at `at_ms`: a rise peaks, a
    fall falls (requests to a domain that stopped resolving drop to 0), a flat line holds."""
    sat = world.archetype["metrics"]["saturation"]
    now = saturation_value(world, at_ms)
    value = sat["peak"] if now is None else now
    if value < sat["baseline"] * 0.95:
        return "fell to"
    if value <= sat["baseline"] * 1.05:
        return "held at"
    return "peaked at"


def _customers_affected(world: World, rng) -> int:
    """How many customers the failure touched: the count the evidence gives by another name when the
    archetype says which (220 double-charged invoices of a monthly run are 220 customers), else drawn."""
    fact = world.archetype["postmortem"].get("customers_affected")
    if fact:
        return int(world.values[fact])
    return rng.randint(12, 400) if world.many_tenants else 1
