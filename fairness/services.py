"""Writes of the fairness app: a participant's self-identification (answer, decline, withdraw),
its erasure, and an organisation's questions.

No audit entry records answers: the audit log is read by staff and must not hold what the
participant said here. Only the lead's change of questions is audited.
"""

from django.db import transaction
from django.utils import timezone

from fairness.models import QuestionSet, SelfIdentification
from fairness.questions import PREFER_NOT_TO_SAY, clean_questions, validate_questions
from fairness.selectors import questions_for
from simulator.errors import DomainError
from simulator.models import Organisation, Participant, Role
from simulator.services import NotAllowed, audit_record


@transaction.atomic
def self_identification_record(*, participant: Participant, answers: dict, now=None) -> SelfIdentification:
    """Store the participant's answers, replacing earlier ones. A question left out is stored as
    "prefer not to say"; an answer that is not one of the question's options is refused."""
    questions = questions_for(organisation_id=participant.organisation_id)
    if not isinstance(answers, dict):
        raise DomainError("answers must map each question to one of its options")
    known = {q["key"]: {o["key"] for o in q["options"]} | {PREFER_NOT_TO_SAY} for q in questions}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise DomainError(f"there is no question {', '.join(unknown)}")
    clean = {}
    for key, options in known.items():
        value = answers.get(key) or PREFER_NOT_TO_SAY
        if value not in options:
            raise DomainError(f"{key}: choose one of the options offered")
        clean[key] = value
    record, _ = SelfIdentification.objects.update_or_create(
        participant=participant,
        defaults={
            "organisation_id": participant.organisation_id,
            "answers": clean,
            "declined": False,
            "recorded_at": now or timezone.now(),
        },
    )
    return record


@transaction.atomic
def self_identification_decline(*, participant: Participant, now=None) -> SelfIdentification:
    """The participant chose not to answer: kept (with no answers) so they are not asked again."""
    record, _ = SelfIdentification.objects.update_or_create(
        participant=participant,
        defaults={
            "organisation_id": participant.organisation_id,
            "answers": {},
            "declined": True,
            "recorded_at": now or timezone.now(),
        },
    )
    return record


def self_identification_withdraw(*, participant: Participant) -> int:
    """The participant takes back what they said (or their refusal): the row is deleted."""
    deleted, _ = SelfIdentification.objects.filter(participant=participant).delete()
    return deleted


def self_identification_erase(*, participant: Participant) -> int:
    """Erasure of the participant (sent by `simulator.signals.participant_erased`): nothing is kept."""
    deleted, _ = SelfIdentification.objects.filter(participant_id=participant.pk).delete()
    return deleted


@transaction.atomic
def questions_set(*, organisation: Organisation, questions: list[dict], set_by, now=None) -> QuestionSet:
    """A lead sets the organisation's own questions. Answers already given keep their keys; an
    answer whose option no longer exists counts as not stated in reports."""
    membership = getattr(set_by, "membership", None)
    if membership is None or membership.role != Role.LEAD or membership.organisation_id != organisation.pk:
        raise NotAllowed("only a lead of this organisation can set its self-identification questions")
    problems = validate_questions(questions)
    if problems:
        raise DomainError("; ".join(problems))
    now = now or timezone.now()
    clean = clean_questions(questions)
    question_set, _ = QuestionSet.objects.update_or_create(
        organisation=organisation, defaults={"questions": clean, "updated_by": set_by, "updated_at": now}
    )
    audit_record(
        organisation_id=organisation.pk, actor=set_by, action="self_identification.questions_set",
        target=f"organisation:{organisation.pk}", after={"questions": [q["key"] for q in clean]}, now=now,
    )  # fmt: skip
    return question_set
