"""Scenario generation: (kind, archetype, seed, difficulty, generator version) in, payload and answer key out.

Same inputs, same bytes: generators draw only from their own seeded random.Random and Faker
instances and never read the clock, so a scenario can be regenerated exactly, in any process,
on any day.
"""

import importlib
from dataclasses import dataclass
from functools import cached_property

from scenarios.canonical import bundle_of, canonical_bundle, canonical_json, content_hash, iter_canonical
from scenarios.catalog import UnknownArchetype, get_archetype
from scenarios.kinds import KIND_LIST

from .world import DIFFICULTIES, KINDS, build_world

__all__ = [
    "validate_inputs",
    "DIFFICULTIES",
    "KINDS",
    "GENERATOR_VERSIONS",
    "GenerationError",
    "GeneratedScenario",
    "generate",
]

# Bump a kind's version whenever its output for the same inputs changes.
GENERATOR_VERSIONS = {kind: 1 for kind in KINDS} | {
    # 2: a ticket's missing facts leave out what the ticket already states; 3: follow-up steps
    # (verify, watch, tell) come after the mitigations among the next steps; 4: the paging question
    # no longer expects the request its ticket quotes; 5: the key lists the facts a ticket states;
    # 6: tickets' relative times fit the timeline ("yesterday" is not a change minutes old); 7: tickets
    # arrive at any second, not all on the second of the onset.
    # 8: a neighbour's outage happens in the queue's own hour; a vague ticket's subject is vague;
    # a ticket arrives no earlier than its relative times allow.
    # 9: severity by what the ticket shows on the queue's scale (questions SEV4); a vague ticket's key
    # asks for the missing facts, routes to L2 and names only the area its words point at; next steps
    # name no version, change, id or host the ticket does not show.
    # 10: a clear ticket's key grades the component its words show (not a database or flag behind a
    # 503), gives a route reason the ticket supports, and its root cause names no version, migration,
    # pod, host or id the ticket does not show.
    # 11: next steps act only on what the ticket shows (an unseen deploy, flag, node or import becomes a
    # check); an enterprise customer who says they are fully blocked is SEV1; a kafka import's size is drawn.
    # 12: catalog wording shared with other kinds (an order sync that fails mid-day, reasons that rest on
    # nothing the scenario does not show).
    # 13: a fact the ticket does not show is named without leaving its name next to the noun it fills
    # ("Node the affected node", "by tenant the customer's tenant", "(the tenant timezone)").
    # 14: severity by the scale every kind states, its reason naming the clause it rests on (an enterprise
    # customer is SEV1 only when their ticket says they are fully blocked); a name ending in s takes a bare
    # apostrophe; root causes name only what their scenario can show (no date_trunc, no 400 for a 4xx); a
    # report customer lives in the tenant's time zone and says which orders move which way for it,
    # pasting only days that have ended; today's usage fits the hours since the onset; a subject is about
    # what its body is about (no invitations over password resets); "this morning" only of a morning.
    # 14 (log lines, made alongside the 14 above): catalog wording shared with log investigations: figures and
    # ids drawn per seed, not stamped; pods, nodes and addresses drawn per seed.
    # 15: both changes numbered 14 above, together.
    # 16: a ticket's root cause is the one its words point at (a clear ticket's likely cause, none named for a
    # vague one), never the logs' mechanism, service or figures; "sometimes shows an error" is partial impact,
    # not a core feature badly degraded; a step stating how long events are kept becomes a check; a
    # certificate the ticket says was renewed is not a missing fact.
    # 17: the failure begins in the reporting customer's working day (07:00-15:59 their time), so what they write falls in it; a contact is not named after their company; a neighbour's outage is reported by a customer for whom the queue's hour is a working one;
    # catalog ids, versions and change numbers drawn per seed (a missing order, a failing request, charge
    # references, a settings version and its predecessor); a host named after the tenant is named as a whole
    # in a next step ("the tenant's hostname on our edge", not "the customer's the customer's endpoint").
    # 18: a severity reason says what the ticket shows in its own words, never the scale's clause twice;
    # missing facts ask nothing the ticket or its customer shows (which export, the program, the role
    # name, the plan) and questions list what they state; a step turning off retries the ticket never
    # shows becomes a check.
    # 18, another change of the same version number: side tickets in one of several customers' wordings; a SAML ticket's reference drawn per seed; more
    # vague wordings of a double charge; figures of a world's metrics drawn per seed. Every kind at its version
    # of this change: surnames spelled O'Brien and McCarthy, company domains of whole words of the name.
    # 19: both changes numbered 18 above, together.
    # 20: a side ticket's facts follow the wording drawn (no "shipped", "order.updated", "90-day" or
    # "Google Sheets" another customer's wording states); keys name no internal service, quoted role,
    # import, partition, cache, billing run or query plan the ticket does not show (a check instead); a
    # paging ticket resumes from a saved cursor, so starting again from the first page is no workaround it
    # says failed; a SAML ticket's stated count and retries are not asked again.
    # 21: a severity reason quotes what the ticket says fails and weighs the way round it shows: retries that
    # often work are partial (the failure stays Major, the reason says so), a way round the customer takes
    # themselves (the app's own URL, a read by id, moving to /v2) is "or a workaround exists", and a
    # ticket stating no impact is graded partial until the customer says more.
    # 22: a vague ticket goes to L1, which asks for the missing facts and then routes it on with them.
    # 23: catalog changes made with the incident and postmortem round: the pool exhaustion after a deploy
    # (about a fifth of order calls failing) is a core feature badly degraded (SEV2) for many customers,
    # not production down; the leaked key's red herring is a WAF probe, not a login in the leaked tenant.
    # 24: catalog change shared by every kind: a flag rollout fails its cohort within a minute of the
    # change, one tenant's slow orders raise the error rate to ~1.9%, and no unsafe step names a migration
    # nothing shows.
    # 25: a customer works in an IANA zone of their e-mail domain's country (a report customer's domain fits the tenant's zone) and states its offset of the day (daylight saving time included); catalog wording shared with other kinds: a custom-role export regression is a core feature broken (Major for many customers on the scale's new clause), the autovacuum lines come from the database (orders-db), a consumer-lag topic carries orders, and the Orders API's update claims no unshown mitigation.
    # 26: a vague ticket asks only generic facts (when, who, an example), none naming a mechanism its words
    # do not hint at; a v1 sunset ticket credits the request, response and start it states; no step rests
    # on a retried timeout, a billing run or a certificate the ticket does not show, nor points a CNAME at
    # a placeholder; a workaround weighed by the shared helper, and a Major reason weighs partial retries.
    # Tickets as written (see log_investigation 22); a vague ticket comes in by phone only when it reads as
    # an agent's note, not as a message with a greeting, a signature or "call me"; no question is worded the
    # same for two kinds of ticket (a double charge asks for "the number of the invoice charged twice").
    # 27: a right step names its action without the diagnosis behind it (a drain, a revert).
    # 28: catalog change shared by every kind: the clock-skew node is the one replacement node of
    # its pool, booted from the new image with its hardware clock behind and no time sync (no pool roll, no
    # drift); the webhook ticket's attempt and next wait fit a backoff doubling from a minute.
    "triage_queue": 28,
    # 2: severity by the failure's scope (one tenant: that customer's tier); 3: follow-up steps are
    # offered as first mitigations but are not correct ones; 4: the many-tenant notice names a problem,
    # not errors (a wrong report or a double charge is not an error rate); 5: route and
    # communication options in an order drawn per variant; tickets' relative times fit the timeline.
    # 6: vague subjects, tickets' arrival fits their words, a leak's pods fill for half an hour first.
    # 7: the first alert's value exceeds its threshold, or a failure that pages nobody opens with the
    # customer's escalation; one-tenant severities follow the triage scale.
    # 8: a failure of one tenant is answered to that customer, not with a status page post.
    # 9: a backlog's alert, log and dashboard figures are the story's own at their moment, growing from
    # the import; a metric figure keeps a space before its unit; "hours late" only for an hours-old backlog.
    # 10: a kafka import queues a drawn number of records, at least the backlog it causes.
    # 11: catalog wording shared with other kinds; the first mitigation offers mitigations only.
    # 12: the severity decision states the scale, and the key grades by it: a failure of many tenants by
    # what it does to them, whoever reports it; one tenant's as it is for that customer; the reason names
    # the clause. Every line the failure logs is an inject (not only the first), an expiry, outage or
    # burst of traffic is a log line rather than a change-log entry, and the root cause names only what
    # the drill shows; settings are "not applied", not "ignored for hours" minutes after a change.
    # 12 (log lines, made alongside the 12 above): catalog wording shared with log investigations: figures and
    # ids drawn per seed, not stamped; pods, nodes and addresses drawn per seed.
    # 13: both changes numbered 12 above, together.
    # 14: when the logs alone do not show what the key's cause names (a cache with no size bound, a topic
    # keyed by tenant), an engineer says in the channel what the change or the topology shows.
    # 15: injects, chat messages, decisions and their windows at moments drawn per drill, in an incident's
    # order (whom it hits before the severity, the failure's first line before whom to engage, every line,
    # change and finding before the first mitigation); the customer's scope message comes before the
    # severity is asked; the failure begins in the reporting customer's working day (07:00-15:59 their time), so what they write falls in it; a contact is not named after their company; catalog ids and change numbers drawn per seed.
    # 16: the severity reason keeps only what the drill shows (no unseen workaround, obligation or
    # customers; no way round under the "no workaround" clause); customer success counts the customers
    # who reported it; the support lead asks for the next update rather than calling it overdue; the
    # opening alert says its error rate is over all requests, apart from the share the title states; a
    # backlog's title says whom it delays ("some tenants"), not the diagnosis ("tenants on one partition").
    # 16, another change of the same version number: alert and metric figures drawn per seed around the catalog's (what pages still pages); a consumer's
    # pod and throughput drawn per seed.
    # 17: both changes numbered 16 above, together.
    # 18: the title states what fails for whom, never the cause; an error-rate alert pages at 1, 2 or 5%
    # (drawn per seed), not 15%; the drill opens once the alert's window has passed since the first
    # failures (a customer's escalation later still); every log line says when it was logged, the
    # failure's from the onset on; a queued-e-mail backlog is one growing series in the alert, the log
    # lines and the dashboard.
    # 19: whom to engage is asked once every line and change is in, and accepts Engineering beside SRE for
    # a defect in a release of our own code; a failure of about a fifth of calls is SEV2 (not production
    # down for many), and a key graded "no workaround" where a retry often works says the only way round
    # is partial (customers say so in the channel); SEV1 is accepted beside SEV2 when an enterprise
    # customer's own report says they are fully blocked; a red herring a security reviewer can dismiss.
    # 20: catalog change shared by every kind: a flag rollout fails its cohort within a minute of the
    # change, one tenant's slow orders raise the error rate to ~1.9%, and no unsafe step names a migration
    # nothing shows.
    # 21: a customer works in an IANA zone of their e-mail domain's country (a report customer's domain fits the tenant's zone) and states its offset of the day (daylight saving time included); catalog wording shared with other kinds: a custom-role export regression is a core feature broken (Major for many customers on the scale's new clause), the autovacuum lines come from the database (orders-db), a consumer-lag topic carries orders, and the Orders API's update claims no unshown mitigation.
    # 22: the communication options are updates a responder could send (a post over-promising recovery,
    # replies to the enterprise reporters only), never silence or one reply beside many reporters; mitigations
    # name actions without a diagnosis or scare quotes; the gateway has no healthy upstream only with no
    # endpoint ready; memory is the container's working set against its limit.
    # 23: catalog change shared by every kind: the clock-skew node is the one replacement node of
    # its pool, booted from the new image with its hardware clock behind and no time sync (no pool roll, no
    # drift); the webhook ticket's attempt and next wait fit a backoff doubling from a minute.
    # 24: the update promising a fix and a recovery within 15 minutes is an unsafe communication option.
    "incident": 24,
    # 2: the key's mitigations list follow-up steps apart; 3: consistent with itself (a message names
    # its line's tenant; traces, samples and lines agree on operation, status and latency; children
    # inside parents; percentages within 0-100; the key names only messages and herrings the logs show);
    # 4: many tenants with skewed traffic, a failure's cohort, ids and numbers that vary from line to
    # line, unrelated warnings all through the window, other deploys, deploy notes that name the
    # change only at easy, at least three traces and three HTTP samples, failing and healthy.
    # 5: stories that hold over time (pool stats add up during saturation, timeouts take the timeout,
    # a restart counter counts, only the bad node's pod fails, lag grows from the import); one-off
    # deploys logged once; lines about no tenant carry none; the dashboard marks every change.
    # 6: one-tenant severities follow the triage scale; vague tickets name their area and impact.
    # 7: the onset sits at a drawn point of the window (a quarter to two thirds in), not at +45:00.
    # 8: the dashboard's max partition lag is the logged partition's figure, minute by minute.
    # 9: every service a trace's spans name logs a line of that request (trace and request id, tenant,
    # inside its span), for failing traces and a healthy one on the same path; a 4xx propagates to callers;
    # an enterprise customer who says they are fully blocked is SEV1; a kafka import's size is drawn.
    # 10: catalog wording shared with other kinds.
    # 11: an HTTP sample carries the agent of the tenant whose request it is (the customer's own
    # integration only on the customer's requests); the ticket arrives a drawn 6-35 minutes after the onset.
    # 12 (answer keys): severity by the scale every kind states (a delay SEV3, a core feature badly
    # degraded SEV2 for any tier, a failure of many tenants no less than its incident); red herrings'
    # figures drawn per line, not stamped; the webhook trigger names the endpoint's host; root causes
    # name only what is shown; the ticket of a report in another time zone and of a leaked key's usage
    # as the incident kinds have it.
    # 12-14 (log lines, made alongside the 12 above): 12: traces follow who calls whom (siblings, queued
    # work as consumer spans after their producer); a parent lasts its calls plus a few ms of its own,
    # healthy spans take healthy times, a failed request calls nothing after the failure; a line's
    # latency is its span's; samples are tenants' requests.
    # 13: system work (vacuum, rebalance, GC, replication, key rotation ...) carries no tenant; a line naming
    # another tenant's object carries that tenant on every line; measured durations vary from line to line;
    # ids and figures of herrings and signals are drawn per line and per seed, pods and nodes per seed.
    # 14: a figure the dashboard plots and a line states is one figure (a retry queue, an e-mail queue,
    # a pool's use, a request rate, a provider's p95, the fullest pod's heap); backlogs only grow while
    # the failure lasts; a leaked key's rate follows the customer's usage figure and its records are the
    # last the logs state; HTTP samples carry the attacker's agent on the attacker's requests, real
    # bodies and the network's time; a page, a login or a SAML post comes from a browser with a cookie.
    # 15: both lines together (the answer-key 12 and the log-line 12-14); a leaked key's "today" is the
    # customer's local day, as their usage figure counts it.
    # 16: lines arrive at random moments (exponential gaps), not one per even slot; a service runs as many
    # pods as its deploy note states, and a deploy or a rescheduled pod moves its lines onto new pod names;
    # a partition's lag and its oldest message's age follow one queue (age = lag / inflow, the lag never
    # repeats) and wander before the import; the dashboard's latency is that of the requests its service
    # logs; red herrings begin after the first minutes of the export and, when about another tenant, never
    # carry the customer's; each key evidence reason says what its line shows; healthy traffic shows the
    # built-in Report Exporter role and the daily rollup that workarounds name.
    # 17: both lines together (16 above and: the failure begins in the reporting customer's working day (07:00-15:59 their time), so what they write falls in it; a contact is not named after their company; catalog ids and change numbers drawn per seed).
    # 18: the brief gives the customer's tenant, which the key's "the customer's tenant" rests on; the key
    # cites as failures only lines that show one (no freshness within its SLO, no lag at the other
    # partitions' level); what a failing request's other services log of its failure is signal too, and
    # signal_line_count counts every line carrying a signal message (the trigger's among them); other
    # tenants' bulk imports show the bulk topic a mitigation names; a certificate reminder states one expiry
    # (drawn per seed) however often it is logged; a healthy SAML post redirects (302).
    # 18, another change of the same version number: a periodic job (a daily report, a certificate renewal, a key rotation) logs at its period, once in the
    # window when daily; dashboard baselines and peaks drawn per seed; a retry storm's rejected share follows
    # its rate and limit.
    # 19: both changes numbered 18 above, together.
    # 20: a paging ticket resumes from the cursor its sync saved (as the root cause has it); mitigations
    # name no cohort, and wait for a fix rather than a query plan.
    # 20 (made alongside the 20 above): a line of the platform's own work (a health probe, a periodic job, GC, a deploy, a pod killed)
    # carries no trace, span or request id; a request of no tenant (no credentials, a WAF block, a key-set
    # fetch) carries its ids and no tenant. A call that failed fails the span that waited for it, unless a
    # retry of it went through or the work was queued (a cache invalidation and a report's consistency
    # check run after their request answered). A 429's or 503's sample carries one Retry-After (its line's,
    # else the ticket's pasted one, else the scenario's) and the API's error body the ticket pastes.
    # 21: both changes numbered 20 above, together.
    # 22: catalog changes made with the incident and postmortem round: the pool exhaustion after a deploy
    # (about a fifth of order calls failing) is a core feature badly degraded (SEV2) for many customers,
    # not production down; the leaked key's red herring is a WAF probe, not a login in the leaked tenant.
    # 23: the dashboard's percentiles are those of a traffic in which only the share the failure adds to
    # the error rate fails (a few fast failures leave the median, one tenant's timeouts reach p99 only),
    # p50 < p95 < p99; no unrelated deploy or config change in the ten minutes before the onset; a flag is
    # evaluated in process, no flags-service call per request; a slow query line shows its plan and row
    # estimate; catalog change shared by every kind: a flag rollout fails its cohort within a minute of
    # the change, one tenant's slow orders raise the error rate to ~1.9%, and no unsafe step names a
    # migration nothing shows.
    # 24: a customer works in an IANA zone of their e-mail domain's country (a report customer's domain fits the tenant's zone) and states its offset of the day (daylight saving time included); catalog wording shared with other kinds: a custom-role export regression is a core feature broken (Major for many customers on the scale's new clause), the autovacuum lines come from the database (orders-db), a consumer-lag topic carries orders, and the Orders API's update claims no unshown mitigation.
    # 25: the customer's ticket as written: a v1 Sunset header gives the announced date (midnight UTC, an
    # HTTP-date), a double charge is "at 15:50 (UTC+10:00) today" and pasted from pending card transactions,
    # and a pattern of bursts and half-hour lulls is reported at least 75 minutes after it began.
    # 26: mitigations in the key name actions without a diagnosis or scare quotes; the gateway has no
    # healthy upstream only with no endpoint ready.
    # 27: catalog change shared by every kind: the clock-skew node is the one replacement node of
    # its pool, booted from the new image with its hardware clock behind and no time sync (no pool roll, no
    # drift); the webhook ticket's attempt and next wait fit a backoff doubling from a minute. The webhook
    # endpoint line states its oldest event's attempt under that schedule, not a count of failures. A
    # failing sample on the method and path the ticket pastes carries its query (another tenant's with
    # its own cursor); a sample's latency is its trace root's and that span's line's, no network extra.
    "log_investigation": 27,
    # 2: the customer's relative times fit the timeline; 3: world facts (tenant ids, leak timing);
    # 4: each archetype words its own thread; every fact of the key is in it; customers never recite
    # the workaround; the secret is one the customer could have sent; impact fits the root cause.
    # 5: the customer pastes the secret (a call, a config, a login); L1 reproduces with a test tenant,
    # never with it; the key names no host, node pool, migration or command the thread does not.
    # 6: a backlog L1 quotes is the one at the moment L1 looked, drawn per seed, and the key's actual says so.
    # 7: L1's notes state what the workaround, severity and ask rest on (an expired secret, a role, a
    # retention, a runbook); a failure that is no API call is checked, not reproduced with GET /v2/orders;
    # a forward does not complain of no reply after a quarter of an hour; the SCIM question is noise.
    # 8: L1's repro note is worded per seed and mentions the pasted secret only sometimes, in its own
    # words: noticing it is the candidate's part.
    # 9: the brief states the severity scale; a failure of many tenants is as severe as its incident,
    # whoever reports it, and the reason names the clause of the scale; L1 notes state what the key's
    # repro and workaround rest on (an open circuit breaker, a key with no IP allowlist); impact counts drawn
    # per seed from what the failure can have touched by then (no stamped 9,600); restarts and today's
    # usage fit the hours since the onset; a report's repro time is on the wrong side of the UTC day; the
    # first message's subject is about what it says.
    # 9 (log lines, made alongside the 9 above): catalog wording shared with log investigations: figures and
    # ids drawn per seed, not stamped; pods, nodes and addresses drawn per seed.
    # 10: both changes numbered 9 above, together.
    # 11: the key's onset and the times of its facts are those the thread gives (the customer's local time
    # in UTC, or a time a message states), not a second only our logs know; L1 states the timeout and retry
    # a repro rests on; the customer asks for an answer by a time their own clock allows.
    # 12: the failure begins in the reporting customer's working day (07:00-15:59 their time), so what they write falls in it; a contact is not named after their company; messages at minutes drawn per seed in thread order; the customer's last message ends with a
    # question and urgency drawn per seed from lines fitting the failure's impact, severity and their clock;
    # L1 notes say what L1 saw and did, never that the thread holds a secret nor the mechanism behind it;
    # the account note names a working day ahead, drawn; catalog ids and change numbers drawn per seed.
    # 13: the severity reason keeps only what the thread shows; L1 says how many other customers reported
    # a failure of many tenants; L1's first note claims nothing a later one contradicts; a failure that is no
    # API call pastes the key in the integration's config, not in a call to an endpoint it never touches;
    # the root cause names no migration, tenant, import or moment the thread never gives.
    # 13, another change of the same version number: a retry storm's rate and rejected share drawn per seed from its metric and limit; more client agents.
    # 14: both changes numbered 13 above, together.
    # 15: a paging ticket resumes from the cursor its sync saved, as the root cause has it.
    # 15 (made alongside the 15 above): the severity weighs the workaround (catalog `workaround_kind`): a full one the customer applies
    # makes a Major failure Minor ("or a workaround exists"); a partial one leaves it Major and the reason
    # says why in plain words ("The only workaround, ..., works part of the time"). On hard, L1's repro note
    # reports the symptom and the log lines that show the cause (an expiry, a node, a record's target) are
    # attached to the thread, no noise.
    # 16: both changes numbered 15 above, together.
    # 17: catalog changes made with the incident and postmortem round: the pool exhaustion after a deploy
    # (about a fifth of order calls failing) is a core feature badly degraded (SEV2) for many customers,
    # not production down; the leaked key's red herring is a WAF probe, not a login in the leaked tenant.
    # 18: catalog change shared by every kind: a flag rollout fails its cohort within a minute of the
    # change, one tenant's slow orders raise the error rate to ~1.9%, and no unsafe step names a migration
    # nothing shows.
    # 19: a customer works in an IANA zone of their e-mail domain's country (a report customer's domain fits the tenant's zone) and states its offset of the day (daylight saving time included).
    # 19, another change of the same number: a core feature broken for many customers stays Major on the scale's new clause even with a
    # workaround; a reason claims "all tenants" or "no data loss" only when the thread says so; the key
    # states no delivery target the thread does not; a custom-role regression's cause and ask fit the role
    # editor the customer sees ticked; each request its own trace; a colleague's forward (a real forward,
    # named) asks for nothing, so it is noise; L1's notes, the count of other customers, the pasted login
    # and its password in several wordings and shapes; no SCIM question while data is at risk.
    # 19, a third change of the same number: an e-mail outage's customer counts the e-mails missing (invitations, resets, notifications), no
    # fewer than the invitations they sent; a leaked key's affected people are those whose data it can
    # read, L1 looks the key up rather than reproducing someone else's calls, and the customer's
    # follow-up speaks of no repository; counts of people written with thousands separators; an admin
    # quotes end users' password-reset request ids from their audit log.
    # 20: the customer's ticket as written: a v1 Sunset header gives the announced date (midnight UTC, an
    # HTTP-date), a double charge is "at 15:50 (UTC+10:00) today" and pasted from pending card transactions,
    # and a pattern of bursts and half-hour lulls is reported at least 75 minutes after it began.
    # 21: catalog change shared by every kind: the clock-skew node is the one replacement node of
    # its pool, booted from the new image with its hardware clock behind and no time sync (no pool roll, no
    # drift); the webhook ticket's attempt and next wait fit a backoff doubling from a minute.
    "escalation_writeup": 21,
    # 2: "Mitigated:" names a mitigation, never a follow-up step; 3: world facts; 4: one-tenant
    # severities follow the triage scale.
    # 5: the peak and quoted lines are the story's own figures when the mitigation began, with units.
    # 6: detection drawn per seed from what could notice a failure of its scale; a fall reads "fell to".
    # 7: catalog wording shared with other kinds.
    # 8: the incident's severity by the scale every kind states; a name ending in s takes a bare apostrophe;
    # what the team established (a diff, a config, what the customer confirmed) is evidence, and the key's
    # cause chain names no mechanism or figure the evidence and timeline do not show (its lag is the one
    # at the mitigation).
    # 8 (log lines, made alongside the 8 above): catalog wording shared with log investigations: figures and
    # ids drawn per seed, not stamped; pods, nodes and addresses drawn per seed.
    # 9: both changes numbered 8 above, together.
    # 10: the evidence states what the contributing factors rest on (a reconciliation that runs once after
    # the billing run, a latency alert on the platform-wide p95), and customers affected by a double-charging
    # run are the invoices its reconciliation found, one each.
    # 11: moments fall on their own seconds; detection comes when its detector can notice (an alert within
    # minutes, a ticket later); contributing factors in an order drawn per seed, with how long the failure
    # went unnoticed and waited for its team when the timeline shows it; the customers counted are stated in
    # the evidence.
    # 12: both lines together (11 above and: the failure begins in the reporting customer's working day (07:00-15:59 their time), so what they write falls in it; a contact is not named after their company; catalog ids and change numbers drawn per seed).
    # 13: the timeline tells what the team did ("Mitigated: the team asked Engineering to pause ..."), not
    # what to do; customers counted as affected went through what the failure did to them (a stale
    # setting, a shifted report), not always "a failed or delayed request".
    # 13, another change of the same version number: the closing line and the impact count in one of several wordings; metric figures drawn per seed.
    # 14: both changes numbered 13 above, together.
    # 15: no postmortem of a customer's own setup; the title states what failed for whom, its date and
    # severity, never the cause; an alert detects no sooner than its window; an error-rate alert pages at
    # 1-5%; a queued-e-mail backlog is one series (its log line and its peak agree) and drains at
    # resolution; what the review found of tests, canaries and alerts is evidence the contributing
    # factors rest on.
    # 16: the timeline in the terms of the failure's nature (availability, delay, correctness, security):
    # its first entry, the impact count's words and the closing line; a workaround is followed by the fix,
    # and the affected count runs until it; an anomaly is logged minutes after the first use, not in the
    # same second; no alert detects what the review says paged nobody; a leaked key's evidence states the
    # records read and its key asks for the notification assessment; the SEV2 of a pool exhaustion.
    # 17: catalog change shared by every kind: a flag rollout fails its cohort within a minute of the
    # change, one tenant's slow orders raise the error rate to ~1.9%, and no unsafe step names a migration
    # nothing shows.
    # 18: a customer works in an IANA zone of their e-mail domain's country (a report customer's domain fits the tenant's zone) and states its offset of the day (daylight saving time included); catalog wording shared with other kinds: a custom-role export regression is a core feature broken (Major for many customers on the scale's new clause), the autovacuum lines come from the database (orders-db), a consumer-lag topic carries orders, and the Orders API's update claims no unshown mitigation.
    # 19: a cause left disabled (chronyd in a base image) is enabled again among the corrective actions;
    # a mitigation names its action without the diagnosis; a symptom gives no mechanism away; the
    # summary and root cause are told in the past, the summary apart from the title; a leaked key's
    # paging states the pages and records it was served, which the review's count of records matches.
    # 20: catalog change shared by every kind: the clock-skew node is the one replacement node of
    # its pool, booted from the new image with its hardware clock behind and no time sync (no pool roll, no
    # drift); the webhook ticket's attempt and next wait fit a backoff doubling from a minute.
    "postmortem": 20,
    # 2: world facts (tenant ids, leak timing); 3: the brief calls the cause unknown only when it is;
    # a one-tenant failure is told to that customer, with one report; the alert exceeds its
    # threshold; guidance is what a customer can do.
    # 4: the alert and first report state a backlog as it stood at their moment.
    # 5: while the cause is unknown it heads the unknowns and nothing speaks of a fix; the channel's suspect
    # is
    # one of the archetype's own red herrings, drawn per seed.
    # 6: catalog wording shared with other kinds; customers' reports name no internal detail.
    # 7: the incident's severity by the scale every kind states; a name ending in s takes a bare apostrophe;
    # a suspect's figures are drawn per seed; what is known states no duration the timeline has not run.
    # 7 (log lines, made alongside the 7 above): catalog wording shared with log investigations: figures and
    # ids drawn per seed, not stamped; pods, nodes and addresses drawn per seed.
    # 8: both changes numbered 7 above, together.
    # 9: the channel confirms what customers can do meanwhile, so the guidance the key expects is one the
    # writer was told; a cause the brief calls known is the one the material states.
    # 10: the failure begins in the reporting customer's working day (07:00-15:59 their time), so what they write falls in it; a contact is not named after their company; catalog ids and change numbers drawn per seed.
    # 11: the timeline's moments drawn per seed, each on its own second, in an incident's order (not
    # every five minutes on the onset's second); what is known gives the onset to the minute ("since
    # 03:39 UTC"), not as a log timestamp; a backlog's title says "some tenants", not which partition.
    # 11, another change of the same version number: timeline moments drawn per update on their own seconds, in an outage's order; the channel's lines in
    # one of several wordings; alert figures drawn per seed.
    # 12: both changes numbered 11 above, together.
    # 13: an error-rate alert pages at 1, 2 or 5% (drawn per seed), not 15%; a queued-e-mail alert states
    # the backlog as it stood at its moment.
    # 13 (made alongside the 13 above): each known fact and the guidance in one of several phrasings drawn per seed; the key states the
    # point each must convey in its own terms, not the sentence the writer reads; the guidance is passed on
    # as a clause in the channel's sentence (lower-case after the colon) or as a sentence of its own.
    # 14: both changes numbered 13 above, together.
    # 15: catalog changes made with the incident and postmortem round: the pool exhaustion after a deploy
    # (about a fifth of order calls failing) is a core feature badly degraded (SEV2) for many customers,
    # not production down; the leaked key's red herring is a WAF probe, not a login in the leaked tenant.
    # 16: catalog change shared by every kind: a flag rollout fails its cohort within a minute of the
    # change, one tenant's slow orders raise the error rate to ~1.9%, and no unsafe step names a migration
    # nothing shows.
    # 17: a customer works in an IANA zone of their e-mail domain's country (a report customer's domain fits the tenant's zone) and states its offset of the day (daylight saving time included).
    # 15: the brief asks for the first update (the timeline shows none sent); the report count neither
    # opens with "Support:" nor says "errors"; the Orders API's known facts claim no mitigation the
    # timeline does not show.
    # 18: catalog change shared by every kind: the clock-skew node is the one replacement node of
    # its pool, booted from the new image with its hardware clock behind and no time sync (no pool roll, no
    # drift); the webhook ticket's attempt and next wait fit a backoff doubling from a minute.
    "customer_comms": 18,
}
MAX_LOG_LINES = 1_000_000
MIN_LOG_LINES = 200
MAX_SEED = 2**63 - 1

_GENERATORS = {kind.name: importlib.import_module(kind.generator_module).generate for kind in KIND_LIST}


class GenerationError(ValueError):
    """The inputs cannot make a scenario; the message says which input and why."""


@dataclass(frozen=True)
class GeneratedScenario:
    """A generated scenario. `document` is its payload as generated: a log's lines are a compact
    `LogLines` there, which the hash, the canonical bytes (`iter_canonical_*`) and storage read a
    slice at a time. `payload` is the same payload with the lines as a list of dicts, made on first
    use: what a small scenario's callers want, too big for a million lines."""

    kind: str
    archetype: str
    seed: int
    difficulty: str
    generator_version: int
    log_lines: int | None
    document: dict
    answer_key: dict

    @cached_property
    def payload(self) -> dict:
        return {
            key: value.to_list() if hasattr(value, "to_list") else value
            for key, value in self.document.items()
        }

    @property
    def title(self) -> str:
        return self.document["title"]

    @cached_property
    def content_hash(self) -> str:
        return content_hash(payload=self.document, answer_key=self.answer_key)

    def canonical_payload(self) -> bytes:
        return canonical_json(self.document)

    def canonical_bundle(self) -> bytes:
        return canonical_bundle(payload=self.document, answer_key=self.answer_key)

    def iter_canonical_payload(self):
        """canonical_payload()'s bytes in pieces."""
        return iter_canonical(self.document)

    def iter_canonical_bundle(self):
        """canonical_bundle()'s bytes in pieces."""
        return iter_canonical(bundle_of(payload=self.document, answer_key=self.answer_key))


def validate_inputs(
    kind: str,
    archetype: str,
    seed: int,
    difficulty: str,
    *,
    generator_version: int | None = None,
    log_lines: int | None = None,
) -> int:
    """Refuse inputs that cannot make a scenario, naming the input; return the generator version used."""
    if kind not in KINDS:
        raise GenerationError(f"unknown kind {kind!r}; kinds are: {', '.join(KINDS)}")
    if difficulty not in DIFFICULTIES:
        raise GenerationError(
            f"unknown difficulty {difficulty!r}; difficulties are: {', '.join(DIFFICULTIES)}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise GenerationError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    current = GENERATOR_VERSIONS[kind]
    if generator_version is not None and generator_version != current:
        raise GenerationError(
            f"generator version {generator_version} of {kind} is not available; this build generates version {current}"
        )
    try:
        entry = get_archetype(archetype)
    except UnknownArchetype as error:
        raise GenerationError(str(error)) from None
    if kind not in entry["kinds"]:
        raise GenerationError(
            f"archetype {archetype!r} does not support kind {kind!r}; it supports {entry['kinds']}"
        )
    if log_lines is not None:
        if kind != "log_investigation":
            raise GenerationError("log_lines applies only to the log_investigation kind")
        if not MIN_LOG_LINES <= log_lines <= MAX_LOG_LINES:
            raise GenerationError(
                f"log_lines must be from {MIN_LOG_LINES} to {MAX_LOG_LINES}, got {log_lines}"
            )

    return current


def generate(
    kind: str,
    archetype: str,
    seed: int,
    difficulty: str,
    *,
    generator_version: int | None = None,
    log_lines: int | None = None,
) -> GeneratedScenario:
    current = validate_inputs(
        kind, archetype, seed, difficulty, generator_version=generator_version, log_lines=log_lines
    )
    world = build_world(archetype, seed)
    if kind == "log_investigation":
        payload, answer_key = _GENERATORS[kind](world, difficulty, log_lines=log_lines)
    else:
        payload, answer_key = _GENERATORS[kind](world, difficulty)
    return GeneratedScenario(
        kind=kind,
        archetype=archetype,
        seed=seed,
        difficulty=difficulty,
        generator_version=current,
        log_lines=log_lines,
        document=payload,
        answer_key=answer_key,
    )
