"""Everything a scorer may read about one item: the scenario, its answer key, the answer, and
what the participant did, as plain data (no database), so scoring runs offline as well."""

from collections import OrderedDict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TypeVar

from scoring.text import Profile, Vocabulary, profile, vocabulary_for

T = TypeVar("T")

# What scoring derives from a scenario alone, kept per scenario content hash so that every answer to
# a scenario reuses it: the vocabulary, the view payload and answer key as read from the database, and
# each scorer's reading of the key (`ScoringContext.per_scenario`). Each cache keeps the most
# recently used scenarios.
_SCENARIO_CACHE_SIZE = 256
_VOCABULARIES: "OrderedDict[str, Vocabulary]" = OrderedDict()
_CONTENTS: "OrderedDict[str, tuple[dict, dict]]" = OrderedDict()
_SCENARIO_WORK: "OrderedDict[tuple[str, str], tuple[dict, dict, object]]" = OrderedDict()


def _remember(cache: OrderedDict, key, value) -> None:
    cache[key] = value
    while len(cache) > _SCENARIO_CACHE_SIZE:
        cache.popitem(last=False)


def _recall(cache: OrderedDict, key):
    value = cache.get(key)
    if value is not None:
        # Another thread may have dropped it meanwhile: the value read is still good.
        with suppress(KeyError):
            cache.move_to_end(key)
    return value


def clear_scenario_caches() -> None:
    """Forget every scenario's cached work, as a fresh process starts."""
    for cache in (_VOCABULARIES, _CONTENTS, _SCENARIO_WORK):
        cache.clear()


def scenario_contents(content_hash: str) -> tuple[dict, dict] | None:
    """(view payload, answer key) of a scenario read before, by content hash; None when not cached.
    They are shared by every answer to the scenario: never change them."""
    return _recall(_CONTENTS, content_hash) if content_hash else None


def remember_scenario_contents(content_hash: str, view_payload: dict, answer_key: dict) -> None:
    if content_hash:
        _remember(_CONTENTS, content_hash, (view_payload, answer_key))


def cached_vocabulary(
    content_hash: str, payload: dict, answer_key: dict, archetype: str, log_messages=None
) -> Vocabulary:
    """A scenario's vocabulary, built once per process per scenario content."""
    vocabulary = _recall(_VOCABULARIES, content_hash) if content_hash else None
    if vocabulary is not None:
        return vocabulary
    if log_messages is not None:
        payload = {**payload, "logs": [{"message": message} for message in log_messages]}
    vocabulary = vocabulary_for(payload, answer_key, archetype=archetype)
    if content_hash:
        _remember(_VOCABULARIES, content_hash, vocabulary)
    return vocabulary


@dataclass(frozen=True)
class ScoringContext:
    kind: str
    payload: dict
    key: dict
    answer: dict
    vocabulary: Vocabulary
    # What the participant did, oldest first: {"kind", "data", "elapsed"} (seconds from the start).
    events: tuple[dict, ...] = ()
    # Every saved version of the answer: (elapsed seconds, answer), oldest first.
    revisions: tuple[tuple[float, dict], ...] = ()
    # The log lines the answer cites, by line id (log_investigation); ids not found are absent.
    cited_lines: dict = field(default_factory=dict)
    # The scenario's content hash ('' for a scenario made up on the spot): what `per_scenario` keys on.
    content_hash: str = field(default="", compare=False)
    _profiles: dict = field(default_factory=dict, compare=False, repr=False)

    def text(self, *fields: str) -> str:
        """The answer's free-text fields joined, for checks that read them together."""
        return "\n".join(str(self.answer.get(name) or "") for name in fields).strip()

    def profile(self, text: str) -> Profile:
        if text not in self._profiles:
            self._profiles[text] = profile(text, self.vocabulary)
        return self._profiles[text]

    def per_scenario(self, name: str, build: Callable[[], T]) -> T:
        """`build()`, worked out once per process for the scenario's content and shared by every
        answer to it. Only for what `build` reads from the payload and the key, never from the
        answer or what the participant did; the result is shared, so it is never changed (copy what
        a check adds to). Without a content hash, or for another payload or key under the same hash,
        it is built afresh."""
        if not self.content_hash:
            return build()
        key = (self.content_hash, name)
        cached = _recall(_SCENARIO_WORK, key)
        # The same content is usually the very same objects (the cached contents, a pack's scenario),
        # which compare at the cost of their top-level keys.
        if cached is not None and cached[0] == self.payload and cached[1] == self.key:
            return cached[2]
        value = build()
        _remember(_SCENARIO_WORK, key, (self.payload, self.key, value))
        return value


def build_context(
    *,
    kind: str,
    payload: dict,
    answer_key: dict,
    answer: dict,
    content_hash: str = "",
    archetype: str = "",
    events: tuple[dict, ...] = (),
    revisions: tuple[tuple[float, dict], ...] = (),
    cited_lines: dict | None = None,
    log_messages: list[str] | None = None,
) -> ScoringContext:
    """The one way a scoring context is built, live (`scoring_inputs`) and offline (`scoring.offline`).

    Live scoring reads the view payload (no log lines), the cited lines and, while the scenario's
    vocabulary is not cached, its distinct log messages. A pack's full payload may be passed
    instead: its log lines give the cited lines and the vocabulary, and the scorer is handed the
    view payload, so the same work gives the same context either way."""
    answer = answer or {}
    if cited_lines is None:
        cited = set(answer.get("evidence_ids") or []) if isinstance(answer, dict) else set()
        cited_lines = (
            {line["id"]: line for line in payload.get("logs", []) if line["id"] in cited} if cited else {}
        )
    vocabulary = cached_vocabulary(content_hash, payload, answer_key, archetype, log_messages)
    if "logs" in payload:
        from scenarios.models import view_payload_of

        payload = view_payload_of(payload)
    return ScoringContext(
        kind=kind,
        payload=payload,
        key=answer_key,
        answer=answer,
        vocabulary=vocabulary,
        events=tuple(events),
        revisions=tuple(revisions),
        cited_lines=cited_lines,
        content_hash=content_hash,
    )
