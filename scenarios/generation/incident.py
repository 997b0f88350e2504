"""incident: injects released by the server at their offsets, with decision points and their windows."""

from .common import MINUTE_MS, fit_day_parts, kind_rng
from .severity import ENTERPRISE_BLOCKED, SEVERITY_SCALE, graded
from .stories import saturation_at, text_at
from .world import World, iso_s

ROUTES = ("L1", "L2", "Engineering", "SRE", "Security")
UPDATE_CADENCE_MINUTES = {"SEV1": 30, "SEV2": 60, "SEV3": 120, "SEV4": 240}
# Decision windows shrink with difficulty: a harder drill wants faster decisions.
WINDOW_SCALE = {"easy": 1.5, "medium": 1.0, "hard": 0.7}
# When the failure's own log lines are released: the first before the change log, the rest before the
# first mitigation is asked for (at 480 s).
_SIGNAL_OFFSETS = (240, 285, 435, 465)
_CHANGES = ("deploy", "config_change")
_COMMS_OPTIONS = (
    ("acknowledge", "Post a status page update acknowledging the impact, with the next update time."),
    ("wait", "Wait until the root cause is confirmed before saying anything."),
    ("one_customer", "Reply only to the customer who opened the ticket."),
)


def _nice_thresholds(unit: str):
    steps = [m * 10**e for e in range(-1, 8) for m in (1, 2, 5)]
    return sorted(set(steps) | ({float(n) for n in range(5, 100, 5)} if unit == "%" else set()))


def _threshold(baseline: float, peak: float, unit: str, *, rise: float) -> float | None:
    """A round threshold the metric crosses: at least `rise` times its baseline and clearly below
    its peak, or None when the failure does not move it that far (nothing would page)."""
    fitting = [t for t in _nice_thresholds(unit) if baseline * rise <= t <= peak * 0.9]
    return fitting[-1] if fitting else None


def _figure(value: float) -> str:
    return f"{value:g}" if value < 1000 else f"{value:,.0f}"


def saturation_figure(world: World, at_ms: int) -> str:
    """The saturation metric's value at a moment, with its unit: the story's own figure when it sets
    one (a growing backlog), else the catalog's peak."""
    sat = world.archetype["metrics"]["saturation"]
    value = saturation_at(world, at_ms)
    unit = sat["unit"] if sat["unit"] == "%" else " " + sat["unit"]
    return f"{_figure(sat['peak'] if value is None else value)}{unit}"


def first_alert(world: World, at_ms: int) -> dict | None:
    """The alert the failure raises at `at_ms`, if it raises one: the error rate when it rises well
    past a threshold, else the saturation metric when that does; a value always above its threshold.
    None when nothing pages (a wrong report, a stale setting, one customer's DNS record)."""
    metrics = world.archetype["metrics"]
    err = metrics["error_rate_pct"]
    threshold = _threshold(err["baseline"], err["peak"], "%", rise=2)
    if threshold is not None:
        return {"metric": f"{world.values['primary_service']} error rate", "value": f"{err['peak']}%",
                "threshold": f"{_figure(threshold)}%", "window": "over 5m"}  # fmt: skip
    sat = metrics["saturation"]
    now = saturation_at(world, at_ms)
    threshold = _threshold(sat["baseline"], sat["peak"] if now is None else now, sat["unit"], rise=1.5)
    if threshold is None:
        return None
    unit = sat["unit"] if sat["unit"] == "%" else " " + sat["unit"]
    return {"metric": world.text(sat["name"]), "value": saturation_figure(world, at_ms),
            "threshold": f"{_figure(threshold)}{unit}", "window": ""}  # fmt: skip


def alert_text(alert: dict) -> str:
    window = f" {alert['window']}" if alert["window"] else ""
    return f"{alert['metric']} {alert['value']}{window} (threshold {alert['threshold']})"


def scope_sentence(world: World) -> str:
    """Whom the failure hits, as a severity reason states it."""
    if world.many_tenants:
        return "Many customers are affected, enterprise ones among them."
    return f"Only {world.customer.name} ({world.customer.tier}) is affected."


def generate(world: World, difficulty: str) -> tuple[dict, dict]:
    rng = kind_rng("incident", world, difficulty)
    archetype = world.archetype
    # When many tenants fail, the drill says enterprise ones are among them before it asks for the severity.
    many_tenants = world.many_tenants
    severity, clause = world.incident_graded
    scale = WINDOW_SCALE[difficulty]
    start_ms = world.onset_ms + 3 * MINUTE_MS
    alert = first_alert(world, start_ms)
    # A failure that pages nobody starts with the customer's escalation instead of an alert.
    # A failure across tenants pages for the service everywhere; one tenant's, in that tenant's region.
    where = "all regions" if many_tenants else world.region
    opening = (
        (0, "alert", "PagerDuty", f"[FIRING] {alert_text(alert)}, {where}")
        if alert
        else (0, "customer_report", "Support escalation",
              f"{world.customer.name} ({world.customer.tier}) escalated a ticket: "
              + text_at(world, archetype["symptom"], start_ms) + " No monitoring alert has fired.")
    )  # fmt: skip
    injects = [
        opening,
        (90, "customer_report", "Support queue",
         f"{world.customer.name} ({world.customer.tier}): " + fit_day_parts(world, world.text(rng.choice(archetype["ticket"]["subjects"])))),
        (150, "chat", "#incident", "On-call engineer: looking at dashboards now. Who is incident commander?"),
        (45, "chat", "#incident", "Customer success: two enterprise customers opened tickets in the last few minutes and ask what is going on.")
        if many_tenants else
        (420, "chat", "#incident",
         f"Customer success: {world.customer.name} asked for an update"
         + (" and says they are fully blocked" if clause == ENTERPRISE_BLOCKED else "")
         + "; no other customer has reported anything like it."),
        (600, "metric", "Dashboard",
         f"{world.text(archetype['metrics']['saturation']['name'])} at {saturation_figure(world, start_ms + 600_000)}"),
        (900, "chat", "#incident", "VP Support: what are we telling customers, and when is the next update?"),
        (1500, "chat", "#incident", "Support lead: status page was last updated a while ago; customers are asking again.")
        if many_tenants else
        (1500, "chat", "#incident", f"Support lead: {world.customer.name} is asking again when they will hear from us."),
    ]  # fmt: skip
    # Every line the failure logs, not only its first: the key's cause rests on what they show (a
    # transaction held open, a node's clock offset), so the drill shows them all before the mitigation.
    injects += [
        (offset, "log_excerpt", "Log search", text_at(world, entry["message"], start_ms + offset * 1000))
        for offset, entry in zip(_SIGNAL_OFFSETS, archetype["signal_logs"], strict=False)
    ]
    trigger = archetype.get("trigger")
    if trigger:
        # A deploy or a config change is in the change log; an expiry, an outage or a burst of traffic
        # is a line in the logs.
        kind, source = (
            ("change", "Change log") if trigger["kind"] in _CHANGES else ("log_excerpt", "Log search")
        )
        injects.append((330, kind, source, f"{iso_s(world.trigger_ms)} " + world.text(trigger["message"])))
    herrings = archetype["red_herrings"][: 1 + (difficulty != "easy") + (difficulty == "hard")]
    herring_injects = [
        (200 + 160 * number, "log_excerpt", "Log search", world.text(herring["message"]))
        for number, herring in enumerate(herrings)
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
    comms_options = rng.sample(_COMMS_OPTIONS, len(_COMMS_OPTIONS))
    comms_ids = {label: f"C{n}" for n, (label, _) in enumerate(comms_options, start=1)}
    decisions = [
        ("D1", 60, "Declare the incident's severity on this scale.",
         [(s, f"{s}: {text}") for s, text in SEVERITY_SCALE.items()], (60, 60 + int(600 * scale))),
        ("D2", 300, "Who do you engage to work the fix?", [(r, r) for r in routes], (300, 300 + int(600 * scale))),
        ("D3", 480, "Choose the first mitigation.",
         [(f"M{i + 1}", world.text(text)) for i, (_, text) in enumerate(mitigations)],
         (480, 480 + int(900 * scale))),
        ("D4", 540, "What do you do about customer communication now?",
         [(comms_ids[label], text) for label, text in comms_options],
         (540, 540 + int(600 * scale))),
    ]  # fmt: skip
    correct = {
        "D1": [severity],
        "D2": [archetype["route"]],
        "D3": [f"M{i + 1}" for i, (label, _) in enumerate(mitigations) if label == "safe"],
        # Many tenants: a public acknowledgement. One tenant on a healthy platform: tell that customer.
        "D4": [comms_ids["acknowledge" if many_tenants else "one_customer"]],
    }
    unsafe = {"D3": [f"M{i + 1}" for i, (label, _) in enumerate(mitigations) if label == "unsafe"]}

    payload = {
        "kind": "incident",
        "title": f"Incident drill: {text_at(world, archetype['symptom'], start_ms)}",
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
    answer_key = {
        "root_cause": world.text(archetype["root_cause"]),
        "severity": severity,
        "severity_reason": f"{graded(severity, clause)} {world.text(archetype['severity']['reason'])} "
        + scope_sentence(world),
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
