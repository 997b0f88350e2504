"""Everything a scorer may read about one item: the scenario, its answer key, the answer, and
what the participant did, as plain data (no database), so scoring runs offline as well."""

from collections import OrderedDict
from dataclasses import dataclass, field

from scoring.text import Profile, Vocabulary, profile, vocabulary_for

_VOCABULARIES: "OrderedDict[str, Vocabulary]" = OrderedDict()
_VOCABULARY_CACHE_SIZE = 256


def cached_vocabulary(
    content_hash: str, payload: dict, answer_key: dict, archetype: str, log_messages=None
) -> Vocabulary:
    """A scenario's vocabulary, built once per process per scenario content."""
    if content_hash and content_hash in _VOCABULARIES:
        _VOCABULARIES.move_to_end(content_hash)
        return _VOCABULARIES[content_hash]
    if log_messages is not None:
        payload = {**payload, "logs": [{"message": message} for message in log_messages]}
    vocabulary = vocabulary_for(payload, answer_key, archetype=archetype)
    if content_hash:
        _VOCABULARIES[content_hash] = vocabulary
        while len(_VOCABULARIES) > _VOCABULARY_CACHE_SIZE:
            _VOCABULARIES.popitem(last=False)
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
    _profiles: dict = field(default_factory=dict, compare=False, repr=False)

    def text(self, *fields: str) -> str:
        """The answer's free-text fields joined, for checks that read them together."""
        return "\n".join(str(self.answer.get(name) or "") for name in fields).strip()

    def profile(self, text: str) -> Profile:
        if text not in self._profiles:
            self._profiles[text] = profile(text, self.vocabulary)
        return self._profiles[text]


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
    )
