"""incident: injects released by the server at their offsets, with decision points and their windows."""

import random

from .common import MINUTE_MS, fit_day_parts, kind_rng
from .severity import CORE_FEATURE, ENTERPRISE_BLOCKED, SEVERITY_SCALE, shown_severity_reason, with_workaround
from .stories import saturation_at, text_at
from .world import World, iso_s

ROUTES = ("L1", "L2", "Engineering", "SRE", "Security")
UPDATE_CADENCE_MINUTES = {"SEV1": 30, "SEV2": 60, "SEV3": 120, "SEV4": 240}
# Decision windows shrink with difficulty: a harder drill wants faster decisions.
WINDOW_SCALE = {"easy": 1.5, "medium": 1.0, "hard": 0.7}
# How long each decision stays open at medium difficulty (seconds), before WINDOW_SCALE and a per-drill draw.
_WINDOWS = {"D1": 600, "D2": 600, "D3": 900, "D4": 600}
_CHANGES = ("deploy", "config_change")
# What an over-promising update claims at the communication decision, when the first mitigation has only
# just been chosen: a cause found and fixed, and a time to full recovery nobody has measured.
_OVER_PROMISE = "the cause is found and fixed, and everything will be back to normal within 15 minutes"


def _nice_thresholds(unit: str):
    steps = [m * 10**e for e in range(-1, 8) for m in (1, 2, 5)]
    return sorted(set(steps) | ({float(n) for n in range(5, 100, 5)} if unit == "%" else set()))


def _threshold(baseline: float, peak: float, unit: str, *, rise: float) -> float | None:
    """A round threshold the metric crosses: at least `rise` times its baseline and clearly below
    its peak, or None when the failure does not move it that far (nothing would page). What a world's
    draw of its metrics keeps paging as the catalog's does (world.drawn_metrics)."""
    fitting = [t for t in _nice_thresholds(unit) if baseline * rise <= t <= peak * 0.9]
    return fitting[-1] if fitting else None


# What an error-rate alert pages at: a few percent of requests failing, never 15%, by when customers
# have long noticed. Each is one of the round figures above, so a rate that pages here pages there.
ERROR_RATE_THRESHOLDS_PCT = (1, 2, 5)
# How long an alert's condition must hold before it fires: an error rate averaged over its window, a
# saturation metric above its threshold for a couple of minutes.
ERROR_RATE_WINDOW_MINUTES = 5
SATURATION_HOLD_MINUTES = 2


def _error_rate_threshold(world: World) -> float | None:
    """The error-rate alert's threshold, drawn per world from the realistic ones the failure's rate
    clearly passes from at least twice its baseline; None when the rate does not get that far."""
    err = world.archetype["metrics"]["error_rate_pct"]
    fitting = [t for t in ERROR_RATE_THRESHOLDS_PCT if err["baseline"] * 2 <= t <= err["peak"] * 0.9]
    return random.Random(f"{world.salt}error-rate-threshold").choice(fitting) if fitting else None


def _figure(value: float) -> str:
    return f"{value:g}" if value < 1000 else f"{value:,.0f}"


# A queue that fills from the onset while the failure lasts reaches the metric's peak this long after
# the onset (nothing drains it), as a kafka lag reaches its own from the import.
BACKLOG_SPAN_MS = 120 * MINUTE_MS


def backlog_at(world: World, at_ms: int) -> int | None:
    """The depth of a queue the catalog marks as the failure's backlog, at `at_ms`: its baseline before
    the onset, then growing evenly to the metric's peak. One series per scenario, so the alert, the
    dashboard and every log line quoting it tell one story. None when the metric is no such backlog."""
    sat = world.archetype["metrics"]["saturation"]
    if not sat.get("backlog"):
        return None
    grown = min(1.0, max(0, at_ms - world.onset_ms) / BACKLOG_SPAN_MS)
    return round(sat["baseline"] + (sat["peak"] - sat["baseline"]) * grown)


def saturation_value(world: World, at_ms: int) -> float | None:
    """The saturation metric's value at a moment when the story sets it (a backlog that grows from the
    onset or from its import); None when the catalog's fixed peak stands."""
    backlog = backlog_at(world, at_ms)
    return saturation_at(world, at_ms) if backlog is None else float(backlog)


def story_text(world: World, template: str, at_ms: int) -> str:
    """A catalog text as it reads at `at_ms` (see stories.text_at), with the backlog it quotes ("{queued_emails}
    messages queued") at that moment's depth."""
    backlog = backlog_at(world, at_ms)
    if backlog is not None:
        template = template.replace(
            "{" + world.archetype["metrics"]["saturation"]["backlog"] + "}", str(backlog)
        )
    return text_at(world, template, at_ms)


def saturation_figure(world: World, at_ms: int) -> str:
    """The saturation metric's value at a moment, with its unit: the story's own figure when it sets
    one (a growing backlog), else the catalog's peak."""
    sat = world.archetype["metrics"]["saturation"]
    value = saturation_value(world, at_ms)
    unit = sat["unit"] if sat["unit"] == "%" else " " + sat["unit"]
    return f"{_figure(sat['peak'] if value is None else value)}{unit}"


def alert_delay_ms(world: World) -> int | None:
    """How long after the onset the failure's alert can fire at the earliest: its evaluation window
    (None when nothing pages)."""
    if _error_rate_threshold(world) is not None:
        return ERROR_RATE_WINDOW_MINUTES * MINUTE_MS
    return SATURATION_HOLD_MINUTES * MINUTE_MS if _saturation_threshold(world, None) else None


def _saturation_threshold(world: World, at_ms: int | None) -> float | None:
    """The saturation alert's threshold for the metric's value at `at_ms` (its peak when None)."""
    sat = world.archetype["metrics"]["saturation"]
    now = None if at_ms is None else saturation_value(world, at_ms)
    return _threshold(sat["baseline"], sat["peak"] if now is None else now, sat["unit"], rise=1.5)


def first_alert(world: World, at_ms: int) -> dict | None:
    """The alert the failure raises at `at_ms`, if it raises one: the error rate when it rises well
    past a realistic threshold (1-5%), else the saturation metric when that does; a value always above
    its threshold. None when nothing pages (a wrong report, a stale setting, one customer's DNS record)."""
    metrics = world.archetype["metrics"]
    err = metrics["error_rate_pct"]
    threshold = _error_rate_threshold(world)
    if threshold is not None:
        return {"metric": f"{world.values['primary_service']} error rate", "value": f"{err['peak']}%",
                "threshold": f"{_figure(threshold)}%", "window": f"over {ERROR_RATE_WINDOW_MINUTES}m"}  # fmt: skip
    threshold = _saturation_threshold(world, at_ms)
    if threshold is None:
        return None
    sat = metrics["saturation"]
    unit = sat["unit"] if sat["unit"] == "%" else " " + sat["unit"]
    return {"metric": world.text(sat["name"]), "value": saturation_figure(world, at_ms),
            "threshold": f"{_figure(threshold)}{unit}", "window": ""}  # fmt: skip


def alert_text(alert: dict) -> str:
    window = f" {alert['window']}" if alert["window"] else ""
    return f"{alert['metric']} {alert['value']}{window} (threshold {alert['threshold']})"


# The team whose code a release changed. A defect in a service's new version is theirs to fix, so a
# drill accepts engaging them beside the catalog's route (SRE rolling the release back).
CODE_OWNER = "Engineering"


def is_code_regression(world: World) -> bool:
    """Whether the failure is a defect in a release of our own code: a deploy is its trigger and the
    root cause names the release's new version (not a node, a pool or a provider)."""
    trigger = world.archetype.get("trigger") or {}
    return trigger.get("kind") == "deploy" and "{version_new}" in world.archetype["root_cause"]


def accepted_routes(world: World) -> list[str]:
    """The teams a drill's "whom do you engage" accepts: the catalog's route, and the owning
    engineering team when the cause is their release's code."""
    route = world.archetype["route"]
    return [route, CODE_OWNER] if is_code_regression(world) and route != CODE_OWNER else [route]


# How a severity reason says a partial way round is one: plainly, so "no workaround" is not misread.
PARTIAL_WAY_ROUND_SENTENCE = "The only way round is partial: retrying works only part of the time."


def workaround_kind(world: World) -> str:
    """The catalog's `workaround_kind` of the failure (every archetype states one): "full" when
    customers have a way round that removes the impact, "partial" when theirs works only part of the
    time, for some users, or is ours to apply."""
    return world.archetype["escalation"]["workaround_kind"]


def incident_graded(world: World) -> tuple[str, str]:
    """(severity, clause of the scale) of the incident as a whole: the world's grading, except that a
    core feature broken for which customers have a full way round is minor by the scale's "or a
    workaround exists", unless it hits many customers (`severity.with_workaround`); a partial one leaves
    it major, and its reason says so."""
    return with_workaround(world.incident_graded, workaround_kind(world), many=world.many_tenants)


def _with_partial_way_round(reason: str, partial: bool) -> str:
    """A severity reason that, when customers' only way round is partial, says so right after the clause
    of the scale it grades by (whose "no workaround" it would otherwise seem to contradict)."""
    if not partial:
        return reason
    opening, _, rest = reason.partition(". ")
    return f"{opening}. {PARTIAL_WAY_ROUND_SENTENCE} {rest}".strip()


def accepted_severities(severity: str, injects: list[tuple]) -> list[str]:
    """The severities a drill's first decision accepts: the key's, and SEV1 beside a SEV2 when an
    enterprise customer's own report in the drill says they are fully blocked, which the scale's
    "an enterprise customer fully blocked" makes critical as defensibly."""
    from scenarios.consistency import states_fully_blocked

    blocked = any(
        kind == "customer_report" and "(enterprise)" in text and states_fully_blocked(text)
        for _, kind, _, text in injects
    )
    return [severity, "SEV1"] if severity == "SEV2" and blocked else [severity]


def scope_sentence(world: World) -> str:
    """Whom the failure hits, as a severity reason states it."""
    if world.many_tenants:
        return "Many customers are affected, enterprise ones among them."
    return f"Only {world.customer.name} ({world.customer.tier}) is affected."


def _comms_options(world: World, severity: str) -> list[tuple[str, str]]:
    """The communication decision's options, each a concrete update someone in the channel could send:
    a public acknowledgement with the next update time; the same post promising a recovery nobody has
    measured; and, when many tenants fail, replies to the two enterprise customers who opened tickets
    while the status page waits for the cause, or when one tenant fails, that customer's reply with the
    next update time and the same reply over-promising. Right: the acknowledgement for many tenants,
    the reply for one."""
    impact = world.text(world.archetype["incident_title"])
    cadence = UPDATE_CADENCE_MINUTES[severity]
    public = (
        f"Post a status page update acknowledging the impact ({impact}), saying we are investigating, "
        f"with the next update in {cadence} minutes."
    )
    if world.many_tenants:
        return [
            ("acknowledge", public),
            ("over_promise", f"Post a status page update on the impact ({impact}) saying {_OVER_PROMISE}."),
            ("enterprise_only", "Reply to the two enterprise customers' tickets with a personal update, "
             "and post on the status page once the root cause is confirmed."),
        ]  # fmt: skip
    customer = world.customer.name
    return [
        ("acknowledge", public),
        ("reply", f"Reply only to {customer}, on their ticket, saying we see the problem and are working "
         f"on it, with the next update in {cadence} minutes."),
        ("over_promise", f"Reply to {customer} on their ticket saying {_OVER_PROMISE}."),
    ]  # fmt: skip


def _timing(rng, *, signals: int, findings: int, herrings: int, scale: float) -> dict:
    """When each inject and decision arrives (seconds into the drill), drawn per drill in the order an
    incident takes: the reports and the scope of the failure before the severity is asked; every one of
    the failure's log lines and the change log before whom to engage; what engineers find too before
    the first mitigation; communication after it; the channel's pressure later still. Each
    decision's window opens when it is asked and stays open a drawn while (shorter on harder drills)."""
    at = {"report": rng.randint(45, 120), "on_call": rng.randint(100, 200)}
    at["scope"] = at["report"] + rng.randint(15, 90)
    at["D1"] = at["scope"] + rng.randint(15, 60)
    first = at["D1"] + rng.randint(40, 150)
    at["signals"] = [first]
    for _ in range(signals - 1):
        at["signals"].append(at["signals"][-1] + rng.randint(25, 90))
    at["trigger"] = first + rng.randint(20, 150)
    shown = max(at["signals"] + [at["trigger"]])
    # Whom to engage rests on what points at the owner (a node's clock, a release's change): every line
    # and the change log are in before it is asked.
    at["D2"] = max(shown, at["D1"]) + rng.randint(20, 60)
    at["findings"] = [shown + rng.randint(10, 30) + 20 * n for n in range(findings)]
    at["D3"] = max([shown, at["D2"]] + at["findings"]) + rng.randint(20, 75)
    at["herrings"] = sorted(rng.sample(range(at["on_call"] + 10, at["D3"] + 150, 5), herrings))
    at["D4"] = at["D3"] + rng.randint(30, 120)
    at["metric"] = at["D3"] + rng.randint(60, 200)
    at["vp"] = at["D4"] + rng.randint(240, 480)
    at["again"] = at["vp"] + rng.randint(420, 720)
    at["windows"] = {
        did: (at[did], at[did] + int(length * scale * rng.uniform(0.8, 1.25)))
        for did, length in _WINDOWS.items()
    }
    return at


def _opening_delay_ms(world: World, rng) -> int:
    """How long after the onset the drill opens: when the alert fires, its evaluation window after the
    first failures and a drawn while to notify; when nothing pages, when the customer has noticed,
    retried and escalated."""
    window = alert_delay_ms(world)
    if window is None:
        return rng.randint(9 * 60, 25 * 60) * 1000
    return window + rng.randint(20, 150) * 1000


def _logged_moments(world: World, rng, start_ms: int, at: dict) -> dict:
    """When each log line shown in the drill was logged: the failure's first line seconds after the
    onset (the first failure the alert then reports), each later one shortly before a log search finds
    it, as its latest lines show; a red herring's at any moment of the half hour before it is found, as
    the routine lines it stands for are."""
    signals: list[int] = []
    for offset in at["signals"]:
        found = start_ms + offset * 1000
        if not signals:
            signals.append(world.onset_ms + rng.randint(0, 20) * 1000)
        else:
            signals.append(max(signals[-1] + 1000, found - rng.randint(5, 90) * 1000))
    herrings = [
        rng.randint(start_ms + offset * 1000 - 30 * MINUTE_MS, start_ms + offset * 1000 - 5_000)
        for offset in at["herrings"]
    ]
    return {"signals": signals, "herrings": herrings}


def generate(world: World, difficulty: str) -> tuple[dict, dict]:
    rng = kind_rng("incident", world, difficulty)
    archetype = world.archetype
    # When many tenants fail, the drill says enterprise ones are among them before it asks for the severity.
    many_tenants = world.many_tenants
    severity, clause = incident_graded(world)
    partial_way_round = clause == CORE_FEATURE and workaround_kind(world) == "partial"
    # What customers say of a retry, so a reason resting on a partial way round rests on the drill.
    retry_said = "; some say a retry often gets through" if partial_way_round else ""
    scale = WINDOW_SCALE[difficulty]
    start_ms = world.onset_ms + _opening_delay_ms(world, rng)
    trigger = archetype.get("trigger")
    signal_entries = archetype["signal_logs"][:4]
    herrings = archetype["red_herrings"][: 1 + (difficulty != "easy") + (difficulty == "hard")]
    findings = archetype["postmortem"].get("findings", [])
    at = _timing(
        rng, signals=len(signal_entries), findings=len(findings), herrings=len(herrings), scale=scale
    )
    alert = first_alert(world, start_ms)
    stamps = _logged_moments(world, rng, start_ms, at)
    reporters = rng.randint(4, 11)
    # A failure that pages nobody starts with the customer's escalation instead of an alert.
    # A failure across tenants pages for the service everywhere; one tenant's, in that tenant's region.
    where = "all regions" if many_tenants else world.region
    opening = (
        # The rate over all of the service's requests, said so: beside a title's "33% of logins" it is
        # another figure, not one that disagrees with it.
        (0, "alert", "PagerDuty",
         f"[FIRING] {alert_text(alert).replace(' error rate ', ' error rate (all requests) ', 1)}, {where}")
        if alert
        else (0, "customer_report", "Support escalation",
              f"{world.customer.name} ({world.customer.tier}) escalated a ticket: "
              + text_at(world, archetype["symptom"], start_ms) + " No monitoring alert has fired.")
    )  # fmt: skip
    injects = [
        opening,
        (at["report"], "customer_report", "Support queue",
         f"{world.customer.name} ({world.customer.tier}): " + fit_day_parts(world, world.text(rng.choice(archetype["ticket"]["subjects"])))),
        (at["on_call"], "chat", "#incident", "On-call engineer: looking at dashboards now. Who is incident commander?"),
        (at["scope"], "chat", "#incident", f"Customer success: {reporters} customers opened tickets about it in the last few minutes, two enterprise customers among them{retry_said}; they ask what is going on.")
        if many_tenants else
        (at["scope"], "chat", "#incident",
         f"Customer success: {world.customer.name} opened a priority ticket"
         + (" and says they are fully blocked" if clause == ENTERPRISE_BLOCKED else "")
         + retry_said.replace("some say", "they say")
         + "; no other customer has reported anything like it."),
        (at["metric"], "metric", "Dashboard",
         f"{world.text(archetype['metrics']['saturation']['name'])} at {saturation_figure(world, start_ms + at['metric'] * 1000)}"),
        (at["vp"], "chat", "#incident", "VP Support: what are we telling customers, and when is the next update?"),
        (at["again"], "chat", "#incident", "Support lead: more customers are asking what is happening and when they will hear from us next.")
        if many_tenants else
        (at["again"], "chat", "#incident", f"Support lead: {world.customer.name} is asking again when they will hear from us."),
    ]  # fmt: skip
    # Every line the failure logs, not only its first: the key's cause rests on what they show (a
    # transaction held open, a node's clock offset), so the drill shows them all before the mitigation.
    # Each is found by a log search after the alert and says when it was logged: from the onset on.
    injects += [
        (
            offset,
            "log_excerpt",
            "Log search",
            f"{iso_s(logged)} " + story_text(world, entry["message"], logged),
        )
        for offset, logged, entry in zip(at["signals"], stamps["signals"], signal_entries, strict=True)
    ]
    if trigger:
        # A deploy or a config change is in the change log; an expiry, an outage or a burst of traffic
        # is a line in the logs.
        kind, source = (
            ("change", "Change log") if trigger["kind"] in _CHANGES else ("log_excerpt", "Log search")
        )
        injects.append(
            (at["trigger"], kind, source, f"{iso_s(world.trigger_ms)} " + world.text(trigger["message"]))
        )
    # What an engineer finds in the change or the topology (a diff with no size bound, a topic keyed by
    # tenant) is said in the channel when the logs alone do not show what the key's cause names.
    from scenarios.consistency import unshown_key_claims

    shown = "\n".join(text for *_, text in injects)
    if unshown_key_claims(world.text(archetype["root_cause"]), shown.casefold()):
        injects += [
            (offset, "chat", "#incident", f"Engineer looking into it: {story_text(world, finding, start_ms)}")
            for offset, finding in zip(at["findings"], findings, strict=True)
        ]
    herring_injects = [
        (offset, "log_excerpt", "Log search", f"{iso_s(logged)} " + world.text(herring["message"]))
        for offset, logged, herring in zip(at["herrings"], stamps["herrings"], herrings, strict=True)
    ]
    injects.extend(herring_injects)
    injects.sort(key=lambda item: (item[0], item[1]))

    # Only mitigations are offered: follow-up steps (verify, watch, tell, post on the status page) are
    # no answer to "the first mitigation", and communication has its own decision.
    mitigations = [
        (label, m) for label in ("safe", "unsafe") for m in archetype["mitigations"].get(label, [])
    ]
    mitigations.append(("hold", "Take no action yet; keep collecting evidence."))
    rng.shuffle(mitigations)
    # Options are listed in an order drawn per variant, so the right answer has no usual place.
    # (The severity scale keeps its own order: a scale read out of order is harder, not fairer.)
    routes = rng.sample(ROUTES, len(ROUTES))
    comms_options = rng.sample(_comms_options(world, severity), 3)
    comms_ids = {label: f"C{n}" for n, (label, _) in enumerate(comms_options, start=1)}
    windows = at["windows"]
    decisions = [
        ("D1", at["D1"], "Declare the incident's severity on this scale.",
         [(s, f"{s}: {text}") for s, text in SEVERITY_SCALE.items()], windows["D1"]),
        ("D2", at["D2"], "Who do you engage to work the fix?", [(r, r) for r in routes], windows["D2"]),
        ("D3", at["D3"], "Choose the first mitigation.",
         [(f"M{i + 1}", world.text(text)) for i, (_, text) in enumerate(mitigations)], windows["D3"]),
        ("D4", at["D4"], "What do you do about customer communication now?",
         [(comms_ids[label], text) for label, text in comms_options], windows["D4"]),
    ]  # fmt: skip
    correct = {
        "D1": accepted_severities(severity, injects),
        "D2": accepted_routes(world),
        "D3": [f"M{i + 1}" for i, (label, _) in enumerate(mitigations) if label == "safe"],
        # Many tenants: a public acknowledgement. One tenant on a healthy platform: tell that customer.
        "D4": [comms_ids["acknowledge" if many_tenants else "reply"]],
    }
    unsafe = {
        "D3": [f"M{i + 1}" for i, (label, _) in enumerate(mitigations) if label == "unsafe"],
        # Promising a fix and a recovery time nobody has measured misleads customers: unsafe, as a
        # customer update's key puts it among what must not be said.
        "D4": [comms_ids["over_promise"]],
    }

    payload = {
        "kind": "incident",
        # Named as it is declared: by what fails and for whom, not by a cause nobody has found yet.
        "title": f"Incident drill: {world.text(archetype['incident_title'])}",
        "brief": (
            "An incident is starting. Events arrive as time passes. Make each decision when it is asked, "
            "post stakeholder updates as you would in a real incident, and keep a short log of what you do."
        ),
        "started_at": iso_s(start_ms),
        "injects": [
            {"id": f"I{n:02d}", "offset_seconds": offset, "kind": kind, "source": source, "text": text}
            for n, (offset, kind, source, text) in enumerate(injects, start=1)
        ],
        "decision_points": [
            {
                "id": did,
                "offset_seconds": offset,
                "prompt": prompt,
                "options": [{"id": oid, "text": text} for oid, text in options],
            }
            for did, offset, prompt, options, _ in decisions
        ],  # fmt: skip
    }
    drill_text = " ".join(
        [payload["title"]]
        + [text for *_, text in injects]
        + [text for did, _, _, options, _ in decisions if did != "D1" for _, text in options]
    )
    answer_key = {
        "root_cause": world.text(archetype["root_cause"]),
        "severity": severity,
        "severity_reason": _with_partial_way_round(
            shown_severity_reason(
                severity,
                clause,
                world.text(archetype["severity"]["reason"]),
                scope_sentence(world),
                drill_text,
            ),
            partial_way_round,
        ),
        "route": archetype["route"],
        "decisions": {
            did: {"correct": correct[did], "unsafe": unsafe.get(did, []), "window_seconds": list(window)}
            for did, _, _, _, window in decisions
        },
        "update_cadence_minutes": UPDATE_CADENCE_MINUTES[severity],
        "red_herring_inject_ids": [
            f"I{n:02d}"
            for n, inject in enumerate(injects, start=1)
            if any(inject is h for h in herring_injects)
        ],
    }
    return payload, answer_key
