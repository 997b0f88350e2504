from django.core.management.base import BaseCommand, CommandError

from simulator.erasure import participant_erase
from simulator.errors import DomainError
from simulator.models import Participant


class Command(BaseCommand):
    help = (
        "Erase a participant's personal data (name, e-mail, answers, event data, notes about them) and "
        "keep their anonymous scores; the erasure is written to the organisation's audit log."
    )

    def add_arguments(self, parser):
        parser.add_argument("participant", help="the participant's id or e-mail address")
        parser.add_argument(
            "--organisation", help="the organisation's slug, when the e-mail address is known to several"
        )
        parser.add_argument("--reason", default="request of the person", help="kept in the audit log")

    def handle(self, *args, participant, organisation=None, reason, **options):
        participants = Participant.objects.all()
        if organisation:
            participants = participants.filter(organisation__slug=organisation)
        if participant.isdigit():
            participants = participants.filter(pk=int(participant))
        else:
            participants = participants.filter(email=participant.strip().lower())
        found = list(participants.select_related("organisation")[:2])
        if not found:
            raise CommandError(
                f"no participant {participant!r}" + (f" in {organisation}" if organisation else "")
            )
        if len(found) > 1:
            raise CommandError(
                f"{participant!r} is a participant of several organisations; name one with --organisation"
            )
        try:
            erasure = participant_erase(participant=found[0], reason=reason)
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(erasure))
