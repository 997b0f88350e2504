"""log_investigation: find what broke, when, the evidence for it, and a safe mitigation.

The answer is read against the answer key the way a senior engineer reviews an investigation:
is the cause the real one (not a red herring), do the cited lines and traces actually show it,
does the onset match the first failure, is the fix safe, and did the search trail converge on
the evidence or wander. The HTTP reading (status codes and what they mean) is judged on its own.

Cited evidence is read from `ctx.cited_lines` only, never from `payload["logs"]`, so the score is
the same offline (full payload) and from the database (view payload without logs).
"""

import copy
import functools
import math
import re
from datetime import UTC, datetime, timedelta

from scoring.checks import Check
from scoring.context import ScoringContext
from scoring.text import (
    FUNCTION_WORDS,
    affirmative,
    distinctive_terms,
    filler,
    hedges,
    negated_spans,
    quote,
    sentences,
    stem,
    tokens,
    words,
)

VERSION = 13  # 13: a herring is blamed by its own words, not the failing lines' or the ticket's; a
# failure explained by a herring, or called benign, is at most 2 on api_http
# 12: evidence told as the story of a red herring, or of the failure called benign, caps
# observability at 2 (no cause at all: 3)
# 11: a root cause that holds several causes open names none of them
# 10: the shared toolkit reads a verdict that ends a list as taking it back ("X, or Y, would be the wrong trade",
# "is too risky"), a negated list running on to a closing ", or" as negated throughout, and more filler
# ("any of these might be involved, or none", "SEV3 might also fit"); an unsafe act defined by what it leaves out ("keys that never expire") needs
# the sentence to leave it out too; a herring named by its identifier and made the cause ("came in with the
# notification-service deploy") is blamed
# 9: an answer that names the failing status and the actual cause has read the status
# 8: the shared toolkit reads a term list joined by line breaks as stuffed, counts another
# cause only by words the scenario does not use, reads "pointless", "futile", "would make it worse" as
# taking back, and folds note shorthand ("mgr", "repo", "creds");
# a root cause that calls a line showing the failure harmless ("a known false positive") names no
# cause; a terse cause retelling the signal lines names it; an investigation without the cause scores
# observability 3 at most (2 when its cause is held open among several); a note's "X = other client"
# weighs a hypothesis; "page_size=500" is no status
# 7: the shared toolkit reads topic by stem too (at half weight),
# a negation label ("Off the table:") takes back its list, "would not help" its action; every phase as an
# activity ("investigating, mitigating and resolving") and three ", or" alternatives are filler
# 6: a negated list runs on past a version or a clock time ("Do NOT: roll back v4.18.0, restart
# Postgres"), "things I would refuse:" rejects its list; searches for the ticket's ids, and for red herrings
# the answer rules out, are aimed; the ticket's own words do not name the cause; a path template names the
# failing path; "turns that into a 500" reads the status; a status inside a larger number is none
# 5: an unsafe act counts only on its own object, in the same clause ("this removes the leaking
# cache" removes no memory limit); a list under the writer's own rejection ("shortcuts I'd reject:") is not proposed;
# a red herring joined to the story "at the same time as" another is blamed, not set aside
# 4: an unsafe action is proposed only by a sentence that holds its action, not only its objects;
# a red herring set aside beside the actual cause ("a separate issue", "a coincidence") is not blamed
# 3: words joined by a slash are read apart; a red herring named as the cause sinks troubleshooting
# 2: shared text toolkit (stems, synonyms, negation scope); the trail not assessed without events
T = "troubleshooting"
A = "api_http"
O = "observability"  # noqa: E741

HEDGING_IDS = 30
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_TRACE_IN_TEXT = re.compile(r"\b[0-9a-f]{32}\b")
# "503", "HTTP 503s"; not three digits of a larger number ("2,488,505", "1.500").
_STATUS = re.compile(r"(?<![\d,.])\b([45]\d\d)(?:s|es)?\b(?![,.]\d)")
# A status code inside a log message or a raw response ("returned 503", "HTTP/1.1 401"), not any
# number that looks like one ("cl_waiting=405").
_STATUS_IN_LOG = re.compile(
    r"\b(?:HTTP(?:/[\d.]+)?|status|returned|responded|answer(?:ed|s)?|code)[\s:=]*([45]\d\d)\b", re.I
)
_CLOCK = re.compile(
    r"(?:(\d{4})-(\d{2})-(\d{2})[T ])?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*"
    r"(Z\b|(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d{2})?|UTC\b|GMT\b)?",
    re.I,
)
_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?")
_REQUEST_LINE = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE) (/[^\s?]+)")
_METHOD_LINE = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) /")
_ID_TOKEN = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]{5,}\b")  # "tn_6b2e91d4c7", "req_57aba4ade943"
_NEGATED = re.compile(
    r"\b(not|no|never|unrelated|ruled out|rule out|red herring|rather than|instead of|irrelevant|"
    r"coincidental|coincidence|noise|benign|harmless|routine|dismissed|excluded|avoid|don't|do not|discarded|"
    r"eliminated|set aside|different|another tenant|separate|elsewhere)\b",
    re.I,
)
_TESTED = re.compile(
    r"\b(ruled out|rule out|rejected|confirmed|disproved|tested|checked|verified|compared|because|since|"
    r"but|unrelated|not the cause|does not|doesn't|did not|didn't|only|before the onset|red herring|discarded|"
    r"eliminated|excluded|dismissed|pre-?dat\w*|post-?dat\w*|after (?:the )?onset)\b|"
    # A note's verdict on what it weighed: "invalid_client = other client", "deploy -> after onset".
    r"(?<=\w)\s(?:=|->|→)\s(?=\w)",
    re.I,
)
_METRICS = re.compile(
    r"(error[- ]rate|\bp(50|95|99)\b|latency|saturation|dashboard|metric|graph|spike|utili[sz]ation)", re.I
)
_TRACE_WORDS = re.compile(r"\b(trace|traces|span|spans|waterfall)\b", re.I)
_SAMPLE_WORDS = re.compile(
    r"(http sample|sample request|response body|\bheaders?\b|retry-after|traceparent)", re.I
)
_HEALTHY = re.compile(
    r"(other (tenants?|customers?|clients?)|healthy|successful|succeed\w*|works? fine|still works?|"
    r"\b2\d\d\b|\b2xx\b)",
    re.I,
)
# What each failing status means, and readings of it that are wrong.
_MEANING = {
    "400": r"bad request|invalid|malformed|validation|client",
    "401": r"auth|credential|token|secret|unauthori[sz]ed|invalid_client|expired|log ?in|identity",
    "403": r"forbidden|permission|authori[sz]|role|denied|not allowed|access|scope",
    "404": r"not found|missing|does not exist|unknown|no such|(can'?t|cannot|could ?n[o']t|unable to|fails? to) find|"
    r"no row|not (yet )?(there|visible)",
    "409": r"conflict|stale|version|concurren|if-match|precondition",
    "410": r"gone|sunset|retired|deprecat|removed|no longer (available|supported)|decommission",
    "429": r"rate[- ]?limit|too many|throttl|retry-after|quota|back-?off|token bucket|no tokens|tokens? left|allowance|"
    r"ceiling|\blimit",
    "500": r"server|exception|bug|unhandled|internal|crash|error in (our|the) code",
    "502": r"upstream|gateway|backend|crash|restart|reset|unhealthy|server|oom",
    "503": r"unavailable|upstream|overload|pool|capacity|server|exhaust|saturat|outage|provider|backend",
    "504": r"time ?out|timed out|upstream|gateway|slow|server",
}
_CLIENT_MEANING = r"client|request|auth|permission|limit"
_SERVER_MEANING = r"server|upstream|backend|service|outage|unavailable|time ?out|timed out"
_MISREAD_4XX = (
    r"crash|server[- ]side (error|failure|bug)|server error|internal error|outage|servers? (is |are )?down|"
    r"overload|\b5xx\b|(?<![=\d.,:])\b5\d\d\b(?![,.]\d|\s*(?:ms|rps|req|records|rows|items|per|mb|kb)\b)"
)
_MISREAD_5XX = (
    r"client error|customer'?s? (fault|mistake|error)|bad request|user error|invalid credentials|"
    r"authenticat|permission|forbidden|\b4xx\b|their (code|integration) is wrong"
)
_MISREAD_EXTRA = {"401": r"permission|forbidden|rate[- ]?limit", "403": r"rate[- ]?limit|expired"}
_MEANING_RE = {code: re.compile(pattern, re.I) for code, pattern in _MEANING.items()}
_CLIENT_RE, _SERVER_RE = re.compile(_CLIENT_MEANING, re.I), re.compile(_SERVER_MEANING, re.I)
# A 5xx read as the service reporting a failure behind it: "tracking-service turns that into a 500",
# "the customer sees it as a 500", "INSERT fails -> 500".
_SURFACES_AS = re.compile(
    r"\b(?:turns?|turned|turning|translates?|maps?) (?:[\w'-]+ ){1,4}into an? (?:http )?5\d\d|"
    r"\b(?:surfaces?|surfaced|shows? up|showing up|sees? (?:it|this|that)|comes? back) as an? (?:http )?5\d\d|"
    r"(?:->|→|=>)\s*(?:http\s*)?5\d\d\b",
    re.I,
)
_MISREAD_RE = {
    "4": re.compile(_MISREAD_4XX, re.I),
    "5": re.compile(_MISREAD_5XX, re.I),
    **{code: re.compile(pattern, re.I) for code, pattern in _MISREAD_EXTRA.items()},
}
# Failures that show below HTTP status codes: (what, how the scenario shows it, how an answer names it).
_FAILURE_MODES = tuple(
    (name, re.compile(seen, re.I), re.compile(named, re.I))
    for name, seen, named in (
        ("a TLS certificate failure", r"x509|certificate", r"x509|certificate|\btls\b|\bssl\b"),
        ("a DNS failure", r"nxdomain|cname", r"nxdomain|cname|\bdns\b|resolv"),
        ("a timeout", r"timed out|timeout", r"timed? ?out|timeout|deadline"),
        ("missing idempotency", r"idempotency", r"idempoten"),
        ("consumer lag", r"consumer|partition", r"\blag\b|backlog|partition|consumer"),
        ("a time zone error", r"time ?zone|naive datetime", r"time ?zone|\butc\b|offset"),
    )
)
# Words that say nothing about which cause or fix a text names: every mitigation has "customer";
# "because" and "inside" name nothing. (scoring.text's ENGLISH also drops the domain's own words such
# as "secret" and "pool", which are exactly the words that do name a cause or a fix.)
_UNINFORMATIVE = frozenset(
    """customer customers tenant tenants support affected users user team teams once after before then
    until every because under while inside when where which there these those make makes made still
    many much some into onto from with without within have been being were will would should could
    other others same such only also just like than that this them they their what your yours more
    most less least very each both either neither never always often again through""".split()  # noqa: SIM905
)  # fmt: skip


def checks(ctx: ScoringContext) -> list[Check]:
    answer = ctx.answer if isinstance(ctx.answer, dict) else {}
    text = ctx.text("root_cause", "mitigation", "hypotheses", "notes")
    root_cause = ctx.text("root_cause")
    mitigation = ctx.text("mitigation")
    reasoning = ctx.text("hypotheses", "notes")
    gamed = ctx.profile(text).gamed
    result = [
        Check(f"readable_investigation_{d}", d, not gamed, 0,
              gamed or "The investigation is readable text about this scenario.", gate=True)
        for d in (T, A, O)
    ]  # fmt: skip
    facts = _Facts.of(ctx)
    evidence = _Evidence(ctx, facts, answer.get("evidence_ids"))
    cause = _root_cause(ctx, facts, root_cause)
    result += _troubleshooting(ctx, facts, evidence, cause, mitigation, reasoning)
    result += _api_http(facts, cause, text)
    # What the answer argues from (not the metrics its mitigation says to watch afterwards).
    argued = ctx.text("root_cause", "hypotheses", "notes")
    result += _observability(facts, evidence, cause, argued, str(answer.get("onset") or ""))
    result.append(_story_has_a_cause(cause, root_cause))
    return result


def _story_has_a_cause(cause: "_Cause", root_cause: str) -> Check:
    """Evidence without a cause is an incomplete story (3 at most); a cause held open among several
    ("it could be the WAF, the deploy or the database") is an opinion, not a story, and evidence told
    as the story of a red herring, or of the failure called benign, leads away from the cause (2 at
    most)."""
    if cause.identified:
        return Check("story_has_a_cause", O, True, 0, "The evidence leads to a cause.")
    hedged = filler(root_cause).reasons
    if hedged:
        message = f"The root cause {hedged[0]}: the evidence tells no story (at most 2)."
    elif cause.misled:
        message = (
            "The evidence is told as the story of another cause: it leads away from the failure (at most 2)."
        )
    else:
        message = "The evidence does not lead to the actual cause: an incomplete story (at most 3)."
    return Check(
        "story_has_a_cause", O, False, 0, message,
        root_cause[:240], ceiling=2 if hedged or cause.misled else 3,
    )  # fmt: skip


class _Facts:
    """What the answer key and the payload say the investigation should find."""

    @classmethod
    def of(cls, ctx: ScoringContext) -> "_Facts":
        """The scenario's facts, read once per scenario; each answer gets its own copy of every
        set, list and dict, which `learn_from` adds to."""
        facts = copy.copy(ctx.per_scenario("investigation.facts", lambda: cls(ctx)))
        for name, value in vars(facts).items():
            if isinstance(value, set | list | dict):
                setattr(facts, name, value.copy())
        return facts

    def __init__(self, ctx: ScoringContext):
        key, payload = ctx.key, ctx.payload
        self.root_cause = key.get("root_cause", "")
        self.signal_messages = frozenset(key.get("signal_messages") or [])
        self.signal_lowered = tuple(m.lower() for m in self.signal_messages)
        evidence = key.get("key_evidence") or []
        self.key_lines = {e["line_id"]: e for e in evidence}
        # A system line (a deploy, a periodic job) cited as evidence may have no trace or request.
        self.key_traces = {e["trace_id"] for e in evidence if e.get("trace_id")}
        self.key_requests = {e["request_id"] for e in evidence if e.get("request_id")}
        self.herrings = key.get("red_herrings") or []
        self.herring_by_message = {h["message"]: h for h in self.herrings}
        self.herring_lowered = tuple(h["message"].lower() for h in self.herrings)
        self.herring_by_line = {line_id: h for h in self.herrings for line_id in h.get("line_ids", [])}
        self.onset = _parse_iso(key.get("onset", ""))
        self.tolerance = float(key.get("onset_tolerance_seconds") or 120)
        mitigations = key.get("mitigations") or {}
        self.safe = list(mitigations.get("safe") or [])
        self.unsafe = list(mitigations.get("unsafe") or [])

        signal_words = set()
        for message in self.signal_messages:
            signal_words |= distinctive_terms(message)
        self.signal_terms = {_stem(t) for t in signal_words if not t.startswith(("tn_", "req_"))}
        self.cause_terms = _terms(self.root_cause)
        # The system names the cause and its failing lines use ("apikeys-service"): never a herring's alone.
        self.cause_identifiers = {
            w
            for text in (self.root_cause, *self.signal_messages)
            for w in _raw_words(text.lower())
            if _IDENTIFIER.match(w)
        }
        # Each failing line's own words, for a root cause that calls one of them harmless.
        self.signal_message_terms = tuple(
            (m, frozenset(_stem(t) for t in distinctive_terms(m) if not t.startswith(("tn_", "req_"))))
            for m in sorted(self.signal_messages)
        )
        known_cause = self.cause_terms | self.signal_terms
        # A herring is told by its own words: not the failing lines' ("lag" of a replica and of a
        # partition), not the ticket's ("orders"), not the digits of a name ("replica-2").
        failing = set().union(*(_terms(m) for m in self.signal_messages)) if self.signal_messages else set()
        ticket = payload.get("ticket") or {}
        self.ticket_terms = _terms(
            " ".join(str(ticket.get(f) or "") for f in ("subject", "body", "error_snippet"))
            if isinstance(ticket, dict)
            else ""
        )
        self.herring_terms = [(h, _terms(h["message"]) - known_cause) for h in self.herrings]
        # Blaming a herring is read on these (ruling one out has its own cue, a negation or a test).
        self.herring_own_terms = [(h, _own_herring_terms(h["message"], known_cause, failing | self.ticket_terms))
                                  for h in self.herrings]  # fmt: skip
        # The names a herring goes by that the cause does not share ("notification-service", "v3.9.2").
        self.herring_names = [
            (h, names)
            for h in self.herrings
            if (
                names := {w for w in _raw_words(h["message"].lower()) if _IDENTIFIER.match(w)}
                - self.cause_identifiers
            )
        ]
        safe_terms = set().union(*(_terms(m) for m in self.safe)) if self.safe else set()
        self.safe_terms = [(m, _terms(m)) for m in self.safe]
        # An unsafe action often shares words with the safe one ("secret"); it is recognised by its
        # own words plus enough of the rest.
        self.unsafe_terms = [
            (m, _terms(m), _terms(m) - safe_terms - self.cause_terms, _actions(m)) for m in self.unsafe
        ]

        traces = payload.get("traces") or []
        samples = payload.get("http_samples") or []
        self.failing_traces = {
            t["trace_id"] for t in traces if any(s.get("status") == "error" for s in t["spans"])
        }
        self.payload_traces = {t["trace_id"] for t in traces} | {s["trace_id"] for s in samples}
        self.error_spans = [s for t in traces for s in t["spans"] if s.get("status") == "error"]
        failing = [s for s in samples if s["response"]["status"] >= 400]
        self.healthy_samples = [s for s in samples if s["response"]["status"] < 400]
        self.failing_statuses = {str(s["response"]["status"]) for s in failing}
        for message in self.signal_messages:
            self.failing_statuses.update(_STATUS_IN_LOG.findall(message))
        self.failing_paths = {_url_path(s["request"]["url"]) for s in failing}
        ticket = payload.get("ticket") or {}
        snippet = str(ticket.get("error_snippet") or "") if isinstance(ticket, dict) else ""
        self.failing_statuses.update(_STATUS_IN_LOG.findall(snippet))
        self.failing_paths.update(_REQUEST_LINE.findall(snippet))
        self.failing_methods = {str(s["request"].get("method") or "").lower() for s in failing} | {
            m.lower() for m in _METHOD_LINE.findall(snippet)
        }
        self.failing_methods.discard("")
        self.failing_requests = self.key_requests | {s["request_id"] for s in failing}
        # The ids the customer reports (tenant, request, object): searching for them follows the ticket.
        reported = (
            " ".join(str(ticket.get(f) or "") for f in ("body", "error_snippet"))
            if isinstance(ticket, dict)
            else ""
        )
        self.ticket_ids = frozenset(
            t for t in _ID_TOKEN.findall(reported.lower()) if any(c.isdigit() for c in t)
        )
        self.healthy_ids = {s["request_id"] for s in self.healthy_samples} | {
            s["trace_id"] for s in self.healthy_samples
        }
        dashboard = payload.get("dashboard") or {}
        self.dashboard_service = dashboard.get("service", "")
        metric = (dashboard.get("saturation_metric") or {}).get("name", "")
        self.metric_terms = {t for t in tokens(metric) if len(t) >= 4 and t not in _UNINFORMATIVE}
        self.dashboard_events = [
            (e.get("kind", ""), distinctive_terms(e.get("label", ""))) for e in dashboard.get("events") or []
        ]
        evidence_text = " ".join([self.root_cause, *self.signal_messages])
        self.failure_modes = [
            (name, named) for name, seen, named in _FAILURE_MODES if seen.search(evidence_text)
        ]
        self.signal_services = {self.dashboard_service, *(s["service"] for s in self.error_spans)} - {""}

    def learn_from(self, signal_lines: list[dict]) -> None:
        """The cited signal lines name more of the failure: its services, statuses and paths."""
        for line in signal_lines:
            self.signal_services.add(line.get("service", ""))
            if (line.get("status") or 0) >= 400:
                self.failing_statuses.add(str(line["status"]))
                self.failing_paths.add(line.get("path", ""))
            self.failing_requests.add(line.get("request_id", ""))
        for found in (self.signal_services, self.failing_paths, self.failing_requests):
            found.discard("")


class _Evidence:
    """The cited ids sorted into signal, red herrings, noise (real but irrelevant) and unknown."""

    def __init__(self, ctx: ScoringContext, facts: _Facts, ids):
        ids = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
        self.ids = list(dict.fromkeys(ids))
        self.hedging = len(self.ids) >= HEDGING_IDS
        self.signal: list[str] = []
        self.herrings: list[tuple[str, dict]] = []
        self.noise: list[str] = []
        self.unknown: list[str] = []
        self.signal_lines: list[dict] = []
        lines = ctx.cited_lines or {}
        line_traces = {line.get("trace_id"): line for line in lines.values()}
        for cited in self.ids:
            line = lines.get(cited)
            if line is not None:
                herring = facts.herring_by_message.get(line.get("message")) or facts.herring_by_line.get(
                    cited
                )
                if line.get("message") in facts.signal_messages or cited in facts.key_lines:
                    self.signal.append(cited)
                    self.signal_lines.append(line)
                elif herring:
                    self.herrings.append((cited, herring))
                else:
                    self.noise.append(cited)
            elif _TRACE_ID.match(cited):
                owner = line_traces.get(cited)
                if (
                    cited in facts.key_traces
                    or cited in facts.failing_traces
                    or (owner is not None and owner.get("message") in facts.signal_messages)
                ):
                    self.signal.append(cited)
                elif owner is not None or cited in facts.payload_traces:
                    self.noise.append(cited)
                else:
                    self.unknown.append(cited)
            else:
                self.unknown.append(cited)
        facts.learn_from(self.signal_lines)
        self.signal_traces = (
            facts.key_traces | facts.failing_traces | {line.get("trace_id") for line in self.signal_lines}
        ) - {None}


class _Cause:
    """Whether the root cause is the real one, why (or why not), and the words that show it."""

    def __init__(
        self,
        identified: bool,
        message: str,
        quoted: str,
        herring: dict | None = None,
        *,
        misled: bool = False,
    ):
        self.identified, self.message, self.quote = identified, message, quoted
        self.herring = herring  # the red herring the answer names as the cause, if it does
        # Whether the answer tells another story: a red herring blamed, or the failure called benign.
        self.misled = misled or herring is not None


def _root_cause(ctx: ScoringContext, facts: _Facts, root_cause: str) -> _Cause:
    # The ticket's own words ("tracking", "events", "shipments") restate the symptom, not the cause.
    words = _stems(root_cause) - facts.ticket_terms
    cause_hits = facts.cause_terms & words
    signal_hits = facts.signal_terms & words
    share = len(cause_hits) / max(len(facts.cause_terms - facts.ticket_terms), 1)
    matched = len(cause_hits) >= 2 and (share >= 0.3 or len(signal_hits) >= 2)
    # An answer that names the actual cause and sets a red herring aside in words that do not negate
    # it ("large pages are slow, a separate issue"; "ran in the same window, a coincidence") does not
    # blame it.
    # Terse notes retell the failing lines as the cause ("key abused from 198.51.100.23, sequential
    # paging, concurrent use from 2 networks"): one word of the key's cause and four of its signal.
    matched = matched or (len(cause_hits) >= 1 and len(signal_hits) >= 4)
    herring = _blamed_herring(facts, root_cause, beside_cause=matched)
    if root_cause and ctx.profile(root_cause).stuffed:
        return _Cause(False, "The root cause lists keywords instead of naming one cause.", root_cause[:240])
    # A root cause that holds several causes open ("it could be time zones, encoding or the export's
    # timing; it is possible nothing changed") names none of them, whichever it lists.
    found = filler(root_cause)
    if matched and (found.both_ways or found.unknown_unknowns or hedges(root_cause) >= 2):
        return _Cause(False, "Holds several causes open instead of naming one.", root_cause[:240])
    dismissed = _dismissed_signal(facts, root_cause)
    if dismissed is not None:
        return _Cause(
            False, f"Calls the failure the logs show benign ({dismissed[0]}).", dismissed[1], misled=True
        )
    if herring is not None:
        why = herring.get("why_not", "")
        return _Cause(
            False,
            f"Blames a red herring ({herring['message']}); it is not the cause. {why}".strip(),
            _quote(root_cause, _herring_terms(facts, herring)) or root_cause[:240],
            herring,
        )
    if matched:
        return _Cause(
            True,
            "Names the actual root cause, in the terms the logs use.",
            _quote(root_cause, cause_hits),
        )
    if not root_cause:
        return _Cause(False, "Gives no root cause.", "")
    return _Cause(
        False,
        "The root cause does not match what the logs show (too vague, or a different cause).",
        root_cause[:240],
    )


# What calls a signal harmless: "the 'used from 2 networks' warning is a known false positive",
# "there is no sign of misuse".
_DISMISSAL = re.compile(
    r"\b(?:false (?:positive|alarm)s?|nothing to worry about|benign|harmless|(?:is|are|was|were) expected|"
    r"no (?:sign|signs|evidence|indication) of (?:misuse|abuse|compromise|attack|unauthori[sz]ed|malicious|an? attack))\b",
    re.I,
)


def _dismissed_signal(facts: _Facts, root_cause: str) -> tuple[str, str] | None:
    """(signal message, sentence) when the root cause calls a line that shows the failure harmless."""
    for sentence in _sentences(root_cause):
        if not _DISMISSAL.search(sentence):
            continue
        said = _stems(sentence)
        for message, terms in facts.signal_message_terms:
            if len(terms & said) >= 2:
                return message, sentence[:240]
    return None


def _troubleshooting(ctx, facts: _Facts, evidence: _Evidence, cause: _Cause, mitigation: str, reasoning: str):
    result = [Check("root_cause_identified", T, cause.identified, 3, cause.message, cause.quote)]
    # A red herring named as the cause sends the fix the wrong way however well the rest reads: the
    # expert reading of such an investigation is 1. A vague or missing cause only loses its weight.
    herring = cause.herring
    result.append(
        Check(
            "cause_is_not_a_red_herring", T, herring is None, 0,
            "The cause named is not one of the logs' red herrings." if herring is None
            else f"Names a red herring as the cause ({herring['message']}); the fix would go the wrong way.",
            cause.quote if herring else "", gate=True,
            doubt=_doubt(cause.quote, 2) if herring else "",
        )
    )  # fmt: skip

    unsafe = _unsafe_mitigation(facts, mitigation)
    result.append(
        Check(
            "no_unsafe_mitigation", T, unsafe is None, 0,
            "Proposes nothing risky." if unsafe is None
            else f"Proposes an unsafe action (close to: {unsafe[0]}); this alone sinks the investigation.",
            unsafe[1] if unsafe else "", gate=True, doubt=unsafe[2] if unsafe else "",
        )
    )  # fmt: skip

    safe = _safe_mitigation(facts, mitigation)
    result.append(
        Check(
            "safe_mitigation", T, safe is not None,  2,
            f"Proposes a safe, fitting mitigation ({safe[0]})." if safe
            else "The mitigation does not match a safe fix for this cause.",
            safe[1] if safe else mitigation[:240],
        )
    )  # fmt: skip

    tested = _TESTED.search(reasoning)
    several = len(_sentences(ctx.text("hypotheses"))) >= 2
    result.append(
        Check(
            "hypotheses_tested", T, bool(tested and several), 1.5,
            "Weighs more than one hypothesis and says how each was tested." if tested and several
            else "Does not show the hypotheses considered and how they were tested.",
            _quote(reasoning, [tested.group(0)]) if tested else "",
        )
    )  # fmt: skip

    ruled_out = _ruled_out_herring(facts, reasoning)
    result.append(
        Check(
            "red_herring_ruled_out", T, ruled_out is not None, 1,
            f"Rules out a red herring ({ruled_out[0]['message']})." if ruled_out
            else "Does not rule out the misleading signals in the logs.",
            ruled_out[1] if ruled_out else "",
        )
    )  # fmt: skip

    trail = _Trail(ctx.events, facts, evidence, tests_herrings=ruled_out is not None)
    # With no search or trace recorded (an answer scored offline without its events, or events that
    # hold none, or searches with no filter that can be read), there is no trail to judge: the checks
    # are not assessed and troubleshooting is scored on the rest.
    recorded = trail.recorded
    unrecorded = "No log searches were recorded with this answer, so the search trail is not assessed."
    result.append(
        Check(
            "targeted_searches", T, trail.targeted, 1.5,
            trail.targeted_message if recorded else unrecorded, trail.targeted_quote, assessed=recorded,
        )
    )  # fmt: skip
    result.append(
        Check(
            "converges_on_evidence", T, trail.converged, 1.5,
            trail.converged_message if recorded else unrecorded, trail.converged_quote, assessed=recorded,
        )
    )  # fmt: skip
    return result


def _api_http(facts: _Facts, cause: _Cause, text: str):
    result = [
        Check(
            "diagnoses_the_failure", A, cause.identified, 2,
            "Diagnoses the failing integration correctly." if cause.identified
            else "Diagnoses the failure as something else the logs show (at most 2)." if cause.misled
            else "Does not diagnose the failure.",
            cause.quote,
            # Reading the status right and then explaining it by a red herring, or calling the failing
            # lines benign, misreads how the integration fails.
            ceiling=2 if cause.misled else 5,
        )
    ]  # fmt: skip
    statuses = sorted(facts.failing_statuses)
    in_text = set(_STATUS.findall(text))
    mentioned = [code for code in statuses if code in in_text]
    if statuses:
        result.append(
            Check(
                "names_failing_status", A, bool(mentioned), 1.5,
                f"Names the failing status code ({', '.join(mentioned)})." if mentioned
                else f"Does not say which status code the failing requests get ({', '.join(statuses)}).",
                _quote(text, mentioned),
            )
        )  # fmt: skip
        correct, misread = _status_readings(text, set(statuses))
        # An answer that names the failing status and explains the actual cause has read the status
        # through that cause ("the database refuses new transaction ids, so every write returns 500").
        explained = not correct and cause.identified and _status_by_cause(facts, text, mentioned)
        passed = bool(correct or explained) and not misread
        if misread:
            message = f"Misreads HTTP {misread[0]}: it means {_reading(misread[0])}."
        elif correct:
            message = f"Reads HTTP {correct[0]} correctly ({_reading(correct[0])})."
        elif explained:
            message = f"Explains the HTTP {mentioned[0]}s by the actual cause."
        else:
            message = f"Does not say what the failing status ({', '.join(statuses)}) means."
        result.append(
            Check(
                "reads_status_correctly",
                A,
                passed,
                2,
                message,
                misread[1] if misread else correct[1] if correct else explained or "",
            )
        )
    elif facts.failure_modes:
        named = next(
            ((name, m) for name, pattern in facts.failure_modes if (m := pattern.search(text))), None
        )
        result.append(
            Check(
                "names_failing_status", A, named is not None, 1.5,
                f"Names the protocol-level failure ({named[0]})." if named
                else f"Does not name the protocol-level failure ({facts.failure_modes[0][0]}).",
                _quote(text, [named[1].group(0)]) if named else "",
            )
        )  # fmt: skip

    targets = sorted(facts.failing_paths | facts.failing_requests)
    lowered = text.lower()
    hit = [t for t in targets if t.lower() in lowered]
    if not hit:  # a template of the failing path: "/v2/shipments/{id}/events" for ".../shp_1bb9.../events"
        # A path written after another method than the failing one's is another endpoint.
        written = {
            _path_shape(m.group(2)): m.group(2)
            for m in _PATH_IN_TEXT.finditer(lowered)
            if not (m.group(1) and facts.failing_methods and m.group(1) not in facts.failing_methods)
        }
        hit = [
            written[shape]
            for p in sorted(facts.failing_paths)
            if (shape := _path_shape(p.lower())) in written
        ]
    result.append(
        Check(
            "names_failing_request", A, bool(hit), 1,
            f"Pins the failure to a request or endpoint ({hit[0]})." if hit
            else "Does not name the failing endpoint or a failing request id.",
            _quote(text, hit),
        )
    )  # fmt: skip

    if facts.healthy_samples:
        healthy = next((i for i in facts.healthy_ids if i in text), None)
        match = None if healthy else _HEALTHY.search(text)
        found = healthy or (match.group(0) if match else "")
        result.append(
            Check(
                "contrasts_healthy_request", A, bool(found), 1,
                "Compares the failing request with a healthy one." if found
                else "Does not compare with the healthy request in the samples.",
                _quote(text, [found]) if found else "",
            )
        )  # fmt: skip
    return result


def _observability(facts: _Facts, evidence: _Evidence, cause: _Cause, text: str, onset: str):
    signal = evidence.signal and not evidence.hedging
    if evidence.hedging:
        message = f"Cites {len(evidence.ids)} ids: that is hedging, not evidence."
    elif signal:
        message = f"Cites log evidence that shows the failure ({', '.join(evidence.signal[:3])})."
    elif evidence.herrings:
        message = f"Cites only red herrings ({evidence.herrings[0][1]['message']})."
    else:
        message = "Cites no log line or trace that shows the failure."
    result = [Check("cites_signal_evidence", O, bool(signal), 2.5, message, ", ".join(evidence.ids[:5]))]

    off = evidence.noise + [i for i, _ in evidence.herrings] + evidence.unknown
    precise = (
        bool(signal) and not evidence.herrings and not evidence.unknown and len(off) * 3 <= len(evidence.ids)
    )
    if precise:
        message = "The cited evidence is on point: no red herrings, no made-up ids."
    elif evidence.hedging:
        message = "Citing dozens of ids buries the evidence; cite the few lines that show the failure."
    elif evidence.unknown:
        message = f"Cites ids that are not in the logs ({', '.join(evidence.unknown[:3])})."
    elif evidence.herrings:
        cited, herring = evidence.herrings[0]
        message = f"Cites {cited}, a red herring: {herring.get('why_not', herring['message'])}"
    elif off:
        message = "Most cited ids are noise, not the failure."
    else:
        message = "No evidence to judge."
    result.append(Check("evidence_precise", O, precise, 1.5, message, ", ".join(off[:5])))

    when = _parse_onset(onset, facts.onset)
    gap = abs((when - facts.onset).total_seconds()) if when and facts.onset else None
    on_time = gap is not None and gap <= facts.tolerance
    if gap is None:
        message = "Gives no onset time that can be read." if onset else "Gives no onset time."
    elif on_time:
        message = f"Puts the onset at the first failure ({_clock(facts.onset)} UTC)."
    else:
        message = f"The onset is {int(gap // 60)} minutes away from the first failure in the logs."
    result.append(Check("onset_within_tolerance", O, on_time, 2, message, onset[:40]))

    first = [
        line["id"]
        for line in evidence.signal_lines
        if facts.onset
        and (ts := _parse_iso(line.get("ts", "")))
        and abs((ts - facts.onset).total_seconds()) <= facts.tolerance
    ]
    backed = bool(first) and not evidence.hedging
    result.append(
        Check(
            "onset_backed_by_evidence", O, backed, 1,
            f"Cites the first failing line, {first[0]}, as the onset." if backed
            else "Does not cite the first failing line to back the onset.",
            ", ".join(first[:2]),
        )
    )  # fmt: skip

    sources = _second_sources(facts, evidence, text)
    result.append(
        Check(
            "uses_traces_or_metrics", O, bool(sources), 2,
            f"Backs the logs with {' and '.join(name for name, _ in sources)}." if sources
            else "Uses the logs alone: no trace, dashboard metric or HTTP sample.",
            sources[0][1] if sources else "",
        )
    )  # fmt: skip

    coherent = cause.identified and bool(signal) and on_time
    missing = [
        part
        for part, ok in (
            ("the cause", cause.identified),
            ("the evidence", bool(signal)),
            ("the onset", on_time),
        )
        if not ok
    ]
    result.append(
        Check(
            "coherent_story", O, coherent, 1.5,
            "Tells one story: when it started, what shows it, and why." if coherent
            else f"The story has gaps: {', '.join(missing)}.",
            cause.quote if coherent else "",
        )
    )  # fmt: skip
    return result


def _search_filters(data) -> dict:
    """A log_search event's filters. The live explorer records the free text as `q`; a response file
    written by hand may call it `query`, which is read the same."""
    data = data if isinstance(data, dict) else {}
    if not data.get("q") and data.get("query"):
        data = {**data, "q": data["query"]}
    return data


class _Trail:
    """Whether the searches aimed at the failure and narrowed onto it, or wandered."""

    def __init__(self, events, facts: _Facts, evidence: _Evidence, *, tests_herrings: bool = False):
        # A search for a red herring is aimed when the answer then rules a herring out: it tested a
        # hypothesis ("deploy finished", "wraparound") rather than wandered.
        self.facts, self.evidence, self.tests_herrings = facts, evidence, tests_herrings
        searches = [_search_filters(e.get("data")) for e in events if e.get("kind") == "log_search"]
        searches = [
            s
            for s in searches
            if any(s.get(f) for f in ("q", "level", "service", "trace_id", "start", "end"))
        ]
        opened = [
            (e.get("data") or {}).get("trace_id", "") for e in events if e.get("kind") == "trace_opened"
        ]
        self.recorded = bool(searches or opened)
        aimed = [s for s in searches if self._aimed(s)]
        opened_signal = [t for t in opened if t in evidence.signal_traces]
        steps = len(aimed) + len(opened_signal)
        self.targeted = steps >= 2 and len(aimed) * 2 >= len(searches)
        if not searches and not opened:
            self.targeted_message = "No log searches recorded: the trail cannot show how the cause was found."
        elif self.targeted:
            self.targeted_message = (
                f"{len(aimed)} of {len(searches)} searches aimed at the failing service or its errors."
            )
        else:
            self.targeted_message = (
                f"{len(aimed)} of {len(searches)} searches touched the failing service or its errors; "
                "the others looked elsewhere."
            )
        self.targeted_quote = _describe(aimed[0]) if aimed else (_describe(searches[0]) if searches else "")

        pinned = [s for s in searches if self._pins(s)]
        narrowed = (
            len(aimed) >= 2
            and aimed[-1] is searches[-1]
            and _narrowness(searches[-1]) > _narrowness(searches[0])
        )
        self.converged = bool(self.targeted and (pinned or opened_signal or narrowed))
        if self.converged:
            how = (
                _describe(pinned[-1])
                if pinned
                else (f"opened trace {opened_signal[-1]}" if opened_signal else "")
            )
            self.converged_message = "The searches narrow down onto the failing requests."
            self.converged_quote = how or _describe(aimed[-1])
        else:
            self.converged_message = "The searches never narrow down to a failing request or trace."
            self.converged_quote = _describe(searches[-1]) if searches else ""

    def _aimed(self, search: dict) -> bool:
        facts, content = self.facts, False
        q = str(search.get("q") or "").strip().lower()
        if q:
            if not (
                len(q) >= 3
                and any(q in m for m in facts.signal_lowered)
                or self._pins(search)
                or q in facts.ticket_ids
                or self.tests_herrings
                and len(q) >= 3
                and any(q in m for m in facts.herring_lowered)
            ):
                return False
            content = True
        service = str(search.get("service") or "")
        if service:
            if not set(service.split(",")) & facts.signal_services:
                return False
            content = True
        trace_id = str(search.get("trace_id") or "")
        if trace_id:
            if trace_id not in self.evidence.signal_traces:
                return False
            content = True
        if content:
            return True
        levels = {v.strip().upper() for v in str(search.get("level") or "").split(",")}
        if levels & {"ERROR", "WARN"}:
            return True
        start, end = _parse_iso(str(search.get("start") or "")), _parse_iso(str(search.get("end") or ""))
        return bool(
            facts.onset
            and (start or end)
            and (not start or start <= facts.onset)
            and (not end or end >= facts.onset)
        )

    def _pins(self, search: dict) -> bool:
        wanted = self.evidence.signal_traces | self.facts.key_requests
        return search.get("trace_id") in wanted or str(search.get("q") or "").strip() in wanted


def _narrowness(search: dict) -> int:
    return (
        sum(1 for f in ("q", "level", "service", "trace_id") if search.get(f))
        + bool(search.get("start") or search.get("end"))
        + bool(search.get("trace_id"))
    )


def _describe(search: dict) -> str:
    return ", ".join(
        f"{k}={v}"
        for k, v in search.items()
        if v and k in ("q", "level", "service", "trace_id", "start", "end")
    )


def _status_by_cause(facts: _Facts, text: str, codes: list[str]) -> str:
    """The sentence that puts a failing status down to the actual cause (two of the cause's words
    beside the code), or ''."""
    for sentence in _sentences(text):
        if set(_STATUS.findall(sentence)) & set(codes) and len(_stems(sentence) & facts.cause_terms) >= 2:
            return sentence[:240]
    return ""


def _status_readings(text: str, failing: set[str]):
    """(code, sentence) of the first correct reading of a failing status, and of the first misreading."""
    correct = misread = None
    for sentence in _sentences(text):
        for code in _STATUS.findall(sentence):
            meaning = _MEANING_RE.get(code) or (_CLIENT_RE if code[0] == "4" else _SERVER_RE)
            right = meaning.search(sentence) or (code[0] == "5" and _SURFACES_AS.search(sentence))
            wrong = _MISREAD_RE[code[0]].search(sentence) or (
                _MISREAD_RE[code].search(sentence) if code in _MISREAD_RE else None
            )
            if wrong and not right and misread is None:
                misread = (code, _around(sentence, code))
            elif right and code in failing and correct is None:
                correct = (code, _around(sentence, code))
    return correct, misread


def _around(sentence: str, fragment: str, limit: int = 240) -> str:
    """The part of a long sentence around `fragment`, so the quote shows what the check read."""
    at = sentence.find(fragment)
    if len(sentence) <= limit or at < limit - 40:
        return sentence[:limit]
    start = max(0, at - limit // 2)
    return "…" + sentence[start : start + limit - 1]


def _reading(code: str) -> str:
    return {
        "401": "authentication failed",
        "403": "the caller is authenticated but not allowed",
        "404": "the resource was not found",
        "409": "a conflict with the stored state",
        "410": "the endpoint is gone for good",
        "429": "the client is rate limited",
    }.get(code, "a client-side error" if code[0] == "4" else "a server-side or upstream failure")


def _second_sources(facts: _Facts, evidence: _Evidence, text: str) -> list[tuple[str, str]]:
    sources = []
    known_traces = facts.payload_traces | evidence.signal_traces
    trace = next((t for t in _TRACE_IN_TEXT.findall(text) if t in known_traces), None)
    trace = trace or next((i for i in evidence.ids if _TRACE_ID.match(i) and i in known_traces), None)
    if trace:
        sources.append(("a trace", trace))
    elif _TRACE_WORDS.search(text) and facts.error_spans:
        span_terms = set()
        for span in facts.error_spans:
            span_terms |= {
                t for t in tokens(f"{span.get('operation', '')} {span.get('error', '')}") if len(t) >= 4
            }
        hit = span_terms & set(tokens(text))
        if hit:
            sources.append(("a trace", _quote(text, hit)))
    words = set(tokens(text))
    claimed = affirmative(text)  # "there is no dashboard for it" uses no dashboard
    metric = _METRICS.search(claimed)
    named_metric = facts.metric_terms & words if len(facts.metric_terms & words) >= 2 else set()
    if metric or named_metric:
        sources.append(("dashboard metrics", _quote(claimed, [metric.group(0)] if metric else named_metric)))
    else:
        for kind, terms in facts.dashboard_events:
            if terms & words and kind.replace("_", " ") in text.lower():
                sources.append(("the dashboard's change event", _quote(text, terms & words)))
                break
    sample = next((s["request_id"] for s in facts.healthy_samples if s["request_id"] in text), None)
    sample = sample or (_SAMPLE_WORDS.search(text).group(0) if _SAMPLE_WORDS.search(text) else None)
    if sample:
        sources.append(("the HTTP samples", _quote(text, [sample])))
    return sources


def _safe_mitigation(facts: _Facts, mitigation: str):
    words = _stems(affirmative(mitigation))
    for text, terms in facts.safe_terms:
        hits = terms & words
        if len(hits) >= 2 and len(hits) >= 0.4 * len(terms):
            return text, _quote(mitigation, hits)
    return None


_PRIVATIVE = re.compile(r"\b(?:never|without|no|non-?\w+|unlimited|unbounded|infinite|indefinite\w*)\b", re.I)


def _unsafe_mitigation(facts: _Facts, mitigation: str):
    """(unsafe mitigation, sentence) for the first sentence that proposes an unsafe action."""
    for sentence in _sentences(mitigation):
        words = _stems(affirmative(sentence))
        for text, terms, own, actions in facts.unsafe_terms:
            hits = terms & words
            # The sentence must hold the action itself ("remove", "fail back"), not only what it
            # acts on: "the new primary keeps serving writes throughout the incident" names the
            # objects of "fail back or restart the new primary during the incident" and proposes
            # neither.
            acts = not actions or any(_acts_on(act, objects, sentence) for act, objects in actions)
            # An unsafe act defined by what it leaves out ("keys that never expire", "deploy without
            # review") is proposed only by a sentence that leaves it out too.
            lacks = not _PRIVATIVE.search(text) or _PRIVATIVE.search(sentence)
            if acts and lacks and hits & own and len(hits) >= max(2, math.ceil(0.5 * len(terms))):
                return text, sentence[:240], _doubt(sentence, len(hits & own))
    return None


# Verbs that hand the action to someone else: the action is the verb after "to" ("ask the customer
# to send the secret"), or the hand-off itself when there is none.
_HANDOFF = frozenset({"ask", "tell", "have", "get", "let", "instruct", "advise"})
_WHO = frozenset({"customer", "customers", "user", "users", "tenant", "support", "engineering"})
_PARTICLES = frozenset({"back", "over", "off", "out", "up", "down"})
# Ways of taking a thing away that say the same act: "lift the limit" is "remove the limit".
_REMOVAL = frozenset({"remov", "delet", "drop", "lift", "disabl"})


def _actions(text: str) -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
    """The acts an unsafe mitigation (an imperative: "Remove the memory limit", "Fail back to db-1
    or restart the primary", "Ask the customer to send the secret") proposes, as stems, each with
    the stems of what it acts on (its direct object: "memory limit"; none for "fail back to db-1");
    a phrasal verb ("fail back") is one act of two words."""
    said = [w for w in words(text) if w.isalpha() or "-" in w]
    if not said:
        return ()
    starts = [0] + [i + 1 for i, w in enumerate(said[:-1]) if w in ("or", "and")]
    if said[0] in _HANDOFF:
        after = next((i + 1 for i, w in enumerate(said[:-1]) if w == "to"), None)
        if after is None and said[0] == "have":  # "have the customer re-create the orders"
            after = next(
                (i for i, w in enumerate(said[1:], 1) if w not in FUNCTION_WORDS and w not in _WHO), None
            )
        starts[0] = after if after is not None and after < len(said) else 0
    actions = []
    for i in starts:
        verb = said[i]
        if verb in FUNCTION_WORDS:
            continue
        particle = said[i + 1] if i + 1 < len(said) and said[i + 1] in _PARTICLES else ""
        act = (stem(verb), stem(particle)) if particle else (stem(verb),)
        actions.append((act, _direct_object(said[i + len(act) :])))
    return tuple(actions)


# Words that end a direct object: "remove the memory limit | from the deployment".
_OBJECT_ENDS = frozenset(
    {"from", "to", "in", "on", "at", "for", "during", "with", "without", "above", "below", "by", "into",
     "via", "through", "so", "until", "before", "after", "or", "and", "because", "while", "of"}
)  # fmt: skip


def _direct_object(after: list[str]) -> frozenset[str]:
    out = []
    for word in after:
        if word in _OBJECT_ENDS:
            break
        out.append(word)
    return _terms(" ".join(out))


# What ends a clause in an answer's sentence: the act and what it acts on sit in one clause ("the
# rollback restarts the pods, which release their database connections" restarts no database).
_CLAUSE = re.compile(
    r"[,;:()]|\s[-\u2013\u2014]+\s|\b(?:which|so that|so|because|but|while|whereas|then|since)\b", re.I
)
# A pronoun right after the act points back at an object named earlier in the sentence ("the memory
# limit keeps killing pods, so remove it").
_POINTS_BACK = frozenset({"it", "them", "this", "that", "these", "those"})


def _acts_on(act: tuple[str, ...], objects: frozenset[str], sentence: str) -> bool:
    """Whether a sentence proposes the act on its object: the act's words and one of the object's
    in the same clause. "Roll back - this removes the leaking cache" removes no memory limit."""
    claim = affirmative(sentence)
    if not all(_acted(a, _stems(claim)) for a in act):
        return False
    if not objects:
        return True
    for clause in _CLAUSE.split(claim):
        said = [_stem(w) for w in _words(clause)]
        at = [i for i, w in enumerate(said) if _acted(act[0], frozenset((w,)))]
        if not at or not all(_acted(a, frozenset(said)) for a in act):
            continue
        if objects & set(said):
            return True
        if any(said[i + len(act) : i + len(act) + 1] and said[i + len(act)] in _POINTS_BACK for i in at):
            return bool(objects & _stems(claim))
    return False


def _acted(action_stem: str, words: frozenset[str]) -> bool:
    if action_stem in _REMOVAL:
        return bool(_REMOVAL & words)
    return action_stem in words


def _doubt(sentence: str, own_hits: int) -> str:
    """Why a gate that fired on this sentence may be wrong: a negation in it, or one telling word."""
    if negated_spans(sentence):
        return "a negation sits in the sentence that fired the gate"
    if own_hits == 1:
        return "the gate fired on a single telling word"
    return ""


# What sets a herring aside in a sentence that does not negate it: "separately, large pages are slow,
# a side issue"; "the autovacuum ran in the same window, a coincidence". "At the same time as" joins
# two things into one story ("slow queries at the same time as a reindex"), it sets neither aside.
_ASIDE = re.compile(
    r"\b(separately|separate|side issue|aside|coincid\w*|in passing|independent\w*|another (matter|issue|day)|"
    r"same (window|time)(?! as)|background|routine|as usual|expected|harmless)\b",
    re.I,
)


def _blamed_herring(facts: _Facts, root_cause: str, *, beside_cause: bool = False) -> dict | None:
    for sentence in _sentences(root_cause):
        claim = affirmative(sentence)
        if beside_cause and _ASIDE.search(claim):
            continue
        words = _stems(claim)
        for herring, terms in facts.herring_own_terms:
            hits = terms & words
            if len(hits) >= 2 and len(hits) >= 0.3 * len(terms):
                return herring
        # A herring named by its own identifier ("the notification-service deploy") and made the
        # cause ("it came in with ...") is blamed however few of its words are used.
        if _ATTRIBUTES.search(claim):
            low = claim.lower()
            for herring, names in facts.herring_names:
                if any(name in low for name in names):
                    return herring
    return None


# Saying what caused the failure: "it came in with the deploy", "caused by", "triggered by".
_ATTRIBUTES = re.compile(
    r"\b(?:came in with|caused by|due to|because of|introduced (?:by|with|in)|brought in (?:by|with)|triggered by|"
    r"broken by|(?:is|was) the (?:cause|culprit|trigger)|(?:is|was) responsible)\b",
    re.I,
)
# A name a system gives a thing: a hyphenated or dotted service, job or version ("notification-service",
# "v3.9.2", "pg_basebackup"), not a plain word.
_IDENTIFIER = re.compile(r"^(?=.*[a-z])[a-z0-9]+(?:[-_.][a-z0-9]+)+$")


def _ruled_out_herring(facts: _Facts, reasoning: str):
    for sentence in _sentences(reasoning):
        if not (_NEGATED.search(sentence) or _TESTED.search(sentence)):
            continue
        words = _stems(sentence)
        for herring, terms in facts.herring_terms:
            hits = terms & words
            if len(hits) >= 2 or (hits and len(terms) <= 3):
                return herring, sentence[:240]
    return None


def _own_herring_terms(message: str, known_cause: set[str], shared: set[str]) -> frozenset[str]:
    """A herring's words beyond the cause's; beyond the failing lines' and the ticket's too, and no
    bare digits, when two or more are left that way."""
    terms = _terms(message) - known_cause
    own = frozenset(t for t in terms - shared if not t.isdigit())
    return own if len(own) >= 2 else terms


def _herring_terms(facts: _Facts, herring: dict) -> set[str]:
    return next((terms for h, terms in facts.herring_terms if h is herring), set())


_sentences = sentences
_raw_words = words  # the toolkit's tokens: "notification-service" stays one word
_quote = quote
_stem = stem


@functools.lru_cache(maxsize=4096)
def _stems(text: str) -> frozenset[str]:
    return frozenset(_stem(t) for t in _words(text))


# Short words that name a thing in this domain: "paste the key", "lower the TTL", "restart the pod".
_SHORT_TERMS = frozenset(
    [
        "key",
        "dns",
        "tls",
        "ssl",
        "sso",
        "lag",
        "cpu",
        "oom",
        "pod",
        "ttl",
        "jwt",
        "mfa",
        "cdn",
        "waf",
        "vpn",
        "url",
        "ip",
    ]
)


@functools.lru_cache(maxsize=4096)
def _terms(text: str) -> frozenset[str]:
    """The words of a reference text that say what it is about, stemmed: everyday words dropped,
    the domain's own words (secret, pool, rollback) kept."""
    return frozenset(
        _stem(t)
        for t in _words(text)
        if (len(t) >= 4 or any(ch.isdigit() for ch in t) or t in _SHORT_TERMS)
        and t not in FUNCTION_WORDS and t not in _UNINFORMATIVE and not t.startswith(("tn_", "req_"))
    )  # fmt: skip


def _words(text: str) -> list[str]:
    """The words of a text, a hyphenated name as its parts: 'orders-service' and 'the orders
    service' say the same; so do words joined by a slash in notes ('counts/rate', 'raise/remove')."""
    out = []
    for token in words(text):
        if "-" in token and not token[0].isdigit():
            out += [part for part in token.split("-") if part]
        elif "/" in token and all(part.isalpha() for part in token.split("/")):
            out += [part for part in token.split("/") if part]
        else:
            out.append(token)
    return out


_PATH_IN_TEXT = re.compile(r"(?:\b(get|post|put|patch|delete) )?(/[\w{}:<>*.-]+(?:/[\w{}:<>*.-]+)+)")
# A path segment that stands for an id: a template ("{id}", ":id", "<id>", "*") or a value with a digit
# of five characters or more ("shp_1bb939b2f7", "12345"; not "v2").
_ID_SEGMENT = re.compile(r"\{[^}]*\}|:\w+|<[^>]*>|\*|(?=[\w-]*\d)[\w-]{5,}")


def _path_shape(path: str) -> str:
    """A path with its id segments as "{}": a path and its template have one shape."""
    return "/".join("{}" if _ID_SEGMENT.fullmatch(seg) else seg for seg in path.strip("/.").split("/"))


def _url_path(url: str) -> str:
    path = re.sub(r"^https?://[^/]+", "", url)
    return path.split("?")[0]


def _parse_iso(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_onset(value: str, reference: datetime | None) -> datetime | None:
    """An ISO 8601 time (Z or offset), or a bare clock time read on the reference day (UTC unless
    an offset is given), taking the reading closest to the reference."""
    moment = _parse_iso(value)
    if moment or not value:
        return moment
    match = _CLOCK.search(value)
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    offset = timedelta(0)
    sign = _OFFSET.search(zone or "")
    if sign:
        offset = timedelta(hours=int(sign.group(2)), minutes=int(sign.group(3) or 0))
        offset = -offset if sign.group(1) == "-" else offset
    try:
        if year:
            base = datetime(int(year), int(month), int(day), tzinfo=UTC)
        elif reference:
            base = reference.replace(hour=0, minute=0, second=0, microsecond=0)
        else:
            return None
        moment = base + timedelta(hours=int(hour), minutes=int(minute), seconds=int(second or 0)) - offset
    except ValueError:
        return None
    if not year and reference:
        day = timedelta(days=1)
        moment = min((moment - day, moment, moment + day), key=lambda m: abs((m - reference).total_seconds()))
        if second is None and moment <= reference < moment + timedelta(minutes=1):
            moment = reference  # "14:22" names the whole minute the failure started in.
    return moment


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")
