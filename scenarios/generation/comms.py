"""customer_comms: an outage in progress; the candidate drafts the update.

What is known and unknown follows the archetype's facts: when what is known already gives the cause
(an e-mail provider down, a rate limit exceeded), the brief does not call it unknown. The channel
follows the blast radius: a failure of many tenants goes on the status page with a report count that
grows; a failure of one tenant is told to that customer alone."""

from scenarios.consistency import states_a_cause

from .common import MINUTE_MS, fit_day_parts, kind_rng
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
_WORKAROUND_FROM = ("The support lead", "The incident commander", "The on-call engineer")
_WHO = ("Someone in the channel", "An engineer joining the call", "The on-call SRE", "A support lead")


def generate(world: World, difficulty: str) -> tuple[dict, dict]:
    rng = kind_rng("customer_comms", world, difficulty)
    archetype = world.archetype
    comms = _to_the_minute(world, world.texts(archetype["comms"]))
    severity = world.incident_severity
    many = world.many_tenants
    # Dozens of reports come only from a failure of many tenants; one tenant's failure is one report.
    reports = (rng.randint(3, 9) if difficulty == "easy" else rng.randint(8, 40)) if many else 1
    # Moments drawn per seed, each on its own second, in the order an incident takes them.
    at = {"alert": world.onset_ms + rng.randint(120, 360) * 1000}
    at["report"] = at["alert"] + rng.randint(120, 480) * 1000
    at["opened"] = at["report"] + rng.randint(150, 420) * 1000
    at["guidance"] = at["opened"] + rng.randint(100, 360) * 1000
    at["count"] = at["guidance"] + rng.randint(60, 300) * 1000
    at["suspect"] = at["count"] + rng.randint(40, 240) * 1000
    now_ms = max(
        world.onset_ms + rng.randint(25, 45) * MINUTE_MS, at["suspect"] + rng.randint(60, 300) * 1000
    )
    cause_known = states_a_cause(comms["known"])
    customer = world.customer
    timeline = []
    alert = first_alert(world, at["alert"])
    if alert:
        timeline.append(
            {
                "at": iso_s(at["alert"]),
                "source": "monitoring",
                "text": f"Alert: {alert_text(alert)}.",
            }
        )
    # The customer's report in the customer's words (a ticket subject), not the story's own account of
    # the failure: a customer sees errors, not OOMKilled pods or which partition their tenant is on.
    report = fit_day_parts(world, world.text(rng.choice(archetype["ticket"]["subjects"])))
    timeline += [
        {"at": iso_s(at["report"]), "source": "support",
         "text": f"First customer report from {customer.name} ({customer.tier}): \"{report}\""},
        {"at": iso_s(at["opened"]), "source": "incident channel",
         "text": f"Incident opened as {severity}. "
         + ("The cause is confirmed; engineers are working on recovery." if cause_known
            else "Engineers are investigating; the cause is not confirmed yet.")},
        {"at": iso_s(at["count"]), "source": "support",
         "text": f"{reports} customers have reported the problem so far." if many
         else f"No other customer has reported anything similar; {possessive(customer.name)} tenant is the only one affected."},
    ]  # fmt: skip
    # What customers can do meanwhile is agreed in the channel before anyone writes it to them: the
    # update's guidance is the team's, not the writer's guess.
    timeline.append(
        {
            "at": iso_s(at["guidance"]),
            "source": "incident channel",
            "text": f"{rng.choice(_WORKAROUND_FROM)} confirms what customers can do meanwhile: {comms['guidance']}",
        }
    )
    timeline.sort(key=lambda entry: entry["at"])
    if difficulty != "easy":
        timeline.append(
            {
                "at": iso_s(at["suspect"]),
                "source": "incident channel",
                "text": _suspect(world, rng),
            }
        )
    unknown = comms["unknown"] if cause_known else [CAUSE_UNKNOWN, *comms["unknown"]]
    readers = "the status page and affected customers" if many else f"{customer.name}, the affected customer"
    payload = {
        "kind": "customer_comms",
        "title": f"Customer update: {comms['status_title']}",
        "brief": (
            f"Draft the next customer-facing update for {readers}. "
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
        "known": comms["known"],
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
        "known": comms["known"],
        "unknown": unknown,
        "affected_features": comms["affected_features"],
        "must_not_say": comms["must_not_say"],
        # A cause the brief calls known is the one the material states; an unknown one is the story's,
        # for those who grade the update, not for the writer to state.
        "root_cause": next(k for k in comms["known"] if states_a_cause([k]))
        if cause_known
        else world.text(archetype["root_cause"]),
        "next_update_within_minutes": NEXT_UPDATE_MINUTES[severity],
        "guidance": comms["guidance"],
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


def _suspect(world: World, rng) -> str:
    """A red herring raised in the channel: one of the archetype's own plausible-but-innocent signals,
    drawn per seed, in one of a few people's words."""
    herring = rng.choice(world.archetype["red_herrings"])
    return rng.choice(_SUSPECTS).format(
        who=rng.choice(_WHO), service=herring["service"], message=world.text(herring["message"])
    )
