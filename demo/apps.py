from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Development and test helpers: demo data, the benchmarks' dataset and views.

    Installed only when DJANGO_DEMO is on (by default under DEBUG and in the test suite);
    the production image runs without it.
    """

    name = "demo"
    verbose_name = "Démonstration"
