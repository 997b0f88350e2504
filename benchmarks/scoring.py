"""Benchmark: the time to auto-score one full attempt (six items) in-process, and to rescore 1,000
attempts with two Celery workers.

The target (issue): in-process median under 20 ms per attempt; 1,000 attempts rescored by two
workers in under 30 s.

Every timed attempt has answers of its own (substantive answers to the six scenarios, varied per
attempt), because the scorers cache work per text: scoring the same attempt again and again would
only measure those caches. All attempts share the six scenarios (same base seed, same-seed policy),
as the attempts of one exercise do, so what scoring derives from a scenario alone (its vocabulary,
its view payload and key as read, the scorers' reading of the key) is worked out once per process;
the cold first attempt (those caches and the scorers' emptied) is reported apart. Every run draws
the same six scenarios (a fixed organisation secret), so runs on one machine compare.

In-process figures (timed on distinct attempts, no score sets written):
  with database reads  Attempt read + `scoring_inputs` + `build_context` + `score_item` for six items
  score only           `build_context` + `score_item`, the inputs already read
  score only, CPU      the same, as CPU time of this process: what the scorers cost when the
                       machine's cores are shared and wall time includes waiting for one
  attempt_score()      the whole service, writes included (on further attempts; sets deleted after)

Worker figures: two `celery worker --concurrency=1` processes (each a prefork parent with one child)
on the same DATABASE_URL and CELERY_BROKER_URL as this process; the attempts are scored once through
them first, then `attempts_rescore` is timed until every attempt has a current-version score set
again (the database is polled every 0.2 s).
"""

import functools
import importlib
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from benchmarks.autosave import (
    bench_user,
    database_url,
    delete_fixtures,
    load_average,
    percentile,
)

TARGET_IN_PROCESS_MS = 20.0
TARGET_RESCORE_S = 30.0
KINDS = (
    "triage_queue",
    "log_investigation",
    "escalation_writeup",
    "customer_comms",
    "incident",
    "postmortem",
)
SERVICE_ATTEMPTS = 4  # made through the services, like a real participant; the rest are bulk copies
PROJECT_DIR = Path(settings.BASE_DIR)
SCORER_MODULES = (
    "scoring.text",
    "scoring.scorers.triage",
    "scoring.scorers.investigation",
    "scoring.scorers.escalation",
    "scoring.scorers.comms",
    "scoring.scorers.incident",
    "scoring.scorers.postmortem",
)


# Answers ---------------------------------------------------------------------------------------------


def _iso(value: str, seconds: float) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _pick(rng: random.Random, values: list, low: int, high: int | None = None) -> list:
    values = list(values)
    if not values:
        return []
    count = min(len(values), rng.randint(low, high if high is not None else len(values)))
    return rng.sample(values, count)


class Answers:
    """Realistic answers to the six scenarios of the exercise, different for every attempt number.

    They are built from the scenario and its answer key (a mostly right candidate with its own
    wording, omissions and a mistake here and there), so every scorer does its full work."""

    def __init__(self, scenarios: dict):
        self.scenarios = scenarios  # kind -> Scenario (payload with the logs, answer_key loaded)
        logs = scenarios["log_investigation"].payload.get("logs", [])
        self.logs_by_id = {line["id"]: line for line in logs}
        self.error_lines = [line["id"] for line in logs if line.get("level") in ("ERROR", "WARN")]

    def for_attempt(self, n: int) -> dict:
        """{kind: (answer revisions [(elapsed seconds, answer)], client events)} for attempt number n."""
        rng = random.Random(f"bench-scoring|{n}")
        return {kind: getattr(self, kind)(rng, n) for kind in KINDS}

    def _scenario(self, kind: str):
        scenario = self.scenarios[kind]
        return scenario.payload, scenario.answer_key.content

    def triage_queue(self, rng, n):
        payload, key = self._scenario("triage_queue")
        tickets, order = {}, []
        severities = ["SEV1", "SEV2", "SEV3", "SEV4"]
        for ticket in payload["tickets"]:
            expected = key["tickets"].get(ticket["id"], {})
            severity = expected.get("severity") or "SEV3"
            if rng.random() < 0.2:
                severity = severities[min(3, max(0, severities.index(severity) + rng.choice((-1, 1))))]
            route = expected.get("route") or "L2"
            if rng.random() < 0.15:
                route = rng.choice(["L1", "L2", "Engineering", "SRE"])
            facts = _pick(rng, expected.get("missing_facts") or [], 1)
            questions = " ".join(
                f"{rng.choice(['Could you send', 'Please share', 'Can you confirm'])} {fact}?"
                for fact in facts
            )
            steps = _pick(rng, expected.get("next_steps") or [], 1)
            steps_text = " ".join(steps) or (
                f"Reply to {ticket['customer']['contact']} with the documented answer about "
                f"{ticket['subject'].lower()} and close the ticket once they confirm."
            )
            if expected.get("root_cause") and rng.random() < 0.6:
                steps_text += f" Likely cause to check first: {expected['root_cause'].split(';')[0]}."
            tickets[ticket["id"]] = {
                "severity": severity,
                "component": expected.get("component") or "platform",
                "route": route,
                "clarifying_questions": questions,
                "next_steps": steps_text,
            }
            order.append((severity, rng.random(), ticket["id"]))
        answer = {
            "tickets": tickets,
            "priority_order": [ticket_id for _, _, ticket_id in sorted(order)],
            "notes": f"Worked the queue by severity and tier; {len(tickets)} tickets triaged "
            f"(shift note {1000 + n}).",
        }
        first = {"tickets": dict(list(tickets.items())[:2])}
        events = [{"kind": "ticket_viewed", "data": {"ticket_id": t["id"]}} for t in payload["tickets"]]
        return [(300.0 + rng.randint(0, 120), first), (900.0 + rng.randint(0, 300), answer)], events

    def log_investigation(self, rng, n):
        payload, key = self._scenario("log_investigation")
        evidence = [e for e in key.get("key_evidence", []) if e["line_id"] in self.logs_by_id]
        cited = [e["line_id"] for e in _pick(rng, evidence, 2, 4)]
        herrings = key.get("red_herrings") or []
        if herrings and rng.random() < 0.3:
            cited.append(rng.choice(herrings[0]["line_ids"]))
        if self.error_lines and rng.random() < 0.5:
            cited.append(rng.choice(self.error_lines))
        cited = list(dict.fromkeys(cited))
        traced = [e["trace_id"] for e in evidence if e.get("trace_id")]
        if traced and rng.random() < 0.5:
            cited.append(traced[0])
        signals = key.get("signal_messages") or [""]
        herring_text = " ".join(
            f"I also looked at '{h['message']}', but {h['why_not'][0].lower()}{h['why_not'][1:]}"
            for h in _pick(rng, herrings, 1)
        )
        safe = key.get("mitigations", {}).get("safe") or ["Roll back the change."]
        answer = {
            "root_cause": f'{key["root_cause"]} The logs show: "{rng.choice(signals)}".',
            "evidence_ids": cited,
            "onset": _iso(key["onset"], rng.choice([-40, -10, 0, 15, 30, 400])),
            "mitigation": " ".join(_pick(rng, safe, 1)),
            "hypotheses": f"{herring_text} The failing requests all share the same error, which points at "
            f"the {key.get('component', 'affected')} component. {rng.choice(signals)}",
            "notes": f"Severity {key.get('severity', 'SEV2')}, route to {key.get('route', 'L2')} "
            f"(investigation {n}).",
        }
        first_line = self.logs_by_id.get(evidence[0]["line_id"]) if evidence else None
        service = first_line["service"] if first_line else ""
        words = [w for w in signals[0].split() if len(w) > 6][:2] or ["error"]
        events = [
            {"kind": "item_opened", "data": {}},
            {"kind": "log_search", "data": {"level": "ERROR"}},
            {"kind": "log_search", "data": {"q": rng.choice(words), "service": service}},
            {"kind": "log_search", "data": {"q": words[0], "service": service, "level": "ERROR"}},
        ]
        if traced:
            events.append({"kind": "trace_opened", "data": {"trace_id": traced[0]}})
        draft = {"root_cause": "Still looking: " + rng.choice(signals), "evidence_ids": cited[:1]}
        return [(600.0 + rng.randint(0, 300), draft), (1800.0 + rng.randint(0, 600), answer)], events

    def escalation_writeup(self, rng, n):
        payload, key = self._scenario("escalation_writeup")
        facts = key["facts"]
        impact = facts.get("impact") or {}
        sections = [
            "Summary: " + key["root_cause"].split(";")[0] + ".",
            "Repro steps:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(facts.get("repro_steps", []), 1)),
            f"Expected: {facts.get('expected', '')}",
            f"Actual: {facts.get('actual', '')}",
            f"Environment: {facts.get('environment', '')} (versions {', '.join(facts.get('versions', []))})",
            "Request ids: " + ", ".join(facts.get("request_ids", [])),
            "Trace ids: " + ", ".join(facts.get("trace_ids", [])),
            f"Onset: {facts.get('onset', '')} (UTC)",
            f"Impact: {impact.get('records', 'unknown')} records, {impact.get('users', 'unknown')} users, "
            f"{impact.get('tier', '')} tier customer {payload['customer']['name']}.",
            f"Severity: {facts.get('severity', '')} because {facts.get('severity_reason', '').lower()}",
            f"Workaround: {facts.get('workaround', '')}",
            f"Ask: {facts.get('ask', '')}",
            "Note: the customer's credentials posted in the thread were redacted and the customer was asked "
            "to rotate them.",
        ]
        keep = [s for i, s in enumerate(sections) if i < 2 or rng.random() > 0.12]
        packet = "\n\n".join(keep) + f"\n\nFiled by support, escalation {2000 + n}."
        answer = {
            "packet": packet,
            "severity": facts.get("severity", "SEV2") if rng.random() > 0.15 else "SEV3",
            "route": key.get("route", "Engineering"),
        }
        return [
            (200.0 + rng.randint(0, 200), {"packet": keep[0]}),
            (1500.0 + rng.randint(0, 600), answer),
        ], []

    def customer_comms(self, rng, n):
        payload, key = self._scenario("customer_comms")
        features = ", ".join(key.get("affected_features") or ["the service"])
        minutes = key.get("next_update_within_minutes") or 60
        minutes = minutes if rng.random() > 0.15 else minutes * 2
        next_at = _iso(payload["now"], minutes * 60)
        parts = [
            f"We are aware that {features} {rng.choice(['are', 'have been'])} affected for some customers "
            f"since {payload['incident']['started_at']}.",
            "What we know: " + " ".join(_pick(rng, key.get("known") or [], 1)),
            "What we do not know yet: " + " ".join(key.get("unknown") or ["the cause"]) + " "
            "Our engineers are investigating and the cause is not yet confirmed.",
            f"In the meantime: {key.get('guidance', 'retry later')}",
            f"We will post the next update by {next_at} (in {minutes} minutes) or sooner if anything changes.",
        ]
        if rng.random() < 0.4:
            parts.insert(1, f"We are sorry for the disruption this causes to your team (ref {3000 + n}).")
        answer = {"update": "\n\n".join(parts), "next_update_at": next_at}
        return [
            (120.0 + rng.randint(0, 100), {"update": parts[0]}),
            (700.0 + rng.randint(0, 300), answer),
        ], []

    def incident(self, rng, n):
        payload, key = self._scenario("incident")
        decisions, revisions, updates = {}, [], []
        log = []
        injects = {i["id"]: i for i in payload.get("injects", [])}
        herrings = set(key.get("red_herring_inject_ids") or [])
        for point in payload.get("decision_points", []):
            expected = key["decisions"].get(point["id"], {})
            correct = expected.get("correct") or [point["options"][0]["id"]]
            options = [o["id"] for o in point["options"]]
            choice = rng.choice(correct) if rng.random() > 0.15 else rng.choice(options)
            decisions[point["id"]] = choice
            start, end = expected.get("window_seconds") or [
                point["offset_seconds"],
                point["offset_seconds"] + 600,
            ]
            at = start + rng.randint(10, max(11, (end - start) // 2)) if rng.random() > 0.1 else end + 120
            # Saves go oldest first: a late answer to one decision holds back the next one's save.
            at = max(at, int(revisions[-1][0]) if revisions else 0)
            text = next((o["text"] for o in point["options"] if o["id"] == choice), choice)
            log.append(f"{_clock(at)} {point['prompt']} -> {text}")
            if len(updates) < len(_UPDATES) and rng.random() < 0.75:
                cadence = key.get("update_cadence_minutes", 30)
                updates.append(
                    _UPDATES[len(updates)].format(
                        clock=_clock(at),
                        severity=decisions.get("D1", "not yet set"),
                        team=decisions.get("D2", "the on-call engineer"),
                        mitigation=text.lower().rstrip("."),
                        minutes=rng.choice([cadence, cadence, 15]),
                        ref=4000 + n,
                    )
                )
            revisions.append(
                (float(at), {"decisions": dict(decisions), "stakeholder_updates": list(updates)})
            )
        for inject_id, inject in injects.items():
            if rng.random() < 0.5:
                verdict = "ruled out, not related" if inject_id in herrings else "relevant"
                log.append(
                    f"{_clock(inject['offset_seconds'])} {inject['source']}: {inject['text']} ({verdict})"
                )
        final = {
            "decisions": decisions,
            "stakeholder_updates": updates,
            "log": "\n".join(log) + f"\nHanded over to the next on-call (shift {4000 + n}).",
        }
        last = (revisions[-1][0] if revisions else 600.0) + 60 + rng.randint(0, 60)
        events = [{"kind": "inject_seen", "data": {"inject_id": i}} for i in injects]
        return [*revisions, (last, final)], events

    def postmortem(self, rng, n):
        payload, key = self._scenario("postmortem")
        chain = key.get("cause_chain") or []
        actions = [
            {
                "action": a["action"][:300],
                "owner": a.get("owner", "Engineering"),
                "due": (timezone.now().date() + timedelta(days=rng.randint(7, 45))).isoformat(),
            }
            for a in _pick(rng, key.get("corrective_actions") or [], 2)
        ]
        herrings = " ".join(
            f"Evidence {h['evidence_id']} looked related but was not: {h['why_not']}"
            for h in _pick(rng, key.get("red_herrings") or [], 0)
        )
        answer = {
            "summary": f"{payload.get('title', 'The incident')}. {key['root_cause']} "
            f"Customers were affected until the mitigation; postmortem {5000 + n}.",
            "root_cause_chain": "\n".join(
                f"{i}. {step}" for i, step in enumerate(chain, 1) if rng.random() > 0.1
            ),
            "contributing_factors": "\n".join(f"- {f}" for f in key.get("contributing_factors") or []),
            "corrective_actions": actions,
            "detection": f"{key.get('detection', '')} We found out from a customer ticket before our alerts fired.",
            "prevention": (herrings + " " if herrings else "")
            + "; ".join(a["action"] for a in actions)
            + ".",
        }
        draft = {"summary": answer["summary"]}
        return [(900.0 + rng.randint(0, 300), draft), (2400.0 + rng.randint(0, 600), answer)], []


_UPDATES = (
    "{clock} Status: investigating. We see errors for some customers and have declared {severity}; "
    "impact is limited to the affected integration calls. Next update in {minutes} minutes (ref {ref}).",
    "{clock} Status: identified. {team} is engaged and we are working on it: {mitigation}. "
    "No data loss so far. Next update in {minutes} minutes.",
    "{clock} Status: mitigating. Customers are being contacted directly; we keep monitoring error rates. "
    "Next update in {minutes} minutes or when resolved.",
)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"T+{seconds // 60:02d}:{seconds % 60:02d}"


# Fixtures --------------------------------------------------------------------------------------------


SCENARIO_SECRET = "bench-scoring-fixed-scenarios"


class Fixtures:
    """An organisation with a lead, the six-kind exercise, and submitted attempts with answers."""

    def __init__(self, *, log_lines: int | None, log=None):
        from simulator import services

        self.log = log or (lambda message: None)
        suffix = secrets.token_hex(4)
        # A fixed scenario secret: every run scores the same six scenarios, so runs compare.
        self.org = services.organisation_create(
            name=f"Bench scoring {suffix}", slug=f"bench-scoring-{suffix}", seed_secret=SCENARIO_SECRET
        )
        self.user = bench_user(self.org)
        spec = {"archetypes": [], "difficulty": "medium"}
        self.exercise = services.exercise_create(
            organisation=self.org,
            slug="bench-all",
            title="Bench",
            purpose="hiring",
            time_limit_minutes=600,
            base_seed=777,
            items=[
                {
                    "kind": kind,
                    **spec,
                    **({"log_lines": log_lines} if log_lines and kind == "log_investigation" else {}),
                }
                for kind in KINDS
            ],
        )
        self.attempt_ids: list[int] = []
        self.answers: Answers | None = None

    def delete(self, stderr) -> None:
        delete_fixtures(self.org, self.user, stderr)

    def add(self, count: int) -> list[int]:
        """`count` more submitted attempts; the first few through the services, the rest in bulk."""
        made = []
        while len(self.attempt_ids) < SERVICE_ATTEMPTS and len(made) < count:
            made.append(self._through_services(len(self.attempt_ids)))
            self.attempt_ids.append(made[-1])
        if len(made) < count:
            bulk = self._in_bulk(len(self.attempt_ids), count - len(made))
            self.attempt_ids += bulk
            made += bulk
        return made

    def _through_services(self, n: int) -> int:
        from simulator import services

        started = timezone.now() - timedelta(hours=3)
        _, token = services.invitation_create(
            exercise=self.exercise,
            participant_name=f"Bench candidate {n}",
            participant_email=f"c{n}@example.com",
            created_by=self.user,
        )
        attempt, _, _ = services.attempt_start(invitation_token=token, now=started)
        items = list(attempt.items.order_by("position"))
        if self.answers is None:
            self.answers = self._answers(items)
        plan = self.answers.for_attempt(n)
        for item in items:
            revisions, events = plan[item.kind]
            if events:
                services.events_record(
                    attempt=attempt,
                    events=[{**e, "item_id": item.public_id} for e in events],
                    now=started + timedelta(seconds=revisions[0][0] - 30),
                )
            for version, (elapsed, answer) in enumerate(revisions):
                services.response_save(
                    attempt=attempt,
                    item=item,
                    base_version=version,
                    answer=answer,
                    now=started + timedelta(seconds=elapsed),
                )
        services.attempt_submit(
            attempt=attempt, submitted_by="participant", now=started + timedelta(hours=1, minutes=30)
        )
        return attempt.pk

    def _answers(self, items) -> Answers:
        from scenarios.models import Scenario

        scenarios = Scenario.objects.select_related("answer_key").in_bulk(
            [item.scenario_id for item in items]
        )
        return Answers({item.kind: scenarios[item.scenario_id] for item in items})

    @transaction.atomic
    def _in_bulk(self, first: int, count: int) -> list[int]:
        """Copies of what the services write for a submitted attempt (participant, invitation,
        attempt, items, responses, revisions, events), with answers of their own."""
        from simulator.models import (
            Attempt,
            AttemptItem,
            AttemptStatus,
            Event,
            EventKind,
            Invitation,
            Participant,
            ParticipantKind,
            Response,
            ResponseRevision,
            SubmittedBy,
            opaque_id,
        )
        from simulator.responses import validate_answer
        from simulator.services import token_hash

        template = Attempt.objects.filter(pk__in=self.attempt_ids).first()
        scenario_of = {
            item.position: (item.scenario_id, item.kind)
            for item in AttemptItem.objects.filter(attempt=template)
        }
        now = timezone.now()
        started = now - timedelta(hours=3)
        numbers = range(first, first + count)
        participants = Participant.objects.bulk_create(
            Participant(
                organisation=self.org, name=f"Bench candidate {n}", email=f"c{n}@example.com",
                kind=ParticipantKind.CANDIDATE,
            )
            for n in numbers
        )  # fmt: skip
        invitations = Invitation.objects.bulk_create(
            Invitation(
                organisation=self.org, exercise=self.exercise, participant=participant,
                token_hash=token_hash(secrets.token_urlsafe(32)), expires_at=now + timedelta(days=7),
                created_by=self.user,
            )
            for participant in participants
        )  # fmt: skip
        attempts = Attempt.objects.bulk_create(
            Attempt(
                public_id=opaque_id(), organisation=self.org, invitation=invitation, exercise=self.exercise,
                participant=invitation.participant, status=AttemptStatus.SUBMITTED,
                access_token_hash=token_hash(secrets.token_urlsafe(32)),
                time_limit_seconds=self.exercise.time_limit_minutes * 60, started_at=started,
                deadline=started + timedelta(minutes=self.exercise.time_limit_minutes),
                submitted_at=started + timedelta(hours=1, minutes=30), submitted_by=SubmittedBy.PARTICIPANT,
            )
            for invitation in invitations
        )  # fmt: skip
        items = AttemptItem.objects.bulk_create(
            AttemptItem(
                public_id=opaque_id(), attempt=attempt, position=position, scenario_id=scenario, kind=kind
            )
            for attempt in attempts
            for position, (scenario, kind) in sorted(scenario_of.items())
        )
        responses, revisions, events = [], [], []
        for index, (n, attempt) in enumerate(zip(numbers, attempts, strict=True)):
            plan = self.answers.for_attempt(n)
            for item in items[index * len(KINDS) : (index + 1) * len(KINDS)]:
                answer_revisions, client_events = plan[item.kind]
                if index < 2:
                    for _, answer in answer_revisions:
                        validate_answer(item.kind, answer)
                opened = started + timedelta(seconds=answer_revisions[0][0] - 30)
                events += [
                    Event(
                        attempt=attempt, item=item, kind=e["kind"], data=e.get("data") or {}, server_ts=opened
                    )
                    for e in client_events
                ]
                severities_set = set()
                for version, (elapsed, answer) in enumerate(answer_revisions, 1):
                    saved = started + timedelta(seconds=elapsed)
                    revisions.append(
                        ResponseRevision(item=item, version=version, answer=answer, saved_at=saved)
                    )
                    events.append(
                        Event(attempt=attempt, item=item, kind=EventKind.ANSWER_SAVED, data={"version": version}, server_ts=saved)
                    )  # fmt: skip
                    for ticket_id, ticket in sorted((answer.get("tickets") or {}).items()):
                        if ticket.get("severity") and ticket_id not in severities_set:
                            severities_set.add(ticket_id)
                            events.append(
                                Event(attempt=attempt, item=item, kind=EventKind.SEVERITY_SET, data={"ticket_id": ticket_id, "severity": ticket["severity"]}, server_ts=saved)
                            )  # fmt: skip
                responses.append(
                    Response(item=item, version=len(answer_revisions), answer=answer_revisions[-1][1])
                )
        Response.objects.bulk_create(responses, batch_size=500)
        ResponseRevision.objects.bulk_create(revisions, batch_size=500)
        Event.objects.bulk_create(events, batch_size=1000)
        return [attempt.pk for attempt in attempts]


# Measurements ----------------------------------------------------------------------------------------

FILLED_TABLES = (
    "simulator_participant",
    "simulator_invitation",
    "simulator_attempt",
    "simulator_attemptitem",
    "simulator_response",
    "simulator_responserevision",
    "simulator_event",
    "scoring_scoreset",
    "scoring_itemscore",
    "scoring_dimensionscore",
)


def analyze_tables() -> bool:
    """ANALYZE the tables the fixtures filled (PostgreSQL): a live database has planner statistics,
    while rows bulk-inserted a moment ago have none until autovacuum gets to them (if it is on).
    Without them the planner may pick a sequential scan for a per-attempt read."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in FILLED_TABLES))
    return True


def clear_scoring_caches() -> None:
    """What a fresh process starts without: the scenarios' cached work (vocabularies, contents, the
    scorers' readings of the keys) and the scorers' memoised helpers."""
    from scoring.context import clear_scenario_caches

    clear_scenario_caches()
    for name in SCORER_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()


def score_without_writes(attempt_id: int) -> tuple[float, float, float, float]:
    """(start, inputs read, scored) perf_counter stamps of what attempt_score does before it writes,
    and the CPU seconds this process spent scoring (build_context + score_item): on a machine whose
    cores are shared, the wall time waits for a core, the CPU time does not."""
    from scoring.context import build_context
    from scoring.scorers import score_item, scorer_set_version
    from scoring.selectors import scoring_inputs
    from simulator.models import Attempt

    t0 = time.perf_counter()
    scorer_set_version()
    attempt = Attempt.objects.get(pk=attempt_id)
    inputs = list(scoring_inputs(attempt=attempt))
    t1, c1 = time.perf_counter(), time.process_time()
    results = [score_item(build_context(**kwargs)) for _, kwargs in inputs]
    t2, c2 = time.perf_counter(), time.process_time()
    assert len(results) == len(KINDS), f"attempt {attempt_id} has {len(results)} items"
    return t0, t1, t2, c2 - c1


def summary_ms(values_s: list[float]) -> dict:
    ordered = sorted(values_s)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(percentile(ordered, 95) * 1000, 2),
        "min_ms": round(ordered[0] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "runs": len(ordered),
    }


def measure_in_process(attempt_ids: list[int], runs: int) -> dict:
    """Cold first attempt, then `runs` attempts read+scored, then `runs` through attempt_score()."""
    from scoring import services
    from scoring.models import ScoreSet

    clear_scoring_caches()
    t0, t1, t2, _ = score_without_writes(attempt_ids[0])
    cold = {"with_db_reads_ms": round((t2 - t0) * 1000, 2), "score_only_ms": round((t2 - t1) * 1000, 2)}

    reads, scoring, total, cpu = [], [], [], []
    for attempt_id in attempt_ids[1 : 1 + runs]:
        t0, t1, t2, spent = score_without_writes(attempt_id)
        reads.append(t1 - t0)
        scoring.append(t2 - t1)
        total.append(t2 - t0)
        cpu.append(spent)

    full, written = [], []
    for attempt_id in attempt_ids[1 + runs : 1 + 2 * runs]:
        t0 = time.perf_counter()
        written.append(services.attempt_score(attempt_id=attempt_id).pk)
        full.append(time.perf_counter() - t0)
    ScoreSet.objects.filter(pk__in=written).delete()
    return {
        "cold_first_attempt": cold,
        "with_db_reads": summary_ms(total),
        "score_only": summary_ms(scoring),
        "score_only_cpu": summary_ms(cpu),
        "db_reads_only": summary_ms(reads),
        "attempt_score_with_writes": summary_ms(full),
    }


class Workers:
    """Two `celery -A simulator worker --concurrency=1` processes on this database and broker."""

    COUNT = 2
    CONCURRENCY = 1
    DESCRIPTION = "2 worker processes x --concurrency=1 (prefork, 1 child each)"
    TAG = "bench-scoring"

    def __init__(self, *, database: str, broker: str, debug: bool):
        self.database, self.broker, self.debug = database, broker, debug
        self.tag = f"{self.TAG}-{os.getpid()}-{secrets.token_hex(2)}"
        self.names = [f"{self.tag}-{index}" for index in range(1, self.COUNT + 1)]
        self.processes: list[subprocess.Popen] = []
        self.logs: list = []

    def __enter__(self) -> "Workers":
        env = {
            **os.environ,
            "DATABASE_URL": self.database,
            "CELERY_BROKER_URL": self.broker,
            "DJANGO_SETTINGS_MODULE": "simulator.settings",
            "DJANGO_DEBUG": "true" if self.debug else "false",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
            "PYTHONUNBUFFERED": "1",
        }
        try:
            for name in self.names:
                log = tempfile.TemporaryFile()
                self.logs.append(log)
                command = [
                    sys.executable, "-m", "celery", "-A", "simulator", "worker", f"--concurrency={self.CONCURRENCY}",
                    "--loglevel=WARNING", "--without-gossip", "--without-mingle", "-n", f"{name}@%h",
                ]  # fmt: skip
                self.processes.append(
                    subprocess.Popen(
                        command,
                        cwd=PROJECT_DIR,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )  # fmt: skip
                )
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def output(self) -> str:
        parts = []
        for name, log in zip(self.names, self.logs, strict=False):
            log.seek(0)
            parts.append(f"--- {name}:\n{log.read().decode(errors='replace')[-3000:]}")
        return "\n".join(parts)

    def check_alive(self) -> None:
        for name, process in zip(self.names, self.processes, strict=True):
            if process.poll() is not None:
                raise CommandError(
                    f"the Celery worker {name} exited with code {process.returncode}:\n{self.output()}"
                )

    def _wait_ready(self, timeout: float = 60.0) -> None:
        from simulator.celery import app

        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            answered = {name.split("@")[0] for reply in app.control.ping(timeout=0.5) for name in reply}
            if set(self.names) <= answered:
                return
            if time.monotonic() > deadline:
                raise CommandError(
                    f"the Celery workers did not answer ping within {timeout:.0f} s:\n{self.output()}"
                )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # warm shutdown: the prefork child goes with it
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: the worker and its child
                process.wait()
        for log in self.logs:
            log.close()
        self.processes, self.logs = [], []


def wait_scored(attempt_ids: list[int], version: str, *, timeout: float, workers: Workers) -> float:
    """Poll every 0.2 s until every attempt has a score set of `version`; the moment it happened."""
    from scoring.models import ScoreSet

    deadline = time.monotonic() + timeout
    wanted = len(attempt_ids)
    while True:
        done = ScoreSet.objects.filter(attempt_id__in=attempt_ids, scorer_version=version).count()
        if done >= wanted:
            return time.perf_counter()
        workers.check_alive()
        if time.monotonic() > deadline:
            raise CommandError(
                f"only {done} of {wanted} attempts were scored within {timeout:.0f} s:\n{workers.output()}"
            )
        time.sleep(0.2)


def measure_workers(
    attempt_ids: list[int], *, timeout: float, allow_other_workers: bool, analyze: bool, debug: bool, log
) -> dict:
    from scoring import services
    from scoring.scorers import scorer_set_version
    from simulator.celery import app

    others = sorted(name for reply in app.control.ping(timeout=1.0) for name in reply)
    if others and not allow_other_workers:
        raise CommandError(
            f"other Celery workers already consume from {settings.CELERY_BROKER_URL}: {', '.join(others)}. "
            "They would take tasks and skew the two-worker figure: stop them, use another broker database, "
            "or pass --allow-other-workers."
        )
    purged = app.control.purge()
    log(f"purged {purged} queued task(s); starting {Workers.DESCRIPTION}")
    version = scorer_set_version()
    # The workers get this process's database settings, CONN_MAX_AGE included (0: a connection per task).
    url = database_url(connection.settings_dict["CONN_MAX_AGE"] or 0)
    with Workers(database=url, broker=settings.CELERY_BROKER_URL, debug=debug) as workers:
        log(f"workers answer ping; scoring {len(attempt_ids)} attempts once (warm-up)")
        start = time.perf_counter()
        services.attempts_rescore(attempt_ids=attempt_ids)
        first = wait_scored(attempt_ids, version, timeout=timeout, workers=workers) - start
        if analyze:
            analyze_tables()  # the score tables have rows now
        log(f"first scoring took {first:.2f} s; timing the rescore")
        start = time.perf_counter()
        services.attempts_rescore(attempt_ids=attempt_ids)
        queued = time.perf_counter() - start
        rescore = wait_scored(attempt_ids, version, timeout=timeout, workers=workers) - start
    return {
        "attempts": len(attempt_ids),
        "workers": Workers.DESCRIPTION,
        "other_workers": others,
        "first_score_s": round(first, 2),
        "rescore_s": round(rescore, 2),
        "rescore_attempts_per_s": round(len(attempt_ids) / rescore, 1),
        "rescore_s_per_1000": round(rescore * 1000 / len(attempt_ids), 2),
        "rescore_call_s": round(queued, 2),
        "conn_max_age": connection.settings_dict["CONN_MAX_AGE"],
    }


# The command -----------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Benchmark auto-scoring: the median time to score one six-item attempt in-process (target < 20 ms) "
        "and the time to rescore 1,000 attempts with two Celery workers (target < 30 s; needs PostgreSQL "
        "and CELERY_BROKER_URL, or pass --in-process-only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--runs", type=int, default=200, help="in-process timing runs (distinct attempts)"
        )
        parser.add_argument("--attempts", type=int, default=1000, help="attempts rescored by the workers")
        parser.add_argument("--in-process-only", action="store_true", help="skip the Celery worker part")
        parser.add_argument(
            "--log-lines",
            type=int,
            default=None,
            help="log lines of the investigation scenario (default: its own)",
        )
        parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the workers")
        parser.add_argument(
            "--allow-other-workers",
            action="store_true",
            help="run even if other Celery workers consume from the broker (the figure is then not 2 workers')",
        )
        parser.add_argument(
            "--no-analyze",
            action="store_true",
            help="do not ANALYZE the filled tables on PostgreSQL before timing (measures without planner statistics)",
        )
        parser.add_argument(
            "--keep-debug",
            action="store_true",
            help="time with this process's DEBUG setting (default: DEBUG off here and in the workers, as in "
            "production; DEBUG on logs every query and costs about a third of the worker throughput)",
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        runs, attempts = options["runs"], options["attempts"]
        if runs < 1 or attempts < 1:
            raise CommandError("--runs and --attempts must be at least 1")
        with_workers = not options["in_process_only"]
        if with_workers:
            self._require_workers_setup()
        if connection.in_atomic_block and with_workers:
            raise CommandError("run outside a transaction: the rescore tasks are queued on commit")
        verbose = options["verbosity"] > 0

        def log(message: str) -> None:
            if verbose:
                self.stderr.write(message, style_func=lambda text: text)

        load_start = load_average()
        figures = {
            "database": connection.vendor,
            "load_average_1m": {"start": load_start},
            "targets": {"in_process_median_ms": TARGET_IN_PROCESS_MS, "rescore_s": TARGET_RESCORE_S},
        }
        started = time.perf_counter()
        fixtures = Fixtures(log_lines=options["log_lines"], log=log)
        try:
            total = max(2 * runs + 1, attempts if with_workers else 0)
            log(f"creating {total} submitted attempts of the six-kind exercise ({fixtures.org.slug})")
            fixtures.add(total)
            analyze = not options["no_analyze"]
            figures["analyzed"] = analyze and analyze_tables()
            figures["setup_s"] = round(time.perf_counter() - started, 1)
            log(f"setup took {figures['setup_s']} s; timing {runs} in-process runs")
            debug = settings.DEBUG if options["keep_debug"] else False
            figures["debug"] = debug
            with override_settings(DEBUG=debug):  # DEBUG wraps every cursor to log its queries
                figures["in_process"] = measure_in_process(fixtures.attempt_ids, runs)
                figures["workers"] = None
                if with_workers:
                    figures["workers"] = measure_workers(
                        fixtures.attempt_ids[:attempts],
                        timeout=options["timeout"],
                        allow_other_workers=options["allow_other_workers"],
                        analyze=analyze,
                        debug=debug,
                        log=log,
                    )
        finally:
            fixtures.delete(self.stderr)
        figures["load_average_1m"]["end"] = load_average()
        median = figures["in_process"]["with_db_reads"]["median_ms"]
        figures["meets_targets"] = {
            "in_process": median < TARGET_IN_PROCESS_MS,
            "rescore": (
                figures["workers"]["rescore_s_per_1000"] < TARGET_RESCORE_S if figures["workers"] else None
            ),
        }
        figures["total_s"] = round(time.perf_counter() - started, 1)
        self._print(figures, options["json"])

    def _require_workers_setup(self) -> None:
        problems = []
        if connection.vendor != "postgresql":
            problems.append(
                f"DATABASE_URL must name a PostgreSQL database (the current one is {connection.vendor})"
            )
        if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"):
            problems.append("CELERY_BROKER_URL must name a Redis broker (tasks run in-process without it)")
        if problems:
            raise CommandError(
                "the worker part of benchmarks.scoring needs PostgreSQL and a broker: "
                + "; ".join(problems)
                + ". E.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/simulator_bench "
                "CELERY_BROKER_URL=redis://127.0.0.1:6379/14, or pass --in-process-only."
            )

    def _print(self, figures: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        ip = figures["in_process"]
        met = figures["meets_targets"]

        def verdict(value) -> str:
            return "-" if value is None else ("yes" if value else "NO")

        def dist(key: str) -> str:
            return f"{ip[key]['median_ms']:.2f} / {ip[key]['p95_ms']:.2f} ms"

        rows = [
            ("figure", "value", "target", "met"),
            (f"in-process, {ip['with_db_reads']['runs']} attempts (median / p95):", "", "", ""),
            ("  with database reads", dist("with_db_reads"), f"< {TARGET_IN_PROCESS_MS:g} ms", verdict(met["in_process"])),
            ("  score only (inputs built)", dist("score_only"), "", ""),
            ("  score only, CPU time of this process", dist("score_only_cpu"), "", ""),
            ("  database reads only", dist("db_reads_only"), "", ""),
            ("  attempt_score() with writes", dist("attempt_score_with_writes"), "", ""),
            ("  cold first attempt (empty caches)", f"{ip['cold_first_attempt']['with_db_reads_ms']:.2f} ms", "", ""),
        ]  # fmt: skip
        workers = figures["workers"]
        if workers:
            target = (f"< {TARGET_RESCORE_S:g} s", verdict(met["rescore"]))
            scaled = workers["attempts"] != 1000
            rows += [
                (f"workers ({workers['workers']}, CONN_MAX_AGE={workers['conn_max_age']}):", "", "", ""),
                (f"  rescore {workers['attempts']} attempts", f"{workers['rescore_s']:.2f} s", *(("", "") if scaled else target)),
                *([("  the same, scaled to 1000 attempts", f"{workers['rescore_s_per_1000']:.2f} s", *target)] if scaled else []),
                ("  throughput", f"{workers['rescore_attempts_per_s']:.1f} attempts/s", "", ""),
                ("  of which attempts_rescore() call", f"{workers['rescore_call_s']:.2f} s", "", ""),
                (f"  first scoring of the {workers['attempts']}", f"{workers['first_score_s']:.2f} s", "", ""),
            ]  # fmt: skip
        else:
            rows.append(("workers", "skipped (--in-process-only)", f"< {TARGET_RESCORE_S:g} s", "-"))
        widths = [max(len(row[i]) for row in rows if row[1]) for i in range(4)]  # headings overhang
        self.stdout.write(
            f"benchmarks.scoring on {figures['database']}"
            + (", DEBUG on" if figures["debug"] else ", DEBUG off")
            + (", filled tables ANALYZEd before timing" if figures["analyzed"] else "")
            + "; load average (1 min) "
            f"{figures['load_average_1m']['start']} at the start, {figures['load_average_1m']['end']} at the end"
        )
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
        if workers and workers["other_workers"]:
            self.stdout.write(
                f"note: other workers were consuming too: {', '.join(workers['other_workers'])}"
            )


if __name__ == "__main__":
    from benchmarks import run

    run(Command, "benchmarks.scoring")
