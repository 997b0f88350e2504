"""customer_comms: every check reads meaning, not a keyword. For each check, a paraphrase it must
accept (the same content in other words) and a false positive it must not raise (its keyword in a
sentence that says the opposite or something else)."""

import pytest

from scoring.tests.helpers import result, scenario

ARCHETYPE = "db_pool_exhaustion_after_deploy"
IMPACT = "Since 09:55 UTC some Orders API requests fail with HTTP 503 errors."
KNOWN = "Retries with backoff often succeed, and our engineers are applying a mitigation."
UNKNOWN = "We do not yet know the root cause."
GUIDANCE = "In the meantime, please retry failed requests with backoff."
NEXT = "Our next update will be in 30 minutes."


@pytest.fixture(scope="module")
def generated():
    return scenario("customer_comms", ARCHETYPE)


def _update(**parts) -> str:
    base = {"impact": IMPACT, "known": KNOWN, "unknown": UNKNOWN, "guidance": GUIDANCE, "next": NEXT}
    base.update(parts)
    return " ".join(v for v in base.values() if v)


def _check(generated, text: str, check_id: str):
    return next(c for c in result(generated, {"update": text}).dimensions[0].checks if c.id == check_id)


# (check, update, passes, what it shows)
CASES = [
    # readable_update
    ("readable_update", _update(), True, "paraphrase: a plain, complete update is readable"),
    ("readable_update", "We acknowledge the impact. We state what is known and what is unknown. Next update at [time].",
     False, "false positive: the rubric restated with a placeholder is not an update"),
    ("readable_update", "Investigating update: orders API, 503 errors, checkout, integrations, 09:55 UTC.\n"
     "Known: some requests fail, retries often succeed, mitigation in progress, engineers engaged.\n"
     "Unknown: root cause, recovery time, ETA, affected regions, data impact.\n"
     "Guidance: retry, backoff, wait, status page, subscribe, support ticket.\n"
     "Next update: 30 minutes, status page, e-mail, enterprise, premium, standard, apology, empathy.",
     False, "paraphrase: labelled lines of comma-strung terms are keyword-stuffed, whatever their labels"),
    ("readable_update", "[Investigating] Orders API: some calls fail w/ 503 since 09:55 UTC.\n"
     "- Retries w/ backoff often work; engineers applying a mitigation.\n- Root cause not known yet. No ETA.\n"
     "- Meanwhile: retry failed calls w/ backoff.\n- Next update by 10:30 UTC.",
     True, "false positive: a clipped note with abbreviations and a status tag makes real statements"),
    ("readable_update", _update(known="Status: investigating, identified, monitoring and resolved.",
                                guidance="You could retry, or you could wait; both are valid approaches.",
                                next="We will update you at the next update."),
     False, "paraphrase: every status, both options and a later update with no time are filler"),
    ("readable_update", "We're excited to announce our new dashboard themes, arriving next month. You can pick colours "
     "and fonts for your team and preview them before you save. Reach out to your account manager for early access.",
     False, "false positive guard: an announcement that says nothing is wrong is not an outage update"),
    ("readable_update", _update(known="Our teams are investigating, mitigating, monitoring and resolving the situation.",
                                guidance="You may want to retry, or wait, or pause your imports, or carry on as usual.",
                                next="We will update you at the next update."),
     False, "paraphrase: every phase as an activity and a run of ', or' alternatives are filler"),
    ("readable_update", _update(guidance="Please retry failed requests, use the CSV export, or wait a few minutes."),
     True, "false positive: a list's one ', or' before its last item holds no options open"),
    ("readable_update", "Ordering is failing on and off - we're investigating. Since 09:55 UTC some of your calls "
     "to the Orders API may not go through; retrying after a pause usually succeeds. We haven't yet pinned down "
     "why. We apologise for the interruption. Our next update will be posted within 30 minutes.",
     True, "paraphrase: plain own words about the outage, in other forms of its words, are on topic"),
    ("readable_update", "Investigating / Identified / Monitoring - Orders API errors.\n" + IMPACT + " " + KNOWN
     + "\nImpact: orders API, checkout, integrations, enterprise, premium, standard, webhooks, exports."
     + " Root cause: under investigation; pool, deploy, database, rollback, retries, backoff.\n" + GUIDANCE
     + " Rollback, scale out, runbook, restart, escalation.\n" + NEXT,
     False, "paraphrase: every status over lines of strung terms is a filled template"),
    ("readable_update", "Investigating - Orders API errors.\n" + _update(), True,
     "false positive: one status before a plain update lists no statuses"),
    # acknowledges_impact
    ("acknowledges_impact", _update(impact="Since 09:55 UTC, calls to the orders API are failing with 503s for some of you."),
     True, "paraphrase: 'calls to the orders API are failing'"),
    ("acknowledges_impact", _update(impact="This is not about the Orders API or checkout integrations."),
     False, "false positive: the feature named only to say it is not affected"),
    # states_known
    ("states_known", _update(known="Trying again with a backoff usually works, and engineers are putting a mitigation in place."),
     True, "paraphrase: 'trying again with a backoff usually works'"),
    ("states_known", _update(impact="Some of you see errors on the orders page.",
                             known="Status: investigating / identified / monitoring / resolved."),
     False, "false positive: every status listed is not a known fact"),
    # states_unknown
    ("states_unknown", _update(unknown="We haven't yet pinned down what is causing this."),
     True, "paraphrase: 'we haven't yet pinned down'"),
    ("states_unknown", _update(unknown="The unknowns are still unknown."),
     False, "false positive: saying the unknowns are unknown"),
    # no_speculation
    ("no_speculation", _update(unknown="We do not yet know whether this is caused by the recent deploy."),
     True, "paraphrase: a cause named only to say it is not confirmed is not speculation"),
    ("no_speculation", _update(unknown="These errors occur because the database crashed."),
     False, "false positive guard: a cause stated as fact is speculation"),
    # no_blame
    ("no_blame", _update(known="Nobody on your side did anything wrong; we are not blaming anyone."),
     True, "paraphrase: 'we are not blaming anyone' is not blame"),
    ("no_blame", _update(known="An admin in your account removed the permission."),
     False, "false positive guard: blaming the customer's admin in other words"),
    ("no_blame", _update(known="Your administrator was deleting roles when this began."),
     False, "paraphrase: blame with the verb in another tense"),
    ("no_blame", _update(known="An administrator on your side took the permission away."),
     False, "paraphrase: blame on 'an administrator on your side'"),
    ("no_blame", _update(known="An administrator on your side can assign the built-in role meanwhile."),
     True, "false positive: the customer's administrator named as the one who can apply the workaround"),
    ("no_blame", _update(known="The fault lies entirely with our hosting provider."),
     False, "paraphrase: the fault put on another party"),
    ("no_blame", _update(known="This is not our fault."),
     False, "paraphrase: disowning the outage, said with a negation"),
    ("no_blame", _update(known="Your integration keeps sending malformed requests, which overloads the API."),
     False, "paraphrase: the customer's own system said to do it wrong"),
    ("no_blame", _update(guidance="If your integration sends requests faster than usual, please add a backoff."),
     True, "false positive: the customer's system named in a condition of the advice, not blamed"),
    ("no_blame", _update(known="The fault is on our side, and we are sorry for it."),
     True, "false positive: the fault owned, not put on anyone"),
    # no_promised_fix_time
    ("no_promised_fix_time", _update(unknown="We cannot promise a fix time yet."),
     True, "paraphrase: refusing to promise a time is not a promise"),
    ("no_promised_fix_time", _update(unknown="We're confident this will be fully sorted by end of day."),
     False, "false positive guard: a promise without the word 'fixed within'"),
    ("no_promised_fix_time", _update(unknown="Unknown: the cause; whether writes need re-sending; fix ETA."),
     True, "false positive: 'ETA' listed among the unknowns promises no time"),
    ("no_promised_fix_time", _update(unknown="ETA for the fix: 30 minutes."),
     False, "paraphrase: an ETA with a time is a promise"),
    ("no_promised_fix_time", _update(unknown="We expect the service to be back within 15 minutes."),
     False, "paraphrase: recovery promised within a span, whoever recovers"),
    ("no_promised_fix_time", _update(unknown="Everything should be back to normal shortly."),
     False, "paraphrase: 'back to normal shortly'"),
    ("no_promised_fix_time", _update(next="We'll be back within 30 minutes with the next update."),
     True, "false positive: our own report back within a span is not a fix time"),
    # next_update_time
    ("next_update_time", _update(next="We'll post again by 10:55 UTC."),
     True, "paraphrase: 'we'll post again by 10:55 UTC'"),
    ("next_update_time", _update(next="We will update you at the next update."),
     False, "false positive: a next update promised without a time"),
    ("next_update_time", _update(next="Next bulletin in 30 minutes."),
     True, "paraphrase: 'next bulletin' with its time"),
    ("next_update_time", _update(next="The next message you get will be an automated one."),
     False, "false positive: 'next message' without a time"),
    ("next_update_time", _update(next="Next update <= 10:55 UTC."),
     True, "paraphrase: a note's 'Next update <= 10:55 UTC'"),
    ("readable_update", "How to configure your settings. Open Admin > Settings and click Save. Upload your logo "
     "as a PNG of at least 400 px width and use the preview to check your e-mail templates.",
     False, "false positive: '400 px' in a how-to says nothing is wrong"),
    # actionable_guidance
    ("actionable_guidance", _update(guidance="Meanwhile, trying failed calls again after a short back-off generally works."),
     True, "paraphrase: guidance in other words"),
    ("actionable_guidance", _update(known="Engineers are applying a mitigation.",
                                    guidance="Retry or hold off, whichever suits you."),
     False, "false positive: both options offered"),
    ("no_speculation", _update(unknown="What we don't know yet: what is causing the errors."), True,
     "false positive: 'causing' in the question of what is not yet known"),
    ("no_speculation", _update(unknown="Our engineers traced the problem to a large bulk import."), False,
     "paraphrase: a cause asserted as traced"),
    # does_not_mislead (a gate: it fails on two or more ways of telling customers what is not so)
    ("does_not_mislead", _update(known="Everything else is working normally, and no data has been lost."), True,
     "false positive: what the outage leaves alone is not the outage declared over"),
    ("does_not_mislead", "Resolved - Orders API errors. Our engineers traced the problem to a bad deploy, and the API "
     "has been working normally since. Sorry for the trouble.", False,
     "paraphrase: a title declaring it over, a traced cause and recovery asserted"),
    ("does_not_mislead", _update(next="We'll post another update within 30 minutes, and when the issue is resolved.",
                                 unknown="We believe a recent change may be involved, but this is not confirmed."),
     True, "false positive: 'resolved' looked ahead to and a hedged guess are not misinformation"),
    ("does_not_mislead", _update(unknown="We cannot promise a fix time yet, and no one is to blame."),
     True, "false positive: a fix time and blame named only to refuse them"),
    ("does_not_mislead", _update(unknown="The trouble comes from your administrator deleting a role.",
                                 next="Everything is back to normal now and we won't be sending more updates."),
     False, "paraphrase: a cause asserted, blame and the outage closed, in other words"),
    ("does_not_mislead", _update(unknown="A DDoS attack on our gateway caused these errors.",
                                 next="The issue has been fully resolved; no further updates will be posted."),
     False, "paraphrase: an unconfirmed cause asserted as fact and the outage declared over"),
    ("does_not_mislead", _update(known="Not a single order has been lost.",
                                 next="Everything is back to normal now."),
     False, "paraphrase: a line the update must not say ('no orders were lost') in other words, and the outage closed"),
    ("does_not_mislead", _update(unknown="We will confirm whether any orders were lost once the issue is fully resolved."),
     True, "false positive: a must-not-say line's words in a question looked ahead to are not a claim"),
    ("does_not_mislead", _update(known="Our engineers are checking the recent deploy, and we will not speculate.",
                                 unknown="We cannot promise a fix time yet."),
     True, "false positive: most of a must-not-say line's words ('a bad deploy by one of our engineers') in a sentence that says something else"),
    ("does_not_mislead", _update(unknown="We're confident this will be fully sorted by end of day.",
                                 next="No further updates will be needed."),
     False, "paraphrase: a fix time and the outage closed with a negation ('no further updates')"),
    ("does_not_mislead", _update(unknown="We're confident this will be fully sorted by end of day.",
                                 next="We'll post here every 30 minutes; once it is resolved, no further updates will be needed."),
     True, "false positive: 'no further updates' looked ahead to is one slip's company, not a closing"),
    ("does_not_mislead", _update(known="The database crashed. Not a single order has been lost."),
     False, "paraphrase: two lines the update must not say are two ways of misleading, not one"),
    ("does_not_mislead", _update(known="The database crashed."),
     True, "false positive: one line it must not say is one slip (its own check fails), not the gate"),
    # owns_the_disruption
    ("owns_the_disruption", _update(known=KNOWN + " We know how disruptive this is for your team."),
     True, "paraphrase: owning how the disruption lands, without the word 'sorry'"),
    ("owns_the_disruption", _update(known=KNOWN + " We will not apologise for protecting your data."),
     False, "false positive: the word 'apologise' in a refusal to apologise"),
    # plain_language
    ("plain_language", _update(), True, "paraphrase: short plain sentences"),
    ("plain_language", _update(guidance="If you need help now, call our support line on +44 20 7946 0000."),
     True, "false positive: a phone number's '+' is not note shorthand"),
    ("plain_language", _update(impact="Since 09:55 UTC some orders API + web app calls fail w/ 503s (incl. checkout)."),
     False, "paraphrase: note shorthand ('+', 'w/', 'incl.') customers have to decode"),
    ("plain_language", _update(known="See trace_id 4bf92f3577b34da6a3ce929d0e0e4736 and the stack trace."),
     False, "false positive guard: internal ids and stack traces are jargon"),
]  # fmt: skip


# A scenario whose known facts state the cause (a provider is down), though its root cause holds more.
PROVIDER = (
    "Since 14:32 UTC, password reset e-mails, user invitations and e-mail notifications are delayed. "
    "Messages are queued and will be sent once sending resumes. We do not yet know when sending will resume. "
    "Admins can create a one-time login link in the admin console. Our next update will be in 30 minutes."
)


@pytest.fixture(scope="module")
def provider():
    return scenario("customer_comms", "third_party_provider_outage")


PROVIDER_CASES = [
    ("no_speculation", PROVIDER + " The cause is that our e-mail delivery provider is currently unavailable.",
     True, "paraphrase: the cause the scenario states as known, said as known"),
    ("no_speculation", PROVIDER + " The delays are caused by a failure in our database.",
     False, "false positive: a cause given that no known fact states"),
    ("does_not_mislead", PROVIDER + " The cause is that our e-mail delivery provider is unavailable. "
     "We expect sending to be back within 15 minutes.",
     True, "paraphrase: a known cause stated as fact beside one slip is not two ways of misleading"),
    ("does_not_mislead", PROVIDER + " The delays are caused by a failure in our database. "
     "We expect sending to be back within 15 minutes.",
     False, "false positive guard: an unknown cause asserted and a fix time"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("check_id", "text", "passes", "why"), PROVIDER_CASES, ids=[f"{c[0]}-{c[3][:30]}" for c in PROVIDER_CASES]
)
def test_a_cause_the_scenario_states_as_known_is_not_speculation(provider, check_id, text, passes, why):
    check = _check(provider, text, check_id)
    assert check.passed is passes, (why, check.explanation, check.quote)


@pytest.mark.parametrize(
    ("check_id", "text", "passes", "why"), CASES, ids=[f"{c[0]}-{c[3][:30]}" for c in CASES]
)
def test_each_comms_check_reads_meaning(generated, check_id, text, passes, why):
    check = _check(generated, text, check_id)
    assert check.passed is passes, (why, check.explanation, check.quote)


def test_every_comms_check_has_a_paraphrase_and_a_false_positive_case(generated):
    ids = {c.id for c in result(generated, {"update": _update()}).dimensions[0].checks}
    covered = {c[0] for c in CASES}
    assert ids <= covered
    for check_id in ids:
        assert {passes for c, _, passes, _ in CASES if c == check_id} == {True, False}, check_id


def test_an_update_without_a_time_for_the_next_one_scores_three_at_most():
    generated = scenario("customer_comms", "db_pool_exhaustion_after_deploy", difficulty="medium")
    timed = result(generated, {"update": _update()}).dimensions[0]
    untimed = result(generated, {"update": _update(next="We will share more as soon as we can.")}).dimensions[
        0
    ]
    assert timed.score >= 4
    assert untimed.score <= 3
    assert "next update" in untimed.label


def test_other_parts_working_close_nothing_while_the_failure_goes_on():
    from scoring.scorers.comms import _closes

    ongoing = "automated uploads are failing since 06:05 utc. the web app and the api are working normally."
    assert _closes(ongoing) == ""
    assert _closes("uploads failed this morning. uploads are working normally again.") != ""
    assert _closes("uploads are failing for some of you. this is our final update.") != ""


def test_a_must_not_say_line_is_said_only_with_its_act():
    from scoring.scorers.comms import _says

    said = "Remove the old key with ssh-keygen -R, or delete the stored host key in your client."
    assert _says(said, "we will restore the old host key") == ""
    assert _says("We will restore the old host key tonight.", "we will restore the old host key") != ""
