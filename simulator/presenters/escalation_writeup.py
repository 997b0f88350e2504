"""escalation_writeup: the ticket thread, and the worked answer's escalation packet."""

from .common import masked_secret, ts


def present(item: dict, attempt) -> dict:
    payload = item["payload"]
    return {
        "customer": payload.get("customer") or {},
        "ticket_id": payload.get("ticket_id", ""),
        "thread": [{**message, "sent": ts(message.get("sent_at"))} for message in payload.get("thread", [])],
    }


_FACT_LABELS = [
    ("expected", "Expected"),
    ("actual", "Actual"),
    ("environment", "Environment"),
    ("onset", "Onset"),
    ("severity", "Severity"),
    ("severity_reason", "Why that severity"),
    ("workaround", "Workaround"),
    ("ask", "The ask"),
]


def worked(key: dict, scenario, answer: dict) -> dict:
    facts = dict(key.get("facts") or {})
    secret = dict(key.get("secret") or {})
    value = str(secret.get("value") or "")
    impact = facts.get("impact") or {}
    return {
        "root_cause": key.get("root_cause", ""),
        "route": key.get("route", ""),
        "repro_steps": facts.get("repro_steps") or [],
        "facts": [(label, facts[name]) for name, label in _FACT_LABELS if facts.get(name)],
        "versions": facts.get("versions") or [],
        "request_ids": facts.get("request_ids") or [],
        "trace_ids": facts.get("trace_ids") or [],
        "impact": impact if isinstance(impact, dict) else {},
        "secret_kind": str(secret.get("kind") or "secret").replace("_", " "),
        "secret_masked": masked_secret(value) if value else "",
        "secret_message_id": secret.get("message_id", ""),
        "noise_message_ids": key.get("noise_message_ids") or [],
    }
