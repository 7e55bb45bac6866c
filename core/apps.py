from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The leaf every app may import: identity, client IP, admin bases, caching helpers.

    It imports only Django and libraries, never another app of this project.
    """

    name = "core"
    verbose_name = "Noyau"
