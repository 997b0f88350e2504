"""The world of one scenario: customer, tenant, versions, onset time and the archetype's facts.

Everything is drawn from a `random.Random` seeded with a string (hashed with SHA-512 by the
standard library, so the same on every machine and in every process) and from a Faker instance
seeded the same way. Nothing reads the wall clock. The world depends on the archetype and the
seed only, so every kind generated from one seed tells the story of the same customer and the
same outage.
"""

import functools
import random
import re
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from faker import Faker

from scenarios.catalog import catalog, get_archetype
from scenarios.kinds import KIND_NAMES

from .logstream import POD_SUFFIX_CHARS

KINDS = KIND_NAMES
DIFFICULTIES = ("easy", "medium", "hard")
TIERS = ("enterprise", "premium", "standard")
SEVERITY_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}
TIER_RANK = {"enterprise": 1, "premium": 2, "standard": 3}

_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
# The local hours a failure's onset is drawn in (inclusive): early enough in the reporting customer's
# working day that their ticket and the thread that follows it are written before the evening.
_LOCAL_ONSET_HOURS = (7, 15)
# The names every archetype text may use; an archetype's own `facts` add more.
WORLD_PLACEHOLDERS = (
    "customer",
    "customer_domain",
    "tenant_id",
    "contact_name",
    "contact_email",
    "product",
    "region",
    "version_old",
    "version_new",
    "onset_utc",
    "onset_local",
    "onset_date",
    "day_before",
    "trigger_utc",
    "primary_service",
)
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_POSSESSIVE = re.compile(r"\{([a-z_][a-z0-9_]*)\}'s\b")

_local = threading.local()


def seeded_faker(seed_text: str) -> Faker:
    """A Faker seeded for this generation; the instance is reused per thread because building one is slow."""
    fake = getattr(_local, "faker", None)
    if fake is None:
        fake = _local.faker = Faker("en_US")
    fake.seed_instance(seed_text)
    return fake


def possessive(name: str) -> str:
    """ "Acme's", but "Wright and Sons'": a name ending in s takes the apostrophe alone."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def render(text: str, values: dict[str, str], *, keep_slots: bool = False, salt: str = "") -> str:
    """Fill {name} placeholders ("{customer}'s" as the name's possessive); braces that are not a known
    name (JSON snippets) stay as they are.

    A log template's per-line slots ({#invoice}, {#n:1-9}) are filled by the log generator, line by
    line; anywhere else (an incident's inject quoting a log line) they get one stable value, drawn
    from `salt` and the text: a world passes its own, so a figure differs from seed to seed."""
    text = _POSSESSIVE.sub(
        lambda m: possessive(values[m.group(1)]) if m.group(1) in values else m.group(0), text
    )
    text = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    if "{#" in text and not keep_slots:
        from .logstream import fill_slots

        text = fill_slots(text, random.Random(salt + text))
    return text


def render_all(value, values: dict[str, str], *, salt: str = ""):
    if isinstance(value, str):
        return render(value, values, salt=salt)
    if isinstance(value, list):
        return [render_all(item, values, salt=salt) for item in value]
    if isinstance(value, dict):
        return {key: render_all(item, values, salt=salt) for key, item in value.items()}
    return value


def iso_ms(epoch_ms: int) -> str:
    seconds, millis = divmod(epoch_ms, 1000)
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis:03d}Z"


def iso_s(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms // 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hex_id(rng: random.Random, chars: int) -> str:
    return f"{rng.getrandbits(chars * 4):0{chars}x}"


def _fact_value(rng: random.Random, spec: dict) -> str:
    if "hex" in spec:
        return spec.get("prefix", "") + hex_id(rng, spec["hex"])
    if "int" in spec:
        low, high = spec["int"]
        return str(rng.randint(low, high))
    if "pod" in spec:
        # As a Deployment names a pod: the ReplicaSet's hash, then the pod's own suffix.
        return f"{spec['pod']}-{hex_id(rng, 6)}-" + "".join(rng.choice(POD_SUFFIX_CHARS) for _ in range(5))
    if "node" in spec:
        return f"{spec['node']}-{rng.randint(1, 15)}-{rng.randint(2, 250)}"
    if "ip" in spec:
        return f"{rng.choice(spec['ip'])}.{rng.randint(2, 254)}"
    return rng.choice(spec["timezone"] if "timezone" in spec else spec["choices"])


# Where a customer is, by the country their e-mail domain names: a country's domain puts them in its
# zone; a generic one (.com, .io, .net, .co) in one of the US zones, where most such companies are.
_GENERIC_ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
DOMAIN_ZONES = {
    "com": _GENERIC_ZONES,
    "io": _GENERIC_ZONES,
    "net": _GENERIC_ZONES,
    "co": _GENERIC_ZONES,
    "de": ("Europe/Berlin",),
    "co.uk": ("Europe/London",),
    "fi": ("Europe/Helsinki",),
    "com.au": ("Australia/Sydney",),
    "co.jp": ("Asia/Tokyo",),
    "in": ("Asia/Kolkata",),
    "sg": ("Asia/Singapore",),
}
ZONES = tuple(dict.fromkeys(zone for zones in DOMAIN_ZONES.values() for zone in zones))


def domain_suffix(domain: str) -> str | None:
    """The top-level part of a domain this world knows ("co.uk" of "reed-skinner.co.uk"), or None."""
    return next(
        (suffix for suffix in sorted(DOMAIN_ZONES, key=len, reverse=True) if domain.endswith("." + suffix)),
        None,
    )


def domain_zones(domain: str) -> tuple[str, ...]:
    """The zones a customer writing from this domain can be in; none for a domain of no known country."""
    suffix = domain_suffix(domain)
    return DOMAIN_ZONES[suffix] if suffix else ()


@functools.cache
def _zone_info(zone: str) -> ZoneInfo:
    """The IANA zone from the pinned `tzdata` package rather than the host's tz database, so a scenario
    is the same on any machine."""
    with resources.files("tzdata.zoneinfo").joinpath(*zone.split("/")).open("rb") as data:
        return ZoneInfo.from_file(data, key=zone)


def utc_offset(zone: str, moment: datetime) -> float:
    """The zone's offset from UTC in hours at `moment` (daylight saving time included)."""
    return moment.astimezone(_zone_info(zone)).utcoffset().total_seconds() / 3600


def _hhmm(hours: float) -> str:
    whole = int(hours) % 24
    return f"{whole:02d}:{round((hours - int(hours)) * 60):02d}"


def timezone_values(name: str, offset: float) -> dict[str, str]:
    """What a tenant's time zone means for anything bucketed by UTC day, as placeholders of the fact
    `name`: west of UTC the UTC day starts in the local evening, so what happens after it lands on the
    next day; east of UTC it starts in the local morning, so what happens before it lands on the day
    before. `{name}_example` is a local time on the wrong side of that line."""
    if offset < 0:
        edge, moved_to, example = f"after {_hhmm(24 + offset)}", "the next day", "23:30"
    else:
        edge, moved_to, example = f"before {_hhmm(offset)}", "the day before", _hhmm(offset - 1.5)
    return {
        f"{name}_offset": _offset_label(offset),
        f"{name}_moved": f"{edge} our time move to {moved_to}",
        f"{name}_moved_to": moved_to,
        f"{name}_example": example,
    }


def fact_placeholders(name: str, spec: dict) -> set[str]:
    """The placeholders a fact gives a text: its own name, and a time zone's derived values."""
    previous = {f"{name}_previous"} if spec.get("with_previous") else set()
    return {name} | previous | (set(timezone_values(name, 1)) if "timezone" in spec else set())


def _offset_label(hours: float) -> str:
    sign = "+" if hours >= 0 else "-"
    whole = int(abs(hours))
    minutes = int(round((abs(hours) - whole) * 60))
    return f"UTC{sign}{whole:02d}:{minutes:02d}"


@dataclass(frozen=True)
class Customer:
    name: str
    domain: str
    tenant_id: str
    tier: str
    contact_name: str
    contact_email: str
    # The IANA zone the customer works in (one of their domain's country), and its offset from UTC when
    # the failure begins.
    zone: str
    utc_offset_hours: float

    def as_payload(self) -> dict:
        return {
            "name": self.name,
            "tier": self.tier,
            "contact": self.contact_name,
            "email": self.contact_email,
        }


@dataclass(frozen=True)
class World:
    archetype: dict
    seed: int
    customer: Customer
    region: str
    version_old: str
    version_new: str
    onset_ms: int
    trigger_ms: int
    values: dict

    @property
    def salt(self) -> str:
        """What a figure drawn into a text (a {#n:lo-hi} slot outside a log) is seeded with besides the
        text: the archetype and the seed, so the same text reads a different figure in another world."""
        return f"{self.archetype['id']}|{self.seed}|"

    def text(self, template: str) -> str:
        return render(template, self.values, salt=self.salt)

    def texts(self, value):
        return render_all(value, self.values, salt=self.salt)

    @property
    def severity(self) -> str:
        """The severity of this customer's ticket on the scale: the failure's impact on them and their tier."""
        return self.severity_graded[0]

    @property
    def severity_graded(self) -> tuple[str, str]:
        """(severity, clause of the scale) of this customer's ticket."""
        from .severity import severity_on_scale

        return severity_on_scale(self.archetype["severity"]["ticket_impact"], tier=self.customer.tier)

    @property
    def many_tenants(self) -> bool:
        return self.archetype["severity"]["scope"] == "many_tenants"

    @property
    def incident_severity(self) -> str:
        return self.incident_graded[0]

    @property
    def incident_graded(self) -> tuple[str, str]:
        """(severity, clause of the scale) of the incident as a whole: a failure of many tenants by what it
        does to the platform (its `incident_impact`, else what it does to each customer), whoever reports
        it; a failure of one tenant as severe as it is for that customer."""
        from .severity import severity_on_scale

        if not self.many_tenants:
            return self.severity_graded
        severity = self.archetype["severity"]
        return severity_on_scale(severity.get("incident_impact", severity["ticket_impact"]), many=True)


# Surnames the name generator writes as census data does, without the apostrophe or the inner capital.
_IRISH_O = re.compile(r"\bO(brien|connor|connell|donnell|neill|neal)\b")
_MAC = re.compile(r"\b(Mc|Mac(?=donald\b))([a-z])")
# Words a company's domain leaves out: "Reed, Skinner and Cross" is reedskinner.de, not a name cut off
# in the middle ("reedskinnerandcros.de").
_DOMAIN_FILLER = {"and", "ltd", "llc", "inc", "plc", "group", "sons", "the", "co"}
_DOMAIN_MAX = 16


def proper_name(name: str) -> str:
    """A surname as its bearers write it: O'Brien and McCarthy, not "Obrien" and "Mccarthy"."""
    name = _IRISH_O.sub(lambda m: "O'" + m.group(1).capitalize(), name)
    return _MAC.sub(lambda m: m.group(1) + m.group(2).upper(), name)


def company_domain(company: str, rng: random.Random, *, tld: str) -> str:
    """A company's domain from whole words of its name: one or two of them, never a name cut short."""
    words = [w for w in re.findall(r"[a-z0-9]+", company.lower().replace("'", "")) if w not in _DOMAIN_FILLER]
    words = words or ["customer"]
    slug = words[0]
    if len(words) > 1 and len(words[0]) + len(words[1]) <= _DOMAIN_MAX and rng.random() < 0.6:
        slug = words[0] + rng.choice(("", "-")) + words[1]
    elif len(words) > 1 and rng.random() < 0.5:
        slug = words[0] + rng.choice(("-group", "hq", "-co", "-inc"))
    return f"{slug}.{tld}"


# The top-level domains a customer is drawn with: the generic ones twice as often as a country's.
_TLDS = ("com", "io", "co", "net", "de", "co.uk", "fi", "com.au", "co.jp", "in", "sg")
_TLD_WEIGHTS = (2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1)


def make_customer(
    rng: random.Random, fake: Faker, *, tier: str | None = None, at: datetime = _EPOCH
) -> Customer:
    """A customer in one of the zones of their domain's country, with its offset at `at`."""
    company = proper_name(fake.company())
    # The top-level domain is the world's draw; the rest comes from the name alone.
    tld = rng.choices(_TLDS, weights=_TLD_WEIGHTS)[0]
    domain = company_domain(company, random.Random(f"domain|{company}"), tld=tld)
    first, last = proper_name(fake.first_name()), proper_name(fake.last_name())
    for _ in range(5):
        # "Evan Garcia, Garcia Ltd" signs as if the contact owned the company; few contacts do.
        if last not in company:
            break
        last = proper_name(fake.last_name())
    local_part = re.sub(r"[^a-z0-9.]", "", f"{first.lower()}.{last.lower()}")
    zone = rng.choice(DOMAIN_ZONES[tld])
    return Customer(
        name=company,
        domain=domain,
        tenant_id="tn_" + hex_id(rng, 10),
        tier=tier or rng.choices(TIERS, weights=(3, 3, 4))[0],
        contact_name=f"{first} {last}",
        contact_email=f"{local_part}@{domain}",
        zone=zone,
        utc_offset_hours=utc_offset(zone, at),
    )


def in_zone(customer: Customer, zone: str, rng: random.Random) -> Customer:
    """The customer moved to `zone`: where their domain's country does not have it, the domain takes a
    top-level domain of a country that does (the name before it is unchanged)."""
    if zone in domain_zones(customer.domain):
        return replace(customer, zone=zone)
    tld = rng.choice([tld for tld in _TLDS if zone in DOMAIN_ZONES[tld]])
    domain = customer.domain.removesuffix("." + domain_suffix(customer.domain)) + "." + tld
    local_part = customer.contact_email.split("@")[0]
    return replace(customer, zone=zone, domain=domain, contact_email=f"{local_part}@{domain}")


# Metrics whose figures a story sets moment by moment (a backlog growing from its import) keep the
# catalog's shape; every other metric's baseline and peak are drawn per world around the catalog's.
_STORY_METRICS = {("kafka_consumer_lag", "saturation")}


def _round_like(value: float, example: float) -> float:
    """`value` rounded as the catalog writes `example`: a whole number stays whole (three significant
    figures from the thousands on, 17,400 rather than 17,382), a decimal keeps one place."""
    if float(example).is_integer():
        whole = round(value)
        if whole >= 1000:
            digits = len(str(whole)) - 3
            whole = round(whole, -digits)
        return float(whole) if isinstance(example, float) else whole
    return round(value, 1) or 0.1


def drawn_metrics(archetype: dict, rng: random.Random) -> dict:
    """The archetype with its dashboard metrics drawn for one world: the baseline within about a fifth
    of the catalog's, the peak at about the catalog's ratio to it (a rise within 0.9-1.3 times it, a flat
    line or a fall at it); a percentage stays within 0-100 and a peak of 100% or 0 (a pool or a memory
    limit reached, traffic gone) stays. What pages stays what pages: a draw that would make an alert
    appear or vanish is drawn again (the catalog's figures after a few tries). The alert thresholds, the
    dashboard and the figures quoted from them all read these, so two seeds of one failure do not quote
    one constant."""
    from .incident import _threshold

    def pages(metric: dict, unit: str) -> bool:
        rise = 2 if unit == "%" and "unit" not in metric else 1.5
        return _threshold(metric["baseline"], metric["peak"], unit, rise=rise) is not None

    metrics = {}
    for name, metric in archetype["metrics"].items():
        unit = metric.get("unit", "%" if name == "error_rate_pct" else "ms")
        metrics[name] = metric
        if (archetype["id"], name) in _STORY_METRICS:
            continue
        base, peak = metric["baseline"], metric["peak"]
        for _ in range(6):
            new_base = _round_like(base * rng.uniform(0.8, 1.25), base)
            if peak == 0 or (unit == "%" and peak == 100):
                new_peak = peak
            else:
                ratio = peak / base * (rng.uniform(0.9, 1.3) if peak >= 1.5 * base else 1)
                new_peak = _round_like(new_base * ratio, peak)
            drawn = {**metric, "baseline": new_base, "peak": new_peak}
            if unit == "%" and max(new_base, new_peak) > 100:
                continue
            if (new_peak > new_base) != (peak > base) or (new_peak < new_base) != (peak < base):
                continue
            if pages(drawn, unit) == pages(metric, unit):
                metrics[name] = drawn
                break
    return {**archetype, "metrics": metrics}


def build_world(archetype_id: str, seed: int, *, salt: str = "", onset_ms: int | None = None) -> World:
    """The world of an archetype and seed; `onset_ms` moves its failure to that moment (a neighbour's
    outage in a triage queue happens in the queue's own hour, not on another day)."""
    seed_text = f"world|{archetype_id}|{seed}|{salt}"
    # Drawn from a generator of their own, so the rest of the world is what it was before they were.
    archetype = drawn_metrics(get_archetype(archetype_id), random.Random(f"metrics|{seed_text}"))
    rng = random.Random(seed_text)
    fake = seeded_faker(seed_text)
    customer = make_customer(rng, fake)
    major, minor, patch = rng.randint(2, 9), rng.randint(0, 40), rng.randint(0, 12)
    version_old = f"v{major}.{minor}.{patch}"
    version_new = f"v{major}.{minor + 1}.0" if rng.random() < 0.5 else f"v{major}.{minor}.{patch + 1}"
    day = _EPOCH + timedelta(days=rng.randrange(0, 330))
    # The customer who reports the failure is at work when it begins: its onset is drawn on their clock,
    # in their business hours, so every message they write falls in a working day (see _place_onset).
    local_onset = day.replace(
        hour=rng.randint(*_LOCAL_ONSET_HOURS), minute=rng.randrange(60), second=rng.randrange(60)
    )
    millis = rng.randrange(1000)
    given_onset_ms = onset_ms
    trigger = archetype.get("trigger", {})
    trigger_kind = trigger.get("kind", "none")
    lead_s = 0 if trigger_kind in ("expiry", "external", "traffic", "none") else rng.randint(60, 420)
    if "lead_minutes" in trigger:
        low, high = trigger["lead_minutes"]
        lead_s = rng.randint(low * 60, high * 60)
    trigger_jitter_ms = rng.randrange(1000) * (lead_s > 0)

    values = {
        "customer": customer.name,
        "customer_domain": customer.domain,
        "tenant_id": customer.tenant_id,
        "contact_name": customer.contact_name,
        "contact_email": customer.contact_email,
        "product": catalog()["product"],
        "region": rng.choice(_REGIONS),
        "primary_service": archetype["primary_service"],
        "version_old": version_old,
        "version_new": version_new,
    }
    facts = sorted(archetype.get("facts", {}).items())
    for name, spec in facts:
        values[name] = _fact_value(rng, spec)
        if spec.get("with_previous"):
            values[f"{name}_previous"] = str(int(values[name]) - 1)
    # An archetype that needs the tenant in a particular zone puts its customer there.
    tenant_zone = next(((name, spec) for name, spec in facts if "timezone" in spec), None)
    if tenant_zone is not None:
        customer = in_zone(customer, values[tenant_zone[0]], rng)
    if given_onset_ms is None:
        onset_ms = _place_onset(local_onset, millis, customer.zone)
    else:
        # A failure placed in another scenario's hour (a neighbour in a triage queue) is reported by a
        # customer for whom that hour is a working one, where a zone allows it.
        onset_ms = given_onset_ms
        if not _is_working_hour(onset_ms, customer.zone, latest=17):
            candidates = tenant_zone[1]["timezone"] if tenant_zone else ZONES
            fitting = [zone for zone in candidates if _is_working_hour(onset_ms, zone, latest=17)]
            if fitting:
                customer = in_zone(customer, rng.choice(fitting), rng)
    onset = datetime.fromtimestamp(onset_ms // 1000, tz=UTC)
    customer = replace(customer, utc_offset_hours=utc_offset(customer.zone, onset))
    values |= {"customer_domain": customer.domain, "contact_email": customer.contact_email}
    if tenant_zone is not None:
        values[tenant_zone[0]] = customer.zone
        values |= timezone_values(tenant_zone[0], customer.utc_offset_hours)
    trigger_ms = onset_ms - lead_s * 1000 - trigger_jitter_ms
    values |= {
        "onset_utc": iso_s(onset_ms),
        "onset_local": _onset_local(onset, customer.utc_offset_hours),
        "onset_date": f"{onset:%Y-%m-%d}",
        "day_before": f"{onset - timedelta(days=1):%Y-%m-%d}",
        "trigger_utc": iso_s(trigger_ms),
    }
    world = World(
        archetype=archetype,
        seed=seed,
        customer=customer,
        region=values["region"],
        version_old=version_old,
        version_new=version_new,
        onset_ms=onset_ms,
        trigger_ms=trigger_ms,
        values=values,
    )
    from .stories import story_values

    values |= story_values(world)
    return world


def _place_onset(local: datetime, millis: int, zone: str) -> int:
    """The UTC moment (ms) of a local clock time in the customer's zone (its offset on that day)."""
    moment = local.replace(tzinfo=None).replace(tzinfo=_zone_info(zone))
    return int(moment.timestamp()) * 1000 + millis


def _is_working_hour(onset_ms: int, zone: str, *, latest: int = _LOCAL_ONSET_HOURS[1]) -> bool:
    """Whether the moment falls between the first onset hour and `latest` (inclusive) in that zone."""
    local = datetime.fromtimestamp(onset_ms / 1000, tz=UTC).astimezone(_zone_info(zone))
    return _LOCAL_ONSET_HOURS[0] <= local.hour <= latest


def reports_in_working_hours(world: "World") -> bool:
    """Whether the failure began in the reporting customer's working day (a neighbour placed in another
    scenario's hour may not, when its tenant's zone allows no such hour)."""
    return _is_working_hour(world.onset_ms, world.customer.zone, latest=17)


def _onset_local(onset: datetime, offset: float) -> str:
    local = onset + timedelta(hours=offset)
    local = local - timedelta(minutes=local.minute % 5)
    return f"{local:%H:%M} ({_offset_label(offset)})"
