"""Small formatting filters for the staff pages."""

from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """42 s, 7 min, 1 h 05 min; an em dash when there is nothing to show."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@register.filter
def score(value) -> str:
    """A 1-5 score with at most one decimal (3, 3.5, 3.3)."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.1f}".removesuffix(".0")


@register.filter
def score_percent(value) -> int:
    """Where a 1-5 score sits on a bar from 1 (empty) to 5 (full)."""
    if value is None or value == "":
        return 0
    return max(0, min(100, round((float(value) - 1) * 25)))
