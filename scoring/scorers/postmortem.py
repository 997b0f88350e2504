"""postmortem: the blameless review of a resolved incident.

What a good postmortem holds follows the brief and the usual blameless-review practice: a chain of
causes (not one cause) in the order they happened, the contributing factors, corrective actions
that address them, each with an owner and a due date and spread across the teams that own the
fixes, a detection improvement (a concrete alert, monitor or test) and prevention, with the lesson
written into a runbook, KB article or automation. The evidence that only looked guilty (the red
herrings) is not named as a cause, the argument rests on the evidence and the impact in numbers,
and no individual is named or blamed: naming and blaming people sinks collaboration.

A participant may write the whole review as one `document`; its sections (by heading) stand in for
the structured fields, and the whole document does where no section matches.
"""

import functools
import re
from dataclasses import dataclass

from scoring.checks import Check
from scoring.context import ScoringContext
from scoring.text import (
    ENGLISH,
    FUNCTION_WORDS,
    affirmative,
    negated_spans,
    sentences,
    short,
    strung_together,
    tokens,
)
from scoring.text import stem as _stem
from scoring.text import stems as _stems

VERSION = 8  # 8: "lazy-loaded" is not a lazy person; the failure put wholly on a provider is blame
# 7: the fault put on a procedure, a design or code defends the operator; a herring called
# harmless is set aside; a review that argues no cause of this incident is not grounded in its evidence;
# a disciplinary review of people and a customer's "unsupported configuration" are blame
# 6: the shared toolkit reads a verdict that ends a list as taking it back ("X, or Y, would be the wrong trade",
# "is too risky"), a negated list running on to a closing ", or" as negated throughout, and more filler
# ("any of these might be involved, or none", "SEV3 might also fit"); judging a person ("acted hastily", "better judgement", "retrain the on-call")
# and blaming the customer ("without notice", "outside normal usage") are blame
# 5: the shared toolkit reads a term list joined by line breaks as stuffed, counts another
# cause only by words the scenario does not use, reads "pointless", "futile", "would make it worse" as
# taking back, and folds note shorthand ("mgr", "repo", "creds")
# 4: the shared toolkit reads topic by stem too (at half weight),
# a negation label ("Off the table:") takes back its list, "would not help" its action; every phase as an
# activity ("investigating, mitigating and resolving") and three ", or" alternatives are filler
# 3: prose of terms strung together (the shared stuffing measure) earns nothing for its sections;
# one due date (or "TBD") on three or more actions is a placeholder; a review naming a red herring as a cause
# is not grounded in the evidence; a herring set aside as "= herring", "the obvious suspect", "weren't" is
# 2: the shared text toolkit (Snowball stems, synonyms, wordfreq English, negation scope)
CI = "continuous_improvement"
COL = "collaboration"

TEXT_FIELDS = ("summary", "root_cause_chain", "contributing_factors", "detection", "prevention", "document")
# Which document headings stand in for which field (the first that matches wins).
_SECTION_WORDS = {
    "ruled_out": ("red herring", "ruled out", "not the cause", "false lead", "non-cause", "what it was not"),
    "root_cause_chain": (
        "root cause",
        "cause chain",
        "causal chain",
        "chain",
        "causes",
        "why",
        "what happened",
    ),
    "contributing_factors": ("contributing", "factors"),
    "corrective_actions": ("action", "follow-up", "follow up", "remediation", "next steps"),
    "detection": ("detect", "monitoring", "alerting"),
    "prevention": ("prevent", "lessons", "improvement"),
    "summary": ("summary", "impact", "overview"),
}
# A heading: "## Detection", "**Detection**", "Detection:" or "DETECTION" alone on its line.
_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s*([A-Za-z][A-Za-z /&()'-]{2,60}?)\s*:?|\*\*\s*([A-Za-z][A-Za-z /&()'-]{2,60}?)\s*:?\s*\*\*:?|"
    r"([A-Za-z][A-Za-z /&()'-]{2,60}?)\s*:|([A-Z][A-Z /&()'-]{2,60}))\s*$"
)
_PLAIN_HEADING = re.compile(r"^\s*[A-Za-z][A-Za-z'-]*(?: [A-Za-z][A-Za-z'-]*){0,3}\s*$")
_INLINE_LABEL = re.compile(r"^\s*(?:#{1,6}\s*)?\**([A-Za-z][A-Za-z /&()'-]{2,40}?)\**\s*:\s*(\S.*)$")
_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)]|\|)\s*\S")
_ITEM_MARK = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s*")
_TRAILING = re.compile(r"[\s(\[,;:—–-]+$")
_EVIDENCE_ID = re.compile(r"\be(\d{1,2})\b")  # (lower)
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)")  # (lower)
_TEAMS = (
    ("engineering", r"engineering|eng|dev|developers?|backend|frontend"),
    ("sre", r"sre|platform|infra|infrastructure|devops|ops|operations|on-?call"),
    ("support", r"support|customer success|cs|support ops"),
    ("product", r"product|pm|product management"),
    ("security", r"security|secops|appsec|infosec"),
)
_TEAM = re.compile(
    r"\b(?:" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _TEAMS) + r")\b"
)  # (lower)
_OWNER_LABEL = re.compile(r"\bowner\s*[:=-]\s*([^,;|)\]]+)")  # (lower)
_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DUE = re.compile(  # (lower)
    r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?|(?:" + _MONTHS + r")[a-z]*\.? \d{1,2}|"
    r"\d{1,2} (?:" + _MONTHS + r")[a-z]*|(?:end of|early|mid|late|mid-) ?(?:" + _MONTHS + r")[a-z]*|"
    r"q[1-4]\b|w\d{1,2}\b|sprint \d+|(?:next|this|end of( the)?) "
    r"(?:week|sprint|month|quarter)|eo[wmq]\b|(?:in|within) \d+ (?:days?|weeks?|months?)|"
    r"by (?:mon|tues|wednes|thurs|fri|satur|sun)day)"
)
_VAGUE = re.compile(  # (lower)
    r"\b(?:be (?:more )?careful|more careful|pay (?:more )?attention|double[- ]check|try harder|be vigilant|"
    r"remind (?:the )?(?:team|engineers|developers|everyone)|improve communication|communicate better|"
    r"do better|stay alert|learn from (?:this|it)|be more thorough|avoid (?:this|mistakes))"
)
_MONITOR = re.compile(  # (lower)
    r"\b(?:alert|alarm|monitor|page|pager|paging|slo|canary|synthetic|probe|threshold|dashboard|report|audit|"
    r"scan|detect|watch|track|notif)"
)
_CHANGE = re.compile(  # (lower)
    r"\b(?:add|adds|adding|will|should|must|introduce|enforce|require|make|makes|get|gets|move|build|create|"
    r"set up|automat|block|halt|replace|switch|migrate|adopt|extend|now|going forward|from now on)"
)
_SYSTEMIC = re.compile(  # (lower)
    r"\b(?:test|lint|review|check|canary|guard|automat|validat|default|limit|readiness|async|policy|scan|"
    r"allowlist|scope|gate|block|enforce|timeout|budget|rollout|rollback|fixture|load test|chaos)"
)
_KNOWLEDGE = re.compile(  # (lower)
    r"\b(?:runbook|playbook|knowledge base|kb|documentation|document (?:the|it|this|how)|docs|wiki|"
    r"checklist|automat(?:e|es|ed|ion|ions|ing)\b|macro|training|game ?day|template|self-serve)"
)
_CUSTOMER_LOOP = re.compile(  # (lower)
    r"\b(?:status page|kb|knowledge base|macro|help ?cent(?:er|re)|customer (?:comms|communication|notice|"
    r"notification|update)|notify (?:affected )?customers|support (?:runbook|playbook|macro|article|team))"
)
# Evidence set aside: denied ("weren't the cause", "never reached"), called a herring ("E5 = herring",
# "Red herrings: ..."), or called what only looked guilty ("the obvious suspect", "looked suspicious").
_DISMISSED = re.compile(  # (lower)
    r"n't\b|\b(?:not|no|never|unrelated|(?:red )?herrings?|ruled out|innocent|routine|coincid\w*|irrelevant|"
    r"did not|does not|was not|were not|rather than|distraction|normal|(?:obvious|prime|first|likely|main) suspect|"
    r"suspicious|tempting|harmless|benign|innocuous|"
    r"misleading|looked (?:like|guilty|related)|still (?:valid|fine|healthy|working))\b"
)
_BLAME = re.compile(  # (lower)
    r"\b(?:[a-z]+'s (?:mistake|fault|carelessness|negligence|screw-?up|blunder)|"
    r"(?:his|her) (?:fault|mistake|error)|"
    r"careless\w*|negligen\w*|sloppy|incompeten\w*|lazy\b(?![- ](?:load|init|eval|fetch|cop))|reckless\w*|"
    r"should have known|(?:he|she) should have|at fault|fault (?:of|lies with)|to blame|"
    r"blamed? (?:on|the|him|her|them)|human error|dropped the ball|messed up|screwed up|"
    # Judging how a person acted, or fixing the person: "acted hastily", "better judgement would have",
    # "stricter discipline from on-call engineers", "retrain the on-call engineers".
    r"act(?:ed|ing|s)? (?:too )?hastily|hast(?:y|ily)|rash(?:ly)?\b|(?:better|poor|bad|lack of) judg(?:e)?ment|"
    r"(?:stricter|more|better) discipline (?:from|by|of|among)|"
    r"(?:re-?train\w*|disciplin(?:e|ed|ing)) (?:the |our |all )?(?:on-?call|engineers?|operators?|staff|developers?|"
    r"(?:support )?agents?)|disciplinary (?:review|action|process|hearing|measures?|steps?)|"
    r"not (?:carefully|thoroughly) enough|lack of (?:care|diligence|attention)|"
    # The failure put wholly on another party: "the duplicates originate entirely on the provider side".
    r"(?:entirely|solely|squarely|wholly|purely) (?:on|with) (?:the |our )?(?:payment |cloud |dns |e-?mail )?"
    r"(?:provider|vendor|third[- ]party|partner|supplier)|(?:provider|vendor|supplier)(?:'s)? fault)"
)
# Putting it on the customer: "the customer imported four million orders without notice, outside
# normal usage". Read on the sentence as written: "without notice" is the charge, not a negation.
_CUSTOMER_BLAME = re.compile(  # (lower)
    r"\b(?:customer|tenant|client)s?(?:'s|')? (?:[\w,-]+ ){0,8}?(?:without (?:notice|warning|telling us|asking)|"
    r"outside (?:of )?(?:normal|expected|acceptable|reasonable) usage|misus\w*|abus\w*|unreasonabl\w*|"
    r"(?:an? )?unsupported (?:configuration|setup|set-up|use|usage|way))"
)
# "The operator who ran the migration" names a person; it blames them only with a fault in the clause.
_PERSON = re.compile(  # (lower)
    r"\bthe (?:engineer|developer|dev|person|operator|on-?call(?: engineer)?|reviewer|intern|new hire|author|"
    r"committer|admin|employee|sre|dba|team member|contractor) (?:who|that)\b"
)
_FAULT = re.compile(  # (lower)
    r"\b(?:should(?: not)? have|shouldn't have|failed to|forgot|neglected|ignored|didn't bother|did not bother|"
    r"mistake|fault|error|screw|mess|blunder|careless|sloppy|reckless|rushed|skipped)"
)
# A sentence that defends the operator (the process was followed, the gap was elsewhere) blames no one.
_DEFENCE = re.compile(  # (lower)
    r"\b(?:followed (?:the |our )?(?:documented |written |agreed |standard )?(?:process|runbook|procedure|playbook|steps)|"
    r"did (?:exactly )?what (?:the|our) (?:runbook|process|procedure)|did nothing wrong|acted reasonably|"
    r"did (?:exactly )?what (?:it|the \w+|our \w+) (?:said|says|told \w+)|"
    r"(?:anyone|any engineer) (?:would|could) have|not (?:his|her|their) fault|nobody|no one|"
    r"the (?:gap|problem|issue|fault|failure) (?:was|lay|lies|is) (?:in|with) (?:the |our )?"
    r"(?:tooling|tools|process|procedure|system|pipeline|runbook|automation|safeguards|guardrails?|review|design|"
    r"code|configuration|architecture|defaults?|validation|checks?|platform|software)|"
    r"the (?:system|tooling|pipeline|process) (?:allowed|let|made it)|blameless)"
)
_TEAM_NAMES = {
    "engineering": "Engineering",
    "sre": "SRE",
    "support": "Support",
    "product": "Product",
    "security": "Security",
}
_GENERIC = frozenset(
    {"add", "make", "new", "use", "any", "now", "first", "each", "every", "other", "fix", "review", "improve",
     "ensure", "update", "there"}
)  # fmt: skip
_STOP = FUNCTION_WORDS | _GENERIC


@dataclass(frozen=True)
class _Action:
    action: str
    owner: str
    due: str


@dataclass(frozen=True)
class _Text:
    """One stretch of the answer read once: its sentences and the stemmed words of each."""

    text: str
    lower: str
    lines: tuple[str, ...]
    lower_lines: tuple[str, ...]
    line_words: tuple[frozenset[str], ...]
    words: frozenset[str]
    stand_in: bool = False  # the prose standing in for a field the answer left out

    @classmethod
    def read(cls, text: str, *, stand_in: bool = False) -> "_Text":
        lines = tuple(sentences(text))
        line_words = tuple(_stems(line) for line in lines)
        lower_lines = tuple(line.lower() for line in lines)
        return cls(
            text, text.lower(), lines, lower_lines, line_words, frozenset().union(*line_words), stand_in
        )

    def quote(self, term: str) -> str:
        """The first sentence holding `term` (case-insensitive), shortened."""
        low = term.lower()
        return next(
            (_short(line) for line, text in zip(self.lines, self.lower_lines, strict=True) if low in text), ""
        )

    def best_line(self, terms: frozenset[str], at_least: float = 0.0) -> tuple[int, str]:
        """The index and text of the sentence sharing most of `terms` (-1 when none reaches `at_least`)."""
        best, best_share = -1, at_least
        for index, words in enumerate(self.line_words):
            share = _share(terms, words)
            if share > best_share or (best < 0 and share >= at_least and share > 0):
                best, best_share = index, share
        return best, _short(self.lines[best]) if best >= 0 else ""


def checks(ctx: ScoringContext) -> list[Check]:
    key = ctx.key
    document = str(ctx.answer.get("document") or "")
    sections = _sections(document)
    actions, structured = _actions(ctx.answer, sections.get("corrective_actions", ""), document)
    listed = [f"{a.action} (owner: {a.owner}; due: {a.due})" for a in actions] if structured else []
    everything = "\n".join([ctx.text(*TEXT_FIELDS), *listed]).strip()
    gamed = _gamed(ctx, everything)
    hedged = len(actions) > 12
    result = [
        Check(
            "readable_postmortem", dimension, not gamed, 0,
            gamed or "The postmortem is readable text about this incident.", gate=True,
        )
        for dimension in (CI, COL)
    ]  # fmt: skip

    # Where a field and its section are both missing, the prose stands in: every text field and the
    # document, less its action list and its ruled-out evidence.
    fields = [str(ctx.answer.get(name) or "") for name in TEXT_FIELDS if name != "document"]
    prose = _Text.read("\n".join([*fields, sections.get("_prose", document)]).strip(), stand_in=True)
    # Prose of terms strung together (the shared stuffing measure, as for updates and packets) states no
    # cause, factor or lesson: its sections earn nothing, and only the action list is read. Terse notes
    # (clipped statements, arrows, labels) stay well under the share.
    strung = strung_together(prose.text)
    nothing = _Text.read("")

    def text_for(field: str) -> _Text:
        if strung:
            return nothing
        own = str(ctx.answer.get(field) or "")
        section = sections.get(field, "")
        if own or section:
            return _Text.read(f"{own}\n{section}".strip())
        return prose

    full = _Text.read(everything)
    if hedged:
        usable: list[_Action] = []
    else:
        usable = actions
    result += _improvement_checks(
        ctx, key, text_for, full, usable, len(actions), sections.get("ruled_out", "")
    )
    herring = next(c for c in result if c.id == "red_herrings_not_causes")
    blamed = herring.quote if not herring.passed else ""
    # A review that argues no cause of this incident rests no conclusion on its evidence, whatever
    # figures it repeats.
    argued = herring.passed or bool(blamed)
    result += _collaboration_checks(
        ctx, key, full, usable, len(actions), strung=strung, blamed=blamed, argued=argued
    )
    return result


def _gamed(ctx: ScoringContext, text: str) -> str:
    """Why the review can earn nothing, or ''. Terse notes (headings, bullets, few function words) read
    like a keyword list to the shared profile; they are a review when their lines carry the incident's
    own specifics (services, figures, evidence), which no keyword list holds."""
    found = ctx.profile(text)
    if not found.stuffed or found.listed or found.empty or found.gibberish or found.copied or found.off_topic:
        return found.gamed
    structured = sum(1 for line in text.splitlines() if _ITEM.match(line) or _INLINE_LABEL.match(line))
    payload = [e.get("text", "") for e in ctx.payload.get("evidence", [])]
    payload += [t.get("text", "") for t in ctx.payload.get("timeline", [])]
    own = _payload_specifics(tuple(payload))
    specifics = {t for t in tokens(text.lower()) if t in own}
    return "" if structured >= 6 and len(specifics) >= 8 else found.gamed


@functools.lru_cache(maxsize=256)
def _payload_specifics(texts: tuple[str, ...]) -> frozenset[str]:
    """The incident's own words that no generic text would use: services, figures, names of things."""
    return frozenset(
        t for text in texts for t in tokens(text) if len(t) >= 3 and (_DIGIT.search(t) or t not in ENGLISH)
    )


# --- continuous improvement ---------------------------------------------------------------------


def _improvement_checks(
    ctx, key, text_for, full: "_Text", actions: list[_Action], listed: int, ruled_out: str
) -> list[Check]:
    result = []

    chain = text_for("root_cause_chain")
    steps = key["cause_chain"]
    positions = []
    for step in steps:
        index, _ = chain.best_line(_key_terms(step), at_least=0.3)
        if index < 0 and _share(_key_terms(step), chain.words) >= 0.35:
            index = len(chain.lines)  # covered, but spread over sentences: position unknown
        positions.append(index)
    covered = [p for p in positions if p >= 0]
    needed = (2 * len(steps) + 2) // 3
    known = [p for p in covered if p < len(chain.lines)]
    in_order = sum(1 for a, b in zip(known, known[1:], strict=False) if b < a) <= (
        1 if len(known) >= 3 else 0
    )
    is_chain = len(chain.lines) >= 2 or len(covered) >= 2
    chain_ok = len(covered) >= needed and in_order and is_chain
    if chain_ok:
        message = f"Traces the chain of causes in order ({len(covered)} of {len(steps)} links)."
    elif len(covered) >= needed:
        message = (
            "Names the links of the chain but out of order: the causes do not lead from one to the next."
        )
    elif covered:
        message = (
            f"Names a cause but not the chain that led to the outage ({len(covered)} of {len(steps)} links)."
        )
    else:
        message = "Does not explain the chain of causes."
    first = min(known, default=-1)
    result.append(
        Check("cause_chain", CI, chain_ok, 2, message, _short(chain.lines[first]) if first >= 0 else "")
    )

    factors_text = text_for("contributing_factors")
    hits = [
        f
        for f in key["contributing_factors"]
        if any(_matches(w, f) for w in factors_text.line_words)
        or (not factors_text.stand_in and _share(_key_terms(f), factors_text.words) >= 0.4)
    ]
    needed = min(2, len(key["contributing_factors"]))
    factors_ok = len(hits) >= needed
    quote = next(
        (
            line
            for line, w in zip(factors_text.lines, factors_text.line_words, strict=True)
            if hits and _matches(w, hits[0])
        ),
        "",
    )
    quote = _short(quote or (factors_text.best_line(_key_terms(hits[0]))[1] if hits else ""))
    result.append(
        Check(
            "contributing_factors", CI, factors_ok, 1.5,
            f"Names the contributing factors ({len(hits)} of {len(key['contributing_factors'])})." if factors_ok
            else f"Names {len(hits)} of the {len(key['contributing_factors'])} contributing factors that let the cause "
            "turn into an outage.",
            quote,
        )
    )  # fmt: skip

    targets = (
        [a["action"] for a in key["corrective_actions"]] + key["cause_chain"] + key["contributing_factors"]
    )
    concrete = [a for a in actions if _is_concrete(a.action)]
    relevant = [a for a in concrete if any(_matches(_stems(a.action), t) for t in targets)]
    addressed = len(relevant) >= 2
    vague = next((a for a in actions if not _is_concrete(a.action)), None)
    if listed > 12:
        message = f"Lists {listed} actions: a review commits to the few that fix the causes."
    elif addressed:
        message = f"Corrective actions fix the causes ({len(relevant)} of {len(actions)} address the chain or factors)."
    elif vague is not None:
        message = f"Actions such as '{_short(vague.action, 60)}' change nothing that caused the outage."
    else:
        message = "Corrective actions do not address the chain of causes or the contributing factors."
    shown = relevant[0].action if relevant else (vague.action if vague else "")
    result.append(Check("actions_address_causes", CI, addressed, 2, message, _short(shown)))

    missing_owner = [a for a in actions if not _has_owner(a.owner)]
    missing_due = [a for a in actions if not _DUE.search(a.due.lower())]
    placeholder = _placeholder_dates(actions)
    owned = len(actions) >= 2 and not missing_owner and not missing_due and not placeholder
    if owned:
        message = f"Every action has an owner and a due date ({len(actions)} actions)."
    elif not actions:
        message = "Lists no corrective actions with owners and due dates."
    elif placeholder and not missing_owner and not missing_due:
        message = (
            f"All {len(actions)} actions carry the same due date ({placeholder}): a placeholder, not a plan."
        )
    else:
        lacking = [part for part, gap in (("an owner", missing_owner), ("a due date", missing_due)) if gap]
        message = (
            f"{len(missing_owner or missing_due)} of {len(actions)} actions lack {' and '.join(lacking)}."
        )
    example = (missing_due or missing_owner or actions or [None])[0]
    result.append(
        Check("actions_owned_and_dated", CI, owned, 1.5, message,
              _short(f"{example.action} (owner: {example.owner or '-'}; due: {example.due or '-'})") if example else "")
    )  # fmt: skip

    detection = text_for("detection")
    detect_targets = [key["detection"]] + [
        a["action"] for a in key["corrective_actions"] if _MONITOR.search(a["action"].lower())
    ]
    candidates = list(zip(detection.lines, detection.lower_lines, detection.line_words, strict=True))
    candidates += [(a.action, a.action.lower(), _stems(a.action)) for a in actions]
    detect_line = next(
        (
            line
            for line, low, words in candidates
            if _monitors(low) and any(_matches(words, t) for t in detect_targets)
        ),
        "",
    )
    result.append(
        Check(
            "detection_improved", CI, bool(detect_line), 1.5,
            "Adds a concrete alert or monitor that would have caught this sooner." if detect_line
            else "Does not say how the incident will be detected sooner (a concrete alert, monitor or test).",
            _short(detect_line),
        )
    )  # fmt: skip

    prevention = text_for("prevention")
    prevent_targets = [a["action"] for a in key["corrective_actions"]] + key["contributing_factors"]
    # A sentence of the review that changes something, or one of its concrete actions.
    candidates = [
        (line, low, words)
        for line, low, words in zip(
            prevention.lines, prevention.lower_lines, prevention.line_words, strict=True
        )
        if _CHANGE.search(low)
    ]
    candidates += [(a.action, a.action.lower(), _stems(a.action)) for a in actions if _is_concrete(a.action)]
    prevent_line = next(
        (
            line
            for line, low, words in candidates
            if _SYSTEMIC.search(low) and any(_matches(words, t) for t in prevent_targets)
        ),
        "",
    )
    result.append(
        Check(
            "prevention", CI, bool(prevent_line), 1.5,
            "Prevents a recurrence with a systemic change (a test, guardrail or default)." if prevent_line
            else "Does not say what systemic change stops this from happening again.",
            _short(prevent_line),
        )
    )  # fmt: skip

    knowledge = _knowledge(full, actions)
    result.append(
        Check(
            "runbook_kb_or_automation", CI, bool(knowledge), 1,
            "Turns the lesson into a runbook, KB article or automation." if knowledge
            else "Does not turn the lesson into a runbook, KB article or automation.",
            knowledge,
        )
    )  # fmt: skip

    result.append(_red_herrings_check(ctx, key, text_for, ruled_out, argued=bool(covered)))
    return result


def _red_herrings_check(ctx, key, text_for, ruled_out: str, *, argued: bool) -> Check:
    """Credit for leaving the red herrings out of the causes, for a review that argues a cause at all."""
    evidence = {e["id"]: e["text"] for e in ctx.payload.get("evidence", [])}
    cause_words = frozenset().union(
        *(_stems(t) for t in [key["root_cause"]] + key["cause_chain"] + key["contributing_factors"])
    )
    causes = _Text.read(f"{text_for('root_cause_chain').text}\n{text_for('contributing_factors').text}")
    blamed = ""
    for herring in key.get("red_herrings", []):
        hid = herring["evidence_id"].lower()
        own = _herring_terms(evidence.get(herring["evidence_id"], ""), cause_words)
        for line, low, words in zip(causes.lines, causes.lower_lines, causes.line_words, strict=True):
            if ruled_out and line in ruled_out:  # listed under a "Ruled out" heading
                continue
            named = hid in {f"e{n}" for n in _EVIDENCE_ID.findall(low)}
            repeated = bool(own) and len(own & words) >= min(2, len(own))
            if (named or repeated) and not _DISMISSED.search(low):
                blamed = line
                break
        if blamed:
            break
    if blamed:
        message = "Names a red herring as a cause: this evidence did not cause the incident."
    elif argued:
        message = "Does not blame the evidence that only looked related."
    else:
        message = "Argues no cause, so it cannot show it told the real cause from the red herrings."
    return Check("red_herrings_not_causes", CI, argued and not blamed, 1, message, _short(blamed))


@functools.lru_cache(maxsize=1024)
def _herring_terms(text: str, cause_words: frozenset[str]) -> frozenset[str]:
    """What only the red herring's evidence says: the words a writer blaming it would repeat."""
    return frozenset(
        w for w in _stems(text) if len(w) >= 4 and w not in _ENGLISH_STEMS and w not in cause_words
    )


# --- collaboration ------------------------------------------------------------------------------


# Three or more actions all due the same day were not each planned: the date is a placeholder.
PLACEHOLDER_ACTIONS = 3


def _placeholder_dates(actions: list[_Action]) -> str:
    """The one due date every action carries, when there are enough actions for that to be a
    placeholder rather than a plan; '' otherwise."""
    dues = {" ".join(a.due.lower().split()) for a in actions}
    if len(actions) >= PLACEHOLDER_ACTIONS and len(dues) == 1:
        return next(iter(dues))
    return ""


def _collaboration_checks(
    ctx,
    key,
    full: "_Text",
    actions: list[_Action],
    listed: int,
    *,
    strung: bool = False,
    blamed: str = "",
    argued: bool = True,
) -> list[Check]:
    result = []
    blame = _blame(full)
    result.append(
        Check(
            "blameless", COL, not blame, 0,
            "Blameless: describes what the system allowed, not who to blame." if not blame
            else "Blames the customer; a blameless review asks what our system let through."
            if _CUSTOMER_BLAME.search(blame.lower())
            else "Blames an individual; a blameless review asks what let the mistake through.",
            _short(blame), gate=True,
            doubt="a negation sits in the sentence read as blame" if blame and negated_spans(blame) else "",
        )
    )  # fmt: skip

    owners = [a.owner for a in actions if _has_owner(a.owner)]
    teams = [_team(owner) for owner in owners]
    distinct = sorted(set(teams))
    spread = len(distinct) >= 2
    if spread:
        message = f"Actions are owned across teams ({', '.join(_TEAM_NAMES.get(t, t) for t in distinct)})."
    elif len(distinct) == 1:
        message = f"Every action is left with {owners[0]}; the fixes need the other teams too."
    else:
        message = "No action has an owner, so no team is engaged to fix anything."
    result.append(
        Check("owners_across_teams", COL, spread, 2, message,
              _short("; ".join(f"{a.owner}: {a.action}" for a in actions[:2])) if actions else "")
    )  # fmt: skip

    matched_owner = ""
    for expected in key["corrective_actions"]:
        best = next((a for a in actions if _matches(_stems(a.action), expected["action"])), None)
        if best and _team(best.owner) == _team(expected["owner"]):
            matched_owner = f"{best.action} (owner: {best.owner})"
            break
    result.append(
        Check(
            "right_owners", COL, bool(matched_owner), 1,
            "Gives the fixes to the teams that own them." if matched_owner
            else "The actions are not given to the teams that own the fix.",
            _short(matched_owner),
        )
    )  # fmt: skip

    evidence_ids = {e["id"].lower() for e in ctx.payload.get("evidence", [])}
    herrings = {h["evidence_id"].lower() for h in key.get("red_herrings", [])}
    cited = {f"e{n}" for n in _EVIDENCE_ID.findall(full.lower)} & evidence_ids
    figures = _evidence_figures(
        tuple(e["text"] for e in ctx.payload.get("evidence", []) if e["id"].lower() not in herrings)
    )
    quoted = figures & _numbers(full.lower)
    # One sentence that lists every piece of evidence, herrings and all, is hedging, not an argument.
    everything_cited = len(evidence_ids) >= 4 and any(
        {f"e{n}" for n in _EVIDENCE_ID.findall(low)} >= evidence_ids for low in full.lower_lines
    )
    # A cause read from a red herring's evidence is not grounded in the evidence, whatever else is cited.
    grounded = (
        argued and not (strung or blamed or everything_cited) and (bool(cited - herrings) or len(quoted) >= 2)
    )
    if strung:
        message = "Evidence ids and figures are listed among strung terms: no conclusion rests on them."
    elif blamed:
        message = (
            "The conclusion rests on evidence that only looked related: a red herring is named as a cause."
        )
    elif everything_cited:
        message = (
            "Lists every piece of evidence at once, herrings included, instead of the evidence that matters."
        )
    elif not argued:
        message = "Argues no cause of this incident, so no conclusion rests on the evidence it repeats."
    elif grounded:
        message = (
            "Grounds the analysis in the evidence ("
            + (", ".join(sorted(i.upper() for i in cited - herrings)) or ", ".join(sorted(quoted)[:3]))
            + ")."
        )
    else:
        message = "Does not point to the evidence behind its conclusions."
    shown = next(iter(sorted(cited - herrings)), "") or next(iter(sorted(quoted)), "")
    result.append(Check("evidence_based", COL, grounded, 1.5, message, full.quote(shown) if grounded else ""))

    incident = ctx.payload.get("incident", {})
    facts = {str(incident.get("duration_minutes", "")), str(incident.get("customers_affected", ""))} - {""}
    stated = set() if strung else facts & _numbers(full.lower)
    result.append(
        Check(
            "impact_in_numbers", COL, bool(stated), 1,
            "States the impact in numbers (duration, customers affected)." if stated
            else "Lists figures among strung terms instead of stating the impact." if strung
            else "Does not state the impact in numbers (how long, how many customers).",
            full.quote(sorted(stated)[0]) if stated else "",
        )
    )  # fmt: skip

    loop = _CUSTOMER_LOOP.search(full.lower) or next(
        (m for m in (_team(a.owner) for a in actions) if m == "support"), None
    )
    result.append(
        Check(
            "closes_the_loop_with_support", COL, bool(loop), 1,
            "Brings Support and customer communication into the follow-up." if loop
            else "Leaves Support and customer communication out of the follow-up.",
            full.quote(loop.group(0)) if hasattr(loop, "group") else next(
                (_short(f"{a.owner}: {a.action}") for a in actions if _team(a.owner) == "support"), ""
            ),
        )
    )  # fmt: skip
    return result


def _blame(full: "_Text") -> str:
    """The first sentence that blames a person. What a negation takes back ("no one is at fault",
    "it was not human error") and sentences that defend the operator ("the on-call followed the
    runbook; the gap was in the tooling") do not count."""
    for line, low in zip(full.lines, full.lower_lines, strict=True):
        if _DEFENCE.search(low):
            continue
        claimed = affirmative(low)
        if _BLAME.search(claimed) or _CUSTOMER_BLAME.search(low):
            return line
        person = _PERSON.search(claimed)
        if person and _FAULT.search(claimed[person.end() :]):
            return line
    return ""


# --- reading the answer -------------------------------------------------------------------------


def _sections(document: str) -> dict[str, str]:
    """The document's text under each recognised heading, by the field it stands in for."""
    if not document:
        return {}
    found: dict[str, list[str]] = {"_prose": []}
    current = ""
    for line in document.splitlines():
        if current not in ("corrective_actions", "ruled_out"):
            found["_prose"].append(line)
        heading = _HEADING.match(line)
        label = _INLINE_LABEL.match(line) if not heading else None
        title = next(g for g in heading.groups() if g) if heading else (label.group(1) if label else "")
        field = _field_for(title) if title and len(title.split()) <= 6 else ""
        if not heading and not label and _PLAIN_HEADING.match(line):
            field = _field_for(line.strip())  # "Actions" or "Red herrings" alone on a line
            if field:
                current = field
                continue
        if heading:  # a heading the review does not need (Timeline, What went well) ends the section
            current = field
            continue
        if field:
            current = field
            found.setdefault(field, []).append(label.group(2))
            continue
        if current:
            found.setdefault(current, []).append(line)
    return {field: "\n".join(lines).strip() for field, lines in found.items() if "".join(lines).strip()}


def _field_for(title: str) -> str:
    low = title.lower()
    for field, words in _SECTION_WORDS.items():
        if any(w in low for w in words):
            return field
    return ""


def _actions(answer: dict, section: str, document: str) -> tuple[list[_Action], bool]:
    """Corrective actions from the structured list (True), or else from the document's action items."""
    listed = [
        _Action(
            str(a.get("action") or "").strip(),
            str(a.get("owner") or "").strip(),
            str(a.get("due") or "").strip(),
        )
        for a in answer.get("corrective_actions") or []
        if isinstance(a, dict) and str(a.get("action") or "").strip()
    ]
    if listed:
        return listed, True
    lines = [line for line in (section or document).splitlines() if line.strip()]
    bulleted = [line for line in lines if _ITEM.match(line)]
    if section:
        candidates = bulleted or lines
    else:  # no actions heading: only list items that name an owner
        candidates = [line for line in bulleted if _OWNER_LABEL.search(line.lower()) or "|" in line]
    items = []
    for line in candidates:
        text = line.strip().strip("|").strip()
        if set(text) <= set("-|: "):  # a table's rule line
            continue
        cells = [c.strip() for c in text.split("|")]
        if cells[0].lower().strip("* ") in ("action", "actions", "corrective action", "what", "item"):
            continue
        if len(cells) >= 3:
            action, owner, due = cells[0], cells[1], cells[2]
        else:
            action, owner, due = _split_action(text)
        items.append(_Action(_ITEM_MARK.sub("", action).strip(), owner, due))
    return items, False


def _split_action(text: str) -> tuple[str, str, str]:
    """'Alert on clock offset (owner: SRE, due 2026-04-12)' as its action, owner and due date."""
    low = text.lower()
    same = len(low) == len(text)  # lower-casing kept the offsets, so spans map back to the original
    label = _OWNER_LABEL.search(low)
    team = _TEAM.search(low)
    due = _DUE.search(low)
    if label:
        owner = text[label.start(1) : label.end(1)] if same else label.group(1)
    elif team:
        owner = text[team.start() : team.end()] if same else team.group(0)
    else:
        owner = ""
    cut = min([m.start() for m in (label, due) if m] + [len(text)])
    action = _TRAILING.sub("", text[:cut]) if cut < len(text) else text
    return action, owner.strip(), due.group(0) if due else ""


def _is_concrete(action: str) -> bool:
    low = action.lower()
    content = [t for t in tokens(low) if t not in FUNCTION_WORDS]
    return len(content) >= 3 and not _VAGUE.search(low)


def _has_owner(owner: str) -> bool:
    return bool(owner) and owner.strip().lower() not in (
        "tbd",
        "tba",
        "?",
        "-",
        "none",
        "unassigned",
        "n/a",
        "team",
    )


def _team(owner: str) -> str:
    low = owner.lower()
    match = _TEAM.search(low)
    if match:
        return match.lastgroup or low.strip()
    return low.strip()


@functools.lru_cache(maxsize=1024)
def _evidence_figures(texts: tuple[str, ...]) -> frozenset[str]:
    """Distinctive numbers in the evidence that points at the cause (not 0, 1, 2...)."""
    return frozenset(n for t in texts for n in _NUMBER.findall(t.lower()) if len(n) >= 2)


# --- shared helpers -----------------------------------------------------------------------------

_ENGLISH_STEMS = frozenset(_stem(w) for w in ENGLISH) | ENGLISH


@functools.lru_cache(maxsize=4096)
def _key_terms(text: str) -> frozenset[str]:
    """What an answer matching a key text would share with it: its content words, stemmed."""
    return frozenset(
        _stem(t) for t in tokens(text) if t not in FUNCTION_WORDS and t not in _GENERIC and len(t) >= 2
    )


def _matches(words: frozenset[str], key_text: str, threshold: float = 0.3) -> bool:
    """Whether a sentence or an action (its stemmed words) says what a key text says: it holds enough
    of the key's words, or most of its own content words come from the key (a short paraphrase)."""
    terms = _key_terms(key_text)
    shared = len(terms & words)
    if terms and shared / len(terms) >= threshold and shared >= min(3, len(terms)):
        return True
    own = words - _STOP
    overlap = own & _key_stems(key_text)
    return len(overlap) >= 2 and len(overlap) >= 0.5 * len(own)


def _monitors(low: str) -> bool:
    """Names an alert or monitor to add (not 'there was no alert')."""
    return bool(_MONITOR.search(affirmative(low)))


def _knowledge(full: "_Text", actions: list[_Action]) -> str:
    """The first action or sentence that writes the lesson into a runbook, KB article or automation:
    one that changes something ("update the runbook"), not one that mentions it ("the runbook
    lacked a step", "the job retried automatically")."""
    for action in actions:
        if _KNOWLEDGE.search(affirmative(action.action.lower())):
            return _short(action.action)
    for line, low in zip(full.lines, full.lower_lines, strict=True):
        claimed = affirmative(low)
        if _KNOWLEDGE.search(claimed) and _CHANGE.search(claimed):
            return _short(line)
    return ""


@functools.lru_cache(maxsize=4096)
def _key_stems(text: str) -> frozenset[str]:
    return _stems(text)


def _share(terms: frozenset[str], words: frozenset[str]) -> float:
    return len(terms & words) / len(terms) if terms else 0.0


def _numbers(text: str) -> set[str]:
    return set(_NUMBER.findall(text))


_short = short
