from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The leaf every app may import: identity, client IP, admin bases, caching helpers.

    It imports only Django and libraries, never another app of this project.
    """

    name = "core"
    verbose_name = "Noyau"

    def ready(self) -> None:
        from django.core.signals import request_started

        from core import prefetch

        # Each request starts with nothing read ahead (core.prefetch).
        request_started.connect(prefetch.reset, dispatch_uid="core.prefetch.reset")
