"""Reading free text the way a careful reviewer would, cheaply: the one toolkit every scorer uses.

- words: tokens, one stemmer (Snowball's English stemmer) with a few phrase and synonym folds, so
  an answer in its own words ("reverted the release") matches a key's ("roll back the deploy");
- English: a word list from wordfreq's English frequency data (everyday words, and known words);
- scope: which clauses a negation ("do not", "never", "instead of", "X is not the cause",
  "ruled out", "avoid", "without", "leave X alone") takes back, so a check reads what an answer
  proposes or claims, not every word it mentions;
- filler: options offered both ways, placeholders, every status at once, unknowns said to be
  unknown, text that restates the rubric instead of answering;
- the signs of an answer that games the rubric (empty, gibberish, pasted back, keyword-stuffed,
  off-topic) and one way to quote the sentence behind a verdict.
"""

import bisect
import functools
import re
from collections import Counter
from dataclasses import dataclass

import snowballstemmer
from wordfreq import top_n_list

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_\-./:]*[a-z0-9]|[a-z0-9]")
_CLAUSE_MARKS = re.compile(r"[.;:!?](\s|$)|\n")
# Sentences end at the whitespace after a closing mark, or at line breaks: the mark stays with its
# sentence. (Matching the mark and cutting after it splits exactly as a lookbehind for it would, at
# about half the cost: the lookbehind was tried at every position of every text.)
_SENTENCE_BREAK = re.compile(r"[.!?]\s+|\n+")
FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "and",
        "or",
        "but",
        "if",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "i",
        "we",
        "our",
        "us",
        "you",
        "your",
        "they",
        "their",
        "them",
        "it",
        "its",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "as",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "not",
        "no",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "so",
        "then",
        "than",
        "when",
        "while",
        "which",
        "who",
        "what",
        "where",
        "why",
        "how",
        "all",
        "any",
        "some",
        "each",
        "more",
        "most",
        "about",
        "into",
        "over",
        "after",
        "before",
        "until",
        "up",
        "out",
        "also",
        "just",
        "only",
        "very",
        "please",
        "thanks",
        "thank",
    ]
)
DOMAIN_WORDS = frozenset(
    [
        "api",
        "http",
        "https",
        "status",
        "code",
        "request",
        "response",
        "error",
        "errors",
        "latency",
        "timeout",
        "timeouts",
        "retry",
        "retries",
        "token",
        "oauth",
        "auth",
        "authentication",
        "authorization",
        "saml",
        "sso",
        "certificate",
        "tls",
        "dns",
        "cache",
        "database",
        "db",
        "pool",
        "connection",
        "connections",
        "deploy",
        "deployment",
        "rollback",
        "release",
        "version",
        "config",
        "configuration",
        "flag",
        "feature",
        "webhook",
        "webhooks",
        "queue",
        "lag",
        "consumer",
        "kafka",
        "rate",
        "limit",
        "limits",
        "throttling",
        "401",
        "403",
        "404",
        "409",
        "429",
        "500",
        "502",
        "503",
        "504",
        "customer",
        "customers",
        "tenant",
        "incident",
        "outage",
        "impact",
        "severity",
        "sev1",
        "sev2",
        "sev3",
        "sev4",
        "escalate",
        "escalation",
        "engineering",
        "sre",
        "security",
        "support",
        "l1",
        "l2",
        "logs",
        "log",
        "trace",
        "traces",
        "tracing",
        "span",
        "metrics",
        "dashboard",
        "alert",
        "alerts",
        "monitoring",
        "mitigation",
        "workaround",
        "root",
        "cause",
        "postmortem",
        "action",
        "owner",
        "due",
        "detection",
        "prevention",
        "update",
        "next",
        "minutes",
        "hours",
        "utc",
        "investigating",
        "resolved",
        "repro",
        "reproduce",
        "steps",
        "expected",
        "actual",
        "environment",
        "production",
        "staging",
        "region",
        "redact",
        "redacted",
        "secret",
        "key",
        "keys",
        "rotate",
        "rotation",
        "credential",
        "credentials",
        "ticket",
        "tickets",
        "priority",
    ]
)
# Everyday English: the 2,000 most frequent English words (wordfreq), which is about the size of
# the list a reader would call "common words"; a word outside it (and outside the domain's own
# words) is what makes a text specific. KNOWN_WORDS is the 50,000 most frequent: is it a word at all.
EVERYDAY_SIZE = 2000
KNOWN_SIZE = 50000
_FREQUENT = tuple(top_n_list("en", KNOWN_SIZE))
ENGLISH = frozenset(_FREQUENT[:EVERYDAY_SIZE]) | FUNCTION_WORDS | DOMAIN_WORDS
KNOWN_WORDS = frozenset(_FREQUENT) | ENGLISH


def tokens(text: str) -> list[str]:
    return list(_tokens(text))


@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    """Tokenise once: every check of every scorer reads the same few texts."""
    return tuple(_TOKEN.findall(text.lower()))


def word_count(text: str) -> int:
    return len(_tokens(text))


def content_tokens(text: str) -> list[str]:
    return [t for t in _tokens(text) if t not in FUNCTION_WORDS]


def sentences(text: str) -> list[str]:
    return list(_sentences(text))


@functools.lru_cache(maxsize=2048)
def _sentences(text: str) -> tuple[str, ...]:
    """Split once: several checks read the same text."""
    pieces, at = [], 0
    for found in _SENTENCE_BREAK.finditer(text):
        start = found.start()
        pieces.append(text[at : start + (text[start] != "\n")])
        at = found.end()
    pieces.append(text[at:])
    return tuple(filter(None, map(str.strip, pieces)))


def short(text: str, limit: int = 240) -> str:
    """`text` on one line, cut to `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, terms, limit: int = 240) -> str:
    """The first sentence of `text` that contains one of `terms` (case-insensitive), shortened."""
    lowered = [t.lower() for t in terms if t]
    for sentence in _sentences(text):
        low = sentence.lower()
        if any(term in low for term in lowered):
            return short(sentence, limit)
    return ""


def distinctive_terms(text: str, *, minimum: int = 4) -> set[str]:
    """Words of a reference text that are not everyday English: what a matching answer would use."""
    return {t for t in _tokens(text) if len(t) >= minimum and t not in ENGLISH}


def shares_terms(text: str, terms: set[str], share: float) -> bool:
    if not terms:
        return False
    present = set(_tokens(text))
    return len(terms & present) / len(terms) >= share


@dataclass(frozen=True)
class Profile:
    """What a free-text answer is, before anyone reads what it says."""

    words: int
    empty: bool
    gibberish: bool
    copied: bool
    stuffed: bool
    off_topic: bool
    listed: bool = False  # stuffed as a run of comma-strung terms, which no terse note excuses

    @property
    def gamed(self) -> str:
        """Why this text cannot earn credit, or '' when it can."""
        for flag, reason in (
            (self.empty, "the answer is empty or too short to assess"),
            (self.gibberish, "the answer is not readable text"),
            (self.copied, "the answer mostly repeats the scenario's own text"),
            (self.stuffed, "the answer lists keywords instead of making a case"),
            (self.off_topic, "the answer is not about this scenario"),
        ):
            if flag:
                return reason
        return ""


@dataclass(frozen=True)
class Vocabulary:
    """What a scenario is about: its words, its 6-word phrases, and the causes it is not."""

    words: frozenset[str]
    shingles: frozenset[tuple[str, ...]]
    competing_causes: tuple[frozenset[str], ...]
    stems: frozenset[str] = frozenset()  # the words' stems: "searches" and "failing" are on "search", "fails"


SHINGLE = 6


def shingles(words: list[str]) -> set[tuple[str, ...]]:
    """Every run of SHINGLE words in a row."""
    return set(zip(*(words[i:] for i in range(SHINGLE)), strict=False))


_DIGIT = re.compile(r"\d")
_SENTENCE_MARK = re.compile(r"[.?!](?:\s|$)")
_SEGMENT = re.compile(r"[,;/|\n]+|\s(?:and|or)\s")


_TERM_SPLIT = re.compile(r",|\s/\s|\band/or\b")


def _term_runs(text: str) -> bool:
    """Lines that string eight or more bare terms together with commas, holding a third of the text:
    'database failover, primary, replica, read replica, replica lag, replication, WAL, ...'."""
    lines = _sentences(text)
    if not any(line.count(",") + line.count("/") >= 7 for line in lines):
        return False  # a run's eight parts need seven commas or slashes in one line
    in_runs, total = 0, 0
    for line in lines:
        parts = [_TOKEN.findall(part.lower()) for part in _TERM_SPLIT.split(line)]
        words = sum(len(p) for p in parts)
        total += words
        bare = [p for p in parts if p and len(p) <= 3 and not any(w in FUNCTION_WORDS for w in p)]
        if len(bare) >= 8 and len(bare) >= 0.7 * len(parts):
            in_runs += words
    return total > 0 and in_runs >= total / 4


def _listed(text: str) -> bool:
    """A run of terms strung with commas ("idempotency, retry, retry storm, timeout, backoff, ..."):
    most segments one to three words long, with few function words. A packet's id lists are short,
    a stuffed answer's term lists are long."""
    separators = sum(text.count(mark) for mark in ",;/|\n")
    if separators < 7:
        return False  # neither eight comma-strung terms nor twenty segments
    if text.count(",") >= 7 and _term_runs(text):
        return True
    if separators < 12:
        return False
    parts = _SEGMENT.split(text)
    marks = len(_SENTENCE_MARK.findall(text))
    # The segments are the parts with words in them: too few parts, or marks enough for all the parts,
    # settle it before any part is read.
    if len(parts) < 20 or marks >= 0.2 * len(parts):
        return False
    segments = [words for words in (_TOKEN.findall(part.lower()) for part in parts) if words]
    if len(segments) < 20:
        return False
    if marks >= 0.2 * len(segments):
        return False  # terse notes end their points: "Error text? Last good sync? Reconnected?"
    terse = [words for words in segments if len(words) <= 3]
    function = sum(1 for words in terse for w in words if w in FUNCTION_WORDS)
    words = sum(len(w) for w in terse) or 1
    return len(terse) / len(segments) >= 0.8 and function / words < 0.15


# Strung terms: words put side by side without making a statement. A line is a term list when it
# holds six or more comma-, semicolon- or slash-separated items of four words or fewer on average
# ("status page, e-mail, affected customers, enterprise premium standard, ..."); elsewhere, six or
# more words in a row with no function word and no mark between them are strung together
# ("repro steps expected actual environment versions"). A clipped note breaks its words with marks
# ("Exp: every order once. Act: dropped, no error.") and function words ("not it", "to L1").
_LIST_ITEM = re.compile(r"[,;]\s|\s/\s|/(?=[a-z])")
_STRING_BREAK = re.compile(r"[,;:.!?()\[\]\"]+(?=\s|$)|\s[-–—>+=|/]+\s|->|→")
_LINE = re.compile(r"\n|(?<=[.!?])\s+")
LIST_ITEMS, ITEM_WORDS, STRING_WORDS = 6, 4, 6
# An update or packet with this share of its words strung together lists keywords instead of
# saying anything, however its lines are laid out.
STRUNG_SHARE = 0.4


@functools.lru_cache(maxsize=2048)
def strung_terms(text: str) -> float:
    """The share of `text`'s words that sit in term lists or strings of bare terms (see above)."""
    total = strung = 0
    for line in _LINE.split(_lower(text)):
        words = _TOKEN.findall(line)
        total += len(words)
        if len(words) < STRING_WORDS:
            continue  # too short to hold a list or a string of terms
        if sum(map(line.count, ",;/")) >= LIST_ITEMS - 1:
            items = [n for n in (len(_TOKEN.findall(part)) for part in _LIST_ITEM.split(line)) if n]
            if len(items) >= LIST_ITEMS and sum(items) <= ITEM_WORDS * len(items):
                strung += len(words)
                continue
        for chunk in _STRING_BREAK.split(line):
            run = 0
            for word in (*_TOKEN.findall(chunk), ""):
                if word and word not in FUNCTION_WORDS:
                    run += 1
                    continue
                if run >= STRING_WORDS:
                    strung += run
                run = 0
    return strung / total if total else 0.0


def strung_together(text: str, *, minimum_words: int = 20) -> bool:
    """Whether `text` is mostly terms strung together: a keyword list, not a terse note."""
    return len(_tokens(text)) >= minimum_words and strung_terms(text) >= STRUNG_SHARE


# Note shorthand a reader has to decode: symbols for words ("w/", "->", "web + mobile", "~10 min") and
# clipped words ("cust", "prev", "incl.", "pw").
_SHORTHAND = re.compile(
    r"(?<!\w)(?:w/o?|b/c|->|→|=>)(?!\w)|\s[+&]\s|(?<=[a-z])\+(?=[a-z])|~\s?\d|"
    r"\b(?:incl|approx|typ|pls|cust|pw|msg|asap|fyi|acct|prev|wk|dups?|mins?|hrs?|secs?)\b\.?",
    re.I,
)


def shorthand_rate(text: str) -> float:
    """Marks of note shorthand per word of `text` (see above)."""
    words = len(_tokens(text))
    return len(_SHORTHAND.findall(text)) / words if words else 0.0


@functools.lru_cache(maxsize=2048)
def profile(text: str, vocabulary: Vocabulary, *, minimum_words: int = 4) -> Profile:
    words = _tokens(text)
    count = len(words)
    if count < minimum_words:
        return Profile(words=count, empty=True, gibberish=False, copied=False, stuffed=False, off_topic=False)
    # Words are counted by distinct word (set operations on the few distinct words), each weighted
    # by how often it occurs, instead of testing every occurrence against the word lists.
    counts = Counter(words)
    present = frozenset(counts)
    unknown = [w for w in present - KNOWN_WORDS - vocabulary.words if not _DIGIT.search(w)]
    weight = counts.__getitem__
    known = count - sum(map(weight, unknown))
    distinct = len(counts) / count
    gibberish = known / count < 0.5 or (count >= 12 and distinct < 0.25)
    own = shingles(words)
    copied = bool(own) and len(own & vocabulary.shingles) / len(own) > 0.5
    function_share = sum(map(weight, present & FUNCTION_WORDS)) / count
    # Another cause is named by its own terms, not by words this scenario also uses ("requests",
    # "client", a service of the logs): ruling out what the logs show is not naming every cause.
    foreign = present - vocabulary.words
    competing = sum(
        1 for cause in vocabulary.competing_causes if len(cause & foreign) >= max(2, len(cause) // 3)
    )
    # A keyword list has almost no function words and no sentence punctuation; terse real notes
    # ("Cause: expired secret. Evidence: L001234.") keep their punctuation.
    punctuation = len(_CLAUSE_MARKS.findall(text)) / count
    listed = _listed(text)
    # Fields joined by line breaks give a term list the punctuation of notes; its terms still sit
    # side by side with almost no function word between them.
    strung = count >= 20 and function_share < 0.12 and strung_terms(text) >= 0.6
    stuffed = (
        (count >= 20 and function_share < 0.12 and punctuation < 0.06) or competing >= 3 or listed or strung
    )
    # Topic is judged on the uncommon words; a plain-worded text with none is judged on all its
    # content words, so everyday wording about this scenario is not mistaken for another subject.
    # Clock times and bare numbers ("15:40", "17:15") say nothing of the subject either way.
    content = {w for w in present - FUNCTION_WORDS - ENGLISH if not _NUMBER.match(w)}
    content_count = sum(map(weight, content))
    if content_count < 3:
        content = present - FUNCTION_WORDS
        content_count = sum(map(weight, content))
    on_topic = sum(counts[w] * _on_topic(w, vocabulary) for w in content)
    off_topic = count >= 12 and (not content_count or on_topic / max(content_count, 1) < 0.2) and on_topic < 3
    return Profile(
        words=count,
        empty=False,
        gibberish=gibberish,
        copied=copied,
        stuffed=stuffed,
        off_topic=off_topic,
        listed=listed,
    )


_NUMBER = re.compile(r"^[\d:.,]+$")


def _on_topic(word: str, vocabulary: Vocabulary) -> float:
    """How far a word shows the text is the scenario's: 1 as written (or a status's plural, "502s"),
    half by its stem alone ("searches", "failing"), an inflection being weaker evidence than the word."""
    if word in vocabulary.words or word in DOMAIN_WORDS:
        return 1.0
    if word[:1].isdigit():
        return float(word.endswith("s") and word[:-1] in vocabulary.words)
    return 0.5 if stem(word) in vocabulary.stems else 0.0


def strings_of(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_of(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_of(item)]
    return []


@functools.lru_cache(maxsize=512)
def _competing_causes(exclude: str) -> tuple[frozenset[str], ...]:
    from scenarios.catalog import catalog

    return tuple(
        frozenset(distinctive_terms(entry["root_cause"]) - {"customer", "tenant"})
        for entry in catalog()["archetypes"]
        if entry["id"] != exclude
    )


def vocabulary_for(payload: dict, answer_key: dict, *, archetype: str = "") -> Vocabulary:
    """The scenario's vocabulary. Log lines repeat a few dozen messages; only distinct ones are read."""
    texts = strings_of({k: v for k, v in payload.items() if k != "logs"})
    texts += sorted({line["message"] for line in payload.get("logs", [])})
    candidate_texts = texts + strings_of(answer_key)
    words: set[str] = set()
    phrase_set: set[tuple[str, ...]] = set()
    for text in candidate_texts:
        words.update(_tokens(text))
    for text in texts:
        phrase_set |= shingles(_tokens(text))
    return Vocabulary(
        words=frozenset(words),
        shingles=frozenset(phrase_set),
        competing_causes=_competing_causes(archetype),
        stems=frozenset(stem(w) for w in words),
    )


# Shared term matching for the scorers ---------------------------------------------------------------

_PARTS = re.compile(r"[-_./:=]")
_HYPHENS = str.maketrans({"-": " ", "_": " ", "/": " "})
_STEMMER = snowballstemmer.stemmer("english")
_VERSION = re.compile(r"v\d+(?:\.\d+)+$")  # "v4.28.4" is "4.28.4"
# Stems that say the same thing, folded onto one: the words an answer in its own words uses for
# what the key says. Kept to near-synonyms in this domain; a fold that changes meaning elsewhere
# ("clear", "drop", "page") is left out.
_SYNONYMS = {
    "expiri": "expir", "laps": "expir",
    "revert": "rollback", "undo": "rollback", "downgrad": "rollback",
    "reboot": "restart", "bounc": "restart", "recycl": "restart",
    "regener": "rotat", "reissu": "rotat", "renew": "rotat", "re-issu": "rotat",
    "rais": "increas", "bump": "increas", "grow": "increas", "enlarg": "increas", "extend": "increas",
    "reduc": "decreas", "lower": "decreas", "shrink": "decreas",
    "cert": "certif", "certificat": "certif",
    "db": "databas", "postgr": "databas", "postgresql": "databas",
    "conn": "connect",
    "config": "configur",
    "releas": "deploy", "rollout": "deploy", "ship": "deploy",
    "failur": "fail", "broken": "fail", "break": "fail", "broke": "fail",
    "alarm": "alert",
    "downtim": "outag",
    "throttl": "ratelimit",
    "wipe": "delet", "purg": "delet", "truncat": "delet", "eras": "delet",
    "unavail": "down",
    "credenti": "credenti", "password": "credenti", "passphras": "credenti",
    "exhaust": "exhaust", "satur": "exhaust", "starv": "exhaust", "deplet": "exhaust",
    "latenc": "slow", "slowdown": "slow", "sluggish": "slow",
    "cach": "cach",
    "idp": "sso", "saml": "sso",
    "parallel": "concurr", "parallelis": "concurr", "parallelism": "concurr",
    "recommend": "suggest", "advis": "suggest", "propos": "suggest",
    "randomis": "jitter", "random": "jitter",
    "honour": "respect", "honor": "respect", "obey": "respect",
    # Note shorthand for the same words: "secrets mgr", "the repo", "svc", "creds".
    "mgr": "manag", "repo": "repositori", "svc": "servic", "cfg": "configur", "creds": "credenti",
    "perms": "permiss", "msg": "messag", "msgs": "messag", "env": "environ",
    "repro": "reproduc", "reproduct": "reproduc", "kb": "articl", "eng": "engin", "cust": "custom",
    "acct": "account", "esc": "escal", "upd": "updat", "deliveri": "deliv", "rerout": "rout",
    "jan": "januari", "feb": "februari", "apr": "april", "jun": "june", "jul": "juli", "aug": "august",
    "sep": "septemb", "sept": "septemb", "oct": "octob", "nov": "novemb", "dec": "decemb",
}  # fmt: skip


@functools.lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """One stem per word (Snowball English), folded onto a near-synonym's stem: 'failures' and
    'failure', 'rotation' and 'rotate', 'reverted' and 'rollback' meet."""
    if not word.isalpha():
        return word[1:] if _VERSION.match(word) else word
    stemmed = _STEMMER.stemWord(word)
    return _SYNONYMS.get(stemmed, _SYNONYMS.get(word, stemmed))


@functools.lru_cache(maxsize=8192)
def _forms(*stems_: str, endings: tuple[str, ...] = ("", "s", "ed", "ing")) -> list[str]:
    return [stem_ + ending for stem_ in stems_ for ending in endings]


# Two-word phrases that name one thing, folded on the lower-cased tokens every term reader already
# has: (first word, second word) -> the folded word; hyphenated forms are single tokens.
_PAIRS: dict[tuple[str, str], str] = {}
for _firsts, _seconds, _folded in (
    (["roll", "rolls", "rolled", "rolling"], ["back"], "rollback"),
    (["time", "times", "timed", "timing"], ["out"], "timeout"),
    (_forms("log") + ["logged", "logging"], ["in"], "login"),
    (_forms("sign"), ["in"], "login"),
    (["rate"], ["limit", "limits", "limited", "limiting", "limiter"], "ratelimit"),
    (_forms("turn") + ["switch", "switches", "switched", "switching"], ["off"], "disable"),
    (_forms("turn") + ["switch", "switches", "switched", "switching"], ["on"], "enable"),
    (["on"], ["call"], "oncall"),
    (_forms("fail"), ["over"], "failover"),
    (["scale", "scales", "scaled", "scaling"], ["up", "out"], "increase"),
    (["back"], ["off"], "backoff"),
    (["api", "token", "http"], ["call", "calls"], "request"),
):
    for _first in _firsts:
        for _second in _seconds:
            _PAIRS[(_first, _second)] = _folded
_SINGLE = {
    "roll-back": "rollback", "time-out": "timeout", "log-in": "login", "sign-in": "login", "on-call": "oncall",
    "fail-over": "failover", "back-off": "backoff", "rate-limit": "ratelimit", "rate-limits": "ratelimit",
    "rate-limited": "ratelimit", "rate-limiting": "ratelimit", "ic": "incident", "ics": "incident",
}  # fmt: skip
_TRIPLES = {("what", "came", "back"): "response", ("what", "comes", "back"): "response"}


_FOLD_STARTS = frozenset({first for first, _ in _PAIRS} | {first for first, _, _ in _TRIPLES} | set(_SINGLE))


@functools.lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """The lower-cased tokens of a text with the phrases above folded: 'rolled back' is 'rollback'."""
    raw = _tokens(text)
    if _FOLD_STARTS.isdisjoint(raw):
        return raw
    starts = [i for i, w in enumerate(raw) if w in _FOLD_STARTS]
    out: list[str] = []
    last = 0
    for i in starts:
        if i < last:
            continue
        if (triple := tuple(raw[i : i + 3])) in _TRIPLES:
            out += raw[last:i]
            out.append(_TRIPLES[triple])
            last = i + 3
        elif (pair := tuple(raw[i : i + 2])) in _PAIRS:
            out += raw[last:i]
            out.append(_PAIRS[pair])
            last = i + 2
        elif raw[i] in _SINGLE:
            out += raw[last:i]
            out.append(_SINGLE[raw[i]])
            last = i + 1
    out += raw[last:]
    return tuple(out)


_ZULU = re.compile(r"(?<=^\d\d:\d\d)z$|(?<=^\d:\d\d)z$")


@functools.lru_cache(maxsize=4096)
def terms(text: str, stop: frozenset[str] = FUNCTION_WORDS) -> frozenset[str]:
    """The content words of a text, stemmed, with dotted, hyphenated and snake_case names also split."""
    out = set()
    for token in words(text):
        if token.endswith("z"):
            token = _ZULU.sub("", token)  # "07:20Z" is the clock time 07:20
        # A token is letters and digits, or holds one of _PARTS' marks.
        parts = [token] if token.isalnum() else [token, *_PARTS.split(token)]
        for part in parts:
            if len(part) >= 2 and part not in stop:
                out.add(stem(part))
    return frozenset(out)


@functools.lru_cache(maxsize=4096)
def stems(text: str) -> frozenset[str]:
    """Stems of every word of a text; hyphenated and snake_case words also count as their parts."""
    out = set()
    for token in words(text):
        out.add(stem(token))
        if "-" in token or "_" in token or "/" in token:
            out.update(stem(p) for p in token.translate(_HYPHENS).split() if len(p) >= 3)
    return frozenset(out)


# Scope: what a negation takes back ------------------------------------------------------------------
# The patterns below run on lower-cased text (`_lower`): much cheaper than case-insensitive matching.

# A clause ends at sentence or clause punctuation, or at a "but"/"so"/"then" that starts a new claim.
# A mark inside a word ("v4.18.0", "09:12", "api.example.com", "2,600") ends nothing: the version or
# time would cut a negated list in two.
_CLAUSE_END = re.compile(
    r"[;()\n]|[,.:!?](?!\w)|\s[-–—]\s|"
    r"\b(?:but|so|then|and then|however|instead(?! of)|whereas|while)\b"
)
# A cheap first look: a clause with none of these words holds no negation cue.
_ANY_CUE = re.compile(
    r"n't|n’t|\b(?:no|not|never|nothing|nobody|none|neither|nor|without|instead|rather|avoid\w*|ruled?|ruling|"
    r"exclud\w*|dismiss\w*|hold|refus\w*|declin\w*|advise|recommend|argue|under|would|could|might|unrelated|"
    r"irrelevant|herring|benign|coincidental|noise|ignored|alone|untouched|as|off|need|reason|resist\w*|"
    r"stop\w*|refrain\w*|cannot|against|reject\w*|discard\w*|pointless|unnecessary|useless|futile|"
    r"counterproductive|waste|worse|wrong|risky|mistakes?|dangerous|unsafe|overkill|reckless)\b",
)
# A clause that takes back the one before it: "..., so he shouldn't", "...; don't do that".
_BACK_NEGATION = re.compile(
    r"\s*(?:and |so |but )?(?:he|she|they|we|you|i|one)?\s*(?:shouldn't|should not|must not|mustn't|won't|will not|"
    r"don't|do not|can't|cannot|wouldn't|would not)\s*(?:do (?:that|it|this)|either)?\s*$|"
    r"\s*(?:avoid|never do|don't do|do not do) (?:that|this|it)\s*$"
)
# A verdict that takes back the list it ends: "promoting them to admin, or disabling the check, would
# be the wrong trade"; "restarting every node at once is too risky".
_BACK_VERDICT = re.compile(
    r"\s*(?:and |but )?(?:that |this |which |both |either |all of (?:it|them|these) )?(?:would be|is|are|were)\s+"
    r"(?:the |a |an |far |much )?(?:too )?(?:wrong|bad|poor|mistakes?|unsafe|dangerous|risky|reckless|overkill|"
    r"not an option|not options|a bad idea)\b"
)
# A negated list whose items run on to a closing ", or" ("I would not restart the service, roll back
# the release, or change the clocks"): each item is under the negation, not only the first.
_OR_LIST_AHEAD = re.compile(r",(?:(?:[^.!?\n;:]|[.:](?=\w))*?,)?\s*(?:or|nor)\b")
# A clause that only states what would follow ("that would create duplicates") proposes nothing.
_CONSEQUENCE = re.compile(r"\s*(?:that|which|this|doing so|it) (?:would|could|might)\b")
_CONTINUES = re.compile(r"\s*(?:or|nor|and|any|the|a|an)\b(?!\s+(?:then|instead))")
# Cues that take back the rest of their clause only: "roll back instead of restarting the pool".
_NEGATE_AFTER = re.compile(
    r"\b(?:instead of|rather than|without|not|never|no|don'?t|do not|does not|doesn'?t|did not|didn'?t|"
    r"won'?t|will not|shouldn'?t|should not|must not|mustn'?t|cannot|can'?t|can not|wouldn'?t|would not|"
    r"isn'?t|aren'?t|wasn'?t|weren'?t|nothing|nobody|no one|none|neither|nor|avoid(?:s|ed|ing)?|"
    r"refrain(?:ed|ing)? from|stop(?:ped)? short of|ruled? out|ruling out|excluded?|dismiss(?:ed)?|"
    r"no need to|there is no reason to|resist(?:ed)? the urge to|hold off on|hold off|refus(?:e|es|ed|ing) to|"
    r"declin(?:e|es|ed|ing) to|advise against|recommend against|argue against|rather not|under no circumstances|"
    r"not an option|would be (?:a mistake|wrong|unsafe|dangerous|risky)|"
    # A writer's own rejection ("two shortcuts I'd reject: ...", "things I would refuse:", "rejected
    # options:"), not a system's ("the gateway rejects the token"), which states a fact.
    r"(?:i|we)(?:'d|'ll| would| will)? (?:reject(?:ed)?|discard(?:ed)?|refused?)(?! nothing)|^\s*(?:rejected|discarded)(?: \w+)?\s*$)\b",
)
# Cues that take back what came before them in the clause: "the cache flush is not the cause",
# "the shared table stays untouched", "leave the production table alone".
_NEGATE_BEFORE = re.compile(
    r"\b(?:(?:is|was|are|were|'s)(?: not|n't| never| no longer)\b.*|(?:is|was|are|were) ruled out|"
    r"(?:is|was|are|were|looks|seems?) (?:unrelated|irrelevant|a red herring|benign|coincidental|noise)|"
    r"unrelated|a red herring|ruled out|can be ignored|leav(?:e|es|ing)\b.*\b(?:alone|untouched|as (?:it )?is)|"
    r"untouched|off the table|(?:would|will|does|do|did)(?: not|n't) (?:help|make (?:a|any) difference)|won't help|"
    r"pointless|unnecessary|useless|futile|counterproductive|a waste of (?:time|effort)|"
    r"(?:would|will|could) (?:only )?make (?:it|things|matters|this) worse|"
    r"(?:is|are|would be) (?:far |much )?(?:too )?(?:risky|dangerous|reckless|overkill|a mistake|a bad idea|"
    r"the wrong (?:trade|call|move|choice|fix))|"
    r"not needed|not required|not the (?:cause|culprit|problem|issue))\b",
)


_REJECTING_LABEL = re.compile(r"\s*(?:off the table|ruled out|not needed|not required|not an option)\s*$")


@functools.lru_cache(maxsize=4096)
def negated_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every stretch of `text` that a negation takes back."""
    text = _lower(text)
    cues = [m.start() for m in _ANY_CUE.finditer(text)]
    if not cues:
        return ()
    spans = []
    start, carried, heading = 0, False, False
    previous = None  # the last clause with words in it
    run = previous_run = 0  # where the comma-joined run of clauses holding this one (and `previous`) starts
    for boundary in [*_CLAUSE_END.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        clause = text[start:end]
        mark = boundary.group(0) if boundary else ""
        first = bisect.bisect_left(cues, start)
        if not (carried or heading or (first < len(cues) and cues[first] < end)):
            if clause.strip():
                previous, previous_run = (start, end), run
            start = boundary.end() if boundary else len(text)
            run = run if mark == "," else start
            continue  # no cue in the clause and nothing carried into it: nothing to take back
        if clause.strip():
            if previous and _BACK_NEGATION.match(clause):
                spans.append(previous)  # "re-posting them would duplicate them, so he shouldn't"
            elif previous and _BACK_VERDICT.match(clause):
                spans.append((previous_run, previous[1]))  # "X, or Y, would be the wrong trade"
            previous, previous_run = (start, end), run
            after = _NEGATE_AFTER.search(clause)
            before = _NEGATE_BEFORE.search(clause)
            # "Not an option: failing back or restarting the primary" takes back its whole list;
            # "do not restart the pool, or the cache" and "do not re-create them (that would
            # duplicate them)" go on under the same negation.
            inherited = heading or (
                carried
                and (
                    _CONTINUES.match(clause) or _CONSEQUENCE.match(clause) or _OR_LIST_AHEAD.match(text, end)
                )
            )
            if inherited:
                spans.append((start, end))
            if before:
                spans.append((start, start + before.end()))
            if after:
                spans.append((start + after.start(), end))
            if _CONSEQUENCE.match(clause):
                spans.append((start, end))
            # A label that rejects alone ("Off the table:", "Ruled out:") heads the list it takes back;
            # "Unrelated:" may only change the subject, so it heads nothing.
            label = mark == ":" and bool(_REJECTING_LABEL.match(clause))
            negated = bool(after) or bool(inherited) or label
            heading = (heading or (negated and mark == ":")) and mark not in (".", "!", "?", "\n")
            carried = (
                negated and mark in (",", "(", ")", ":", ";") or (negated and mark.strip() in ("-", "–", "—"))
            )
        start = boundary.end() if boundary else len(text)
        run = run if mark == "," else start
    return tuple(spans)


def _lower(text: str) -> str:
    """`text` lower-cased, each character in its place (positions into it are positions into `text`)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def is_negated(text: str, position: int) -> bool:
    """Whether the word at `position` of `text` sits in a stretch a negation takes back."""
    return any(start <= position < end for start, end in negated_spans(text))


@functools.lru_cache(maxsize=4096)
def affirmative(text: str) -> str:
    """`text` without what it takes back: what it proposes or claims. Negated stretches become a
    clause break, so sentences and the rest of each clause stay where they were."""
    spans = negated_spans(text)
    if not spans:
        return text
    out, at = [], 0
    for start, end in sorted(spans):
        if start >= at:
            out.append(text[at:start])
            out.append(" ; ")
            at = end
        elif end > at:
            at = end
    out.append(text[at:])
    return "".join(out)


def negation_near(text: str, fragment: str) -> bool:
    """Whether a negation sits in the same sentence as `fragment`: a verdict to be less sure of."""
    low = fragment.lower()
    return bool(low) and any(low in s.lower() and negated_spans(s) for s in _sentences(text))


# Filler: text that sounds like an answer and commits to nothing --------------------------------------

_BOTH_WAYS = re.compile(
    r"\b(?:whichever (?:suits|works|you prefer|is (?:easier|better|best))|up to you|your (?:call|choice)|"
    r"as you (?:prefer|see fit|like)|either (?:way|option) (?:works|is fine)|both (?:options )?(?:work|are fine)|"
    r"or not,? (?:as|whichever|depending)|(?:may|might) or may not|depending on (?:your|how you) (?:preference|feel)|"
    # Every option held open at once: "both are valid approaches", "either approach may help", "some,
    # all, or none of", "it might be the database, ... or it might be neither".
    r"both (?:are|seem|look|would be) (?:equally )?(?:valid|fine|reasonable|acceptable|good|sensible|ok|okay)|"
    r"either (?:approach|option|choice|way|one) (?:may|might|could|can|will|would) (?:help|work|do)|"
    r"(?:some|many|most|all),? (?:some|many|most|all|none),? or (?:none|all|some)\b(?! of the (?:above|following))|"
    r"or (?:it )?(?:might|may|could) (?:be|have been) neither|rule anything (?:in or )?out|"
    r"(?:both|all) (?:the )?(?:options|possibilities) (?:are being considered|remain open|are open)|"
    r"whichever (?:team |one |option )?is (?:most )?(?:appropriate|best placed|suitable)|"
    r"depending on (?:perspective|how things (?:develop|go|turn out))|"
    # Every reading held open: "any of these might be involved, or none", "could be serious or could
    # settle down", "tentatively SEV2, but SEV3 might also fit".
    r"(?:any|all|some|one) of (?:these|them|those)(?: things)? (?:might|may|could) be (?:involved|responsible|the cause|"
    r"relevant|related)|,? or none\b(?! of the (?:above|following))|could be \w+(?: \w+)? or (?:it )?could\b|"
    r"(?:might|may|could) also (?:fit|apply|be right|be correct|be the one)|"
    # Three or more alternatives each set off with ", or" in one sentence ("retry, or wait, or avoid
    # it, or carry on as usual"); a list's one ", or" before its last item is no such run.
    r",\s+or\b[^.;!?\n]*,\s+or\b[^.;!?\n]*,\s+or\b)",
)
_PLACEHOLDER = re.compile(
    # A bracketed status tag ("[Investigating]", "[Update]") heads a status post, and a path or query
    # template ("/v2/orders/{id}", "q={id}") or JSON ('{"total":0}') is a value: none holds a gap, nor
    # does a bracket that holds a figure (a log's "[T+5m]" or "[14:05]", "[SEV1]").
    r"(?<![:\"])\[(?!(?:investigating|identified|monitoring|resolved|degraded|update|updated|mitigated)\])(?![^\]\n]*\d)[^\]\n]{0,40}\]|<[a-z _-]{2,30}>|(?<![/=])\{(?!\")[^}\n]{0,30}\}|\b(?:tbd|tbc|tba)\b|\bx{1,2}:x{2}\b|\bhh:mm\b|"
    r"\binsert (?:time|date|name|feature|product|here)\b|lorem ipsum|\?\?\?|\bplaceholder\b",
)
# What every match of _PLACEHOLDER holds (one per alternative above; keep them in step). Most texts
# hold none, and a few substring tests are far cheaper than the pattern, which has no literal to start from.
_PLACEHOLDER_HINTS = (
    "[",
    "<",
    "{",
    "tbd",
    "tbc",
    "tba",
    "x:xx",
    "hh:mm",
    "insert ",
    "lorem ipsum",
    "???",
    "placeholder",
)
_STATUSES = (
    "investigating",
    "identified",
    "identifying",
    "monitoring",
    "mitigating",
    "resolved",
    "resolving",
    "degraded",
    "operational",
    "maintenance",
)
_STATUS_WORD = re.compile(r"\b(" + "|".join(_STATUSES) + r")\b")
# Every match of _UNKNOWN_TAUTOLOGY holds "know" (unknown, known) or "unclear"; every match of
# _VAGUE_LATER holds "update". Keep them in step with the patterns.
_UNKNOWN_HINTS = ("know", "unclear")
_VAGUE_LATER_HINTS = ("update",)
_UNKNOWN_TAUTOLOGY = re.compile(
    r"\b(?:the )?unknowns? (?:are|is|remain|remains|stay) (?:still |currently |as yet )?(?:unknown|not known|unclear)|"
    r"(?:we )?(?:don'?t|do not) (?:yet )?know what we (?:don'?t|do not) (?:yet )?know|what(?:ever)? is unknown (?:is|remains) unknown|"
    r"(?:some|several|many|certain) things (?:are|remain) (?:still )?(?:unknown|not (?:yet )?known|unclear)|"
    r"there (?:are|remain) (?:still )?(?:some |several )?unknowns\b(?! about| around| regarding| on| in)|"
    r"\bunknowns (?:are|is) being (?:determined|assessed|identified|worked out|established|looked into)",
)
_VAGUE_LATER = re.compile(
    r"\b(?:at|by|with|in|during) the next update\b|\b(?:update (?:you|again|this page)|next update) "
    r"(?:soon|shortly|later|in due course|as soon as (?:possible|we can|we know more)|when we (?:can|know more|have more))",
)
# Phrases of the rubric and of the scorers' own descriptions: an answer made of them restates
# what a good answer holds instead of holding it.
RUBRIC_PHRASES = re.compile(
    r"\b(?:acknowledg\w* (?:the )?impact|stat\w* what is (?:known|not known|unknown)|what is (?:known|unknown) "
    r"and what is (?:not|unknown)|(?:set|manag)\w* expectations|next update time|actionable guidance|plain language|"
    r"(?:clear|empathetic|precise),? (?:and )?(?:clear|empathetic|precise)|without speculating|no speculation|"
    r"(?:this|the) (?:update|packet|review|answer) (?:is|will be) (?:clear|blameless|structured|actionable)|"
    r"blameless (?:review|postmortem|approach|culture|language)|hypothesis[- ]driven|coherent narrative|"
    r"(?:validat|test)\w* (?:our |my |the )?assumptions|engineering[- ]grade|repro,? evidence,? (?:and )?impact|"
    r"(?:uses?|using) (?:the )?(?:logs, metrics|logs/metrics|metrics and traces)|(?:concrete )?prevention (?:with|and) owners|"
    r"corrective actions? with owners|(?:best|good) practices?|follow(?:s|ing)? (?:the )?(?:rubric|template|guidelines)|"
    r"partner\w* effectively|align(?:s|ing)? priorities|auditability|safe intervention|"
    r"root cause analysis (?:will|is) (?:be )?(?:done|performed|conducted)|(?:what is )?known (?:and|&) unknown|"
    r"known facts|next[- ]update commitment|commits? to (?:a |the )?next update|gives? guidance|covers? (?:the )?impact|"
    r"(?:this|the) (?:message|update) (?:acknowledges|covers|shares|states))\b",
)


@dataclass(frozen=True)
class Filler:
    """What makes a text sound like an answer without committing to one; each field is the matched
    words ('' when absent)."""

    both_ways: str = ""
    placeholder: str = ""
    status_list: str = ""
    unknown_unknowns: str = ""
    vague_later: str = ""
    restates_rubric: str = ""

    @property
    def reasons(self) -> list[str]:
        return [
            reason
            for value, reason in (
                (self.both_ways, "offers both options instead of advising one"),
                (self.placeholder, "leaves a placeholder in place of a fact"),
                (self.status_list, "lists every status instead of saying which one holds"),
                (self.unknown_unknowns, "says the unknowns are unknown without saying what is not known"),
                (self.vague_later, "promises a later update without a time"),
                (self.restates_rubric, "restates what a good answer holds instead of answering"),
            )
            if value
        ]


def _holds(text: str, hints: tuple[str, ...]) -> bool:
    """Whether `text` holds one of `hints`: without one, a pattern whose every match holds one need not run."""
    return any(hint in text for hint in hints)


@functools.lru_cache(maxsize=2048)
def filler(text: str) -> Filler:
    text = _lower(text)
    both = _BOTH_WAYS.search(text)
    placeholder = _PLACEHOLDER.search(text) if _holds(text, _PLACEHOLDER_HINTS) else None
    statuses = ""
    every = {m.lower() for m in _STATUS_WORD.findall(text)} if _holds(text, _STATUSES) else set()
    for sentence in _sentences(text) if len(every) >= 3 else ():  # fewer in all: none in a sentence
        found = {m.lower() for m in _STATUS_WORD.findall(sentence)}
        if len(found) >= 3:
            statuses = sentence
            break
    if not statuses and len(every) >= 4:
        statuses = ", ".join(sorted({m.lower() for m in _STATUS_WORD.findall(text)}))
    unknowns = _UNKNOWN_TAUTOLOGY.search(text) if _holds(text, _UNKNOWN_HINTS) else None
    later = _VAGUE_LATER.search(text) if _holds(text, _VAGUE_LATER_HINTS) else None
    rubric = RUBRIC_PHRASES.findall(text)
    return Filler(
        both_ways=both.group(0) if both else "",
        placeholder=placeholder.group(0) if placeholder else "",
        status_list=statuses,
        unknown_unknowns=unknowns.group(0) if unknowns else "",
        vague_later=later.group(0) if later else "",
        restates_rubric=rubric[0] if len(rubric) >= 2 else "",
    )


_TIME_GIVEN = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d+\s*(?:minutes|mins?|hours?|hrs?)\b|\b\d{1,2}\s*(?:am|pm)\b")


@functools.lru_cache(maxsize=2048)
def without_filler(text: str) -> str:
    """`text` less its filler sentences: those that restate the rubric, hold a placeholder, offer
    both options, list every status, say the unknowns are unknown or promise a later update with
    no time. What is left is what the answer commits to; checks that give credit read that."""
    whole = filler(text)
    statuses = len(set(_STATUS_WORD.findall(_lower(text))))
    if not (
        whole.placeholder or whole.both_ways or whole.unknown_unknowns or whole.vague_later
        or whole.restates_rubric or statuses >= 3
    ):  # fmt: skip
        return "\n".join(_sentences(text))  # no sentence of it can be filler
    kept = []
    template = bool(whole.restates_rubric)  # one rubric-like phrase alone is ordinary wording
    for sentence in _sentences(text):
        found = filler(sentence)
        later = found.vague_later and not _TIME_GIVEN.search(_lower(sentence))
        if (
            (template and RUBRIC_PHRASES.search(_lower(sentence)))
            or found.placeholder
            or found.both_ways
            or found.status_list
            or found.unknown_unknowns
            or later
        ):
            continue
        kept.append(sentence)
    return "\n".join(kept)


def covers(text: str, reference: str, share: float, *, stop: frozenset[str] = FUNCTION_WORDS) -> bool:
    """Whether `text` says what `reference` says, in its own words: at least `share` of the
    reference's stemmed content words (synonyms folded) appear in it."""
    wanted = terms(reference, stop)
    if not wanted:
        return False
    return len(wanted & terms(text, stop)) / len(wanted) >= share


_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|possibly|might|could (?:be|also)|may (?:be|also|have)|potentially|not sure|unsure|"
    r"or (?:maybe|perhaps|possibly)|one of|some combination|any of|either|(?:it is|it's) possible|"
    r"hard to (?:tell|say)|(?:a number of|several|many) (?:possible )?(?:reasons|causes|explanations))\b",
)


def hedges(text: str) -> int:
    """How many hedging words a text holds."""
    return len(_HEDGE.findall(_lower(text)))
