"""The scenario kinds: the one list every app derives its per-kind tables from.

Each entry names what the kind is and where its parts live. Other apps' parts are named by dotted
module path, never imported here, so `scenarios` keeps depending on neither `simulator` nor
`scoring`: the scorer registry imports `scorer`, the workspace imports `presenter`. Files that
cannot import Python (the JSON Schemas, the catalog, the workspace script, the templates) are
checked against this list by `scenarios/tests/test_kind_registry.py`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    # The choice label staff see (admin, exercise forms, packs).
    label: str
    # The short label of a part in the candidate's workspace and on staff pages.
    workspace_label: str
    # scenarios.generation.<generator>: `generate(world, difficulty)` -> (payload, answer_key).
    generator: str
    # scoring.scorers.<module>: VERSION and `checks(ctx)`.
    scorer: str
    # The scorecard dimensions the kind evidences, in the order a score lists them.
    dimensions: tuple[str, ...]
    # The largest answer accepted, as compact JSON.
    max_answer_bytes: int

    @property
    def generator_module(self) -> str:
        return f"scenarios.generation.{self.generator}"

    @property
    def scorer_module(self) -> str:
        return f"scoring.scorers.{self.scorer}"

    @property
    def presenter_module(self) -> str:
        """How the workspace shows the kind and its worked answer."""
        return f"simulator.presenters.{self.name}"

    @property
    def item_template(self) -> str:
        return f"simulator/items/_{self.name}.html"

    @property
    def worked_template(self) -> str:
        return f"simulator/feedback/_worked_{self.name}.html"


KIND_LIST = (
    Kind(
        name="triage_queue",
        label="Ticket triage queue",
        workspace_label="Ticket queue",
        generator="triage",
        scorer="triage",
        dimensions=("troubleshooting", "escalation", "operational_discipline", "communication"),
        max_answer_bytes=64_000,
    ),
    Kind(
        name="log_investigation",
        label="Log and trace investigation",
        workspace_label="Investigation",
        generator="investigation",
        scorer="investigation",
        dimensions=("troubleshooting", "api_http", "observability"),
        max_answer_bytes=64_000,
    ),
    Kind(
        name="escalation_writeup",
        label="Escalation write-up",
        workspace_label="Escalation",
        generator="escalation",
        scorer="escalation",
        dimensions=("escalation", "operational_discipline", "communication"),
        max_answer_bytes=96_000,
    ),
    Kind(
        name="customer_comms",
        label="Customer communication",
        workspace_label="Customer update",
        generator="comms",
        scorer="comms",
        dimensions=("communication",),
        max_answer_bytes=48_000,
    ),
    Kind(
        name="incident",
        label="Incident drill",
        workspace_label="Live incident",
        generator="incident",
        scorer="incident",
        dimensions=("troubleshooting", "operational_discipline", "collaboration", "communication"),
        max_answer_bytes=128_000,
    ),
    Kind(
        name="postmortem",
        label="Postmortem",
        workspace_label="Postmortem",
        generator="postmortem",
        scorer="postmortem",
        dimensions=("continuous_improvement", "collaboration"),
        max_answer_bytes=160_000,
    ),
)

KINDS_BY_NAME = {kind.name: kind for kind in KIND_LIST}
KIND_NAMES = tuple(KINDS_BY_NAME)


class UnknownKind(KeyError):
    pass


def get_kind(name: str) -> Kind:
    try:
        return KINDS_BY_NAME[name]
    except KeyError:
        raise UnknownKind(f"unknown kind {name!r}; kinds are: {', '.join(KIND_NAMES)}") from None
