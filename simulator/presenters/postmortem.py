"""postmortem: the resolved incident, and the worked answer's cause chain and actions."""

from .common import ts


def present(item: dict, attempt) -> dict:
    payload = item["payload"]
    incident = dict(payload.get("incident") or {})
    for key in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
        incident[key.replace("_at", "")] = ts(incident.get(key))
    return {
        "incident": incident,
        "timeline": [{**entry, "at_dt": ts(entry.get("at"))} for entry in payload.get("timeline", [])],
        "evidence": payload.get("evidence", []),
    }


def worked(key: dict, scenario, answer: dict) -> dict:
    payload = scenario.view_payload if scenario else {}
    evidence = {entry.get("id"): entry for entry in payload.get("evidence", [])}
    return {
        "root_cause": key.get("root_cause", ""),
        "cause_chain": key.get("cause_chain") or [],
        "contributing_factors": key.get("contributing_factors") or [],
        "corrective_actions": [
            action if isinstance(action, dict) else {"action": action, "owner": ""}
            for action in key.get("corrective_actions") or []
        ],
        "detection": key.get("detection", ""),
        "red_herrings": [
            {**entry, "text": (evidence.get(entry.get("evidence_id")) or {}).get("text", "")}
            for entry in key.get("red_herrings") or []
        ],
    }
