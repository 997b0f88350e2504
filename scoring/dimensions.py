"""The eight dimensions of the support engineer's scorecard (role blueprint, section 19), and which
dimensions each scenario kind evidences (declared in the kind registry, scenarios/kinds.py)."""

from scenarios.kinds import KIND_LIST

DEFAULT_RUBRIC = [
    {
        "key": "troubleshooting",
        "name": "Troubleshooting methodology",
        "description": "Forms hypotheses, isolates variables and converges on the root cause efficiently.",
        "anchors": {
            "5": "Hypothesis-driven, fast convergence, validates assumptions.",
            "4": "Mostly hypothesis-driven; converges with a detour or two and checks the main assumption.",
            "3": "Some structure but occasional guessing.",
            "2": "Mostly guessing; reaches partial conclusions without testing them.",
            "1": "Random walk, cannot justify steps.",
        },
    },
    {
        "key": "api_http",
        "name": "API/HTTP fundamentals",
        "description": "Understands HTTP, auth, integrations and their common failure modes.",
        "anchors": {
            "5": "Correctly diagnoses common API/auth issues.",
            "4": "Diagnoses the issue correctly; misses a detail such as what a status code implies.",
            "3": "Understands basics but misses nuances.",
            "2": "Reads status codes but draws wrong conclusions from them.",
            "1": "Misunderstands core concepts.",
        },
    },
    {
        "key": "observability",
        "name": "Observability & evidence",
        "description": "Uses logs, metrics and traces to tell a coherent story.",
        "anchors": {
            "5": "Uses logs/metrics/traces to build a coherent narrative.",
            "4": "Cites solid evidence for the main claim; the story has a small gap.",
            "3": "Uses some evidence but incomplete story.",
            "2": "Cites evidence that does not support the claim, or mostly noise.",
            "1": "Relies on opinions; little evidence use.",
        },
    },
    {
        "key": "communication",
        "name": "Customer communication",
        "description": "Clarity, empathy, expectation-setting and correctness under pressure.",
        "anchors": {
            "5": "Clear, empathetic, precise, manages expectations.",
            "4": "Clear and accurate; one element of expectation-setting is thin.",
            "3": "Understandable but lacks structure.",
            "2": "Hard to follow, or vague about what happens next.",
            "1": "Confusing, speculative, or tone-deaf.",
        },
    },
    {
        "key": "escalation",
        "name": "Escalation quality",
        "description": "Produces engineering-grade artefacts and avoids noisy escalations.",
        "anchors": {
            "5": "Produces repro + evidence + impact in actionable format.",
            "4": "Actionable; one supporting detail is missing.",
            "3": "Adequate but missing key details.",
            "2": "Several key details missing; engineering must come back with questions.",
            "1": "Vague, noisy, causes back-and-forth.",
        },
    },
    {
        "key": "operational_discipline",
        "name": "Operational discipline",
        "description": "Respects access controls, auditability and safe intervention practices.",
        "anchors": {
            "5": "Strong security/privacy judgment, auditability mindset.",
            "4": "Careful and safe; misses one good practice.",
            "3": "Generally careful but needs reminders.",
            "2": "A risky step or a handling lapse that a reviewer must catch.",
            "1": "Risky behavior; ignores controls.",
        },
    },
    {
        "key": "collaboration",
        "name": "Collaboration & influence",
        "description": "Partners with Engineering, SRE and Product and influences priorities with evidence.",
        "anchors": {
            "5": "Partners effectively; uses data to align priorities.",
            "4": "Engages the right people with evidence; coordination has a small gap.",
            "3": "Cooperative but passive.",
            "2": "Engages late or the wrong people; little evidence offered.",
            "1": "Defensive; poor cross-team dynamics.",
        },
    },
    {
        "key": "continuous_improvement",
        "name": "Continuous improvement",
        "description": "Turns repetitive work and incidents into automation, documentation and prevention.",
        "anchors": {
            "5": "Demonstrated prevention/automation/KB impact.",
            "4": "Concrete prevention with owners; follow-through is partly specified.",
            "3": "Some documentation contributions.",
            "2": "Generic lessons with no owner or action.",
            "1": "No evidence of improving the system.",
        },
    },
]

DIMENSION_KEYS = tuple(d["key"] for d in DEFAULT_RUBRIC)

KIND_DIMENSIONS = {kind.name: kind.dimensions for kind in KIND_LIST}
