"""The severity scale every kind states and grades on, and the one function that reads it.

A failure's severity follows from what it does to a customer (its impact), whom it hits (one
customer or many) and, for a customer fully blocked, that customer's tier. A triage queue shows the
scale, an incident drill offers it with the severity decision, an escalation's brief states it; each
key grades by it and says which clause of it applies, so no key grades a failure differently from
the scale its candidate read.
"""

import re

SEVERITY_SCALE = {
    "SEV1": "Critical: customers' data or money at risk, production down for many customers, or an enterprise customer fully blocked.",
    "SEV2": "Major: a core feature broken or badly degraded for a customer, no workaround, or for many customers even with one.",
    "SEV3": "Minor: partial impact (a delay, some users), or a workaround exists.",
    "SEV4": "Question, request or cosmetic issue; no service impact.",
}
# What a failure does to a customer, from most to least severe (the catalog's `ticket_impact`).
IMPACT_ORDER = ("data_at_risk", "blocked", "degraded", "partial")
# The clause of the scale an impact meets.
DATA_AT_RISK = "customers' data or money at risk"
DOWN_FOR_MANY = "production down for many customers"
ENTERPRISE_BLOCKED = "an enterprise customer fully blocked"
CORE_FEATURE = "a core feature broken or badly degraded for a customer, no workaround"
CORE_FEATURE_FOR_MANY = "a core feature broken or badly degraded for many customers, even with a workaround"
PARTIAL = "partial impact (a delay, some users), or a workaround exists"
WORKAROUND_EXISTS = "a workaround exists"
# The catalog's `workaround_kind` of a workaround the customer applies that removes the impact (the other,
# "partial", works part of the time, for some users only, or is ours to apply).
FULL_WORKAROUND = "full"
# What a reason under the "no workaround" clause already says of the workaround, which the plain words
# of a partial one replace: "..., with no workaround besides retrying".
_NO_WORKAROUND_SAID = re.compile(r",? with no workaround(?: besides \w+)?")


def severity_on_scale(impact: str, *, tier: str = "", many: bool = False) -> tuple[str, str]:
    """(severity, the clause of the scale it rests on) for a failure of `impact`, reported by a
    customer of `tier`, hitting many customers or one. Blocked is SEV1 for many customers or for an
    enterprise one; for one customer of another tier it is a core feature broken (SEV2)."""
    if impact == "data_at_risk":
        return "SEV1", DATA_AT_RISK
    if impact == "blocked" and many:
        return "SEV1", DOWN_FOR_MANY
    if impact == "blocked" and tier == "enterprise":
        return "SEV1", ENTERPRISE_BLOCKED
    if impact in ("blocked", "degraded"):
        return "SEV2", CORE_FEATURE
    return "SEV3", PARTIAL


def with_workaround(graded: tuple[str, str], workaround_kind: str, *, many: bool = False) -> tuple[str, str]:
    """(severity, clause) once the workaround is weighed: a failure that is Major by the scale's "no
    workaround" clause is Minor by "or a workaround exists" when its workaround is full (the customer
    applies it and it removes the impact), unless it hits many customers (each has to find and apply
    it), which the scale keeps Major; a partial one leaves it Major, and no Critical clause depends on a
    workaround."""
    if graded[1] == CORE_FEATURE and workaround_kind == FULL_WORKAROUND:
        return ("SEV2", CORE_FEATURE_FOR_MANY) if many else ("SEV3", WORKAROUND_EXISTS)
    return graded


def stated_impact(impact: str, shown: str) -> str:
    """The worse of the failure's own impact and the one the customer's words state; a customer is fully
    blocked only when their own words say so (a vague "app is slow" justifies no SEV1)."""
    from scenarios.consistency import states_fully_blocked

    if states_fully_blocked(shown):
        return min(impact, "blocked", key=IMPACT_ORDER.index)
    return "degraded" if impact == "blocked" else impact


def shown_severity_reason(
    severity: str,
    clause: str,
    reason: str,
    scope: str,
    shown: str,
    *,
    workaround: str = "",
    workaround_limit: str = "",
) -> str:
    """A key's severity reason: the level and clause of the scale, then those parts of the catalog's
    reason and of the scope sentence that the scenario text `shown` supports. A part resting on a
    workaround, a customer or an obligation nothing shows is left out, and so is a way round under the
    scale's "no workaround" clause: the reader grades by what they read, on the scale they read.

    Under that clause a partial workaround's `workaround_limit` says in plain words why it is no way
    round ("The only workaround, retrying with backoff, works part of the time."); a failure Minor
    because a `workaround` exists says the customer can apply it."""
    from scenarios.consistency import as_clause, claims_a_workaround, unshown_severity_claims

    def supported(part: str) -> bool:
        return not unshown_severity_claims(part, shown) and not (
            clause == CORE_FEATURE and claims_a_workaround(part)
        )

    limited = (
        clause == CORE_FEATURE and workaround_limit and not unshown_severity_claims(workaround_limit, shown)
    )
    if limited:
        reason = _NO_WORKAROUND_SAID.sub("", reason)
    parts = [part.strip() for part in re.split(r";|\.(?:\s|$)", reason) if part.strip()]
    kept = [part for part in parts if supported(part)]
    text = "; ".join(kept)
    sentences = [graded(severity, clause)]
    if text:
        sentences.append(text[0].upper() + text[1:] + ".")
    if limited:
        sentences.append(workaround_limit)
    if clause == WORKAROUND_EXISTS and workaround:
        sentences.append(f"The customer can apply it themselves: {as_clause(workaround)}")
    if scope and supported(scope):
        sentences.append(scope)
    return " ".join(sentences)


def level(severity: str) -> str:
    """The scale's name for a severity: "Critical" for SEV1."""
    return SEVERITY_SCALE[severity].split(":")[0]


def graded(severity: str, clause: str) -> str:
    """The opening of a severity reason: the level and the clause of the scale it rests on."""
    return f"{level(severity)} by the scale: {clause}."
