"""The consistency linter: named invariants per scenario kind, for generated and imported scenarios alike.

A JSON Schema says what shape a scenario has; these invariants say whether its parts tell one
story. Cross-field (the ids, times, tenants, methods and statuses of logs, traces, HTTP samples,
dashboard and tickets agree), physical (percentages within 0-100, p50 <= p95 <= p99, counts not
negative), story (a ticket comes after the onset, its relative times fit the timeline) and key
(every id the answer key names exists, the facts it expects are in the payload, red herrings are
present and are not the cause).

`lint(kind, payload, answer_key)` runs every invariant of the kind and returns the violations,
each with the invariant's name, a JSON path from the scenario entry (`$.payload...` or
`$.answer_key...`) and what is wrong. It assumes the scenario already passed the pack schema.
"""

import json
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scenarios.generation.common import DOUBLING_BACKOFF, doubling_backoff_attempt
from scenarios.generation.logstream import CHANGE_LINE, LogLines
from scenarios.generation.samples import quoted_queries

Finding = tuple[str, str]  # (JSON path, message)
Invariant = Callable[[dict, dict], Iterable[Finding]]


@dataclass(frozen=True)
class Violation:
    invariant: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.invariant}]"


ALL_KINDS = "*"
INVARIANTS: dict[str, dict[str, Invariant]] = {}


def invariant(*kinds: str):
    """Register a check under its function name for the given kinds (ALL_KINDS: every kind)."""

    def register(function: Invariant) -> Invariant:
        for kind in kinds:
            INVARIANTS.setdefault(kind, {})[function.__name__] = function
        return function

    return register


def invariants_for(kind: str) -> dict[str, Invariant]:
    return INVARIANTS.get(ALL_KINDS, {}) | INVARIANTS.get(kind, {})


# The invariants that only check that the answer key points at things the payload has: what a
# reader of an older pack (offline scoring of graded answers) still needs before it scores.
REFERENTIAL = frozenset(
    {
        "triage_key_covers_the_queue",
        "key_evidence_matches_lines",
        "red_herrings_present_and_not_the_cause",
        "secret_is_in_its_message",
        "decisions_have_sound_keys",
        "postmortem_evidence_and_herrings",
    }
)


def lint(
    kind: str, payload: dict, answer_key: dict, *, only: frozenset[str] | None = None
) -> list[Violation]:
    violations = []
    for name, check in invariants_for(kind).items():
        if only is not None and name not in only:
            continue
        violations.extend(Violation(name, path, message) for path, message in check(payload, answer_key))
    return violations


# --- shared helpers -------------------------------------------------------------------------------

_TENANT = re.compile(r"\btn_[0-9a-z]{6,}\b")
_HTTP_OPERATION = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (/\S*)$")
_STATUS_CODE = re.compile(r"\b([45]\d\d)\b")


def when(ts: str) -> datetime:
    """A UTC timestamp of the pack schema ("...Z", with or without milliseconds) as a datetime."""
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC)


def _ms(ts: str) -> int:
    return round(when(ts).timestamp() * 1000)


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


def _unique_ids(items: list[dict], path: str, what: str) -> Iterator[Finding]:
    for duplicate in _duplicates(item["id"] for item in items):
        first = next(n for n, item in enumerate(items) if item["id"] == duplicate)
        later = [n for n, item in enumerate(items) if item["id"] == duplicate][1]
        yield f"{path}[{later}].id", f"duplicate {what} id {duplicate!r}, first used at {path}[{first}]"


def _in_time_order(items: list[dict], path: str, field: str, what: str) -> Iterator[Finding]:
    previous = None
    for n, item in enumerate(items):
        moment = when(item[field])
        if previous is not None and moment < previous:
            yield (
                f"{path}[{n}].{field}",
                f"{what} are out of time order: {item[field]} comes after a later one",
            )
            return
        previous = moment


def _url_path(url: str) -> str:
    return (
        "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?")[0] if "://" in url else url.split("?")[0]
    )


def _same_path(concrete: str, logged: str) -> bool:
    """/v2/orders/ord_5d21a7 is the route /v2/orders/{id}: a {name} segment stands for any one segment."""
    left, right = concrete.rstrip("/").split("/"), logged.rstrip("/").split("/")
    return len(left) == len(right) and all(
        a == b or a.startswith("{") or b.startswith("{") for a, b in zip(left, right, strict=True)
    )


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


# Relative times a ticket may use, and how long before the ticket's arrival the event must lie for
# the words to be true: (pattern, minimum minutes, maximum minutes or None). "yesterday" about a
# change minutes old, or "once per hour" a quarter of an hour after the onset, contradicts the timeline.
_RELATIVE_TIMES = (
    (
        re.compile(r"\b(?:since|changed[^.!?\n]{0,60}|updated[^.!?\n]{0,60}) (?:yesterday|last night)"),
        6 * 60,
        None,
    ),
    (re.compile(r"\bsince (?:last|this past) week\b"), 24 * 60, None),
    (re.compile(r"\bovernight\b"), 4 * 60, None),
    (re.compile(r"\b(?:about |around |roughly )?once (?:per|an|every) hour\b|\bevery hour\b"), 120, None),
    (re.compile(r"\b(\d+|a few|several|many) hours (?:later|ago)\b|\bhours later\b"), 60, None),
    (re.compile(r"\b(\d+|a few|several) days (?:ago|later)\b"), 24 * 60, None),
    # "(no e-mail received after 45 minutes)": at least that many minutes (a low of 1 is per minute).
    (re.compile(r"\b(?:received|arrived|nothing) after (\d+) minutes\b|\b(\d+) minutes later\b"), 1, None),
    (re.compile(r"\bhours (?:late|behind|stale)\b"), 60, None),
    (re.compile(r"\bfor (?:several |many )?hours\b|\btakes? hours\b"), 120, None),
    (re.compile(r"\bfor (?:several |many )?days\b"), 2 * 24 * 60, None),
    (re.compile(r"\b(?:for|in|over|during) the (?:last|past) hour\b"), 45, None),
    (re.compile(r"\b(?:for|in|over|during) the (?:last|past) half[ -]hour\b"), 20, None),
    # A pattern of bursts and half-hour lulls is told after seeing it twice: two bursts and the lull between.
    (re.compile(r"\bthen works? again for (?:half an hour|30 minutes)\b"), 75, None),
    (
        re.compile(r"\b(?:for|in|over|during) the (?:last|past) ~?(\d+|a few|several) ?(?:h|hours)\b"),
        60,
        None,
    ),
)


def minutes_needed(text: str) -> int:
    """How long after the onset a text's relative times ("for the last hour") can first be true."""
    lowered = _norm(text)
    need = 0
    for pattern, low, _high in _RELATIVE_TIMES:
        match = pattern.search(lowered)
        if match is not None:
            need = max(need, _minutes_of(match, low))
    return need


def _minutes_of(match: re.Match, low: int) -> int:
    """How many minutes a relative time needs: `low`, or per hour (60) or minute (1) it states."""
    number = next((group for group in match.groups() if group), "")
    return low * int(number) if number.isdigit() and low in (1, 60) else low


_MINUTES_AGO = re.compile(r"\b(\d+) (?:minutes|mins) ago\b")


def _relative_time_findings(text: str, path: str, *, minutes_since_onset: float) -> Iterator[Finding]:
    lowered = _norm(text)
    for pattern, low, high in _RELATIVE_TIMES:
        match = pattern.search(lowered)
        if match is None:
            continue
        need = _minutes_of(match, low)
        if minutes_since_onset < need or (high is not None and minutes_since_onset > high):
            yield (
                path,
                f"says {match.group(0)!r} but the failure began {minutes_since_onset:.0f} minutes before it",
            )
    for match in _MINUTES_AGO.finditer(lowered):
        stated = int(match.group(1))
        if abs(stated - minutes_since_onset) > max(10, stated * 0.5):
            yield (
                path,
                f"says {match.group(0)!r} but the failure began {minutes_since_onset:.0f} minutes before it",
            )


def _ticket_story(ticket: dict, path: str, *, onset: datetime) -> Iterator[Finding]:
    received = when(ticket["received_at"])
    if received < onset:
        yield (
            f"{path}.received_at",
            f"the ticket arrives at {ticket['received_at']}, before the failure began",
        )
        return
    minutes = (received - onset).total_seconds() / 60
    for part in ("subject", "body", "error_snippet"):
        if part in ticket:
            yield from _relative_time_findings(ticket[part], f"{path}.{part}", minutes_since_onset=minutes)


# What a subject can be about, and the words its body must use to be about the same: a subject about
# invitations over a body about password resets is two tickets' halves.
SUBJECT_TOPICS = tuple(
    (re.compile(subject, re.I), re.compile(body, re.I))
    for subject, body in (
        (r"\binvit", r"\binvit"),
        (r"\bpassword\b|\breset\b", r"\bpassword|\breset"),
        (r"\bmigrat", r"\bmigrat|\bimport"),
        (r"\binventory\b", r"\binventory\b"),
        (r"\bhalf\b", r"\bhalf\b|\b50 ?%"),
        (r"\bSSO\b", r"\bSSO\b|\bSAML\b"),
        (r"\bcursor\b|\bpage \d\b|\bpagination\b", r"cursor|\bpage\b"),
        (r"\bexports?\b", r"\bexport"),
        (r"\bwebhooks?\b", r"\bwebhook"),
        (r"\bsearch\b", r"\bsearch"),
        (r"\bcharged twice\b|\bduplicate\b", r"\btwice\b|\btwo identical\b|\bduplicate"),
    )
)


def subject_topics_missing(subject: str, body: str) -> list[str]:
    """What `subject` is about that `body` never mentions."""
    return [
        m.group(0)
        for topic, support in SUBJECT_TOPICS
        if (m := topic.search(subject)) and not support.search(body)
    ]


def _subject_agrees_with_body(ticket: dict, path: str) -> Iterator[Finding]:
    """An HTTP status the subject names must be the one the body or the pasted error shows, and what
    the subject is about (invitations, a migration, SSO) the body is about too."""
    subject_codes = set(_STATUS_CODE.findall(ticket["subject"]))
    shown = ticket["body"] + " " + ticket.get("error_snippet", "")
    body_codes = set(_STATUS_CODE.findall(shown))
    if subject_codes and body_codes and not subject_codes & body_codes:
        yield (
            f"{path}.subject",
            f"names HTTP {', '.join(sorted(subject_codes))} but the body shows {', '.join(sorted(body_codes))}",
        )
    missing = subject_topics_missing(ticket["subject"], shown)
    if missing:
        yield f"{path}.subject", f"is about {missing[0]!r}, which the body never mentions"


# --- every kind -----------------------------------------------------------------------------------

_COUNT_FIELDS = ("count", "customer_reports", "customers_affected", "duration_minutes", "latency_ms",
                 "duration_ms", "start_offset_ms", "offset_seconds", "records", "users",
                 "signal_line_count", "update_cadence_minutes", "next_update_within_minutes")  # fmt: skip


@invariant(ALL_KINDS)
def physical_bounds(payload: dict, key: dict) -> Iterator[Finding]:
    """Percentages within 0-100, counts and durations not negative, wherever they are."""

    def walk(value, path: str) -> Iterator[Finding]:
        if isinstance(value, dict):
            for name, item in value.items():
                here = f"{path}.{name}"
                if isinstance(item, int | float) and not isinstance(item, bool):
                    if (name.endswith("_pct") or name.endswith("_percent")) and not 0 <= item <= 100:
                        yield here, f"is {item}, a percentage outside 0-100"
                    elif (name in _COUNT_FIELDS or name.endswith("_count")) and item < 0:
                        yield here, f"is {item}; a count or a duration cannot be negative"
                else:
                    yield from walk(item, here)
        elif isinstance(value, list):
            for n, item in enumerate(value):
                yield from walk(item, f"{path}[{n}]")

    yield from walk(payload, "$.payload")
    yield from walk(key, "$.answer_key")


# A name left where its value should be: "Node the affected node", "by tenant the customer's
# tenant", "(the tenant timezone)", "about the records accessed records".
_PLACEHOLDER = (
    re.compile(r"\b([A-Za-z]{3,}) the (?:[\w']+ ){0,2}\1s?\b", re.IGNORECASE),
    re.compile(r"\bthe ([a-z]{3,}) [a-z]+ \1\b"),
    re.compile(r"\(the [a-z][a-z ]*\)"),
    re.compile(r"\{[a-z_]+\}"),
)


@invariant(ALL_KINDS)
def key_text_has_no_placeholders(payload: dict, key: dict) -> Iterator[Finding]:
    """Every text of the answer key reads as filled in: no template field, no fact's name standing
    next to the noun it was meant to fill. A customer's words the key quotes are theirs, as written."""

    def walk(value, path: str) -> Iterator[Finding]:
        if isinstance(value, str):
            for pattern in _PLACEHOLDER:
                if found := pattern.search(_QUOTED.sub('""', value)):
                    yield path, f"reads {found.group(0)!r}, a placeholder left unfilled"
                    return
        elif isinstance(value, dict):
            for name, item in value.items():
                yield from walk(item, f"{path}.{name}")
        elif isinstance(value, list):
            for n, item in enumerate(value):
                yield from walk(item, f"{path}[{n}]")

    yield from walk(key, "$.answer_key")


def _strings(value, path: str) -> Iterator[tuple[str, str]]:
    """(JSON path, text) of every string in a payload or key, leaving out log lines (a log is machine
    output: its own invariants read it)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for name, item in value.items():
            if name != "logs":
                yield from _strings(item, f"{path}.{name}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _strings(item, f"{path}[{n}]")


# Surnames as census data spells them, which nobody writes in a ticket or a company name: "Obrien",
# "Mccarthy", "Oconnor-Phillips".
_CENSUS_SURNAME = re.compile(r"\bO(?:brien|connor|connell|donnell|neill|neal)\b|\bMc[a-z]{3,}")


@invariant(ALL_KINDS)
def names_are_written_as_people_write_them(payload: dict, key: dict) -> Iterator[Finding]:
    """A customer, contact or company name reads O'Brien and McCarthy, not "Obrien" and "Mccarthy"."""
    for path, text in _strings(payload, "$.payload"):
        if found := _CENSUS_SURNAME.search(text):
            yield path, f"writes the name {found.group(0)!r} as no one spells it"


_TEMPLATE_FIELD = re.compile(r"\{[a-z_]+\}")


@invariant(ALL_KINDS)
def payload_has_no_unfilled_placeholders(payload: dict, key: dict) -> Iterator[Finding]:
    """What the candidate reads has no template field left in it ("{requests_today} requests today")."""
    for path, text in _strings(payload, "$.payload"):
        if found := _TEMPLATE_FIELD.search(text):
            yield path, f"reads {found.group(0)!r}, a placeholder left unfilled"


# "Wright and Sons's": a name ending in s takes the apostrophe alone ("Sons'").
_DOUBLE_POSSESSIVE = re.compile(r"\b[A-Z][\w-]*s's\b")


@invariant(ALL_KINDS)
def possessives_of_names_in_s_read_naturally(payload: dict, key: dict) -> Iterator[Finding]:
    """A name ending in s takes a bare apostrophe: "Wright and Sons' account manager", not "Sons's"."""
    for path, text in [*_strings(payload, "$.payload"), *_strings(key, "$.answer_key")]:
        if found := _DOUBLE_POSSESSIVE.search(text):
            yield path, f"reads {found.group(0)!r}; a name ending in s takes the apostrophe alone"


# A customer saying what a UTC-day bucket does to their local times: "orders placed after 17:00 our
# time move to the next day", "the evening orders move to the next day".
_SHIFT_HOURS = re.compile(
    r"\b(after|before) ~?(\d{1,2})(?::(\d\d))? ?(am|pm)? our time (?:show up on|move to|land on) "
    r"(the next day|the day before|the previous day)",
    re.I,
)
_SHIFT_PART = re.compile(
    r"\b(evening|early-morning|morning) orders move to (the next day|the day before)", re.I
)


def _zone_shift_findings(text: str, moment: datetime, path: str) -> Iterator[Finding]:
    """West of UTC a UTC day starts in the local evening (what comes after it lands on the next day);
    east of UTC in the local morning (what comes before it lands on the day before)."""
    from scenarios.generation.world import ZONES, utc_offset

    zone = next((z for z in ZONES if z in text), None)
    if zone is None:
        return
    offset = utc_offset(zone, moment)
    west = offset < 0
    edge = 24 + offset if west else offset
    for match in _SHIFT_HOURS.finditer(text):
        side, hour, minute, meridiem, day = match.groups()
        stated = int(hour) % 12 + (12 if (meridiem or "").lower() == "pm" else 0) if meridiem else int(hour)
        stated += int(minute or 0) / 60
        right = (side.lower(), day.lower() == "the next day") == (
            ("after", True) if west else ("before", False)
        )
        if not right or abs(stated - edge) > 1:
            yield (
                path,
                f"says orders {match.group(0)!r}, but a UTC day starts at {int(edge):02d}:{round(edge % 1 * 60):02d} "
                f"in {zone} (UTC{offset:+g}), so orders "
                + ("after it move to the next day" if west else "before it move to the day before"),
            )
    for match in _SHIFT_PART.finditer(text):
        if (match.group(1).lower() == "evening") != west or (
            match.group(2).lower() == "the next day"
        ) != west:
            yield path, f"says {match.group(0)!r}, the wrong way round for {zone} (UTC{offset:+g})"


# A day's row in a pasted export: "2026-07-29,412,38211.40".
_DAY_ROW = re.compile(r"^\s*(\d{4}-\d\d-\d\d),\d+", re.M)


def _whole_day_findings(text: str, moment: datetime, path: str) -> Iterator[Finding]:
    """A day's total is for a day that has ended: by UTC (the export's buckets) and, when the customer
    names their time zone, by their own clock (the dashboard's days)."""
    from scenarios.generation.world import ZONES, utc_offset

    zone = next((z for z in ZONES if z in text), None)
    offset = utc_offset(zone, moment) if zone else 0
    for match in _DAY_ROW.finditer(text):
        day = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
        ends = day + timedelta(days=1, hours=max(0, -offset))
        if moment < ends:
            yield (
                path,
                f"gives a whole day's total for {match.group(1)}, a day that has not ended when it is written",
            )


# A Sunset header's value (RFC 8594): the date the API's owner announced, an HTTP-date or ISO time.
_SUNSET_HEADER = re.compile(r"\bSunset: ([^\n]+)")
_HTTP_DATE = "%a, %d %b %Y %H:%M:%S GMT"


def _sunset_moment(value: str) -> datetime | None:
    """The moment a Sunset header's value names, or None for a value that is no date."""
    value = value.strip()
    for parse in (
        lambda v: datetime.strptime(v, _HTTP_DATE).replace(tzinfo=UTC),
        lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
    ):
        try:
            return parse(value)
        except ValueError:
            continue
    return None


@invariant("triage_queue", "escalation_writeup", "log_investigation")
def sunset_headers_give_an_announced_date(payload: dict, key: dict) -> Iterator[Finding]:
    """A Sunset header gives the retirement date its owner announced weeks before: midnight UTC of a
    day, in the HTTP-date form the header takes, not the minute and second some customer first saw a 410."""
    for path, text in _strings(payload, "$.payload"):
        for match in _SUNSET_HEADER.finditer(text):
            moment = _sunset_moment(match.group(1))
            if moment is None or (moment.hour, moment.minute, moment.second) != (0, 0, 0):
                yield path, f"gives Sunset: {match.group(1).strip()!r}, not an announced date (midnight UTC)"
            elif not re.fullmatch(
                r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} 00:00:00 GMT", match.group(1).strip()
            ):
                yield path, f"gives Sunset: {match.group(1).strip()!r}, not an HTTP-date"


@invariant("triage_queue", "escalation_writeup", "log_investigation")
def time_zone_shifts_go_the_zone_s_way(payload: dict, key: dict) -> Iterator[Finding]:
    """A customer who says which local orders land on which day of a UTC-bucketed report says it the
    way their time zone makes it happen: evening orders move to the next day west of UTC, early-morning
    orders to the day before east of it."""
    for text, moment, path in _customer_texts(payload):
        yield from _zone_shift_findings(text, moment, path)


@invariant("triage_queue", "escalation_writeup", "log_investigation")
def daily_totals_are_for_days_that_have_ended(payload: dict, key: dict) -> Iterator[Finding]:
    """A customer pasting an export's daily totals pastes days that are over: today's total, a few
    hours into the day, is no whole day's figure."""
    for text, moment, path in _customer_texts(payload):
        yield from _whole_day_findings(text, moment, path)


# A UTC offset a customer states: "since 07:50 (UTC+09:00)".
_STATED_OFFSET = re.compile(r"\bUTC([+-])(\d\d):(\d\d)\b")


def _writer_email(payload: dict, path: str) -> str:
    """The e-mail address of whoever wrote the customer text at `path`."""
    if "tickets" in payload:
        return payload["tickets"][int(re.search(r"tickets\[(\d+)\]", path).group(1))]["customer"]["email"]
    if "thread" in payload:
        return payload["customer"]["email"]
    return payload["ticket"]["customer"]["email"]


@invariant("triage_queue", "escalation_writeup", "log_investigation")
def stated_offsets_fit_the_writer_s_country(payload: dict, key: dict) -> Iterator[Finding]:
    """A customer lives where their e-mail domain says: a UTC offset they state ("07:50 (UTC+09:00)")
    is one their domain country's zones have on that day (a .de customer writes UTC+01:00 or +02:00,
    never UTC-05:00), and a time zone they name is one of that country's. A domain of no known country
    is not checked."""
    from scenarios.generation.world import ZONES, domain_zones, utc_offset

    for text, written, path in _customer_texts(payload):
        domain = _writer_email(payload, path).rpartition("@")[2]
        zones = domain_zones(domain)
        if not zones:
            continue
        # The offset of the day the text was written or the day before (a failure begun before a change).
        fitting = {utc_offset(zone, at) for zone in zones for at in (written, written - timedelta(days=1))}
        for match in _STATED_OFFSET.finditer(text):
            sign, hours, minutes = match.groups()
            stated = (1 if sign == "+" else -1) * (int(hours) + int(minutes) / 60)
            if stated not in fitting:
                yield (
                    path,
                    f"states {match.group(0)}, an offset {domain} ({', '.join(zones)}) does not have then",
                )
        for zone in ZONES:
            if zone in text and zone not in zones:
                yield path, f"names the time zone {zone}, not one of {domain}'s country"


@invariant("escalation_writeup")
def escalation_subject_agrees_with_its_body(payload: dict, key: dict) -> Iterator[Finding]:
    """The customer's first message is about what its subject says."""
    first = next((n for n, m in enumerate(payload["thread"]) if m["role"] == "customer"), None)
    if first is not None:
        yield from _subject_agrees_with_body(payload["thread"][first], f"$.payload.thread[{first}]")


# A local time the customer states ("since about 15:20 (UTC+02:00)") and the part of the day they
# name: "this morning" is before noon on their clock.
_LOCAL_TIME = re.compile(r"\b(\d\d):(\d\d) \(UTC[+-]\d\d:\d\d\)")
_DAY_PARTS = ((re.compile(r"\bthis morning\b", re.I), range(0, 12)),
              (re.compile(r"\bthis afternoon\b", re.I), range(12, 18)),
              (re.compile(r"\bthis evening\b|\btonight\b", re.I), range(17, 24)))  # fmt: skip


_ZONED_TIME = re.compile(r"\b(\d\d):(\d\d) \(UTC([+-])(\d\d):(\d\d)\)")
# A customer pressing for an answer before their business day ends, and the local hours that fit it.
_BUSINESS_DAY_ENDS = re.compile(r"\bbefore our business day ends\b", re.I)
_BUSINESS_HOURS = range(7, 17)


@invariant("triage_queue", "escalation_writeup", "log_investigation")
def day_parts_fit_the_stated_local_time(payload: dict, key: dict) -> Iterator[Finding]:
    """A customer who says it began at 15:20 their time does not say it began "this morning", in that
    message or any other of the same thread; and one who writes at 23:00 their time does not ask for
    an answer "before our business day ends"."""
    texts = list(_customer_texts(payload))
    # In a thread one customer writes every message: a time they state in one holds for all of them.
    thread_time = (
        next((m for text, _, _ in texts if (m := _LOCAL_TIME.search(text))), None)
        if "thread" in payload
        else None
    )
    for text, written, path in texts:
        stated = _LOCAL_TIME.search(text) or thread_time
        if stated is None:
            continue
        for part, hours in _DAY_PARTS:
            if (found := part.search(text)) and int(stated.group(1)) not in hours:
                yield path, f"says {found.group(0)!r} of a problem that began at {stated.group(0)}"
        zoned = _ZONED_TIME.search(stated.group(0))
        if zoned and _BUSINESS_DAY_ENDS.search(text):
            local = _local(written, zoned)
            if local.hour not in _BUSINESS_HOURS:
                yield path, f"asks for an answer before the business day ends at {local:%H:%M} local time"


def _local(moment: datetime, zoned: re.Match) -> datetime:
    """`moment` (UTC) on the clock of the zone a stated time gives ("15:20 (UTC+02:00)")."""
    sign = 1 if zoned.group(3) == "+" else -1
    return moment + sign * timedelta(hours=int(zoned.group(4)), minutes=int(zoned.group(5)))


# The local hours a customer writes in: a working day, from early starters to those staying late.
_WORKING_HOURS = range(7, 20)


@invariant("triage_queue", "escalation_writeup", "log_investigation")
def customers_write_in_their_working_hours(payload: dict, key: dict) -> Iterator[Finding]:
    """A customer whose message states their time zone ("around 15:20 (UTC+02:00)") writes it, and
    every other message of their thread, in their working hours: not at four in the morning their time."""
    texts = list(_customer_texts(payload))
    thread_zone = (
        next((m for text, _, _ in texts if (m := _ZONED_TIME.search(text))), None)
        if "thread" in payload
        else None
    )
    for text, written, path in texts:
        zoned = _ZONED_TIME.search(text) or thread_zone
        if zoned is None:
            continue
        local = _local(written, zoned)
        if local.hour not in _WORKING_HOURS:
            yield (
                path,
                f"is written at {local:%H:%M} in the customer's time zone, outside their working hours",
            )


def _customer_texts(payload: dict) -> Iterator[tuple[str, datetime, str]]:
    """(text, when it was written, path) of what customers write: tickets and their thread messages."""
    if "tickets" in payload:
        for n, ticket in enumerate(payload["tickets"]):
            yield ticket_text(ticket), when(ticket["received_at"]), f"$.payload.tickets[{n}]"
    elif "thread" in payload:
        for n, message in enumerate(payload["thread"]):
            if message["role"] == "customer":
                yield message["body"], when(message["sent_at"]), f"$.payload.thread[{n}].body"
    elif "ticket" in payload:
        ticket = payload["ticket"]
        yield ticket_text(ticket), when(ticket["received_at"]), "$.payload.ticket"


# "on 17:45 (UTC+03:00)": a time of day read as a date.
_ON_A_TIME = re.compile(r"\bon\s+\d{1,2}:\d\d\b")
# What makes a ticket body a written message: a greeting that opens it, a request to be called back.
_WRITTEN_GREETING = re.compile(r"^\s*(?:hi|hello|hey|dear)\b", re.I)
_CALL_ME = re.compile(r"\bcall me\b|\bcall us\b", re.I)


def written_as_message(body: str, contact: str) -> bool:
    """Whether a ticket body reads as a message the customer wrote (a greeting, a signature, a request to
    be called): no note an agent takes on a phone call reads like that."""
    lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
    signed = bool(lines) and bool(contact) and lines[-1].endswith(contact)
    return bool(_WRITTEN_GREETING.match(body) or signed or _CALL_ME.search(body))


@invariant("triage_queue", "escalation_writeup", "log_investigation")
def customer_texts_read_as_written(payload: dict, key: dict) -> Iterator[Finding]:
    """A customer's time of day is "at 17:45", never "on 17:45"; and a ticket taken on the phone is the
    agent's note of the call, not an e-mail with a greeting and a signature."""
    for text, _, path in _customer_texts(payload):
        match = _ON_A_TIME.search(text)
        if match:
            yield path, f"says {match.group(0)!r}: a time of day is 'at' one, with its day if not today"
    for n, ticket in enumerate(payload.get("tickets", [])):
        contact = (ticket.get("customer") or {}).get("contact", "")
        if ticket.get("channel") == "phone" and written_as_message(ticket["body"], contact):
            yield (
                f"$.payload.tickets[{n}].body",
                "is a written message (greeting, signature or 'call me') on a ticket taken by phone",
            )


# --- log_investigation ----------------------------------------------------------------------------


def _log_index(payload: dict):
    """Line id -> position. A generated log's ids are its positions (see LogLines.positions), so a
    million lines need no dict of a million ids."""
    logs = payload["logs"]
    if isinstance(logs, LogLines):
        return logs.positions()
    return {line["id"]: n for n, line in enumerate(logs)}


_POSITIONAL_ID = re.compile(r"^L\d+$")


def positional_line_id(position: int) -> str:
    """The id of the log line at this zero-based position when the pack gives it none."""
    return f"L{position:06d}"


@invariant("log_investigation")
def log_line_ids_positional_or_explicit(payload: dict, key: dict) -> Iterator[Finding]:
    """An id of L and digits only is positional and must be its own line's position (so it cannot
    collide with an id given to another line); any other id is explicit and may sit anywhere."""
    if isinstance(payload["logs"], LogLines):
        return  # a generated log's ids are made from its positions
    misplaced = [
        (n, line["id"])
        for n, line in enumerate(payload["logs"])
        if _POSITIONAL_ID.match(line["id"]) and line["id"] != positional_line_id(n)
    ]
    if misplaced:
        n, line_id = misplaced[0]
        more = f"; so are {len(misplaced) - 1} later lines" if len(misplaced) > 1 else ""
        yield (
            f"$.payload.logs[{n}].id",
            f"{line_id} is a positional id but the line is at position {n} ({positional_line_id(n)}): "
            f"remove the id, or give the line an explicit one (L-deploy, L-first-401){more}",
        )


@invariant("log_investigation")
def log_lines_unique_and_in_order(payload: dict, key: dict) -> Iterator[Finding]:
    logs = payload["logs"]
    if isinstance(logs, LogLines):
        # Ids made from positions cannot repeat; times are numbers, compared without parsing.
        later = next((n for n in range(1, len(logs)) if logs.ms[n] < logs.ms[n - 1]), None)
        if later is not None:
            yield (
                f"$.payload.logs[{later}].ts",
                f"log lines are out of time order: {logs.ts(later)} comes after a later one",
            )
        return
    yield from _unique_ids(logs, "$.payload.logs", "log line")
    yield from _in_time_order(logs, "$.payload.logs", "ts", "log lines")


@invariant("log_investigation")
def log_lines_inside_window(payload: dict, key: dict) -> Iterator[Finding]:
    start, end = when(payload["window"]["start"]), when(payload["window"]["end"])
    if end <= start:
        yield "$.payload.window.end", "the log window ends before it starts"
        return
    for n, line in enumerate(payload["logs"]):
        if not start <= when(line["ts"]) <= end:
            yield f"$.payload.logs[{n}].ts", f"{line['ts']} is outside the log window"
            return


@invariant("log_investigation")
def services_match_logs(payload: dict, key: dict) -> Iterator[Finding]:
    listed = set(payload["services"])
    logged = {line["service"] for line in payload["logs"]}
    if missing := sorted(logged - listed):
        yield "$.payload.services", f"does not list {', '.join(missing)}, which the logs show"
    if extra := sorted(listed - logged):
        yield "$.payload.services", f"lists {', '.join(extra)}, which no log line comes from"
    if payload["dashboard"]["service"] not in listed:
        yield "$.payload.dashboard.service", f"{payload['dashboard']['service']} is not one of the services"


@invariant("log_investigation")
def log_tenant_matches_message(payload: dict, key: dict) -> Iterator[Finding]:
    """A line whose message names a tenant carries that tenant in its tenant_id field."""
    for n, line in enumerate(payload["logs"]):
        named = _TENANT.findall(line["message"])
        if named and line.get("tenant_id") and line["tenant_id"] not in named:
            yield (
                f"$.payload.logs[{n}].tenant_id",
                f"is {line['tenant_id']} but the message names {', '.join(sorted(set(named)))}",
            )


_STATED_TIMEOUT = re.compile(r"\b(?:within|after) (\d+) ?ms\b")


@invariant("log_investigation")
def failures_take_their_stated_timeout(payload: dict, key: dict) -> Iterator[Finding]:
    """A request that failed "within 5000ms" / "after 5000ms" took at least 5000 ms: in its log line
    and in its trace's span."""
    for n, line in enumerate(payload["logs"]):
        stated = _STATED_TIMEOUT.search(line["message"])
        if stated and line.get("status", 0) >= 400 and line["latency_ms"] < int(stated.group(1)):
            yield (
                f"$.payload.logs[{n}].latency_ms",
                f"is {line['latency_ms']} but the message says it gave up {stated.group(0)}",
            )
    for t, trace in enumerate(payload.get("traces") or []):
        for s, span in enumerate(trace["spans"]):
            stated = _STATED_TIMEOUT.search(span.get("error", ""))
            if stated and span["duration_ms"] < int(stated.group(1)):
                yield (
                    f"$.payload.traces[{t}].spans[{s}].duration_ms",
                    f"is {span['duration_ms']} but the span's error says {stated.group(0)}",
                )


_POOL_SIZE = re.compile(r"\bpool (\S+) size=(\d+)")
_POOL_USE = re.compile(r"\bpool (\S+)(?: saturated)?: (?:sv_)?active=(\d+) (?:sv_)?idle=(\d+)")


@invariant("log_investigation")
def pool_stats_add_up(payload: dict, key: dict) -> Iterator[Finding]:
    """A connection pool never has more connections in use and idle than its size, as the logs state it."""
    sizes = {}
    for line in payload["logs"]:
        for name, size in _POOL_SIZE.findall(line["message"]):
            sizes[name] = int(size)
    for n, line in enumerate(payload["logs"]):
        used = _POOL_USE.search(line["message"])
        if used and used.group(1) in sizes and int(used.group(2)) + int(used.group(3)) > sizes[used.group(1)]:
            yield (
                f"$.payload.logs[{n}].message",
                f"pool {used.group(1)} has active+idle {int(used.group(2)) + int(used.group(3))}, "
                f"more than its size {sizes[used.group(1)]}",
            )
            return


_RESTART = re.compile(r"\bpod (\S+) terminated: OOMKilled\b.*\brestart count (\d+)")


@invariant("log_investigation")
def restart_counters_count(payload: dict, key: dict) -> Iterator[Finding]:
    """Each kill of a pod raises its restart count: the counter of one pod goes up line by line."""
    last: dict[str, int] = {}
    for n, line in enumerate(payload["logs"]):
        killed = _RESTART.search(line["message"])
        if not killed:
            continue
        pod, count = killed.group(1), int(killed.group(2))
        if pod in last and count <= last[pod]:
            yield (
                f"$.payload.logs[{n}].message",
                f"restart count {count} of pod {pod} does not go up (it was {last[pod]})",
            )
            return
        last[pod] = count


_SYSTEM_EVENT = re.compile(r"^(?:deploy finished|config reloaded|pod \S+ scheduled on node|kubelet:)")


@invariant("log_investigation")
def system_lines_carry_no_tenant(payload: dict, key: dict) -> Iterator[Finding]:
    """A deploy, a config reload, a pod scheduled or killed is about no tenant: its line carries none."""
    for n, line in enumerate(payload["logs"]):
        if line.get("tenant_id") and _SYSTEM_EVENT.match(line["message"]):
            yield (
                f"$.payload.logs[{n}].tenant_id",
                f"names tenant {line['tenant_id']} on a line about no tenant",
            )


# Work a platform does for itself, for every tenant at once: database maintenance, consumer group
# rebalances, garbage collection, replication, cache and pool statistics, certificates, keys and
# route tables, rollouts, a breaker that trips for every sender.
_SYSTEM_WORK = re.compile(
    r"\b(?:autovacuum|VACUUM|automatic vacuum|compaction|rebalance|\[gc\]|GC pause|replication lag|index refresh"
    r"|evicted \d+ keys|used_memory|keyspace stats|server connection recycled|queue depth"
    r"|signing key|route table|TLS (?:certificate|policy)|rolled out|cache-busted"
    r"|time zone database|DMARC aggregate|circuit breaker|stream reconnected|offsets advanced"
    r"|slow insert into|heartbeat)\b"
    r"|^pool \S+(?: saturated)?:"
)


@invariant("log_investigation")
def system_work_carries_no_tenant(payload: dict, key: dict) -> Iterator[Finding]:
    """Background work of the platform (a vacuum, a rebalance, a GC pause, a compaction, a key
    rotation) is not done for one tenant: its line carries no tenant_id."""
    for n, line in enumerate(payload["logs"]):
        if line.get("tenant_id") and _SYSTEM_WORK.search(line["message"]):
            yield (
                f"$.payload.logs[{n}].tenant_id",
                f"names tenant {line['tenant_id']} on a line of system work: {line['message'][:80]!r}",
            )
            return


# The platform's own work beyond the above: a health probe, a pod's container killed, a heap report,
# a node's clock check. With the deploys and system work above, what no request ever causes.
_PLATFORM_HOUSEKEEPING = re.compile(
    r"\bhealth check\b|\b(?:liveness|readiness) probe\b|\bterminated: OOMKilled\b|^heap usage \d|^container \w+ working set \d"
    r"|\btime sync check\b"
)


def is_system_line(message: str) -> bool:
    """Whether a line is the platform's own work (a deploy, a health probe, a periodic job, GC, a
    pod's lifecycle) rather than part of a request."""
    return bool(
        _SYSTEM_EVENT.match(message) or _SYSTEM_WORK.search(message) or _PLATFORM_HOUSEKEEPING.search(message)
    )


@invariant("log_investigation")
def system_lines_carry_no_request_ids(payload: dict, key: dict) -> Iterator[Finding]:
    """A line of the platform's own work serves no request: it carries no trace, span or request id
    (a cron job or a health probe is not given the id of somebody's API call)."""
    logs = payload["logs"]
    if isinstance(logs, LogLines):
        system = {k for k, kind in enumerate(logs.kinds) if is_system_line(kind[2])}
        found = (n for n in range(len(logs)) if logs.kind[n] in system and logs.has_ids(n))
    else:
        found = (
            n
            for n, line in enumerate(logs)
            if ("trace_id" in line or "request_id" in line) and is_system_line(line["message"])
        )
    for n in found:
        line = logs[n]
        field = "trace_id" if "trace_id" in line else "request_id"
        yield (
            f"$.payload.logs[{n}].{field}",
            f"is {line[field]} on a line of the platform's own work, which serves no request: "
            f"{line['message'][:80]!r}",
        )
        return


# A duration a line measures (took, finished in, a pause, a slow query), not a limit it quotes
# (after, within, a threshold, a timeout).
_MEASURED = re.compile(
    r"\b(?:took|pause|held open|(?:finished|completed|reconnected|written|HTTP \d{3})(?: for \S+)? in"
    r"|slow (?:query|request|export|insert into \S+)(?: for tenant \S+)?:?)"
    r"[ =](\d+(?:\.\d+)?(?:ms|s)|\d+m\d+s)\b"
)
SAME_DURATION_LINES = 5


@invariant("log_investigation")
def measured_durations_vary(payload: dict, key: dict) -> Iterator[Finding]:
    """Lines of one kind that measure a duration do not all measure the same one: real queries, pauses
    and jobs never take exactly as long twice in a row, let alone on every line."""
    logs = payload["logs"]
    kinds: dict[str, list] = {}  # template -> [first line, lines, durations measured]
    for n in range(len(logs)):
        message = logs.message(n) if isinstance(logs, LogLines) else logs[n]["message"]
        measured = _MEASURED.findall(message)
        if measured:
            entry = kinds.setdefault(message_template(message), [n, 0, set()])
            entry[1] += 1
            entry[2].add(" ".join(measured))
    for template, (first, count, durations) in kinds.items():
        if len(durations) == 1 and count >= SAME_DURATION_LINES:
            yield (
                f"$.payload.logs[{first}].message",
                f"all {count} lines of {template[:60]!r} measure the same {next(iter(durations))}",
            )


# How a long log must look like a real service's. Short, hand-written logs are exempt: a pack may
# show the twenty lines that matter.
VARIETY_MIN_LINES = 5_000
VARIETY_TEMPLATES = 20
VARIETY_WARN_TEMPLATES = 8
SPREAD_MIN_LINES = 2_000
SPREAD_TENANTS = 5
SPREAD_TOP_TENANT_SHARE = 0.5
SPREAD_OBJECT_LINES = (50, 0.02)  # one object id on at most max(50 lines, 2% of lines)
EVIDENCE_MIN_LINES = 1_000
# A log this long has room next to each traced request for the lines of every service it passes.
FOLLOW_MIN_LINES = 5_000
EVIDENCE_TRACES = 3
EVIDENCE_SAMPLES = 3
_OBJECT_ID = re.compile(r"\b(?:ord|in|usr|exp|ch|inv)_[0-9a-f]{6,}\b")
_ANY_ID = re.compile(r"\b[a-z]{1,8}_[0-9a-z]{6,}\b")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def message_template(message: str) -> str:
    """A message with its ids and numbers normalised: lines of one template normalise alike."""
    return _NUMBER.sub("N", _ANY_ID.sub("ID", message))


@invariant("log_investigation")
def logs_have_realistic_variety(payload: dict, key: dict) -> Iterator[Finding]:
    """A long log shows many kinds of lines, many of them warnings or errors (background included),
    as a real service's does; not a handful of messages repeated thousands of times."""
    logs = payload["logs"]
    if len(logs) < VARIETY_MIN_LINES:
        return
    templates = {message_template(line["message"]) for line in logs}
    warnings = {message_template(line["message"]) for line in logs if line["level"] in ("WARN", "ERROR")}
    if len(templates) < VARIETY_TEMPLATES:
        yield "$.payload.logs", f"{len(logs)} lines show only {len(templates)} kinds of message"
    if len(warnings) < VARIETY_WARN_TEMPLATES:
        yield "$.payload.logs", f"{len(logs)} lines show only {len(warnings)} kinds of WARN/ERROR message"


@invariant("log_investigation")
def log_values_are_spread(payload: dict, key: dict) -> Iterator[Finding]:
    """Many tenants send traffic, none all of it, and no order, invoice, user or export is named on
    hundreds of lines."""
    logs = payload["logs"]
    if len(logs) < SPREAD_MIN_LINES:
        return
    tenants = Counter(line["tenant_id"] for line in logs if line.get("tenant_id"))
    if tenants and len(tenants) < SPREAD_TENANTS:
        yield "$.payload.logs", f"only {len(tenants)} tenants send traffic in {len(logs)} lines"
    if tenants:
        top, lines = tenants.most_common(1)[0]
        if lines > SPREAD_TOP_TENANT_SHARE * len(logs):
            yield "$.payload.logs", f"tenant {top} is on {lines} of {len(logs)} lines"
    objects = Counter(found for line in logs for found in set(_OBJECT_ID.findall(line["message"])))
    floor, share = SPREAD_OBJECT_LINES
    if objects:
        top, lines = objects.most_common(1)[0]
        if lines > max(floor, share * len(logs)):
            yield "$.payload.logs", f"{top} is named on {lines} lines; real traffic names many objects"


@invariant("log_investigation")
def traces_and_samples_contrast_failing_with_healthy(payload: dict, key: dict) -> Iterator[Finding]:
    """A long log comes with enough traces and HTTP samples to compare a failing request with a
    healthy one."""
    if len(payload["logs"]) < EVIDENCE_MIN_LINES:
        return
    traces, samples = payload["traces"], payload["http_samples"]
    if len(traces) < EVIDENCE_TRACES:
        yield "$.payload.traces", f"has {len(traces)} traces; at least {EVIDENCE_TRACES} are needed"
    if len(samples) < EVIDENCE_SAMPLES:
        yield "$.payload.http_samples", f"has {len(samples)} samples; at least {EVIDENCE_SAMPLES} are needed"
    signal = set(key.get("signal_messages") or [])
    of_failure = {line.get("trace_id") for line in payload["logs"] if line["message"] in signal} - {None}
    failing = [
        t for t in traces if t["trace_id"] in of_failure or any(s["status"] == "error" for s in t["spans"])
    ]
    if traces and not failing:
        yield "$.payload.traces", "no trace shows a request of the failure"
    if traces and len(failing) == len(traces):
        yield "$.payload.traces", "no trace shows a healthy request to compare with"


@invariant("log_investigation")
def onset_inside_window(payload: dict, key: dict) -> Iterator[Finding]:
    onset = when(key["onset"])
    if not when(payload["window"]["start"]) <= onset <= when(payload["window"]["end"]):
        yield "$.answer_key.onset", f"{key['onset']} is outside the log window"


@invariant("log_investigation")
def ticket_after_onset(payload: dict, key: dict) -> Iterator[Finding]:
    yield from _ticket_story(payload["ticket"], "$.payload.ticket", onset=when(key["onset"]))
    yield from _subject_agrees_with_body(payload["ticket"], "$.payload.ticket")


@invariant("log_investigation", "triage_queue")
def brief_tier_matches_customer(payload: dict, key: dict) -> Iterator[Finding]:
    tickets = [payload["ticket"]] if "ticket" in payload else []
    for ticket in tickets:
        stated = re.search(r"\((enterprise|premium|standard) tier[,)]", payload["brief"])
        if stated and stated.group(1) != ticket["customer"]["tier"]:
            yield (
                "$.payload.brief",
                f"says {stated.group(1)} tier but the ticket's customer is {ticket['customer']['tier']}",
            )


@invariant("log_investigation")
def key_evidence_matches_lines(payload: dict, key: dict) -> Iterator[Finding]:
    index = _log_index(payload)
    logs = payload["logs"]
    for n, evidence in enumerate(key["key_evidence"]):
        path = f"$.answer_key.key_evidence[{n}]"
        if evidence["line_id"] not in index:
            yield f"{path}.line_id", f"{evidence['line_id']} is not a line of the payload"
            continue
        line = logs[index[evidence["line_id"]]]
        for field in ("trace_id", "request_id"):
            cited, logged = evidence.get(field), line.get(field)
            if cited == logged:
                continue
            if logged is None:
                yield f"{path}.{field}", f"is {cited} but line {line['id']} has no {field}"
            elif cited is None:
                yield path, f"gives no {field} but line {line['id']} has {logged}"
            else:
                yield f"{path}.{field}", f"is {cited} but line {line['id']} has {logged}"
    for duplicate in _duplicates(e["line_id"] for e in key["key_evidence"]):
        yield "$.answer_key.key_evidence", f"cites line {duplicate} twice"


_BEHIND = re.compile(r"\bbehind by (?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)? \(SLO (\d+)m\)")
_LAG_BESIDE_OTHERS = re.compile(r"\blag on \S+ = (\d+) messages \(other partitions < (\d+)\)")


def states_no_failure(message: str) -> bool:
    """Whether a line states a figure inside its own healthy bound: an index behind by less than its
    SLO, a partition's lag below what the other partitions show. Such a line is the root cause at work
    but not yet a failure anyone could see, so no key cites it as one."""
    behind = _BEHIND.search(message)
    if behind:
        hours, minutes, seconds, slo = (int(g or 0) for g in behind.groups())
        return hours * 3600 + minutes * 60 + seconds <= slo * 60
    lag = _LAG_BESIDE_OTHERS.search(message)
    return bool(lag) and int(lag.group(1)) < int(lag.group(2))


@invariant("log_investigation")
def key_evidence_lines_show_failures(payload: dict, key: dict) -> Iterator[Finding]:
    """Every line the key cites as a failure (all but the trigger) shows one: not a freshness within its
    SLO, not a lag at the other partitions' level."""
    index = _log_index(payload)
    for n, evidence in enumerate(key["key_evidence"]):
        if "trigger" in evidence.get("why", "").casefold() or evidence["line_id"] not in index:
            continue
        message = payload["logs"][index[evidence["line_id"]]]["message"]
        if states_no_failure(message):
            yield f"$.answer_key.key_evidence[{n}]", f"cites {message!r}, which is within its healthy bound"


# What a safe mitigation can name that only the scenario can show, and the words that show it.
MITIGATION_CLAIMS = tuple(
    (re.compile(claim, re.I), re.compile(support, re.I))
    for claim, support in ((r"\bbulk topic\b", r"\bbulk topic\b"),)
)


@invariant("log_investigation", "incident")
def safe_mitigations_name_what_is_shown(payload: dict, key: dict) -> Iterator[Finding]:
    """A key's safe mitigation names no topic, queue or path the scenario never shows ("move it to the
    bulk topic" needs a bulk topic somewhere in the logs or the drill)."""
    if "logs" in payload:
        shown = " ".join(line["message"] for line in payload["logs"])
        safe = [(f"$.answer_key.mitigations.safe[{n}]", m) for n, m in enumerate(key["mitigations"]["safe"])]
    else:
        shown = " ".join(inject["text"] for inject in payload["injects"])
        options = {o["id"]: o["text"] for d in payload["decision_points"] for o in d["options"]}
        correct = key["decisions"].get("D3", {}).get("correct", [])
        safe = [
            (f"$.answer_key.decisions.D3.correct[{n}]", options.get(o, "")) for n, o in enumerate(correct)
        ]
    for path, text in safe:
        unshown = _claims_not_shown(MITIGATION_CLAIMS, text, shown)
        if unshown:
            yield path, f"names {unshown[0]!r}, which the scenario never shows"


# Verbs that open an instruction: a timeline entry that opens with one tells what to do, not what happened.
_IMPERATIVE = re.compile(
    r"^(?:Ask|Pause|Roll|Revert|Cordon|Fail|Guide|Share|Suggest|Turn|Delete|Run|Raise|Tell|Move|Issue"
    r"|Confirm|Watch|Check|Restart|Post|Escalate|Produce|Acknowledge|Offer|Point|Remove)\b"
)


@invariant("postmortem")
def postmortem_timeline_tells_events(payload: dict, key: dict) -> Iterator[Finding]:
    """Each timeline entry says what happened ("Mitigated: the team paused the run"), never what to do
    ("Mitigated: Ask Engineering to pause the run")."""
    for n, entry in enumerate(payload.get("timeline", [])):
        text = entry["text"]
        said = text.split(": ", 1)[1] if re.match(r"^[A-Z][a-z]+: ", text) else text
        if _IMPERATIVE.match(said):
            yield f"$.payload.timeline[{n}].text", f"reads as an instruction: {said[:60]!r}"


_EXPIRES_IN = re.compile(r"^(?P<what>.+?) expires in (?P<days>\d+) days\b")


@invariant("log_investigation")
def expiry_reminders_count_down(payload: dict, key: dict) -> Iterator[Finding]:
    """A certificate's "expires in N days" reminders within one log agree on N, give or take the days the
    log spans: an expiry does not move from 15 days to 10 and back within two hours."""
    logs = payload["logs"]
    if not logs:
        return
    span_days = (_ms(logs[-1]["ts"]) - _ms(logs[0]["ts"])) // 86_400_000
    seen: dict[str, tuple[int, int]] = {}
    for n, line in enumerate(logs):
        m = _EXPIRES_IN.match(line["message"])
        if not m:
            continue
        days = int(m.group("days"))
        first = seen.setdefault(m.group("what"), (n, days))
        if abs(days - first[1]) > span_days + 1:
            yield (
                f"$.payload.logs[{n}].message",
                f"says {days} days where line {first[0]} said {first[1]} for the same expiry",
            )
            return


@invariant("log_investigation")
def successful_saml_posts_redirect(payload: dict, key: dict) -> Iterator[Finding]:
    """A SAML post that succeeds redirects into the app (302), as a browser's login does; a 200 is no
    login an IdP's post ends in."""
    for n, line in enumerate(payload["logs"]):
        if line.get("method") == "POST" and line.get("path") == "/saml/acs" and line.get("status") == 200:
            yield f"$.payload.logs[{n}].status", "a successful POST /saml/acs answers 302, not 200"
            return


_PASTED_CALL = re.compile(r"\bcurl\b[^\n]*?-X (?P<method>[A-Z]+) https://[^/\s]+(?P<path>/[^\s?\"']*)")


_SHARE_IN_TITLE = re.compile(r"\b(\d+(?:\.\d+)?)% of (?!all requests)\w+")
_ERROR_RATE_ALERT = re.compile(r"\berror rate (?P<rest>\(all requests\) )?(\d+(?:\.\d+)?)%")


@invariant("incident")
def an_alert_s_rate_is_not_mistaken_for_the_title_s_share(payload: dict, key: dict) -> Iterator[Finding]:
    """A drill whose title says what share of something fails ("33% of SAML logins") and whose alert
    gives another percentage says what the alert counts ("(all requests)"), so the two do not read as
    one figure that disagrees with itself."""
    share = _SHARE_IN_TITLE.search(payload.get("title", ""))
    if not share:
        return
    for n, inject in enumerate(payload["injects"]):
        alert = _ERROR_RATE_ALERT.search(inject["text"])
        if alert and alert.group(2) != share.group(1) and not alert.group("rest"):
            yield (
                f"$.payload.injects[{n}].text",
                f"an error rate of {alert.group(2)}% beside the title's {share.group(0)} without saying what it counts",
            )


@invariant("escalation_writeup")
def escalation_root_cause_names_what_the_thread_shows(payload: dict, key: dict) -> Iterator[Finding]:
    """The key's root cause names no migration, tenant, import, version or host the thread never gives:
    the writer has the thread, not our logs."""
    customer = payload.get("customer") or {}
    shown = f"{customer.get('name', '')} ({customer.get('tier', '')}) " + " ".join(
        m["body"] for m in payload["thread"]
    )
    unseen = unseen_ids(key.get("root_cause", ""), shown)
    if unseen:
        yield "$.answer_key.root_cause", f"names {unseen[0]}, which the thread never gives"


@invariant("escalation_writeup")
def a_pasted_call_is_one_the_failure_makes(payload: dict, key: dict) -> Iterator[Finding]:
    """A call the customer pastes (with their key in it) is one their problem involves: its path is one
    the rest of the thread or the key's repro names, not a GET /v2/orders beside a double charge."""
    facts = key["facts"]
    for n, message in enumerate(payload["thread"]):
        if message["role"] != "customer":
            continue
        for m in _PASTED_CALL.finditer(message["body"]):
            path = m.group("path").rstrip(".,")
            elsewhere = " ".join(
                [m2["body"] for k, m2 in enumerate(payload["thread"]) if k != n]
                + [message["body"].replace(m.group(0), "")]
                + list(facts.get("repro_steps", []))
                + [facts.get("actual", ""), facts.get("expected", "")]
            )
            if path not in elsewhere:
                yield (
                    f"$.payload.thread[{n}].body",
                    f"pastes a call to {m.group('method')} {path}, which nothing else in the case involves",
                )


@invariant("log_investigation")
def signal_line_count_counts_the_signal_lines(payload: dict, key: dict) -> Iterator[Finding]:
    """The key's signal_line_count is the number of lines carrying one of its signal messages."""
    signal = set(key["signal_messages"])
    carrying = sum(1 for line in payload["logs"] if line["message"] in signal)
    if carrying != key["signal_line_count"]:
        yield (
            "$.answer_key.signal_line_count",
            f"is {key['signal_line_count']} but {carrying} lines carry a signal message",
        )


@invariant("log_investigation")
def the_customer_s_tenant_is_given(payload: dict, key: dict) -> Iterator[Finding]:
    """A key that cites a failure "for the customer's tenant" rests on a tenant the candidate was given:
    the brief or the ticket names it."""
    index = _log_index(payload)
    shown = payload.get("brief", "") + " " + ticket_text(payload["ticket"])
    for n, evidence in enumerate(key["key_evidence"]):
        if "the customer's tenant" not in evidence.get("why", "") or evidence["line_id"] not in index:
            continue
        tenant = payload["logs"][index[evidence["line_id"]]].get("tenant_id")
        if tenant and tenant not in shown:
            yield (
                f"$.answer_key.key_evidence[{n}].why",
                f"calls {tenant} the customer's tenant, which nothing gives",
            )


@invariant("log_investigation")
def signal_is_in_the_logs(payload: dict, key: dict) -> Iterator[Finding]:
    """The first signal line is at the onset, and every signal message the key expects is logged."""
    messages = Counter(line["message"] for line in payload["logs"])
    for n, message in enumerate(key["signal_messages"]):
        if message not in messages:
            yield f"$.answer_key.signal_messages[{n}]", "no log line has this message"
    signal = set(key["signal_messages"])
    # The trigger (a deploy, a config change) may come before the first failure.
    triggers = {e["line_id"] for e in key["key_evidence"] if "trigger" in e["why"].casefold()}
    first = next(
        (line for line in payload["logs"] if line["message"] in signal and line["id"] not in triggers), None
    )
    if (
        first is not None
        and abs(_ms(first["ts"]) - _ms(key["onset"])) > key["onset_tolerance_seconds"] * 1000
    ):
        yield (
            "$.answer_key.onset",
            f"is {key['onset']} but the first signal line ({first['id']}) is at {first['ts']}",
        )
    cited = {e["line_id"] for e in key["key_evidence"]}
    index = _log_index(payload)
    if (
        cited
        and signal
        and not any(
            payload["logs"][index[line_id]]["message"] in signal for line_id in cited if line_id in index
        )
    ):
        yield "$.answer_key.key_evidence", "cites no line with a signal message"


@invariant("log_investigation")
def red_herrings_present_and_not_the_cause(payload: dict, key: dict) -> Iterator[Finding]:
    index = _log_index(payload)
    logs = payload["logs"]
    cited = {e["line_id"] for e in key["key_evidence"]}
    signal = set(key["signal_messages"])
    for n, herring in enumerate(key["red_herrings"]):
        path = f"$.answer_key.red_herrings[{n}]"
        if not herring["line_ids"]:
            yield f"{path}.line_ids", "a red herring the logs never show"
        for line_id in herring["line_ids"]:
            if line_id not in index:
                yield f"{path}.line_ids", f"{line_id} is not a line of the payload"
                continue
            line = logs[index[line_id]]
            if line_id in cited:
                yield f"{path}.line_ids", f"{line_id} is also cited as key evidence"
            elif line["message"] in signal:
                yield f"{path}.line_ids", f"{line_id} carries a signal message, not the red herring"
            elif herring.get("message") and line["message"] != herring["message"]:
                yield f"{path}.line_ids", f"{line_id} does not carry the red herring's message"


def _spans_by_id(trace: dict) -> dict[str, dict]:
    return {span["span_id"]: span for span in trace["spans"]}


@invariant("log_investigation")
def traces_are_well_formed(payload: dict, key: dict) -> Iterator[Finding]:
    """One root, known parents, and every child inside its parent's time; a consumer span (work its
    parent queued) starts no earlier than its parent and may outlast it."""
    for t, trace in enumerate(payload["traces"]):
        path = f"$.payload.traces[{t}]"
        spans = _spans_by_id(trace)
        roots = [s for s in trace["spans"] if s["parent_span_id"] is None]
        if len(roots) != 1:
            yield f"{path}.spans", f"has {len(roots)} root spans; a trace has one"
        for s, span in enumerate(trace["spans"]):
            parent = spans.get(span["parent_span_id"]) if span["parent_span_id"] else None
            if span["parent_span_id"] and parent is None:
                yield (
                    f"{path}.spans[{s}].parent_span_id",
                    f"{span['parent_span_id']} is not a span of the trace",
                )
                continue
            if parent is None:
                continue
            if span["start_offset_ms"] < parent["start_offset_ms"]:
                yield f"{path}.spans[{s}].start_offset_ms", "starts before its parent span"
            elif span.get("kind") != "consumer" and (
                span["start_offset_ms"] + span["duration_ms"]
                > parent["start_offset_ms"] + parent["duration_ms"]
            ):
                yield f"{path}.spans[{s}].duration_ms", "ends after its parent span ends"


_ATTEMPT = re.compile(r"\s*\((?:attempt|retry) \d+(?:/\d+)?\)$")


def _retried(failed: dict, calls: list[dict]) -> bool:
    """Whether a later call of the same operation (its next attempt), or a retry or fallback named so,
    went through after `failed`."""
    operation = _ATTEMPT.sub("", failed["operation"])
    return any(
        call["status"] == "ok"
        and call["start_offset_ms"] >= failed["start_offset_ms"]
        and call is not failed
        and (
            _ATTEMPT.sub("", call["operation"]) == operation
            or re.search(r"\b(?:retry|fallback)\b", call["operation"])
        )
        for call in calls
    )


@invariant("log_investigation")
def parent_spans_surface_child_errors(payload: dict, key: dict) -> Iterator[Finding]:
    """A call that failed fails the span that waited for it: a parent that reports ok over a failed
    child has either retried it (a later attempt of the same call went through, or a retry or fallback
    did) or handed the work on (the child is a consumer, run after the parent answered)."""
    for t, trace in enumerate(payload["traces"]):
        spans = _spans_by_id(trace)
        for s, span in enumerate(trace["spans"]):
            parent = spans.get(span["parent_span_id"]) if span["parent_span_id"] else None
            if parent is None or span["status"] != "error" or parent["status"] != "ok":
                continue
            if span.get("kind") == "consumer":
                continue
            calls = [x for x in trace["spans"] if x["parent_span_id"] == parent["span_id"]]
            if not _retried(span, calls):
                p = trace["spans"].index(parent)
                yield (
                    f"$.payload.traces[{t}].spans[{p}].status",
                    f"is ok, but the call it waited for ({span['operation']}, spans[{s}]) failed and was "
                    "not retried",
                )


def _line_of(
    payload: dict,
    *,
    trace_id: str,
    span_id: str | None = None,
    request_id: str | None = None,
    http: bool = False,
):
    """The first line of the trace (and span, and request); with `http`, the first that records the
    HTTP request when one does (a request logs a line in each service it passes)."""
    found = (None, None)
    for n, line in enumerate(payload["logs"]):
        if line.get("trace_id") != trace_id:
            continue
        if span_id is not None and line.get("span_id") != span_id:
            continue
        if request_id is not None and line.get("request_id") != request_id:
            continue
        if not http or "method" in line:
            return n, line
        if found[1] is None:
            found = (n, line)
    return found


def _trace_extent(trace: dict) -> int:
    """How long after its start a trace's last span ends (a consumer span may outlast the root)."""
    return max(span["start_offset_ms"] + span["duration_ms"] for span in trace["spans"])


# What a span may spend besides waiting for the spans it calls: a proxy's hop, a service's own
# query or rendering. More than this, and more than half the span, is time nothing accounts for.
OWN_TIME_LIMIT_MS = 1_000


def _own_time(span: dict, calls: list[dict]) -> int:
    """The part of a span's time none of the spans it waits for covers."""
    covered, reach = 0, span["start_offset_ms"]
    for call in sorted(calls, key=lambda c: c["start_offset_ms"]):
        begin = max(call["start_offset_ms"], reach)
        end = call["start_offset_ms"] + call["duration_ms"]
        if end > begin:
            covered += end - begin
            reach = end
    return span["duration_ms"] - covered


@invariant("log_investigation")
def spans_cover_their_calls_closely(payload: dict, key: dict) -> Iterator[Finding]:
    """A span that calls others lasts as long as those calls plus its own work, and its own work is
    small: a gateway that took 15 s over a 70 ms call to its upstream did nothing for 15 s."""
    for t, trace in enumerate(payload["traces"]):
        for s, span in enumerate(trace["spans"]):
            calls = [
                c
                for c in trace["spans"]
                if c["parent_span_id"] == span["span_id"] and c.get("kind") != "consumer"
            ]
            if not calls:
                continue
            own = _own_time(span, calls)
            if own > max(OWN_TIME_LIMIT_MS, span["duration_ms"] // 2):
                yield (
                    f"$.payload.traces[{t}].spans[{s}].duration_ms",
                    f"is {span['duration_ms']} ms, {own} ms more than the spans it calls account for",
                )


# Before the onset nothing is wrong: a request that succeeded then was answered in a healthy time.
BASELINE_REQUEST_LIMIT_MS = 2_000


@invariant("log_investigation")
def baseline_requests_are_fast(payload: dict, key: dict) -> Iterator[Finding]:
    """A trace with no error that began before the onset (a healthy baseline request) was answered
    within BASELINE_REQUEST_LIMIT_MS."""
    onset = _ms(key["onset"]) if key.get("onset") else None
    if onset is None:
        return
    for t, trace in enumerate(payload["traces"]):
        if _ms(trace["started_at"]) >= onset or any(s["status"] == "error" for s in trace["spans"]):
            continue
        root = next((s for s in trace["spans"] if s["parent_span_id"] is None), trace["spans"][0])
        if root["duration_ms"] > BASELINE_REQUEST_LIMIT_MS:
            yield (
                f"$.payload.traces[{t}].spans[{trace['spans'].index(root)}].duration_ms",
                f"is {root['duration_ms']} ms for a request that succeeded before the onset",
            )


@invariant("log_investigation")
def traces_match_log_lines(payload: dict, key: dict) -> Iterator[Finding]:
    """Each trace is the request of a log line: same trace and span ids, service, operation, status,
    latency and time."""
    traced = {trace["trace_id"] for trace in payload["traces"]}
    by_trace: dict[str, list[int]] = {}
    for n, line in enumerate(payload["logs"]):
        if line.get("trace_id") in traced:  # a system line outside any request has none
            by_trace.setdefault(line["trace_id"], []).append(n)
    for t, trace in enumerate(payload["traces"]):
        path = f"$.payload.traces[{t}]"
        lines = [payload["logs"][n] for n in by_trace.get(trace["trace_id"], [])]
        if not lines:
            yield f"{path}.trace_id", f"{trace['trace_id']} matches no log line"
            continue
        spans = _spans_by_id(trace)
        start = _ms(trace["started_at"])
        for line in lines:
            # The line's own span; a hand-written trace may leave span ids out, then its service's span.
            span = spans.get(line.get("span_id")) or next(
                (x for x in trace["spans"] if x["service"] == line["service"]), None
            )
            if span is None:
                yield (
                    f"{path}.spans",
                    f"no span is line {line['id']}'s ({line.get('span_id', 'no span id')}, {line['service']})",
                )
                continue
            s = trace["spans"].index(span)
            if span["service"] != line["service"]:
                yield (
                    f"{path}.spans[{s}].service",
                    f"is {span['service']} but line {line['id']} is from {line['service']}",
                )
            if "method" in line:
                operation = _HTTP_OPERATION.match(span["operation"])
                if operation and not (
                    operation.group(1) == line["method"] and _same_path(operation.group(2), line["path"])
                ):
                    yield (
                        f"{path}.spans[{s}].operation",
                        f"is {span['operation']!r} but line {line['id']} is {line['method']} {line['path']}",
                    )
                failed = line["status"] >= 400
                if failed and span["status"] == "ok":
                    yield (
                        f"{path}.spans[{s}].status",
                        f"is ok but line {line['id']} answered {line['status']}",
                    )
                if not failed and any(x["status"] == "error" for x in trace["spans"]):
                    yield f"{path}.spans", f"has error spans but line {line['id']} answered {line['status']}"
                if abs(span["duration_ms"] - line["latency_ms"]) > max(5, line["latency_ms"] // 4):
                    yield (
                        f"{path}.spans[{s}].duration_ms",
                        f"is {span['duration_ms']} ms but line {line['id']} took {line['latency_ms']} ms",
                    )
            moment = _ms(line["ts"])
            if not start <= moment <= start + _trace_extent(trace) + 1000:
                yield f"{path}.started_at", f"the trace does not cover line {line['id']} at {line['ts']}"


@invariant("log_investigation")
def traces_can_be_followed_across_services(payload: dict, key: dict) -> Iterator[Finding]:
    """A request can be followed by its trace id: every service its spans name logs a line carrying the
    trace id (in a log of FOLLOW_MIN_LINES or more: a short excerpt may miss a service's line), every
    line of the trace has the same request id and tenant, and a line of a span lies inside that span's
    time."""
    long_log = len(payload["logs"]) >= FOLLOW_MIN_LINES
    traced = {trace["trace_id"] for trace in payload["traces"]}
    by_trace: dict[str, list[int]] = {}
    for n, line in enumerate(payload["logs"]):
        if line.get("trace_id") in traced:
            by_trace.setdefault(line["trace_id"], []).append(n)
    for t, trace in enumerate(payload["traces"]):
        path = f"$.payload.traces[{t}]"
        numbers = by_trace.get(trace["trace_id"], [])
        if not numbers:
            continue  # traces_match_log_lines says so
        lines = [(n, payload["logs"][n]) for n in numbers]
        logged = {line["service"] for _, line in lines}
        for s, span in enumerate(trace["spans"]):
            if long_log and span["service"] not in logged:
                yield (
                    f"{path}.spans[{s}].service",
                    f"no {span['service']} log line carries trace {trace['trace_id']}",
                )
                logged.add(span["service"])
        for field in ("request_id", "tenant_id"):
            first = lines[0][1].get(field)
            for n, line in lines[1:]:
                if line.get(field) != first:
                    yield (
                        f"$.payload.logs[{n}].{field}",
                        f"is {line.get(field)} but line {lines[0][1]['id']} of the same trace has {first}",
                    )
                    break
        spans = _spans_by_id(trace)
        start = _ms(trace["started_at"])
        for n, line in lines:
            span = spans.get(line.get("span_id"))
            if span is None:
                continue
            begins = start + span["start_offset_ms"]
            if not begins <= _ms(line["ts"]) <= begins + span["duration_ms"]:
                yield (
                    f"$.payload.logs[{n}].ts",
                    f"{line['ts']} is outside its span {span['span_id']} ({span['service']} {span['operation']})",
                )


def _sample_latency_is_the_root_s(payload: dict, path: str, sample: dict, root: dict) -> Iterator[Finding]:
    """A sample's latency is the whole request's: its trace's root span, and the line of that span."""
    latency = sample["response"].get("latency_ms")
    if latency is None:
        return
    if latency != root["duration_ms"]:
        yield (
            f"{path}.response.latency_ms",
            f"is {latency} ms but the trace's root span took {root['duration_ms']} ms: one request, one figure",
        )
        return
    _, line = _line_of(payload, trace_id=sample["trace_id"], span_id=root.get("span_id"))
    if root.get("span_id") and line is not None and line.get("latency_ms", latency) != latency:
        yield (
            f"{path}.response.latency_ms",
            f"is {latency} ms but line {line['id']} of the root span took {line['latency_ms']} ms",
        )


@invariant("log_investigation")
def http_samples_match_log_lines(payload: dict, key: dict) -> Iterator[Finding]:
    """Each HTTP sample is a logged request: same ids, method, path, status and time; the client waited
    at least as long as the server took."""
    traces = {trace["trace_id"]: trace for trace in payload["traces"]}
    for n, sample in enumerate(payload["http_samples"]):
        path = f"$.payload.http_samples[{n}]"
        _, line = _line_of(payload, trace_id=sample["trace_id"], request_id=sample["request_id"], http=True)
        if line is None:
            yield (
                f"{path}.request_id",
                f"{sample['request_id']} (trace {sample['trace_id']}) matches no log line",
            )
            continue
        request, response = sample["request"], sample["response"]
        if "method" not in line:
            yield f"{path}.request_id", f"line {line['id']} of this request is not an HTTP request"
            continue
        if request["method"] != line["method"]:
            yield (
                f"{path}.request.method",
                f"is {request['method']} but line {line['id']} is {line['method']}",
            )
        if not _same_path(_url_path(request["url"]), line["path"]):
            yield f"{path}.request.url", f"does not end in {line['path']}, the path of line {line['id']}"
        if response["status"] != line["status"]:
            yield (
                f"{path}.response.status",
                f"is {response['status']} but line {line['id']} says {line['status']}",
            )
        if abs(_ms(sample["at"]) - _ms(line["ts"])) > 1000:
            yield f"{path}.at", f"is {sample['at']} but line {line['id']} is at {line['ts']}"
        latency = response.get("latency_ms")
        trace = traces.get(sample["trace_id"])
        if trace is None and latency is not None and latency != line["latency_ms"]:
            yield (
                f"{path}.response.latency_ms",
                f"is {latency} ms but line {line['id']} took {line['latency_ms']} ms: one request, one figure",
            )
        if trace is not None:
            root = next((s for s in trace["spans"] if s["parent_span_id"] is None), trace["spans"][0])
            yield from _sample_latency_is_the_root_s(payload, path, sample, root)
            operation = _HTTP_OPERATION.match(root["operation"])
            if operation and operation.group(1) != request["method"]:
                yield (
                    f"{path}.request.method",
                    f"is {request['method']} but its trace is a {operation.group(1)}",
                )
        body = response.get("body")
        if isinstance(body, dict) and response["status"] >= 400 and body.get("ok") is True:
            yield f"{path}.response.body", f"says ok but the status is {response['status']}"


@invariant("log_investigation")
def http_samples_are_their_tenants_requests(payload: dict, key: dict) -> Iterator[Finding]:
    """A sample wearing the ticket customer's own integration agent is a request of the customer's
    tenant: all such samples join lines of one tenant, the one the ticket names if it names one."""
    ticket = payload.get("ticket") or {}
    domain = ((ticket.get("customer") or {}).get("email") or "").rpartition("@")[2]
    if not domain:
        return
    named = set(_TENANT.findall(ticket_text(ticket)))
    first: str | None = None
    for n, sample in enumerate(payload["http_samples"]):
        agent = sample["request"].get("headers", {}).get("User-Agent", "")
        if domain not in agent:
            continue
        _, line = _line_of(payload, trace_id=sample["trace_id"], request_id=sample["request_id"], http=True)
        tenant = (line or {}).get("tenant_id")
        if not tenant:
            continue
        first = first or tenant
        if (len(named) == 1 and tenant not in named) or tenant != first:
            yield (
                f"$.payload.http_samples[{n}].request.headers.User-Agent",
                f"is the customer's agent {agent!r}, but line {line['id']} is a request of {tenant}",
            )


@invariant("log_investigation")
def http_samples_carry_the_query_the_ticket_quotes(payload: dict, key: dict) -> Iterator[Finding]:
    """A failing request of the customer's tenant (the one the brief names) on a method and path whose
    request the ticket pastes with a query carries that query: the cursor, the filter or the page size
    the failure involves is in the sample, not a bare path beside a quoted query."""
    ticket = payload.get("ticket") or {}
    quoted = quoted_queries(ticket.get("error_snippet") or "")
    tenants = set(_TENANT.findall(payload.get("brief", "")))
    if not quoted or len(tenants) != 1:
        return
    for n, sample in enumerate(payload["http_samples"]):
        request = sample["request"]
        _, line = _line_of(payload, trace_id=sample["trace_id"], request_id=sample["request_id"], http=True)
        if line is None or line.get("tenant_id") not in tenants or sample["response"]["status"] < 400:
            continue
        query = quoted.get((request["method"], _url_path(request["url"])))
        given = set(request["url"].partition("?")[2].split("&"))
        if query and not set(query.split("&")) <= given:
            yield (
                f"$.payload.http_samples[{n}].request.url",
                f"lacks ?{query}, the query of the request the ticket pastes for {request['method']} "
                f"{_url_path(request['url'])}",
            )


# The agent the logs name for a source address or a key ("from 203.0.113.9 ...; user-agent curl/8.5.0",
# "key rk_live_ab12cd*** ... (ua=okhttp/4.12.0)").
_AGENT_OF_ADDRESS = re.compile(r"\bfrom (\d{1,3}(?:\.\d{1,3}){3})\b.*?\buser-agent (\S+(?: \([^)]*\))?)")
_AGENT_OF_KEY = re.compile(r"\bkey ([a-z]{2}_live_[0-9a-f]+)\*{3}.*?\(ua=([^)]+)\)")
_ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
_KEY = re.compile(r"\b[a-z]{2}_live_[0-9a-f]+(?=\*{3})")


@invariant("log_investigation")
def http_samples_carry_the_agent_the_logs_name(payload: dict, key: dict) -> Iterator[Finding]:
    """When the logs name the client of a source address or a key (a leaked key's first use from an
    unknown network, a key that ignores Retry-After), a sample of a request from that address or with
    that key carries that client's User-Agent."""
    agents: dict[str, str] = {}
    for _, message, _ in _messages_and_times(payload["logs"]):
        for pattern in (_AGENT_OF_ADDRESS, _AGENT_OF_KEY):
            if stated := pattern.search(message):
                agents.setdefault(stated.group(1), stated.group(2))
    if not agents:
        return
    for n, sample in enumerate(payload["http_samples"]):
        _, line = _line_of(payload, trace_id=sample["trace_id"], request_id=sample["request_id"], http=True)
        if line is None:
            continue
        named = [x for x in _ADDRESS.findall(line["message"]) + _KEY.findall(line["message"]) if x in agents]
        agent = sample["request"].get("headers", {}).get("User-Agent", "")
        if named and agent != agents[named[0]]:
            yield (
                f"$.payload.http_samples[{n}].request.headers.User-Agent",
                f"is {agent!r}, but the logs name {agents[named[0]]!r} as the client of {named[0]}",
            )


_RETRY_AFTER_STATED = re.compile(r"\bRetry-After:? (\d+)\b|\bretry after (\d+) ?(?:s|seconds)\b", re.I)
_PASTED_STATUS = re.compile(r"^HTTP/\d(?:\.\d)? (\d{3})\b", re.M)


def _stated_retry_after(text: str) -> int | None:
    found = _RETRY_AFTER_STATED.search(text)
    return int(found.group(1) or found.group(2)) if found else None


@invariant("log_investigation")
def retry_after_is_one_figure(payload: dict, key: dict) -> Iterator[Finding]:
    """A 429's or 503's wait is one figure: the sample's Retry-After header, what its body says, what its
    log line states and what the ticket's pasted response of the same status shows all agree."""
    ticket = payload.get("ticket") or {}
    snippet = ticket.get("error_snippet") or ""
    pasted = _PASTED_STATUS.search(snippet)
    for n, sample in enumerate(payload["http_samples"]):
        response = sample["response"]
        header = response.get("headers", {}).get("Retry-After")
        waited = int(header) if header is not None and str(header).isdigit() else None
        body = response.get("body")
        _, line = _line_of(payload, trace_id=sample["trace_id"], request_id=sample["request_id"], http=True)
        stated = [
            ("its body", _stated_retry_after(body if isinstance(body, str) else str(body))),
            (
                f"line {line['id']}" if line else "its line",
                _stated_retry_after(line["message"]) if line else None,
            ),
            (
                "the ticket's pasted response",
                _stated_retry_after(snippet)
                if pasted and int(pasted.group(1)) == response["status"]
                else None,
            ),
        ]
        for where, figure in stated:
            if figure is not None and figure != waited:
                yield (
                    f"$.payload.http_samples[{n}].response.headers.Retry-After",
                    f"is {header if header is not None else 'missing'}, but {where} says retry after {figure} s",
                )
                break


_PASTED_REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/[^\s?]*)\S* HTTP/", re.M)
_PASTED_JSON = re.compile(r"^(\{.*\})[ \t]*$", re.M)


def _schema(body: dict) -> tuple:
    """The shape of an error body: its fields and whether each holds an object or a plain value."""
    return tuple(sorted((name, isinstance(value, dict)) for name, value in body.items()))


@invariant("log_investigation")
def error_bodies_share_the_ticket_s_schema(payload: dict, key: dict) -> Iterator[Finding]:
    """One schema per API: a failing sample on the method and path whose response the ticket pastes
    has an error body of the pasted body's fields ({"error": code, "message": text} is not
    {"error": {"message": ..., "status": 500}})."""
    snippet = (payload.get("ticket") or {}).get("error_snippet") or ""
    request, body = _PASTED_REQUEST.search(snippet), _PASTED_JSON.search(snippet)
    if not request or not body:
        return
    try:
        pasted = json.loads(body.group(1))
    except ValueError:
        return
    if not isinstance(pasted, dict):
        return
    for n, sample in enumerate(payload["http_samples"]):
        response, sent = sample["response"], sample["request"]
        same = (sent["method"], _url_path(sent["url"])) == request.groups()
        given = response.get("body")
        if (
            same
            and response["status"] >= 400
            and isinstance(given, dict)
            and _schema(given) != _schema(pasted)
        ):
            yield (
                f"$.payload.http_samples[{n}].response.body",
                f"has the fields {sorted(given)}, but the ticket's pasted error body for "
                f"{sent['method']} {_url_path(sent['url'])} has {sorted(pasted)}: one schema per API",
            )


_ACKNOWLEDGEMENT = frozenset({"ok", "success", "status"})


@invariant("log_investigation")
def http_sample_bodies_are_what_the_api_returns(payload: dict, key: dict) -> Iterator[Finding]:
    """A successful response carries what its endpoint returns (an order, a page of customers, a token),
    not a bare {"ok": true}; only a 204, a redirect or a 304 has no body."""
    for n, sample in enumerate(payload["http_samples"]):
        response = sample["response"]
        if not 200 <= response["status"] < 300 or response["status"] == 204:
            continue
        body = response.get("body")
        if body in (None, "", {}, []) or (isinstance(body, dict) and set(body) <= _ACKNOWLEDGEMENT):
            yield (
                f"$.payload.http_samples[{n}].response.body",
                f"is {body!r} for a {sample['request']['method']} that answered {response['status']}",
            )


@invariant("log_investigation")
def dashboard_is_physical(payload: dict, key: dict) -> Iterator[Finding]:
    board = payload["dashboard"]
    start, end = when(payload["window"]["start"]), when(payload["window"]["end"])
    percent = board["saturation_metric"].get("unit") == "%"
    previous = None
    for n, point in enumerate(board["series"]):
        path = f"$.payload.dashboard.series[{n}]"
        moment = when(point["ts"])
        if previous is not None and moment <= previous:
            yield f"{path}.ts", "dashboard points are out of time order"
        previous = moment
        p50, p95, p99 = (point.get(f"latency_p{q}_ms") for q in (50, 95, 99))
        # No two percentiles of a service's traffic are the same figure: p95 = p99 is a tell.
        if None not in (p50, p95, p99) and not p50 < p95 < p99:
            yield path, f"latency percentiles not strictly in order: p50 {p50}, p95 {p95}, p99 {p99}"
        if percent and not 0 <= point["saturation"] <= 100:
            yield f"{path}.saturation", f"is {point['saturation']}%, outside 0-100"
        if point.get("saturation", 0) < 0:
            yield f"{path}.saturation", "cannot be negative"
    for n, event in enumerate(board["events"]):
        if not start <= when(event["ts"]) <= end:
            yield f"$.payload.dashboard.events[{n}].ts", f"{event['ts']} is outside the log window"


# --- triage_queue ---------------------------------------------------------------------------------


@invariant("triage_queue")
def tickets_unique_and_in_time_order(payload: dict, key: dict) -> Iterator[Finding]:
    yield from _unique_ids(payload["tickets"], "$.payload.tickets", "ticket")
    yield from _in_time_order(payload["tickets"], "$.payload.tickets", "received_at", "tickets")


@invariant("triage_queue")
def triage_key_covers_the_queue(payload: dict, key: dict) -> Iterator[Finding]:
    ids = [t["id"] for t in payload["tickets"]]
    for ticket_id in key["tickets"]:
        if ticket_id not in ids:
            yield f"$.answer_key.tickets.{ticket_id}", "names a ticket that is not in the payload"
    for ticket_id in ids:
        if ticket_id not in key["tickets"]:
            yield "$.answer_key.tickets", f"has no entry for ticket {ticket_id}"
    if sorted(key["priority_order"]) != sorted(ids):
        yield "$.answer_key.priority_order", "must list every ticket of the payload exactly once"


def known_components() -> frozenset[str]:
    """The component names of the catalog: its archetypes' and its benign tickets'."""
    from scenarios.catalog import catalog

    data = catalog()
    return frozenset(a["component"] for a in data["archetypes"]) | frozenset(
        t["component"] for t in data["benign_tickets"]
    )


@invariant("triage_queue", "log_investigation")
def components_are_known(payload: dict, key: dict) -> Iterator[Finding]:
    """A key's component is one the catalog names, so scoring compares like with like (not free text)."""
    known = known_components()
    named = [("$.answer_key.component", key.get("component"))] if "component" in key else []
    named += [
        (f"$.answer_key.tickets.{ticket_id}.component", entry.get("component"))
        for ticket_id, entry in (key.get("tickets") or {}).items()
    ]
    for path, component in named:
        if component not in known:
            yield path, f"{component!r} is not a component of the catalog ({', '.join(sorted(known))})"


@invariant("triage_queue")
def triage_key_agrees_with_tickets(payload: dict, key: dict) -> Iterator[Finding]:
    """The key's tier is the ticket customer's; a fact is not both stated and missing; a clear ticket
    says what a vague one does not."""
    for ticket in payload["tickets"]:
        entry = key["tickets"].get(ticket["id"])
        if entry is None:
            continue
        path = f"$.answer_key.tickets.{ticket['id']}"
        if entry["tier"] != ticket["customer"]["tier"]:
            yield (
                f"{path}.tier",
                f"is {entry['tier']} but the ticket's customer is {ticket['customer']['tier']}",
            )
        both = set(entry["missing_facts"]) & set(entry.get("stated_facts", []))
        if both:
            yield (
                f"{path}.missing_facts",
                f"lists as missing what it also lists as stated: {sorted(both)[0]!r}",
            )


@invariant("triage_queue")
def triage_tickets_tell_a_consistent_story(payload: dict, key: dict) -> Iterator[Finding]:
    """Relative times in a ticket fit the time it arrived; a subject agrees with its body.

    A triage key has no onset, so only what one ticket says against itself is checked here: the
    earliest ticket of the queue bounds how long the failure can have run when it arrived.
    """
    for n, ticket in enumerate(payload["tickets"]):
        yield from _subject_agrees_with_body(ticket, f"$.payload.tickets[{n}]")


# --- escalation_writeup ---------------------------------------------------------------------------


@invariant("escalation_writeup")
def thread_unique_and_in_time_order(payload: dict, key: dict) -> Iterator[Finding]:
    yield from _unique_ids(payload["thread"], "$.payload.thread", "message")
    yield from _in_time_order(payload["thread"], "$.payload.thread", "sent_at", "messages")


@invariant("escalation_writeup")
def secret_is_in_its_message(payload: dict, key: dict) -> Iterator[Finding]:
    bodies = {m["id"]: m["body"] for m in payload["thread"]}
    secret = key["secret"]
    if secret["message_id"] not in bodies:
        yield "$.answer_key.secret.message_id", f"{secret['message_id']} is not a message of the thread"
    elif secret["value"] not in bodies[secret["message_id"]]:
        yield "$.answer_key.secret.value", f"does not occur in message {secret['message_id']}"
    for n, message_id in enumerate(key["noise_message_ids"]):
        if message_id not in bodies:
            yield f"$.answer_key.noise_message_ids[{n}]", f"{message_id} is not a message of the thread"
        elif message_id == secret["message_id"]:
            yield f"$.answer_key.noise_message_ids[{n}]", "the message with the secret is not noise"


def _thread_text(payload: dict) -> str:
    return _norm(" ".join(m["subject"] + " " + m["body"] for m in payload["thread"]))


@invariant("escalation_writeup")
def escalation_facts_are_in_the_thread(payload: dict, key: dict) -> Iterator[Finding]:
    """Every id, version and count the packet must carry can be found in the thread. (The workaround
    and the environment are the engineer's own summary, so they are not looked for word for word.)"""
    facts = key["facts"]
    text = _thread_text(payload)
    for field in ("request_ids", "trace_ids", "versions"):
        for n, value in enumerate(facts.get(field, [])):
            if _norm(value) not in text:
                yield f"$.answer_key.facts.{field}[{n}]", f"{value} does not occur in the thread"
    impact = facts.get("impact") or {}
    for field in ("records", "users"):
        if field in impact and not re.search(
            rf"(?<![\d,]){impact[field]:,}(?![\d,])|(?<!\d){impact[field]}(?!\d)", text
        ):
            yield f"$.answer_key.facts.impact.{field}", f"{impact[field]} does not occur in the thread"
    if "tier" in impact and impact["tier"] != payload["customer"]["tier"]:
        yield (
            "$.answer_key.facts.impact.tier",
            f"is {impact['tier']} but the customer is {payload['customer']['tier']}",
        )
    if "onset" in facts and when(facts["onset"]) > when(payload["thread"][0]["sent_at"]):
        yield "$.answer_key.facts.onset", "is after the first message of the thread"


# What L1 writes when it points the reader at the secret instead of leaving it to them to notice.
_POINTS_AT_SECRET = re.compile(
    r"\bredact|\bpasted (?:a|the|their) (?:credential|secret|key|password|token)"
    r"|\b(?:a|live) (?:secret|credential) in\b|\bcareful with their\b",
    re.I,
)
# What L1 writes when it states a diagnosis instead of what it saw and did.
_DIAGNOSIS = re.compile(r"\broot cause\b|\bcaused by\b|\bthe cause is\b|\bthis is because\b", re.I)


def _word_runs(text: str, size: int) -> set[tuple[str, ...]]:
    """Runs of `size` consecutive words, ids and figures left out: a node or partition both name is
    evidence, not wording."""
    words = re.findall(r"[a-z0-9_'.-]+", text.casefold())
    runs = (tuple(words[n : n + size]) for n in range(len(words) - size + 1))
    return {run for run in runs if all(re.fullmatch(r"[a-z']+", word) for word in run)}


@invariant("escalation_writeup")
def escalation_l1_notes_state_what_l1_saw(payload: dict, key: dict) -> Iterator[Finding]:
    """An L1 note says what L1 saw and did (a repro, a console, what the customer said), not the root
    cause in the key's words, and does not point at the secret the candidate must notice themselves."""
    cause = _word_runs(key.get("root_cause") or "", 6)
    for n, message in enumerate(payload["thread"]):
        if message["role"] != "l1_note":
            continue
        path = f"$.payload.thread[{n}].body"
        if found := _POINTS_AT_SECRET.search(message["body"]):
            yield path, f"points at the secret ({found.group(0)!r}); noticing it is the candidate's part"
        if found := _DIAGNOSIS.search(message["body"]):
            yield path, f"states a diagnosis ({found.group(0)!r}) instead of what L1 saw"
        if shared := sorted(cause & _word_runs(message["body"], 6)):
            yield path, f"states the root cause in the key's words ({' '.join(shared[0])!r})"


# What an L1 note may repeat of the key's cause: the versions the change log gives and the tenant's id.
_CONTEXT_VALUE = re.compile(r"^(?:v\d|tn_)")


def _attaches_the_evidence(payload: dict) -> bool:
    """Whether the thread attaches the log lines that show the cause (as it does on hard)."""
    return any(m["role"] == "system" and m["subject"].startswith("Attachment:") for m in payload["thread"])


@invariant("escalation_writeup")
def escalation_l1_leaves_the_evidence_to_the_attachment(payload: dict, key: dict) -> Iterator[Finding]:
    """Where the thread attaches the log lines that show the cause (on hard), L1's notes report the
    symptoms and state no value of the key's cause chain (an expiry time, a node, a record's target, the
    exact onset) that the customer has not given: finding it in the evidence is the reader's part."""
    if not _attaches_the_evidence(payload):
        return
    cause = key.get("root_cause") or ""
    values = set(fact_tokens(cause)) | set(_ISO_STAMP.findall(cause))
    if onset := key["facts"].get("onset"):
        values.add(onset)
    said = " ".join(m["body"] for m in payload["thread"] if m["role"] == "customer")
    values = {v for v in values if not _CONTEXT_VALUE.match(v) and v not in said}
    for n, message in enumerate(payload["thread"]):
        if message["role"] == "l1_note" and (found := sorted(v for v in values if v in message["body"])):
            yield (
                f"$.payload.thread[{n}].body",
                f"hands over {found[0]!r}, which the attached evidence is there to show",
            )


# A customer who can wait, and the severities that cannot.
_RELAXED = re.compile(r"\bthis week is fine\b|\bno rush\b|\bno need to call\b|\bwhenever you can\b", re.I)


@invariant("escalation_writeup")
def escalation_urgency_fits_the_severity(payload: dict, key: dict) -> Iterator[Finding]:
    """A customer whose failure is SEV1 or SEV2 does not tell support there is no hurry."""
    severity = (key.get("facts") or {}).get("severity")
    if severity not in ("SEV1", "SEV2"):
        return
    for n, message in enumerate(payload["thread"]):
        if message["role"] == "customer" and (found := _RELAXED.search(message["body"])):
            yield f"$.payload.thread[{n}].body", f"says {found.group(0)!r} of a {severity} failure"


# A word or a phrase of up to four words written twice in a row ("the customer's the customer's").
_DOUBLED = re.compile(r"\b([A-Za-z]+(?:'s?)?(?: [A-Za-z]+(?:'s?)?){0,3}) \1\b", re.I)


@invariant("triage_queue", "escalation_writeup", "customer_comms", "incident")
def texts_do_not_double_words(payload: dict, key: dict) -> Iterator[Finding]:
    """No text writes a word or phrase twice in a row: what filling a template leaves behind when a
    fact's name lands next to the name it replaces."""
    for path, text in [*_strings(payload, "$.payload"), *_strings(key, "$.answer_key")]:
        for found in _DOUBLED.finditer(text):
            if found.group(1).casefold() not in ("that", "had", "is"):
                yield path, f"writes {found.group(0)!r}, doubling {found.group(1)!r}"
                break


# Words that open a sentence but, joined after a colon in the middle of one, are written lower-case:
# "...can do meanwhile: retry the request", not "...meanwhile: Retry the request".
CLAUSE_OPENERS = frozenset(
    re.findall(
        r"\S+",
        "a admins all an and any as avoid check customers do don't fetch filter for from if in it its move no "
        "nothing once orders our please reduce retry revoke since some that the there these they this those "
        "to try until use users wait we when while you your",
    )
)
# A capitalised word after a colon that follows a lower-case word; a splice when the sentence before
# the colon is well under way (five words or more: a label or a speaker heading a text, "Automatic
# reply: ...", "Engineer looking into it: ...", is none).
_SPLICE = re.compile(r"(?<![\w./-])[a-z][a-z'-]*: ([A-Z][a-z']*)\b")
_SENTENCE_END = re.compile(r"[.!?:\n]\s")


def _splices(text: str) -> Iterator[str]:
    """The "word: Capitalised-common-word" splices of a text."""
    for found in _SPLICE.finditer(text):
        if found.group(1).casefold() not in CLAUSE_OPENERS:
            continue
        before = text[: found.start()]
        start = max((m.end() for m in _SENTENCE_END.finditer(before)), default=0)
        words = text[start : found.end()].split()
        if len(words) >= 6:
            yield " ".join(words[-6:])


def as_clause(text: str, *, names: Iterable[str] = ()) -> str:
    """`text` as a clause joined after a colon: its first letter lower-case, unless its first word is an
    acronym ("SSO", "API") or one of the proper `names` (the product, the customer)."""
    first = text.split(" ", 1)[0]
    if not first or first[1:] != first[1:].lower() or any(first.startswith(name) for name in names if name):
        return text
    return text[0].lower() + text[1:]


@invariant(ALL_KINDS)
def clauses_joined_after_a_colon_are_lower_case(payload: dict, key: dict) -> Iterator[Finding]:
    """A clause spliced into a sentence after a colon keeps the sentence's case: "...meanwhile: if you"
    rather than "...meanwhile: If you" (a label such as "Automatic reply: ..." heads its own text and
    is left be)."""
    for path, text in [*_strings(payload, "$.payload"), *_strings(key, "$.answer_key")]:
        for splice in _splices(text):
            yield path, f"writes {splice!r}: a clause joined after a colon starts lower-case"
            break


# --- customer_comms -------------------------------------------------------------------------------


_LOG_TIMESTAMP = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b")


@invariant("customer_comms")
def what_customers_read_gives_times_to_the_minute(payload: dict, key: dict) -> Iterator[Finding]:
    """The facts an update is written from state times as a status page does ("since 03:39 UTC"), not as
    a log line's timestamp with seconds, which the writer would otherwise paste to customers."""
    for field in ("known", "unknown"):
        for n, text in enumerate(payload.get(field, [])):
            if _LOG_TIMESTAMP.search(text):
                yield f"$.payload.{field}[{n}]", "states a log timestamp with seconds"


@invariant("customer_comms", "postmortem")
def timeline_moments_fall_on_their_own_seconds(payload: dict, key: dict) -> Iterator[Finding]:
    """A timeline of real events does not tick on one second every time (14:05:40, 14:10:40, 14:15:40):
    three or more entries all on the same second of the minute read as a template. (All on :00 is a
    timeline kept to the minute, as people write one by hand.)"""
    timeline = payload.get("timeline", [])
    seconds = {entry["at"][17:19] for entry in timeline}
    if len(timeline) >= 3 and len(seconds) == 1 and seconds != {"00"}:
        yield "$.payload.timeline", f"every entry falls on second :{seconds.pop()} of its minute"


@invariant("customer_comms")
def comms_now_during_the_outage(payload: dict, key: dict) -> Iterator[Finding]:
    incident = payload["incident"]
    if when(payload["now"]) < when(incident["started_at"]):
        yield "$.payload.now", f"{payload['now']} is before the outage began ({incident['started_at']})"
    if incident["status"] == "resolved":
        yield (
            "$.payload.incident.status",
            "an update for an outage in progress cannot be about a resolved one",
        )
    for n, entry in enumerate(payload["timeline"]):
        # An entry may precede the impact (the change that caused it), never follow `now`.
        if when(entry["at"]) > when(payload["now"]):
            yield f"$.payload.timeline[{n}].at", f"{entry['at']} is after now ({payload['now']})"
    yield from _in_time_order(payload["timeline"], "$.payload.timeline", "at", "timeline entries")


@invariant("customer_comms")
def comms_key_matches_payload(payload: dict, key: dict) -> Iterator[Finding]:
    """The key expects what the payload gives: one point for each known fact (in the key's own terms,
    not necessarily the sentence the writer read), the same unknowns and affected features."""
    if len(key["known"]) != len(payload["known"]):
        yield (
            "$.answer_key.known",
            f"holds {len(key['known'])} points for the payload's {len(payload['known'])} known facts",
        )
    for field, theirs in (("affected_features", payload["incident"]["affected_features"]),):
        if key[field] != theirs:
            yield f"$.answer_key.{field}", f"differs from the payload's {field}"
    for n, entry in enumerate(payload["timeline"]):
        stated = re.search(r"\((enterprise|premium|standard)\)", entry["text"])
        if stated and stated.group(1) not in payload["incident"]["affected_tiers"]:
            yield (
                f"$.payload.timeline[{n}].text",
                f"names a {stated.group(1)} customer but that tier is not affected",
            )
        opened = re.search(r"\bopened as (SEV\d)\b", entry["text"])
        if opened and opened.group(1) != payload["incident"]["severity"]:
            yield (
                f"$.payload.timeline[{n}].text",
                f"says {opened.group(1)} but the incident is {payload['incident']['severity']}",
            )


# A customer update already sent, as a timeline shows it.
_EARLIER_UPDATE = re.compile(r"\b(?:update|status page post)\b[^.]*\b(?:posted|sent|published)\b", re.I)
# What an update's known facts may say of a mitigation, and what in the timeline shows one.
_MITIGATION_SAID = re.compile(r"\bmitigation\b|\brolling back\b|\bfailing over\b", re.I)
_MITIGATION_SHOWN = re.compile(
    r"\bmitigat|\broll(?:ing|ed)? ?back\b|\bfail(?:ing|ed)? ?over\b|\bscal(?:ing|ed)\b", re.I
)
_SAYS_ERRORS = re.compile(r"\berrors?\b|\bfail", re.I)


@invariant("customer_comms")
def comms_timeline_supports_the_brief_and_known(payload: dict, key: dict) -> Iterator[Finding]:
    """The brief asks for the "next" update only when the timeline shows an earlier one (else it is the
    first); a known fact speaks of a mitigation only when the timeline shows one; and a support entry
    neither repeats its source ("Support: ...") nor speaks of errors the failure does not cause (a
    delay, a wrong report: neither the title nor the known facts speak of errors)."""
    timeline = payload["timeline"]
    if re.search(r"\bnext customer-facing update\b", payload["brief"]) and not any(
        _EARLIER_UPDATE.search(entry["text"]) for entry in timeline
    ):
        yield "$.payload.brief", "asks for the next update, but the timeline shows no earlier one"
    shown = " ".join(entry["text"] for entry in timeline)
    for n, fact in enumerate(payload["known"]):
        if (said := _MITIGATION_SAID.search(fact)) and not _MITIGATION_SHOWN.search(shown):
            yield f"$.payload.known[{n}]", f"says {said.group(0)!r}, but no timeline entry shows one"
    errors_shown = _SAYS_ERRORS.search(" ".join([payload["title"], *payload["known"]]))
    for n, entry in enumerate(timeline):
        if entry["source"] == "support" and entry["text"].lower().startswith("support:"):
            yield f"$.payload.timeline[{n}].text", "repeats its source ('Support:')"
        if (
            entry["source"] == "support"
            and not errors_shown
            and re.search(r"reported errors\b", entry["text"])
        ):
            yield (
                f"$.payload.timeline[{n}].text",
                "says customers reported errors of a failure that causes none",
            )


@invariant("customer_comms")
def comms_cause_not_yet_known(payload: dict, key: dict) -> Iterator[Finding]:
    """What the update must not say is not stated as known."""
    known = [_norm(k) for k in payload["known"]]
    for n, phrase in enumerate(key["must_not_say"]):
        if any(_norm(phrase) in k for k in known):
            yield f"$.answer_key.must_not_say[{n}]", "is stated as known in the payload"


# A figure named the maximum lag over partitions, and one partition's own lag, as the texts state them.
_MAX_LAG = re.compile(r"max partition consumer lag(?: at| peaked at)? ([\d,]+)")
_PARTITION_LAG = re.compile(r"lag on \S+ = ([\d,]+) messages")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")


def _lag_figure(text: str) -> int:
    return int(text.replace(",", ""))


def _names_max_lag(name: str) -> bool:
    return "max" in name.lower() and "lag" in name.lower()


@invariant("log_investigation")
def max_lag_covers_partition_lag(payload: dict, key: dict) -> Iterator[Finding]:
    """A maximum over partitions is never below one partition's lag logged in the same minute."""
    dashboard = payload.get("dashboard") or {}
    if not _names_max_lag((dashboard.get("saturation_metric") or {}).get("name", "")):
        return
    logs = payload["logs"]
    stated = []  # (epoch ms, lag) of every per-partition lag line
    if isinstance(logs, LogLines):
        for n in range(len(logs)):
            message = logs.message(n)
            if "lag on " in message and (match := _PARTITION_LAG.search(message)):
                stated.append((logs.ms[n], _lag_figure(match.group(1))))
    else:
        for line in logs:
            if "lag on " in line["message"] and (match := _PARTITION_LAG.search(line["message"])):
                stated.append((_ms(line["ts"]), _lag_figure(match.group(1))))
    if not stated:
        return
    stated.sort()
    times = [at for at, _ in stated]
    for n, point in enumerate(dashboard.get("series", [])):
        at = _ms(point["ts"])
        same_minute = [lag for _, lag in stated[bisect_right(times, at - 60_000) : bisect_right(times, at)]]
        if same_minute and point["saturation"] < max(same_minute):
            yield (
                f"$.payload.dashboard.series[{n}].saturation",
                f"max partition lag {point['saturation']:,.0f} is below the {max(same_minute):,} "
                "messages one partition logged in the minute before",
            )


# A count or size the key states ("3094764 orders", "about 6800000 records", "its 4096Mi limit"): not
# a time, a date, a version or an id.
_KEY_FIGURE = re.compile(r"(?<![\w.:/-])(\d{1,3}(?:,\d{3})+|\d{4,})(?![\w.:/-])")
_ABOUT = re.compile(r"\babout $")
KEY_FIGURE_TOLERANCE = 0.05  # "about N": the figure the logs state, rounded


def _figures(text: str) -> Iterator[tuple[int, bool]]:
    """(figure, stated as about) of each count the text states, times and dates left out."""
    text = _STAMP.sub(" ", text)
    for stated in _KEY_FIGURE.finditer(text):
        yield (
            int(stated.group(1).replace(",", "")),
            bool(_ABOUT.search(text[max(0, stated.start() - 7) : stated.start()])),
        )


@invariant("log_investigation")
def key_figures_are_in_the_payload(payload: dict, key: dict) -> Iterator[Finding]:
    """A count the key's root cause states is one the candidate can find: a log line, the ticket or the
    dashboard states it (within rounding when the key says "about")."""
    wanted = list(_figures(key.get("root_cause", "")))
    if not wanted:
        return
    logs = payload["logs"]
    texts = (
        [kind[2] for kind in logs.kinds] if isinstance(logs, LogLines) else [line["message"] for line in logs]
    )
    texts.append(ticket_text(payload.get("ticket") or {}))
    shown = {figure for text in texts for figure, _ in _figures(text)}
    shown |= {round(point["saturation"]) for point in (payload.get("dashboard") or {}).get("series", [])}
    for figure, about in wanted:
        tolerance = figure * KEY_FIGURE_TOLERANCE if about else 0
        if not any(abs(figure - other) <= tolerance for other in shown):
            yield (
                "$.answer_key.root_cause",
                f"states {figure:,}, which nothing in the logs, ticket or dashboard shows",
            )


# A figure a dashboard plots and a line states: the dashboard's metric (by its name), the line's
# statement of it, how the statement reads as the metric (None: it cannot be read), and how many
# minutes before the line the statement covers ("over the last 15m").
@dataclass(frozen=True)
class _Figure:
    metric: re.Pattern
    stated: re.Pattern
    read: Callable[[re.Match, dict], float | None]
    minutes: Callable[[re.Match], int] = lambda match: 0


_DASHBOARD_FIGURES = (
    _Figure(
        re.compile(r"memory \(% of limit\)", re.I),
        re.compile(r"\b(?:heap usage|working set) (\d+)% of\b"),
        lambda m, c: int(m[1]),
    ),
    _Figure(
        re.compile(r"retry queue depth", re.I),
        re.compile(r"\bretry queue depth=(\d+)"),
        lambda m, c: int(m[1]),
    ),
    _Figure(
        re.compile(r"e-?mail queue", re.I), re.compile(r"\b(\d+) messages queued\b"), lambda m, c: int(m[1])
    ),
    _Figure(
        re.compile(r"connection pool in use", re.I),
        _POOL_USE,
        lambda m, c: 100 * int(m[2]) / c["pools"][m[1]] if m[1] in c["pools"] else None,
    ),
    _Figure(
        re.compile(r"^requests from ", re.I),
        re.compile(r"\bat (\d+(?:\.\d+)?) req/s\b"),
        lambda m, c: 60 * float(m[1]),
    ),
    _Figure(
        re.compile(r"^requests from ", re.I),
        re.compile(r"\bsent (\d+) requests inside its Retry-After window\b"),
        lambda m, c: int(m[1]) * 60 / c["retry_after"] if c["retry_after"] else None,
    ),
    _Figure(
        re.compile(r"response time p95", re.I),
        re.compile(r"\bp95 response time (\d+(?:\.\d+)?)s over the last (\d+)m\b"),
        lambda m, c: 1000 * float(m[1]),
        lambda m: int(m[2]),
    ),
)
_RETRY_AFTER_SECONDS = re.compile(r"\bRetry-After:? (\d+)\b")
# How far a stated figure may sit outside the dashboard's points around it: rounding, and a line
# written between two points of a figure that moves.
FIGURE_TOLERANCE = 0.1


def _messages_and_times(logs) -> Iterator[tuple[int, str, int]]:
    if isinstance(logs, LogLines):
        for n in range(len(logs)):
            yield n, logs.message(n), logs.ms[n]
    else:
        for n, line in enumerate(logs):
            yield n, line["message"], _ms(line["ts"])


_BACKOFF_ATTEMPT = re.compile(rf"endpoint (\S+?):? .*?attempt (\d+) \({re.escape(DOUBLING_BACKOFF)}\)")


@invariant("log_investigation")
def backoff_attempts_fit_their_schedule(payload: dict, key: dict) -> Iterator[Finding]:
    """An attempt count a line states under a retry schedule is one that schedule reaches in the time
    since the endpoint first appears in the log: waits doubling from a minute make attempt k no sooner
    than 2^(k-1) - 1 minutes after the first (a count of failures that grows with the traffic does not)."""
    claims = [
        (n, at, match)
        for n, message, at in _messages_and_times(payload["logs"])
        if DOUBLING_BACKOFF in message and (match := _BACKOFF_ATTEMPT.search(message))
    ]
    if not claims:
        return
    endpoints = {match.group(1) for _, _, match in claims}
    first: dict[str, int] = {}
    for _, message, at in _messages_and_times(payload["logs"]):
        for endpoint in endpoints - first.keys():
            if endpoint in message:
                first[endpoint] = at
        if len(first) == len(endpoints):
            break
    for n, at, match in claims:
        endpoint, attempt = match.group(1), int(match.group(2))
        reachable = doubling_backoff_attempt(at - first[endpoint])
        if attempt > reachable:
            yield (
                f"$.payload.logs[{n}].message",
                f"says attempt {attempt} for endpoint {endpoint}, but {DOUBLING_BACKOFF} reaches only "
                f"attempt {reachable} in the {(at - first[endpoint]) // 60_000} minutes since it first appears",
            )


@invariant("log_investigation")
def dashboard_agrees_with_logged_figures(payload: dict, key: dict) -> Iterator[Finding]:
    """A figure the dashboard plots and a line states is one figure: a retry queue's depth, a queue of
    e-mail, a pool's use, a client's request rate, a provider's p95, as a line states it, lies among
    the dashboard's points of its minute and the next (and of the minutes it says it covers)."""
    board = payload.get("dashboard") or {}
    name = (board.get("saturation_metric") or {}).get("name", "")
    figures = [f for f in _DASHBOARD_FIGURES if f.metric.search(name)]
    series = board.get("series") or []
    if not figures or not series:
        return
    times = [_ms(point["ts"]) for point in series]
    values = [point["saturation"] for point in series]
    context: dict = {"pools": {}, "retry_after": None}
    for _, message, _ in _messages_and_times(payload["logs"]):
        for pool, size in _POOL_SIZE.findall(message):
            context["pools"][pool] = int(size)
        if context["retry_after"] is None and (after := _RETRY_AFTER_SECONDS.search(message)):
            context["retry_after"] = int(after.group(1))
    for n, message, at in _messages_and_times(payload["logs"]):
        for figure in figures:
            stated = figure.stated.search(message)
            if not stated or (value := figure.read(stated, context)) is None:
                continue
            following = bisect_right(times, at)
            if following == 0 or following >= len(times):
                continue  # before the first point or after the last: nothing to compare with
            first = max(bisect_right(times, at - figure.minutes(stated) * 60_000) - 1, 0)
            around = values[first : following + 1]
            low, high = min(around), max(around)
            if not low * (1 - FIGURE_TOLERANCE) - 1 <= value <= high * (1 + FIGURE_TOLERANCE) + 1:
                yield (
                    f"$.payload.logs[{n}].message",
                    f"states {stated.group(0)!r} ({value:,.0f} as {name!r}) where the dashboard shows "
                    f"{low:,.0f}-{high:,.0f}",
                )
                return


# A backlog a line states, and what it is the backlog of.
_BACKLOGS = (
    re.compile(r"\blag on (?P<subject>\S+) = (?P<figure>[\d,]+) messages\b"),
    re.compile(r"\bbacklog for (?P<subject>tenant \S+) is (?P<figure>\d+) events\b"),
    re.compile(r"^(?P<subject>.*?)\b(?P<figure>\d+) messages queued\b"),
    re.compile(r"\b(?P<subject>retry queue) depth=(?P<figure>\d+)"),
)
_NAMES_A_BACKLOG = re.compile(r"\b(?:lag|queue|backlog)\b", re.I)


@invariant("log_investigation")
def backlogs_grow_while_the_failure_lasts(payload: dict, key: dict) -> Iterator[Finding]:
    """A backlog the failure builds (a partition's lag, an endpoint's undelivered events, queued e-mail)
    only grows while the failure lasts, which in an investigation is the whole log after the onset: no
    line of the failure states less than an earlier one about the same backlog, and a dashboard that
    plots a backlog does not fall after the onset."""
    if not key.get("onset"):
        return
    onset = _ms(key["onset"])
    signal = set(key.get("signal_messages") or ())
    last: dict[str, tuple[int, int]] = {}
    for n, message, at in _messages_and_times(payload["logs"]):
        if at < onset or message not in signal:
            continue
        for pattern in _BACKLOGS:
            stated = pattern.search(message)
            if not stated:
                continue
            subject, figure = stated.group("subject"), _lag_figure(stated.group("figure"))
            if subject in last and figure < last[subject][1]:
                yield (
                    f"$.payload.logs[{n}].message",
                    f"states {figure:,} for {subject.strip()!r}, less than the {last[subject][1]:,} "
                    f"of line {last[subject][0]} while the failure lasts",
                )
                return
            last[subject] = (n, figure)
    board = payload.get("dashboard") or {}
    if not _NAMES_A_BACKLOG.search((board.get("saturation_metric") or {}).get("name", "")):
        return
    previous = None
    for n, point in enumerate(board.get("series") or []):
        if _ms(point["ts"]) < onset:
            continue
        if previous is not None and point["saturation"] < previous:
            yield (
                f"$.payload.dashboard.series[{n}].saturation",
                f"falls to {point['saturation']:,} from {previous:,} while the failure lasts",
            )
            return
        previous = point["saturation"]


def _hosts_services_times(logs) -> Iterator[tuple[int, str, str, int]]:
    """(position, host, service, epoch ms) of every line, cheaply for generated logs."""
    if isinstance(logs, LogLines):
        hosts, host, kinds, kind, ms = logs.hosts, logs.host, logs.kinds, logs.kind, logs.ms
        for n in range(len(logs)):
            yield n, hosts[host[n]], kinds[kind[n]][1], ms[n]
    else:
        for n, line in enumerate(logs):
            yield n, line["host"], line["service"], _ms(line["ts"])


_DEPLOY_PODS = re.compile(r"^deploy finished: (?P<service>\S+) \S+(?: on (?P<ready>\d+)/(?P<pods>\d+) pods)?")
_POD_SCHEDULED = re.compile(r"^pod (?P<pod>\S+) scheduled on node\b")


def _is_pod_of(host: str, service: str) -> bool:
    """A Deployment's pod of the service: service-<ReplicaSet hash>-<suffix of five>."""
    head, _, suffix = host.rpartition("-")
    name, _, hash_ = head.rpartition("-")
    return name == service and len(suffix) == 5 and 5 <= len(hash_) <= 10


def _deploys(payload: dict) -> list[tuple[int, str, int | None]]:
    """(position, service, pod count or None) of each "deploy finished" line."""
    found = []
    for n, message, _ in _messages_and_times(payload["logs"]):
        if message.startswith("deploy finished:") and (m := _DEPLOY_PODS.match(message)):
            found.append((n, m.group("service"), int(m.group("pods")) if m.group("pods") else None))
    return found


@invariant("log_investigation")
def deploys_replace_their_pods(payload: dict, key: dict) -> Iterator[Finding]:
    """A deploy rolls a service onto new pods: after "deploy finished" no pod that served before it logs
    again (a new ReplicaSet's pods have new names), and a pod "scheduled on node" logs nothing before."""
    deploys = _deploys(payload)
    scheduled = [
        (n, m.group("pod"))
        for n, message, _ in _messages_and_times(payload["logs"])
        if message.startswith("pod ") and (m := _POD_SCHEDULED.match(message))
    ]
    if not deploys and not scheduled:
        return
    lines = list(_hosts_services_times(payload["logs"]))
    for n, service, _ in deploys:
        before = {h for i, h, svc, _ in lines[:n] if svc == service and _is_pod_of(h, service)}
        for i, host, svc, _ in lines[n + 1 :]:
            if svc == service and host in before:
                yield (
                    f"$.payload.logs[{i}].host",
                    f"{host} served {service} before its deploy (line {n}); after a rollout its pods are new",
                )
                break
    for n, pod in scheduled:
        for i, host, _, _ in lines[:n]:
            if host == pod:
                yield f"$.payload.logs[{i}].host", f"{pod} logs before it was scheduled (line {n})"
                break


# Lines of a service after its deploy, per pod the deploy names, for every pod to have logged one.
PODS_SEEN_LINES_PER_POD = 25


@invariant("log_investigation")
def deploy_pod_counts_fit_the_logs(payload: dict, key: dict) -> Iterator[Finding]:
    """A deploy "on 14/14 pods" leaves the service on 14 pods: until its next deploy the service's lines
    come from no more than 14 pods, and, when it logs enough lines for all of them to show, from all 14
    (not from 3)."""
    deploys = _deploys(payload)
    if not any(count for _, _, count in deploys):
        return
    lines = list(_hosts_services_times(payload["logs"]))
    for d, (n, service, count) in enumerate(deploys):
        if not count:
            continue
        end = next((m for m, svc, _ in deploys[d + 1 :] if svc == service), len(lines))
        pods, logged = set(), 0
        for _, host, svc, _ in lines[n + 1 : end]:
            if svc == service and _is_pod_of(host, service):
                pods.add(host)
                logged += 1
        if len(pods) > count:
            yield (
                f"$.payload.logs[{n}].message",
                f"deploys {service} on {count} pods, but {len(pods)} pods log after it",
            )
        elif logged >= PODS_SEEN_LINES_PER_POD * count and len(pods) < count:
            yield (
                f"$.payload.logs[{n}].message",
                f"deploys {service} on {count} pods, but its {logged} lines after it come from {len(pods)}",
            )


# Jobs that run on a schedule and how often at most (minutes), by what their line says: an aggregate
# report or a key rotation is daily, a certificate is renewed once in a log window, tzdata is updated
# once. A log that writes one of them every few minutes is no real system.
PERIODIC_JOBS = (
    (re.compile(r"\bDMARC aggregate report\b"), 1440, "a DMARC aggregate report is sent daily"),
    (re.compile(r"\bcertificate\b.*\brenewed\b"), 1440, "a certificate is renewed once, not minutes apart"),
    (re.compile(r"\bsigning key rotated\b"), 1440, "a signing key is rotated daily"),
    (re.compile(r"\btime zone database updated\b"), 1440, "the time zone database is updated once"),
    (re.compile(r"\bTLS policy updated\b"), 1440, "a TLS policy change is made once"),
    (re.compile(r"\bcache-busted for release\b"), 1440, "a release's assets are cache-busted once"),
)


@invariant("log_investigation")
def periodic_jobs_keep_their_period(payload: dict, key: dict) -> Iterator[Finding]:
    """A periodic job's line comes no more often than the job runs: a "daily" DMARC report nine times in
    two hours, an edge certificate "renewed" five times in fifteen minutes or a signing key rotated every
    twenty minutes cannot be."""
    last: dict[tuple[str, int], int] = {}
    for n, message, at in _messages_and_times(payload["logs"]):
        for index, (pattern, minutes, what) in enumerate(PERIODIC_JOBS):
            if not pattern.search(message):
                continue
            logs = payload["logs"]
            service = logs.service(n) if isinstance(logs, LogLines) else logs[n]["service"]
            previous = last.get((service, index))
            if previous is not None and at - previous < minutes * 60_000:
                yield (
                    f"$.payload.logs[{n}].message",
                    f"{what}, but this one runs {(at - previous) // 60_000} minutes after the last",
                )
            last[(service, index)] = at


_CONSUMER_AGE = re.compile(
    r"\bat max throughput (?P<rate>\d+) msg/s; oldest unprocessed message age (?:(?P<h>\d+)h)?(?P<m>\d+)m\b"
)
LAG_AGE_TOLERANCE = 0.9
LAG_AGE_NEAR_MS = 60_000


@invariant("log_investigation")
def consumer_lag_fits_message_age(payload: dict, key: dict) -> Iterator[Finding]:
    """A consumer reading first in first out at N msg/s whose oldest waiting message is A old has at least
    N x A messages waiting while the lag grows (every message of the last A is unread, and more arrive
    than it reads): a lag of 1.4M at 1,475 msg/s with the oldest message 80 minutes old cannot be."""
    lags, consumers = [], []
    for n, message, at in _messages_and_times(payload["logs"]):
        if "lag on " in message and (m := _PARTITION_LAG.search(message)):
            lags.append((at, _lag_figure(m.group(1))))
        elif "max throughput" in message and (m := _CONSUMER_AGE.search(message)):
            age_s = (int(m.group("h") or 0) * 60 + int(m.group("m"))) * 60
            consumers.append((n, at, int(m.group("rate")), age_s))
    if not lags:
        return
    times = [at for at, _ in lags]
    for n, at, rate, age_s in consumers:
        k = bisect_right(times, at)
        near = [lags[j] for j in (k - 1, k) if 0 <= j < len(lags) and abs(lags[j][0] - at) <= LAG_AGE_NEAR_MS]
        if not near:
            continue
        lag = max(figure for _, figure in near)
        if lag < LAG_AGE_TOLERANCE * rate * age_s:
            yield (
                f"$.payload.logs[{n}].message",
                f"reads {rate} msg/s with its oldest message {age_s // 60} minutes old, which needs at least "
                f"{rate * age_s:,} messages waiting, but the lag logged then is {lag:,}",
            )
            return


@invariant("log_investigation")
def lag_figures_are_not_repeated(payload: dict, key: dict) -> Iterator[Finding]:
    """A growing count of waiting messages does not read the same at two moments: a partition's lag
    logged twice with one figure, seconds or minutes apart, is a figure stamped, not measured."""
    seen: dict[tuple[str, int], tuple[int, int]] = {}
    for n, message, at in _messages_and_times(payload["logs"]):
        if "lag on " not in message or not (m := _BACKLOGS[0].search(message)):
            continue
        figure = _lag_figure(m.group("figure"))
        if figure < 1_000:
            continue  # a healthy partition's small lag may well read the same
        earlier = seen.get((m.group("subject"), figure))
        if earlier is not None and earlier[1] != at:
            yield f"$.payload.logs[{n}].message", f"states the lag {figure:,} of line {earlier[0]} again"
            return
        seen[(m.group("subject"), figure)] = (n, at)


LATENCY_FIT_FACTOR = 2.5
LATENCY_FIT_MIN_LINES = 30


def _service_requests(logs, service: str) -> list[tuple[int, int, int]]:
    """(time, latency, status) of every HTTP request `service` logs, in log order."""
    if isinstance(logs, LogLines):
        http = {k: kind[5] or 0 for k, kind in enumerate(logs.kinds) if kind[1] == service and kind[3]}
        return [
            (logs.ms[n], logs.latency[n], http[logs.kind[n]])
            for n in range(len(logs))
            if logs.kind[n] in http
        ]
    return [
        (_ms(line["ts"]), line["latency_ms"], line.get("status") or 0)
        for line in logs
        if line["service"] == service and "latency_ms" in line
    ]


def _quantile(values: list[int], share: float) -> float:
    return values[min(len(values) - 1, max(0, int(share * len(values))))]


@invariant("log_investigation")
def dashboard_latency_fits_logged_requests(payload: dict, key: dict) -> Iterator[Finding]:
    """The dashboard's p50 before the onset is within a factor of the median latency of its service's
    logged requests then: a p50 of 2 s over requests that all took 80 ms is another system's panel."""
    board = payload.get("dashboard") or {}
    if not key.get("onset") or not board.get("series"):
        return
    onset, service = _ms(key["onset"]), board.get("service")
    logged = sorted(latency for at, latency, _ in _service_requests(payload["logs"], service) if at < onset)
    points = sorted(p["latency_p50_ms"] for p in board["series"] if _ms(p["ts"]) + 60_000 <= onset)
    if len(logged) < LATENCY_FIT_MIN_LINES or not points:
        return
    median, shown = max(logged[len(logged) // 2], 1), points[len(points) // 2]
    if not median / LATENCY_FIT_FACTOR <= shown <= median * LATENCY_FIT_FACTOR:
        n = next(n for n, p in enumerate(board["series"]) if p["latency_p50_ms"] == shown)
        yield (
            f"$.payload.dashboard.series[{n}].latency_p50_ms",
            f"p50 {shown} ms before the onset, but the {len(logged)} requests {service} logged then took "
            f"{median} ms at the median",
        )


# How far a minute's p50 may stray from where its failing share can put it: a few hundredths of the
# traffic either way (a sampled log), then a factor (the minute's jitter).
P50_SHIFT_SHARE_SLACK = 0.04
P50_SHIFT_SLACK = 1.15
P50_SHIFT_MIN_LINES = 10


@invariant("log_investigation")
def dashboard_p50_moves_with_failing_share(payload: dict, key: dict) -> Iterator[Finding]:
    """After the onset a minute's p50 moves only as far as the share of requests the failure adds to
    its error rate can move it: with a share f failing, the median lies between the healthy traffic's
    (0.5 - f)/(1 - f) and 0.5/(1 - f) quantiles. A p50 that halves while 5% of requests fail fast,
    or reaches a 15 s timeout while 1% fail, is not the traffic's median."""
    board = payload.get("dashboard") or {}
    if not key.get("onset") or not board.get("series"):
        return
    onset = _ms(key["onset"])
    requests = _service_requests(payload["logs"], board.get("service"))
    healthy = sorted(latency for at, latency, _ in requests if at < onset)
    if len(healthy) < P50_SHIFT_MIN_LINES:
        # Few requests before the onset: the healthy traffic is every request answered.
        healthy = sorted(latency for _, latency, status in requests if status < 400)
    before = sorted(p["error_rate_pct"] for p in board["series"] if _ms(p["ts"]) + 60_000 <= onset)
    if len(healthy) < P50_SHIFT_MIN_LINES or not before:
        return
    baseline = before[len(before) // 2]
    for n, point in enumerate(board["series"]):
        if _ms(point["ts"]) < onset:
            continue
        share = min(0.49, max(0.0, point["error_rate_pct"] - baseline) / 100)
        low = _quantile(healthy, (0.5 - share) / (1 - share) - P50_SHIFT_SHARE_SLACK) / P50_SHIFT_SLACK
        high = _quantile(healthy, 0.5 / (1 - share) + P50_SHIFT_SHARE_SLACK) * P50_SHIFT_SLACK
        if not low <= point["latency_p50_ms"] <= high:
            yield (
                f"$.payload.dashboard.series[{n}].latency_p50_ms",
                f"p50 {point['latency_p50_ms']} ms while {share:.1%} of requests fail beyond the "
                f"{baseline}% baseline: that share keeps the median within {low:.0f}-{high:.0f} ms",
            )
            return


# A percentile this much above every answered request is beyond what jitter and sampling explain.
LATENCY_TAIL_SLACK = 1.25


@invariant("log_investigation")
def dashboard_latency_tail_fits_error_rate(payload: dict, key: dict) -> Iterator[Finding]:
    """A latency percentile after the onset slower than every request its service logs as answered,
    at the level of the failed ones (a statement timeout), is one of failed requests: then at least
    the share above that percentile fails, and the minute's error rate says so (a p95 at the timeout
    needs 5% of requests failing, a p50 there half of them)."""
    board = payload.get("dashboard") or {}
    if not key.get("onset") or not board.get("series"):
        return
    onset = _ms(key["onset"])
    requests = _service_requests(payload["logs"], board.get("service"))
    answered = [latency for _, latency, status in requests if status < 400]
    failed = [latency for at, latency, status in requests if at >= onset and status >= 400]
    if len(answered) < LATENCY_FIT_MIN_LINES or not failed:
        return
    slowest, slowest_failure = max(answered), max(failed)
    for n, point in enumerate(board["series"]):
        if _ms(point["ts"]) < onset:
            continue
        for q in (50, 95, 99):
            shown = point.get(f"latency_p{q}_ms")
            if (
                shown is None
                or shown <= slowest * LATENCY_TAIL_SLACK
                or shown * LATENCY_TAIL_SLACK < slowest_failure
            ):
                continue
            if point["error_rate_pct"] < 100 - q:
                yield (
                    f"$.payload.dashboard.series[{n}].latency_p{q}_ms",
                    f"p{q} {shown} ms is slower than any answered request ({slowest} ms), as failed ones "
                    f"are, so {100 - q}% of requests fail, but the error rate is {point['error_rate_pct']}%",
                )
                return


# How long before the onset a change is a suspect the key must answer for.
CHANGE_SUSPECT_MS = 10 * 60_000


@invariant("log_investigation")
def changes_before_onset_are_answered(payload: dict, key: dict) -> Iterator[Finding]:
    """A deploy or config change in the minutes before the failure begins is what a reader suspects
    first: it is the trigger the key cites or a red herring the key says why not; a config reload 16 s
    before the onset that the key never mentions leaves the reader a better suspect than its answer."""
    if not key.get("onset"):
        return
    onset, logs = _ms(key["onset"]), payload["logs"]
    answered = {e["line_id"] for e in key.get("key_evidence", [])}
    answered |= {i for h in key.get("red_herrings", []) for i in h.get("line_ids", [])}
    messages = {h.get("message") for h in key.get("red_herrings", [])} | set(key.get("signal_messages", []))
    times = logs.ms if isinstance(logs, LogLines) else [_ms(line["ts"]) for line in logs]
    reasons = " ".join(e.get("why", "") for e in key.get("key_evidence", []))
    unanswered = "a change {:.0f} s before the onset that the key neither cites nor answers as a red herring"
    for n in range(bisect_right(times, onset - CHANGE_SUSPECT_MS), bisect_right(times, onset)):
        line = logs[n]
        if (
            CHANGE_LINE.match(line["message"])
            and line["id"] not in answered
            and line["message"] not in messages
        ):
            yield f"$.payload.logs[{n}].message", unanswered.format((onset - times[n]) / 1000)
    # The dashboard annotates the same changes (an excerpt of the log may leave their lines out); an
    # annotation in the second of a line the key cites or answers is that line's change.
    index = _log_index(payload)
    seconds = {times[index[i]] // 1000 for i in answered if i in index}
    for n, event in enumerate((payload.get("dashboard") or {}).get("events", [])):
        label, at = event.get("label", ""), _ms(event["ts"])
        if (
            onset - CHANGE_SUSPECT_MS <= at <= onset
            and label not in messages
            and label not in reasons
            and at // 1000 not in seconds
        ):
            yield f"$.payload.dashboard.events[{n}].label", unanswered.format((onset - at) / 1000)


LOG_GAP_MIN_LINES = 500
LOG_GAP_MIN_VARIATION = 0.6


@invariant("log_investigation")
def log_lines_arrive_at_random_moments(payload: dict, key: dict) -> Iterator[Finding]:
    """Requests arrive when they arrive: the gaps between log lines vary about as much as they last (a
    coefficient of variation near 1), not one line per even slot of time, each at the same few
    milliseconds into its second."""
    logs = payload["logs"]
    if len(logs) < LOG_GAP_MIN_LINES:
        return
    times = list(logs.ms) if isinstance(logs, LogLines) else [_ms(line["ts"]) for line in logs]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    mean = sum(gaps) / len(gaps)
    if mean <= 0:
        return
    spread = (sum((g - mean) ** 2 for g in gaps) / len(gaps)) ** 0.5 / mean
    if spread < LOG_GAP_MIN_VARIATION:
        yield "$.payload.logs", f"lines come at near-even intervals (gaps vary by {spread:.2f} of their mean)"


# --- incident -------------------------------------------------------------------------------------


@invariant("incident")
def injects_unique_and_in_order(payload: dict, key: dict) -> Iterator[Finding]:
    injects = payload["injects"]
    yield from _unique_ids(injects, "$.payload.injects", "inject")
    for n in range(1, len(injects)):
        if injects[n]["offset_seconds"] < injects[n - 1]["offset_seconds"]:
            yield (
                f"$.payload.injects[{n}].offset_seconds",
                "injects are out of order: released before the one listed above",
            )
            break
    points = payload["decision_points"]
    yield from _unique_ids(points, "$.payload.decision_points", "decision point")
    for n in range(1, len(points)):
        if points[n]["offset_seconds"] < points[n - 1]["offset_seconds"]:
            yield f"$.payload.decision_points[{n}].offset_seconds", "decision points are out of order"
            break
    for n, point in enumerate(points):
        yield from _unique_ids(point["options"], f"$.payload.decision_points[{n}].options", "option")


@invariant("incident")
def incident_lag_figures_agree(payload: dict, key: dict) -> Iterator[Finding]:
    """A max partition lag stated in an inject is not below a partition's lag stated at that moment or
    before (a backlog drains no faster than its one consumer reads), and a text saying the data is
    hours late needs a backlog (the import, in the change log or the logs) at least an hour old when the
    drill starts."""
    injects = payload["injects"]
    partition = [
        (inject["offset_seconds"], _lag_figure(match.group(1)))
        for inject in injects
        if (match := _PARTITION_LAG.search(inject["text"]))
    ]
    for n, inject in enumerate(injects):
        match = _MAX_LAG.search(inject["text"])
        if not match:
            continue
        before = [lag for offset, lag in partition if offset <= inject["offset_seconds"]]
        if before and _lag_figure(match.group(1)) < max(before):
            yield (
                f"$.payload.injects[{n}].text",
                f"max partition lag {match.group(1)} is below the {max(before):,} messages one "
                "partition showed by then",
            )
    started = _ms(payload["started_at"])
    for inject in injects:
        stamp = _STAMP.match(inject["text"])
        if inject["kind"] not in ("change", "log_excerpt") or "import" not in inject["text"] or not stamp:
            continue
        imported = _ms(stamp.group(0))
        if started - imported >= 3_600_000:
            continue
        for path, text in [("$.payload.title", payload["title"])] + [
            (f"$.payload.injects[{m}].text", other["text"])
            for m, other in enumerate(injects)
            if other["offset_seconds"] == 0
        ]:
            if "hours late" in text or "hours behind" in text:
                yield (
                    path,
                    f"says the data is hours late, but the import began {(started - imported) // 60_000} "
                    "minutes before the drill started",
                )


@invariant("incident")
def decisions_have_sound_keys(payload: dict, key: dict) -> Iterator[Finding]:
    points = {p["id"]: p for p in payload["decision_points"]}
    for decision_id, decision in key["decisions"].items():
        path = f"$.answer_key.decisions.{decision_id}"
        point = points.get(decision_id)
        if point is None:
            yield path, "names a decision point that is not in the payload"
            continue
        offered = {o["id"] for o in point["options"]}
        for option in decision["correct"] + decision.get("unsafe", []):
            if option not in offered:
                yield path, f"option {option!r} is not offered at that point"
        if both := sorted(set(decision["correct"]) & set(decision.get("unsafe", []))):
            yield f"{path}.correct", f"option {both[0]!r} is both correct and unsafe"
        opens, closes = decision["window_seconds"]
        if closes < opens:
            yield f"{path}.window_seconds", f"the window closes ({closes}s) before it opens ({opens}s)"
        if closes <= point["offset_seconds"]:
            yield (
                f"{path}.window_seconds",
                f"the window closes at {closes}s, before the question is asked at {point['offset_seconds']}s",
            )
    for decision_id in points:
        if decision_id not in key["decisions"]:
            yield "$.answer_key.decisions", f"has no entry for decision point {decision_id}"


# An inject that tells whom the failure hits, which the severity decision rests on.
_SCOPE_INJECT = re.compile(r"no other customer has reported|enterprise customers opened tickets", re.I)


@invariant("incident")
def incident_decisions_follow_their_information(payload: dict, key: dict) -> Iterator[Finding]:
    """A decision is asked once what it rests on has arrived and its window opens when it is asked: the
    severity after the inject saying whom the failure hits; whom to engage after every line and change
    that is not a red herring (what points at the owner, a node's clock or a release, may be the last of
    them); the first mitigation after those and every finding too."""
    herrings = set(key.get("red_herring_inject_ids", []))
    injects = payload["injects"]
    lines = [
        i["offset_seconds"]
        for i in injects
        if i["id"] not in herrings and i["kind"] in ("log_excerpt", "change")
    ]
    findings = [
        i["offset_seconds"]
        for i in injects
        if i["id"] not in herrings and i["text"].startswith("Engineer looking into it")
    ]
    scope = [i["offset_seconds"] for i in injects if _SCOPE_INJECT.search(i["text"])]
    needs = {
        "severity": (scope[:1], "the inject saying whom the failure hits"),
        "engage": (sorted(lines)[-1:], "the last of the failure's lines and changes"),
        "first mitigation": (sorted(lines + findings)[-1:], "the last line, change or finding it rests on"),
    }
    for n, point in enumerate(payload["decision_points"]):
        decision = key["decisions"].get(point["id"])
        if decision is not None and decision["window_seconds"][0] < point["offset_seconds"]:
            yield (
                f"$.answer_key.decisions.{point['id']}.window_seconds",
                f"opens at {decision['window_seconds'][0]}s, before the question is asked at "
                f"{point['offset_seconds']}s",
            )
        for word, (offsets, what) in needs.items():
            if word in point["prompt"].lower() and offsets and offsets[0] > point["offset_seconds"]:
                yield (
                    f"$.payload.decision_points[{n}].offset_seconds",
                    f"asks at {point['offset_seconds']}s, before {what} arrives at {offsets[0]}s",
                )


@invariant("incident")
def incident_key_matches_its_decisions(payload: dict, key: dict) -> Iterator[Finding]:
    """The severity and route the key states are the correct answers of the decisions that ask them."""
    for point in payload["decision_points"]:
        decision = key["decisions"].get(point["id"])
        if decision is None:
            continue
        offered = {o["id"] for o in point["options"]}
        for field in ("severity", "route"):
            if key[field] in offered and offered <= _CHOICES[field] and key[field] not in decision["correct"]:
                yield (
                    f"$.answer_key.decisions.{point['id']}.correct",
                    f"does not include the key's {field} {key[field]}",
                )


_DEPLOYED = re.compile(r"\bdeploy finished: (\S+) (v\d+(?:\.\d+)+)\b")


@invariant("incident")
def incident_route_accepts_the_code_owner(payload: dict, key: dict) -> Iterator[Finding]:
    """A drill whose root cause is a release the change log shows deployed ("search-service v6.31.3
    added ...") accepts engaging Engineering, whose code it is, at the decision asking whom to engage:
    the owning team is the natural answer for a code regression, whoever else rolls it back."""
    releases = [
        f"{m.group(1)} {m.group(2)}"
        for i in payload["injects"]
        if i["kind"] == "change" and (m := _DEPLOYED.search(i["text"]))
    ]
    if not any(release in key["root_cause"] for release in releases):
        return
    for point in payload["decision_points"]:
        decision = key["decisions"].get(point["id"])
        offered = {o["id"] for o in point["options"]}
        route_decision = decision and offered <= _CHOICES["route"] and "Engineering" in offered
        if route_decision and "Engineering" not in decision["correct"]:
            yield (
                f"$.answer_key.decisions.{point['id']}.correct",
                "leaves out Engineering, whose release the root cause names",
            )


_ERROR_RATE_VALUE = re.compile(r"\berror rate\b[^%]*?(\d+(?:\.\d+)?)%")
_INTERMITTENT = re.compile(r"\bintermittent(?:ly)?\b|\bsome requests\b|\ba share of\b", re.I)
# Down for many customers means most of their requests fail: an error rate below this is degraded.
DOWN_FOR_MANY_MIN_ERROR_PCT = 50


@invariant("incident")
def incident_down_for_many_means_most_requests_fail(payload: dict, key: dict) -> Iterator[Finding]:
    """A key grading a drill by the scale's "production down for many customers" rests on most requests
    failing: not on an alert at a quarter of them, nor on a title saying the calls fail intermittently
    (that is a core feature badly degraded, SEV2)."""
    if "production down for many customers" not in key.get("severity_reason", "").split(". ", 1)[0]:
        return
    rates = [
        float(m.group(1))
        for i in payload["injects"]
        if i["kind"] == "alert" and (m := _ERROR_RATE_VALUE.search(i["text"]))
    ]
    if rates and max(rates) < DOWN_FOR_MANY_MIN_ERROR_PCT:
        yield (
            "$.answer_key.severity",
            f"grades production down for many customers while the alert shows {max(rates):g}% of "
            "requests failing; most requests fail when production is down",
        )
    elif _INTERMITTENT.search(payload["title"]):
        yield (
            "$.answer_key.severity",
            "grades production down for many customers while the title says it fails intermittently",
        )


_RETRY_GETS_THROUGH = re.compile(
    r"\bretr(?:y|ies|ying)\b[^.;]*\b(?:often|usually|sometimes)\b[^.;]*\b(?:works?|gets? through|succeeds?)\b",
    re.I,
)
_SAYS_PARTIAL = re.compile(r"\bway round is partial\b|\bpartial workaround\b|\bpart of the time\b", re.I)


@invariant("incident")
def incident_partial_way_round_is_said_plainly(payload: dict, key: dict) -> Iterator[Finding]:
    """A drill showing that a retry often gets through, graded by the scale's "no workaround", says in
    its reason that the only way round is partial: otherwise the key reads as contradicting the drill
    (and a full way round would make it minor)."""
    shown = " ".join([payload["title"]] + [i["text"] for i in payload["injects"]])
    reason = key.get("severity_reason", "")
    if not _RETRY_GETS_THROUGH.search(shown) or "no workaround" not in reason.split(". ", 1)[0]:
        return
    if not _SAYS_PARTIAL.search(reason):
        yield (
            "$.answer_key.severity_reason",
            'grades by "no workaround" while the drill shows a retry often gets through, and does not '
            "say the only way round is partial",
        )


# What is not a first mitigation: a follow-up step (verify, watch, tell) or a status page post, which
# the communication decision asks about on its own.
_NOT_A_MITIGATION = re.compile(
    r"\bstatus page\b|^(?:Watch|Monitor|Track|Confirm|Verify|Acknowledge|Keep the customer|Once|After)\b"
    r"|\bfor \d+ minutes\b",
    re.I,
)


@invariant("incident")
def incident_first_mitigation_offers_only_mitigations(payload: dict, key: dict) -> Iterator[Finding]:
    """The options of a "first mitigation" decision are all mitigations, right or wrong: a follow-up
    step or a status page post is no answer to that question."""
    for n, decision in enumerate(payload["decision_points"]):
        if "first mitigation" not in decision["prompt"].lower():
            continue
        for m, option in enumerate(decision["options"]):
            if _NOT_A_MITIGATION.search(option["text"]):
                yield (
                    f"$.payload.decision_points[{n}].options[{m}].text",
                    "is a follow-up step or a status page post, not a first mitigation",
                )


# How a mitigation option gives itself away: a "so ..." clause explaining the diagnosis behind the right
# one ("so pods reschedule onto nodes with healthy time sync") or mocking a wrong one in scare quotes
# ("so 'there is room for everyone'"). A quoted name ('Report Exporter') starts upper-case.
_ARGUED_MITIGATION = re.compile(r"\bso\b|(?<!\w)'[a-z][^']*'")


@invariant("incident")
def incident_mitigations_name_actions_only(payload: dict, key: dict) -> Iterator[Finding]:
    """A first-mitigation option names its action and its target, nothing more: none carries the
    diagnosis that makes it right nor scare quotes that make it wrong, so the choice rests on the
    drill's evidence rather than on the options' wording."""
    for n, decision in enumerate(payload["decision_points"]):
        if "first mitigation" not in decision["prompt"].lower():
            continue
        for m, option in enumerate(decision["options"]):
            if _ARGUED_MITIGATION.search(option["text"]):
                yield (
                    f"$.payload.decision_points[{n}].options[{m}].text",
                    "argues for or against itself (a 'so ...' clause or scare quotes) instead of naming an action",
                )


_ONE_TENANT = re.compile(r"no other customer has reported|\bOnly .+ is affected\b", re.I)


@invariant("incident")
def incident_one_tenant_is_told_not_broadcast(payload: dict, key: dict) -> Iterator[Finding]:
    """A failure of one tenant (the drill says no other customer has it) is answered to that customer:
    the key does not reward a public status page post, nor leave the reply to that customer wrong."""
    texts = [i["text"] for i in payload["injects"]] + [key.get("severity_reason", "")]
    if not any(_ONE_TENANT.search(text) for text in texts):
        return
    for point in payload["decision_points"]:
        decision = key["decisions"].get(point["id"])
        if decision is None:
            continue
        options = {o["id"]: o["text"] for o in point["options"]}
        public = [oid for oid, text in options.items() if re.search(r"status page", text, re.I)]
        direct = [oid for oid, text in options.items() if re.search(r"\bonly to\b", text, re.I)]
        wrong = [oid for oid in public if oid in decision["correct"]]
        if wrong:
            yield (
                f"$.answer_key.decisions.{point['id']}.correct",
                f"rewards {wrong[0]}, a public status page post, for a failure of one tenant",
            )
        if direct and not any(oid in decision["correct"] for oid in direct):
            yield (
                f"$.answer_key.decisions.{point['id']}.correct",
                f"leaves out {direct[0]}, replying to the one customer affected",
            )


# A drill's reports of several customers ("6 customers opened tickets"), and communication options that
# speak of a single reporter or of saying nothing: neither is a choice a responder would weigh.
_SEVERAL_REPORTERS = re.compile(r"\b(?:\d+|several|many) customers opened tickets\b", re.I)
_ONE_REPORTER = re.compile(r"\bthe customer who opened the ticket\b|\bReply only to\b", re.I)
_STRAWMAN_SILENCE = re.compile(r"\bbefore saying anything\b|^(?:Say nothing|Do not communicate)\b", re.I)
# An update promising a fix or a recovery time before either is measured.
_OVER_PROMISE = re.compile(
    r"\b(?:is|are|was|has been) found and fixed\b"
    r"|\b(?:back to normal|work again|be restored)\b[^.]*?\bwithin \d+ ?(?:minutes|min)\b",
    re.I,
)


@invariant("incident")
def incident_comms_options_fit_the_reports(payload: dict, key: dict) -> Iterator[Finding]:
    """A communication decision's options are updates a responder could send: none replies to a single
    customer when the drill says several opened tickets, and none is plain silence until the cause is
    known, a strawman nobody weighs; one promising a fix and a recovery time nobody has measured is
    unsafe."""
    several = any(_SEVERAL_REPORTERS.search(i["text"]) for i in payload["injects"])
    for n, point in enumerate(payload["decision_points"]):
        if "communication" not in point["prompt"].lower():
            continue
        for m, option in enumerate(point["options"]):
            where = f"$.payload.decision_points[{n}].options[{m}].text"
            if several and _ONE_REPORTER.search(option["text"]):
                yield where, "replies to a single customer while the drill says several opened tickets"
            if _STRAWMAN_SILENCE.search(option["text"]):
                yield where, "offers silence until the cause is known, which no responder would weigh"
            unsafe = key["decisions"].get(point["id"], {}).get("unsafe", [])
            if _OVER_PROMISE.search(option["text"]) and option["id"] not in unsafe:
                yield (
                    f"$.answer_key.decisions.{point['id']}.unsafe",
                    f"leaves out {option['id']}, which promises a fix and a recovery time nobody has measured",
                )


_CHOICES = {
    "severity": {"SEV1", "SEV2", "SEV3", "SEV4"},
    "route": {"L1", "L2", "Engineering", "SRE", "Security"},
}


@invariant("incident")
def red_herring_injects_exist(payload: dict, key: dict) -> Iterator[Finding]:
    injects = {i["id"]: i for i in payload["injects"]}
    root = _norm(key["root_cause"])
    for n, inject_id in enumerate(key["red_herring_inject_ids"]):
        path = f"$.answer_key.red_herring_inject_ids[{n}]"
        if inject_id not in injects:
            yield path, f"{inject_id} is not an inject of the payload"
        elif _norm(injects[inject_id]["text"]) in root:
            yield path, f"{inject_id} states the root cause; a red herring is not the cause"


@invariant("customer_comms", "incident")
def stated_durations_fit_the_timeline(payload: dict, key: dict) -> Iterator[Finding]:
    """How long a text says the problem has lasted fits how long it has: "ignored for hours" or "hours
    late" is not written minutes after it began. An update is read at its moment (a timeline entry at
    its time, the rest at now); a drill's inject when it is released, counted from the earliest moment
    the drill shows (its start, or a change before it)."""
    if "injects" in payload:
        started = when(payload["started_at"])
        stamps = [when(m.group(0)) for i in payload["injects"] for m in [_STAMP.match(i["text"])] if m]
        began = min([started, *stamps])
        texts = [("$.payload.title", payload["title"], started)] + [
            (f"$.payload.injects[{n}].text", i["text"], started + timedelta(seconds=i["offset_seconds"]))
            for n, i in enumerate(payload["injects"])
        ]
    else:
        began = when(payload["incident"]["started_at"])
        now = when(payload["now"])
        texts = [("$.payload.title", payload["title"], now), ("$.payload.brief", payload["brief"], now)]
        texts += [
            (f"$.payload.{f}[{n}]", t, now) for f in ("known", "unknown") for n, t in enumerate(payload[f])
        ]
        texts += [
            (f"$.payload.timeline[{n}].text", e["text"], when(e["at"]))
            for n, e in enumerate(payload["timeline"])
        ]
    for path, text, moment in texts:
        yield from _relative_time_findings(
            text, path, minutes_since_onset=(moment - began).total_seconds() / 60
        )


# A log line's leading timestamp: when it was logged.
_LEADING_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ")
# An alert's window ("over 5m") and what it reports against its threshold ("7.9% over 5m (threshold 5%)").
_ALERT_WINDOW = re.compile(r"\bover (\d+)m\b")
_WINDOWED_ALERT = re.compile(r"(\d[\d.]*)% over (\d+)m \(threshold (\d[\d.]*)%\)")
# How long a saturation alert's condition holds before it fires, and the least time any alert takes to
# be evaluated and sent.
_ALERT_HOLD_MINUTES = 2
_ALERT_LEAST_MINUTES = 1


def _alert_minutes(text: str) -> float:
    """How long after the failure begins an alert can fire at the earliest: a rate averaged over its
    window passes its threshold once the failing share has run threshold/value of the window (38%
    against 2% over 5m: within the first minute; 7.9% against 5%: after three); a saturation alert
    once it held a couple of minutes."""
    windowed = _WINDOWED_ALERT.search(text)
    if not windowed:
        return _ALERT_HOLD_MINUTES
    value, window, threshold = (float(windowed.group(k)) for k in (1, 2, 3))
    return max(_ALERT_LEAST_MINUTES, window * threshold / value) if value else window


def _inject_moment(payload: dict, inject: dict) -> datetime:
    """When what an inject tells happened: a log line when it was logged (its leading stamp, or a moment
    it states before it is found: "expired at 02:13:41Z"), anything else when it is released."""
    released = when(payload["started_at"]) + timedelta(seconds=inject["offset_seconds"])
    stamp = _LEADING_STAMP.match(inject["text"])
    if stamp:
        return when(stamp.group(1))
    if inject["kind"] == "log_excerpt":
        return min([released] + [when(m.group(0)) for m in _STAMP.finditer(inject["text"])])
    return released


@invariant("incident")
def incident_alert_follows_the_failure(payload: dict, key: dict) -> Iterator[Finding]:
    """An alert fires once its condition has held over its evaluation window, so it comes at least that
    long after the first failure the drill shows (the earliest of the failure's log lines, by when
    each was logged, or when it is released if it says not); and no log line is found before it was
    logged. An alert at the drill's start beside a first OOMKill logged minutes later fires before
    the failure it alerts on."""
    herrings = set(key.get("red_herring_inject_ids", []))
    injects = payload["injects"]
    for n, inject in enumerate(injects):
        stamp = _LEADING_STAMP.match(inject["text"])
        released = when(payload["started_at"]) + timedelta(seconds=inject["offset_seconds"])
        if stamp and when(stamp.group(1)) > released:
            yield f"$.payload.injects[{n}].text", f"is found at {released:%H:%M:%S}, before it was logged"
    failures = [
        _inject_moment(payload, inject)
        for inject in injects
        if inject["kind"] == "log_excerpt" and inject["id"] not in herrings
    ]
    if not failures:
        return
    first = min(failures)
    for n, inject in enumerate(injects):
        if inject["kind"] != "alert":
            continue
        minutes = _alert_minutes(inject["text"])
        fired = _inject_moment(payload, inject)
        if fired < first + timedelta(minutes=minutes):
            yield (
                f"$.payload.injects[{n}].offset_seconds",
                f"the alert fires at {fired:%H:%M:%S}, sooner than its evaluation ({minutes:.1f} minutes) "
                f"allows after the first failure the drill shows ({first:%H:%M:%S})",
            )


# A queue's depth as a line or a dashboard states it: "1059 messages queued", "e-mail queue at 4,508
# messages", "outbound e-mail queue 1,395 messages (threshold ...)".
_QUEUE_DEPTH = re.compile(r"\b(\d[\d,]*) messages queued\b|\bqueue (?:at |peaked at )?(\d[\d,]*) messages\b")


def _queue_depth(text: str) -> int | None:
    stated = _QUEUE_DEPTH.search(text)
    return None if stated is None else _lag_figure(stated.group(1) or stated.group(2))


@invariant("incident")
def incident_backlog_figures_grow(payload: dict, key: dict) -> Iterator[Finding]:
    """A backlog the failure builds (queued e-mail) only grows while its cause lasts: the alert, the log
    lines and the dashboard state one series, so no figure is below one stated of an earlier moment
    (40k queued, then 12k while nothing drains it)."""
    herrings = set(key.get("red_herring_inject_ids", []))
    stated = sorted(
        (_inject_moment(payload, inject), n, depth)
        for n, inject in enumerate(payload["injects"])
        if inject["id"] not in herrings and (depth := _queue_depth(inject["text"])) is not None
    )
    for (earlier, m, before), (moment, n, depth) in zip(stated, stated[1:], strict=False):
        if depth < before:
            yield (
                f"$.payload.injects[{n}].text",
                f"states {depth:,} queued at {moment:%H:%M:%S}, fewer than the {before:,} of "
                f"injects[{m}] at {earlier:%H:%M:%S} while the backlog is still growing",
            )


# --- postmortem -----------------------------------------------------------------------------------


@invariant("postmortem")
def postmortem_times_in_order(payload: dict, key: dict) -> Iterator[Finding]:
    incident = payload["incident"]
    names = ("started_at", "detected_at", "mitigated_at", "resolved_at")
    for earlier, later in zip(names, names[1:], strict=False):
        if when(incident[later]) < when(incident[earlier]):
            yield (
                f"$.payload.incident.{later}",
                f"{incident[later]} is before {earlier} ({incident[earlier]})",
            )
    minutes = (when(incident["resolved_at"]) - when(incident["started_at"])).total_seconds() / 60
    if abs(incident["duration_minutes"] - minutes) > 1:
        yield (
            "$.payload.incident.duration_minutes",
            f"is {incident['duration_minutes']} but the incident ran {minutes:.0f} minutes from start to resolution",
        )
    yield from _in_time_order(payload["timeline"], "$.payload.timeline", "at", "timeline entries")
    for n, entry in enumerate(payload["timeline"]):
        if when(entry["at"]) > when(incident["resolved_at"]):
            yield f"$.payload.timeline[{n}].at", "is after the incident was resolved"


# How soon a detector can notice a failure, in minutes after it began.
_DETECTION_MINUTES = (
    (re.compile(r"^Detected: alert on\b"), 2),
    (re.compile(r"^Detected: the synthetic check\b"), 2),
    (re.compile(r"^Detected: (?:a )?tickets?\b"), 5),
)


@invariant("postmortem")
def postmortem_detection_takes_its_time(payload: dict, key: dict) -> Iterator[Finding]:
    """An alert evaluates over minutes (an error rate averaged over the window it states, "7.9% over 5m
    (threshold 5%)", passes its threshold after three) and a customer has to notice, retry and write: a
    ticket that detects a failure within a few minutes of its start is not one a customer could have
    sent, nor that alert one that fired after two."""
    started = when(payload["incident"]["started_at"])
    for n, entry in enumerate(payload["timeline"]):
        for pattern, least in _DETECTION_MINUTES:
            alert = pattern is _DETECTION_MINUTES[0][0]
            minutes = max(least, _alert_minutes(entry["text"])) if alert else least
            if pattern.search(entry["text"]) and when(entry["at"]) - started < timedelta(minutes=minutes):
                yield (
                    f"$.payload.timeline[{n}].at",
                    f"detects the failure {(when(entry['at']) - started).total_seconds() / 60:.0f} minutes "
                    f"after it began; that detector needs at least {minutes:.0f}",
                )


@invariant("postmortem")
def postmortem_moments_fall_on_their_own_seconds(payload: dict, key: dict) -> Iterator[Finding]:
    """Detection, escalation, mitigation and resolution happen when they happen: an incident record whose
    every moment falls on the onset's second was counted in whole minutes from it (a record kept to
    the minute, every moment on :00, is a writer's rounding and passes)."""
    incident = payload["incident"]
    moments = [incident[name] for name in ("started_at", "detected_at", "mitigated_at", "resolved_at")]
    if len(seconds := {when(m).second for m in moments}) == 1 and seconds != {0}:
        yield "$.payload.incident.resolved_at", "falls on the same second of its minute as every other moment"


@invariant("postmortem")
def postmortem_evidence_and_herrings(payload: dict, key: dict) -> Iterator[Finding]:
    yield from _unique_ids(payload["evidence"], "$.payload.evidence", "evidence")
    evidence = {e["id"]: e for e in payload["evidence"]}
    root = _norm(key["root_cause"])
    for n, herring in enumerate(key.get("red_herrings", [])):
        path = f"$.answer_key.red_herrings[{n}].evidence_id"
        item = evidence.get(herring["evidence_id"])
        if item is None:
            yield path, "is not an evidence item of the payload"
        elif _norm(item["text"]) in root:
            yield path, f"{herring['evidence_id']} states the root cause; a red herring is not the cause"


_PAGED_NOBODY = re.compile(r"\bdid not page\b|\bpaged (?:nobody|no one)\b", re.I)


@invariant("postmortem")
def postmortem_detection_agrees_with_its_factors(payload: dict, key: dict) -> Iterator[Finding]:
    """A review that says the failure's detector paged nobody (a contributing factor, an evidence note)
    has no alert detecting it on its timeline."""
    said = key.get("contributing_factors", []) + [
        e["text"] for e in payload["evidence"] if e["kind"] == "note"
    ]
    if not any(_PAGED_NOBODY.search(text) for text in said):
        return
    for n, entry in enumerate(payload["timeline"]):
        if entry["text"].startswith("Detected: alert on"):
            yield f"$.payload.timeline[{n}].text", "an alert detects it, yet the review says nothing paged"


_HELD = re.compile(r"^(?P<metric>.+?) held at\b")
_WORKAROUND_MITIGATION = re.compile(
    r"^Mitigated: .*(?:\bas a workaround\b|\buntil the fix\b|\bafter the fix\b)"
)
_ENDS_IT = re.compile(r"^(?:Fix deployed|Rolled back|Reverted)\b|\b(?:rolled back|reverted)\b")
_WINDOW_END = re.compile(r"\b(?:to|and|-)(?: |)(\d\d):(\d\d) UTC\b")


@invariant("postmortem")
def postmortem_timeline_tells_how_it_ended(payload: dict, key: dict) -> Iterator[Finding]:
    """A timeline tells how the incident ended and what it affected in its own terms: no two entries in
    one second (a detector classifies traffic after its first request, not in the same second); a
    workaround is followed by the fix or rollback that ended the impact, and an impact count's window
    ends no sooner than that; "Resolved" names no metric recovering that the evidence says never
    moved (a load metric flat through a wrong report)."""
    timeline = payload["timeline"]
    for n in range(1, len(timeline)):
        if timeline[n]["at"] == timeline[n - 1]["at"]:
            yield f"$.payload.timeline[{n}].at", "falls in the same second as the entry before it"
    mitigated = next((n for n, e in enumerate(timeline) if _WORKAROUND_MITIGATION.search(e["text"])), None)
    if mitigated is not None:
        ended = [e for e in timeline[mitigated + 1 :] if _ENDS_IT.search(e["text"])]
        if not ended:
            yield (
                f"$.payload.timeline[{mitigated}].text",
                "a workaround, and no fix or rollback follows it before the incident is resolved",
            )
        else:
            fixed = when(ended[0]["at"]).replace(second=0)
            started = when(payload["incident"]["started_at"])
            for n, item in enumerate(payload["evidence"]):
                match = _WINDOW_END.search(item["text"])
                if item["kind"] != "metric" or not match:
                    continue
                end = started.replace(hour=int(match.group(1)), minute=int(match.group(2)), second=0)
                end += timedelta(days=1) if end < started.replace(second=0) else timedelta()
                if end < fixed:
                    yield (
                        f"$.payload.evidence[{n}].text",
                        f"counts the affected up to {end:%H:%M}, before the fix at {fixed:%H:%M} ended the impact",
                    )
    flat = [m.group("metric") for e in payload["evidence"] if (m := _HELD.match(e["text"]))]
    for n, entry in enumerate(timeline):
        if entry["text"].startswith("Resolved:") and any(metric in entry["text"] for metric in flat):
            yield f"$.payload.timeline[{n}].text", "resolves on a metric the evidence says never moved"


_INTRUSION = re.compile(r"\bleaked\b|\bunauthori[sz]ed\b|\bstolen\b|\bcompromised\b", re.I)


@invariant("postmortem")
def postmortem_herrings_are_not_the_intruded_tenant_s_activity(payload: dict, key: dict) -> Iterator[Finding]:
    """In a postmortem of an intrusion, a red herring is not activity in the very tenant whose credential
    leaked (a new-device login there is something a security reviewer must investigate, not dismiss)."""
    if not _INTRUSION.search(key["root_cause"]):
        return
    told = " ".join(e["text"] for e in payload["timeline"])
    tenants = set(_TENANT.findall(told))
    evidence = {e["id"]: e for e in payload["evidence"]}
    for n, herring in enumerate(key.get("red_herrings", [])):
        item = evidence.get(herring["evidence_id"])
        named = set(_TENANT.findall(item["text"])) if item else set()
        if named & tenants:
            yield (
                f"$.answer_key.red_herrings[{n}].evidence_id",
                f"is activity in {sorted(named & tenants)[0]}, the tenant whose credential leaked",
            )


# Every figure a key states: integers and decimals, alone or before a unit ("8s", "~4s", "24h"), not
# those inside a name ("v2", "4xx", "0042_permission_model_v2").
_FIGURE = re.compile(
    r"(~|\babout |\baround )?(?<![\w.:-])(\d+(?:,\d{3})*(?:\.\d+)?) ?(ms|s|h)?(?![\w-])", re.I
)
_TO_MS = {"ms": 1, "s": 1000, "h": 3_600_000}


def _durations_ms(text: str) -> list[float]:
    return [
        float(m.group(2).replace(",", "")) * _TO_MS[m.group(3).lower()]
        for m in _FIGURE.finditer(text)
        if m.group(3)
    ]


def unshown_figures(text: str, shown: str) -> list[str]:
    """The figures of `text` that `shown` does not state. A duration may be stated in another unit
    ("8s" for "8000ms"), and one given as approximate ("~4s") is shown by any within a quarter of it."""
    shown_durations = _durations_ms(shown)
    missing = []
    for m in _FIGURE.finditer(_ISO_TIME.sub(" ", text)):
        figure, unit = m.group(2), (m.group(3) or "").lower()
        if _shown(figure, shown):
            continue
        if unit:
            value = float(figure.replace(",", "")) * _TO_MS[unit]
            slack = 0.25 if m.group(1) else 0.001
            if any(abs(d - value) <= slack * value for d in shown_durations):
                continue
        missing.append(m.group(0).strip())
    return missing


_SPAN = re.compile(r"\b(\d+) (minutes|hours)\b")


def _timeline_spans(payload: dict) -> set[int]:
    """Every whole number of minutes between two moments of the incident record and timeline: "found 42
    minutes in" is shown by a start and a detection 42 minutes apart."""
    incident = payload.get("incident") or {}
    moments = [
        when(incident[f])
        for f in ("started_at", "detected_at", "mitigated_at", "resolved_at")
        if f in incident
    ]
    moments += [when(entry["at"]) for entry in payload.get("timeline", [])]
    return {round(abs((b - a).total_seconds()) / 60) for a in moments for b in moments}


def _spans_not_on_the_timeline(missing: list[str], text: str, spans: set[int]) -> list[str]:
    """`missing` without the figures that are spans of the timeline ("42 minutes", "2 hours")."""
    derived = {
        figure
        for m in _SPAN.finditer(text)
        for figure in (m.group(1), m.group(0))
        if any(abs(int(m.group(1)) * (60 if m.group(2) == "hours" else 1) - span) <= 1 for span in spans)
    }
    return [figure for figure in missing if figure not in derived]


def _postmortem_shown(payload: dict) -> str:
    """What the postmortem's writer sees: the incident record, the timeline and the evidence."""
    incident = payload.get("incident") or {}
    texts = [payload.get("title", ""), incident.get("summary", "")]
    texts += [entry["text"] for entry in payload["timeline"]] + [item["text"] for item in payload["evidence"]]
    return _norm("\n".join(texts))


_INVOICES_AFFECTED = re.compile(r"\b([\d,]+) invoices (?:affected|double-charged)\b")
# Evidence that says how invoices map to customers when it is not one each.
_INVOICES_PER_CUSTOMER = re.compile(r"\binvoices per customer\b|\bseveral invoices each\b")


# Who an incident is escalated to when it is ours: a team that can change our systems, not a support
# tier that solves a customer's own setup with them (their expired secret, their DNS record).
_ESCALATED_TO_SUPPORT = re.compile(r"^Escalated to (L1|L2)\b")


# How a text tells a failure as still going on: "is being used", "has leaked", "its clock is about 217s
# behind", "are not arriving".
_ONGOING = re.compile(
    r"\b(?:is|are) being \w+|\bhas leaked\b|\b(?:is|are) (?:about )?\d+ ?s behind\b|\b(?:is|are) not arriving\b",
    re.I,
)


@invariant("postmortem")
def postmortem_tells_a_resolved_incident(payload: dict, key: dict) -> Iterator[Finding]:
    """A postmortem reviews an incident that is over: its summary and root cause tell it in the past,
    and the summary says more than the title repeated."""
    incident = payload.get("incident") or {}
    summary = incident.get("summary", "")
    for path, text in (
        ("$.payload.incident.summary", summary),
        ("$.answer_key.root_cause", key.get("root_cause", "")),
    ):
        found = _ONGOING.search(text)
        if found:
            yield path, f"tells the resolved incident as still going on ({found[0]!r})"
    title = re.sub(r"^Postmortem:\s*|\s*\([^)]*\)$", "", payload.get("title", "")).strip(" .").casefold()
    if summary and summary.strip(" .").casefold() == title:
        yield "$.payload.incident.summary", "repeats the title word for word"


_PAGES_SERVED = re.compile(r"page_size=(\d+); ([\d,]+) pages \(([\d,]+) records\) served")
_RECORDS_RETURNED = re.compile(r"\babout ([\d,]+) distinct [\w ]*records were returned\b")


def _count(figure: str) -> int:
    return int(figure.replace(",", ""))


@invariant("postmortem")
def postmortem_paging_figures_agree(payload: dict, key: dict) -> Iterator[Finding]:
    """A leaked key's paging states the pages it was served and their records at its page size, and
    the records a review counts as returned are those: not 40 req/s of 500-record pages for half an
    hour beside a few hundred thousand records."""
    evidence = payload.get("evidence") or []
    served = [(n, _PAGES_SERVED.search(e["text"])) for n, e in enumerate(evidence)]
    served = [(n, m) for n, m in served if m]
    for n, m in served:
        if _count(m[2]) * int(m[1]) != _count(m[3]):
            yield f"$.payload.evidence[{n}].text", f"{m[2]} pages of {m[1]} are not {m[3]} records"
    for n, e in enumerate(evidence):
        said = _RECORDS_RETURNED.search(e["text"])
        if (
            said
            and served
            and all(abs(_count(said[1]) - _count(m[3])) > _count(m[3]) / 100 for _, m in served)
        ):
            yield (
                f"$.payload.evidence[{n}].text",
                f"counts {said[1]} records where the paging line says {served[0][1][3]}",
            )


# What a cause says was left switched off ("chronyd was not enabled", "is no longer enabled at boot").
_LEFT_DISABLED = re.compile(
    r"\b(\w+) (?:was|is|were|are) (?:still installed but )?(?:not|no longer) enabled\b"
)


@invariant("postmortem")
def postmortem_actions_undo_what_was_left_disabled(payload: dict, key: dict) -> Iterator[Finding]:
    """A review whose cause is a component left disabled (a time sync daemon not enabled in a new base
    image) turns it back on among its corrective actions: readiness checks and alerts beside it
    catch the next time, but only enabling it fixes the nodes already rolled."""
    said = " ".join([key.get("root_cause", ""), *key.get("cause_chain", [])])
    actions = " ".join(a["action"] for a in key.get("corrective_actions", []))
    for name in dict.fromkeys(m[1] for m in _LEFT_DISABLED.finditer(said)):
        if not re.search(rf"\b(?:re-?)?enabl\w*\b[^.]*\b{re.escape(name)}\b", actions, re.I):
            yield (
                "$.answer_key.corrective_actions",
                f"never enables {name}, which the cause says was left disabled",
            )


@invariant("postmortem")
def postmortem_reviews_an_incident_of_ours(payload: dict, key: dict) -> Iterator[Finding]:
    """A postmortem reviews an incident of ours. A failure of the customer's own setup, which support
    resolves with them (escalated to L1 or L2), has no incident of ours to review."""
    for n, entry in enumerate(payload["timeline"]):
        if tier := _ESCALATED_TO_SUPPORT.search(entry["text"]):
            yield (
                f"$.payload.timeline[{n}].text",
                f"escalates to {tier.group(1)}: a failure support resolves with the customer is no "
                "incident of ours to review",
            )


@invariant("postmortem")
def postmortem_backlog_stays_within_its_peak(payload: dict, key: dict) -> Iterator[Finding]:
    """The evidence quotes a backlog at one moment, the worst: no line states more queued than the
    figure the metric says it peaked at."""
    texts = [(n, item["text"]) for n, item in enumerate(payload["evidence"])]
    peaks = [depth for _, text in texts if "peaked at" in text and (depth := _queue_depth(text))]
    if not peaks:
        return
    for n, text in texts:
        depth = _queue_depth(text)
        if depth is not None and depth > max(peaks):
            yield (
                f"$.payload.evidence[{n}].text",
                f"states {depth:,} queued, more than the {max(peaks):,} the queue peaked at",
            )


@invariant("postmortem")
def postmortem_customers_fit_the_evidence(payload: dict, key: dict) -> Iterator[Finding]:
    """A run that finds 220 invoices double-charged touched 220 customers, not 12, unless the evidence
    says how many invoices each customer had: the incident's count is the one its evidence explains."""
    shown = " ".join(item["text"] for item in payload["evidence"])
    counted = _INVOICES_AFFECTED.search(shown)
    affected = payload["incident"].get("customers_affected")
    if counted and affected is not None and not _INVOICES_PER_CUSTOMER.search(shown):
        invoices = int(counted.group(1).replace(",", ""))
        if invoices != affected:
            yield (
                "$.payload.incident.customers_affected",
                f"is {affected} but the evidence finds {invoices} invoices affected, one per customer",
            )


@invariant("postmortem")
def postmortem_key_rests_on_the_evidence(payload: dict, key: dict) -> Iterator[Finding]:
    """Every figure, id, host and named mechanism (a daemon, a job, a header) in the key's root cause and
    cause chain, and every figure and named mechanism in its contributing factors, is in the evidence,
    the timeline or the incident record: the writer can only reason from what they are shown."""
    shown = _postmortem_shown(payload)
    spans = _timeline_spans(payload)
    fields = [("root_cause", key["root_cause"], True)]
    fields += [(f"cause_chain[{n}]", step, True) for n, step in enumerate(key.get("cause_chain", []))]
    fields += [
        (f"contributing_factors[{n}]", factor, False)
        for n, factor in enumerate(key.get("contributing_factors", []))
    ]
    for field, text, every_fact in fields:
        missing = (
            (unshown_key_claims(text, shown) if every_fact else _claims_not_shown(KEY_CLAIMS, text, shown))
            + _claims_not_shown(PRACTICE_CLAIMS, text, shown)
            + unshown_figures(text, shown)
        )
        missing = _spans_not_on_the_timeline(missing, text, spans)
        if missing:
            yield (
                f"$.answer_key.{field}",
                f"names {missing[0]!r}, which neither the evidence nor the timeline shows",
            )


@invariant("incident")
def incident_root_cause_rests_on_the_drill(payload: dict, key: dict) -> Iterator[Finding]:
    """Every figure, id, host and named mechanism of the key's root cause is in the drill: an inject, an
    option or the title. A cause the responder cannot see is one they cannot converge on."""
    shown = _norm(
        "\n".join(
            [payload.get("title", "")]
            + [inject["text"] for inject in payload["injects"]]
            + [option["text"] for point in payload["decision_points"] for option in point["options"]]
        )
    )
    missing = unshown_key_claims(key["root_cause"], shown) + unshown_figures(key["root_cause"], shown)
    if missing:
        yield "$.answer_key.root_cause", f"names {missing[0]!r}, which no inject or option shows"


# --- what a reader of the material can know -------------------------------------------------------
# A key expects only what its scenario shows; an alert fires above its threshold; words meant for
# customers hold only what a customer can do; an "unknown" cause is not stated as known.

# "14.0% over 5m (threshold 10%)", "at 0.3% (normal 0.3%)", "9400 ms (threshold 5000 ms)".
_SERVICE_ERROR_ALERT = re.compile(r"\balert on [a-z][a-z0-9-]* error rate\b", re.I)
_PEAKED = re.compile(r"\bpeaked at ([\d,]+(?:\.\d+)?)\D{0,20}\(baseline ([\d,]+(?:\.\d+)?)\)")


@invariant("postmortem")
def postmortem_detection_fits_the_scale(payload: dict, key: dict) -> Iterator[Finding]:
    """A failure of one customer is not detected by a service-wide error-rate alert: one tenant's
    requests do not move it (a custom domain that stopped resolving sends no errors at all)."""
    if payload["incident"].get("customers_affected") != 1:
        return
    for n, entry in enumerate(payload["timeline"]):
        if entry["text"].startswith("Detected:") and _SERVICE_ERROR_ALERT.search(entry["text"]):
            yield (
                f"$.payload.timeline[{n}].text",
                "detects one customer's failure with a service-wide error-rate alert, which one tenant does not move",
            )


@invariant("postmortem")
def postmortem_figures_read_their_direction(payload: dict, key: dict) -> Iterator[Finding]:
    """A figure below its baseline fell; it did not peak."""
    texts = [(f"$.payload.evidence[{n}].text", e["text"]) for n, e in enumerate(payload["evidence"])]
    texts += [(f"$.payload.timeline[{n}].text", e["text"]) for n, e in enumerate(payload["timeline"])]
    for path, text in texts:
        match = _PEAKED.search(text)
        if match and _number(match.group(1)) < _number(match.group(2)):
            yield path, f"says peaked at {match.group(1)}, below its baseline of {match.group(2)}: it fell"


_ALERT = re.compile(
    r"(\d[\d,]*(?:\.\d+)?) ?(?:%|[a-z/]+)?(?: over \w+)? \((threshold|normal) (\d[\d,]*(?:\.\d+)?)"
)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _alert_findings(text: str, path: str) -> Iterator[Finding]:
    for match in _ALERT.finditer(text):
        value, word, limit = _number(match.group(1)), match.group(2), _number(match.group(3))
        if value <= limit:
            yield (
                path,
                f"an alert at {match.group(1)} does not exceed its {word} of {match.group(3)}: "
                "an alert fires above its threshold",
            )


# An error-rate alert and its threshold ("error rate (all requests) 7.2% over 5m (threshold 5%)"), and
# a latency alert's threshold with its unit.
_ERROR_RATE_THRESHOLD = re.compile(r"\berror rate\b[^()]*?(?:\([^()]*\)[^()]*?)?\(threshold (\d[\d.]*)%\)")
_LATENCY_THRESHOLD = re.compile(
    r"\b(?:latency|response time|p95|p99)\b[^()]*?\(threshold (\d[\d,.]*) ?([a-z%]*)\)", re.I
)
# Error-rate thresholds that page: a few percent of requests failing. At 15% customers have long noticed.
_ERROR_RATE_THRESHOLD_PCT = (0.1, 5.0)
_LATENCY_UNITS = ("ms", "s")


def _threshold_bound_findings(text: str, path: str) -> Iterator[Finding]:
    for match in _ERROR_RATE_THRESHOLD.finditer(text):
        low, high = _ERROR_RATE_THRESHOLD_PCT
        if not low <= float(match.group(1)) <= high:
            yield (
                path,
                f"an error-rate alert with a threshold of {match.group(1)}%: error-rate alerts page at "
                f"{low:g}-{high:g}% of requests failing",
            )
    for match in _LATENCY_THRESHOLD.finditer(text):
        if match.group(2) not in _LATENCY_UNITS:
            yield path, f"a latency alert's threshold of {match.group(0)!r} is not a fixed time in ms or s"


@invariant("incident", "customer_comms", "postmortem")
def alerts_exceed_their_threshold(payload: dict, key: dict) -> Iterator[Finding]:
    """A value an alert reports is above the threshold (or the normal level) it states, and the
    threshold is one a team pages at: an error rate of a few percent (1-5%, not 15%), a latency a fixed
    time in ms."""
    for field in ("injects", "timeline"):
        for n, entry in enumerate(payload.get(field) or []):
            yield from _alert_findings(entry["text"], f"$.payload.{field}[{n}].text")
            yield from _threshold_bound_findings(entry["text"], f"$.payload.{field}[{n}].text")


# What a title can name a cause by: a mechanism, a change or a part that fails (not what users see
# fail: "certificate errors on custom domains" is a symptom, "after certificate expiry" a cause). Such a term names
# the cause when the key's cause names it too; what fails for whom is the title's part.
_CAUSE_TERMS = re.compile(
    r"\b(?:expir\w*|OOMKill\w*|memory leak|leak\w*|deploy\w*|roll(?:out|back)|"
    r"feature flag|flag|config(?:uration)? change|CHG-\d+|cache\w*|clock|skew|chrony\w*|time sync|"
    r"idempoten\w*|retr(?:y|ies)|circuit breaker|provider|outage|DNS|CNAME|connection pool|pool|"
    r"migration|import|partition|statistics|query plan|autoanalyze|timeouts?|date_trunc|base image|"
    r"secret|sunset|retired|deprecat\w*|rate limit\w*|public repositor\w*)\b",
    re.I,
)
# A clause that gives a cause, whatever it names.
_CAUSE_CLAUSE = re.compile(r"\b(?:due to|because|caused by|as a result of)\b", re.I)


def title_cause_terms(title: str, cause: str) -> list[str]:
    """The terms of `title` that name the cause `cause` states (a TLS certificate's expiry in "Webhook
    deliveries failing after TLS certificate expiry"), and any clause giving a cause."""
    named = {m.group(0).casefold() for m in _CAUSE_TERMS.finditer(cause)}
    terms = [m.group(0) for m in _CAUSE_TERMS.finditer(title) if m.group(0).casefold() in named]
    return terms + [m.group(0) for m in _CAUSE_CLAUSE.finditer(title)]


@invariant("incident", "postmortem")
def titles_name_the_impact_not_the_cause(payload: dict, key: dict) -> Iterator[Finding]:
    """An incident is declared by what fails and for whom ("Webhook deliveries failing for some
    tenants"); its cause is what the responders, and later the postmortem's writer, have to find. A
    title names no term the key holds as the cause (its root cause or a step of its cause chain)."""
    cause = " ".join([key.get("root_cause") or ""] + list(key.get("cause_chain") or []))
    if terms := title_cause_terms(payload["title"], cause):
        yield (
            "$.payload.title",
            f"names {terms[0]!r}, which the key holds as the cause: a title states the impact",
        )


# A sentence that gives a cause: "... delayed because our provider is unavailable".
_CAUSE_STATED = re.compile(r"\b(?:because|due to|caused by|the cause is|as a result of|as announced)\b")
_CAUSE_UNKNOWN = re.compile(
    r"\bcause (?:is |was )?(?:not (?:yet )?(?:known|confirmed|identified)|(?:still |yet )?unknown)\b"
)


def states_a_cause(texts: Iterable[str]) -> bool:
    """Whether any of these statements gives the cause of the failure."""
    return any(_CAUSE_STATED.search(_norm(text)) for text in texts)


@invariant("customer_comms")
def comms_unknown_cause_is_not_stated(payload: dict, key: dict) -> Iterator[Finding]:
    """The brief and the timeline do not call the cause unknown while `known` states it."""
    stating = next((k for k in payload["known"] if _CAUSE_STATED.search(_norm(k))), None)
    if stating is None:
        return
    claims = [("$.payload.brief", payload["brief"])] + [
        (f"$.payload.timeline[{n}].text", entry["text"]) for n, entry in enumerate(payload["timeline"])
    ]
    for path, text in claims:
        if _CAUSE_UNKNOWN.search(_norm(text)):
            yield path, f"calls the cause unknown, but what is known states it: {stating!r}"


# A fix presupposes a cause: "when the fix will be rolled out", "how long the database fix takes".
_NAMES_A_FIX = re.compile(r"\b(?:hot)?fix(?:es|ed|ing)?\b|\bpatch(?:es|ed)?\b|\brepair(?:ed|s)?\b", re.I)


@invariant("customer_comms")
def comms_unknown_cause_names_no_fix(payload: dict, key: dict) -> Iterator[Finding]:
    """While the cause is unknown (the incident is being investigated), nothing known or unknown speaks
    of a fix: there is none to roll out or verify before anyone knows what is wrong."""
    investigating = payload["incident"]["status"] == "investigating" or _CAUSE_UNKNOWN.search(
        _norm(payload["brief"])
    )
    if not investigating:
        return
    for field in ("known", "unknown"):
        for n, text in enumerate(payload[field]):
            found = _NAMES_A_FIX.search(text)
            if found:
                yield (
                    f"$.payload.{field}[{n}]",
                    f"speaks of a {found.group(0)!r} while the cause is not yet known",
                )


_REPORTED = re.compile(r"\b(\d+) customers have reported\b")


@invariant("customer_comms")
def comms_channel_fits_the_reports(payload: dict, key: dict) -> Iterator[Finding]:
    """The report count the timeline gives is the incident's; a failure one customer reported is told
    to that customer, not on the public status page."""
    reports = payload["incident"]["customer_reports"]
    for n, entry in enumerate(payload["timeline"]):
        stated = _REPORTED.search(entry["text"])
        if stated and int(stated.group(1)) != reports:
            yield (
                f"$.payload.timeline[{n}].text",
                f"says {stated.group(1)} customers reported it but the incident counts {reports}",
            )
    if reports <= 1:
        for field in ("audience", "brief"):
            if "status page" in _norm(payload[field]):
                yield (
                    f"$.payload.{field}",
                    "names the public status page for a failure only one customer has: tell that customer",
                )


# What only the provider can do: a version of our services, a rollback, a node, a flag, a cache key.
_INTERNAL_ACTION = re.compile(
    r"\bv\d+\.\d+(?:\.\d+)?\b|\broll(?:ed|ing)? ?back\b|\brollback\b|\brevert(?:ed|ing)?\b|\bdrain\b|"
    r"\bfeature flag\b|\bflag (?:rollback|off)\b|\bnode\b|\bpods?\b|"
    r"\bCHG-\d+\b|\bdb-proxy\b|\bpause billing runs\b|\btenant:v\d+:|\bcache keys?\b",
    re.I,
)


def internal_action(text: str) -> str:
    """The part of a text only the provider could act on ("rollback to v6.20.7"), or ""."""
    found = _INTERNAL_ACTION.search(text)
    return found.group(0) if found else ""


# What only the provider's own dashboards show: a customer reporting a problem cannot name it.
_INTERNAL_DETAIL = re.compile(
    r"\bOOMKill\w*|\bpartitions?\b|\bpods?\b|\bheap\b|\bconsumer lag\b|\bconnection pool\b"
    r"|\bnodes?\b|\bcohort\b|\bfeature flag\b|\bmigration \d{4}_",
    re.I,
)


@invariant("customer_comms")
def comms_customer_report_names_no_internal_detail(payload: dict, key: dict) -> Iterator[Finding]:
    """A customer's report says what the customer sees, never what only our dashboards show (an
    OOMKilled pod, the partition their tenant is on)."""
    for n, entry in enumerate(payload["timeline"]):
        if entry["text"].startswith("First customer report") and (
            m := _INTERNAL_DETAIL.search(entry["text"])
        ):
            yield f"$.payload.timeline[{n}].text", f"a customer names {m.group(0)!r}, which only we can see"


def _comms_shown(payload: dict) -> str:
    """What the writer of a customer update sees: the brief, the incident record, the timeline and what
    is and is not known."""
    incident = payload.get("incident") or {}
    texts = [payload.get("title", ""), payload.get("brief", ""), *incident.get("affected_features", [])]
    texts += [entry["text"] for entry in payload["timeline"]] + payload["known"] + payload["unknown"]
    return _norm("\n".join(texts))


@invariant("customer_comms")
def comms_key_rests_on_what_the_writer_sees(payload: dict, key: dict) -> Iterator[Finding]:
    """The guidance the key expects (a one-time login link, a default URL) is one the writer was told
    of, and a cause the brief calls known names no provider, status or mechanism the material does not:
    an update can only pass on what its writer knows."""
    shown = _comms_shown(payload)
    missing = unshown_key_claims(key["guidance"], shown) + unshown_figures(key["guidance"], shown)
    if missing:
        yield "$.answer_key.guidance", f"names {missing[0]!r}, which nothing the writer sees states"
    if payload["incident"].get("status") == "identified":
        cause = key.get("root_cause", "")
        missing = unshown_key_claims(cause, shown) + unshown_figures(cause, shown)
        missing += [name for name in _PROPER_NAME.findall(cause) if _norm(name) not in shown]
        if missing:
            yield "$.answer_key.root_cause", f"names {missing[0]!r}, which nothing the writer sees states"


# A name in the middle of a sentence (a provider, a product): a capitalised word after a lower-case one.
_PROPER_NAME = re.compile(r"(?<=[a-z,] )[A-Z][a-z]+[A-Z]?[a-z]*\b")


def _sentences_of(text: str) -> list[str]:
    """A text's sentences, normalised, without their closing stop."""
    parts = re.split(r"(?<=[.!?])\s+", text)
    return [_norm(part).rstrip(".!?") for part in parts if part.strip()]


@invariant("customer_comms")
def comms_key_guidance_is_not_in_the_payload(payload: dict, key: dict) -> Iterator[Finding]:
    """The key states the guidance an update must give in its own terms: none of its sentences (of four
    words or more) is in what the writer reads, or the answer is handed over word for word."""
    shown = _norm(" ".join(text for _, text in _strings(payload, "$.payload")))
    for sentence in _sentences_of(key["guidance"]):
        if len(sentence.split()) >= 4 and sentence in shown:
            yield "$.answer_key.guidance", f"is in the payload word for word: {sentence!r}"
            return


@invariant("customer_comms")
def comms_guidance_is_for_customers(payload: dict, key: dict) -> Iterator[Finding]:
    """The guidance an update must give is something a customer can do, not our own remediation."""
    found = internal_action(key["guidance"])
    if found:
        yield (
            "$.answer_key.guidance",
            f"names {found!r}, an action only the provider can take: customer guidance is what a customer can do",
        )


@invariant("escalation_writeup")
def escalation_customers_do_not_speak_the_key(payload: dict, key: dict) -> Iterator[Finding]:
    """A customer's message does not recite the key's workaround nor name our internal versions (a
    customer may ask whether we will roll back; it cannot know what to)."""
    workaround = _norm(key["facts"].get("workaround", ""))
    versions = [v for v in key["facts"].get("versions", []) if v]
    for n, message in enumerate(payload["thread"]):
        if message["role"] != "customer":
            continue
        body = message["body"]
        if workaround and workaround.rstrip(".") in _norm(body):
            yield f"$.payload.thread[{n}].body", "a customer recites the key's workaround word for word"
        found = next((v for v in versions if re.search(rf"(?<![\w.]){re.escape(v)}(?![\w])", body)), "")
        if found:
            yield f"$.payload.thread[{n}].body", f"a customer names {found!r}, our internal version"


# The facts in an escalation key that a reader must find in the thread: addresses, versions, prefixed
# ids, host names and numbers of three digits or more (a count, a limit, a latency, a status).
_ISO_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b|\b\d\d:\d\d(?::\d\d)?\b")
_FACT_TOKEN = re.compile(
    r"\b\d{1,3}(?:\.\d{1,3}){3}\b"
    r"|\bv\d+\.\d+\.\d+\b"
    r"|\b[a-z]{1,6}_(?:[a-z]+_)?[0-9a-f]*\d[0-9a-f]*\b"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|io|net|de|co|uk|org)\b"
    r"|(?<![\w.,])\d+(?:\.\d+)?%"
    r"|(?<![\w.])\d{1,3}(?:,\d{3})+(?![\d,])|(?<![\w.,-])\d{3,}(?=(?:ms|s|h|mi|mib)?\b)(?![,.]\d)"
    r"|\bCHG-\d+\b|\b\d+ (?:hours|days)\b"
    r"|\bip-\d+(?:-\d+){3}\b|\b[a-z]+(?:-[a-z]+)*-[0-9a-f]{5,10}-[a-z0-9]{5}\b|\b[a-z]+(?:-[a-z]+)*-pool\b"
    r"|\b\d{4}_[a-z][a-z0-9_]*\b|(?<=`)[a-z][a-z0-9-]*(?=[ `])|\b[a-z]+_[a-z_]+(?==)"
)


def fact_tokens(text: str) -> list[str]:
    return [match.group(0) for match in _FACT_TOKEN.finditer(_ISO_TIME.sub(" ", text))]


def _shown(token: str, text: str) -> bool:
    if token.endswith("%"):
        return bool(re.search(rf"(?<![\d.]){re.escape(token[:-1])} ?%", text))
    if token.replace(",", "").isdigit():
        value = token.replace(",", "")
        grouped = f"{int(value):,}"
        return bool(re.search(rf"(?<![\d,]){re.escape(grouped)}(?![\d,])|(?<![\d,]){value}(?![\d,])", text))
    return token.casefold() in text


# Claims a key can make about a cause, a workaround or a product fact, and the words a scenario must
# use somewhere for a reader to have seen it: a role, a runbook, a retention, a daemon, a query plan.
KEY_CLAIMS = tuple(
    (re.compile(claim, re.I), re.compile(support, re.I))
    for claim, support in (
        (r"\bKB article\b", r"\bKB\b|knowledge base"),
        (r"\bchronyd\b", r"chrony"),
        (r"\btime sync daemon\b", r"chrony|time sync"),
        (r"\bexpired\b", r"expir"),
        (r"\bsecondary (?:e-mail |email )?provider\b", r"\bsecondary\b"),
        (r"\brunbook\b", r"\brunbook\b"),
        (r"\bReport Exporter\b", r"\bReport Exporter\b"),
        (r"\bone-time login link\b", r"\bone-time login\b"),
        (r"\bcreated_after\b", r"\bcreated_after\b"),
        (r"\bstatistics\b|\bnested-loop\b", r"statistic|ANALYZE|nested.loop|query plan"),
        (r"\bopen transaction\b", r"\btransaction\b"),
        (r"\bbulk import\b|\bthe import\b", r"\bimport"),
        (r"\bIdempotency-Key\b", r"idempoten"),
        (r"\badmins can\b", r"\badmin"),
        (r"\bDNS (?:clean-?up|provider change)\b", r"\bDNS provider\b|clean-?up"),
        (r"\bcursor format\b|\bold-format cursors?\b", r"\bcursor"),
        (r"\bcohort\b", r"\bcohort\b|\bflag\b|\brollout\b"),
        (r"\bload balancer\b", r"\bload balancer\b"),
        (r"\binventory sync\b", r"\binventory\b"),
        (r"\bdate_trunc\b", r"\bdate_trunc\b"),
        (r"\bpublic repositor", r"\brepositor"),
        (r"\bIP allowlist\b", r"\ballowlist\b"),
        (r"\brole editor\b", r"\brole editor\b"),
        (r"\banaly[sz]e threshold\b|\bautoanalyze\b", r"\bautoanalyze\b|\banaly[sz]e\b"),
        (r"\bSunset\b|\bDeprecation headers?\b", r"\bSunset\b|\bDeprecation\b"),
        (
            r"\b(?:read|open) transaction\b|\binside (?:a |an |the )?(?:\w+ )?transaction\b",
            r"\btransaction\b",
        ),
        (r"\bcircuit breaker\b", r"\bcircuit breaker\b"),
        # A delivery or response target ("within 2 minutes") is one the thread states.
        (r"\bwithin \d+ (?:seconds?|minutes?|hours?)\b", r"\bwithin \d+ (?:seconds?|minutes?|hours?)\b"),
        (r"\bbulk topic\b", r"\bbulk topic\b"),
        (r"\bin Python\b", r"\bPython\b"),
        (r"\bbase image\b", r"\bbase image\b"),
        (r"\breports:read\b", r"\breports:read\b"),
        # A repro that makes a dependency slow ("respond after 9s") rests on a timeout the reader saw.
        (
            r"\b(?:respond|answer)s? (?:after|slower than)\b|\bslower than\b",
            r"\btim(?:e|es|ed|ing) out\b|\btimeout\b",
        ),
        (r"\bunhealthy\b", r"\bunhealthy\b"),
        (r"\bno size bound\b|\beviction\b", r"\bsize bound\b|\bevict|\bunbounded\b"),
        (r"\bkeyed by tenant\b", r"\bkeyed by\b"),
    )
)


# What a postmortem's contributing factor can claim of how the team worked (how alerts were scoped, when
# a check ran), and the words the evidence must use for the writer to have seen it.
PRACTICE_CLAIMS = tuple(
    (re.compile(claim, re.I), re.compile(support, re.I))
    for claim, support in (
        (r"\bplatform-wide\b", r"\bplatform-wide\b"),
        (r"\bran only at the end\b|\bonly after the run\b", r"\bruns once, after\b|\bat the end of\b"),
        (r"\bbrownouts?\b", r"\bbrownout"),
        (r"\bcanary\b", r"\bcanary\b"),
        (r"\bload tests?\b", r"\bload test"),
        (r"\bmock(?:ed|s)?\b", r"\bmock"),
        (r"\bsmoke tests?\b", r"\bsmoke test"),
        (r"\bfixtures?\b", r"\bfixture"),
        (r"\bsecret-scanning\b", r"\bsecret-scanning\b"),
        (r"\bcode review\b", r"\breview\b"),
        (r"\brollout plan\b", r"\brollout plan\b"),
        (r"\btests? only covered\b|\bnot tested\b|\btested with\b", r"\btest"),
        (r"\baverage across\b", r"\baverage\b"),
        (r"\bby default\b", r"\bdefault\b|\bunless\b"),
        (r"\bno alert\b|\bdid not (?:alert|page)\b", r"\balert|\bpage"),
        (r"\b(?:deprecation )?notices?\b", r"\bnotice"),
        (r"\bexpiry warning\b|\breminders?\b", r"\breminder|\bwarn"),
    )
)


def unshown_key_claims(text: str, shown: str) -> list[str]:
    """What `text` (a key's field) claims, by KEY_CLAIMS and fact tokens, that `shown` does not say."""
    return _claims_not_shown(KEY_CLAIMS, text, shown) + [
        token for token in fact_tokens(text) if not _shown(token, shown)
    ]


def _claims_not_shown(table, text: str, shown: str) -> list[str]:
    """The claims of `text` that `shown` does not support, by a table of (claim, support) patterns."""
    return [
        m.group(0) for claim, support, *_ in table if (m := claim.search(text)) and not support.search(shown)
    ]


def _zoned_utc_minutes(text: str) -> set[int]:
    """The minutes of the UTC day of every time `text` states in UTC or with its offset ("16:40 (UTC+05:30)"
    is 11:10 UTC, minute 670)."""
    out = set()
    for m in _ZONED_TIME.finditer(text):
        sign = 1 if m.group(3) == "+" else -1
        local = int(m.group(1)) * 60 + int(m.group(2))
        out.add((local - sign * (int(m.group(4)) * 60 + int(m.group(5)))) % (24 * 60))
    out |= {int(m.group(1)) * 60 + int(m.group(2)) for m in _UTC_CLOCK.finditer(text)}
    return out


# A clock time given in UTC in words: "09:20 UTC", "09:20Z".
_UTC_CLOCK = re.compile(r"\b(\d\d):(\d\d)(?::\d\d)?(?: UTC\b(?![+-])|Z\b)")


_ISO_STAMP = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b")


@invariant("escalation_writeup")
def escalation_times_are_the_thread_s(payload: dict, key: dict) -> Iterator[Finding]:
    """The key's onset is a time the thread gives, to the minute: a UTC time a message states or a
    customer's local time with its offset; and every UTC time of its facts is one the thread states or
    that onset. A second only our logs know is not one the writer can put in the packet."""
    facts = key["facts"]
    thread = " ".join(m["subject"] + " " + m["body"] for m in payload["thread"])
    onset = facts.get("onset")
    if onset:
        minute = when(onset).hour * 60 + when(onset).minute
        if onset not in thread and minute not in _zoned_utc_minutes(thread):
            yield (
                "$.answer_key.facts.onset",
                f"{onset} is neither stated in the thread nor a local time it gives",
            )
    fields = [(name, facts.get(name, "")) for name in ("expected", "actual", "workaround")]
    fields += [(f"repro_steps[{n}]", step) for n, step in enumerate(facts.get("repro_steps", []))]
    for field, value in fields:
        for stamp in _ISO_STAMP.findall(value):
            if stamp != onset and stamp not in thread:
                yield f"$.answer_key.facts.{field}", f"{stamp} does not occur in the thread"


@invariant("escalation_writeup")
def escalation_key_facts_are_stated(payload: dict, key: dict) -> Iterator[Finding]:
    """Every address, id, version, host, pod, node pool, migration, command and number in the key's
    repro, expected and actual behaviour, environment, workaround, severity reason and ask occurs in
    the thread, and so does every role, runbook or mechanism they rest on: the packet is built from the
    thread, never invented."""
    facts = key["facts"]
    text = _thread_text(payload)
    fields = [(name, facts.get(name, "")) for name in
              ("expected", "actual", "environment", "workaround", "severity_reason", "ask")]  # fmt: skip
    fields += [(f"repro_steps[{n}]", step) for n, step in enumerate(facts.get("repro_steps", []))]
    for field, value in fields:
        missing = unshown_key_claims(value, text)
        if missing:
            yield f"$.answer_key.facts.{field}", f"{missing[0]} does not occur in the thread"


_KEY_PREFIX = re.compile(r"\b([a-z]{2}_live_[0-9a-f]{4,})")


# Two request ids given with one trace: "req_a and req_b (trace T)".
_SHARED_TRACE = re.compile(r"\breq_\w+ and req_\w+ \(trace \w+\)")
# What a stakeholder asks for that belongs in the packet: an owner, an ETA, a call, a deadline.
_STAKEHOLDER_ASK = re.compile(r"\bETA\b|\ban owner\b|\bwhen (?:will|can)\b|\bblocking us\b|\?", re.I)


@invariant("escalation_writeup")
def escalation_requests_have_their_own_traces(payload: dict, key: dict) -> Iterator[Finding]:
    """Each request the customer gives is its own trace: two calls never share one trace id, in the
    thread or in the key."""
    for n, message in enumerate(payload["thread"]):
        if found := _SHARED_TRACE.search(message["body"]):
            yield f"$.payload.thread[{n}].body", f"gives two requests one trace: {found.group(0)!r}"
    facts = key["facts"]
    if facts.get("trace_ids") and len(facts["trace_ids"]) < len(facts.get("request_ids", [])):
        yield "$.answer_key.facts.trace_ids", "holds fewer traces than the requests it goes with"


@invariant("escalation_writeup")
def escalation_noise_is_irrelevant(payload: dict, key: dict) -> Iterator[Finding]:
    """A message the key calls noise adds nothing the packet needs: a customer's colleague forwarding the
    ticket asks no question and presses for no owner or ETA (which belong in the packet)."""
    ids = {message["id"]: n for n, message in enumerate(payload["thread"])}
    for noise in key.get("noise_message_ids", []):
        n = ids.get(noise)
        if n is None or payload["thread"][n]["role"] != "customer":
            continue
        own = payload["thread"][n]["body"].split("---------- Forwarded message", 1)[0].split("\n>", 1)[0]
        if found := _STAKEHOLDER_ASK.search(own):
            yield (
                "$.answer_key.noise_message_ids",
                f"calls {noise} noise, but it asks or presses for something ({found.group(0)!r}) the packet needs",
            )


@invariant("escalation_writeup")
def escalation_secret_first_sent_by_the_customer(payload: dict, key: dict) -> Iterator[Finding]:
    """The secret first appears in a customer's own message (a pasted call, config or login); no
    internal note uses it: L1 never reproduces with a customer's live key or password."""
    value = key["secret"]["value"]
    first = next((m for m in payload["thread"] if value in m["body"]), None)
    if first is not None and first["role"] != "customer":
        yield (
            "$.answer_key.secret.value",
            f"first appears in {first['id']}, a {first['role']} message, not the customer's",
        )
    for n, message in enumerate(payload["thread"]):
        if message["role"] == "l1_note" and value in message["body"]:
            yield f"$.payload.thread[{n}].body", "an internal note uses the customer's secret"


@invariant("escalation_writeup")
def escalation_secret_could_be_sent(payload: dict, key: dict) -> Iterator[Finding]:
    """The secret in the thread is one the customer could have sent: not a credential of our own
    internal hosts, and the key the thread is about (its prefix matches the one the customer gives)."""
    secret = key["secret"]
    bodies = {m["id"]: m["body"] for m in payload["thread"]}
    body = bodies.get(secret["message_id"], "")
    lines = [line for line in body.splitlines() if secret["value"] in line]
    if any(re.search(r"@[a-z0-9.-]+\.internal\b|\.internal[:/]", line) for line in lines):
        yield "$.answer_key.secret.value", "a credential of an internal host, which no customer has"
    if secret["kind"] == "api_key":
        others = " ".join(text for mid, text in bodies.items()).replace(secret["value"], " ")
        prefixes = set(_KEY_PREFIX.findall(others))
        if prefixes and not any(secret["value"].startswith(prefix) for prefix in prefixes):
            yield (
                "$.answer_key.secret.value",
                f"is not the key the thread is about (its prefix is {sorted(prefixes)[0]})",
            )


_SHOWN_ID = re.compile(
    r"\bv\d+\.\d+\.\d+\b|\bCHG-\d+\b|\btn_[0-9a-f]{6,}\b|\b[a-z]{1,6}_[0-9a-f]{6,}\b"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+\.(?:com|io|net|de|co|uk|org)\b"
    r"|\bip-\d+(?:-\d+){3}\b|\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b"
    r"|\b\d{4}_[a-z][a-z0-9_]*\b|\b[a-z]+(?:-[a-z]+)*-[0-9a-f]{5,10}-[a-z0-9]{5}\b"
)


def unseen_ids(text: str, shown: str) -> list[str]:
    """The identifiers of `text` (versions, change ids, tenant and object ids, host names) that `shown`
    does not contain."""
    return [match.group(0) for match in _SHOWN_ID.finditer(text) if match.group(0) not in shown]


def ticket_text(ticket: dict) -> str:
    """What a ticket tells its reader: subject, body and error snippet, as one text."""
    return " ".join(ticket.get(part) or "" for part in ("subject", "body", "error_snippet"))


@invariant("triage_queue")
def triage_key_expects_what_the_ticket_shows(payload: dict, key: dict) -> Iterator[Finding]:
    """A ticket's key names no version, change, migration, tenant, object id, pod, host, event name,
    internal service or quoted name the ticket does not show, in any field a triager is graded on or
    shown (the facts to ask for included: a question presupposes nothing the ticket never said); its
    reasons and facts state no figure the ticket does not; and what it says the ticket states names no
    one the ticket does not ("Google Sheets", "Sydney"): the triager has only the ticket."""
    for ticket in payload["tickets"]:
        entry = key["tickets"].get(ticket["id"])
        if entry is None:
            continue
        shown = ticket_text(ticket)
        path = f"$.answer_key.tickets.{ticket['id']}"
        texts = [("severity_reason", entry["severity_reason"], True), ("route_reason", entry["route_reason"], True),
                 ("root_cause", entry.get("root_cause") or "", False)]  # fmt: skip
        texts += [(f"next_steps[{n}]", step, False) for n, step in enumerate(entry["next_steps"])]
        texts += [
            (f"missing_facts[{n}]", fact, True) for n, fact in enumerate(entry.get("missing_facts", []))
        ]
        texts += [(f"stated_facts[{n}]", fact, True) for n, fact in enumerate(entry.get("stated_facts", []))]
        for field, text, figures in texts:
            unseen = unseen_ids(text, shown) + unshown_specifics(text, shown, figures=figures)
            if field.startswith("stated_facts"):
                unseen += [
                    name for name in _CAPITALISED.findall(text[1:]) if name.casefold() not in shown.casefold()
                ]
            if unseen:
                yield f"{path}.{field}", f"names {unseen[0]!r}, which the ticket never shows"


# What a triage key can name that only a ticket showing it lets a triager know: an event ("order.updated"),
# an internal service ("reports-service"), a quoted name ('Report Exporter'), and a figure ("90-day").
_EVENT_NAME = re.compile(r"\b[a-z]{3,}\.[a-z_]{3,}\b")
_QUOTED_NAME = re.compile(r"(?<!\w)['\"]([A-Z][\w -]*\w)['\"](?!\w)")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")


def unshown_specifics(text: str, shown: str, *, figures: bool = True) -> list[str]:
    """The event names, internal services, quoted names and (with `figures`) numbers of `text` that the
    ticket text `shown` does not contain."""
    found = [name for name in _EVENT_NAME.findall(text) if name not in shown]
    found += [name for name in _SERVICE_NAME.findall(text) if name not in shown]
    # A name is shown however the ticket wraps its lines.
    found += [
        name
        for name in _QUOTED_NAME.findall(text)
        if " ".join(name.split()).casefold() not in " ".join(shown.split()).casefold()
    ]
    if figures:
        found += [
            number
            for number in _ANY_NUMBER.findall(_ISO_TIME.sub(" ", text))
            if not re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d])", shown)
        ]
    return found


# A workaround a next step offers, and the words of a ticket saying the customer tried it and it failed:
# "restart from the first page" for a ticket whose fresh first page's cursor already fails.
_FAILED_WORKAROUNDS = tuple(
    (re.compile(offered, re.I), re.compile(failed, re.I))
    for offered, failed in (
        (
            r"\brestart (?:pagination|the sync|the export)\b|\bfrom the first page\b",
            r"\bnext_cursor from that response returns 5\d\d\b"
            r"|\b(?:restart\w*|start\w* (?:again|over|from scratch))\b[^.]*\b(?:still|also) fails?\b",
        ),
        (r"\bretr(?:y|ying) the (?:login|request|call)\b", r"\bretr(?:y|ies|ied)\b[^.]*\bstill fails?\b"),
        (r"\bsav(?:e|ing) (?:it |the setting )?again\b(?! will not help)", r"\bsaved it (?:again|twice)\b"),
        (r"\blog(?:ging)? out and (?:back )?in\b", r"\blogged out and (?:back )?in\b"),
    )
)


@invariant("triage_queue")
def triage_steps_offer_no_workaround_the_ticket_says_failed(payload: dict, key: dict) -> Iterator[Finding]:
    """No next step offers as a way round what the ticket says the customer already tried and saw fail
    (restarting from the first page when a fresh first page's cursor fails): a key that contradicts
    its ticket grades a sound answer down."""
    for ticket in payload["tickets"]:
        entry = key["tickets"].get(ticket["id"])
        if entry is None:
            continue
        shown = ticket_text(ticket)
        for n, step in enumerate(entry["next_steps"]):
            tried = next(
                (m.group(0) for offered, failed in _FAILED_WORKAROUNDS if offered.search(step)
                 and (m := failed.search(shown))),
                None,
            )  # fmt: skip
            if tried:
                yield (
                    f"$.answer_key.tickets.{ticket['id']}.next_steps[{n}]",
                    f"offers a workaround the ticket says already failed ({tried!r})",
                )


# Components that sit behind the symptom a customer sees: a ticket shows them only in these words.
HIDDEN_COMPONENTS = {
    "database": re.compile(r"\b(?:database|db|sql|quer(?:y|ies)|import\w*|rows|connections?)\b", re.I),
    "feature_flags": re.compile(r"\b(?:flags?|feature flags?|rollout|beta|cohort)\b", re.I),
}
# A ticket that shows a third party's failure names the provider or its outage; a customer asking "is
# your e-mail down?" shows only that e-mails do not arrive.
_PROVIDER_SHOWN = re.compile(r"\bprovider\b|\boutage\b(?!\?)", re.I)
# What a route reason can claim about a failure, and the words a ticket must use to show it.
ROUTE_CLAIMS = (
    (re.compile(r"\bdeploy", re.I), re.compile(r"deploy|releas|\bupdat|upgrad|new version", re.I)),
    (re.compile(r"\bplatform-wide\b", re.I),
     re.compile(r"platform-wide|all (?:your )?customers|other customers|everyone else|widespread", re.I)),
    (re.compile(r"\bfeature flag|\bflag\b", re.I), re.compile(r"\bflags?\b", re.I)),
    (re.compile(r"\bmigration\b", re.I), re.compile(r"migrat", re.I)),
    (re.compile(r"\bnode\b", re.I), re.compile(r"\bnodes?\b", re.I)),
    (re.compile(r"\b(?:dependency|provider) outage|\bexternal dependency\b", re.I), _PROVIDER_SHOWN),
    (re.compile(r"\bimport\b|\bpartition\b", re.I), re.compile(r"\bimport|\bpartition", re.I)),
    (re.compile(r"\bcache\b|\bconfig change\b", re.I), re.compile(r"\bcache", re.I)),
    (re.compile(r"\bbilling run\b|\bfix the client\b", re.I), re.compile(r"\bbilling run\b|\bretr", re.I)),
    (re.compile(r"\bquery plan\b", re.I), re.compile(r"\bimport|statistic|query plan", re.I)),
)  # fmt: skip


def unshown_claims(reason: str, shown: str) -> list[str]:
    """The claims of `reason` (a deploy, a flag, a node...) that the ticket text `shown` does not
    support."""
    return _claims_not_shown(ROUTE_CLAIMS, reason, shown)


# What a next step can presuppose about a failure, the words a ticket must use to show it, and the
# check an engineer can make instead when it does not (they cannot act on a deploy they cannot see).
STEP_CLAIMS = (
    (
        re.compile(r"\bdeploy|\brollback\b|\broll(?:ed|ing)? (?:\S+ ){0,3}back\b", re.I),
        re.compile(r"deploy|releas|\bupdat|upgrad|new version|roll(?:ed)? ?back", re.I),
        "Check the change log for a deploy of the affected service shortly before the problem began; if "
        "one lines up, ask its owner whether to roll it back.",
    ),
    (
        re.compile(r"\bfeature flag|\bflag\b", re.I),
        re.compile(r"\bflags?\b", re.I),
        "Check for feature flag changes shortly before the problem began; if one lines up, ask its owner "
        "whether to turn it back.",
    ),
    (
        re.compile(r"\bnodes?\b|\bdrain\b|\bcordon\b", re.I),
        re.compile(r"\bnodes?\b", re.I),
        "Check whether the failures come from one node or pod rather than from all of them.",
    ),
    (
        re.compile(r"\bimport\b|\blag on\b", re.I),
        re.compile(r"\bimport|\blag\b", re.I),
        "Check whether a bulk import or another tenant's traffic on the same pipeline began shortly before "
        "the problem did.",
    ),
    (
        re.compile(r"\bsecondary provider\b|\bprovider(?:'s)? (?:outage|status page)\b", re.I),
        _PROVIDER_SHOWN,
        "Check the status of the third-party services the feature depends on.",
    ),
    (
        re.compile(r"\bANALYZE\b|\bEXPLAIN\b|\bstatistics\b"),
        re.compile(r"\bimport|statistic|query plan", re.I),
        "Check with the database owners whether the plan of the slow query changed, and what changed in "
        "the customer's data shortly before it did.",
    ),
    (
        re.compile(r"\bheap\b|\bleak\b|\breach the limit\b", re.I),
        re.compile(r"memory|leak|heap|\bOOM", re.I),
        "Check the pods behind the failing requests for restarts and memory growth.",
    ),
    (
        re.compile(r"\bcache\b|\btenant:v\d|\brevert (?:the )?recent change\b", re.I),
        re.compile(r"\bcache|config(?:uration)? change", re.I),
        "Check for configuration changes shortly before the problem began, and whether the customer's "
        "saved values reach the service that reads them.",
    ),
    (
        re.compile(r"\bkept for \d+ (?:hours|days)\b", re.I),
        re.compile(r"\bkept for\b|\bretention\b", re.I),
        "Check how long the undelivered events are kept for redelivery, and tell the customer.",
    ),
    (
        re.compile(r"\bstatus page\b", re.I),
        re.compile(
            r"platform-wide|all (?:your )?customers|other customers|everyone else|widespread|outage", re.I
        ),
        "Check whether other customers report the same problem before anything goes on the status page.",
    ),
    (
        re.compile(r"\bturn off retries\b|\bretries for the\b", re.I),
        re.compile(r"\bretr(?:y|ies|ied)\b", re.I),
        "Check in billing how many charges the payment provider captured for the invoice and whether other "
        "invoices were charged more than once; if they were, ask Engineering to hold further charges until "
        "the cause is found.",
    ),
    (
        re.compile(r"\bcertificate renewal\b", re.I),
        re.compile(r"\bcert|\bTLS\b|\bSSL\b", re.I),
        "After propagation, re-run domain verification and check that the custom domain loads over HTTPS again.",
    ),
)
# What a next step, even one phrased as a check, may rest on only when the ticket shows it: a client that
# retried timed-out calls, a billing run, a certificate; and a record pointed at a description of its
# target ("-> the tenant's hostname on our edge") rather than at a host.
STEP_MECHANISMS = tuple(
    (re.compile(claim, re.I), re.compile(support, re.I))
    for claim, support in (
        (r"\btim(?:e|es|ed|ing) out\b|\btimeouts?\b", r"\btim(?:e|es|ed|ing) out\b|\btimeout"),
        (r"\bbilling run\b|\bpayment client\b", r"\bbilling run\b|\bpayment client\b"),
        (r"\bcertificate\b", r"\bcert|\bTLS\b|\bSSL\b"),
        (r"->\s*(?:the|a|an|their|our) [a-z']+", r"(?!)"),
    )
)
# A step phrased as something the engineer checks or asks presupposes nothing.
_A_CHECK = re.compile(r"^(?:Check|Ask the customer|Find out)\b")


def unshown_step_claims(step: str, shown: str) -> list[tuple[str, str]]:
    """(the claim, the check to make instead) for what `step` presupposes and the ticket text `shown`
    does not show; nothing for a step that is itself a check."""
    if _A_CHECK.match(step):
        return []
    return [
        (m.group(0), check)
        for claim, support, check in STEP_CLAIMS
        if (m := claim.search(step)) and not support.search(shown)
    ]


@invariant("triage_queue")
def triage_next_steps_presuppose_only_what_the_ticket_shows(payload: dict, key: dict) -> Iterator[Finding]:
    """A next step acts only on what the ticket states (a rollback needs a deploy the ticket shows);
    anything else is a check the engineer makes, and no step, a check included, rests on a mechanism
    the ticket gives no sign of (a retried timeout, a certificate) or points a record at a placeholder."""
    for ticket in payload["tickets"]:
        entry = key["tickets"].get(ticket["id"])
        if entry is None:
            continue
        shown = ticket_text(ticket)
        for n, step in enumerate(entry["next_steps"]):
            claims = unshown_step_claims(step, shown)
            if claims:
                yield (
                    f"$.answer_key.tickets.{ticket['id']}.next_steps[{n}]",
                    f"presupposes {claims[0][0]!r}, which the ticket never shows; make it a check",
                )
            rests = _claims_not_shown(STEP_MECHANISMS, step, shown)
            if rests:
                yield (
                    f"$.answer_key.tickets.{ticket['id']}.next_steps[{n}]",
                    f"rests on {rests[0]!r}, which the ticket never shows",
                )


# What only our side can know of a failure (logs, code, infrastructure), and the words a ticket must use
# for a triager to name it: a triage queue has the customers' tickets and nothing else.
TICKET_CAUSE_CLAIMS = tuple(
    (re.compile(claim, re.I), re.compile(support, re.I))
    for claim, support in (
        (r"\bno size bound\b|\beviction\b|\bunbounded\b", r"\bunbounded\b|\bevict"),
        (r"\bOOM\w*|\bheap\b|\bmemory limit\b|\b\d+ ?Mi\b", r"\bOOM|\bmemory\b|\bheap\b"),
        (r"\bconnection pool\b|\b\d+-connection\b", r"\bpool\b"),
        (r"\bIdempotency-Key\b|\bidempoten", r"idempoten"),
        (r"\btim(?:e|es|ed|ing) out\b|\btimeout\b", r"\btim(?:e|es|ed|ing) out\b|\btimeout\b"),
        (r"\bpartition\b|\bkeyed by\b|\bconsumer\b", r"\bpartition|\bconsumer"),
        (
            r"\bstatistics\b|\bplanner\b|\bnested-loop\b|\bquery plan\b",
            r"statistic|planner|nested|query plan",
        ),
        (r"\bmigration\b", r"\bmigrat"),
        (r"\bnode\b|\btime sync daemon\b", r"\bnodes?\b|\bNTP\b|time sync"),
        (r"\bkey prefix\b|\binvalidat\w*", r"\bprefix\b|\binvalidat"),
        (r"\bflag\b|\bcohort\b|\brolling out\b|\brollout\b", r"\bflag|\bcohort\b|\brollout\b"),
        (r"\bdeploy\w*|\bnew version\b", r"deploy|releas|\bupdat|upgrad|new version"),
        (r"\bbulk import\b", r"\bimport"),
    )
)
# An internal service ("search-service", "webhook-dispatcher") and any number: a ticket names them or
# the triager cannot.
_SERVICE_NAME = re.compile(r"\b[a-z]+(?:-[a-z]+)*-(?:service|dispatcher|worker|gateway)\b")
_ANY_NUMBER = re.compile(r"(?<![\w.:/-])\d+(?:[.,]\d+)*")


def unshown_ticket_claims(text: str, shown: str) -> list[str]:
    """What `text` (a triage key's cause or step) says of the failure that only our side could know and
    the ticket text `shown` does not state: a mechanism, an internal service, a figure."""
    found = _claims_not_shown(TICKET_CAUSE_CLAIMS, text, shown)
    found += [name for name in _SERVICE_NAME.findall(text) if name not in shown]
    found += [
        number
        for number in _ANY_NUMBER.findall(_ISO_TIME.sub(" ", text))
        if not re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d])", shown)
    ]
    return found


@invariant("triage_queue")
def triage_cause_rests_on_the_ticket(payload: dict, key: dict) -> Iterator[Finding]:
    """A ticket's root cause names no mechanism, internal service or figure the ticket does not show, and
    its severity reason calls the customer's feature badly degraded only when the ticket says it fails:
    a triager reasons from the ticket, not from logs they do not have."""
    for ticket in payload["tickets"]:
        entry = key["tickets"].get(ticket["id"])
        if entry is None or entry.get("root_cause") is None:
            continue
        shown = ticket_text(ticket)
        path = f"$.answer_key.tickets.{ticket['id']}"
        missing = unshown_ticket_claims(entry["root_cause"], shown)
        if missing:
            yield f"{path}.root_cause", f"names {missing[0]!r}, which the ticket never shows"
        for n, step in enumerate(entry["next_steps"]):
            numbers = [
                n
                for n in _ANY_NUMBER.findall(step)
                if not re.search(rf"(?<![\d.,]){re.escape(n)}(?!\d)", shown)
            ]
            if numbers:
                yield f"{path}.next_steps[{n}]", f"states {numbers[0]!r}, a figure the ticket never shows"
        if _BADLY_DEGRADED.search(entry["severity_reason"]) and not states_degraded(shown):
            yield (
                f"{path}.severity_reason",
                "says the feature is badly degraded with no workaround, which the ticket's words do not say",
            )


_BADLY_DEGRADED = re.compile(r"\bbadly degraded\b.*\bno (?:real )?workaround\b", re.I)
# A missing fact that asks what the ticket already says, by the words that say it.
_STATED_IN_TICKET = tuple(
    (re.compile(fact, re.I), re.compile(words, re.I))
    for fact, words in (
        (r"\brecently renewed\b", r"\brenewed\b"),
        (r"\bin bursts or\b", r"\bbursts?\b"),
        (r"\bX-Request-Id\b", r"\bX-Request-Id: req_"),
        (r"\bwhether the first page succeeds\b", r"\bfirst (?:page|GET)\b"),
        (r"\bwhich export\b", r"\b(?:orders|customers|invoices?) (?:CSV )?export\b|\bCSV export\b"),
        (r"\bspreadsheet program\b", r"\bExcel\b|\bGoogle Sheets\b|\bLibreOffice\b|\bNumbers app\b"),
        (r"\bthe role name\b", r"\"[^\"]+\" role\b|\bRole is [A-Z]"),
        (r"\bthe event types and statuses\b", r"\bshipped\b"),
        (r"\bthe launch date\b", r"\bnext quarter\b|\bin \w+ (?:weeks|months)\b"),
    )
)
# What every ticket shows beside its words: the customer's plan.
_PLAN_ASKED = re.compile(r"\b(?:their|which|the customer's) plan\b", re.I)


@invariant("triage_queue")
def triage_missing_facts_are_missing(payload: dict, key: dict) -> Iterator[Finding]:
    """A ticket's missing facts do not ask for what the ticket already says (a certificate "renewed last
    week" is not missing "whether it was recently renewed")."""
    for ticket in payload["tickets"]:
        entry = key["tickets"].get(ticket["id"])
        if entry is None:
            continue
        shown = ticket_text(ticket)
        for n, fact in enumerate(entry.get("missing_facts", [])):
            if _PLAN_ASKED.search(fact) and ticket.get("customer", {}).get("tier"):
                yield (
                    f"$.answer_key.tickets.{ticket['id']}.missing_facts[{n}]",
                    f"asks {fact!r}, which the ticket's customer tier already shows",
                )
            stated = next((words for asked, words in _STATED_IN_TICKET if asked.search(fact)), None)
            if stated is not None and stated.search(shown):
                yield (
                    f"$.answer_key.tickets.{ticket['id']}.missing_facts[{n}]",
                    f"asks {fact!r}, which the ticket already says",
                )


# What a question names of the failure's mechanism, and the ticket words that hint at it: a vague ticket's
# missing facts ask about a mechanism only its words point at ("users cannot log in" asks for no SAML
# trace, "the report does not match our records" for no time zone).
VAGUE_MECHANISMS = tuple(
    (re.compile(term, re.I), re.compile(hint, re.I))
    for term, hint in (
        (r"\bSAML\b|\bidentity provider\b|\bassertion\b", r"\bSAML\b|\bSSO\b|identity provider"),
        (r"\bcertificate\b|\bTLS\b", r"\bcert|\bTLS\b|\bSSL\b"),
        (r"\bDNS\b|\bCNAME\b|\bdig\b|\bnslookup\b|\bresolves?\b", r"\bDNS\b|\bCNAME\b|\bdomain\b"),
        (r"\bX-Request-Id\b|\brequest id\b", r"\bX-Request-Id\b|\brequest id\b"),
        (r"\bretr(?:y|ies)\b|\bRetry-After\b", r"\bretr"),
        (r"\bworkers?\b|\bthreads?\b", r"\bworkers?\b|\bthreads?\b"),
        (r"\bsettings version\b|\bfresh session\b", r"\bversion\b|\bsession\b"),
        (r"\bimport\b", r"\bimport"),
        (r"\bSCIM\b|\bSSO group\b", r"\bSCIM\b|\bSSO\b"),
        (r"\bfirst page\b|\bsecond page\b|\blater pages\b", r"\bpages?\b|\bpaginat"),
        (r"\bclient (?:secret|id)\b|\brotated\b", r"\bsecret\b|\bclient id\b|\bOAuth\b"),
        (r"(?<!with )\btime ?zones?\b", r"\btime ?zone|\bUTC\b"),
        (r"\bmail gateway\b", r"\bgateway\b"),
        (r"\bquery parameters\b|\bfiltered requests\b", r"\bquery\b|\bfilter"),
        (r"\bwebhooks?\b|\bendpoints?\b", r"\bwebhook|\bendpoint|\bAPI\b|\bcalls?\b|\b410\b"),
        (r"\bbuilt-in or custom\b|\brole\b", r"\brole\b|\bpermission"),
        (r"\bAPI notices\b|\bv[12]\b", r"\bv[12]\b|\b410\b|\bsunset\b"),
    )
)


def unhinted_mechanisms(text: str, shown: str) -> list[str]:
    """The mechanisms `text` (a question) names that the ticket text `shown` gives no hint of."""
    return [
        m.group(0) for term, hint in VAGUE_MECHANISMS if (m := term.search(text)) and not hint.search(shown)
    ]


@invariant("triage_queue")
def triage_vague_ticket_asks_generic_questions(payload: dict, key: dict) -> Iterator[Finding]:
    """A vague ticket's missing facts are what anyone would ask of it (when, who, an example, what they
    expected and saw), naming no mechanism its words give no hint of: a triager asking a customer who
    says "order sync looks stuck" about certificate renewal has guessed the cause, not triaged."""
    for ticket in payload["tickets"]:
        entry = key["tickets"].get(ticket["id"])
        if entry is None or entry.get("clarity") != "vague":
            continue
        shown = ticket_text(ticket)
        for n, fact in enumerate(entry.get("missing_facts", [])):
            named = unhinted_mechanisms(fact, shown)
            if named:
                yield (
                    f"$.answer_key.tickets.{ticket['id']}.missing_facts[{n}]",
                    f"asks about {named[0]!r}, which nothing in this vague ticket hints at",
                )


# A customer stating that they are fully blocked: every user, production, nothing works.
_FULLY_BLOCKED = re.compile(
    r"\bproduction (?:is )?down\b|\bdown for (?:us|all|everyone)\b|\b(?:fully|completely|totally) blocked\b"
    r"|\ball (?:of )?our users\b|\bnothing works\b|\bnobody (?:here )?can (?:work|log in|use)\b"
    r"|\b(?:cannot|can't|can not) \w+(?: \w+){0,3} at all\b|\bblocks our whole\b",
    re.I,
)


# A customer stating that a feature is broken or badly degraded for them: it fails, does not load,
# cannot be used, answers with errors on every call. "Sometimes shows an error" is not.
_DEGRADED = re.compile(
    r"\bfail\w*|\bnot (?:load|work|arriv|show|coming|receiv|reachable)\w*|\bunusable\b|\bbroke\w*"
    r"|\b(?:cannot|can't|cant|can not|could not|won't)\b|\bdoesn'?t work\b|\bnothing\b|\bnone of\b"
    r"|\bno (?:e-?mail|\w+ (?:comes|arrives))\b|\bkeeps? failing\b|\b[45]\d\d\b|\blocked out\b|\bstuck\b"
    r"|\bmissing\b|\bwrong\b|\bfrozen\b|\bflaky\b|\bhurts\b|\bblock\w*",
    re.I,
)


def states_degraded(text: str) -> bool:
    """Whether a ticket's words say a feature fails or is badly degraded for the customer."""
    return bool(_DEGRADED.search(text))


def states_fully_blocked(text: str) -> bool:
    """Whether a ticket's words say the customer is fully blocked (all users, production down)."""
    return bool(_FULLY_BLOCKED.search(text))


# A way round the customer says works only part of the time: "if they retry once or twice it often works".
_PARTIAL_RETRY = re.compile(r"\bretr(?:y|ying|ies)\b[^.!?]{0,40}?\b(?:works|succeeds|goes through)\b", re.I)
# Partial impact in a customer's words, and what it is in a severity reason's.
PARTIAL_SCOPES = tuple(
    (re.compile(words, re.I), label)
    for words, label in (
        (r"\bsome (?:people|users|of (?:our|my|the))\b|\beveryone with\b|\bothers are fine\b",
         "some of their users, not all"),
        (r"\ba third\b|\bsome requests\b|\bother endpoints fine\b", "part of their calls, not all"),
        (r"\bsometimes\b|\bon and off\b|\bintermittent|\bcome and go\b|\bevery now and then\b|\bflaky\b",
         "failures that come and go"),
        (r"\bdelay|\bvery late\b|\bnot appeared yet\b|\bcrawl|\bslow\b|\bcatches up\b|\bfrozen\b",
         "a delay"),
    )
)  # fmt: skip


def states_partial_retry(text: str) -> bool:
    """Whether a ticket says retrying gets through part of the time: a way round that is only partial."""
    return bool(_PARTIAL_RETRY.search(text))


def partial_scope(text: str) -> str:
    """What partial impact a ticket's words state (some users, some calls, a delay), or ""."""
    return next((label for words, label in PARTIAL_SCOPES if words.search(text)), "")


@invariant("triage_queue", "log_investigation")
def stated_full_block_is_most_urgent(payload: dict, key: dict) -> Iterator[Finding]:
    """An enterprise customer who says they are fully blocked is SEV1 on the queue's scale, and in a
    queue nothing less severe is worked before them."""
    if "ticket" in payload:
        ticket = payload["ticket"]
        blocked = ticket["customer"]["tier"] == "enterprise" and states_fully_blocked(ticket_text(ticket))
        if blocked and key["severity"] != "SEV1":
            yield (
                "$.answer_key.severity",
                f"is {key['severity']} but the enterprise customer says they are fully blocked",
            )
        return
    order = key.get("priority_order") or []
    for ticket in payload["tickets"]:
        entry = key["tickets"].get(ticket["id"])
        if entry is None or ticket["customer"]["tier"] != "enterprise":
            continue
        if not states_fully_blocked(ticket_text(ticket)):
            continue
        path = f"$.answer_key.tickets.{ticket['id']}.severity"
        if entry["severity"] != "SEV1":
            yield path, f"is {entry['severity']} but the enterprise customer says they are fully blocked"
        elif ticket["id"] in order:
            ahead = order[: order.index(ticket["id"])]
            worse = [t for t in ahead if key["tickets"].get(t, {}).get("severity") != "SEV1"]
            if worse:
                yield (
                    "$.answer_key.priority_order",
                    f"puts {worse[0]} before {ticket['id']}, an enterprise customer fully blocked",
                )


@invariant("triage_queue")
def triage_key_component_and_route_fit_the_ticket(payload: dict, key: dict) -> Iterator[Finding]:
    """A key grades the component a ticket's words point at (a database or a flag behind a 503 is the
    cause, not what the ticket shows), and its route reason claims no deploy, flag, migration, node
    or scope the ticket does not show."""
    for ticket in payload["tickets"]:
        entry = key["tickets"].get(ticket["id"])
        if entry is None:
            continue
        shown = ticket_text(ticket)
        path = f"$.answer_key.tickets.{ticket['id']}"
        words = HIDDEN_COMPONENTS.get(entry["component"])
        if words and not words.search(shown):
            yield f"{path}.component", f"is {entry['component']}, which nothing in the ticket shows"
        claims = unshown_claims(entry["route_reason"], shown)
        if claims:
            yield f"{path}.route_reason", f"claims {claims[0]!r}, which the ticket never shows"


@invariant("triage_queue")
def triage_severity_follows_the_scale(payload: dict, key: dict) -> Iterator[Finding]:
    """When the queue's scale reserves SEV4 for questions and requests with no service impact, a
    question (no failure behind it) is SEV4 and a failure is not."""
    sev4 = _norm((payload.get("severity_scale") or {}).get("SEV4", ""))
    if "no service impact" not in sev4:
        return
    for ticket_id, entry in key["tickets"].items():
        # A question: no failure behind it and nothing to fix. A failure: a root cause is known.
        question = entry.get("root_cause") is None and not entry.get("next_steps")
        failure = entry.get("root_cause") is not None
        path = f"$.answer_key.tickets.{ticket_id}.severity"
        if question and entry["severity"] != "SEV4":
            yield path, f"is {entry['severity']} for a question or request; the scale says SEV4"
        elif failure and entry["severity"] == "SEV4":
            yield path, "is SEV4 (no service impact) for a ticket about a failure"


# What a severity reason can rest on, by the scale every kind states: customers' data or money at risk;
# a customer left a way round (a workaround, a delay, some users); whom the failure hits.
_DATA_AT_RISK = re.compile(
    r"\bdata (?:or money )?(?:is )?at risk\b|\bmoney\b|\bcharged twice\b|\bunauthori[sz]ed access\b"
    r"|\bpersonal data\b",
    re.I,
)
# What keeps a failure of many customers Minor on the scale: partial impact (a workaround does not: each
# customer has to find and apply it), unless the reason itself says a workflow is blocked.
_LESSER_IMPACT = re.compile(r"\bdelay|\bpartial\b|\bsome users\b", re.I)
_BLOCKED_SAID = re.compile(r"\bis blocked\b|\bare blocked\b|\bcannot\b", re.I)
_MANY_CUSTOMERS = re.compile(
    r"\bmany customers\b|\ball (?:\w+ )?tenants\b|\bevery tenant\b|\bplatform-wide\b", re.I
)
_ONE_CUSTOMER = re.compile(
    r"\bOnly .+ is affected\b|\bno other customer has reported\b|\bOne (?:customer|tenant)'s\b"
)
_SCALE_LEVELS = {"Critical": "SEV1", "Major": "SEV2", "Minor": "SEV3"}
# What a severity reason can claim beyond the clause of the scale it opens with, and the words the
# scenario must use to show it: a reader grades by what they read, so a reason resting on a workaround,
# a customer or an obligation nothing shows rests on nothing.
SEVERITY_CLAIMS = tuple(
    (re.compile(claim, re.I), re.compile(support, re.I))
    for claim, support in (
        (r"\benterprise\b", r"\benterprise\b"),
        (r"\ball (?:\w+ )?tenants\b|\bevery tenant\b",
         r"\ball (?:\w+ )?(?:tenants|customers)\b|\bevery (?:tenant|customer)\b|\bplatform-wide\b"),
        (r"\bmany customers\b|\bfor all\b",
         r"\bmany customers\b|\ball (?:\w+ )?(?:tenants|customers)\b|\bplatform-wide\b|\bother customers\b"
         r"|\b\d+ (?:\w+ )?(?:customers|tenants|invoices)\b"),
        (r"\bno data loss\b|\bnothing is lost\b",
         r"\bno data (?:is )?lost\b|\bno data loss\b|\bnothing (?:is |was )?lost\b|\bnot lost\b"),
        (r"\bfetching an order by id\b", r"\bby (?:its )?id\b|GET /v2/orders/\w"),
        (r"\badmins can export\b", r"\badmins?\b[^.]{0,60}\bexport|\bexport[^.]{0,60}\badmins?\b"),
        (r"\bSSO-enforced\b", r"\bSSO-enforced\b|\benforc"),
        (r"\bcomplian", r"\bcomplian"),
        (r"\brevenue|\bcheckout\b", r"\brevenue|\bcheckout\b"),
        (r"\bretained for\b", r"\bretain|\bretention\b"),
        (r"\bnotification obligations?\b", r"\bnotif\w* obligation|\bGDPR\b|\bregulator"),
        (r"\blegal\b", r"\blegal\b"),
        (r"\bnext billing (?:batch|run)\b", r"\bnext (?:billing )?(?:batch|run)\b"),
        (r"\bretrying\b|\bretry\b", r"\bretr(?:y|ies|ying|ied)\b"),
        (r"\ba workaround exists\b", r"\bworkaround\b|\bin the meantime\b|\bmeanwhile\b"),
        (r"\bthe first page works\b", r"\bfirst page\b"),
        (r"\bflag rollback\b", r"\bflag\b"),
        (r"\bdefault URL\b", r"\bdefault (?:URL|domain)\b"),
        (r"\bv2 API is available\b", r"\bv2\b"),
        (r"\bbacking off\b", r"\bback(?:ing)? off\b|\bbackoff\b|\bRetry-After\b"),
    )
)  # fmt: skip
# A reason that says a way round exists, which the scale's "no workaround" clause denies.
_WORKAROUND_CLAIM = re.compile(
    r"\b(?:is|as|a|partial) workaround\b|\bworkaround exists\b|\bworks as a workaround\b", re.I
)


def severity_reason_body(reason: str) -> str:
    """A severity reason without its opening (the level and the clause of the scale it rests on)."""
    head, _, body = reason.partition(" by the scale: ")
    if head in _SCALE_LEVELS and body:
        return body.split(". ", 1)[1] if ". " in body else ""
    return reason


def unshown_severity_claims(reason: str, shown: str) -> list[str]:
    """The claims of a severity reason (beyond its clause of the scale) that the scenario text `shown`
    does not support."""
    return _claims_not_shown(SEVERITY_CLAIMS, severity_reason_body(reason), shown)


# A workaround a reason calls partial, in plain words: one that works part of the time, only for some
# users or cursors, or is ours to apply ("The only workaround, retrying with backoff, works part of the
# time"), which the "no workaround" clause allows.
_PARTIAL_WORKAROUND = re.compile(
    r"\bpartial workaround\b|\bonly workaround\b[^.;]*?\b(?:part of the time|only|ours|not)\b", re.I
)


def claims_a_workaround(text: str) -> bool:
    return bool(_WORKAROUND_CLAIM.search(text))


def calls_the_workaround_partial(text: str) -> bool:
    return bool(_PARTIAL_WORKAROUND.search(text))


def _full_workaround_claims(body: str) -> list[str]:
    """The clauses of a severity reason that name a way round without calling it partial."""
    clauses = re.split(r"(?<=[.;])\s+", body)
    return [c for c in clauses if claims_a_workaround(c) and not calls_the_workaround_partial(c)]


def _severity_reason_findings(reason: str, shown: str, path: str) -> Iterator[Finding]:
    unshown = unshown_severity_claims(reason, shown)
    if unshown:
        yield path, f"rests on {unshown[0]!r}, which the scenario never shows"
    body = severity_reason_body(reason)
    if "no workaround" in reason.split(". ", 1)[0] and _full_workaround_claims(body):
        yield (
            path,
            'grades by the scale\'s "no workaround" clause yet names a workaround it does not call partial',
        )
    yield from _said_once(reason, path)


def _said_once(reason: str, path: str) -> Iterator[Finding]:
    sentences = [_norm(s) for s in re.split(r"(?<=\.)\s+", reason) if s.strip()]
    if len(set(sentences)) < len(sentences):
        yield path, "says the same sentence twice"
    opening = re.match(r"\w+ by the scale: ([^.]+)\.", reason)
    body = _norm(severity_reason_body(reason))
    if opening and body and body.startswith(" ".join(_norm(opening.group(1)).split()[:2])):
        yield path, "restates the clause of the scale it opens with"


@invariant("incident", "escalation_writeup")
def severity_reason_rests_on_what_is_shown(payload: dict, key: dict) -> Iterator[Finding]:
    """A key's severity reason claims only what the scenario shows (a workaround, enterprise customers,
    many customers, an obligation), does not name a workaround under the scale's "no workaround" clause,
    and says nothing twice."""
    if "injects" in payload:
        shown = " ".join(
            [payload.get("title", "")]
            + [inject["text"] for inject in payload["injects"]]
            + [o["text"] for d in payload.get("decision_points", []) if d["id"] != "D1" for o in d["options"]]
        )
        yield from _severity_reason_findings(
            key.get("severity_reason", ""), shown, "$.answer_key.severity_reason"
        )
    elif "thread" in payload:
        customer = payload.get("customer") or {}
        shown = f"{customer.get('name', '')} ({customer.get('tier', '')}) " + " ".join(
            m["body"] for m in payload["thread"]
        )
        yield from _severity_reason_findings(
            key["facts"].get("severity_reason", ""), shown, "$.answer_key.facts.severity_reason"
        )


@invariant("escalation_writeup")
def escalation_severity_weighs_the_workaround(payload: dict, key: dict) -> Iterator[Finding]:
    """A packet graded Major by the scale's "no workaround" clause while its key gives a workaround says
    in its reason why that workaround is no way round (it works part of the time, for some users only, or
    is ours to apply); one the customer applies that removes the impact makes the failure Minor by "or a
    workaround exists"."""
    facts = key["facts"]
    reason, workaround = facts.get("severity_reason", ""), facts.get("workaround", "")
    opening = reason.split(". ", 1)[0]
    if (
        workaround
        and "no workaround" in opening
        and not calls_the_workaround_partial(severity_reason_body(reason))
    ):
        yield (
            "$.answer_key.facts.severity",
            f'is {facts["severity"]} by the scale\'s "no workaround" clause, yet the key gives a workaround '
            f"({workaround!r}) its reason does not call partial: a workaround that removes the impact makes "
            "it Minor",
        )


# What a triage severity reason says of the ticket, and whether the ticket's words bear it out.
_SAYS_FULLY_BLOCKED = re.compile(r"\bfully blocked\b(?! is SEV1)|\bcan still work\b", re.I)
_SAYS_NO_WAY_ROUND = re.compile(r"\bno way round\b|\bno workaround\b", re.I)
_SAYS_PARTLY = re.compile(r"\bpart of the time\b|\bonly partial\b", re.I)
_QUOTED = re.compile(r'"([^"]+)"')


def _quoted_comparable(text: str) -> str:
    return " ".join(text.replace('"', "'").split()).casefold()


@invariant("triage_queue")
def triage_severity_reason_fits_the_ticket(payload: dict, key: dict) -> Iterator[Finding]:
    """A ticket's severity reason says what the ticket says: what it quotes is in the ticket, it calls
    the customer fully blocked only when their words do (and never says they can still work when their
    words say it fails), and it says no way round exists only when the ticket names none, or says the
    one it names (retries that often work) works only part of the time."""
    for ticket in payload["tickets"]:
        entry = key["tickets"].get(ticket["id"])
        if entry is None or entry.get("root_cause") is None:
            continue
        shown = ticket_text(ticket)
        body = severity_reason_body(entry["severity_reason"])
        path = f"$.answer_key.tickets.{ticket['id']}.severity_reason"
        unquoted = [
            quote
            for quote in _QUOTED.findall(body)
            if _quoted_comparable(quote.removesuffix(" ...")) not in _quoted_comparable(shown)
        ]
        if unquoted:
            yield path, f"quotes {unquoted[0]!r}, which the ticket does not say"
        claim = _SAYS_FULLY_BLOCKED.search(body)
        if claim and (
            (claim.group(0).endswith("blocked") and not states_fully_blocked(shown))
            or (claim.group(0).endswith("work") and states_degraded(shown))
        ):
            yield path, f"says {claim.group(0)!r}, which the customer's words do not bear out"
        if _SAYS_NO_WAY_ROUND.search(body) and states_partial_retry(shown) and not _SAYS_PARTLY.search(body):
            yield (
                path,
                "says there is no way round, but the ticket says retrying often works; say it is partial",
            )
        elif entry["severity"] == "SEV2" and states_partial_retry(shown) and not _SAYS_PARTLY.search(body):
            yield (
                path,
                "grades it Major without weighing the retries the ticket says often work; say they work "
                "only part of the time",
            )


# A route reason saying the next work is gathering the facts the ticket leaves out: frontline (L1) work.
_GATHERS_FACTS = re.compile(r"\b(?:gathers?|asks? (?:the customer )?for) the missing facts\b", re.I)


@invariant("triage_queue")
def triage_route_agrees_with_its_reason(payload: dict, key: dict) -> Iterator[Finding]:
    """A ticket routed on for fact-gathering goes to L1: asking a customer for the missing facts is
    frontline work, so a route reason saying that is what happens next names L1, not L2 or beyond."""
    for ticket_id, entry in key.get("tickets", {}).items():
        if _GATHERS_FACTS.search(entry.get("route_reason", "")) and entry.get("route") != "L1":
            yield (
                f"$.answer_key.tickets.{ticket_id}.route",
                f"is {entry.get('route')} but its reason says the missing facts are gathered first, L1's work",
            )


@invariant("triage_queue")
def triage_severity_reasons_say_things_once(payload: dict, key: dict) -> Iterator[Finding]:
    """A ticket's severity reason does not restate the clause of the scale it opens with, nor say a
    sentence twice ("Minor by the scale: partial impact... Partial impact: ...")."""
    for ticket_id, entry in key.get("tickets", {}).items():
        reason = entry.get("severity_reason", "")
        yield from _said_once(reason, f"$.answer_key.tickets.{ticket_id}.severity_reason")


_GRADED_AS = re.compile(r"^(Critical|Major|Minor)\b")


def _severity_against_the_scale(
    severity: str, reason: str, path: str, *, one_customer: bool, enterprise_blocked: bool
) -> Iterator[Finding]:
    graded = _GRADED_AS.match(reason)
    if graded and _SCALE_LEVELS[graded.group(1)] != severity:
        yield path, f"is {severity} but its reason grades it {graded.group(1)}"
    if severity == "SEV1" and one_customer and not enterprise_blocked and not _DATA_AT_RISK.search(reason):
        yield (
            path,
            "is SEV1 for one customer whose data is not at risk and who is not an enterprise customer "
            "fully blocked by their own words; the scale makes that SEV2 at most",
        )
    many = not one_customer and _MANY_CUSTOMERS.search(reason)
    lesser = _LESSER_IMPACT.search(reason) and not _BLOCKED_SAID.search(severity_reason_body(reason))
    if severity in ("SEV3", "SEV4") and many and not lesser:
        yield (
            path,
            f"is {severity} for a failure of many customers that blocks a core feature for them; the scale "
            "makes that SEV2 at least, with a workaround or without",
        )


@invariant("triage_queue", "incident", "escalation_writeup")
def severity_follows_the_stated_scale(payload: dict, key: dict) -> Iterator[Finding]:
    """A key's severity is the one the scale gives for what the scenario shows: SEV1 for one customer
    only when their data or money is at risk or they are an enterprise customer who says they are fully
    blocked; no SEV3 for a failure of many customers that leaves them no way round; and a reason that
    names a level of the scale names the key's."""
    if payload.get("kind") == "triage_queue" or "tickets" in payload:
        for ticket in payload["tickets"]:
            entry = key["tickets"].get(ticket["id"])
            if entry is None or entry.get("root_cause") is None:
                continue
            shown = ticket_text(ticket)
            yield from _severity_against_the_scale(
                entry["severity"],
                entry["severity_reason"],
                f"$.answer_key.tickets.{ticket['id']}.severity",
                one_customer=not _MANY_CUSTOMERS.search(shown),
                enterprise_blocked=ticket["customer"]["tier"] == "enterprise" and states_fully_blocked(shown),
            )
    elif "injects" in payload:
        shown = " ".join(inject["text"] for inject in payload["injects"])
        reason = key.get("severity_reason", "")
        yield from _severity_against_the_scale(
            key["severity"],
            reason,
            "$.answer_key.severity",
            one_customer=bool(_ONE_CUSTOMER.search(shown) or _ONE_CUSTOMER.search(reason)),
            enterprise_blocked="(enterprise)" in shown and states_fully_blocked(shown),
        )
    elif "thread" in payload:
        facts = key["facts"]
        said = " ".join(m["body"] for m in payload["thread"] if m["role"] == "customer")
        reason = facts.get("severity_reason", "")
        yield from _severity_against_the_scale(
            facts["severity"],
            reason,
            "$.answer_key.facts.severity",
            one_customer=not _MANY_CUSTOMERS.search(reason),
            enterprise_blocked=payload["customer"]["tier"] == "enterprise" and states_fully_blocked(said),
        )
