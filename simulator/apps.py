from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SimulatorConfig(AppConfig):
    name = "simulator"
    verbose_name = "Simulator"

    def ready(self):
        from simulator import checks  # noqa: F401  (registers the system checks)


class OperatorAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the operators-only site as `admin.site`; INSTALLED_APPS names it in
    the admin's place. Not this module's default config: that stays SimulatorConfig."""

    default = False
    default_site = "simulator.admin_site.OperatorAdminSite"
