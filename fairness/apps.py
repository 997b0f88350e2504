from django.apps import AppConfig


class FairnessConfig(AppConfig):
    name = "fairness"
    verbose_name = "Fairness"

    def ready(self):
        from fairness import receivers
        from simulator.signals import participant_erased

        participant_erased.connect(receivers.erase_self_identification, dispatch_uid="fairness.erase")
