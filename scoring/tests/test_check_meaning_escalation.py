"""escalation_writeup: every check reads meaning, not a keyword. For each check, a paraphrase it must
accept (the same fact in other words) and a false positive it must not raise (its keyword in a line
that says the opposite or something else)."""

import re

import pytest

from scoring.tests.helpers import result, scenario
from scoring.tests.test_escalation_scorer import _packet_pool


@pytest.fixture(scope="module")
def pool():
    return scenario("escalation_writeup", "db_pool_exhaustion_after_deploy")


@pytest.fixture(scope="module")
def strong(pool):
    return _packet_pool(pool)


def _section(label: str, text: str):
    """Replace the section that starts with `label` (up to the next blank line) with `text`."""

    def change(packet: str, generated) -> str:
        pattern = re.compile(rf"^{re.escape(label)}.*?(?=\n\n|\Z)", re.M | re.S)
        assert pattern.search(packet), label
        return pattern.sub(lambda _: text.format(**_values(generated)), packet, count=1)

    return change


def _add(text: str):
    return lambda packet, generated: packet + "\n" + text.format(**_values(generated)) + "\n"


def _values(generated) -> dict:
    facts = generated.answer_key["facts"]
    return {
        "secret": generated.answer_key["secret"]["value"],
        "request": facts["request_ids"][0],
        "ticket": generated.payload["ticket_id"],
    }


def _same(packet, generated):
    return packet


REPRO_OWN_WORDS = (
    "How to reproduce:\n"
    "1. Fire 20 parallel GET /v2/orders?limit=50 calls for any us-east-1 tenant.\n"
    "2. Some of them come back 503 after roughly 3000ms.\n"
    "3. In db-proxy, pool orders_rw has sv_idle=0 and cl_waiting above 0 ever since v4.29.0 went out."
)

# A packet laid out in labelled lines of bare terms, with the thread's own ids and values among them.
STRUNG_PACKET = (
    "ESCALATION {ticket} SRE Engineering SEV1 enterprise us-east-1 production\n"
    "orders-service v4.28.4 v4.29.0 db-proxy orders_rw pool sv_idle cl_waiting 503 3000ms\n"
    "{request} trace ids onset UTC timestamps timezone\n"
    "repro steps expected actual environment versions impact workaround ask\n"
    "secret password redacted rotate security policy compliance\n"
    "noise auto-reply renewal actionable engineering-grade evidence ownership"
)
# The same escalation as a clipped note: abbreviations, arrows, labels, but statements.
TERSE_PACKET = (
    "{ticket} -> SRE, SEV1 (all tenants' order API degraded, checkout revenue lost)\n"
    "Issue: GET /v2/orders 503s after ~3000ms since orders-service v4.29.0 (prev v4.28.4), prod us-east-1.\n"
    "Repro: 20 parallel GET /v2/orders?limit=50 -> some 503 after 3000ms; db-proxy pool orders_rw sv_idle=0.\n"
    "Exp: list < 300ms, 2xx. Act: up to 22% 503 waiting for a DB connection.\n"
    "IDs: {request}. Impact: ent cust blocked, other tenants likely hit.\n"
    "WA: retry w/ backoff; rollback to v4.28.4 should clear it.\n"
    "Ask: SRE pls run as incident + roll back orders-service; Eng to fix code.\n"
    "Sec: DB pw pasted in the repro note - redacted here, cust to rotate."
)

CASES = [
    ("readable_packet", _same, True, "paraphrase: a complete packet"),
    ("readable_packet", lambda p, g: "Escalation: pool, deploy, rollback, 503, SRE, Engineering, severity, impact, "
     "repro, expected, actual, environment, versions, workaround, ask, redact, rotate, secret, trace, request ids",
     False, "false positive: comma-strung keywords"),
    ("readable_packet", lambda p, g: STRUNG_PACKET.format(**_values(g)), False,
     "paraphrase: labelled lines of bare terms strung together, the thread's ids among them"),
    ("readable_packet", lambda p, g: TERSE_PACKET.format(**_values(g)), True,
     "false positive: a clipped note with abbreviations and arrows makes real statements"),
    ("repro_steps", _section("Steps to reproduce:", "To reproduce: fire 20 parallel GET /v2/orders?limit=50 calls for "
                             "a us-east-1 tenant, then watch a share of them fail with 503 after about 3000ms; db-proxy "
                             "pool orders_rw shows sv_idle=0 and cl_waiting above 0 since v4.29.0."),
     True, "paraphrase: the steps told in one sentence after the label"),
    ("repro_steps", _section("Steps to reproduce:", "To reproduce: log in, then look around the dashboard."),
     False, "false positive: steps told in a sentence that reproduce nothing"),
    ("repro_steps", lambda p, g: _section("Steps to reproduce:", REPRO_OWN_WORDS)(p, g)
     + "\nAsks:\n1. Take the incident.\n2. Roll back.\n3. Report back.\n",
     True, "paraphrase: the repro is read where it is given, not in the packet's other numbered list"),
    ("expected_vs_actual", _section("Expected:", "Exp: order list calls finish within 300ms with a 2xx.\n"
                                    "Act: up to 22% of order calls get a 503 after 3000ms waiting for a database "
                                    "connection."),
     True, "paraphrase: a clipped note's 'Exp:' and 'Act:'"),
    ("expected_vs_actual", _section("Expected:", "Exp: fine.\nAct: not fine."), False,
     "false positive: the clipped labels without the behaviour"),
    ("expected_vs_actual", _section("Expected:", "What ought to happen: listing orders finishes within 300ms with a "
                                    "2xx.\nWhat does happen: up to 22% of order calls get a 503 after 3000ms."),
     True, "paraphrase: 'what ought to happen / what does happen'"),
    ("repro_steps", _section("Steps to reproduce:", REPRO_OWN_WORDS), True, "paraphrase: steps in own words"),
    ("repro_steps", _section("Steps to reproduce:", "Steps to reproduce:\n1. Log in.\n2. Look around the dashboard."),
     False, "false positive: numbered steps that reproduce nothing"),
    ("expected_vs_actual", _section("Expected:", "What should happen: listing orders finishes within 300ms with a 2xx.\n"
                                    "What happens instead: up to 22% of order calls get a 503 after 3000ms waiting for a "
                                    "database connection."),
     True, "paraphrase: 'what should happen / what happens instead'"),
    ("expected_vs_actual", _section("Expected:", "Expected: it works.\nActual: it does not."), False,
     "false positive: the labels without the behaviour"),
    ("environment_and_versions", _section("Environment:", "Where: prod (us-east-1); orders-service went from v4.28.4 "
                                          "to v4.29.0; db-proxy pool orders_rw holds 43."),
     True, "paraphrase: 'prod', 'went from ... to ...'"),
    ("environment_and_versions", lambda p, g: _section("Environment:", "Environment: not staging.")(
        p.replace("v4.28.4", "the fix"), g), False, "false positive: 'not staging' and no version change"),
    ("request_and_trace_ids", _same, True, "paraphrase: ids from the thread"),
    ("request_and_trace_ids", _section("Evidence:", "Evidence: request req_0123456789ab failed."), False,
     "false positive: an id that is not in the thread"),
    ("onset_with_timezone", _section("Onset:", "Started: 04:55 (UTC-05:00) on 2026-04-27, i.e. 09:55 UTC."), True,
     "paraphrase: the onset in the customer's offset"),
    ("onset_with_timezone", _section("Onset:", "Onset: this morning, around 10."), False,
     "false positive: a time without a timezone"),
    ("impact_quantified", _section("Impact:", "Impact: 3800 records stuck and 240 users blocked at this enterprise-tier "
                                   "account."), True, "paraphrase: the numbers without a thousands separator"),
    ("impact_quantified", _section("Impact:", "Impact: many records, lots of users."), False,
     "false positive: impact without numbers"),
    ("impact_quantified", lambda p, g: _section("Impact:", "Impact: {records} records, {users} users, ent cust.".format(
        **g.answer_key["facts"]["impact"]))(p, g), True, "paraphrase: the tier as a clipped note writes it ('ent')"),
    ("impact_quantified", lambda p, g: _section("Impact:", "Impact: {records} records, {users} users; content team "
                                                "blocked.".format(**g.answer_key["facts"]["impact"]))(p, g), False,
     "false positive: the tier's clipped form inside another word is not the tier"),
    ("severity_with_reason", _section("Severity:", "Severity: SEV1, because the order API is degraded for every tenant "
                                      "and checkout integrations are losing revenue."),
     True, "paraphrase: the reason in other words"),
    ("severity_with_reason", _section("Severity:", "Severity: somewhere between SEV1 and SEV3."), False,
     "false positive: several severities offered"),
    ("workaround", _section("Workaround:", "Meanwhile: retrying with backoff gets some requests through; a rollback to "
                            "v4.28.4 should fix it."), True, "paraphrase: 'meanwhile' and other words"),
    ("workaround", _section("Workaround:", "Workaround: none known."), False,
     "false positive: the label with no workaround"),
    ("workaround", _section("Workaround:", "WA: retrying with backoff gets some requests through; rolling back to "
                            "v4.28.4 should clear it."), True, "paraphrase: a clipped note's 'WA:'"),
    ("workaround", _section("Workaround:", "Stopgap we've given the customer: retry with backoff until the rollback "
                            "to v4.28.4."), True, "paraphrase: 'stopgap'"),
    ("ask_and_route", _section("Ask:", "What I need from you, SRE: open an incident, roll orders-service back to "
                               "v4.28.4 and own the database capacity."), True,
     "paraphrase: 'what I need from you'"),
    ("ask_and_route", _section("Ask:", "Request for SRE: please run this as an incident, roll orders-service back to "
                               "v4.28.4 and own the database capacity."), True, "paraphrase: the ask in other words"),
    ("ask_and_route", _section("Ask:", "Ask: Engineering, SRE, L2 or Security, whoever owns it."), False,
     "false positive: every team at once"),
    ("ask_and_route", _section("Ask:", "Ask: SRE, please open an incident and roll orders-service back to v4.28.4. "
                               "If the rollback does not help, escalate to Engineering. Details: see Security."), True,
     "false positive: a fallback team under a condition and a section reference route nothing"),
    ("customer_secret_unused", _add("The customer's password was not used for any test."), True,
     "false positive: the credential named only to say it was not used"),
    ("customer_secret_unused", _add("To confirm, I replayed the customer's curl with their database password "
                                    "against production."), False, "paraphrase: the customer's credential used"),
    ("flags_exposed_secret", _section("Security note:", "Security note: the customer's database password was pasted "
                                      "in the repro note; rotating it would not help with the errors."), False,
     "false positive: rotation named only to say it would not help"),
    ("leaves_out_noise", "NOISE_SET_ASIDE", True, "false positive: the thread's noise named only to set it aside"),
    ("secret_not_pasted", _same, True, "paraphrase: the secret mentioned, never pasted"),
    ("secret_not_pasted", _add("DB password for reference: {secret}"), False, "false positive guard: the secret pasted"),
    ("secret_kept_out", _same, True, "paraphrase: the thread written up without the secret"),
    ("secret_kept_out", lambda p, g: "Orders fail with 503 for Harrison, Lee and Taylor. SRE please look.", False,
     "false positive: too thin to show how the secret was handled"),
    ("flags_exposed_secret", _section("Security note:", "Data handling: the customer's database password was posted in "
                                      "clear in {ticket}'s repro note. I masked it here; please regenerate that "
                                      "credential today."),
     True, "paraphrase: 'posted in clear', 'regenerate that credential'"),
    ("flags_exposed_secret", _section("Security note:", "Security note: no secret was shared and nothing needs rotating."),
     False, "false positive: 'secret' and 'rotating' to say nothing happened"),
    ("flags_exposed_secret", _section("Security note:", "Security note: the repro note contains the customer's "
                                      "database password. Not copied here; please redact the note, and the customer "
                                      "should change it."),
     True, "paraphrase: 'contains the password', 'change it'"),
    ("flags_exposed_secret", _section("Security note:", "Security note: the repro note contains no credentials, so "
                                      "nothing needs to change."),
     False, "false positive: where a credential would be, said of none, and nothing changed"),
    ("flags_exposed_secret", _section("Security note:", "DB password pasted in {ticket}'s repro note -> not copied, "
                                      "masked, cust asked to change."),
     True, "paraphrase: a clipped note, the change's object left to its line"),
    ("flags_exposed_secret", _section("Security note:", "The repro note's DB password was pasted in clear; the customer "
                                      "refused to change."),
     False, "false positive: the change with its object left out, refused"),
    ("marks_redaction", _section("Security note:", "Data handling: the repro note's password is masked here; treat it as "
                                 "exposed and rotate it."), True, "paraphrase: 'masked'"),
    ("marks_redaction", _section("Security note:", "Security note: nothing here was redacted or masked, none was needed."),
     False, "false positive: 'redacted' said of nothing"),
    ("traceable_to_ticket", _same, True, "paraphrase: the ticket id in the summary"),
    ("traceable_to_ticket", lambda p, g: re.sub(r"\bT-\d+|\(M\d+\)", "", p), False,
     "false positive: no ticket or message referenced"),
    ("labelled_sections", _same, True, "paraphrase: labelled sections"),
    ("labelled_sections", lambda p, g: " ".join(p.split()), False, "false positive: the same facts as one block"),
    ("readable_length", _same, True, "paraphrase: a readable length"),
    ("readable_length", lambda p, g: p + ("\nMore context: the customer wrote again to say it is still failing. " * 60),
     False, "false positive: padded"),
    ("precise_details", _same, True, "paraphrase: concrete values"),
    ("precise_details", lambda p, g: "Summary: orders fail for a customer.\nAsk: SRE, please look at it.\n"
     "Impact: some users.\nSeverity: SEV1 because orders fail.\nEnvironment: production.\nOnset: this morning.",
     False, "false positive: labels without values"),
    ("no_blame", _add("Note: nobody is to blame here; L1 followed the process."), True,
     "paraphrase: blame named only to deny it"),
    ("no_blame", _add("Note: probably their side, L1 should have caught this."), False, "false positive guard: blame"),
    ("leaves_out_noise", _same, True, "paraphrase: the thread's noise left out"),
    ("leaves_out_noise", "NOISE", False, "false positive guard: the thread's noise carried in"),
    ("points_the_right_way", _section("Ask:", "Request for SRE: please run this as an incident and roll "
                                      "orders-service back to v4.28.4."), True,
     "paraphrase: the owning team asked in other words"),
    ("points_the_right_way", _section("Ask:", "Ask: Engineering, please look at the orders-service code."), False,
     "false positive: a clear packet sent to the wrong team"),
    ("severity_points_the_right_way", _section("Severity:", "Severity: Sev 1 - every tenant's order API is "
                                               "degraded; this is not a SEV3 or SEV4 matter whatever the tier."),
     True, "false positive: SEV3 and SEV4 named only to rule them out"),
    ("escalates_the_right_way", _section("Severity:", "Severity: SEV2 - most tenants' order calls fail."), True,
     "false positive: the owning team at one level off the urgency is a close reading"),
    ("escalates_the_right_way", lambda p, g: _section("Ask:", "Ask: Engineering, please look at the orders-service "
                                                      "code when you can.")(
        _section("Severity:", "Severity: SEV3 - one customer is affected.")(p, g), g),
     False, "paraphrase: a fluent packet sent to the wrong team at the wrong urgency"),
    ("severity_points_the_right_way", _section("Severity:", "Severity: SEV2 - most tenants' order calls fail."),
     True, "paraphrase: one level off the impact is a close reading, not a wrong one"),
    ("severity_points_the_right_way", _section("Severity:", "Severity: sev-3, one customer is affected."),
     False, "paraphrase: a severity two levels off, spelled another way"),
    ("severity_points_the_right_way", _section("Severity:", "Severity: somewhere between SEV1 and SEV3; the "
                                               "receiving team can decide."),
     False, "false positive guard: no severity picked, the choice left to engineers"),
    ("calm_tone", _same, True, "paraphrase: calm sentences"),
    ("calm_tone", _add("THIS IS URGENT PLEASE FIX NOW!!"), False, "false positive guard: shouting"),
]  # fmt: skip


def _noise(packet, generated):
    noise_ids = set(generated.answer_key.get("noise_message_ids") or [])
    bodies = [m["body"] for m in generated.payload["thread"] if m["id"] in noise_ids]
    return packet + "\nFrom the thread:\n" + "\n".join(bodies) + "\n"


def _noise_set_aside(packet, generated):
    noise_ids = set(generated.answer_key.get("noise_message_ids") or [])
    firsts = [
        m["body"].split(".")[0].replace(",", "") for m in generated.payload["thread"] if m["id"] in noise_ids
    ]
    return packet + "\nNot relevant here: " + ", ".join(firsts) + ".\n"


def _checks(generated, packet):
    return {c.id: c for d in result(generated, {"packet": packet}).dimensions for c in d.checks}


@pytest.mark.parametrize(
    ("check_id", "change", "passes", "why"), CASES, ids=[f"{c[0]}-{c[3][:34]}" for c in CASES]
)
def test_each_escalation_check_reads_meaning(pool, strong, check_id, change, passes, why):
    change = {"NOISE": _noise, "NOISE_SET_ASIDE": _noise_set_aside}.get(change, change)
    check = _checks(pool, change(strong, pool))[check_id]
    assert check.passed is passes, (why, check.explanation, check.quote)


def test_every_escalation_check_has_a_paraphrase_and_a_false_positive_case(pool, strong):
    for check_id in _checks(pool, strong):
        assert {c[2] for c in CASES if c[0] == check_id} == {True, False}, check_id


def test_a_clear_packet_to_the_wrong_team_at_the_wrong_urgency_communicates_2_at_most(pool, strong):
    wrong_team = _section("Ask:", "Ask: Engineering, please look at the orders-service code when you can.")
    one_off = _section("Severity:", "Severity: SEV2 - most tenants' order calls fail.")
    both = wrong_team(one_off(strong, pool), pool)
    communication = {d.dimension: d for d in result(pool, {"packet": both}).dimensions}["communication"]
    assert communication.score <= 2 and "at most 2" in communication.label
    one_wrong = {d.dimension: d for d in result(pool, {"packet": wrong_team(strong, pool)}).dimensions}
    assert one_wrong["communication"].score >= 3
