"""customer_comms: the outage so far, and the worked answer's update."""

from .common import ts


def present(item: dict, attempt) -> dict:
    payload = item["payload"]
    incident = dict(payload.get("incident") or {})
    incident["started"] = ts(incident.get("started_at"))
    return {
        "now": ts(payload.get("now")),
        "incident": incident,
        "timeline": [{**entry, "at_dt": ts(entry.get("at"))} for entry in payload.get("timeline", [])],
        "known": payload.get("known", []),
        "unknown": payload.get("unknown", []),
        "audience": payload.get("audience", ""),
        "update_policy": payload.get("update_policy", ""),
    }


def worked(key: dict, scenario, answer: dict) -> dict:
    return {
        "must_include": key.get("must_include") or [],
        "must_not_say": key.get("must_not_say") or [],
        "known": key.get("known") or [],
        "unknown": key.get("unknown") or [],
        "affected_features": key.get("affected_features") or [],
        "guidance": key.get("guidance", ""),
        "next_update_within_minutes": key.get("next_update_within_minutes"),
        "root_cause": key.get("root_cause", ""),
    }
