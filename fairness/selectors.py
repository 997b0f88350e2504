"""Reads of the fairness app: the questions an organisation asks, a participant's own record, and
the rows behind an exercise's adverse-impact report (lead only; the views check that)."""

from django.conf import settings

from fairness.impact import Candidate, adverse_impact, is_selected
from fairness.models import QuestionSet, SelfIdentification
from fairness.questions import DEFAULT_QUESTIONS
from scoring.models import Scorecard
from simulator.models import AttemptStatus


def questions_for(*, organisation_id: int) -> list[dict]:
    question_set = QuestionSet.objects.filter(organisation_id=organisation_id).first()
    return question_set.questions if question_set else DEFAULT_QUESTIONS


def question_set_for(*, organisation_id: int) -> QuestionSet | None:
    """The organisation's own question set with who last changed it, or None while the defaults apply."""
    return QuestionSet.objects.select_related("updated_by").filter(organisation_id=organisation_id).first()


def own_record(*, participant_id: int) -> SelfIdentification | None:
    return SelfIdentification.objects.filter(participant_id=participant_id).first()


def impact_candidates(*, exercise, finalized_only: bool = False) -> list[Candidate]:
    """One row per candidate with a scorecard on the exercise (their latest attempt), joined to their
    self-identification by participant. Two queries; nothing here names a person."""
    cards = Scorecard.objects.filter(exercise=exercise, organisation_id=exercise.organisation_id)
    if finalized_only:
        cards = cards.filter(attempt__status=AttemptStatus.FINALIZED)
    latest: dict[int, tuple[str, float | None]] = {}
    for participant_id, recommendation, mean_score in cards.order_by(
        "attempt__submitted_at", "attempt_id"
    ).values_list("attempt__participant_id", "recommendation", "mean_score"):
        latest[participant_id] = (recommendation, mean_score)
    answers = dict(
        SelfIdentification.objects.filter(
            organisation_id=exercise.organisation_id,
            declined=False,
            participant_id__in=cards.values("attempt__participant_id"),
        ).values_list("participant_id", "answers")
    )
    return [
        Candidate(
            selected=is_selected(recommendation), score=score, answers=answers.get(participant_id) or {}
        )
        for participant_id, (recommendation, score) in latest.items()
    ]


def impact_report(*, exercise, finalized_only: bool = False) -> dict:
    report = adverse_impact(
        impact_candidates(exercise=exercise, finalized_only=finalized_only),
        questions_for(organisation_id=exercise.organisation_id),
        min_group_size=settings.FAIRNESS_MIN_GROUP_SIZE,
    )
    report["finalized_only"] = finalized_only
    return report
