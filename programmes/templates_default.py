"""The default programme: the role blueprint's 30/60/90-day plan (section 6) as three stages, and
the drills it needs, installed as the organisation's training exercises on first use.

Every drill gives each attempt its own isomorphic variant (`per_participant`: the same archetype,
kind and difficulty, another seed), so a trainee who repeats a drill never sees the same scenario.
"""

DRILL_LIBRARY = [
    {
        "slug": "drill-triage-easy",
        "title": "Drill: triage a small queue",
        "time_limit_minutes": 25,
        "description": "Set severity, component and route for a short queue and say what is missing.",
        "items": [{"kind": "triage_queue", "archetypes": [], "difficulty": "easy"}],
    },
    {
        "slug": "drill-logs-easy",
        "title": "Drill: find the cause in the logs",
        "time_limit_minutes": 30,
        "description": "Read the logs and traces of one failing integration; cite the lines that prove it.",
        "items": [{"kind": "log_investigation", "archetypes": [], "difficulty": "easy", "log_lines": 600}],
    },
    {
        "slug": "drill-comms-easy",
        "title": "Drill: the first customer update",
        "time_limit_minutes": 15,
        "description": "Write the first update of an outage whose cause is not yet known.",
        "items": [{"kind": "customer_comms", "archetypes": [], "difficulty": "easy"}],
    },
    {
        "slug": "drill-escalation-medium",
        "title": "Drill: an engineering-ready escalation",
        "time_limit_minutes": 30,
        "description": "Turn a messy thread into an escalation packet with reproduction steps and evidence.",
        "items": [{"kind": "escalation_writeup", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "drill-logs-medium",
        "title": "Drill: logs and traces, harder",
        "time_limit_minutes": 40,
        "description": "Find the root cause among red herrings across several services.",
        "items": [{"kind": "log_investigation", "archetypes": [], "difficulty": "medium", "log_lines": 1000}],
    },
    {
        "slug": "drill-postmortem-medium",
        "title": "Drill: a postmortem with corrective actions",
        "time_limit_minutes": 35,
        "description": "Write the cause chain and corrective actions with owners for a resolved incident.",
        "items": [{"kind": "postmortem", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "drill-incident-hard",
        "title": "Drill: run a live incident",
        "time_limit_minutes": 45,
        "description": "Declare severity, engage the right team, mitigate safely and keep stakeholders updated.",
        "items": [{"kind": "incident", "archetypes": [], "difficulty": "hard"}],
    },
    {
        "slug": "drill-triage-hard",
        "title": "Drill: triage an ambiguous queue",
        "time_limit_minutes": 30,
        "description": "A queue of ambiguous tickets across tiers: prioritise and ask the right questions.",
        "items": [{"kind": "triage_queue", "archetypes": [], "difficulty": "hard"}],
    },
    {
        "slug": "drill-postmortem-hard",
        "title": "Drill: prevent the recurrence",
        "time_limit_minutes": 40,
        "description": "A postmortem whose prevention and detection work you must own and measure.",
        "items": [{"kind": "postmortem", "archetypes": [], "difficulty": "hard"}],
    },
]

DEFAULT_STAGES = [
    {
        "title": "30 days: baseline execution",
        "goal": "Reliably handles assigned cases end-to-end with accurate technical reasoning and "
        "high-quality case notes; correct severity classification.",
        "due_days": 30,
        "drills": ["drill-triage-easy", "drill-logs-easy", "drill-comms-easy"],
    },
    {
        "title": "60 days: independent ownership",
        "goal": "Manages complex escalations independently with engineering-ready reproduction steps "
        "and evidence; takes part in a postmortem with clear corrective actions.",
        "due_days": 60,
        "drills": ["drill-escalation-medium", "drill-logs-medium", "drill-postmortem-medium"],
    },
    {
        "title": "90 days: problem management",
        "goal": "Owns incidents and recurring problems: safe mitigation, coordination with Engineering "
        "and SRE, and prevention that reduces recurrence.",
        "due_days": 90,
        "drills": ["drill-incident-hard", "drill-triage-hard", "drill-postmortem-hard"],
    },
]
DEFAULT_RULE = {"min_mean": 3.5, "min_each": 2.0, "attempts_needed": 2}
DEFAULT_TITLE = "Support engineer onboarding: 30/60/90 days"
