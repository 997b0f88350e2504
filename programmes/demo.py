"""Demo content for `seed_demo`: the 30/60/90-day programme with one trainee a couple of weeks in,
who has done a few drills of growing quality, so the trainee's page and the lead's overview show
real charts. Answers come from each scenario's answer key at a chosen quality (`simulator.demo`)
and go through the same services as a trainee's own drill."""

from datetime import timedelta

from django.utils import timezone

from programmes import services
from programmes.models import Enrolment, Programme
from programmes.templates_default import DEFAULT_TITLE, DRILL_LIBRARY
from simulator import demo as simulator_demo
from simulator import services as simulator_services

TRAINEE = ("Noor Haddad", "noor.haddad@example.com", 14)  # name, e-mail, days since the start
SECOND_TRAINEE = ("Leo Brandt", "leo.brandt@example.com", 40)
# (drill slug, quality, days ago, minutes used): a trainee who gets better and faster
DRILLS_DONE = [
    ("drill-triage-easy", 0.3, 12, 24),
    ("drill-comms-easy", 0.45, 10, 14),
    ("drill-triage-easy", 0.65, 7, 18),
    ("drill-logs-easy", 0.7, 5, 26),
    ("drill-triage-easy", 0.9, 3, 12),
    ("drill-comms-easy", 1.0, 1, 9),
]


def drill_slugs() -> list[str]:
    """The slugs of the template's drills (seed_demo leaves them out of its candidate links)."""
    return [d["slug"] for d in DRILL_LIBRARY]


def demo_programme(*, organisation, lead, with_drills: bool = True) -> tuple[Programme, Enrolment, str]:
    """The demo programme and its trainee (reused when they exist); returns the trainee's link token."""
    programme = organisation.programmes.filter(title=DEFAULT_TITLE).first()
    if programme is None:
        programme = services.programme_create(
            organisation=organisation, title=DEFAULT_TITLE, created_by=lead,
            description="The role blueprint's onboarding plan: baseline execution by 30 days, independent "
            "ownership by 60, problem management by 90.",
            stages=services.default_stages(organisation=organisation),
        )  # fmt: skip
    enrolments = []
    for name, email, days in (TRAINEE, SECOND_TRAINEE):
        enrolment = programme.enrolments.filter(email=email).first()
        if enrolment is None:
            enrolment, _ = services.enrolment_create(
                programme=programme, name=name, email=email,
                start_date=timezone.localdate() - timedelta(days=days), enrolled_by=lead,
            )  # fmt: skip
        enrolments.append(enrolment)
    trainee = enrolments[0]
    if with_drills and not trainee.drill_attempts.exists():
        _take_drills(trainee, DRILLS_DONE)
        _take_drills(enrolments[1], [("drill-triage-easy", 0.8, 30, 20), ("drill-comms-easy", 0.4, 25, 15)])
    return programme, trainee, services.trainee_link_token(trainee.link_secret)


def _take_drills(enrolment: Enrolment, done: list[tuple]) -> None:
    from scoring import services as scoring_services

    exercises = {e.slug: e for e in enrolment.programme.organisation.exercises.filter(slug__in=drill_slugs())}
    for slug, quality, days_ago, minutes in done:
        attempt, _ = services.drill_start(enrolment=enrolment, exercise=exercises[slug])
        for item in attempt.items.select_related("scenario__answer_key").order_by("position"):
            answer = simulator_demo.ANSWERS[item.kind](
                item.scenario.full_payload(), item.scenario.answer_key.content, quality
            )
            simulator_services.response_save(attempt=attempt, item=item, base_version=0, answer=answer)
        simulator_services.attempt_submit(attempt=attempt, submitted_by="participant")
        simulator_demo._spread_over_time(attempt, minutes=minutes, days_ago=days_ago)
        scoring_services.attempt_score(attempt_id=attempt.pk)
