"""triage_queue: every check that reads text reads meaning, not a keyword. For each, a paraphrase it
must accept (the same content in other words) and a false positive it must not raise (its keyword in
a sentence that says the opposite or something else). Severity, route and order checks read the
selected values, not words; their cases are in test_triage_scorer.py."""

import copy

import pytest

from scoring.tests.helpers import result, scenario
from scoring.tests.test_triage_scorer import oauth_answers, ticket_id

TEXT_CHECKS = ("readable_triage", "component", "facts_needed", "questions_asked", "questions_focused",
               "next_steps", "questions_plain", "no_secrets_requested")  # fmt: skip


@pytest.fixture(scope="module")
def oauth():
    return scenario("triage_queue", "oauth_client_secret_expired", difficulty="medium")


@pytest.fixture(scope="module")
def strong(oauth):
    return oauth_answers(oauth)["strong"]


def _ticket(field: str, value: str):
    """Change one field of the expired-secret ticket."""

    def change(answer, generated):
        answer["tickets"][ticket_id(generated, "401 errors")][field] = value
        return answer

    return change


def _all(field: str, value: str):
    def change(answer, generated):
        for entry in answer["tickets"].values():
            entry[field] = value
        return answer

    return change


def _same(answer, generated):
    return answer


QUESTIONS_OWN_WORDS = (
    "Can you paste one failing token call and what came back, leaving out the client secret?\n"
    "When did the errors begin (00:20 your time, 14:20 UTC?), and has each run failed since then?\n"
    "Does your integration rely on ci_56cd62b9e155 as its only client id?"
)
FOCUSED_OWN_WORDS = (
    "Can you paste one failing token call and what came back, leaving out the client secret?\n"
    "When did someone last create or rotate that client secret?"
)
STEPS_OWN_WORDS = (
    "Check the auth logs to confirm token calls for ci_56cd62b9e155 are refused because its secret has lapsed. "
    "Help the customer generate a new client secret in the admin console and put it into their integration, "
    "then test one token call before running the sync again."
)

# (check prefix, change, passes, why); per-ticket checks are read on the expired-secret ticket.
CASES = [
    ("readable_triage", _same, True, "paraphrase: a complete triage"),
    ("readable_triage", _all("next_steps", "oauth, secret, token, 401, rotate, expiry, console, sync, webhook, tls, "
                                           "certificate, pagination, cursor, sandbox, plan, events, logs"),
     False, "false positive: comma-strung keywords as every next step"),
    ("component", _ticket("component", "login credentials (client secret)"), True,
     "paraphrase: the auth component in other words"),
    ("component", _ticket("component", "auth, webhooks, database, cache, billing"), False,
     "false positive: every component listed"),
    ("facts_needed", _ticket("clarifying_questions", QUESTIONS_OWN_WORDS), True, "paraphrase: questions in own words"),
    ("facts_needed", _ticket("clarifying_questions", "What is your company name? Which country are you in?"),
     False, "false positive: questions that ask for nothing the ticket lacks"),
    ("questions_asked", _ticket("clarifying_questions", QUESTIONS_OWN_WORDS), True, "paraphrase: questions in own words"),
    ("questions_asked", _ticket("clarifying_questions", "We will look into the failing token requests."), False,
     "false positive: a statement about the facts, no question"),
    ("questions_asked", _ticket("clarifying_questions", "We'd like: one failing token request with its response "
                                                        "(secret removed), and when the failures began."),
     True, "paraphrase: a request put without a question mark"),
    ("questions_asked", _ticket("clarifying_questions", "We'd like to apologise for the failing token requests."),
     False, "false positive: 'we'd like to' says what we will do, it asks for nothing"),
    ("questions_asked", _ticket("clarifying_questions", "Can you share more details?"),
     False, "false positive: a question any ticket could get asks nothing of this one"),
    ("questions_plain", _all("clarifying_questions", "Could you provide more information?"),
     False, "false positive: the same boilerplate question on every ticket"),
    ("questions_focused", _ticket("clarifying_questions", FOCUSED_OWN_WORDS), True,
     "paraphrase: the two missing facts asked for in own words"),
    ("questions_focused", _ticket("clarifying_questions",
                                  "What is your company name? Which country are you in? What is your favourite tool? "
                                  "Could you send one failing token request?"),
     False, "false positive: one pointed question among unrelated ones"),
    ("questions_focused", _ticket("clarifying_questions", "Sample request? When rotated?"), True,
     "paraphrase: clipped questions that name what each missing fact asks for in a word"),
    ("questions_focused", _ticket("clarifying_questions",
                                  "Is the failing dashboard widget on the reporting page slow for your whole team? "
                                  "Which browser?"),
     False, "false positive: a missing fact's first word inside a long question about something else"),
    ("next_steps", _ticket("next_steps", STEPS_OWN_WORDS), True, "paraphrase: next steps in own words"),
    ("next_steps", _ticket("next_steps", "Look into it and escalate."), False, "false positive: vague next steps"),
    ("next_steps", "RESTATED", False, "false positive: the ticket's own words handed back as next steps"),
    ("next_steps", _ticket("next_steps", "Rotate it in admin; then confirm and resume."), True,
     "paraphrase: a terse note touching each step in a word or two"),
    ("next_steps", _ticket("next_steps", "Rotate secret, resume sync."), True,
     "paraphrase: a note of four words, every one of them on the key's steps"),
    ("next_steps", _ticket("next_steps", "Check logs, escalate."), False,
     "false positive: a note of a few words that says nothing of this ticket's fix"),
    ("next_steps", _ticket("next_steps", "Admin console: review billing invoices, CDN cache headers, DNS records, "
                                         "webhook retries, pagination; confirm."), False,
     "false positive: a few of the steps' words among many others"),
    ("questions_plain", _ticket("clarifying_questions", QUESTIONS_OWN_WORDS), True, "paraphrase: short questions"),
    ("questions_plain", _all("clarifying_questions",
                             "Could you please tell us in as much detail as you possibly can everything about your "
                             "integration, its configuration, the libraries, versions, hosting, network, proxies, "
                             "certificates, credentials handling, deployment process and every change you made "
                             "recently, and also anything else you think might possibly be relevant to this?"),
     False, "false positive: one question that asks for everything"),
    ("no_secrets_requested", _ticket("clarifying_questions",
                                     "Can you create a second secret, give it a new name and share the secret id? "
                                     "Please do not send the secret itself."),
     True, "paraphrase: a second secret created, its id asked for, the secret refused"),
    ("no_secrets_requested", _ticket("clarifying_questions", "Could you send us the client secret so we can test?"),
     False, "false positive guard: asking for the secret itself"),
]  # fmt: skip


def _checks(generated, answer):
    return {c.id: c for d in result(generated, answer).dimensions for c in d.checks}


def _find(checks: dict, prefix: str, generated):
    if prefix in checks:
        return checks[prefix]
    return checks[f"{prefix}_{ticket_id(generated, '401 errors')}"]


def _restated(answer, generated):
    """Next steps that only hand the ticket's own words back: what it says, as a plan."""
    tid = ticket_id(generated, "401 errors")
    ticket = next(t for t in generated.payload["tickets"] if t["id"] == tid)
    answer["tickets"][tid]["next_steps"] = (
        f"Work on this: {ticket['subject']}. The customer says: {ticket['body'][:400]} We will sort that out."
    )
    return answer


@pytest.mark.parametrize(
    ("prefix", "change", "passes", "why"), CASES, ids=[f"{c[0]}-{c[3][:34]}" for c in CASES]
)
def test_each_triage_text_check_reads_meaning(oauth, strong, prefix, change, passes, why):
    change = _restated if change == "RESTATED" else change
    check = _find(_checks(oauth, change(copy.deepcopy(strong), oauth)), prefix, oauth)
    assert check.passed is passes, (why, check.explanation, check.quote)


def test_every_triage_text_check_has_a_paraphrase_and_a_false_positive_case():
    for prefix in TEXT_CHECKS:
        assert {c[2] for c in CASES if c[0] == prefix} == {True, False}, prefix


def test_a_key_step_that_asks_the_customer_is_met_by_the_triage_s_questions():
    from types import SimpleNamespace

    from scoring.scorers.triage import _next_steps_check

    def triage(questions: str):
        return SimpleNamespace(
            id="T-1", label="T-1 (Is something going on?)", gamed="", key={
                "route": "SRE", "root_cause": "",
                "next_steps": ["Ask the customer for timestamps of failed searches with timezone and the X-Request-Id "
                               "of a failed call; whether failures come in bursts or are spread out."],
            },
            ticket={"subject": "Is something going on?", "body": "Search sometimes shows an error."},
            questions_text=questions,
            steps="Collect the details above, then check this account's search errors before routing.",
        )  # fmt: skip

    asked = "When did the failed searches happen (with your timezone)? Do you have the X-Request-Id of one? Bursts?"
    assert _next_steps_check(triage(asked), 1).passed
    assert not _next_steps_check(triage("Which plan are you on?"), 1).passed
