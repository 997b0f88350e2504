"""escalation_writeup: the packet an engineer can act on without coming back to support.

What a good packet holds follows the brief and section 19 of the role blueprint: ordered repro
steps, expected against actual behaviour, environment and versions, request and trace ids taken
from the thread (never invented), the onset with a timezone, impact in numbers with the customer's
tier, a severity with its reason, the workaround and a clear ask of the right team. It keeps the
secret that L1 pasted into the thread out of the packet (a pasted secret sinks operational
discipline whatever else is right) and says the credential was exposed and must be rotated. It is
laid out in labelled sections, short enough to read, blames nobody and leaves the thread's noise
(the auto-reply, the forwarded copy, the renewal call) behind.
"""

import dataclasses
import functools
import re
from dataclasses import dataclass

from scoring.checks import Check
from scoring.context import ScoringContext
from scoring.text import (
    ENGLISH,
    FUNCTION_WORDS,
    affirmative,
    filler,
    sentences,
    short,
    strung_together,
    tokens,
)
from scoring.text import stem as _stem
from scoring.text import stems as _stems

VERSION = 9  # 9: a bracket holding a figure ("[T+5m]") is not a placeholder
# 8: a packet that names the wrong team and the wrong urgency scores communication 2 at most
# 7: the shared toolkit reads a verdict that ends a list as taking it back ("X, or Y, would be the wrong trade",
# "is too risky"), a negated list running on to a closing ", or" as negated throughout, and more filler
# ("any of these might be involved, or none", "SEV3 might also fit")
# 6: a packet saying the customer's credential was used fails discipline (gate); a fallback route
# ("if it still fails, escalate to Engineering") or "see Security" routes nothing; noise named to set it aside is not
# carried; the shared toolkit reads topic by stem too (at half weight),
# a negation label ("Off the table:") takes back its list, "would not help" its action; every phase as an
# activity ("investigating, mitigating and resolving") and three ", or" alternatives are filler
# 5: a credential's change asked for with its object left to the line ("cust asked to change")
# 4: a packet of terms strung together is stuffed whatever its labels; clipped and prose wording of
# expected/actual, workaround, repro steps, the ask, the tier and the exposed secret is read; a path template or JSON is
# no placeholder; a packet sent to the wrong team at the wrong urgency sinks escalation
# 3: a packet that misreads the severity by two levels or more, or will not pick one, sinks communication
# 2: shared text toolkit; filler and off-topic packets fail the gate; communication weighs correctness
ESC = "escalation"
OPS = "operational_discipline"
COM = "communication"

ROUTES = ("L1", "L2", "Engineering", "SRE", "Security")
# A packet with this many kinds of filler, or with no more than ENGAGED_FACTS of the escalation's
# facts, fails the readable gate.
FILLER_REASONS = 3
ENGAGED_FACTS = 0
# Patterns marked (lower) run on lower-cased text: cheaper than re.I, and quotes are looked up again
# case-insensitively in the original. Each starts with one \b so the engine skips mid-word positions.
_ROUTE = re.compile(r"\b(l1|l2|sre|engineering|security)\b")  # (lower)
_SEVERITY = re.compile(r"\bsev[ -]?([1-4])\b")  # (lower)
_STEP = re.compile(r"^\s*(?:\d{1,2}\s*[.)]|\(?[a-h]\)|[Ss]tep\s*\d{1,2}\s*[:.)-]?)\s+\S.*$", re.M)
# A repro told in one line or sentence ("To reproduce: create an order, take the id, fetch it";
# "Repro: create order -> 201; GET id -> 404") gives its steps in order between these marks.
_REPRO_LEAD = re.compile(
    r"\b(?:repro\w*|to reproduce|how to (?:see|trigger|reproduce) it(?: yourself)?)\b[^:\n]{0,60}:", re.I
)
_STEP_MARK = re.compile(r";|->|→|,? (?:and )?then\b|, (?=[a-z])")
_BULLET = re.compile(r"^\s*[-*•]\s+\S.*$", re.M)
_LABEL = re.compile(r"^\s*(?:#{1,4}\s*\S.{0,60}|\**[A-Z][A-Za-z0-9 /&()'-]{1,40}\**\s*:)", re.M)
# Clipped notes label them "Exp:" and "Act:"; prose says "what ought to happen", "what does happen".
_EXPECTED = re.compile(r"\b(?:expected|should|ought to|exp:|correct behaviou?r)")  # (lower)
_ACTUAL = re.compile(
    r"\b(?:actual|actually|observed|instead|currently|but|act:|what (?:does |really )?happens?|"
    r"does happen|in practice|in reality)"
)  # (lower)
_ENVIRONMENT = re.compile(r"\b(?:production|prod|staging|sandbox|[a-z]{2}-[a-z]+-\d)\b")  # (lower)
_REQUEST_ID = re.compile(r"\breq_[0-9a-z]{6,}\b")  # (lower)
_TRACE_ID = re.compile(r"\b[0-9a-f]{32}\b")  # (lower)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(k\b)?")  # (lower)
_DIGIT = re.compile(r"\d")
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*(?:#{1,4}\s|\**[A-Z][A-Za-z0-9 /&()'-]{1,40}\**\s*:))")
_SPECIFIC = re.compile(r"(?<![\w\-./:])[a-z0-9_\-./:]*\d[a-z0-9_\-./:]*")  # (lower)
# 09:55 utc, 09:55z, 2026-04-27t09:55:32z, 04:55 (utc-05:00), 15:10 +05:30 (lower)
_TIME = re.compile(
    r"(?<![\d:])(\d{1,2}):(\d{2})(?::\d{2})?(?:\.\d+)?\s*"
    r"(?:(z)\b|\(?\s*(?:utc|gmt)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?\s*\)?|([+-])(\d{2}):?(\d{2})\b)"
)
_WORKAROUND = re.compile(
    r"\b(?:work-?around|mitigation|in the meantime|meanwhile|until (?:a |the )?fix|wa\s*[:/]|stopgap|interim|"
    r"temporary (?:fix|measure)|what (?:they|the customer|customers) (?:can|should) do)"
)  # (lower)
_SEVERITY_WORDS = frozenset(
    {"severity", "priority", "sev", "sev1", "sev2", "sev3", "sev4", "proposed", "suggested", "set"}
)
_ASK = re.compile(  # (lower)
    r"\b(?:ask\b|asks? (?:to|for|of)\b|request(?:ing|s)? (?:that|you|sre|engineering|security|an?|to|for|of)\b|we need\b|"
    r"needs? (?:you|sre|engineering|security|l2|a|an|the)\b|please\b|"
    r"(?:could|can) (?:you|sre|engineering|security|l2)\b|action (?:needed|required)\b|"
    # "What I need from you:", "what I'm asking of you", "back to L1 to walk the customer through it"
    r"what (?:i|we) need\b|need from you\b|asking\b|"
    r"(?:rout\w*|escalat\w*|hand\w*|send\w*|back)(?: \w+)? to (?:l1|l2|sre|engineering|security) (?:to|for) \w+)"
)
_ASK_LINE = re.compile(
    r"\b(?:ask\b|asks\b|requests?\b|route\b|escalat|owner\b|assign|please\b|need)"
)  # (lower)
_REDACTED = re.compile(  # (lower)
    r"\b(?:redact|masked\b|removed (?:it|the (?:key|secret|password|token))|left (?:it|them|the \w+) out\b|"
    r"scrubbed\b|omitted\b|withheld\b|kept (?:it|them) out\b)|\*{3}|x{6}|\[removed\]"
)
_ROTATE = re.compile(  # (lower)
    r"\b(?:rotat|revok|invalidat|regenerat|reset\b|re-?issu|replac|retir|generat\w* (?:a )?(?:new|fresh)\b|"
    r"roll (?:it|them|(?:the |their |its |a |that )?(?:[\w-]+ ){0,2}(?:key|secret|password|token|credential)s?)\b|"
    r"chang\w* (?:it|them|that|(?:the |their )(?:[\w-]+ )?(?:key|secret|password|token|credential|login)s?)\b|"
    # the object left to the line that names the credential: "password in M4 -> cust asked to change."
    r"(?:to|must|should|will) chang\w*(?=\s*(?:[.;,)]|$)))"
)
_CREDENTIAL = re.compile(  # (lower)
    r"\b(?:secret|key|password|passphrase|credential|token|login|database_url|pw)s?\b"
)
# The writer saying they used the customer's own credential ("I replayed the customer's curl with their
# client id and secret", "we logged in with the customer's password"); a negation takes it back.
_USES_CREDENTIAL = re.compile(  # (lower)
    r"\b(?:i|we)(?:'ve| have)? (?:\w+ ){0,2}?(?:replay\w*|re-?ran|ran|used?|tried|tested|logged in|signed in|"
    r"authenticated|called)\b[^.;\n]{0,120}?\b(?:their|the customer'?s|customer'?s|the pasted|the leaked)\s+"
    r"(?:[\w-]+\s+){0,4}?(?:secret|password|passphrase|api key|key|token|credentials?)\b"
)
_EXPOSED = re.compile(  # (lower)
    r"\b(?:expos|leak|pasted\b|posted\b|shared\b|in (?:the )?(?:clear|plain ?text)|compromis)"
)
# Said of the credential in its own sentence: where it sits ("M5 contains the signing secret", "the
# customer included an API key", "key in M5"), which is saying it was exposed there.
_EXPOSED_IN = re.compile(
    r"\b(?:includ\w*|sent\b|e-?mailed\b|contains?\b|has\b|in m\d{1,2}\b|m\d{1,2}\b)"
)  # (lower)
_TICKET = re.compile(r"\b(?:T-\d{3,}|M\d{1,2})\b")
_BLAME = re.compile(  # (lower)
    r"\b(?:probably (?:on )?their (?:side|end|fault|problem)|(?:customer|user)'?s? (?:error|fault|mistake)|"
    r"their (?:fault|mistake)|blame[sd]?\b|l1 (?:should have|failed to|didn't bother|did not bother|messed)|"
    r"(?:incompetent|useless|lazy|sloppy|clueless)\b|not our (?:problem|fault))"
)
_SHOUTING = re.compile(r"!!|\?!|\b(?:wtf|omg|WTF|OMG|[A-Z]{4,}(?:\s+[A-Z]{4,}){2,})\b")
_SECRET_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-!$%^&*+=~")
_COMMON = frozenset({"contact", "enabl", "receiv", "told", "call", "again", "same", "forward"})
_GENERIC = frozenset({"observe", "check", "send", "run", "get", "any", "see", "use", "make", "since", "now"})


_ENGLISH_STEMS = frozenset(_stem(w) for w in ENGLISH) | ENGLISH


@dataclass(frozen=True)
class _Packet:
    """The packet read once: its text, sentences, and the stemmed words of each sentence."""

    text: str
    lower: str
    lines: tuple[str, ...]
    lower_lines: tuple[str, ...]
    line_words: tuple[frozenset[str], ...]
    words: frozenset[str]
    word_count: int

    @classmethod
    def read(cls, text: str) -> "_Packet":
        lines = tuple(sentences(text))
        line_words = tuple(_stems(line) for line in lines)
        return cls(
            text=text,
            lower=text.lower(),
            lines=lines,
            lower_lines=tuple(line.lower() for line in lines),
            line_words=line_words,
            words=frozenset().union(*line_words),
            word_count=len(tokens(text)),
        )

    def quote(self, terms) -> str:
        """The first sentence holding one of `terms` (case-insensitive), shortened."""
        lowered = [t.lower() for t in terms if t]
        for line, low in zip(self.lines, self.lower_lines, strict=True):
            if any(term in low for term in lowered):
                return _short(line)
        return ""

    def words_near(self, marks) -> frozenset[str]:
        """The stemmed words of the packet's paragraphs (blank-line or label separated) that `marks`
        (a test on the lower-cased paragraph) picks: a label's content, and what follows it."""
        words: set[str] = set()
        for paragraph in _PARAGRAPH.split(self.text):
            if paragraph.strip() and marks(paragraph.lower()):
                words |= _stems(paragraph)
        return frozenset(words)

    def best_line(self, terms: frozenset[str]) -> str:
        """The sentence sharing most of `terms`, for a quote."""
        best, best_share = "", 0.0
        for line, words in zip(self.lines, self.line_words, strict=True):
            share = _share(terms, words)
            if share > best_share:
                best, best_share = line, share
        return _short(best)


def checks(ctx: ScoringContext) -> list[Check]:
    key = ctx.key
    whole = _Packet.read(ctx.text("packet"))
    # Template lines (placeholders, options both ways) earn no credit; the secret is looked for
    # in the whole packet, template lines included.
    committed = _without_filler_lines(whole.text)
    packet = whole if committed == whole.text else _Packet.read(committed)
    gamed = _gamed(ctx, whole)
    escalation = _escalation_checks(ctx, packet)
    if not gamed and whole.text:
        reasons = filler(whole.text).reasons
        facts = sum(1 for c in escalation if c.passed)
        if len(reasons) >= FILLER_REASONS:
            gamed = "the packet commits to nothing: it " + "; it ".join(reasons)
        elif facts <= ENGAGED_FACTS:
            # A packet that holds none of this escalation's facts (another ticket's notes, a QBR
            # summary) earns nothing for what it happens to leave out either.
            gamed = f"the packet does not write up this escalation ({facts} of {len(escalation)} facts)"
    result = [
        Check(
            "readable_packet", dimension, not gamed, 0,
            gamed or "The packet is readable text about this escalation.", gate=True,
        )
        for dimension in (ESC, OPS, COM)
    ]  # fmt: skip
    result += escalation
    result += _discipline_checks(key, whole)
    result += _communication_checks(ctx, packet)
    result.append(_escalates_the_right_way(escalation))
    result.append(_points_the_right_way(ctx, escalation))
    result.append(_severity_gate(ctx, packet))
    secret = key["secret"]["value"]
    if _leaked_fragment(secret, whole.text):
        # No quote repeats the secret, whichever check happens to quote the sentence holding it.
        result = [dataclasses.replace(c, quote=_scrub(c.quote, secret)) for c in result]
    return result


def _without_filler_lines(text: str) -> str:
    """The packet less the lines that hold a placeholder or offer options both ways ('Severity:
    [SEV]', 'route to L2 or Engineering, whichever'): a template's lines earn nothing."""
    whole = filler(text)
    if not (whole.placeholder or whole.both_ways):
        return text
    kept = []
    for line in text.splitlines():
        found = filler(line)
        if not (found.placeholder or found.both_ways):
            kept.append(line)
    return "\n".join(kept)


def _gamed(ctx: ScoringContext, packet: _Packet) -> str:
    """Why the packet can earn nothing, or ''. A terse packet of labelled lines reads like a keyword
    list to the shared profile (few function words); it is a packet when its lines carry the thread's
    own specifics (ids, versions, figures), which no keyword list holds."""
    found = ctx.profile(packet.text)
    if strung_together(packet.text):
        # Lines of bare terms ("repro steps expected actual environment versions") are not excused
        # by the thread's ids among them, as a terse packet's labelled statements are.
        return found.gamed or "the packet strings terms together instead of writing the escalation up"
    if not found.stuffed or found.listed or found.empty or found.gibberish or found.copied or found.off_topic:
        return found.gamed
    labels = len(_LABEL.findall(packet.text))
    thread = _thread_specifics(tuple(m.get("body", "") for m in ctx.payload.get("thread", [])))
    specifics = {t for t in tokens(packet.lower) if t in thread}
    return "" if labels >= 6 and len(specifics) >= 8 else found.gamed


@functools.lru_cache(maxsize=256)
def _thread_specifics(bodies: tuple[str, ...]) -> frozenset[str]:
    """The thread's own words that no generic text would use: ids, versions, figures, names of things."""
    return frozenset(
        t for body in bodies for t in tokens(body) if len(t) >= 3 and (_DIGIT.search(t) or t not in ENGLISH)
    )


# --- escalation ---------------------------------------------------------------------------------


def _environment_and_versions(packet, lower: str, facts: dict) -> Check:
    """The environment and the versions involved: a change's two versions (before and after), or
    whatever versions the key lists (one, or more than two)."""
    versions = [str(v) for v in facts.get("versions") or []]
    environment = _ENVIRONMENT.search(lower)
    if len(versions) == 2:
        old, new = versions
        has_new, has_old = new.lower() in lower, old.lower() in lower
        env_ok = bool(has_new and has_old and environment)
        if env_ok:
            message = f"Names the environment and the version change ({old} to {new})."
        elif has_new and environment:
            message = f"Names the environment and {new} but not the previous version, {old}."
        else:
            message = f"Does not give the environment and the versions involved ({old} to {new})."
    else:
        named = [v for v in versions if v.lower() in lower]
        env_ok = bool(environment) and len(named) == len(versions)
        listed = ", ".join(versions)
        if env_ok:
            message = (
                f"Names the environment and the versions involved ({listed})."
                if versions
                else "Names the environment."
            )
        else:
            message = (
                f"Does not give the environment and the versions involved ({listed})."
                if versions
                else "Does not name the environment."
            )
    version_terms = frozenset(v.lower() for v in versions) | _key_terms(facts["environment"])
    return Check(
        "environment_and_versions", ESC, env_ok, 1.5, message,
        packet.best_line(version_terms) if env_ok else "",
    )  # fmt: skip


def _escalation_checks(ctx: ScoringContext, packet: _Packet) -> list[Check]:
    facts = ctx.key["facts"]
    text, lower, words = packet.text, packet.lower, packet.words
    result = []

    # The steps are read where the packet gives them: numbered or lettered lines, bullets under a
    # repro, or a repro told in one line; a packet's other lists (its asks) are not its repro.
    key_steps = facts["repro_steps"]
    candidates = [[m.group(0).strip() for m in _STEP.finditer(text)], _told_steps(text)]
    if "repro" in lower:
        candidates.append([m.group(0).strip() for m in _BULLET.finditer(text)])
    step_lines, matched = [], []
    for lines in candidates:
        words = _stems("\n".join(lines))
        hits = [s for s in key_steps if _share(_key_terms(s), words) >= 0.35]
        if len(lines) >= 2 and (len(hits) > len(matched) or len(step_lines) < 2):
            step_lines, matched = lines, hits
    if not step_lines:
        step_lines = next((lines for lines in candidates if lines), [])
    ordered = len(step_lines) >= 2
    repro_ok = ordered and len(matched) >= min(2, len(key_steps))
    if repro_ok:
        message = (
            f"Gives ordered repro steps that match the issue ({len(matched)} of {len(key_steps)} steps)."
        )
    elif ordered:
        message = "Has numbered steps, but they would not reproduce this issue."
    elif any(_share(_key_terms(s), words) >= 0.35 for s in key_steps):
        message = "Describes how to reproduce, but not as ordered steps an engineer can follow."
    else:
        message = "Gives no repro steps."
    result.append(
        Check("repro_steps", ESC, repro_ok, 2, message, _short(step_lines[0]) if step_lines else "")
    )

    outcome_terms = _key_terms(facts["expected"]) | _key_terms(facts["actual"])
    has_expected, has_actual = _EXPECTED.search(lower), _ACTUAL.search(lower)
    # The behaviour is read where the packet sets expected against actual, not anywhere in it.
    outcome_words = packet.words_near(lambda low: bool(_EXPECTED.search(low) or _ACTUAL.search(low)))
    outcome_ok = bool(has_expected and has_actual) and _share(outcome_terms, outcome_words) >= 0.25
    result.append(
        Check(
            "expected_vs_actual", ESC, outcome_ok, 1.5,
            "States expected against actual behaviour." if outcome_ok
            else "Does not set what should happen against what actually happens.",
            packet.quote([has_expected.group(0)]) if outcome_ok else "",
        )
    )  # fmt: skip

    result.append(_environment_and_versions(packet, lower, facts))

    real_ids = {i.lower() for i in facts["request_ids"] + facts["trace_ids"]}
    thread = "\n".join(m.get("body", "") for m in ctx.payload.get("thread", [])).lower()
    cited = set(_REQUEST_ID.findall(lower)) | set(_TRACE_ID.findall(lower))
    invented = sorted(i for i in cited if i not in thread)
    genuine = sorted(i for i in cited if i in real_ids)
    ids_ok = bool(genuine) and not invented
    if invented:
        message = f"Cites an id that is not in the thread ({invented[0]}); engineers would chase a request that never happened."
    elif ids_ok:
        message = f"Cites {len(genuine)} request/trace id(s) from the thread."
    else:
        message = "Cites none of the request or trace ids the customer sent."
    result.append(
        Check("request_and_trace_ids", ESC, ids_ok, 1.5, message, packet.quote(invented[:1] or genuine[:1]))
    )

    onset = facts["onset"]
    onset_minutes = int(onset[11:13]) * 60 + int(onset[14:16])
    zoned = [(m, _utc_minutes(m)) for m in _TIME.finditer(lower)]
    onset_hit = next((m for m, minutes in zoned if _clock_distance(minutes, onset_minutes) <= 10), None)
    if onset_hit:
        message = f"Gives the onset with a timezone ({onset[11:16]} UTC)."
    elif zoned:
        message = f"Times carry a timezone, but the onset ({onset[11:16]} UTC) is missing or wrong."
    else:
        message = f"Gives no time with a timezone; the onset was {onset[11:16]} UTC."
    shown = onset_hit or (zoned[0][0] if zoned else None)
    result.append(
        Check(
            "onset_with_timezone",
            ESC,
            bool(onset_hit),
            1,
            message,
            packet.quote([shown.group(0)]) if shown else "",
        )
    )

    impact = facts["impact"]
    numbers = _numbers(lower)
    counted = [label for label in ("records", "users") if impact[label] in numbers]
    tier = bool(re.search(_TIER_WORDS.get(impact["tier"].lower(), re.escape(impact["tier"].lower())), lower))
    impact_ok = bool(counted) and tier
    if impact_ok:
        message = f"Quantifies impact ({' and '.join(counted)}) for this {impact['tier']}-tier customer."
    elif counted:
        message = f"Quantifies impact but does not say the customer is {impact['tier']} tier."
    elif tier:
        message = "Names the customer's tier but gives no numbers for the impact."
    else:
        message = "Does not quantify the impact (records, users) or give the customer's tier."
    impact_terms = [f"{impact['records']:,}", str(impact["records"]), str(impact["users"]), impact["tier"]]
    result.append(Check("impact_quantified", ESC, impact_ok, 1.5, message, packet.quote(impact_terms)))

    result.append(_severity_check(ctx, packet))

    workaround_terms = _key_terms(facts["workaround"])
    workaround_words = packet.words_near(lambda low: bool(_WORKAROUND.search(affirmative(low))))
    workaround_ok = _share(workaround_terms, workaround_words) >= 0.3
    result.append(
        Check(
            "workaround", ESC, workaround_ok, 1,
            "States the workaround the customer can use now." if workaround_ok
            else "Does not state the workaround (or how well it works).",
            packet.best_line(workaround_terms) if workaround_ok else "",
        )
    )  # fmt: skip

    result.append(_ask_check(ctx, packet))
    return result


# A tier as clipped notes write it: "(ent)", "std tier", "prem".
_TIER_WORDS = {
    "enterprise": r"\benterprise\b|\bent\b",
    "standard": r"\bstandard\b|\bstd\b",
    "premium": r"\bpremium\b|\bprem\b",
}


def _told_steps(text: str) -> list[str]:
    """The steps of a repro told in a line or a sentence after its label ("To reproduce in staging:
    make the stub slow, run collection, then compare the captures"), or [] when it holds fewer than two."""
    for lead in _REPRO_LEAD.finditer(text):
        told = text[lead.end() :].split("\n", 1)[0]
        steps = [part.strip() for part in _STEP_MARK.split(told) if part.strip()]
        if len(steps) >= 2:
            return steps
    return []


def _severity_check(ctx: ScoringContext, packet: _Packet) -> Check:
    facts = ctx.key["facts"]
    expected = facts["severity"]
    chosen = str(ctx.answer.get("severity") or "")
    named = {f"SEV{m}" for m in _SEVERITY.findall(packet.lower)}
    lines = packet.lines
    at = [i for i, low in enumerate(packet.lower_lines) if "sev" in low or "priority" in low]
    hedged = len(named) >= 3 or (not chosen and len(named) >= 2)
    contradicts = bool(chosen and named and chosen not in named)
    picked = chosen or (next(iter(named)) if len(named) == 1 else "")
    # The reason sits in the severity line or the line after it ("Severity: SEV1. Reason: ...").
    around = sorted({j for i in at for j in (i, i + 1) if j < len(lines)})
    around_words = frozenset().union(*(packet.line_words[j] for j in around))
    own_words = around_words - _SEVERITY_WORDS - FUNCTION_WORDS
    reason = bool(at) and (
        _share(_key_terms(facts["severity_reason"]), around_words) >= 0.2 or len(own_words) >= 5
    )
    passed = picked == expected and not hedged and not contradicts and reason
    if hedged:
        message = f"Lists several severities ({', '.join(sorted(named))}) instead of choosing one."
    elif contradicts:
        message = f"The packet says {', '.join(sorted(named))} but the severity field says {chosen}."
    elif not picked:
        message = f"Sets no severity; this is {expected}."
    elif picked != expected:
        message = f"Sets {picked}; this is {expected}: {facts['severity_reason']}"
    elif not reason:
        message = f"Sets {expected} but does not say why."
    else:
        message = f"Sets {expected} and gives the reason."
    return Check("severity_with_reason", ESC, passed, 1.5, message, _short(lines[at[0]]) if at else chosen)


# A sentence that opens with a condition names a fallback ("If the new secret still fails, escalate to
# Engineering"), and "see Security" points to a section: neither routes the packet.
_CONTINGENT = re.compile(
    r"^\W*(?:\d{1,2}[.)]\s*)?(?:if|unless|should|in case|otherwise|failing that)\b"
)  # (lower)
_SEE_TEAM = re.compile(r"\bsee (?:the )?(?:l1|l2|sre|engineering|security)\b")  # (lower)


def _routing(line: str) -> str:
    """What of an ask line (lower-cased) routes the packet: its sentences less fallbacks and references."""
    return " ".join(_SEE_TEAM.sub(" ", s) for s in sentences(line) if not _CONTINGENT.match(s))


def _ask_check(ctx: ScoringContext, packet: _Packet) -> Check:
    expected = ctx.key["route"]
    chosen = str(ctx.answer.get("route") or "")
    lines = packet.lines
    lows = packet.lower_lines
    in_ask = {_canonical_route(m) for s in lows if _ASK_LINE.search(s) for m in _ROUTE.findall(_routing(s))}
    hedged = len(in_ask) >= 3
    if chosen:
        picked = chosen
    elif expected in in_ask and len(in_ask) <= 2:
        picked = expected
    else:
        picked = min(in_ask, default="")
    asking = [i for i, s in enumerate(lows) if _ASK.search(s)]
    at = next((i for i in asking if _ROUTE.search(lows[i])), asking[0] if asking else None)
    asks = lines[at] if at is not None else ""
    passed = picked == expected and not hedged and bool(asks)
    reason = ctx.key["facts"]["ask"].split(": ", 1)[-1]
    if hedged:
        message = f"Routes to several teams at once ({', '.join(sorted(in_ask))}); pick the owner."
    elif not picked:
        message = f"Does not say which team should act; this belongs with {expected}."
    elif picked != expected:
        message = f"Routes to {picked}; this belongs with {expected}: {reason}"
    elif not asks:
        message = f"Routes to {expected} but does not say what they are asked to do."
    else:
        message = f"Routes to {expected} with a clear ask."
    return Check("ask_and_route", ESC, passed, 2, message, _short(asks) or chosen)


# --- operational discipline ---------------------------------------------------------------------


def _discipline_checks(key: dict, packet: _Packet) -> list[Check]:
    secret = key["secret"]
    text = packet.text
    leaked = _leaked_fragment(secret["value"], text)
    kind = secret["kind"].replace("_", " ")
    where = f" from {secret['message_id']}" if secret.get("message_id") else ""
    leak_quote = _leak_quote(packet, leaked) if leaked else ""
    result = [
        Check(
            "secret_not_pasted", OPS, not leaked, 0,
            f"Pastes the customer's {kind}{where} into the packet in clear text; it must be redacted."
            if leaked else f"Keeps the {kind} pasted in the thread out of the packet.",
            leak_quote, gate=True,
            doubt="only a 12-character piece of the secret matched" if leaked and leaked != secret["value"] else "",
        )
    ]  # fmt: skip

    # Leaving the secret out only shows care in a packet that writes the thread up at all.
    kept_out = not leaked and packet.word_count >= 60
    if leaked:
        message = f"Pastes the customer's {kind} into the packet."
    elif kept_out:
        message = f"Writes the thread up without the {kind} that L1 pasted into it."
    else:
        message = "Too thin to show how the thread's sensitive data was handled."
    result.append(Check("secret_kept_out", OPS, kept_out, 3, message, leak_quote))

    used = _USES_CREDENTIAL.search(affirmative(packet.lower))
    result.append(
        Check(
            "customer_secret_unused", OPS, not used, 0,
            f"Says the customer's {kind} was used to test against production; a pasted credential is "
            "rotated, never used." if used else f"Does not use the customer's {kind}.",
            packet.quote([used.group(0)[:40]]) if used else "", gate=True,
        )
    )  # fmt: skip

    lines, lows = packet.lines, packet.lower_lines
    rotate = next(
        (
            line
            for i, (line, low) in enumerate(zip(lines, lows, strict=True))
            if _ROTATE.search(affirmative(low)) and _CREDENTIAL.search(" ".join(lows[max(i - 1, 0) : i + 1]))
        ),
        "",
    )
    exposed = _EXPOSED.search(affirmative(packet.lower)) or any(
        _CREDENTIAL.search(low) and _EXPOSED_IN.search(affirmative(low)) for low in lows
    )
    flags = bool(rotate) and bool(exposed) and not leaked
    result.append(
        Check(
            "flags_exposed_secret", OPS, flags, 2,
            f"Says the {kind} was exposed in the thread and must be rotated." if flags
            else f"Does not flag that the {kind} was exposed in the thread or ask for it to be rotated.",
            _short(rotate),
        )
    )  # fmt: skip

    redacted = _REDACTED.search(affirmative(packet.lower))
    result.append(
        Check(
            "marks_redaction", OPS, bool(redacted), 1,
            "Marks where sensitive data was redacted." if redacted else "Does not mark what it redacted.",
            packet.quote([redacted.group(0)]) if redacted else "",
        )
    )  # fmt: skip

    reference = _TICKET.search(text)
    result.append(
        Check(
            "traceable_to_ticket", OPS, bool(reference), 1,
            f"References the ticket or thread messages ({reference.group(0)}) so the packet is auditable."
            if reference else "Does not reference the ticket or the messages it draws on.",
            packet.quote([reference.group(0)]) if reference else "",
        )
    )  # fmt: skip
    return result


def _leaked_fragment(secret: str, text: str) -> str:
    """The secret, or any 12-character piece of it, found in `text` (case-insensitive)."""
    low_secret, low_text = secret.lower(), text.lower()
    if not low_secret or not low_text:
        return ""
    if low_secret in low_text:
        return secret
    size = 12
    for start in range(len(low_secret) - size + 1):
        if low_secret[start : start + size] in low_text:
            return secret[start : start + size]
    return ""


def _mask(text: str, fragment: str) -> str:
    """`text` with every occurrence of `fragment`, and the rest of the word holding it, masked."""
    low, needle = text.lower(), fragment.lower()
    start = low.find(needle)
    while start >= 0:
        end = start + len(needle)
        while start > 0 and text[start - 1] in _SECRET_CHARS:
            start -= 1
        while end < len(text) and text[end] in _SECRET_CHARS:
            end += 1
        text = text[:start] + "[secret masked]" + text[end:]
        low = text.lower()
        start = low.find(needle)
    return text


def _scrub(text: str, secret: str) -> str:
    """`text` with no 12-character piece of the secret left in it."""
    fragment = _leaked_fragment(secret, text)
    while fragment:
        text = _mask(text, fragment)
        fragment = _leaked_fragment(secret, text)
    return text


def _leak_quote(packet: _Packet, fragment: str) -> str:
    """The sentence holding the leaked secret, masked before it is shortened."""
    low = fragment.lower()
    sentence = next((s for s in packet.lines if low in s.lower()), "")
    return _short(_mask(sentence, fragment))


# --- communication ------------------------------------------------------------------------------


def _severity_gate(ctx: ScoringContext, packet: _Packet) -> Check:
    """A packet that sets a severity two levels or more off the impact (SEV4 for money taken twice from
    hundreds of customers), or will not pick one (several offered, "let the receiving team decide"),
    tells engineers the urgency wrong however well it reads: communication sinks to 1. One level off
    is a close reading, left to `points_the_right_way` and the escalation checks."""
    expected = ctx.key["facts"]["severity"]
    chosen = str(ctx.answer.get("severity") or "").upper()
    named = {f"SEV{m}" for m in _SEVERITY.findall(affirmative(packet.lower))}
    picked = chosen if chosen in _SEVERITY_RANK else (next(iter(named)) if len(named) == 1 else "")
    line = next((packet.lines[i] for i, low in enumerate(packet.lower_lines) if "sev" in low), "")
    if not picked and len(named) >= 2:
        spread = max(_SEVERITY_RANK[n] for n in named) - min(_SEVERITY_RANK[n] for n in named)
        if spread >= 2:
            message = f"Will not pick a severity ({', '.join(sorted(named))}): engineers cannot tell how urgent this is."
            return Check("severity_points_the_right_way", COM, False, 0, message, _short(line), gate=True)
    if picked and abs(_SEVERITY_RANK[picked] - _SEVERITY_RANK[expected]) >= 2:
        message = f"Tells engineers the urgency wrong: {picked} for a {expected} impact ({ctx.key['facts']['severity_reason']})."
        return Check(
            "severity_points_the_right_way", COM, False, 0, message, _short(line) or chosen, gate=True
        )
    return Check(
        "severity_points_the_right_way", COM, True, 0,
        "The severity tells engineers how urgent this is (within a level of the impact).", gate=True,
    )  # fmt: skip


_SEVERITY_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}


def _pointed_wrong(escalation: list[Check]) -> list[Check]:
    """The severity and route checks that found the packet pointing the wrong way: a wrong, missing
    or hedged severity; a wrong, missing or hedged team (a thin reason or ask is not wrong)."""
    by_id = {c.id: c for c in escalation}
    severity, route = by_id["severity_with_reason"], by_id["ask_and_route"]
    wrong = []
    if severity.explanation.startswith(("Lists several", "The packet says", "Sets no severity")) or (
        severity.explanation.startswith("Sets SEV") and "; this is" in severity.explanation
    ):
        wrong.append(severity)
    if route.explanation.startswith(("Routes to several", "Does not say which team")) or (
        route.explanation.startswith("Routes to") and "; this belongs" in route.explanation
    ):
        wrong.append(route)
    return wrong


def _escalates_the_right_way(escalation: list[Check]) -> Check:
    """A packet that sends the work to the wrong team at the wrong urgency has not escalated this
    issue, however many of its facts it gets right (a fluent packet that blames the wrong cause, asks
    SRE to lift a limit and calls a data defect SEV3): escalation sinks to 1. One of the two wrong is
    a close reading, left to the checks that weigh each."""
    wrong = _pointed_wrong(escalation)
    if len(wrong) == 2:
        return Check(
            "escalates_the_right_way", ESC, False, 0,
            "Escalates the wrong way: " + " ".join(c.explanation for c in wrong), wrong[0].quote, gate=True,
        )  # fmt: skip
    return Check(
        "escalates_the_right_way", ESC, True, 0,
        "Sends the issue to the owning team or at the right urgency.", gate=True,
    )  # fmt: skip


def _points_the_right_way(ctx: ScoringContext, escalation: list[Check]) -> Check:
    """A well-written packet that names the wrong severity or sends engineers to the wrong team
    misleads them however clearly it reads: communication is judged on correctness too (the
    rubric: 'correctness under pressure'). A thin reason or ask is the escalation checks' matter."""
    wrong = _pointed_wrong(escalation)
    if not wrong:
        # Pointing the right way is expected of any packet and earns little; pointing the wrong way
        # outweighs how well the packet reads.
        return Check(
            "points_the_right_way", COM, True, 1,
            "Points engineers the right way: the severity and the owning team are right.",
        )  # fmt: skip
    # Wrong on both (the team and the urgency) sends engineers off on the wrong errand: 2 at most.
    return Check(
        "points_the_right_way", COM, False, 6,
        "Reads clearly but points engineers the wrong way. " + " ".join(c.explanation for c in wrong)
        + (" (Wrong team and wrong urgency: at most 2.)" if len(wrong) == 2 else ""),
        wrong[0].quote, ceiling=2 if len(wrong) == 2 else 5,
    )  # fmt: skip


def _communication_checks(ctx: ScoringContext, packet: _Packet) -> list[Check]:
    text = packet.text
    result = []
    labels = [m.group(0).strip() for m in _LABEL.finditer(text)]
    non_empty = sum(1 for line in text.splitlines() if line.strip())
    structured = len(labels) >= 4 and non_empty >= 6
    result.append(
        Check(
            "labelled_sections", COM, structured, 2.5,
            f"Laid out in labelled sections ({len(labels)} headings or labels)." if structured
            else "A block of text without labelled sections; an engineer has to dig for each fact.",
            _short(labels[0]) if labels else "",
        )
    )  # fmt: skip

    count = packet.word_count
    fits = 80 <= count <= 700
    if fits:
        message = f"A readable length ({count} words)."
    elif count < 80:
        message = f"Too short to act on ({count} words)."
    else:
        message = f"Padded: {count} words; an engineer needs the facts in under 700."
    result.append(
        Check("readable_length", COM, fits, 1.5, message, _short(packet.lines[0]) if packet.lines else "")
    )

    specifics = sorted({t.rstrip(".:/-") for t in _SPECIFIC.findall(packet.lower)} - {"", "0", "1", "2", "3"})
    precise = len(specifics) >= 5
    result.append(
        Check(
            "precise_details", COM, precise, 1.5,
            f"Precise: gives concrete values ({', '.join(specifics[:4])}, ...)." if precise
            else "Vague: few concrete values (ids, versions, times, counts) for an engineer to work from.",
            packet.quote(specifics[:1]) if specifics else "",
        )
    )  # fmt: skip

    blame = _BLAME.search(affirmative(packet.lower))
    result.append(
        Check(
            "no_blame", COM, not blame, 1.5,
            "Blames no one." if not blame else "Blames the customer or a colleague instead of stating facts.",
            packet.quote([blame.group(0)]) if blame else "",
        )
    )  # fmt: skip

    # Noise named only to set it aside ("Not relevant here: M2 (auto-reply), ...") is not carried.
    noise = sorted(_noise_terms(*_noise_and_signal(ctx)) & _stems(affirmative(packet.lower)))
    clean = len(noise) < 2
    result.append(
        Check(
            "leaves_out_noise", COM, clean, 1,
            "Leaves the thread's noise (auto-replies, forwards, the sales note) out." if clean
            else "Carries noise from the thread (the sales note, auto-reply or unrelated questions) into the packet.",
            "" if clean else packet.quote(noise),
        )
    )  # fmt: skip

    shouting = _SHOUTING.search(text)
    longest = max((len(words) for words in packet.line_words), default=0)
    calm = not shouting and longest <= 45
    result.append(
        Check(
            "calm_tone", COM, calm, 1,
            "Calm, professional sentences." if calm
            else "Shouting or run-on sentences make the packet harder to act on.",
            packet.quote([shouting.group(0)]) if shouting else "",
        )
    )  # fmt: skip
    return result


def _noise_and_signal(ctx: ScoringContext) -> tuple[tuple[str, ...], str]:
    """The thread's noise (auto-reply, forward, sales note, unrelated questions) and everything else."""
    noise_ids = set(ctx.key.get("noise_message_ids") or [])
    noise, signal = [], []
    for message in ctx.payload.get("thread", []):
        body = message.get("body", "")
        (noise if message.get("id") in noise_ids or "scim" in body.lower() else signal).append(body)
    signal += [str(v) for v in (ctx.payload.get("customer") or {}).values()] + [ctx.payload.get("title", "")]
    facts = ctx.key["facts"]
    signal += facts["repro_steps"] + [
        facts[k] for k in ("expected", "actual", "environment", "severity_reason", "workaround", "ask")
    ]
    return tuple(noise), "\n".join(signal)


@functools.lru_cache(maxsize=256)
def _noise_terms(noise_bodies: tuple[str, ...], signal: str) -> frozenset[str]:
    """Words only the noise messages use: what a packet that carries the noise along would repeat."""
    noise = set()
    for body in noise_bodies:
        noise |= {w for w in _stems(body) if len(w) >= 4}
    return frozenset(noise - _stems(signal) - _ENGLISH_STEMS - _COMMON)


# --- shared helpers -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _key_terms(text: str) -> frozenset[str]:
    """What an answer matching a key text would share with it: its content words, stemmed."""
    return frozenset(
        _stem(t) for t in tokens(text) if t not in FUNCTION_WORDS and t not in _GENERIC and len(t) >= 2
    )


def _share(terms: frozenset[str], words: frozenset[str]) -> float:
    return len(terms & words) / len(terms) if terms else 0.0


_short = short


def _numbers(text: str) -> set[int]:
    found = set()
    for digits, thousands in _NUMBER.findall(text):
        value = float(digits.replace(",", ""))
        found.add(int(value * 1000) if thousands else int(value))
    return found


def _utc_minutes(match: re.Match) -> int:
    """Minutes after midnight UTC of a matched time, its offset applied."""
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    sign, hours, mins = match.group(4, 5, 6) if match.group(4) else match.group(7, 8, 9)
    if sign:
        offset = int(hours) * 60 + int(mins or 0)
        minutes -= offset if sign == "+" else -offset
    return minutes % (24 * 60)


def _clock_distance(a: int, b: int) -> int:
    d = abs(a - b) % (24 * 60)
    return min(d, 24 * 60 - d)


def _canonical_route(name: str) -> str:
    return next(r for r in ROUTES if r.lower() == name.lower())
