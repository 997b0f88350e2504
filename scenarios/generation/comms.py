"""customer_comms: an outage in progress; the candidate drafts the update.

What is known and unknown follows the archetype's facts: when what is known already gives the cause
(an e-mail provider down, a rate limit exceeded), the brief does not call it unknown. The channel
follows the blast radius: a failure of many tenants goes on the status page with a report count that
grows; a failure of one tenant is told to that customer alone."""

from scenarios.consistency import as_clause, states_a_cause

from .common import fit_day_parts, kind_rng
from .incident import alert_text, first_alert
from .world import World, iso_s, possessive

NEXT_UPDATE_MINUTES = {"SEV1": 30, "SEV2": 60, "SEV3": 120, "SEV4": 240}
# While the cause is unknown, it is the first thing not known.
CAUSE_UNKNOWN = "What is causing the problem; engineers are still investigating."
# Who raises a plausible but unproven suspect in the incident channel (one of the archetype's own red
# herrings, so it fits the story), and how.
_SUSPECTS = (
    '{who} pastes this {service} log line and asks whether it is related: "{message}". '
    "Nobody has evidence for it yet.",
    '{who} wonders whether this line from {service} is behind it: "{message}". Nobody has tied it to '
    "the failures yet.",
    '{who} points at "{message}" in the {service} logs as a possible cause; nobody has checked '
    "whether it lines up with the failures yet.",
)
# The channel's own lines, in one of a few people's words (the linter reads "opened as SEVn", "N customers
# have reported" and "no other customer has reported").
_OPENED = (
    "Incident opened as {severity}.",
    "Incident channel opened as {severity}.",
    "Incident opened as {severity}; the owning team is paged.",
)
_CAUSE_KNOWN = (
    "The cause is confirmed; engineers are working on recovery.",
    "The cause is confirmed and recovery is under way.",
)
_CAUSE_UNKNOWN = (
    "Engineers are investigating; the cause is not confirmed yet.",
    "Engineers are looking into it; no confirmed cause yet.",
    "The on-call team is investigating; nothing is confirmed about the cause yet.",
)
# (The entry's source is support already, so no line opens with "Support:"; and the count names the
# problem, never "errors", which a delay or a wrong report does not show.)
_REPORTS_MANY = (
    "{n} customers have reported the problem so far.",
    "{n} customers have reported it so far; support is linking their tickets to the incident.",
    "{n} customers have written in about it so far, and tickets are still coming in.",
)
_REPORTS_ONE = (
    "No other customer has reported anything similar; {tenant} tenant is the only one affected.",
    "Support checked the queue: no other customer has reported anything like it, only {tenant} tenant.",
    "So far no other customer has reported the problem; it looks confined to {tenant} tenant.",
)
_WORKAROUND_FROM = ("The support lead", "The incident commander", "The on-call engineer")
# How the channel passes on the agreed guidance: spliced after a colon as part of the sentence, or as a
# sentence of its own.
_GUIDANCE_AGREED = (
    "{who} confirms what customers can do meanwhile: {clause}",
    "{who} agrees the advice for customers until the next update: {clause}",
    "{who} posts the guidance agreed for customers. {sentence}",
)
_WHO = ("Someone in the channel", "An engineer joining the call", "The on-call SRE", "A support lead")


def generate(world: World, difficulty: str) -> tuple[dict, dict]:
    rng = kind_rng("customer_comms", world, difficulty)
    archetype = world.archetype
    comms = _to_the_minute(world, world.texts(archetype["comms"]))
    # Each fact and the guidance reach the writer in one of their phrasings, drawn per seed; the key
    # holds the point each must convey, in its own terms, not the sentence the writer read.
    known = [rng.choice(item["say"]) for item in comms["known"]]
    points = [item["point"] for item in comms["known"]]
    guidance = rng.choice(comms["guidance"]["say"])
    severity = world.incident_severity
    many = world.many_tenants
    # Dozens of reports come only from a failure of many tenants; one tenant's failure is one report.
    reports = (rng.randint(3, 9) if difficulty == "easy" else rng.randint(8, 40)) if many else 1
    at = _moments(world, rng)
    now_ms = at["suspect"] + rng.randint(60, 16 * 60) * 1000
    cause_known = states_a_cause(known)
    customer = world.customer
    timeline = []
    alert = first_alert(world, at["alert"])
    if alert:
        timeline.append(
            {"at": iso_s(at["alert"]), "source": "monitoring", "text": f"Alert: {alert_text(alert)}."}
        )
    # The customer's report in the customer's words (a ticket subject), not the story's own account of
    # the failure: a customer sees errors, not OOMKilled pods or which partition their tenant is on.
    report = fit_day_parts(world, world.text(rng.choice(archetype["ticket"]["subjects"])))
    timeline += [
        {"at": iso_s(at["report"]), "source": "support",
         "text": f"First customer report from {customer.name} ({customer.tier}): \"{report}\""},
        {"at": iso_s(at["opened"]), "source": "incident channel",
         "text": rng.choice(_OPENED).format(severity=severity) + " "
         + rng.choice(_CAUSE_KNOWN if cause_known else _CAUSE_UNKNOWN)},
        {"at": iso_s(at["count"]), "source": "support",
         "text": rng.choice(_REPORTS_MANY).format(n=reports) if many
         else rng.choice(_REPORTS_ONE).format(tenant=possessive(customer.name))},
    ]  # fmt: skip
    # What customers can do meanwhile is agreed in the channel before anyone writes it to them: the
    # update's guidance is the team's, not the writer's guess.
    agreed = rng.choice(_GUIDANCE_AGREED).format(
        who=rng.choice(_WORKAROUND_FROM),
        clause=as_clause(guidance, names=(world.values["product"], customer.name)),
        sentence=guidance,
    )
    timeline.append({"at": iso_s(at["guidance"]), "source": "incident channel", "text": agreed})
    timeline.sort(key=lambda entry: entry["at"])
    if difficulty != "easy":
        timeline.append(
            {"at": iso_s(at["suspect"]), "source": "incident channel", "text": _suspect(world, rng)}
        )
    unknown = comms["unknown"] if cause_known else [CAUSE_UNKNOWN, *comms["unknown"]]
    readers = "the status page and affected customers" if many else f"{customer.name}, the affected customer"
    payload = {
        "kind": "customer_comms",
        "title": f"Customer update: {comms['status_title']}",
        "brief": (
            # No update has gone out yet (the timeline shows none): this is the first.
            f"Draft the first customer-facing update for {readers}. "
            + ("" if cause_known else "The cause is not yet known. ")
            + "Be accurate about what is and is not known, and tell "
            + ("customers" if many else "the customer")
            + " when they will hear from you next."
        ),
        "now": iso_s(now_ms),
        "incident": {
            "status": "identified" if cause_known else "investigating",
            "started_at": world.values["onset_utc"],
            "severity": severity,
            "affected_features": comms["affected_features"],
            "affected_tiers": ["enterprise", "premium", "standard"] if many else [customer.tier],
            "customer_reports": reports,
        },
        "timeline": timeline,
        "known": known,
        "unknown": unknown,
        "audience": "status page and e-mail to affected customers"
        if many
        else f"e-mail to {possessive(customer.name)} administrators",
        "update_policy": f"For a {severity}, customers are updated at least every {NEXT_UPDATE_MINUTES[severity]} minutes.",
    }
    answer_key = {
        "must_include": [
            "acknowledge the impact on the affected features",
            "state what is known",
            "state what is not yet known",
            "commit to the time of the next update",
            "give actionable guidance or a workaround",
        ],
        "known": points,
        "unknown": unknown,
        "affected_features": comms["affected_features"],
        "must_not_say": comms["must_not_say"],
        # A cause the brief calls known is the one the material states; an unknown one is the story's,
        # for those who grade the update, not for the writer to state.
        "root_cause": next(p for k, p in zip(known, points, strict=True) if states_a_cause([k]))
        if cause_known
        else world.text(archetype["root_cause"]),
        "next_update_within_minutes": NEXT_UPDATE_MINUTES[severity],
        "guidance": comms["guidance"]["point"],
    }
    return payload, answer_key


def _to_the_minute(world: World, comms: dict) -> dict:
    """What customers read gives the onset to the minute ("Since 03:39 UTC"), as a status page does,
    not as a log's timestamp with seconds."""
    onset = world.values["onset_utc"]
    said = f"{onset[11:16]} UTC"

    def minute(value):
        if isinstance(value, str):
            return value.replace(onset, said)
        if isinstance(value, list):
            return [minute(v) for v in value]
        if isinstance(value, dict):
            return {k: minute(v) for k, v in value.items()}
        return value

    return minute(comms)


def _moments(world: World, rng) -> dict[str, int]:
    """When each timeline entry happens (epoch ms), drawn per update on its own seconds, in the order an
    outage unfolds: the alert within minutes of the onset, the first report after it, the incident
    opened after both, then the report count and the agreed guidance, and last a suspect raised."""
    second = 1000
    at = {"alert": world.onset_ms + rng.randint(2 * 60, 6 * 60) * second}
    at["report"] = world.onset_ms + rng.randint(6 * 60, 14 * 60) * second
    at["opened"] = max(at["alert"], at["report"]) + rng.randint(2 * 60, 9 * 60) * second
    at["count"] = at["opened"] + rng.randint(3 * 60, 12 * 60) * second
    at["guidance"] = at["opened"] + rng.randint(2 * 60, 11 * 60) * second
    at["suspect"] = max(at["count"], at["guidance"]) + rng.randint(30, 6 * 60) * second
    return at


def _suspect(world: World, rng) -> str:
    """A red herring raised in the channel: one of the archetype's own plausible-but-innocent signals,
    drawn per seed, in one of a few people's words."""
    herring = rng.choice(world.archetype["red_herrings"])
    return rng.choice(_SUSPECTS).format(
        who=rng.choice(_WHO), service=herring["service"], message=world.text(herring["message"])
    )
