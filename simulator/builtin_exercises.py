"""The exercises of the role blueprint (section 19), installed in every new organisation."""

BUILTIN_EXERCISES = [
    {
        "slug": "ticket-triage",
        "title": "Ticket triage",
        "purpose": "hiring",
        "time_limit_minutes": 40,
        "description": "Triage a queue of 3-5 tickets of varying severity and ambiguity: severity, component, "
        "route, clarifying questions, next steps and the order you would work them.",
        "items": [{"kind": "triage_queue", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "logs-and-traces",
        "title": "Debugging with logs and API traces",
        "purpose": "hiring",
        "time_limit_minutes": 50,
        "description": "Find the root cause of a customer's problem in structured logs, HTTP samples, traces "
        "and a dashboard snapshot; cite the evidence and propose a safe mitigation.",
        "items": [{"kind": "log_investigation", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "escalation-writeup",
        "title": "Escalation write-up",
        "purpose": "hiring",
        "time_limit_minutes": 30,
        "description": "Turn a messy ticket thread into an escalation packet engineering can act on.",
        "items": [{"kind": "escalation_writeup", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "customer-communication",
        "title": "Customer communication",
        "purpose": "hiring",
        "time_limit_minutes": 20,
        "description": "Draft the customer update for an outage whose cause is not yet known.",
        "items": [{"kind": "customer_comms", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "incident-drill",
        "title": "Incident drill",
        "purpose": "training",
        "time_limit_minutes": 45,
        "description": "Work a live incident: events arrive as time passes; declare severity, engage the right "
        "team, choose a mitigation and keep stakeholders updated.",
        "items": [{"kind": "incident", "archetypes": [], "difficulty": "medium"}],
    },
    {
        "slug": "postmortem-drill",
        "title": "Postmortem drill",
        "purpose": "training",
        "time_limit_minutes": 40,
        "description": "Write a blameless postmortem of a resolved incident: cause chain, contributing factors, "
        "corrective actions with owners, detection and prevention.",
        "items": [{"kind": "postmortem", "archetypes": [], "difficulty": "medium"}],
    },
]
