"""What shows the template through: values, minutes and lines that are the same in every scenario.
Each test draws many seeds across the archetypes and checks that what a reader would see repeated from
scenario to scenario varies, while every scenario keeps its own order."""

import re
from collections import Counter
from datetime import timedelta

import pytest

from scenarios.catalog import archetype_ids, get_archetype
from scenarios.consistency import when
from scenarios.generation import generate
from scenarios.tests.test_generation import _strings

RUNS = 60


def _archetypes_for(kind: str) -> list[str]:
    return [a for a in archetype_ids() if kind in get_archetype(a)["kinds"]]


def _scenarios(kind: str, difficulty: str = "medium", runs: int = RUNS):
    ids = _archetypes_for(kind)
    for seed in range(runs):
        yield generate(kind, ids[seed % len(ids)], seed, difficulty)


# --- customer updates -------------------------------------------------------------------------------

# The incident channel's line passing on the guidance agreed for customers.
_AGREED = re.compile(r"what customers can do|advice for customers|guidance agreed for customers")


@pytest.mark.parametrize("archetype", ["db_pool_exhaustion_after_deploy", "third_party_provider_outage"])
def test_comms_known_facts_and_guidance_are_worded_per_seed_and_the_key_states_points(archetype):
    """Over 30 seeds of one outage, each known fact and the guidance the channel agrees reach the writer
    in several phrasings, and the key holds each point in its own terms, never the sentence shown."""
    known, guidance = [Counter(), Counter()], Counter()
    for seed in range(30):
        scenario = generate("customer_comms", archetype, seed, "medium")
        payload, key = scenario.payload, scenario.answer_key
        for n, fact in enumerate(payload["known"]):
            known[n][re.sub(r"\d\d:\d\d UTC", "HH:MM UTC", fact)] += 1
        agreed = next(e["text"] for e in payload["timeline"] if _AGREED.search(e["text"]))
        guidance[re.split(r"(?:meanwhile|update): |customers\. ", agreed)[-1].casefold()] += 1
        assert not set(key["known"]) & set(payload["known"])
        assert key["guidance"].casefold() not in agreed.casefold()
    for counts in known:
        assert len(counts) >= 3, counts
        assert counts.most_common(1)[0][1] <= 20, counts
    assert len(guidance) >= 3, guidance


# --- escalation threads -----------------------------------------------------------------------------


def test_escalation_threads_end_in_varied_words():
    """The customer's last message does not end with the same line in every thread."""
    endings = Counter()
    for scenario in _scenarios("escalation_writeup"):
        last = [m for m in scenario.payload["thread"] if m["role"] == "customer"][-1]["body"]
        sentences = re.split(r"(?<=[.!?])\s+", last)
        endings[" ".join(sentences[-2:])] += 1
    assert len(endings) >= 15, endings
    assert endings.most_common(1)[0][1] <= RUNS * 0.15, endings.most_common(3)


def test_escalation_messages_are_written_at_drawn_minutes_in_thread_order():
    gaps = Counter()
    for scenario in _scenarios("escalation_writeup", "hard"):
        thread = scenario.payload["thread"]
        first = when(thread[0]["sent_at"])
        minutes = tuple(round((when(m["sent_at"]) - first).total_seconds() / 60) for m in thread)
        gaps[minutes] += 1
        roles = [m["role"] for m in thread if m["role"] in ("customer", "l1_note")]
        assert roles[0] == "customer"
        assert [m["sent_at"] for m in thread] == sorted(m["sent_at"] for m in thread)
    assert len(gaps) >= RUNS * 0.9, gaps.most_common(3)


def test_the_account_note_names_a_later_working_day_drawn_per_seed():
    days = Counter()
    for scenario in _scenarios("escalation_writeup", "hard", runs=150):
        for message in scenario.payload["thread"]:
            found = re.search(r"\bon (Monday|Tuesday|Wednesday|Thursday|Friday)\b", message["body"])
            if message["role"] == "sales" and found:
                days[found.group(1)] += 1
    assert len(days) >= 4, days


# --- incident drills ------------------------------------------------------------------------------


def test_incident_injects_and_decisions_are_timed_per_scenario():
    """The minutes at which injects, chat and decisions arrive differ from drill to drill."""
    inject_offsets, decision_offsets, windows = Counter(), Counter(), Counter()
    for scenario in _scenarios("incident"):
        payload, key = scenario.payload, scenario.answer_key
        for inject in payload["injects"]:
            if inject["offset_seconds"]:
                inject_offsets[(inject["kind"], inject["offset_seconds"])] += 1
        for point in payload["decision_points"]:
            decision_offsets[(point["id"], point["offset_seconds"])] += 1
            windows[(point["id"], tuple(key["decisions"][point["id"]]["window_seconds"]))] += 1
    assert inject_offsets.most_common(1)[0][1] <= RUNS * 0.2, inject_offsets.most_common(5)
    assert decision_offsets.most_common(1)[0][1] <= RUNS * 0.2, decision_offsets.most_common(5)
    assert windows.most_common(1)[0][1] <= RUNS * 0.2, windows.most_common(5)


# --- stamped values -------------------------------------------------------------------------------

# Ids, versions and weekdays a reader would remember from one scenario to the next.
_STAMPS = re.compile(
    r"\b(?:[a-z]{2,4}_[0-9a-f]{4,}|CHG-\d+|\"version\": \d+|Monday|Tuesday|Wednesday|Thursday|Friday)"
)


@pytest.mark.parametrize("kind", ["triage_queue", "escalation_writeup", "incident", "customer_comms"])
def test_no_id_version_or_weekday_is_stamped_into_most_scenarios_of_an_archetype(kind):
    repeated = {}
    for archetype in _archetypes_for(kind):
        seen = Counter()
        for seed in range(10):
            scenario = generate(kind, archetype, seed, "hard")
            texts = list(_strings(scenario.payload))
            seen.update({stamp for text in texts for stamp in _STAMPS.findall(text)})
        stamped = sorted(stamp for stamp, count in seen.items() if count >= 5)
        if stamped:
            repeated[archetype] = stamped
    assert repeated == {}


# --- doubled words --------------------------------------------------------------------------------

_DOUBLED = re.compile(r"\b(\w+(?:'s?)?(?: \w+(?:'s?)?){0,3}) \1\b", re.I)


@pytest.mark.parametrize("kind", ["triage_queue", "escalation_writeup", "customer_comms", "incident"])
def test_no_text_doubles_a_word_or_phrase(kind):
    doubled = []
    for difficulty in ("easy", "hard"):
        for scenario in _scenarios(kind, difficulty, runs=40):
            for text in _strings([scenario.payload, scenario.answer_key]):
                doubled += [m.group(0) for m in _DOUBLED.finditer(text) if not m.group(1).isdigit()]
    assert doubled == []


def test_customers_write_in_business_hours_of_their_own_day():
    hours = Counter()
    for scenario in _scenarios("escalation_writeup", "hard"):
        thread = scenario.payload["thread"]
        zoned = next(
            m
            for message in thread
            if message["role"] == "customer"
            and (m := re.search(r"\(UTC([+-])(\d\d):(\d\d)\)", message["body"]))
        )
        offset = (1 if zoned.group(1) == "+" else -1) * (int(zoned.group(2)) + int(zoned.group(3)) / 60)
        for message in thread:
            if message["role"] == "customer":
                hours[(when(message["sent_at"]) + timedelta(hours=offset)).hour] += 1
    assert min(hours) >= 7 and max(hours) < 20, sorted(hours)


def test_an_e_mail_outage_escalation_counts_at_least_the_invitations_the_customer_sent():
    """The e-mails a customer counts as missing include the invitations their first message says they
    sent (and password resets and notifications besides)."""
    for seed in range(12):
        thread = generate("escalation_writeup", "third_party_provider_outage", seed, "medium").payload[
            "thread"
        ]
        invited = re.search(r"invited (\d+) new \w+", thread[0]["body"])
        if invited is None:
            continue
        missing = re.search(
            r"About ([\d,]+) e-mails from you have not arrived", "\n".join(m["body"] for m in thread)
        )
        assert int(missing.group(1).replace(",", "")) >= int(invited.group(1)), seed


def test_a_leaked_key_escalation_counts_data_subjects_and_reproduces_nothing():
    """A leak's affected people are those whose data the key can read, not the staff using the key; L1
    looks the key up rather than "reproducing" someone else's calls; the customer's follow-up speaks of
    nothing their first message did not mention."""
    for seed in range(8):
        generated = generate("escalation_writeup", "leaked_api_key_in_use", seed, "medium")
        thread = generated.payload["thread"]
        users = generated.answer_key["facts"]["impact"]["users"]
        text = "\n".join(m["body"] for m in thread)
        assert f"personal data of about {users:,} people" in text
        repro = next(m["body"] for m in thread if m["subject"].endswith(": repro"))
        assert "Repro attempt" not in repro and "own credentials" not in repro and "own token" not in repro
        follow_up = [m["body"] for m in thread if m["role"] == "customer"][-1]
        assert "repository" not in follow_up
