"""Reading free text the way a careful reviewer would, cheaply: tokens, quotes, and the signs of
an answer that games the rubric (empty, gibberish, pasted back, keyword-stuffed, off-topic)."""

import functools
import re
from dataclasses import dataclass

from faker.providers.lorem.en_US import Provider as _EnglishWords

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_\-./:]*[a-z0-9]|[a-z0-9]")
_CLAUSE_MARKS = re.compile(r"[.;:!?](\s|$)|\n")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
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
ENGLISH = frozenset(w.lower() for w in _EnglishWords.word_list) | FUNCTION_WORDS | DOMAIN_WORDS


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def content_tokens(text: str) -> list[str]:
    return [t for t in tokens(text) if t not in FUNCTION_WORDS]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def quote(text: str, terms, limit: int = 240) -> str:
    """The first sentence of `text` that contains one of `terms` (case-insensitive), shortened."""
    lowered = [t.lower() for t in terms if t]
    for sentence in sentences(text):
        low = sentence.lower()
        if any(term in low for term in lowered):
            return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"
    return ""


def distinctive_terms(text: str, *, minimum: int = 4) -> set[str]:
    """Words of a reference text that are not everyday English: what a matching answer would use."""
    return {t for t in tokens(text) if len(t) >= minimum and t not in ENGLISH}


def shares_terms(text: str, terms: set[str], share: float) -> bool:
    if not terms:
        return False
    present = set(tokens(text))
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


SHINGLE = 6


def shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def profile(text: str, vocabulary: Vocabulary, *, minimum_words: int = 4) -> Profile:
    words = tokens(text)
    count = len(words)
    if count < minimum_words:
        return Profile(words=count, empty=True, gibberish=False, copied=False, stuffed=False, off_topic=False)
    known = sum(1 for w in words if w in ENGLISH or w in vocabulary.words or any(ch.isdigit() for ch in w))
    distinct = len(set(words)) / count
    gibberish = known / count < 0.5 or (count >= 12 and distinct < 0.25)
    own = shingles(words)
    copied = bool(own) and len(own & vocabulary.shingles) / len(own) > 0.5
    function_share = sum(1 for w in words if w in FUNCTION_WORDS) / count
    present = set(words)
    competing = sum(
        1 for cause in vocabulary.competing_causes if len(cause & present) >= max(2, len(cause) // 3)
    )
    # A keyword list has almost no function words and no sentence punctuation; terse real notes
    # ("Cause: expired secret. Evidence: L001234.") keep their punctuation.
    punctuation = len(_CLAUSE_MARKS.findall(text)) / count
    stuffed = (count >= 20 and function_share < 0.12 and punctuation < 0.06) or competing >= 3
    content = [w for w in words if w not in FUNCTION_WORDS and w not in ENGLISH]
    on_topic = sum(1 for w in content if w in vocabulary.words or w in DOMAIN_WORDS)
    off_topic = count >= 12 and (not content or on_topic / max(len(content), 1) < 0.2) and on_topic < 3
    return Profile(
        words=count, empty=False, gibberish=gibberish, copied=copied, stuffed=stuffed, off_topic=off_topic
    )


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
        words.update(tokens(text))
    for text in texts:
        phrase_set |= shingles(tokens(text))
    return Vocabulary(
        words=frozenset(words), shingles=frozenset(phrase_set), competing_causes=_competing_causes(archetype)
    )


# Shared term matching for the scorers ---------------------------------------------------------------

_PARTS = re.compile(r"[-_./:=]")
_HYPHENS = str.maketrans({"-": " ", "_": " ", "/": " "})


@functools.lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """Enough stemming to match 'failures' with 'failure', 'started' with 'start', 'rotation' with 'rotate'."""
    if len(word) > 5 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in ("ions", "ion", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    else:
        if word.endswith(("sses", "xes", "zes", "ches", "shes")):
            word = word[:-2]
        elif len(word) >= 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


@functools.lru_cache(maxsize=4096)
def terms(text: str, stop: frozenset[str] = FUNCTION_WORDS) -> frozenset[str]:
    """The content words of a text, stemmed, with dotted, hyphenated and snake_case names also split."""
    out = set()
    for token in tokens(text):
        parts = [token, *_PARTS.split(token)] if _PARTS.search(token) else [token]
        for part in parts:
            if len(part) >= 2 and part not in stop:
                out.add(stem(part))
    return frozenset(out)


@functools.lru_cache(maxsize=8192)
def light_stem(word: str) -> str:
    """A cruder stem (plural and tense endings of words of 4+ letters), for matching whole documents."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@functools.lru_cache(maxsize=4096)
def light_stems(text: str) -> frozenset[str]:
    """Light stems of every word of a text; hyphenated and snake_case words also count as their parts."""
    out = set()
    for token in tokens(text):
        out.add(light_stem(token))
        if "-" in token or "_" in token or "/" in token:
            out.update(light_stem(p) for p in token.translate(_HYPHENS).split() if len(p) >= 3)
    return frozenset(out)
