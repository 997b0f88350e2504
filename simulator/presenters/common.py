"""Small formatting helpers the per-kind presenters share."""

import json
from datetime import datetime


def ts(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def pretty(value) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def ticket_view(ticket: dict) -> dict:
    return {**ticket, "received": ts(ticket.get("received_at"))}


def clock_text(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def clock_from_seconds(seconds) -> str:
    try:
        return clock_text(int(seconds))
    except (TypeError, ValueError):
        return ""


def masked_secret(secret: str) -> str:
    visible = secret[: min(4, len(secret) // 4)]
    return f"{visible}{'•' * 10}"
