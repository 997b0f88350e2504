"""customer_comms: an outage in progress, cause not yet known; the candidate drafts the update."""

from .common import MINUTE_MS, kind_rng
from .world import World, iso_s

NEXT_UPDATE_MINUTES = {"SEV1": 30, "SEV2": 60, "SEV3": 120, "SEV4": 240}


def generate(world: World, difficulty: str) -> tuple[dict, dict]:
    rng = kind_rng("customer_comms", world, difficulty)
    archetype = world.archetype
    comms = world.texts(archetype["comms"])
    severity = archetype["severity"]["by_tier"]["enterprise"]
    reports = rng.randint(3, 9) if difficulty == "easy" else rng.randint(8, 40)
    now_ms = world.onset_ms + rng.randint(25, 45) * MINUTE_MS
    err = archetype["metrics"]["error_rate_pct"]
    timeline = [
        {"at": iso_s(world.onset_ms + 4 * MINUTE_MS), "source": "monitoring",
         "text": f"Alert: {world.values['primary_service']} error rate at {err['peak']}% "
                 f"(normal {err['baseline']}%)."},
        {"at": iso_s(world.onset_ms + 9 * MINUTE_MS), "source": "support",
         "text": f"First customer report from {world.customer.name} ({world.customer.tier}): "
                 + world.text(archetype["symptom"])},
        {"at": iso_s(world.onset_ms + 14 * MINUTE_MS), "source": "incident channel",
         "text": f"Incident opened as {severity}. Engineers are investigating; the cause is not confirmed yet."},
        {"at": iso_s(world.onset_ms + 22 * MINUTE_MS), "source": "support",
         "text": f"{reports} customers have reported the problem so far."},
    ]  # fmt: skip
    if difficulty != "easy":
        timeline.append(
            {
                "at": iso_s(world.onset_ms + 24 * MINUTE_MS),
                "source": "incident channel",
                "text": "Someone suggests it might be a database problem; nobody has evidence for it yet.",
            }
        )
    payload = {
        "kind": "customer_comms",
        "title": f"Customer update: {comms['status_title']}",
        "brief": (
            "Draft the next customer-facing update for the status page and for affected customers. "
            "The cause is not yet known. Be accurate about what is and is not known, and tell "
            "customers when they will hear from you next."
        ),
        "now": iso_s(now_ms),
        "incident": {
            "status": "investigating",
            "started_at": world.values["onset_utc"],
            "severity": severity,
            "affected_features": comms["affected_features"],
            "affected_tiers": ["enterprise", "premium", "standard"]
            if severity == "SEV1"
            else [world.customer.tier],
            "customer_reports": reports,
        },
        "timeline": timeline,
        "known": comms["known"],
        "unknown": comms["unknown"],
        "audience": "status page and e-mail to affected customers",
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
        "unknown": comms["unknown"],
        "affected_features": comms["affected_features"],
        "must_not_say": comms["must_not_say"],
        "root_cause": world.text(archetype["root_cause"]),
        "next_update_within_minutes": NEXT_UPDATE_MINUTES[severity],
        "guidance": world.text(archetype["escalation"]["workaround"]),
    }
    return payload, answer_key
