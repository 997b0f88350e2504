"""customer_comms: an update for an outage whose cause is not yet known.

What a good update holds follows the usual incident-communication guidance: acknowledge the
impact, say what is known and what is not, do not speculate about the cause, blame nobody,
promise no fix time, commit to the time of the next update, and tell customers what they can do
now, in plain language.
"""

import dataclasses
import math
import re
from collections import Counter
from datetime import datetime

from scoring.checks import Check
from scoring.context import ScoringContext
from scoring.text import (
    FUNCTION_WORDS,
    affirmative,
    covers,
    distinctive_terms,
    filler,
    negated_spans,
    quote,
    sentences,
    shorthand_rate,
    stem,
    strung_terms,
    strung_together,
    terms,
    tokens,
    without_filler,
    words,
)

VERSION = 13
# 13: every status listed over lines of strung terms is a filled template; a bracket holding a figure
# ("[T+5m]") is not a placeholder
# 12: each line the update must not say is a way of misleading of its own; the customer's own system
# said to do it wrong ("your integration sends bad cursors") is blame
# 11: "the web app and the API are working normally" closes nothing in an update that says the
# failure goes on; a must-not-say line is said only with its act ("restore"), not only its objects
# 10: the shared toolkit reads a verdict that ends a list as taking it back ("X, or Y, would be the wrong trade",
# "is too risky"), a negated list running on to a closing ", or" as negated throughout, and more filler
# ("any of these might be involved, or none", "SEV3 might also fit")
# 9: an update without a time for the next one scores 3 at most; a note's "Next 09:58" or
# "next upd 14:15Z" commits to a time; "a PNG of at least 400 px" is no status code; note shorthand folded
# ("repro", "KB", "eng", month abbreviations)
# 8: "what is causing the errors" asks, it claims no cause; "traced the problem to" asserts one;
# "is fixed", "has been working normally" and a title "Resolved - ..." close the outage, "everything else is working
# normally" does not; the shared toolkit reads topic by stem too (at half weight),
# a negation label ("Off the table:") takes back its list, "would not help" its action; every phase as an
# activity ("investigating, mitigating and resolving") and three ", or" alternatives are filler
# 7: an update of terms strung together is stuffed; options held open at once and a status tag read
# rightly as filler and not; an update that says nothing is wrong is not about the outage; one that does less than
# half of its job earns nothing for what it avoids; an ETA promises only with a time; an apology is credited; note
# shorthand is not plain language
# 6: a cause the scenario states as known is not speculation; recovery promised within a span or
# "shortly", whoever recovers, is a fix time; fault put on another party, or disowned ("not our fault"), is blame;
# "no further updates" closes the outage though it is said with a negation
# 5: what the update must not say is read by meaning, and a claim that a known fact denies misleads
# 4: an update that misleads in two ways or more (a cause asserted, blame, a fix time, closed early) sinks
# 3: filler earns nothing; negation scope; own-words matching on stems
# 2: the next update's time is read from `next_update_at` as ISO 8601
D = "communication"

_UNKNOWN = re.compile(
    r"(not (yet )?(know|known|confirmed|clear|sure|certain|determined|identified|established)|still investigating|"
    r"investigating the cause|under investigation|(don't|do not|don’t) (yet )?know|root cause is (not|still)|"
    r"\bunknown\b|unclear|working (to|on) (identify|understand|find|determine|pin)|"
    r"(haven't|have not|has not|hasn't) (yet )?(pinned|identified|found|determined|confirmed|established|worked out|traced)|"
    r"yet to (identify|determine|confirm|find|establish)|no (confirmed )?(root )?cause (yet|identified|confirmed)|"
    r"still (working out|looking into|trying to|establishing|determining|confirming|checking|open)|open questions?|"
    r"not yet clear|we('ll| will) (confirm|tell you|share|let you know) (whether|when|if|how))",
    re.I,
)
_SPECULATION = re.compile(
    r"(probably|likely (caused|due|because)|we (think|believe|suspect) (it|this|the)|might be (due|caused)|"
    r"appears to be caused|seems to be caused|caused by|\bdue to\b|\bcrashed\b|after (a|the) (bad |faulty )?deploy|"
    r"(could|may|might) be (related|due|caused|linked|down to|a |an |the )|it could be|possibly (due|caused|related)|"
    r"\b(occur|happen|happens|happened|fail|fails|failed|failing) because\b|\bthe (root )?cause (is|was)\b|"
    r"result(ed|s|ing)? (of|from)|stem(s|med)? from|triggered by|"
    # "What is causing the errors" asks (an unknown stated as a question), it does not claim.
    r"(?<!this is )(?<!it is )(?<!that is )(?<!what is )(?<!what's )(?<!what’s )(?<!whatever is )\bcausing\b|"
    r"\btraced (\w+ ){0,3}(back )?to\b|\battack\b)",
    re.I,
)
_BLAME = re.compile(
    r"(your (fault|mistake|misconfiguration|error)|customer error|user error|(their|vendor'?s?|provider'?s?) fault|"
    r"blame|you (should have|failed to)|caused by you|"
    r"(an admin|someone|a user|your (admin|administrator|team|developers?|engineers?)) (in|on|from) (your|their) "
    r"(account|side|team|organi[sz]ation)|"
    r"(an? |the )?(administrator|member|colleague|developer|engineer|person)s? (in|on|at|from) (your|their) "
    r"(account|side|end|team|organi[sz]ation|company) (has |had |have )?"
    r"(removed|changed|deleted|disabled|misconfigured|took|taken|broke|revoked|turned)|(you|your (team|admin|administrator))( (was|were|had|has|have))? "
    r"(removed|removing|changed|changing|deleted|deleting|disabled|disabling|misconfigured|misconfiguring|broke|"
    r"breaking)|"
    # The customer's own system said to do it wrong ("your integration sends bad cursors", "your client is
    # using an invalid token"), said as a fact, not as advice ("if your client sends ..." is a condition).
    r"(?<!if )(?<!when )your (integration|client|code|app|application|system|script|setup|implementation|"
    r"configuration|server|endpoint)s? (is |are |was |were |keeps? )?(send|sending|sent|sends|use|uses|using|used|"
    r"making|makes|made|pass|passes|passing|passed) (an? )?(bad|invalid|wrong|malformed|broken|incorrect|stale|"
    r"corrupt\w*|too many)\b|"
    # Fault put on another party ("the fault lies entirely with the provider"), not owned ("on our side").
    r"\bfault (lies|rests|sits|falls|is) ((entirely|solely|squarely|fully|wholly|completely) )?(with|on) (?!(us|we)\b|our (side|end|part|team|own|systems?|platform|code|change)\b))",
    re.I,
)
# Disowning the outage is said with a negation, so it is read on the update as written.
_DISOWNS = re.compile(
    r"\b(not|isn't|wasn't|is not|was not) (our|the company's) (fault|doing|responsibility)\b|"
    r"\bnothing to do with us\b|\bnot (an? )?(issue|problem|fault) (on|at|with) our (side|end)\b",
    re.I,
)
FIX_PROMISE = re.compile(
    r"((will be|is going to be|should be) (fixed|resolved|restored) (within|by|in)|fix(ed)? (within|in) \d|"
    # An ETA promises only with a time ("ETA 30 minutes", "ETA: 14:00"); "no ETA", "fix ETA" unknown do not.
    r"\beta\b( (for|of) (the |a )?(fix|resolution|recovery))?\W{0,3}(is |of |about |around |~)?(\d|within|by|in \d|tonight|tomorrow|today|end of)|resolved (within|in) \d|back (up|to normal) (within|in|by) \d|guarantee|"
    r"(fixed|resolved|sorted|restored|back|working) (by|before|within) (the )?(end of (the )?day|eod|tonight|tomorrow|"
    r"the hour|today|this afternoon|this evening)|(we're|we are) confident (this|it) will|"
    r"(expect|expected) (it|this|the issue) to be (fixed|resolved|sorted)|(should|will) be back (up )?shortly|"
    # Recovery given a span or "shortly", whoever recovers ("we expect the provider to be back within 15
    # minutes", "everything should be back to normal shortly"); not our own report back ("we'll be back
    # within 30 minutes with an update", "get back to you within the hour").
    r"(?<!we'll be )(?<!we will be )(?<!get )(?<!report )(?<!come )\b(back|restored|recovered|resolved|fixed)"
    r"(?! to you)( to normal| up| online)? (with)?in (the next )?\d+\s*(minutes?|mins?|hours?|hrs?)\b|"
    r"(should|will|expect\w* \w+( \w+)? to) be back( up| to normal| online)? (shortly|soon|quickly))",
    re.I,
)
NEXT_UPDATE = re.compile(
    r"(next (\w+ )?(update|note|post|message|contact|bulletin)|update (you|again|this page|by|at|within|in)|"
    r"further update|another update|new update|"
    r"post (again|an update|another|the next)|hear from us|check back|follow up (by|at|in|within)|"
    r"(we'll|we will) (write|report|be back|get back)|"
    # A note's own form: "Next 09:58.", "Next upd 14:15Z", "SP next 14:15", "next <= 14:00 UTC".
    r"\bnext\s+(upd\.?\s+|update\s+)?(by\s+|at\s+|<=\s*|≤\s*)?\d{1,2}:\d{2})",
    re.I,
)
# Fewer words than this left once filler is read past, and the update commits to nothing.
SUBSTANCE_WORDS = 8
# An update with this many kinds of filler (both options, every status, unknowns said to be unknown,
# a later update with no time, the rubric restated) is filler, whatever else it holds.
FILLER_REASONS = 3
# Terms strung together in this share of an update that also lists every status make it a filled template.
STATUS_LIST_STRUNG_SHARE = 0.2
UPDATE_TIME = re.compile(
    r"(\b\d{1,2}:\d{2}(?:Z\b|\b)|\b(\d+)\s*(minutes|mins|min|hours|hour|hrs|hr)\b|\bUTC\b)", re.I
)
_GUIDANCE = re.compile(
    r"(in the meantime|workaround|we recommend|you can|you may|please (retry|avoid|use|check)|"
    r"no action (is )?(needed|required)|subscribe)",
    re.I,
)
# Words that say something is wrong. An update during an outage says so somehow; a product
# announcement, a how-to guide or a maintenance notice need not.
_TROUBLE = re.compile(
    r"\b(?:fail\w*|errors?|outages?|down\b|disrupt\w*|degrad\w*|unavailab\w*|not available|issues?|problems?|"
    r"trouble\w*|incidents?|interrupt\w*|delay\w*|slow\w*|unable|cannot|can't|can’t|broken|not working|lost|loss|"
    r"affect\w*|impact\w*|unexpected\w*|investigat\w*|signed out|logged out|stuck|missing|not arriving|"
    # A status code, not a size or a count ("a PNG of at least 400 px", "500 orders").
    r"inconvenien\w*|sorry|apologi[sz]\w*|(?<![=\d.,])[45]\d\d\b(?!\s*(?:px|pixels|ms|kb|mb|gb|%|words|characters|"
    r"chars|items|rows|records|users|customers|orders|per\b))|5xx)",
    re.I,
)
# The checks that read what an update does; the rest read what it avoids (a guess, blame, a fix time,
# jargon), which only an update that does at least half of its job earns credit for.
_DOES = ("acknowledges_impact", "states_known", "states_unknown", "next_update_time", "actionable_guidance")
_AVOIDS = ("no_speculation", "no_blame", "no_promised_fix_time", "plain_language")
# An apology for the disruption, or owning how it lands ("we know how disruptive this is").
_OWNS = re.compile(
    r"\b(?:sorry|apologi[sz]\w*|regret\w*|we (?:know|understand|realise|realize) (?:how|that) (?:disruptive|frustrating|"
    r"\w+ (?:this|it) is)|(?:the |any )?inconvenience (?:this|caused))",
    re.I,
)
# Note shorthand at this rate (one mark in eighty words) is a note, not a customer update.
SHORTHAND_RATE = 1 / 80
_JARGON = re.compile(
    r"(\bL\d{6}\b|\breq_[0-9a-f]{6,}|\b[0-9a-f]{32}\b|trace_id|span_id|stack ?trace|exception)", re.I
)


def checks(ctx: ScoringContext) -> list[Check]:
    key = ctx.key
    update = ctx.text("update")
    next_update_field = str(ctx.answer.get("next_update_at") or "")
    said = without_filler(update)
    gamed = ctx.profile(update).gamed
    if not gamed and strung_together(update):
        gamed = "the update strings terms together instead of telling customers what is going on"
    found = filler(update)
    reasons = found.reasons
    # Every status at once over lines of strung terms: a template filled with keywords, not an update.
    if not gamed and found.status_list and strung_terms(update) >= STATUS_LIST_STRUNG_SHARE:
        gamed = "the update lists every status and strings terms together instead of saying what is going on"
    if not gamed and (len(tokens(said)) < SUBSTANCE_WORDS or len(reasons) >= FILLER_REASONS):
        gamed = "the update commits to nothing" + (f": it {'; it '.join(reasons)}" if reasons else "")
    if not gamed and not _TROUBLE.search(update):
        gamed = "the update does not say that anything is wrong: it is not about this outage"
    result = [
        Check(
            "readable_update", D, not gamed, 0, gamed or "The update is readable text about this outage.", gate=True,
        )
    ]  # fmt: skip

    # Credit is earned by what the update commits to: filler sentences (placeholders, both options,
    # every status, unknowns said to be unknown, the rubric restated) are read past. Blame and
    # speculation are read on what it claims: a negation takes its clause back.
    claimed = affirmative(said)
    impact_hit = next((f for f in key["affected_features"] if covers(claimed, f, 0.5)), "")
    result.append(
        Check(
            "acknowledges_impact", D, bool(impact_hit), 2,
            f"Names the affected feature ({impact_hit})." if impact_hit else "Does not say which features customers cannot use.",
            quote(said, _words(impact_hit)) if impact_hit else "",
        )
    )  # fmt: skip

    known_hit = next((k for k in key["known"] if covers(said, k, 0.4, stop=_STOP)), "")
    if known_hit:
        message = "Says what is known so far."
    elif found.status_list:
        message = "Lists every status at once instead of saying what is known."
    else:
        message = "Does not say what is known so far."
    result.append(
        Check(
            "states_known",
            D,
            bool(known_hit),
            2,
            message,
            quote(said, _words(known_hit)) if known_hit else "",
        )
    )

    unknown = _UNKNOWN.search(said)
    if unknown:
        message = "Is honest that the cause is not yet known."
    elif found.unknown_unknowns:
        message = "Says that the unknowns are unknown, not what is still unknown."
    else:
        message = "Does not say what is still unknown."
    result.append(
        Check(
            "states_unknown",
            D,
            bool(unknown),
            1.5,
            message,
            quote(said, [unknown.group(0)]) if unknown else "",
        )
    )

    cause_terms = distinctive_terms(key["root_cause"]) - _impact_terms(key)
    low_claimed = claimed.lower()
    forbidden = [p for p in key["must_not_say"] if p.lower() in low_claimed]
    speculation = speculation_found = _speculation(claimed, key["known"])
    names_cause = _names(claimed, cause_terms, 0.4) if cause_terms else False
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

    blame = _BLAME.search(claimed) or _DISOWNS.search(said)
    result.append(
        Check(
            "no_blame", D, not blame, 1.5,
            "Blames no one." if not blame else "Blames the customer or another party.",
            quote(update, [blame.group(0)]) if blame else "",
        )
    )  # fmt: skip

    promise = FIX_PROMISE.search(claimed)
    forbidden = next((p for p in forbidden if FIX_PROMISE.search(p) or p not in forbidden_claims), "")
    result.append(
        Check(
            "no_promised_fix_time", D, not (promise or forbidden), 2,
            "Makes no promise it cannot keep." if not (promise or forbidden)
            else "Promises a fix time or says something the update must not say.",
            quote(update, [promise.group(0)] if promise else [forbidden]),
        )
    )  # fmt: skip

    next_update = _next_update_minutes(said, next_update_field, ctx.payload.get("now", ""))
    committed = next_update is not None and 0 <= next_update <= key["next_update_within_minutes"]
    if next_update is None and found.vague_later:
        message = "Promises a later update without saying when."
    elif next_update is None:
        message = "Does not commit to when the next update will come."
    elif next_update < 0:
        message = "The next update is promised for a time that has already passed."
    elif committed:
        message = f"Commits to the next update within {key['next_update_within_minutes']} minutes."
    else:
        message = f"The next update is later than the {key['next_update_within_minutes']} minutes this severity needs."
    result.append(
        # Customers left without a time for the next update keep asking: at most 3, however well it reads.
        Check(
            "next_update_time",
            D,
            committed,
            2,
            message,
            quote(update, ["update"]) or next_update_field,
            ceiling=3,
        )
    )

    guidance = _GUIDANCE.search(claimed) or (
        key.get("guidance") and covers(claimed, key["guidance"], 0.3, stop=_STOP)
    )
    if guidance:
        message = "Tells customers what they can do now."
    elif found.both_ways:
        message = "Offers both options at once instead of advising one."
    else:
        message = "Gives customers nothing they can do meanwhile."
    result.append(
        Check(
            "actionable_guidance", D, bool(guidance), 1.5, message,
            quote(said, [guidance.group(0)]) if hasattr(guidance, "group") else (
                quote(said, _words(key.get("guidance", ""))) if guidance else ""
            ),
        )
    )  # fmt: skip

    unsaid = {
        line: found
        for line in key["must_not_say"]
        if line not in forbidden_claims and not FIX_PROMISE.search(line) and (found := _says(said, line))
    }
    result.append(
        _misleads_check(
            claimed,
            said,
            key["known"],
            speculation_found,
            blame,
            promise,
            {line: line for line in forbidden_claims} | unsaid,
        )
    )

    owns = _OWNS.search(claimed)
    result.append(
        Check(
            "owns_the_disruption", D, bool(owns), 1.5,
            "Says sorry for the disruption." if owns else "Does not acknowledge the disruption to customers with an apology.",
            quote(claimed, [owns.group(0)]) if owns else "",
        )
    )  # fmt: skip

    lengths = [len(tokens(s)) for s in sentences(update)] or [0]
    jargon = _JARGON.search(update)
    clipped = shorthand_rate(update) >= SHORTHAND_RATE
    plain = (sum(lengths) / len(lengths)) <= 28 and not jargon and not clipped
    if plain:
        message = "Short sentences in plain language."
    elif clipped:
        message = "Written in note shorthand (w/, +, ->, clipped words) customers have to decode."
    else:
        message = "Long sentences or internal jargon customers cannot use."
    result.append(
        Check("plain_language", D, plain, 1, message, quote(update, [jargon.group(0)]) if jargon else "")
    )
    return _credit_only_what_it_does(result)


def _credit_only_what_it_does(result: list[Check]) -> list[Check]:
    """An update that does less than half of what an update is for (weighted) cannot be credited for
    what it leaves out: "we are looking into it" avoids every guess, blame and promise by saying
    nothing. Its avoidance checks are then not assessed, and say why."""
    does = [c for c in result if c.id in _DOES]
    done = sum(c.weight for c in does if c.passed)
    if done * 2 >= sum(c.weight for c in does):
        return result
    return [
        dataclasses.replace(
            c,
            assessed=False,
            explanation=f"{c.explanation} (Not credited: the update does too little of its job.)",
        )
        if c.id in _AVOIDS
        else c
        for c in result
    ]


# A cause said with any of these is offered as a guess, not asserted: still speculation, not misinformation.
_HEDGED = re.compile(
    r"\b(we (think|believe|suspect)|suspect\w*|likely|probably|possibl\w*|appears?|seems?|might|may|could|"
    r"early (signs|indications)|not (yet )?(confirmed|certain)|unconfirmed|investigating whether|one possibility)\b"
)  # (lower)
# Closing an outage that is still going on: no more updates, or declared over.
_CLOSES = re.compile(
    r"\b(no (further|more) updates?|(will not|won't) (be )?(post|send|shar|provid)\w* (any )?(further |more )?updates?|"
    r"(this is|this will be) (our|the) (final|last) update|(is|has been|have been) (now )?(fully )?resolved|"
    r"fully (resolved|restored|recovered)|(is|are|has been|have been) (now )?back to normal|"
    r"(is|are|has been|have been) (now )?(fixed|working (normally|again))|"
    # A status post titled as over ("Resolved - Search errors", "[Resolved]").
    r"^\W*(resolved|fixed|closed)\b)"
)  # (lower)
# "Everything else is working normally", "the rest of the platform is working normally": what the
# outage leaves alone, not the outage declared over.
_UNAFFECTED_SUBJECT = re.compile(r"\b(else|others?|rest|remaining|unaffected)\b[^.;:!?\n]*$")  # (lower)
# An update that misleads in this many distinct ways (a cause asserted as fact, blame, a fix time, the
# outage declared over) tells customers something untrue however well it reads.
MISLEADS = 2


_CONDITION = re.compile(r"\b(when|once|until|after|before|if|as soon as)\b[^.;:!?\n]*$")  # (lower)


# Closings said with a negation ("no further updates will be needed"), which reading past negations
# would drop: read on the update as written.
_CLOSES_NEGATED = re.compile(
    r"\b(no (further|more) updates?|(will not|won't) (be )?(post|send|shar|provid)\w* (any )?(further |more )?updates?)\b"
)  # (lower)


def _closes(low: str, closings: re.Pattern = _CLOSES) -> str:
    """Where the update (lower-cased) closes the outage ("the issue is now resolved", "no further
    updates"), not where it looks ahead to that ("we'll update this page when the issue is resolved").
    An update that says in the present tense that the failure goes on ("uploads are failing") closes
    nothing by saying other parts work ("the web app and the API are working normally")."""
    ongoing = bool(_ONGOING.search(low))
    for match in closings.finditer(low):
        before = low[max(0, match.start() - 60) : match.start()]
        if _CONDITION.search(before) or _UNAFFECTED_SUBJECT.search(before):
            continue
        if ongoing and _WORKS.match(match.group(0)):
            continue
        return match.group(0)
    return ""


# The failure said to go on now: "are failing", "is not running", "still fail", "continue to fail".
_ONGOING = re.compile(
    r"\b(?:(?:are|is) (?:still |currently )?(?:failing|not (?:working|running|arriving|loading|syncing))|"
    r"(?:still|continue to|keep) (?:fail|failing|time out)|remains? (?:down|unavailable|degraded))\b"
)  # (lower)
# A closing that says something works, which an update may say of what the outage leaves alone.
_WORKS = re.compile(r"(?:is|are|has been|have been) (?:now )?(?:working (?:normally|again)|back to normal)")


def _says(text: str, line: str) -> str:
    """The sentence of `text` that says what `line` says, in its own words, or ''. A line that is
    itself a denial ("no requests were affected") is read on the sentences as written; any other
    line on what a sentence claims, so naming it only to deny it ("we are not under attack") is not
    saying it. Every content word of a short line (three or fewer) must be there, three in four of a
    longer one's, and every number it names."""
    wanted = terms(line, _STOP)
    if not wanted:
        return ""
    # The line's act ("restore", "update", "disable") must be said, not only what it acts on: "remove
    # the old key ... delete the stored host key" does not say "we will restore the old host key".
    act = next((stem(w) for w in words(line.lower()) if w not in _STOP and len(w) >= 2), "")
    denial = bool(negated_spans(line))
    numbers = {w for w in wanted if any(ch.isdigit() for ch in w)}
    need = len(wanted) if len(wanted) <= 3 else math.ceil(0.75 * len(wanted))
    for sentence in sentences(text):
        if denial and not negated_spans(sentence):
            continue  # "we'll confirm whether any orders were lost" denies nothing
        read = _CONDITIONAL_CLAUSE.sub(" ; ", (sentence if denial else affirmative(sentence)).lower())
        present = terms(read, _STOP)
        found = len(wanted & present)
        if found >= need and numbers <= present and (not act or act not in wanted or act in present):
            return sentence
    return ""


# What an update looks ahead to ("we'll update this page when the issue is resolved") is not a claim.
_CONDITIONAL_CLAUSE = re.compile(r"\b(when|once|until|after|before|if|as soon as|whether)\b[^.;:!?\n]*")


def _speculation(text: str, known: list[str]) -> re.Match | None:
    """The first place `text` gives a cause, unless the cause it gives is one the scenario states as
    known ("the cause is that our e-mail provider is unavailable" where that is known): saying what
    is known is not guessing."""
    for sentence in sentences(text):
        for match in _SPECULATION.finditer(sentence):
            if not _restates_known(sentence[match.end() :] or sentence, known):
                return match
    return None


def _restates_known(cause: str, known: list[str]) -> bool:
    """Whether the cause a sentence gives is said in a known fact: three in five of its content
    words, and at least two."""
    said = terms(cause, _STOP)
    if len(said) < 2:
        return False
    return any(len(said & terms(fact, _STOP)) >= max(2, 0.6 * len(said)) for fact in known)


def _misleads_check(
    claimed: str, said: str, known: list[str], speculation, blame, promise, forbidden_claims: dict[str, str]
) -> Check:
    """Whether the update tells customers what is not so, as a gate on communication. Each way of
    misleading counts once: a cause asserted as fact in a sentence that does not hedge it (a hedged
    guess is only speculation), blame, a fix time promised, the outage closed while it is still going
    on (no further updates, declared resolved), or a line the answer key says it must not say. One of
    them costs its own check; two or more and what the update tells customers is wrong."""
    ways = []
    # The update's own speculation, blame and promise matches (made once for their checks) say
    # whether to look further; a cause is asserted in a sentence that speculates without hedging.
    asserted = (
        next((s for s in sentences(claimed) if _speculation(s, known) and not _HEDGED.search(s.lower())), "")
        if speculation
        else ""
    )
    if asserted:
        ways.append(("asserts an unconfirmed cause as fact", asserted))
    if blame:
        ways.append(("blames the customer or another party", blame.group(0)))
    if promise:
        ways.append(("promises a fix time", promise.group(0)))
    if closes := _closes(claimed.lower()) or _closes(said.lower(), _CLOSES_NEGATED):
        ways.append(("closes an outage that is still going on", closes))
    # A line already counted (a fix time, blame) is one way of misleading, not two; each other line
    # the key says an update must not say (`forbidden_claims`: line -> where the update says it) is
    # a way of its own.
    counted = [found.lower() for _, found in ways if found]
    ways += [
        ("says what the update must not say", found)
        for line, found in forbidden_claims.items()
        if not any(c in line.lower() or line.lower() in c for c in counted)
    ]
    misleads = len(ways) >= MISLEADS
    if misleads:
        said_ways = Counter(way for way, _ in ways)
        message = (
            "Tells customers what is not so: it "
            + "; it ".join(way if n == 1 else f"{way} ({n} times)" for way, n in said_ways.items())
            + "."
        )
    else:
        message = "Tells customers nothing untrue" + (f" beyond one slip (it {ways[0][0]})." if ways else ".")
    doubt = "the gate fired on the fewest ways of misleading it takes" if len(ways) == MISLEADS else ""
    return Check(
        "does_not_mislead", D, not misleads, 0, message,
        quote(claimed, [ways[0][1]]) if misleads else "", gate=True, doubt=doubt if misleads else "",
    )  # fmt: skip


_STOP = FUNCTION_WORDS | {"since", "share", "often", "part", "time", "any", "need", "will", "we"}


def _words(text: str) -> list[str]:
    """The longer words of a key text, for finding the sentence that says it."""
    return [w for w in tokens(text) if len(w) >= 4 and w not in FUNCTION_WORDS]


def _names(text: str, cause_terms: set[str], share: float) -> bool:
    present = set(tokens(text))
    return len(cause_terms & present) / len(cause_terms) >= share


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
