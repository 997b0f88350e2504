"""What a scorer's check is called on staff pages. A check's id (`next_update_time`) stays the key in
stored scores; this table gives it a name a lead reads without knowing the scorer's code.

The table lives apart from the scorers so that naming a check never changes a score. Checks that a
scorer emits once per ticket (triage) are named by their id's prefix and the ticket it names.
`scoring/tests/test_check_labels.py` fails when a scorer can emit a check this table does not name.
"""

LABELS: dict[str, dict[str, str]] = {
    "customer_comms": {
        "readable_update": "A readable update about this incident",
        "acknowledges_impact": "Acknowledges the customer impact",
        "states_known": "States what is known",
        "states_unknown": "States what is not known yet",
        "no_speculation": "Does not speculate about the cause",
        "no_blame": "Blames no one",
        "no_promised_fix_time": "Promises no fix time",
        "next_update_time": "Commits to a time for the next update",
        "actionable_guidance": "Tells customers what they can do now",
        "does_not_mislead": "Does not mislead customers",
        "owns_the_disruption": "Says sorry for the disruption",
        "plain_language": "Plain language",
    },
    "escalation_writeup": {
        "readable_packet": "A readable packet about this escalation",
        "readable_length": "A length engineers will read",
        "labelled_sections": "Labelled sections",
        "repro_steps": "Steps to reproduce",
        "expected_vs_actual": "Expected against actual behaviour",
        "environment_and_versions": "Environment and versions",
        "request_and_trace_ids": "Request and trace ids from the ticket",
        "onset_with_timezone": "When it started, with a time zone",
        "impact_quantified": "Impact in numbers",
        "workaround": "States the workaround",
        "severity_with_reason": "Severity with its reason",
        "ask_and_route": "A clear ask to the owning team",
        "secret_not_pasted": "Does not paste the customer's secret",
        "secret_kept_out": "Keeps the customer's secret out",
        "customer_secret_unused": "Does not use the customer's secret",
        "flags_exposed_secret": "Flags the secret the customer exposed",
        "marks_redaction": "Marks what was redacted",
        "traceable_to_ticket": "References the ticket it draws on",
        "severity_points_the_right_way": "Tells engineers the right urgency",
        "points_the_right_way": "Points engineers the right way",
        "escalates_the_right_way": "Escalates to the owning team at the right urgency",
        "precise_details": "Concrete values, not vague ones",
        "leaves_out_noise": "Leaves out noise",
        "calm_tone": "Calm, factual tone",
        "no_blame": "Blames no one",
    },
    "incident": {
        "readable_log": "A readable incident log",
        "readable_record": "A readable incident record",
        "readable_updates": "Readable status updates",
        "calls_point_the_right_way": "Decisions point the right way",
        "severity_declared": "Declares the right severity (D1)",
        "severity_close": "Severity within one level",
        "d1_on_time": "Severity decided in its window (D1)",
        "right_team": "Engages the right team (D2)",
        "d2_on_time": "Team engaged in its window (D2)",
        "safe_mitigation": "No unsafe mitigation",
        "effective_mitigation": "A mitigation that works (D3)",
        "d3_on_time": "Mitigation decided in its window (D3)",
        "comms_decision": "The right communication decision (D4)",
        "d4_on_time": "Communication decided in its window (D4)",
        "engages_with_evidence": "Engages the team with evidence",
        "coordinates_roles": "Coordinates roles",
        "cites_evidence": "Cites evidence",
        "converges_on_cause": "Converges on the cause",
        "no_red_herring_blamed": "Blames no red herring",
        "rules_out_red_herrings": "Rules out red herrings",
        "timestamped_log": "A timestamped log",
        "records_decisions": "Records its decisions",
        "log_commits": "The log commits to its calls",
        "calls_by_the_book": "The later calls follow the playbook",
        "updates_do_not_mislead": "The updates tell nothing untrue",
        "first_update_in_time": "First update in time",
        "steady_cadence": "Updates at a steady cadence",
        "states_impact": "Updates state the impact",
        "states_status": "Updates state the status",
        "next_update_time": "Updates give a next update time",
        "updates_promise_a_time": "Stakeholders know when the next update comes",
        "updates_in_plain_words": "Status posts in plain words",
        "no_promised_fix_time": "Promises no fix time",
        "no_speculation": "Does not speculate about the cause",
    },
    "log_investigation": {
        "readable_investigation_troubleshooting": "A readable investigation (troubleshooting)",
        "readable_investigation_api_http": "A readable investigation (API and HTTP)",
        "readable_investigation_observability": "A readable investigation (observability)",
        "root_cause_identified": "Identifies the root cause",
        "cause_is_not_a_red_herring": "The cause is not a red herring",
        "diagnoses_the_failure": "Diagnoses the failure",
        "coherent_story": "A coherent account from symptom to cause",
        "story_has_a_cause": "The evidence leads to a cause",
        "hypotheses_tested": "Tests hypotheses",
        "red_herring_ruled_out": "Rules out the red herring",
        "converges_on_evidence": "Converges on the evidence",
        "no_unsafe_mitigation": "No unsafe mitigation",
        "safe_mitigation": "A safe mitigation",
        "names_failing_request": "Names the failing request",
        "names_failing_status": "Names the failing status code",
        "reads_status_correctly": "Reads the status code correctly",
        "contrasts_healthy_request": "Contrasts a healthy request",
        "evidence_precise": "Precise evidence",
        "onset_within_tolerance": "Onset time close enough",
        "onset_backed_by_evidence": "Onset backed by evidence",
        "cites_signal_evidence": "Cites evidence from the signals",
        "uses_traces_or_metrics": "Uses traces or metrics",
        "targeted_searches": "Targeted log searches",
    },
    "postmortem": {
        "readable_postmortem": "A readable postmortem",
        "cause_chain": "The chain of causes",
        "contributing_factors": "Contributing factors",
        "red_herrings_not_causes": "Red herrings not named as causes",
        "evidence_based": "Based on evidence",
        "impact_in_numbers": "Impact in numbers",
        "blameless": "Blameless",
        "actions_address_causes": "Actions address the causes",
        "actions_owned_and_dated": "Actions have owners and dates",
        "right_owners": "Actions go to the right owners",
        "owners_across_teams": "Owners across teams",
        "prevention": "Prevents a recurrence",
        "detection_improved": "Improves detection",
        "runbook_kb_or_automation": "A runbook, article or automation",
        "closes_the_loop_with_support": "Closes the loop with support",
    },
    "triage_queue": {
        "readable_triage": "A readable triage",
        "queue_read_the_right_way": "Reads the queue the right way",
        "queue_half_read_right": "At least half the queue read right",
        "every_ticket_triaged": "Triages every ticket",
        "priority_order": "Orders the queue by priority",
        "most_urgent_first": "Puts the most urgent ticket first",
        "no_secrets_requested": "Asks for no secret",
        "questions_plain": "Plain questions",
    },
}

# Checks emitted once per ticket: `severity_T-58302` is the severity check of ticket T-58302.
PER_TICKET: dict[str, dict[str, str]] = {
    "triage_queue": {
        "severity_": "Severity",
        "impact_read_": "Impact read",
        "component_": "Component",
        "route_": "Route",
        "facts_needed_": "Facts needed",
        "questions_asked_": "Asks questions",
        "questions_focused_": "Focused questions",
        "next_steps_": "Next steps",
    },
}


def known_label(kind: str, check_id: str) -> str | None:
    """The check's name, or None when the table does not name it."""
    label = LABELS.get(kind, {}).get(check_id)
    if label is not None:
        return label
    # Longest prefix first: `questions_focused_` before a shorter prefix that also matches.
    for prefix, name in sorted(PER_TICKET.get(kind, {}).items(), key=lambda item: -len(item[0])):
        if check_id.startswith(prefix) and len(check_id) > len(prefix):
            return f"{name} of {check_id[len(prefix) :]}"
    return None


def check_label(kind: str, check_id: str) -> str:
    """The check's name; a check the table does not know (an older scorer's) reads as its id in words."""
    return known_label(kind, check_id) or check_id.replace("_", " ").capitalize()
