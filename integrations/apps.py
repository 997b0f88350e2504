from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from integrations import receivers
        from simulator.events import domain_event

        domain_event.connect(receivers.on_domain_event, dispatch_uid="integrations.on_domain_event")
