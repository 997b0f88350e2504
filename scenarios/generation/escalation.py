"""escalation_writeup: a messy ticket thread hiding the facts of a complete packet and one leaked secret.

Each archetype words its own thread (how the customer shows the failing calls, what it costs them,
what they tried, what L1 saw when reproducing), so every fact the key expects is in the thread and
nothing only the provider could know or do is in a customer's mouth."""

import math
import re
from datetime import UTC, datetime, timedelta

from .common import MINUTE_MS, customer_ticket, kind_rng, ticket_graded
from .incident import scope_sentence
from .severity import SEVERITY_SCALE, shown_severity_reason, with_workaround
from .stories import text_at
from .world import World, hex_id, iso_ms, iso_s

_SECRET_FORMATS = {
    "client_secret": lambda rng: "cs_live_" + hex_id(rng, 32),
    "api_key": lambda rng: "rw_live_" + hex_id(rng, 32),
    "webhook_signing_secret": lambda rng: "whsec_" + hex_id(rng, 32),
    "password": lambda rng: _password(rng),
    "db_password": lambda rng: "pg-" + hex_id(rng, 20),
    "token": lambda rng: "eyJhbGciOiJSUzI1NiJ9." + hex_id(rng, 40) + "." + hex_id(rng, 24),
    "private_key": lambda rng: (
        "-----BEGIN PRIVATE KEY-----MIIEv" + hex_id(rng, 48) + "-----END PRIVATE KEY-----"
    ),
    # A certificate bundle as customers paste it: the certificate with its private key.
    "certificate": lambda rng: (
        "-----BEGIN CERTIFICATE-----MIIDd"
        + hex_id(rng, 24)
        + "-----END CERTIFICATE----- -----BEGIN PRIVATE KEY-----MIIEv"
        + hex_id(rng, 40)
        + "-----END PRIVATE KEY-----"
    ),
}
# How a customer pastes the secret into the thread, unasked: the failing call as their code sends it,
# a config dump, their admin login "so you can look". The secret is the customer's; L1 never uses it.
_SECRET_LINES = {
    "client_secret": "This is the exact call our sync makes, in case it helps:\n"
    "curl -s -X POST https://api.{host}/oauth/token -d grant_type=client_credentials "
    "-d client_id={tenant_id} -d client_secret={secret}",
    "api_key": 'Here is the call as our integration sends it:\ncurl -s -X {method} https://api.{host}{path} -H "Authorization: Bearer {secret}"',
    "webhook_signing_secret": "Our signing secret from the dashboard, if you need it to check the HMAC: {secret}",
    "password": (
        "If you need to look yourselves, our admin login is {email} / {secret}",
        "You can log in as our admin to see it: user {email}, password {secret}",
        "Admin access in case it helps you debug: {email} / {secret} (please don't change anything)",
        "Feel free to use our admin account to check: {email}, pw {secret}",
    ),
    "db_password": "Our config, in case it matters: DATABASE_URL=postgres://app:{secret}@db.{customer_domain}:5432/app",
    "token": 'The access token from the failing call: -H "Authorization: Bearer {secret}"',
    "private_key": "Attaching the key file for the SAML signing check: {secret}",
    "certificate": "Our endpoint's certificate bundle, pasted from the server: {secret}",
}
# What people pick as an admin password, in a few shapes: a word and a year, words joined by dashes, a
# generated string from a password manager.
_PASSWORD_WORDS = (
    "harbor",
    "falcon",
    "summer",
    "copper",
    "maple",
    "orbit",
    "winter",
    "cobalt",
    "tiger",
    "meadow",
)


def _password(rng) -> str:
    word, other = rng.sample(_PASSWORD_WORDS, 2)
    shapes = (
        lambda: f"{word.capitalize()}{rng.randint(2019, 2026)}{rng.choice('!#$?')}",
        lambda: f"{word}-{other.capitalize()}-{rng.randint(10, 99)}",
        lambda: "".join(
            rng.choice("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789#$%&") for _ in range(14)
        ),
        lambda: f"{word.capitalize()}{other.capitalize()}{rng.randint(1, 9999):04d}",
    )
    return rng.choice(shapes)()


# A failure that is no API call of theirs (a billing run, a webhook delivery): the key sits in the
# integration's config the customer pastes, not in a call to an endpoint the failure never touches.
_SECRET_LINES_NO_CALL = {
    "api_key": "Our integration's config, in case it helps:\n{product}_API_BASE=https://api.{host}\n{product}_API_KEY={secret}",
}
# The first L1 note, the colleague's forward and the unrelated sales note, in a few people's words.
_L1_TRIED = (
    "Tried to reproduce with our own test tenant ({call}).",
    "Ran {call} against our internal test tenant with our own token to compare.",
    "Repro attempt on the staging sandbox account ({call}), with our own credentials.",
    "Checked {call} from our test tenant.",
)
_L1_CHECKED = (
    "Checked from our side with our own test account.",
    "Looked at the same flow on our internal tenant.",
    "Compared with the same flow on our sandbox tenant.",
)
_L1_FIRST = (
    "Checked the status page, all green. Asked the customer for request ids and the exact time. Leaving for L2.",
    "Nothing on the status page. Asked for request ids and when it started; will pass to L2 when they answer.",
    "Opened their account; asked them for examples with times before digging further. L2 please.",
    "No open incident matches. Requested two failing request ids and a start time with time zone.",
    "First look: status page green, no similar alert. Waiting for request ids before handing to L2.",
    "Acknowledged the ticket and asked for failing request ids and when it began. Will route once they reply.",
)
# A colleague of the customer forwarding the first message: it asks nothing and adds no fact (an ETA or an
# owner asked for belongs in the packet, so no forward asks for one).
_FORWARDS = (
    "Forwarding so it is on my desk too; please keep me in copy.",
    "Copying myself in so I see the replies.",
    "Resending from my account so I am on the thread.",
    "Forwarding to the support address as well, in case the first one went to the wrong queue.",
)
# L1's count of other customers with the same problem, when many tenants fail (the severity reason's
# "many customers, enterprise ones among them" rests on it).
_OTHERS = (
    "{n} other customers have opened tickets about the same problem today, enterprise ones among them.",
    "Linked {n} similar tickets from other customers, enterprise accounts among them.",
    "{n} other customers, some of them enterprise, have reported the same today.",
    "The queue has {n} more tickets like this from other customers, including enterprise ones.",
)
# L1's note about something else entirely, written while the thread goes on: something the customer
# asked about another part of the product, or an older ticket of theirs.
_UNRELATED = (
    "Unrelated to this issue: the customer asked on the phone whether we support SCIM (they do not have "
    "it enabled). Sent them the SCIM overview.",
    "Unrelated: closed their older ticket about changing the invoice address; billing confirmed it is done.",
    "Not about this issue: their admin asked last week how to rename a workspace; sent the help article.",
)
# While the customer's data or money is at risk nobody on their side asks about another feature.
_UNRELATED_DURING_RISK = _UNRELATED[1:]
_SALES = (
    "Hi team, unrelated: can someone join the renewal call with {customer} on {weekday}? They asked about the new reporting add-on.",
    "FYI, unrelated to this ticket: {customer} is in the middle of a renewal; the QBR is next week.",
    "Not about this issue: {customer} asked for a quote for more seats, I will handle that separately.",
)
_API_KEY_PREFIXES = ("api_key_prefix", "key_prefix")
# How the customer ends their last message: a question fitting what the failure does to them, then
# (sometimes) how soon they need the answer, as pressing as the ticket's severity and their clock allow.
_ASKS = {
    "data_at_risk": (
        "What do we need to do on our side right now?",
        "We need to know what happened and whether it can happen again.",
        "Can you confirm what is affected and what we should do next?",
    ),
    "blocked": (
        "What should we do now?",
        "How do we get this working again?",
        "Is there anything we can do on our side in the meantime?",
    ),
    "degraded": (
        "Is there a workaround we can use until this is fixed?",
        "Can you tell us when this will be fixed?",
        "What should we do now?",
    ),
    "partial": (
        "Is this on your side or ours?",
        "Can you let us know what you find?",
        "Any idea what is going on?",
    ),
}
# (text, local hours it may be written in, or None for any).
_URGENCY = {
    "SEV1": (
        ("Please treat this as urgent; I am reachable by phone all day.", None),
        ("This is costing us every hour it continues. Please call me.", None),
        ("We are escalating this internally and need an answer today.", range(7, 16)),
        ("Please reply as soon as you have anything, even a partial answer.", None),
    ),
    "SEV2": (
        ("We need an answer before our business day ends.", range(7, 16)),
        ("Please get back to us today if you can.", range(7, 15)),
        ("An update before lunch would help our team plan.", range(7, 11)),
        ("I will check back in an hour.", None),
        ("", None),
    ),
    "SEV3": (
        ("An answer this week is fine, but sooner would help.", None),
        ("No rush, but we would like to understand it.", None),
        ("No need to call, e-mail is fine.", None),
        ("Thanks for looking into it.", None),
        ("", None),
    ),
}
_URGENCY["SEV4"] = _URGENCY["SEV3"]


def _secret(kind: str, world: World, rng) -> str:
    """A secret the customer could have sent: their API key carries the prefix the thread names."""
    if kind == "api_key":
        prefix = next(
            (world.values[f] for f in _API_KEY_PREFIXES if f in world.values), "rk_live_" + hex_id(rng, 6)
        )
        return prefix + hex_id(rng, 26)
    return _SECRET_FORMATS[kind](rng)


# What a customer's impact counts are drawn from when the archetype gives no range of its own.
_RECORDS = (30, 3_000)
_USERS = (3, 80)


def _count(rng, bounds) -> int:
    """A count a customer estimates, drawn per seed from `bounds`, evenly over its orders of magnitude
    (as likely 40 as 400 in [10, 1000]) and, from a hundred up, rounded as people round ("about 1,300")."""
    low, high = bounds
    value = math.exp(rng.uniform(math.log(max(low, 1)), math.log(max(high, 1))))
    digits = max(0, len(str(int(value))) - 2)
    return max(low, min(high, int(round(value, -digits))))


def _secret_line(kind: str, rng, *, call: bool) -> str:
    """How the customer pastes a secret of `kind`, in one of its wordings: in a failing call, or (a
    failure that is no API call of theirs) in the config they paste."""
    lines = _SECRET_LINES if call or kind != "api_key" else _SECRET_LINES_NO_CALL
    line = lines[kind]
    return rng.choice(line) if isinstance(line, tuple) else line


def _colleague_name(world: World, difficulty: str) -> str:
    """The name of the customer's colleague who forwards the ticket, drawn per seed."""
    from .world import proper_name, seeded_faker

    fake = seeded_faker(f"escalation-colleague|{world.archetype['id']}|{world.seed}|{difficulty}")
    name = f"{proper_name(fake.first_name())} {proper_name(fake.last_name())}"
    return name if name != world.customer.contact_name else f"{name.split()[0]} {fake.last_name()}"


def _change_log_line(world: World) -> str:
    """What the change log says of the service's versions: a deploy at its time, else last week's release."""
    service = world.values["primary_service"]
    trigger = world.archetype.get("trigger") or {}
    if trigger.get("kind") == "deploy":
        return (
            f"The change log shows {service} deployed {world.version_new} at {world.values['trigger_utc']} "
            f"(before: {world.version_old})."
        )
    return (
        f"The change log has {service} at {world.version_new} since last week (before: {world.version_old})."
    )


def _stated_onset(world: World, thread: str) -> str:
    """The onset as the thread gives it: the exact time when a message states it (an expiry L1 read in
    the console), else the customer's "around 16:40 (UTC+05:30)" in UTC. The customer's clock time is
    the onset's, down to five minutes (see world._onset_local), so the key holds what the reader can
    work out, not a second only our logs know."""
    if world.values["onset_utc"] in thread:
        return world.values["onset_utc"]
    return iso_s(world.onset_ms - world.onset_ms % (5 * MINUTE_MS))


def _local(world: World, at_ms: int) -> datetime:
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC) + timedelta(hours=world.customer.utc_offset_hours)


def _closing(world: World, rng, *, impact: str, severity: str, sent_ms: int) -> str:
    """The end of the customer's last message: their question and how soon they need an answer, drawn
    per seed from lines that fit what the failure does to them and its severity; a deadline only where
    their own clock allows it ("before our business day ends" is not written in the evening)."""
    hour = _local(world, sent_ms).hour
    urgency = [text for text, hours in _URGENCY[severity] if hours is None or hour in hours]
    return " ".join(part for part in (rng.choice(_ASKS[impact]), rng.choice(urgency)) if part)


def _later_weekday(world: World, rng, at_ms: int) -> str:
    """A working day within the next week of the customer's calendar, after today."""
    today = _local(world, at_ms)
    days = [today + timedelta(days=n) for n in range(1, 8)]
    return rng.choice([day for day in days if day.weekday() < 5]).strftime("%A")


def _thread_cause(cause: str, shown: str) -> str:
    """The root cause in the thread's terms: an id the thread never gives (a migration, the noisy
    tenant, an import, a moment only our logs know) is named by what it is, or left out."""
    from .triage import generalise

    text = generalise(cause, shown)
    text = re.sub(r"\b(import|job|key) the affected one\b", r"\1", text)
    text = text.replace(" at the time the logs show", "")
    return text[0].upper() + text[1:]


def _repro_call(archetype: dict) -> tuple[str, str] | None:
    """The failing call to reproduce: the archetype's first logged request, or None when the failure
    is not an API call (a webhook delivery, a DNS record) and L1 checks it another way."""
    http = next((line["http"] for line in archetype["signal_logs"] if line.get("http")), None)
    if http is None:
        return None
    return http["method"], http["path"]


def _log_export(world: World, rng, until_ms: int) -> str:
    """The log lines L1 exports and attaches on hard, as our tools print them: the change or expiry that
    set the failure off (when a service logged it) and the failure's own lines from the onset on, each as
    the story tells it at its moment. The evidence is here, for the reader to find, not in L1's note."""
    lines = []
    trigger = world.archetype.get("trigger") or {}
    if trigger.get("service") and trigger.get("message") and world.trigger_ms <= world.onset_ms:
        lines.append((world.trigger_ms, trigger.get("level", "INFO"), trigger["service"], trigger["message"]))
    at = world.onset_ms + rng.randint(1, 20) * 1000 + rng.randrange(1000)
    for line in world.archetype["signal_logs"]:
        lines.append((at, line["level"], line["service"], line["message"]))
        at += rng.randint(2, 40) * 1000 + rng.randrange(1000)
    return "\n".join(
        f"{iso_ms(t)} {level} {service} {text_at(world, message, t)}"
        for t, level, service, message in lines
        if t <= until_ms
    )


def generate(world: World, difficulty: str) -> tuple[dict, dict]:
    rng = kind_rng("escalation_writeup", world, difficulty)
    archetype = world.archetype
    spec = archetype["escalation"]
    customer = world.customer
    first = customer_ticket(world, rng, clear=True, received_ms=world.onset_ms + 12 * MINUTE_MS)
    # The severity by the scale the brief states, with the workaround weighed: a full one (the customer
    # applies it, it removes the impact) makes a Major failure Minor, unless it hits many customers.
    severity, clause = with_workaround(
        ticket_graded(world, first), spec["workaround_kind"], many=world.many_tenants
    )
    # The thread starts when the ticket arrives, which its own words may put later ("for the last hour").
    at = int(datetime.fromisoformat(first["received_at"].replace("Z", "+00:00")).timestamp()) * 1000
    request_ids = [f"req_{hex_id(rng, 12)}" for _ in range(2)]
    # Two requests are two traces: each call the customer made starts its own.
    trace_ids = [hex_id(rng, 32) for _ in request_ids]
    records = (
        int(world.values[spec["impact_records"]])
        if spec.get("impact_records")
        else _count(rng, spec.get("records", _RECORDS))
    )
    users = (
        int(world.values[spec["impact_users"]])
        if spec.get("impact_users")
        else _count(rng, spec.get("users", _USERS))
    )
    secret_kind = spec["secret_kind"]
    secret = _secret(secret_kind, world, rng)
    host = world.values["product"].lower() + ".com"
    call = _repro_call(archetype)
    method, path = call or ("GET", "/v2/orders")
    shown_call = f"{method} {path.replace('{', '').replace('}', '')}"
    # What L1 did first: reproduce the failing call, or (an archetype with nothing to reproduce, a leaked
    # key) what it looked at instead (`l1_tried`).
    tried = (
        world.text(spec["l1_tried"])
        if "l1_tried" in spec
        else rng.choice(_L1_TRIED if call else _L1_CHECKED).format(call=shown_call)
    )
    # Noticing the pasted secret is the candidate's part: L1's notes say what L1 saw and did, never
    # that the thread holds a secret.
    # When each message is written, drawn per seed in the order a thread takes: L1's first look, the
    # customer's details, L1's repro, the customer's follow-up; the forward, the account note and the
    # unrelated note fall in between.
    minute = {"l1_first": rng.randint(5, 14), "forward": rng.randint(10, 22)}
    minute["details"] = max(minute["l1_first"], minute["forward"]) + rng.randint(3, 12)
    minute["repro"] = minute["details"] + rng.randint(4, 12)
    minute["follow_up"] = minute["repro"] + rng.randint(7, 18)
    minute["sales"] = rng.randint(minute["forward"] + 5, minute["follow_up"] + 12)
    minute["unrelated"] = rng.randint(minute["repro"] + 3, minute["follow_up"] + 15)
    minute["auto_reply"] = rng.randint(1, 3)
    others = rng.randint(3, 12)
    l1 = rng.choice(("Priya (L1)", "Marco (L1)", "Sam (L1)", "Jordan (L1)"))
    colleague = f"{_colleague_name(world, difficulty)}, {rng.choice(('Head of IT', 'Ops lead', 'CTO', 'Integration owner'))}"

    def msg(minutes: int, author: str, role: str, subject: str, body: str) -> dict:
        return {"author": author, "role": role, "sent_at": iso_s(at + minutes * MINUTE_MS + rng.randint(0, 59) * 1000),
                "subject": subject, "body": body.strip()}  # fmt: skip

    impact = world.text(
        spec["customer_impact"].replace("{records}", f"{records:,}").replace("{users}", f"{users:,}")
    )
    # L1 looks at the pipeline half an hour into the thread: a backlog it quotes is the story's own at
    # that moment (drawn per seed and growing from the import), and the key's "actual" says the same.
    looked_ms = at + (minute["repro"] - 1) * MINUTE_MS
    # On hard, L1's note reports what L1 saw (the symptom) and the log lines that show the cause are
    # attached: the reader finds the expiry, the node or the record's target there themselves.
    finding = spec.get("l1_symptom", spec["l1_finding"]) if difficulty == "hard" else spec["l1_finding"]
    messages = [
        msg(0, customer.contact_name, "customer", first["subject"], first["body"]),
        msg(minute["l1_first"], l1, "l1_note", "Internal note", rng.choice(_L1_FIRST)),
        msg(
            minute["details"],
            customer.contact_name,
            "customer",
            "Re: " + first["subject"],
            f"{world.text(spec['calls_intro'])} {request_ids[0]} (trace {trace_ids[0]}) and "
            f"{request_ids[1]} (trace {trace_ids[1]}). It started around {world.values['onset_local']}. {impact}\n\n"
            + text_at(world, archetype["ticket"].get("error_snippet", ""), at + minute["details"] * MINUTE_MS)
            + "\n\n"
            + _secret_line(secret_kind, rng, call=call is not None).format(
                host=host,
                method=method,
                path=path.replace("{", "").replace("}", ""),
                tenant_id=world.values.get("client_id", customer.tenant_id),
                secret=secret,
                email=customer.contact_email,
                customer_domain=customer.domain,
                product=world.values["product"].upper(),
            ),
        ),
        msg(
            minute["repro"],
            l1,
            "l1_note",
            "Internal note: repro",
            f"{tried}\n"
            + f"{text_at(world, finding, looked_ms)} Their tenant {customer.tenant_id} is in {world.region}. "
            + _change_log_line(world)
            + (" " + rng.choice(_OTHERS).format(n=others) if world.many_tenants else ""),
        ),
        msg(
            minute["follow_up"],
            customer.contact_name,
            "customer",
            "Re: " + first["subject"],
            f"{world.text(spec['customer_tried'])} "
            + _closing(
                world,
                rng,
                impact=archetype["severity"]["ticket_impact"],
                severity=severity,
                sent_ms=at + (minute["follow_up"] + 1) * MINUTE_MS,
            ),
        ),
    ]
    if difficulty != "easy":
        messages.insert(
            2,
            msg(
                minute["forward"],
                colleague,
                "customer",
                "Fwd: " + first["subject"],
                f"{rng.choice(_FORWARDS)}\n\n---------- Forwarded message ----------\n"
                f"From: {customer.contact_name} <{customer.contact_email}>\nSubject: {first['subject']}\n\n"
                + first["body"],
            ),
        )
        messages.append(
            msg(
                minute["sales"],
                "Account executive",
                "sales",
                "Account note",
                rng.choice(_SALES).format(customer=customer.name, weekday=_later_weekday(world, rng, at)),
            )
        )
    if difficulty == "hard":
        response = "four business hours" if customer.tier == "enterprise" else "one business day"
        messages.insert(
            1,
            msg(
                minute["auto_reply"],
                "Auto-reply",
                "system",
                "Automatic reply: " + first["subject"],
                "Thanks for contacting support. Your request has been received. "
                f"Our standard response time for your plan is {response}.",
            ),
        )
        messages.append(
            msg(
                minute["repro"] + 1,
                "Log export",
                "system",
                f"Attachment: {world.values['primary_service']} and related log lines for {customer.tenant_id}",
                _log_export(world, rng, looked_ms),
            )
        )
        messages.append(
            msg(
                minute["unrelated"],
                l1,
                "l1_note",
                "Internal note: unrelated",
                rng.choice(
                    _UNRELATED_DURING_RISK
                    if archetype["severity"]["ticket_impact"] == "data_at_risk"
                    else _UNRELATED
                ),
            )
        )
    messages.sort(key=lambda m: m["sent_at"])
    for number, message in enumerate(messages, start=1):
        message["id"] = f"M{number}"
    secret_message = next(m["id"] for m in messages if secret in m["body"])
    onset = _stated_onset(world, " ".join(m["body"] for m in messages))

    payload = {
        "kind": "escalation_writeup",
        "title": f"Escalation: {first['subject']}",
        "brief": (
            "Write the escalation packet an engineer can act on without coming back to you: repro steps, "
            "expected and actual behaviour, environment and versions, request or trace ids, timestamps "
            "with timezone, impact, severity with a reason, workaround, and your ask. Handle anything "
            "sensitive in the thread as your policy requires. Severity scale: "
            + " ".join(f"{level}: {text}" for level, text in SEVERITY_SCALE.items())
        ),
        "customer": customer.as_payload(),
        "ticket_id": first["id"],
        "thread": messages,
    }
    # The packet shows the customer and their tier beside the thread.
    thread_text = f"{customer.name} ({customer.tier}) " + " ".join(m["body"] for m in messages)
    answer_key = {
        # An archetype may word the cause and the ask as its thread shows them (`root_cause`, `ask`).
        "root_cause": _thread_cause(world.text(spec.get("root_cause", archetype["root_cause"])), thread_text),
        "route": archetype["route"],
        "facts": {
            "repro_steps": world.texts([step.replace("{onset_utc}", onset) for step in spec["repro_steps"]]),
            "expected": world.text(spec["expected"]),
            "actual": text_at(world, spec["actual"].replace("{onset_utc}", onset), looked_ms),
            "environment": world.text(spec["environment"]),
            "versions": [world.version_old, world.version_new],
            "request_ids": request_ids,
            "trace_ids": trace_ids,
            "onset": onset,
            "impact": {"records": records, "users": users, "tier": customer.tier},
            "severity": severity,
            "severity_reason": shown_severity_reason(  # the thread as the packet shows it
                severity,
                clause,
                world.text(archetype["severity"]["reason"]),
                scope_sentence(world),
                thread_text,
                workaround=world.text(spec["workaround"]),
                workaround_limit=world.text(spec.get("workaround_limit", "")),
            ),
            "workaround": world.text(spec["workaround"]),
            "ask": f"{archetype['route']}: {world.text(spec.get('ask', archetype['route_reason']))}",
        },
        "secret": {"kind": secret_kind, "value": secret, "message_id": secret_message},
        "noise_message_ids": [
            m["id"]
            for m in messages
            if m["role"] == "sales"
            or m["subject"].startswith("Automatic reply")
            or m["subject"].startswith("Fwd:")
            or m["subject"].endswith(": unrelated")
        ],
    }
    return payload, answer_key
