"""triage_queue: a queue of tickets to rate, route, question and order.

A good triage reads each ticket's impact into the right severity, sends it to the team that can
act on it, asks the customer precisely for the facts the ticket is missing (not every question
one can think of), names next steps specific to the problem, and works the queue most urgent
first. Per-ticket checks carry a share of their dimension's weight, so a queue of five counts
the same as a queue of three.
"""

import dataclasses
import functools
import math
import re

from scoring.checks import Check
from scoring.context import ScoringContext
from scoring.text import (
    DOMAIN_WORDS,
    FUNCTION_WORDS,
    Profile,
    Vocabulary,
    affirmative,
    content_tokens,
    distinctive_terms,
    profile,
    sentences,
    short,
    tokens,
)
from scoring.text import terms as _shared_terms

VERSION = 9  # 9: half the queue misread caps operational discipline at 3
# 8: a clipped question ("Times, users, screenshots?", "When, which page?") asks for the
# missing facts it names; a next step of a few words is concrete when every word of it is on the key's steps
# 7: the shared toolkit reads a verdict that ends a list as taking it back ("X, or Y, would be the wrong trade",
# "is too risky"), a negated list running on to a closing ", or" as negated throughout, and more filler
# ("any of these might be involved, or none", "SEV3 might also fit"); a key step is met by its words beyond the ticket's, a step that asks the
# customer by the triage's questions; "Can you share more details?" asks nothing of this ticket
# 6: the shared toolkit reads a term list joined by line breaks as stuffed, counts another
# cause only by words the scenario does not use, reads "pointless", "futile", "would make it worse" as
# taking back, and folds note shorthand ("mgr", "repo", "creds", "repro", "upd"); terse next steps are
# weighed on their words, not their clock times and counts
# 5: terse next steps touching several of the key's steps, half or more of their words on them, address
# the problem
# 4: a queue read the wrong way (most tickets misrouted or misrated) sinks every dimension;
# next steps earn nothing for the ticket's own words; requests without a question mark are questions
# 3: the shared text toolkit (Snowball stems, synonyms, wordfreq English, negation scope)
_PARTS = re.compile(r"[-_./:]")
TS = "troubleshooting"
ESC = "escalation"
OPS = "operational_discipline"
COM = "communication"

SEVERITY_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}
TIER_RANK = {"enterprise": 1, "premium": 2, "standard": 3}
ROUTES = {"l1": "L1", "l2": "L2", "engineering": "Engineering", "sre": "SRE", "security": "Security"}

# Weight of each per-ticket family, shared out over the tickets it applies to.
SEVERITY_EXACT_WEIGHT = 3.0
SEVERITY_CLOSE_WEIGHT = 2.0
ROUTE_WEIGHT = 3.0
COMPONENT_WEIGHT = 1.5
FACTS_WEIGHT = 3.0
QUESTION_FORM_WEIGHT = 1.0
QUESTION_FOCUS_WEIGHT = 3.0
OUTAGE_STEPS_WEIGHT = 4.0
REQUEST_STEPS_WEIGHT = 1.0

# The component words a triager may write for each of the catalogue's components.
COMPONENT_SYNONYMS = {
    "auth": {"auth", "oauth", "authentication", "token", "tokens", "credential", "credentials", "secret", "login"},
    "webhooks": {"webhook", "webhooks", "callback", "callbacks", "delivery", "deliveries"},
    "database": {"database", "db", "postgres", "postgresql", "sql", "pool", "query", "queries"},
    "sso": {"sso", "saml", "idp", "login", "logins", "identity"},
    "rate_limiting": {"rate", "ratelimit", "ratelimiting", "rate-limit", "rate-limiting", "throttling", "429", "quota", "limits"},
    "cache": {"cache", "caching", "settings", "redis"},
    "data_pipeline": {"pipeline", "kafka", "consumer", "queue", "stream", "streaming", "events", "indexing"},
    "feature_flags": {"flag", "flags", "feature-flag", "rollout"},
    "custom_domains": {"domain", "domains", "dns", "custom-domain", "cname"},
    "billing": {"billing", "invoice", "invoices", "payment", "payments", "charges"},
    "reporting": {"report", "reports", "reporting", "export", "exports", "csv"},
    "platform": {"platform", "infrastructure", "infra", "search", "kubernetes", "pods", "memory"},
    "integrations": {"integration", "integrations", "email", "e-mail", "mail", "provider", "smtp"},
    "permissions": {"permission", "permissions", "roles", "role", "rbac", "access", "403"},
    "security": {"security", "leak", "leaked", "compromise", "compromised", "breach", "abuse"},
    "api": {"api", "endpoint", "endpoints", "pagination", "rest", "versioning"},
}  # fmt: skip
# Words that carry no fact: a question that shares only these asks for nothing in particular.
_STOP = FUNCTION_WORDS | {
    "exact", "exactly", "whether", "recent", "recently", "full", "need", "needs", "other", "same",
    "still", "many", "much", "often", "one", "last", "any", "example", "share", "send", "please",
    "let", "know", "could", "you", "your", "yours", "me", "tell", "give", "provide", "also", "like",
    "x", "did", "does", "see", "seeing", "happen", "happening", "want", "wants",
}  # fmt: skip
_INTERROGATIVE = {
    "what", "which", "when", "where", "who", "whom", "whose", "why", "how", "can", "could", "would",
    "will", "do", "does", "did", "is", "are", "was", "were", "have", "has", "had", "should", "may",
    "please",
}  # fmt: skip
_SPLIT = re.compile(r"(?<=[?.!])\s+|\n+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s*")
_PARENS = re.compile(r"\([^)]*\)")
_VAGUE = re.compile(
    r"^\W*(look into it|investigate|check( it)?|escalate|will check|monitor|tbd|n/?a|follow up|see above)\W*$",
    re.I,
)
# Asking the customer to send a secret itself: the secret is the object of the send verb, not a
# secret's id, name or expiry, nor a secret the customer is asked to create ("create a second secret").
_SECRET_ASK = re.compile(
    r"\b(send|share|provide|paste|give|attach|include|forward|e-?mail|post)\b[^.?!\n;]{0,30}?"
    r"\b(client secret|secret|password|passwords|full (api )?key|api key|private key|card number|credentials|"
    r"access token|refresh token|bearer token)s?\b"
    r"(?!'s\b|\s+(ids?|names?|prefix|expiry|expiration|creation|date|age|label|hash|fingerprint|last four|"
    r"rotation|was|is|has|had|expired|belongs)\b)",
    re.I,
)
_HANDOFF = re.compile(
    r"\b(escalate[sd]? to|raise an? (bug|ticket|jira)|forward(ed)? (it )?to|ask (engineering|sre|security)|"
    r"(engineering|sre|security) (should|will|to|team))\b",
    re.I,
)
_SECRET_SAFE = re.compile(r"\b(redact|redacted|masked|prefix|last four)\b", re.I)
MAX_QUESTIONS = 6
_GIBBERISH = "not readable text"
_COPIED = "mostly the ticket's own text"
_STUFFED = "a list of keywords"


def checks(ctx: ScoringContext) -> list[Check]:
    keys = ctx.key["tickets"]
    queue = [t for t in ctx.payload["tickets"] if t["id"] in keys]
    answers = ctx.answer.get("tickets") if isinstance(ctx.answer.get("tickets"), dict) else {}
    vocabulary = _queue_vocabulary(ctx.vocabulary, _queue_causes(ctx.key))
    triaged = [_Triage(t, keys[t["id"]], answers.get(t["id"]), vocabulary) for t in queue]

    whole = "\n".join(t.text for t in triaged if t.text)
    read = _profile(whole, vocabulary)
    gamed = read.gamed
    if read.empty:
        # No text is not gaming: it earns none of the text checks, and the selects still count.
        gamed = ""
    elif (
        gamed
        and not (read.gibberish or read.copied or read.stuffed)
        and _scenario_share(whole, vocabulary) >= 0.4
    ):
        # The profile judges topic by uncommon words only; a plain-worded weak triage still talks
        # about these tickets, and its checks, not the gate, should say how weak it is.
        gamed = ""
    result = [
        Check(
            "readable_triage", dimension, not gamed, 0,
            gamed or "The triage is readable text about these tickets.", _short(whole, 120) if gamed else "", gate=True,
        )
        for dimension in (TS, ESC, OPS, COM)
    ]  # fmt: skip

    n = len(triaged)
    outages = [t for t in triaged if t.key.get("next_steps")]
    requests = [t for t in triaged if not t.key.get("next_steps")]
    for t in triaged:
        result += _severity_checks(t, n)
        result += _routing_checks(t, n)
        result += _question_checks(t, n)
        weight = OUTAGE_STEPS_WEIGHT / len(outages) if t in outages else REQUEST_STEPS_WEIGHT / len(requests)
        result.append(_next_steps_check(t, weight))

    result += _priority_checks(ctx, triaged)
    result.append(_plain_questions_check(triaged))
    result.append(_no_secrets_check(triaged))
    result += _queue_read_checks(triaged)
    return result


def _misread(t: "_Triage") -> str:
    """How a ticket is read the wrong way, or "" when it is not: sent to a team that does not own
    it, or rated two severity levels or more off its impact (one level off is a close reading)."""
    wrong = []
    if t.route != t.key["route"]:
        wrong.append(f"routed to {t.route} where {t.key['route']} owns it" if t.route else "not routed")
    if t.severity not in SEVERITY_RANK:
        wrong.append("no severity")
    elif abs(SEVERITY_RANK[t.severity] - SEVERITY_RANK[t.key["severity"]]) >= 2:
        wrong.append(f"{t.severity} for a {t.key['severity']} impact")
    return f"{t.id} " + " and ".join(wrong) if wrong else ""


def _queue_read_checks(triaged: list["_Triage"]) -> list[Check]:
    """Whether the queue is read the right way, as a gate on every dimension. When most tickets go to
    the wrong team or get a severity far from their impact, fluent next steps and tidy questions
    still send the work the wrong way: the expert reading is 1 on every dimension however well the
    triage reads. A few misreads are the per-ticket checks' matter, not this gate's."""
    misread = [m for t in triaged if (m := _misread(t))]
    wrong_way = bool(triaged) and len(misread) * 2 > len(triaged)
    if wrong_way:
        message = (
            f"Reads the queue the wrong way: {len(misread)} of {len(triaged)} tickets are misread ("
            + "; ".join(misread)
            + ")."
        )
    else:
        message = "Reads the queue the right way" + (
            f" ({len(misread)} of {len(triaged)} tickets misread)." if misread else "."
        )
    # Sunk on the narrowest majority: one ticket read differently would lift it.
    doubt = (
        "the gate fired on the narrowest majority of misread tickets"
        if wrong_way and (len(misread) - 1) * 2 <= len(triaged)
        else ""
    )
    # Half the queue misread (not most): careful in places, but it needs reminders on discipline.
    half = bool(triaged) and not wrong_way and len(misread) * 2 >= len(triaged) and len(misread) >= 2
    return [
        Check("queue_read_the_right_way", dimension, not wrong_way, 0, message, "; ".join(misread[:3]) if wrong_way else "",
              gate=True, doubt=doubt)
        for dimension in (TS, ESC, OPS, COM)
    ] + [
        Check("queue_half_read_right", OPS, not half, 0,
              f"Half the queue is misread ({len(misread)} of {len(triaged)}): at most 3." if half
              else "At least half the queue is read the right way.",
              "; ".join(misread[:3]) if half else "", ceiling=3)
    ]  # fmt: skip


class _Triage:
    """One ticket with its key and the participant's decision, read once."""

    def __init__(self, ticket: dict, key: dict, answer, vocabulary: Vocabulary):
        answer = answer if isinstance(answer, dict) else {}
        self.id = ticket["id"]
        self.ticket = ticket
        self.key = key
        self.label = f"{self.id} ({_short(ticket.get('subject', ''), 48)})"
        self.severity = str(answer.get("severity") or "").upper().strip()
        self.route = ROUTES.get(str(answer.get("route") or "").strip().lower(), "")
        self.component = str(answer.get("component") or "")
        self.questions_text = str(answer.get("clarifying_questions") or "")
        self.steps = str(answer.get("next_steps") or "")
        self.text = f"{self.questions_text}\n{self.steps}".strip()
        # One ticket's few lines are too short to judge as on or off topic; the checks' content
        # matching does that. Gibberish, pasted text and keyword lists still earn nothing.
        read = _profile(self.text, vocabulary)
        flags = ((read.gibberish, _GIBBERISH), (read.copied, _COPIED), (read.stuffed, _STUFFED))
        self.gamed = next((reason for flag, reason in flags if flag), "")
        self.questions = [(q, terms) for q, terms in _questions(self.questions_text) if _is_question(q)]
        self.facts = [(fact, _terms(_PARENS.sub(" ", fact))) for fact in key.get("missing_facts") or []]
        self.matched = {}  # fact -> the first question that asks for it
        for fact, terms in self.facts:
            for question, asked in self.questions:
                if terms and len(terms & asked) >= math.ceil(len(terms) / 2):
                    self.matched[fact] = question
                    break
        # A question that asks for one fact in full is not also a clipped ask for another.
        full = set(self.matched.values())
        for fact, _ in self.facts:
            if fact not in self.matched:
                clipped = (q for q, asked in self.questions if q not in full and _clipped_ask(q, asked, fact))
                if question := next(clipped, ""):
                    self.matched[fact] = question
        self.limit = max(MAX_QUESTIONS, 2 * len(self.facts))
        # Questions that ask again for what the ticket already says (a clear ticket's client id, say).
        self.restated = {}  # stated fact -> the question that asks for it
        asked_for_missing = set(self.matched.values())
        for fact in key.get("stated_facts") or []:
            terms = _terms(_PARENS.sub(" ", fact))
            for question, asked in self.questions:
                if (
                    question not in asked_for_missing
                    and terms
                    and len(terms & asked) >= math.ceil(len(terms) / 2)
                ):
                    self.restated[fact] = question
                    break


# A clipped question ("Times, users, screenshots?", "When, which page?") names what it asks for in a
# word or two: each of its parts asks for a missing fact when it names what that fact opens with (the
# thing asked for: "screenshots of the pages that ..."), or asks "when" of a fact about when, bare or
# about what that fact is about ("When exactly did the failures start?" does not ask when a secret was
# rotated).
CLIPPED_QUESTION_TERMS = 6
FACT_HEAD_TERMS = 1
_WHEN_FACT = re.compile(r"^\W*(?:when\b|the (?:exact )?(?:date|time)s?\b|(?:date|time)s?\b)", re.I)
_WHEN_ASK = re.compile(r"\b(?:when|what time|which time|times?|dates?)\b", re.I)
_PARTS_OF_ASK = re.compile(r",|/|;|\band\b", re.I)
_QUALIFIER = re.compile(r"(?:ing|ed)$")
_TIME_TERMS = frozenset(_shared_terms("time times date dates"))


def _clipped_ask(question: str, asked: frozenset[str], fact: str) -> bool:
    if len(asked) > CLIPPED_QUESTION_TERMS:
        return False
    fact = _PARENS.sub(" ", fact)
    # What the fact opens with, past the words that only qualify it ("a full failing request").
    head = [t for t in (_terms(w) for w in tokens(fact) if not _QUALIFIER.search(w)) if t][:FACT_HEAD_TERMS]
    when_fact = bool(_WHEN_FACT.match(fact))
    for part in _PARTS_OF_ASK.split(question):
        said = _terms(part)
        if when_fact and _WHEN_ASK.search(part) and (not said - _TIME_TERMS or said & _terms(fact)):
            return True
        if not when_fact and any(t <= said for t in head):
            return True
    return False


def _severity_checks(t: _Triage, n: int) -> list[Check]:
    expected = t.key["severity"]
    given = t.severity if t.severity in SEVERITY_RANK else ""
    distance = abs(SEVERITY_RANK[given] - SEVERITY_RANK[expected]) if given else None
    said = f"{t.id}: {given}" if given else ""
    if distance == 0:
        exact_message = f"{t.label} is {expected}: {t.key['severity_reason']}"
    elif given:
        exact_message = f"{t.label} is {expected}, not {given}: {t.key['severity_reason']}"
    else:
        exact_message = f"{t.label} has no severity; it is {expected}."
    close = distance is not None and distance <= 1
    close_message = (
        f"{t.label}: {given} reads the impact within one level of {expected}."
        if close
        else f"{t.label}: rated {given or 'no severity'} where the impact calls for {expected}."
    )
    return [
        Check(f"severity_{t.id}", OPS, distance == 0, SEVERITY_EXACT_WEIGHT / n, exact_message, said),
        Check(f"impact_read_{t.id}", TS, close, SEVERITY_CLOSE_WEIGHT / n, close_message, said),
    ]


def _routing_checks(t: _Triage, n: int) -> list[Check]:
    expected = t.key["route"]
    routed = t.route == expected
    if routed:
        route_message = f"{t.label} goes to {expected}: {t.key['route_reason']}"
    elif t.route:
        route_message = f"{t.label} goes to {expected}, not {t.route}: {t.key['route_reason']}"
    else:
        route_message = f"{t.label} is not routed; it goes to {expected}."
    groups = _component_groups(t.component)
    wanted = t.key["component"]
    named = wanted in groups and len(groups) <= 2
    if named:
        component_message = f"{t.label}: names the {wanted.replace('_', ' ')} component."
    elif len(groups) > 2:
        component_message = f"{t.label}: lists several components instead of choosing one."
    else:
        component_message = f"{t.label}: the component is {wanted.replace('_', ' ')}."
    return [
        Check(f"route_{t.id}", ESC, routed, ROUTE_WEIGHT / n, route_message, f"{t.id}: {t.route}" if t.route else ""),
        Check(f"component_{t.id}", ESC, named, COMPONENT_WEIGHT / n, component_message, _short(t.component)),
    ]  # fmt: skip


# A question any ticket could get ("Can you share more details?") asks for nothing in particular.
_GENERIC_ASK = re.compile(
    r"^\W*(?:(?:can|could|would) you |please )?(?:kindly )?(?:share|provide|send|give|tell)(?: us| me)? (?:some |any )?"
    r"(?:more|further|additional|extra|other) (?:details|detail|information|info|context)(?: (?:about|on) (?:this|the issue|it))?"
    r"\W*$|^\W*(?:any|anything) (?:more|else|other) (?:details|information|info|to add)\W*$|"
    r"^\W*(?:can|could) you (?:tell us|explain) more\W*$",
    re.I,
)


def _specific(questions: list[tuple[str, set[str]]]) -> list[str]:
    return [q for q, _ in questions if not _GENERIC_ASK.match(q)]


def _question_checks(t: _Triage, n: int) -> list[Check]:
    asked = _specific(t.questions)
    stuffed = len(t.questions) > t.limit
    needed = math.ceil(len(t.facts) / 2)
    covered = len(t.matched)
    facts_ok = not t.gamed and not stuffed and bool(t.facts) and covered >= needed
    missing = [fact for fact, _ in t.facts if fact not in t.matched]
    if t.gamed:
        facts_message = f"{t.label}: the questions cannot be assessed ({t.gamed})."
    elif stuffed:
        facts_message = (
            f"{t.label}: {len(t.questions)} questions is a checklist, not triage; ask for what is missing."
        )
    elif facts_ok:
        facts_message = (
            f"{t.label}: asks for {covered} of the {len(t.facts)} missing facts engineering would need."
        )
    else:
        facts_message = (
            f"{t.label}: does not ask for what is missing, e.g. {missing[0] if missing else 'the key facts'}."
        )
    fact_quote = next(iter(t.matched.values()), "")

    form_ok = not t.gamed and bool(asked) and not stuffed
    form_message = (
        f"{t.label}: asks the customer {len(asked)} direct question{'s' if len(asked) != 1 else ''}."
        if form_ok
        else f"{t.label}: "
        + (
            "too many questions to answer in one reply."
            if stuffed and asked
            else "asks only what any ticket could be asked (more details), nothing about this one."
            if t.questions and not asked
            else "asks the customer no actual question."
        )
    )
    targeted = set(t.matched.values())
    enough = min(2, len(t.facts))
    focus_ok = form_ok and len(targeted) * 2 >= len(asked) and len(t.matched) >= enough
    restated = next(iter(t.restated.items()), None)
    if focus_ok:
        focus_message = f"{t.label}: the questions go straight at what the ticket lacks." + (
            f" One asks again for {restated[0]}, which the ticket already gives." if restated else ""
        )
    elif form_ok and restated:
        focus_message = f"{t.label}: asks again for {restated[0]}, which the ticket already gives."
    elif form_ok and len(targeted) * 2 >= len(asked) and t.matched:
        focus_message = (
            f"{t.label}: one pointed question; the customer will have to be asked again for the rest."
        )
    else:
        focus_message = f"{t.label}: the questions do not target what this ticket is missing."
    return [
        Check(f"facts_needed_{t.id}", ESC, facts_ok, FACTS_WEIGHT / n, facts_message, _short(fact_quote)),
        Check(f"questions_asked_{t.id}", COM, form_ok, QUESTION_FORM_WEIGHT / n, form_message, _short(asked[0] if asked else t.questions_text)),
        Check(f"questions_focused_{t.id}", COM, focus_ok, QUESTION_FOCUS_WEIGHT / n, focus_message,
              _short(restated[1] if restated and not focus_ok else fact_quote)),
    ]  # fmt: skip


_ASKS_CUSTOMER = re.compile(
    r"\s*(?:ask|request|collect|get|gather)\b[^.;]*?\b(?:customer|them|they|user|requester)\b|"
    r"\s*ask (?:for|which|whether|when|what|how)\b",
    re.I,
)
SHORT_STEPS_WORDS = 6  # next steps shorter than this are a clipped note
_NUMERIC = re.compile(r"^[\d:.,+~<>=%-]+[a-z]?$")


def _next_steps_check(t: _Triage, weight: float) -> Check:
    steps = t.steps
    own = _terms(steps)
    words = len(tokens(steps))
    # A note of a few words ("Recreate CNAME.", "Duplicate capture - escalate, refund.") is concrete
    # only when what it says is on the key's steps; a longer one is judged on what it shares with them.
    short = words < SHORT_STEPS_WORDS
    vague = not steps.strip() or bool(_VAGUE.match(steps))
    hit_terms: set[str] = set()
    if t.key.get("next_steps"):
        # Words the ticket itself uses ("orders page", "errors") say nothing about knowing the fix.
        ticket_terms = _terms(" ".join([t.ticket.get("subject", ""), t.ticket.get("body", "")]))
        own = own - ticket_terms
        # A step that is itself a question to the customer ("Ask the customer for the invoice number")
        # is met by the questions the triage asks ("collect the details above").
        asked = _terms(t.questions_text) - ticket_terms
        for step in t.key["next_steps"]:
            # A key step is met by its own words beyond the ticket's: "reissue the June invoice" says
            # nothing a step that restates the ticket would not.
            terms = _terms(step) - ticket_terms or _terms(step)
            shared = terms & (own | asked if _ASKS_CUSTOMER.match(step) else own)
            if len(shared) >= max(2, math.ceil(0.3 * len(terms))) and len(shared) > len(hit_terms):
                hit_terms = shared
        # Terse steps touch several of the key's steps in a few words each: half or more of what they
        # say on the key's steps will do.
        # Bare numbers and clock times ("07:18", "33") say when, not what: they are not counted against.
        said = {w for w in own if not _NUMERIC.match(w)}
        least = 2 if short else 3
        if not hit_terms and len(said) >= least:
            on_key = said & frozenset().union(*(_terms(step) for step in t.key["next_steps"]))
            if len(on_key) >= least and len(on_key) * 2 >= len(said):
                hit_terms = on_key
        cause = _terms(t.key.get("root_cause") or "")
        if not hit_terms and cause and len(cause & own) >= max(3, math.ceil(0.25 * len(cause))):
            hit_terms = cause & own
        concern = "the problem"
    else:
        about = _terms(
            " ".join([t.ticket.get("subject", ""), t.ticket.get("body", ""), *t.key.get("missing_facts", [])])
        )
        shared = about & own
        hit_terms = shared if len(shared) >= 2 else set()
        concern = "the request"
    routine = not t.key.get("next_steps") and t.key["route"] in ("L1", "L2")
    handoff = _HANDOFF.search(steps) if routine else None
    vague = vague or (short and not hit_terms)
    passed = not t.gamed and not vague and bool(hit_terms) and not handoff
    if handoff:
        message = f"{t.label}: hands a request support can answer from the docs to another team."
    elif passed:
        message = f"{t.label}: next steps are specific to {concern}."
    elif t.gamed:
        message = f"{t.label}: the next steps cannot be assessed ({t.gamed})."
    elif vague:
        message = f"{t.label}: no concrete next step; say what you will do, not 'look into it'."
    else:
        message = f"{t.label}: the next steps do not address {concern}; " + (
            f"e.g. {t.key['next_steps'][0]}" if t.key.get("next_steps") else "answer what the customer asked."
        )
    return Check(
        f"next_steps_{t.id}",
        TS,
        passed,
        weight,
        message,
        _best_sentence(steps, hit_terms) if passed else _short(steps),
    )


def _priority_checks(ctx: ScoringContext, triaged: list[_Triage]) -> list[Check]:
    known = {t.id for t in triaged}
    raw = ctx.answer.get("priority_order")
    order = []
    for tid in raw if isinstance(raw, list) else []:
        if isinstance(tid, str) and tid in known and tid not in order:
            order.append(tid)
    position = {tid: i for i, tid in enumerate(order)}
    rank = {t.id: (SEVERITY_RANK[t.key["severity"]], TIER_RANK.get(t.key["tier"], 3)) for t in triaged}
    key_order = [tid for tid in ctx.key["priority_order"] if tid in known]

    # Kendall's tau over the pairs the key ranks apart: a swap across severities counts fully, one
    # within a severity (by customer tier) half; a pair with a ticket left out counts as swapped.
    agree = total = 0.0
    for i, first in enumerate(key_order):
        for second in key_order[i + 1 :]:
            if rank[first] == rank[second]:
                continue
            weight = 1.0 if rank[first][0] != rank[second][0] else 0.5
            total += weight
            if first in position and second in position and position[first] < position[second]:
                agree += weight
    tau = (2 * agree - total) / total if total else (1.0 if order else -1.0)
    ordered = tau >= 0.6 and len(order) == len(key_order)
    shown = " > ".join(order)
    if not order:
        order_message = "Gives no order to work the queue in."
    elif len(order) < len(key_order):
        order_message = (
            f"The order leaves out {len(key_order) - len(order)} ticket(s); every ticket needs a place."
        )
    elif ordered:
        order_message = (
            f"Works the queue in the order impact demands (agreement {tau:.2f} with the reference)."
        )
    else:
        order_message = f"Works the queue out of order (agreement {tau:.2f}); the reference order is {' > '.join(key_order)}."

    top = min((SEVERITY_RANK[t.key["severity"]] for t in triaged), default=0)
    urgent = {t.id for t in triaged if SEVERITY_RANK[t.key["severity"]] == top}
    first = order[0] if order else ""
    first_ok = first in urgent
    first_label = next((t.label for t in triaged if t.id == first), first)
    urgent_label = next((t.label for t in triaged if t.id in urgent), "")
    first_message = (
        f"Starts with the most urgent ticket, {first_label}."
        if first_ok
        else f"Starts with {first_label or 'nothing'}; the most urgent ticket is {urgent_label}."
    )

    complete = [t for t in triaged if t.severity in SEVERITY_RANK and t.route and t.id in position]
    all_done = len(complete) == len(triaged) and bool(triaged)
    done_message = (
        "Every ticket has a severity, a route and a place in the queue."
        if all_done
        else f"{len(triaged) - len(complete)} ticket(s) left without a severity, a route or a place in the queue."
    )
    return [
        Check("priority_order", OPS, ordered, 3, order_message, shown),
        Check("most_urgent_first", OPS, first_ok, 1, first_message, first),
        Check("every_ticket_triaged", OPS, all_done, 0.5, done_message, shown),
    ]


def _plain_questions_check(triaged: list[_Triage]) -> Check:
    asking = [t for t in triaged if _specific(t.questions) and not t.gamed]
    asked = [q for t in asking for q in _specific(t.questions)]
    lengths = [len(tokens(q)) for q in asked]
    plain = len(asking) * 2 >= len(triaged) and sum(lengths) / len(lengths) <= 25 and max(lengths) <= 45
    longest = max(asked, key=lambda q: len(tokens(q))) if asked else ""
    if plain:
        message = "Questions are short enough for a customer to answer one by one."
    elif len(asking) * 2 < len(triaged):
        message = "Most tickets get no question for the customer."
    else:
        message = "Some questions are too long for a customer to answer easily; ask one thing at a time."
    return Check("questions_plain", COM, plain, 1, message, _short(longest))


def _no_secrets_check(triaged: list[_Triage]) -> Check:
    for t in triaged:
        if not _SECRET_ASK.search(t.text):
            continue
        for sentence, _ in _questions(t.text):
            ask = _SECRET_ASK.search(affirmative(sentence))
            if ask and not _SECRET_SAFE.search(sentence):
                return Check(
                    "no_secrets_requested", OPS, False, 1,
                    f"{t.label}: asks the customer to send a secret; never collect credentials in a ticket.",
                    _short(sentence),
                )  # fmt: skip
    asked_any = any(t.questions for t in triaged if not t.gamed)
    return Check(
        "no_secrets_requested", OPS, asked_any, 1,
        "Asks for no secret, password or full key in the ticket." if asked_any else "Asks the customer nothing to judge.",
    )  # fmt: skip


def _questions(text: str) -> list[tuple[str, set[str]]]:
    """The questions (or lines) of a text, bullets removed, each with its fact terms."""
    items = []
    for part in _SPLIT.split(text):
        part = _BULLET.sub("", part).strip()
        if len(part) > 1:
            items.append((part, _terms(part)))
    return items


# A request put to the customer without a question mark ("We'd like: the invoice number, ...", "Send us
# the request id") asks as directly as a question does.
_REQUEST = re.compile(
    r"^\W*((we'?d|we would|i'?d|i would) like|we need)(?! to\b)|^\W*(kindly|send( us| me)?|share|tell us|let us know|"
    r"confirm|attach)\b",
    re.I,
)


def _is_question(sentence: str) -> bool:
    words = tokens(sentence[:40])
    return (
        sentence.rstrip().endswith("?")
        or bool(words and words[0] in _INTERROGATIVE)
        or bool(_REQUEST.match(sentence))
    )


def _component_groups(text: str) -> set[str]:
    words = set()
    for token in tokens(text.replace("_", " ")):
        words.add(token)
        words.update(_PARTS.split(token))
    return {group for group, synonyms in COMPONENT_SYNONYMS.items() if words & synonyms}


def _queue_causes(key: dict) -> tuple[frozenset[str], ...]:
    return tuple(
        frozenset(distinctive_terms(k["root_cause"])) for k in key["tickets"].values() if k.get("root_cause")
    )


@functools.lru_cache(maxsize=256)
def _queue_vocabulary(vocabulary: Vocabulary, causes: tuple[frozenset[str], ...]) -> Vocabulary:
    """The scenario's vocabulary without the queue's own causes among the competing ones: a queue
    holds several outages, and naming each ticket's cause is triage, not keyword stuffing."""
    competing = tuple(
        cause
        for cause in vocabulary.competing_causes
        if not any(len(cause & own) * 2 >= len(cause) for own in causes)
    )
    return dataclasses.replace(vocabulary, competing_causes=competing)


@functools.lru_cache(maxsize=2048)
def _profile(text: str, vocabulary: Vocabulary) -> Profile:
    return profile(text, vocabulary)


def _scenario_share(text: str, vocabulary: Vocabulary) -> float:
    words = content_tokens(text)
    return sum(1 for w in words if w in vocabulary.words or w in DOMAIN_WORDS) / len(words) if words else 0.0


def _best_sentence(text: str, terms: set[str]) -> str:
    """The sentence of `text` sharing the most of `terms`: the part of the answer that earned a check."""
    best = max(sentences(text), key=lambda sentence: len(_terms(sentence) & terms), default="")
    return _short(best)


_short = short


def _terms(text: str) -> frozenset[str]:
    return _shared_terms(text, _STOP)
