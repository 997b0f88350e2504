"""postmortem: a resolved incident's timeline and evidence; the candidate writes the review."""

from .common import MINUTE_MS, kind_rng
from .incident import saturation_figure
from .stories import text_at
from .world import World, iso_s


def generate(world: World, difficulty: str) -> tuple[dict, dict]:
    rng = kind_rng("postmortem", world, difficulty)
    archetype = world.archetype
    severity = world.incident_severity
    detected = world.onset_ms + rng.randint(3, 25) * MINUTE_MS
    escalated = detected + rng.randint(5, 30) * MINUTE_MS
    mitigated = escalated + rng.randint(10, 60) * MINUTE_MS
    resolved = mitigated + rng.randint(15, 120) * MINUTE_MS
    metrics = archetype["metrics"]
    mitigation = world.text(archetype["mitigations"]["safe"][0])
    timeline = [
        (world.onset_ms, "First failures: " + text_at(world, archetype["signal_logs"][0]["message"], world.onset_ms + MINUTE_MS)),
        (detected, f"Detected: alert on {world.values['primary_service']} error rate "
                   f"({metrics['error_rate_pct']['peak']}%) and a ticket from {world.customer.name}."),
        (escalated, f"Escalated to {archetype['route']}; incident channel opened as {severity}."),
        (mitigated, f"Mitigated: {mitigation}"),
        (resolved, "Resolved: error rate back to baseline; affected customers informed."),
    ]  # fmt: skip
    trigger = archetype.get("trigger")
    if trigger:
        timeline.append((world.trigger_ms, world.text(trigger["message"])))
    timeline.sort(key=lambda item: item[0])
    # The evidence is quoted as it read at the worst moment, when the mitigation began.
    evidence = [("log", text_at(world, entry["message"], mitigated)) for entry in archetype["signal_logs"]]
    evidence.append(("metric", f"{world.text(metrics['saturation']['name'])} peaked at "
                               f"{saturation_figure(world, mitigated)} "
                               f"(baseline {metrics['saturation']['baseline']})."))  # fmt: skip
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
        "title": f"Postmortem: {text_at(world, archetype['symptom'], mitigated)}",
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
            "customers_affected": rng.randint(12, 400) if world.many_tenants else 1,
            "summary": text_at(world, archetype["symptom"], mitigated),
        },
        "timeline": [{"at": iso_s(at), "text": text} for at, text in timeline],
        "evidence": evidence_items,
    }
    answer_key = {
        "root_cause": world.text(archetype["root_cause"]),
        "cause_chain": world.texts(archetype["cause_chain"]),
        "contributing_factors": world.texts(archetype["postmortem"]["contributing_factors"]),
        "corrective_actions": world.texts(archetype["postmortem"]["corrective_actions"]),
        "detection": world.text(archetype["postmortem"]["detection"]),
        "red_herrings": [
            {"evidence_id": f"E{n}", "why_not": why_not[id(item)]}
            for n, item in enumerate(evidence, 1)
            if id(item) in why_not
        ],
    }
    return payload, answer_key
