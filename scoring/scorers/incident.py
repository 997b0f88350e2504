"""incident: a live drill of injects and decisions, stakeholder updates and a running log.

A good incident responder declares the right severity early, engages the team that owns the fix,
picks a safe mitigation, tells stakeholders what is affected, what is being done and when they
will hear next, at the cadence the severity needs, without guessing at causes; and keeps a log
that ties hypotheses to evidence and does not chase the red herrings.

Timing comes from the saved revisions: a decision counts from the revision in which it took its
final value for good, an update from the revision in which it first appeared. An answer with no
revisions earns no timing credit.
"""

import math
import re

from scoring.checks import Check
from scoring.context import ScoringContext
from scoring.scorers.comms import FIX_PROMISE as _FIX_PROMISE
from scoring.scorers.comms import NEXT_UPDATE as _NEXT_UPDATE
from scoring.scorers.comms import SHORTHAND_RATE
from scoring.scorers.comms import UPDATE_TIME as _TIME
from scoring.text import (
    DOMAIN_WORDS,
    FUNCTION_WORDS,
    SHINGLE,
    affirmative,
    content_tokens,
    sentences,
    short,
    shorthand_rate,
    tokens,
    without_filler,
)
from scoring.text import terms as _shared_terms

VERSION = 12  # 12: updates with an unconfirmed cause and a fix time mislead (a gate); "[T+5m]" is no
# placeholder
# 11: two or more wrong calls after the severity cap operational discipline at 3
# 10: a note reasons with "lines up", "matches" and "X = Y"; an inject's clock times and
# counts do not raise the words a log line must share to cite it
# 9: the shared toolkit reads a verdict that ends a list as taking it back ("X, or Y, would be the wrong trade",
# "is too risky"), a negated list running on to a closing ", or" as negated throughout, and more filler
# ("any of these might be involved, or none", "SEV3 might also fit"); a log that holds its calls open scores discipline 3 at most and records no decision
# 8: the shared toolkit reads a term list joined by line breaks as stuffed, counts another
# cause only by words the scenario does not use, reads "pointless", "futile", "would make it worse" as
# taking back, and folds note shorthand ("mgr", "repo", "creds"); updates that never say when the next one
# comes score communication 3 at most, status posts in note shorthand 4 at most ("@VP" notes may be
# terse); a note's "Next 09:58" commits to a time
# 7: the shared toolkit reads topic by stem too (at half weight),
# a negation label ("Off the table:") takes back its list, "would not help" its action; every phase as an
# activity ("investigating, mitigating and resolving") and three ", or" alternatives are filler
# 6: an ETA without a time ("fix ETA" among the unknowns) is no fix-time promise (the comms reading)
# 5: updates that list every option at once are stuffed; a stuffed or pasted log or update sinks the record
# 4: 4: the drill's calls gate troubleshooting and communication (most of them wrong sinks both);
# a hedged update that states the actual cause is not speculation; more status, role and reasoning wording
# 3: shared text toolkit (stems, synonyms, negation scope); timing not assessed without revisions
TS = "troubleshooting"
OPS = "operational_discipline"
WRONG_CALLS_CEILING = 2  # this many wrong calls after the severity cap operational discipline at 3
COL = "collaboration"
COM = "communication"

# Share of a text's words inside the drill's own 6-word phrases above which it counts as pasted: an incident
# log may quote alerts and log lines verbatim, but two thirds quoted is a paste, not a log.
PASTED_SHARE = 0.65
SEVERITY_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}
# The words a log may use for the team each route stands for.
TEAM_WORDS = {
    "SRE": re.compile(r"\b(sre|on-?call|site reliability|platform team|infra(structure)? team)\b", re.I),
    "Engineering": re.compile(r"\b(engineering|engineers?|dev(elopment)? team|developers|owning team|service owners?)\b", re.I),
    "L2": re.compile(r"\b(l2|tier ?2|second[- ]line|support engineer(ing)?)\b", re.I),
    "L1": re.compile(r"\b(l1|tier ?1|first[- ]line|frontline)\b", re.I),
    "Security": re.compile(r"\b(security|secops|csirt|incident response team)\b", re.I),
}  # fmt: skip
_ROLES = re.compile(
    r"\b(incident commander|\bIC\b|comms lead|communications lead|scribe|customer success|\bCS\b|VP Support|"
    r"support lead|status page owner|technical lead|(I|I'll|I will|we'll|we will) coordinate|"
    r"lead(ing)? the (incident|response))",
    re.I,
)
_TIME_MARK = re.compile(
    r"(\b\d{1,2}:\d{2}\b|\bT\+\d+|\+\d+\s*m(in)?\b|\b\d+\s*(m|min|mins|minutes)\b(?! (ago|later)))", re.I
)
_STATUS = re.compile(
    r"\b(investigating|looking into|identified|mitigat\w*|roll(ing|ed)? ?back|rollback|monitoring|resolved|recover\w*|"
    r"restor\w*|working (on|to|out)|engaged|paged|restart\w*|drain\w*|fail(ing|ed)? over|failover|deployed|applied|"
    r"disabl\w*|revok\w*|switched off|block(ed|ing)|contain\w*|assess\w*|sizing up|in progress|under ?way|"
    r"on (the|its) way|being handled)\b",
    re.I,
)
_HEDGE = re.compile(
    r"\b(probably|likely|we (think|believe|suspect|guess)|might be|may be (caused|due|related)|could be|possibly|"
    r"perhaps|maybe|seems to be|appears to be)\b",
    re.I,
)
_CAUSAL = re.compile(
    r"\b(caus\w*|because|due to|culprit|root|responsible|behind|explains?|trigger\w*|hypothes\w*|suspect\w*|"
    r"likely|probably|source of|the problem is|the issue is|might be|could be|points? to|looks like|would explain)\b",
    re.I,
)
# A line that reasons towards a cause in other words ("consistent with the key being scraped", "that is
# bulk extraction"): enough for the log's working hypothesis, too loose to call a red herring blamed.
_REASONS = re.compile(
    _CAUSAL.pattern[:-3]
    + r"|consistent with|indicat\w*|suggests?|that is|this is|which is|means|evidence of|"
    r"signs? of|treating (?:it |this )?as|confirm\w*|working theory|theory|fits?|lines? up|tall(?:y|ies)|"
    r"coincides? with|match(?:es)?)\b"
    # A note's own reasoning: "> 189 nodes = all over", "pool full -> 503s".
    r"|(?<=\w)\s=\s(?=\w)|\s?(?:->|→)\s?",
    re.I,
)
_FIGURE = re.compile(r"^[\d:./tz+-]+$")
_DISMISS = re.compile(
    r"(\bnot (the |a )?(cause|culprit|related|relevant|involved|it)\b|\bunrelated\b|ruled? (it )?out|red herring|"
    r"irrelevant|\bnoise\b|\bbenign\b|coinciden\w*|\bignor\w*|no impact|\broutine\b|\bexpected\b|\bseparate\b|"
    r"(does ?n[o']t|do ?n[o']t|cannot|can't|would ?n[o']t) (touch|explain|affect|cause|matter|hold|reject))",
    re.I,
)
_TEAM_TERMS = {"sre", "on", "call", "oncall", "engineering", "security", "team", "l1", "l2"}
_STOP = FUNCTION_WORDS | {
    "incident",
    "drill",
    "several",
    "across",
    "something",
    "went",
    "wrong",
    "roughly",
    "often",
}


def checks(ctx: ScoringContext) -> list[Check]:
    decisions = _decisions(ctx.answer)
    raw_updates = ctx.answer.get("stakeholder_updates")
    updates = (
        [u for u in raw_updates if isinstance(u, str) and u.strip()] if isinstance(raw_updates, list) else []
    )
    log = ctx.text("log")
    updates_text = "\n".join(updates)

    log_gamed = _gamed(ctx, log)
    updates_gamed = _gamed(ctx, updates_text) or _enumerated(updates_text)
    log_ok = bool(log) and not log_gamed
    updates_ok = bool(updates) and not updates_gamed
    # Keywords strung together, or the drill pasted back, in either the log or the updates game the
    # record: the other part written properly does not make up for it. A part that is merely off
    # topic or thin earns nothing of its own and leaves the record to the other.
    gaming = next((why for why in (log_gamed, updates_gamed) if why and why not in _NOT_GAMING), "")
    written = not gaming and (log_ok or updates_ok or not (log_gamed or updates_gamed))
    if written:
        written_reason = "The log and updates are readable text about this incident."
    elif gaming:
        written_reason = f"The record games the rubric: {gaming}."
    else:
        written_reason = f"Neither the log nor the updates can be assessed: {log_gamed or updates_gamed}."
    result = [
        Check("readable_log", TS, not log_gamed, 0, log_gamed or "The log is readable text about this incident.", _short(log) if log_gamed else "", gate=True),
        Check("readable_record", OPS, written, 0, written_reason, "" if written else _short(log or updates_text), gate=True),
        Check("readable_record", COL, written, 0, written_reason, "" if written else _short(log or updates_text), gate=True),
        Check("readable_updates", COM, not updates_gamed, 0,
              updates_gamed or "The updates are readable text about this incident.", _short(updates_text) if updates_gamed else "", gate=True),
    ]  # fmt: skip

    timing = _Timing(ctx, decisions)
    log = "" if log_gamed else log  # a gamed log earns nothing, even where its dimension is not gated on it
    result += _severity_checks(ctx, decisions, timing)
    result += _mitigation_checks(ctx, decisions, timing)
    result += _team_checks(ctx, decisions, timing, log)
    result += _log_checks(ctx, log, decisions)
    result += _update_checks(ctx, decisions, timing, updates)
    result += _calls_checks(ctx, decisions)
    return result


# Of the drill's four calls (severity, team, mitigation, communication), this many badly wrong and the
# response points the wrong way: a well-written log or update built on them misleads whoever reads it.
WRONG_CALLS = 3


def _calls_checks(ctx: ScoringContext, decisions: dict) -> list[Check]:
    """Whether the drill's calls point the right way, as a gate on troubleshooting and communication.

    A call is badly wrong when it is made and wrong, or missing: a severity two levels or more off
    the impact (one level off is a close reading, not a wrong one), a team that does not own the fix,
    a mitigation that does not address the cause, a communication choice that keeps stakeholders in
    the dark. Fluent prose around wrong calls is what a reader would act on, so it earns nothing:
    the expert reading of such a response is 1 on both dimensions however well it reads."""
    key = ctx.key["decisions"]
    wrong = []
    severity = str(decisions.get("D1") or "")
    expected = [e for e in key["D1"]["correct"] if e in SEVERITY_RANK]
    if severity not in SEVERITY_RANK or (
        expected and min(abs(SEVERITY_RANK[severity] - SEVERITY_RANK[e]) for e in expected) >= 2
    ):
        wrong.append(f"declares {severity or 'no severity'} for a {' or '.join(expected)} impact")
    for did, what in (("D2", "engages"), ("D3", "mitigates with"), ("D4", "communicates by")):
        given = str(decisions.get(did) or "")
        if given not in key[did]["correct"]:
            text = _options(ctx, did).get(given, "")
            wrong.append(
                f"{what} {given}" + (f" ({_short(text, 60)})" if text else "")
                if given
                else f"makes no {did} call"
            )
    misled = len(wrong) >= WRONG_CALLS
    if misled:
        message = (
            f"Points the wrong way: {len(wrong)} of the drill's 4 calls are wrong (" + "; ".join(wrong) + ")."
        )
    else:
        message = "The drill's calls point the right way" + (
            f" ({len(wrong)} of 4 wrong)." if wrong else " (all 4 right)."
        )
    shown = "; ".join(
        f"{did}: {decisions.get(did)}" for did in ("D1", "D2", "D3", "D4") if decisions.get(did)
    )
    # Sunk on exactly as many wrong calls as it takes: one call read differently would lift it.
    doubt = "the gate fired on the fewest wrong calls it takes" if len(wrong) == WRONG_CALLS else ""
    return [
        Check("calls_point_the_right_way", dimension, not misled, 0, message, shown if misled else "",
              gate=True, doubt=doubt if misled else "")
        for dimension in (TS, COM)
    ]  # fmt: skip


class _Timing:
    """When each decision was made for good, from the saved revisions."""

    def __init__(self, ctx: ScoringContext, decisions: dict):
        self.end = ctx.revisions[-1][0] if ctx.revisions else None
        self.decided: dict[str, float | None] = {}
        for did, final in decisions.items():
            since = None
            for elapsed, answer in ctx.revisions:
                value = _decisions(answer).get(did)
                if value != final:
                    since = None
                elif since is None:
                    since = elapsed
            self.decided[did] = since

    def check(
        self, ctx: ScoringContext, did: str, dimension: str, weight: float, passed_choice: bool, what: str
    ) -> Check:
        start, end = ctx.key["decisions"][did]["window_seconds"]
        at = self.decided.get(did)
        on_time = passed_choice and at is not None and at <= end
        recorded = bool(ctx.revisions)
        if not recorded:
            message = (
                f"No revisions were recorded with this answer, so when {what} was decided is not assessed."
            )
        elif at is None:
            message = f"No saved revision shows when {what} was decided; timing earns nothing."
        elif not passed_choice:
            message = f"{what.capitalize()} was decided at {_clock(at)}, but not correctly."
        elif on_time:
            message = f"{what.capitalize()} was decided at {_clock(at)}, inside the {_clock(start)}–{_clock(end)} window."
        else:
            message = (
                f"{what.capitalize()} was decided at {_clock(at)}, after the window closed at {_clock(end)}."
            )
        return Check(
            f"{did.lower()}_on_time",
            dimension,
            on_time,
            weight,
            message,
            _clock(at) if at is not None else "",
            assessed=recorded,
        )


def _severity_checks(ctx: ScoringContext, decisions: dict, timing: _Timing) -> list[Check]:
    expected = ctx.key["decisions"]["D1"]["correct"]
    given = str(decisions.get("D1") or "")
    correct = given in expected
    distance = (
        min(abs(SEVERITY_RANK[given] - SEVERITY_RANK[e]) for e in expected if e in SEVERITY_RANK)
        if given in SEVERITY_RANK
        else None
    )
    close = distance is not None and distance <= 1
    want = " or ".join(expected)
    # Packs written before keys carried a reason have none; the message then stands without it.
    why = f" {reason}" if (reason := str(ctx.key.get("severity_reason") or "").strip()) else ""
    if correct:
        message = f"Declares {given}, the severity this impact calls for.{why}"
    elif given:
        message = f"Declares {given}; this impact is {want}.{why}"
    else:
        message = f"Declares no severity; this impact is {want}.{why}"
    return [
        Check("severity_declared", OPS, correct, 2, message, f"D1: {given}" if given else ""),
        Check("severity_close", OPS, close, 1,
              ("Reads the impact right." if correct else f"{given} is one level off {want}: close, not right.") if close
              else f"{given or 'No severity'} is declared where the impact calls for {want}.",
              f"D1: {given}" if given else ""),
        timing.check(ctx, "D1", OPS, 1, correct, "the severity"),
    ]  # fmt: skip


def _mitigation_checks(ctx: ScoringContext, decisions: dict, timing: _Timing) -> list[Check]:
    key = ctx.key["decisions"]["D3"]
    given = str(decisions.get("D3") or "")
    options = _options(ctx, "D3")
    text = options.get(given, "")
    unsafe = given in key["unsafe"]
    correct = given in key["correct"]
    safe_message = (
        f"Chooses {given} ({text}), an action that puts production or customer data at risk."
        if unsafe
        else "Chooses no mitigation that puts production or customer data at risk."
    )
    if correct:
        fix_message = f"Chooses a mitigation that addresses the cause ({given}: {text})."
    elif given:
        cause = _terms(ctx.key["root_cause"])
        best = max(key["correct"], key=lambda oid: len(_terms(options.get(oid, "")) & cause), default="")
        fix_message = f"{given} ({text}) does not address the cause; e.g. {options.get(best, '')}"
    else:
        fix_message = "Chooses no mitigation."
    quoted = f"D3: {given} — {text}" if given else ""
    # The calls after the severity (team, mitigation, communication, ...) made against the key: a drill
    # with two or more of them wrong was run by someone who needs reminders, however safe each call.
    later = {did: d for did, d in ctx.key["decisions"].items() if did != "D1"}
    wrong = sorted(did for did, d in later.items() if str(decisions.get(did) or "") not in d["correct"])
    by_the_book = len(wrong) < WRONG_CALLS_CEILING
    return [
        Check("safe_mitigation", OPS, not unsafe, 0, safe_message, quoted if unsafe else "", gate=True),
        Check(
            "calls_by_the_book",
            OPS,
            by_the_book,
            0,
            "The drill's later calls follow the playbook."
            if by_the_book
            else f"{len(wrong)} of the drill's {len(later)} later calls are not the playbook's ({', '.join(wrong)}): "
            "careful, but it needs reminders (at most 3).",
            ", ".join(f"{did}: {decisions.get(did) or '-'}" for did in wrong) if not by_the_book else "",
            ceiling=3,
        ),
        Check("effective_mitigation", TS, correct, 2, fix_message, quoted),
        timing.check(ctx, "D3", TS, 1, correct, "the mitigation"),
    ]


def _team_checks(ctx: ScoringContext, decisions: dict, timing: _Timing, log: str) -> list[Check]:
    expected = ctx.key["decisions"]["D2"]["correct"]
    given = str(decisions.get("D2") or "")
    correct = given in expected
    want = " or ".join(expected)
    if correct:
        message = f"Engages {given}, the team that owns this fix."
    elif given:
        message = f"Engages {given}; the fix belongs to {want}."
    else:
        message = f"Engages no one; the fix belongs to {want}."

    evidence = _signal_terms(ctx) | _terms(ctx.key["root_cause"])
    pattern = TEAM_WORDS.get(ctx.key["route"])
    engaged = next(
        (
            s
            for s in sentences(log)
            if pattern and pattern.search(s) and len((_terms(s) & evidence) - _TEAM_TERMS) >= 2
        ),
        "",
    )
    roles = _ROLES.search(affirmative(log))
    return [
        Check("right_team", COL, correct, 2, message, f"D2: {given}" if given else ""),
        timing.check(ctx, "D2", COL, 1, correct, "the team to engage"),
        Check("engages_with_evidence", COL, bool(engaged), 1.5,
              f"The log hands {ctx.key['route']} the evidence they need." if engaged
              else f"The log does not show {ctx.key['route']} being engaged with evidence.",
              _short(engaged)),
        Check("coordinates_roles", COL, bool(roles), 1.5,
              "The log names who does what (incident commander, comms, the people asking)." if roles
              else "The log never says who leads the incident or who keeps stakeholders informed.",
              _sentence_with(log, roles.group(0)) if roles else ""),
    ]  # fmt: skip


def _log_checks(ctx: ScoringContext, log: str, decisions: dict) -> list[Check]:
    log_sentences = sentences(log)
    own = [(s, _terms(s)) for s in log_sentences]

    cited = []
    for inject in _signal_injects(ctx):
        terms = _terms(inject["text"])
        # Clock times, dates and counts in an inject ("06:24", "2026-09-15", "173/191") pad it out; a line
        # that cites it is judged against its words, and its figures count when quoted.
        need = max(2, math.ceil(0.3 * len({t for t in terms if not _FIGURE.match(t)})))
        hit = next((s for s, t in own if len(t & terms) >= need), "")
        if hit:
            cited.append((inject, hit))
    evidence_ok = len(cited) >= 2
    result = [
        Check("cites_evidence", TS, evidence_ok, 1.5,
              f"The log ties the work to {len(cited)} pieces of evidence from the drill." if evidence_ok
              else "The log cites too little of the drill's evidence (alerts, log lines, changes, metrics).",
              _short(cited[0][1]) if cited else ""),
    ]  # fmt: skip

    cause = _terms(ctx.key["root_cause"]) - _STOP
    whole = set().union(*(t for _, t in own)) if own else set()
    shared = cause & whole
    # The log as a whole names the cause, and at least one line reasons about it (a hypothesis, not a list).
    reasoned = [
        (s, t) for s, t in own if _REASONS.search(affirmative(s)) and len(_terms(affirmative(s)) & cause) >= 2
    ]
    converges = len(shared) >= max(3, math.ceil(0.25 * len(cause))) and bool(reasoned)
    result.append(
        Check("converges_on_cause", TS, converges, 2,
              "The log's working hypothesis matches the actual cause." if converges
              else "The log never converges on the actual cause.",
              _best(reasoned, cause) if converges else "")
    )  # fmt: skip

    blamed, ruled_out = "", ""
    for herring in _herrings(ctx):
        need = min(2, len(herring))
        for sentence, terms in own:
            if len(terms & herring) < need:
                continue
            if _DISMISS.search(sentence):
                ruled_out = ruled_out or sentence
            elif _CAUSAL.search(sentence):
                blamed = blamed or sentence
    result.append(
        Check("no_red_herring_blamed", TS, not blamed and bool(own), 1.5,
              "Does not chase the red herrings." if not blamed
              else "Blames a red herring: that event is unrelated to this incident.",
              _short(blamed))
    )  # fmt: skip
    result.append(
        Check("rules_out_red_herrings", TS, bool(ruled_out), 1,
              "Tests a distracting signal and rules it out." if ruled_out
              else "Does not say which distracting signals were checked and ruled out.",
              _short(ruled_out))
    )  # fmt: skip

    marked = [s for s in log.splitlines() if _TIME_MARK.search(s)]
    timeline = len(marked) >= 3
    result.append(
        Check("timestamped_log", OPS, timeline, 1.5,
              f"The log is a timeline: {len(marked)} entries carry a time." if timeline
              else "The log has too few timestamps to audit what was done when.",
              _short(marked[0]) if marked else "")
    )  # fmt: skip

    severity = str(decisions.get("D1") or "")
    option = _options(ctx, "D3").get(str(decisions.get("D3") or ""), "")
    option_terms = _terms(option) - _STOP
    # A call held open ("tentatively SEV2, but SEV3 might also fit") records no decision.
    committed = without_filler(log)
    records_severity = bool(severity) and severity.lower() in committed.lower()
    records_action = bool(option_terms) and len(option_terms & whole) >= min(3, len(option_terms))
    recorded = records_severity and records_action
    result.append(
        Check("records_decisions", OPS, recorded, 1,
              "The log records the severity declared and the mitigation taken." if recorded
              else "The log does not record " + ("the mitigation taken." if records_severity else "the severity declared."),
              _sentence_with(committed, severity) if records_severity else "")
    )  # fmt: skip
    held_open = [s for s in sentences(log) if s not in set(sentences(committed))]
    result.append(
        Check("log_commits", OPS, len(held_open) < 2, 0,
              "The log records what was decided." if len(held_open) < 2
              else "The log holds its calls open instead of recording them: nobody could audit what was decided "
              "(at most 3).",
              _short(held_open[0]) if held_open else "", ceiling=3, assessed=bool(log.strip()))
    )  # fmt: skip
    return result


def _update_checks(ctx: ScoringContext, decisions: dict, timing: _Timing, updates: list[str]) -> list[Check]:
    d4 = ctx.key["decisions"]["D4"]
    given = str(decisions.get("D4") or "")
    comms_ok = given in d4["correct"]
    option = _options(ctx, "D4").get(given, "")
    result = [
        Check("comms_decision", COM, comms_ok, 1.5,
              "Chooses to post a status update with the next update time." if comms_ok
              else f"Chooses {given or 'nothing'} for customer communication; stakeholders need an update now.",
              f"D4: {given} — {option}" if given else ""),
        timing.check(ctx, "D4", COM, 0.5, comms_ok, "the communication decision"),
    ]  # fmt: skip

    # When each update first appeared, and how the gaps compare with the severity's cadence.
    cadence = ctx.key["update_cadence_minutes"] * 60
    posted = _posted_at(ctx, updates)
    first_ok = bool(posted) and posted[0] <= d4["window_seconds"][1]
    recorded = bool(ctx.revisions) or not updates
    if not updates:
        first_message = "Posts no stakeholder update."
    elif not ctx.revisions:
        first_message = (
            "No revisions were recorded with this answer, so when the updates went out is not assessed."
        )
    elif not posted:
        first_message = "No saved revision shows when the first update went out; timing earns nothing."
    elif first_ok:
        first_message = f"The first update went out at {_clock(posted[0])}, while the impact was fresh."
    else:
        first_message = (
            f"The first update went out at {_clock(posted[0])}, after {_clock(d4['window_seconds'][1])}."
        )
    result.append(
        Check(
            "first_update_in_time",
            COM,
            first_ok,
            1,
            first_message,
            _clock(posted[0]) if posted else "",
            assessed=recorded,
        )  # fmt: skip
    )

    gaps = [b - a for a, b in zip(posted, posted[1:], strict=False)]
    if posted and timing.end is not None:
        gaps.append(max(0.0, timing.end - posted[-1]))
    steady = first_ok and all(g <= cadence * 1.1 for g in gaps)
    span = f"{len(updates)} update{'s' if len(updates) != 1 else ''} over {_clock(timing.end or 0)}"
    result.append(
        Check("steady_cadence", COM, steady, 1.5,
              "No revisions were recorded with this answer, so the cadence of updates is not assessed." if not recorded
              else f"{span}: never more than {cadence // 60} minutes without one." if steady
              else f"{span}: the updates start too late to keep a steady cadence." if posted and not first_ok
              else f"{span}: stakeholders went longer than {cadence // 60} minutes without an update.",
              span if updates else "", assessed=recorded)
    )  # fmt: skip

    impact_terms = _impact_terms(ctx)
    # Credit is earned by what an update commits to (filler read past); a negation takes back its
    # clause before speculation or promises are looked for.
    readable = [
        said
        for u in updates
        if not ctx.profile(u).empty and not _gamed(ctx, u) and (said := without_filler(u))
    ]
    half = max(1, math.ceil(len(updates) / 2))

    impact = [u for u in readable if len(_terms(u) & impact_terms) >= 2]
    result.append(
        Check("states_impact", COM, len(impact) >= half, 1.5,
              "Says who is affected and how." if len(impact) >= half else "Does not say what users cannot do.",
              _best([(s, _terms(s)) for s in sentences(impact[0])], impact_terms) if impact else "")
    )  # fmt: skip
    status = [(u, m) for u in readable if (m := _status(u))]
    result.append(
        Check("states_status", COM, len(status) >= half, 1,
              "Says what is being done." if len(status) >= half else "Does not say what is being done about it.",
              _sentence_with(status[0][0], status[0][1].group(0)) if status else "")
    )  # fmt: skip
    promised = [(u, s) for u in readable for s in sentences(u) if _NEXT_UPDATE.search(s) and _TIME.search(s)]
    too_late = [s for _, s in promised if (m := _minutes(s)) is not None and m > cadence // 60]
    committed = len({u for u, _ in promised}) >= half and not too_late
    if committed:
        next_message = "Commits to the time of the next update."
    elif too_late:
        next_message = f"Promises the next update later than the {cadence // 60} minutes this severity needs."
    else:
        next_message = "Does not say when the next update will come."
    result.append(
        Check("next_update_time", COM, committed, 1.5, next_message,
              _short(too_late[0] if too_late else promised[0][1] if promised else ""))
    )  # fmt: skip

    herrings = _herrings(ctx)
    cause = _terms(ctx.key["root_cause"]) - _STOP
    speculation = ""
    for u in updates:
        for s in sentences(u):
            claim = affirmative(s)
            terms = _terms(claim)
            # A hedged line that states the drill's actual cause ("we believe the key has been
            # compromised") is the working hypothesis said with due care, not a guess.
            guess = _HEDGE.search(claim) and len(terms & cause) < 2
            if guess or any(len(terms & h) >= min(2, len(h)) and _CAUSAL.search(claim) for h in herrings):
                speculation = speculation or s
    grounded = bool(readable) and not speculation
    result.append(
        Check("no_speculation", COM, grounded, 1.5,
              "States facts, not guesses." if grounded
              else "Speculates about a cause that has not been confirmed." if speculation
              else "No update of the participant's own to judge.",
              _short(speculation))
    )  # fmt: skip
    promise = next((m for u in updates if (m := _FIX_PROMISE.search(affirmative(u)))), None)
    result.append(
        Check("no_promised_fix_time", COM, bool(readable) and not promise, 1,
              "Promises a fix time nobody can guarantee yet." if promise
              else "Promises no fix time it cannot keep." if readable else "No update of the participant's own to judge.",
              _sentence_with(next(u for u in updates if _FIX_PROMISE.search(affirmative(u))), promise.group(0)) if promise else "")
    )  # fmt: skip
    # Updates that both give an unconfirmed cause and promise a fix time tell stakeholders what is not
    # so, however well they read: a gate, as for a customer update that misleads in two ways.
    misleads = bool(speculation) and promise is not None
    result.append(
        Check("updates_do_not_mislead", COM, not misleads, 0,
              "Tells stakeholders what is not so: an unconfirmed cause and a fix time nobody can guarantee."
              if misleads else "Tells stakeholders nothing untrue.",
              _short(speculation) if misleads else "", gate=True, assessed=bool(readable),
              doubt="the gate fired on the fewest ways of misleading it takes" if misleads else "")
    )  # fmt: skip
    # Updates go to stakeholders and the status page: clear to them is the top of the scale. Updates
    # without a time for the next one leave them waiting (3 at most); in note shorthand they must
    # decode, they are not yet clear (4 at most).
    result.append(
        Check("updates_promise_a_time", COM, committed, 0,
              "The updates say when the next one comes." if committed
              else "Stakeholders are not told when to expect the next update (at most 3).",
              "", ceiling=3, assessed=bool(readable))
    )  # fmt: skip
    public = [u for u in updates if not _INTERNAL.match(u)]
    clipped = bool(readable) and shorthand_rate("\n".join(public)) >= SHORTHAND_RATE
    result.append(
        Check("updates_in_plain_words", COM, not clipped, 0,
              "Written in note shorthand (w/, +, ->, clipped words) stakeholders have to decode (at most 4)."
              if clipped else "Written in words stakeholders can read without decoding.",
              "", ceiling=4, assessed=bool(readable))
    )  # fmt: skip
    return result


# An update addressed inside the company ("@VP Support: ...", "Internal: ...") may be written as notes.
_INTERNAL = re.compile(
    r"\s*(?:@|internal\b|vp\b|to (?:the )?(?:vp|exec\w*|leadership|support|engineering|sre)\b)", re.I
)
_NOT_GAMING = ("the answer is not about this scenario", "the answer is empty or too short to assess")
# A clause that strings this many short items together ("rolling back, restarting, failing over,
# scaling out and rate limiting") offers every option instead of the one being taken.
ENUMERATED_ITEMS = 4
_ITEM_SPLIT = re.compile(r",|\s(?:and|or|and/or)\s|/")
_CLAUSE_SPLIT = re.compile(r"[.;:!?\n]")


def _enumerated(text: str) -> str:
    """Why updates list every option at once instead of saying what holds, or '': at least half of
    their sentences (two or more) each string four or more short items together, the way a
    keyword-stuffed update reads once it is put in sentences."""
    listing = 0
    said = sentences(text)
    for sentence in said:
        for clause in _CLAUSE_SPLIT.split(sentence):
            items = [tokens(part) for part in _ITEM_SPLIT.split(clause)]
            if sum(1 for words in items if 1 <= len(words) <= 3) >= ENUMERATED_ITEMS:
                listing += 1
                break
    if listing >= 2 and listing * 2 >= len(said):
        return "the updates list every cause and action at once instead of saying what holds"
    return ""


def _gamed(ctx: ScoringContext, text: str) -> str:
    """Why a text can earn nothing, or ''. No text at all is not gaming: it just earns no text checks."""
    read = ctx.profile(text)
    if read.empty:
        return ""
    if not read.gamed and _copied_share(ctx, text) >= PASTED_SHARE:
        # A drill's injects are short: pasted one after another they stay under the profile's bar
        # for copied text (its phrases straddle the joins), yet the participant wrote nothing.
        return "the text mostly repeats the drill's own messages"
    if (
        read.off_topic
        and not (read.gibberish or read.copied or read.stuffed)
        and _scenario_share(ctx, text) >= 0.4
    ):
        # The profile judges topic by uncommon words only; a short, plain-worded weak log still
        # talks about this incident, and its checks, not the gate, should say how weak it is.
        return ""
    return read.gamed


def _copied_share(ctx: ScoringContext, text: str) -> float:
    """The share of a text's words that sit inside a 6-word phrase of the drill itself. Unlike the
    share of phrases, it does not drop when short injects are pasted one after another."""
    words = tokens(text)
    covered = [False] * len(words)
    for i in range(len(words) - SHINGLE + 1):
        if tuple(words[i : i + SHINGLE]) in ctx.vocabulary.shingles:
            covered[i : i + SHINGLE] = [True] * SHINGLE
    return sum(covered) / len(words) if words else 0.0


def _scenario_share(ctx: ScoringContext, text: str) -> float:
    words = content_tokens(text)
    return (
        sum(1 for w in words if w in ctx.vocabulary.words or w in DOMAIN_WORDS) / len(words) if words else 0.0
    )


def _decisions(answer) -> dict[str, str]:
    raw = answer.get("decisions") if isinstance(answer, dict) else None
    return {str(k): str(v) for k, v in raw.items() if v} if isinstance(raw, dict) else {}


def _status(update: str):
    """What the update says is being done; a promised fix time is not a status."""
    for sentence in sentences(update):
        match = _STATUS.search(affirmative(sentence))
        if match and not _FIX_PROMISE.search(sentence):
            return match
    return None


def _posted_at(ctx: ScoringContext, updates: list[str]) -> list[float]:
    """When each update first appeared: the first revision holding its text, else the first that
    held as many updates. Empty when there are no revisions."""
    if not ctx.revisions:
        return []
    posted = []
    for index, update in enumerate(updates):
        text = update.strip()
        at = next((elapsed for elapsed, answer in ctx.revisions if text in _revision_updates(answer)), None)
        if at is None:
            at = next(
                (elapsed for elapsed, answer in ctx.revisions if len(_revision_updates(answer)) > index), None
            )
        if at is None:
            return []
        posted.append(at)
    return sorted(posted)


def _revision_updates(answer) -> list[str]:
    raw = answer.get("stakeholder_updates") if isinstance(answer, dict) else None
    return [u.strip() for u in raw if isinstance(u, str) and u.strip()] if isinstance(raw, list) else []


def _options(ctx: ScoringContext, did: str) -> dict[str, str]:
    point = next((p for p in ctx.payload.get("decision_points", []) if p["id"] == did), {})
    return {o["id"]: o["text"] for o in point.get("options", [])}


def _signal_injects(ctx: ScoringContext) -> list[dict]:
    """The injects that carry evidence about the real cause."""
    herrings = set(ctx.key.get("red_herring_inject_ids") or [])
    return [
        i
        for i in ctx.payload.get("injects", [])
        if i["id"] not in herrings and i.get("kind") in ("alert", "log_excerpt", "change", "metric")
    ]


def _signal_terms(ctx: ScoringContext) -> set[str]:
    return set().union(*(_terms(i["text"]) for i in _signal_injects(ctx))) - _STOP


def _herrings(ctx: ScoringContext) -> list[frozenset[str]]:
    """Each red herring's own words: not shared with the cause or the real evidence."""
    herrings = set(ctx.key.get("red_herring_inject_ids") or [])
    real = _signal_terms(ctx) | _terms(ctx.key["root_cause"])
    out = []
    for inject in ctx.payload.get("injects", []):
        if inject["id"] in herrings:
            own = frozenset(_terms(inject["text"]) - real - _STOP)
            if own:
                out.append(own)
    return out


def _impact_terms(ctx: ScoringContext) -> set[str]:
    title = ctx.payload.get("title", "").split(":", 1)[-1]
    reports = " ".join(
        i["text"].split(":", 1)[-1]
        for i in ctx.payload.get("injects", [])
        if i.get("kind") == "customer_report"
    )
    return set(_terms(f"{title} {reports}")) - _STOP


def _minutes(sentence: str) -> int | None:
    match = _TIME.search(sentence)
    if not match or not match.group(2):
        return None
    amount = int(match.group(2))
    return amount * 60 if match.group(3).lower().startswith(("hour", "hr")) else amount


def _best(own: list[tuple[str, frozenset[str]]], terms: set[str]) -> str:
    return _short(max(own, key=lambda item: len(item[1] & terms))[0]) if own else ""


def _sentence_with(text: str, fragment: str) -> str:
    low = fragment.lower()
    return _short(next((s for s in sentences(text) if low in s.lower()), ""))


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s"


_short = short


def _terms(text: str) -> frozenset[str]:
    return _shared_terms(text, _STOP)
