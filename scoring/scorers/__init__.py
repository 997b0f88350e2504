"""One auto-scorer per scenario kind. Each module has VERSION and `checks(ctx) -> list[Check]`;
this registry rolls the checks up into a 1-5 score for every dimension the kind evidences."""

import importlib
from dataclasses import dataclass

from scenarios.kinds import KIND_LIST
from scoring.checks import DimensionResult, roll_up
from scoring.context import ScoringContext
from scoring.dimensions import KIND_DIMENSIONS
from scoring.text import strings_of, tokens

_MODULES = {kind.name: kind.scorer_module for kind in KIND_LIST}


def scorer(kind: str):
    return importlib.import_module(_MODULES[kind])


def scorer_version(kind: str) -> int:
    return scorer(kind).VERSION


def scorer_set_version() -> str:
    """The versions of all scorers, as one string: a score set is unique per attempt and this."""
    return ",".join(f"{kind}@{scorer_version(kind)}" for kind in sorted(_MODULES))


@dataclass(frozen=True)
class ItemResult:
    kind: str
    scorer_version: int
    dimensions: list[DimensionResult]

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "scorer_version": self.scorer_version,
            "dimensions": [d.as_dict() for d in self.dimensions],
        }


def score_item(ctx: ScoringContext) -> ItemResult:
    module = scorer(ctx.kind)
    checks = module.checks(ctx)
    unknown = {c.dimension for c in checks} - set(KIND_DIMENSIONS[ctx.kind])
    if unknown:
        raise ValueError(
            f"the {ctx.kind} scorer produced checks for dimensions it does not evidence: {sorted(unknown)}"
        )
    words = sum(len(tokens(text)) for text in strings_of(ctx.answer))
    return ItemResult(
        kind=ctx.kind,
        scorer_version=module.VERSION,
        dimensions=roll_up(KIND_DIMENSIONS[ctx.kind], checks, words=words),
    )
