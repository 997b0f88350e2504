"""customer_comms: an update for an outage whose cause is not yet known.

What a good update holds follows the usual incident-communication guidance: acknowledge the
impact, say what is known and what is not, do not speculate about the cause, blame nobody,
promise no fix time, commit to the time of the next update, and tell customers what they can do
now, in plain language.
"""

import re
from datetime import datetime

from scoring.checks import Check
from scoring.context import ScoringContext
from scoring.text import distinctive_terms, quote, sentences, shares_terms, tokens

VERSION = 2  # 2: the next update's time is read from `next_update_at` as ISO 8601
D = "communication"

_UNKNOWN = re.compile(
    r"(not (yet )?(know|known|confirmed|clear)|still investigating|investigating the cause|under investigation|"
    r"don't (yet )?know|do not (yet )?know|root cause is (not|still)|unknown|working to (identify|understand))",
    re.I,
)
_SPECULATION = re.compile(
    r"(probably|likely (caused|due|because)|we (think|believe|suspect) (it|this|the)|might be (due|caused)|"
    r"appears to be caused|seems to be caused|caused by|\bdue to\b|\bcrashed\b|after (a|the) (bad |faulty )?deploy)",
    re.I,
)
_BLAME = re.compile(
    r"(your (fault|mistake|misconfiguration|error)|customer error|user error|(their|vendor'?s?|provider'?s?) fault|"
    r"blame|you (should have|failed to)|caused by you)",
    re.I,
)
FIX_PROMISE = re.compile(
    r"((will be|is going to be|should be) (fixed|resolved|restored) (within|by|in)|fix(ed)? (within|in) \d|"
    r"\beta\b|resolved (within|in) \d|back (up|to normal) (within|in|by) \d|guarantee)",
    re.I,
)
NEXT_UPDATE = re.compile(r"(next update|update (you|again|this page)|further update|another update)", re.I)
UPDATE_TIME = re.compile(
    r"(\b\d{1,2}:\d{2}\b|\b(\d+)\s*(minutes|mins|min|hours|hour|hrs|hr)\b|\bUTC\b)", re.I
)
_GUIDANCE = re.compile(
    r"(in the meantime|workaround|we recommend|you can|you may|please (retry|avoid|use|check)|"
    r"no action (is )?(needed|required)|subscribe)",
    re.I,
)
_JARGON = re.compile(
    r"(\bL\d{6}\b|\breq_[0-9a-f]{6,}|\b[0-9a-f]{32}\b|trace_id|span_id|stack ?trace|exception)", re.I
)


def checks(ctx: ScoringContext) -> list[Check]:
    key = ctx.key
    update = ctx.text("update")
    next_update_field = str(ctx.answer.get("next_update_at") or "")
    gamed = ctx.profile(update).gamed
    result = [
        Check(
            "readable_update", D, not gamed, 0, gamed or "The update is readable text about this outage.", gate=True,
        )
    ]  # fmt: skip

    feature_terms = [distinctive_terms(f, minimum=3) | set(tokens(f)) for f in key["affected_features"]]
    impact_hit = next(
        (
            f
            for f, terms in zip(key["affected_features"], feature_terms, strict=True)
            if shares_terms(update, terms, 0.5)
        ),
        "",
    )
    result.append(
        Check(
            "acknowledges_impact", D, bool(impact_hit), 2,
            f"Names the affected feature ({impact_hit})." if impact_hit else "Does not say which features customers cannot use.",
            quote(update, feature_terms[0] if feature_terms else []) if impact_hit else "",
        )
    )  # fmt: skip

    known_hit = next(
        (
            k
            for k in key["known"]
            if shares_terms(update, distinctive_terms(k, minimum=3) or set(tokens(k)), 0.4)
        ),
        "",
    )
    result.append(
        Check(
            "states_known", D, bool(known_hit), 2,
            "Says what is known so far." if known_hit else "Does not say what is known so far.",
            quote(update, distinctive_terms(known_hit, minimum=3)) if known_hit else "",
        )
    )  # fmt: skip

    unknown = _UNKNOWN.search(update)
    result.append(
        Check(
            "states_unknown", D, bool(unknown), 1.5,
            "Is honest that the cause is not yet known." if unknown else "Does not say what is still unknown.",
            quote(update, [unknown.group(0)]) if unknown else "",
        )
    )  # fmt: skip

    cause_terms = distinctive_terms(key["root_cause"]) - _impact_terms(key)
    forbidden = [p for p in key["must_not_say"] if p.lower() in update.lower()]
    speculation = _SPECULATION.search(update)
    names_cause = shares_terms(update, cause_terms, 0.4) if cause_terms else False
    forbidden_claims = [p for p in forbidden if not FIX_PROMISE.search(p)]
    offending = speculation.group(0) if speculation else (forbidden_claims[0] if forbidden_claims else "")
    speculation = speculation or bool(forbidden_claims)
    result.append(
        Check(
            "no_speculation", D, not (speculation or names_cause), 2,
            "Does not guess at the cause." if not (speculation or names_cause)
            else "Speculates about a cause that has not been confirmed.",
            quote(update, [offending] if offending else cause_terms),
        )
    )  # fmt: skip

    blame = _BLAME.search(update)
    result.append(
        Check(
            "no_blame", D, not blame, 1.5,
            "Blames no one." if not blame else "Blames the customer or another party.",
            quote(update, [blame.group(0)]) if blame else "",
        )
    )  # fmt: skip

    promise = FIX_PROMISE.search(update)
    forbidden = next((p for p in forbidden if FIX_PROMISE.search(p) or p not in forbidden_claims), "")
    result.append(
        Check(
            "no_promised_fix_time", D, not (promise or forbidden), 2,
            "Makes no promise it cannot keep." if not (promise or forbidden)
            else "Promises a fix time or says something the update must not say.",
            quote(update, [promise.group(0)] if promise else [forbidden]),
        )
    )  # fmt: skip

    next_update = _next_update_minutes(update, next_update_field, ctx.payload.get("now", ""))
    committed = next_update is not None and 0 <= next_update <= key["next_update_within_minutes"]
    if next_update is None:
        message = "Does not commit to when the next update will come."
    elif next_update < 0:
        message = "The next update is promised for a time that has already passed."
    elif committed:
        message = f"Commits to the next update within {key['next_update_within_minutes']} minutes."
    else:
        message = f"The next update is later than the {key['next_update_within_minutes']} minutes this severity needs."
    result.append(
        Check("next_update_time", D, committed, 2, message, quote(update, ["update"]) or next_update_field)
    )

    guidance_terms = distinctive_terms(key.get("guidance", ""), minimum=4)
    guidance = _GUIDANCE.search(update) or (guidance_terms and shares_terms(update, guidance_terms, 0.3))
    result.append(
        Check(
            "actionable_guidance", D, bool(guidance), 1.5,
            "Tells customers what they can do now." if guidance else "Gives customers nothing they can do meanwhile.",
            quote(update, [guidance.group(0)]) if hasattr(guidance, "group") else quote(update, guidance_terms),
        )
    )  # fmt: skip

    lengths = [len(tokens(s)) for s in sentences(update)] or [0]
    jargon = _JARGON.search(update)
    plain = (sum(lengths) / len(lengths)) <= 28 and not jargon
    result.append(
        Check(
            "plain_language", D, plain, 1,
            "Short sentences in plain language." if plain else "Long sentences or internal jargon customers cannot use.",
            quote(update, [jargon.group(0)]) if jargon else "",
        )
    )  # fmt: skip
    return result


def _impact_terms(key: dict) -> set[str]:
    """Words the update may use to describe the impact even if the cause text shares them."""
    terms: set[str] = set()
    for text in key["affected_features"] + key["known"]:
        terms |= set(tokens(text))
    return terms


def _next_update_minutes(update: str, field: str, now: str) -> float | None:
    """Minutes from the scenario's `now` to the promised next update: the `next_update_at` field
    (ISO 8601, what the workspace's time picker and the API give), else the update's own words
    ("in 30 minutes", "at 14:30"). Answers saved before the field was ISO 8601 are read as words."""
    promised, current = _moment(field), _moment(now)
    if promised is not None and current is not None:
        return (promised - current).total_seconds() / 60
    for sentence in sentences(update) + ([field] if field else []):
        if not (NEXT_UPDATE.search(sentence) or sentence == field):
            continue
        match = UPDATE_TIME.search(sentence)
        if not match:
            continue
        if match.group(2):
            amount = int(match.group(2))
            return amount * 60 if match.group(3).lower().startswith(("hour", "hr")) else amount
        clock = re.search(r"\b(\d{1,2}):(\d{2})\b", sentence)
        if clock and len(now) >= 16:
            promised = int(clock.group(1)) * 60 + int(clock.group(2))
            current = int(now[11:13]) * 60 + int(now[14:16])
            return (promised - current) % (24 * 60)
        return None
    return None


def _moment(value: str) -> datetime | None:
    """An ISO 8601 time with a timezone, or None for anything else."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
