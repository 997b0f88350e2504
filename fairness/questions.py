"""The voluntary self-identification questions: the default set, and the checks a per-organisation
set must pass. Every question also offers "Prefer not to say", which is never a group of its own."""

import re

PREFER_NOT_TO_SAY = "prefer_not_to_say"
PREFER_NOT_TO_SAY_LABEL = "Prefer not to say"
MAX_QUESTIONS = 8
MAX_OPTIONS = 12
_KEY = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")

# Broad categories, as equal-opportunity monitoring forms commonly ask them. Age is banded with a
# boundary at 40, where age-discrimination law (and so adverse-impact analysis) usually draws it.
DEFAULT_QUESTIONS: list[dict] = [
    {
        "key": "gender",
        "label": "Gender",
        "prompt": "How do you describe your gender?",
        "options": [
            {"key": "woman", "label": "Woman"},
            {"key": "man", "label": "Man"},
            {"key": "non_binary", "label": "Non-binary"},
            {"key": "another", "label": "In another way"},
        ],
    },
    {
        "key": "age",
        "label": "Age",
        "prompt": "How old are you?",
        "options": [
            {"key": "under_25", "label": "Under 25"},
            {"key": "25_39", "label": "25 to 39"},
            {"key": "40_54", "label": "40 to 54"},
            {"key": "55_over", "label": "55 or over"},
        ],
    },
    {
        "key": "ethnicity",
        "label": "Ethnic background",
        "prompt": "Which best describes your ethnic background?",
        "options": [
            {"key": "asian", "label": "Asian"},
            {"key": "black", "label": "Black"},
            {"key": "hispanic_latino", "label": "Hispanic or Latino"},
            {"key": "middle_eastern_north_african", "label": "Middle Eastern or North African"},
            {"key": "white", "label": "White"},
            {"key": "mixed", "label": "Mixed or multiple backgrounds"},
            {"key": "another", "label": "Another background"},
        ],
    },
    {
        "key": "disability",
        "label": "Disability",
        "prompt": "Do you consider yourself to have a disability or a long-term health condition?",
        "options": [{"key": "yes", "label": "Yes"}, {"key": "no", "label": "No"}],
    },
]


def validate_questions(questions) -> list[str]:
    """What is wrong with a question set, in words a lead understands; empty when it is usable."""
    if not isinstance(questions, list) or not questions:
        return ["give at least one question"]
    if len(questions) > MAX_QUESTIONS:
        return [f"at most {MAX_QUESTIONS} questions"]
    problems = []
    seen = set()
    for number, question in enumerate(questions, start=1):
        if not isinstance(question, dict):
            problems.append(f"question {number}: must be an object with key, label, prompt and options")
            continue
        key = question.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            problems.append(f"question {number}: key must be lower-case letters, digits and _ (up to 40)")
        elif key in seen:
            problems.append(f"question {number}: the key {key} is used twice")
        seen.add(key)
        for field in ("label", "prompt"):
            value = question.get(field)
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                problems.append(f"question {number}: {field} must be text of 1 to 200 characters")
        options = question.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
            problems.append(f"question {number}: give 2 to {MAX_OPTIONS} options")
            continue
        option_keys = set()
        for option in options:
            okey = option.get("key") if isinstance(option, dict) else None
            label = option.get("label") if isinstance(option, dict) else None
            if not isinstance(okey, str) or not _KEY.match(okey) or okey == PREFER_NOT_TO_SAY:
                problems.append(
                    f"question {number}: option keys are lower-case letters, digits and _, and not "
                    f"{PREFER_NOT_TO_SAY} (every question offers it already)"
                )
            elif okey in option_keys:
                problems.append(f"question {number}: the option {okey} is listed twice")
            option_keys.add(okey)
            if not isinstance(label, str) or not label.strip() or len(label) > 120:
                problems.append(f"question {number}: every option needs a label of 1 to 120 characters")
    return problems


def clean_questions(questions: list[dict]) -> list[dict]:
    return [
        {
            "key": q["key"],
            "label": q["label"].strip(),
            "prompt": q["prompt"].strip(),
            "options": [{"key": o["key"], "label": o["label"].strip()} for o in q["options"]],
        }
        for q in questions
    ]


def _key_from(label: str, taken: set[str], fallback: str) -> str:
    """A key for a new question or option, from its label: lower-case letters, digits and _."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:36].strip("_") or fallback
    key, number = base, 2
    while key in taken or key == PREFER_NOT_TO_SAY:
        key, number = f"{base}_{number}", number + 1
    taken.add(key)
    return key


def questions_from_form(blocks: list[dict], previous: list[dict]) -> list[dict]:
    """The question set a lead's form describes. Each block is {"key", "label", "prompt", "options"
    (one label per line), "remove"}; blocks with neither label, prompt nor options are skipped.

    Keys are what stored answers and reports hold, so they are kept: a question keeps the key its form
    block carried, and an option whose label (ignoring case) it already had keeps that option's key.
    New questions and options get a key made from their label. Nothing is checked here; the result
    goes through `validate_questions` like any other set."""
    previous_options = {
        q["key"]: {o["label"].strip().lower(): o["key"] for o in q.get("options", [])} for q in previous
    }
    blocks = [b for b in blocks if not b.get("remove")]
    kept = {b.get("key", "") for b in blocks if b.get("key", "") in previous_options}
    taken_questions = set(kept)
    questions = []
    for number, block in enumerate(blocks, start=1):
        label, prompt = block.get("label", "").strip(), block.get("prompt", "").strip()
        option_labels = [line.strip() for line in block.get("options", "").splitlines() if line.strip()]
        if not (label or prompt or option_labels):
            continue
        key = block.get("key", "")
        if key not in kept:
            key = _key_from(label, taken_questions, f"question_{number}")
        known = previous_options.get(key, {})
        taken_options = {known[o.lower()] for o in option_labels if o.lower() in known}
        options = []
        for position, option_label in enumerate(option_labels, start=1):
            option_key = known.get(option_label.lower())
            if option_key is None:
                option_key = _key_from(option_label, taken_options, f"option_{position}")
            options.append({"key": option_key, "label": option_label})
        questions.append({"key": key, "label": label, "prompt": prompt, "options": options})
    return questions
