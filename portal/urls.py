from importlib import import_module

from allauth.account import views as allauth_views
from allauth.account.decorators import reauthentication_required, secure_admin_login
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from accounts import views as accounts_views
from core.pagecache import entrance_page
from inquiries import views as inquiries_views
from portal import admin_site, personal_data, views

# One door: the admin's own login form would bypass the portal's rate limits, per-account
# lock and second factor. Anonymous visitors are sent to the portal's login instead.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
# The Régie's back office, not "Administration de Django" (names, labels, permissions).
admin_site.make_it_the_regies(admin.site)


def _benchmarks(patterns: str) -> list[URLPattern | URLResolver]:
    """One of the demo app's lists of reference views (demo.urls), only for benchmarks
    (BENCHMARK_BASELINE); imported by name: the portal never imports the demo app."""
    if not (settings.BENCHMARK_BASELINE and apps.is_installed("demo")):
        return []
    return list(getattr(import_module("demo.urls"), patterns))


urlpatterns = [
    # The subscriber area first: /espace/… and /contrats/<number>/…, what logged-in visitors
    # ask for most. Django tries the patterns in order, and the 20 before them cost each
    # contract page about 18 µs of its ~40 µs of URL resolution (issue #22). No pattern
    # of another app starts with espace/ or contrats/ before them, so nothing else
    # changes. The benchmarks' floor comes first, so that it is resolved as they are.
    *_benchmarks("floor_urlpatterns"),
    path("", include("contracts.urls")),
    path("", views.home, name="home"),
    path("a-propos/", views.about, name="about"),
    # The Régie's details and the contact form (inquiries app).
    path("contact/", inquiries_views.contact, name="contact"),
    path("mentions-legales/", views.legal, name="legal"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("plan-du-site/", views.site_map, name="site_map"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    # Our sign-up view first: same path and name as allauth's, with the tutorial's message.
    path("comptes/signup/", accounts_views.signup, name="account_signup"),
    path(
        "comptes/confirm-email/<str:key>/",
        accounts_views.confirm_email,
        name="account_confirm_email",
    ),
    path(
        "comptes/password/reset/key/done/",
        accounts_views.password_reset_done,
        name="account_reset_password_from_key_done",
    ),
    # Changing the password or the email address: the password again after 10 minutes
    # (allauth asks it only for its own 2FA pages; same paths and names, so ours win).
    path(
        "comptes/password/change/",
        reauthentication_required(allauth_views.password_change),
        name="account_change_password",
    ),
    path(
        "comptes/email/",
        reauthentication_required(allauth_views.email),
        name="account_email",
    ),
    # allauth's reset page, rendered once per process for anonymous visitors (pagecache).
    path(
        "comptes/password/reset/",
        entrance_page(allauth_views.password_reset),
        name="account_reset_password",
    ),
    path("comptes/", include("allauth.urls")),
    path("", include("accounts.urls")),
    # "Mes données": every app's rows about the account (portal.personal_data).
    path("mon-compte/mes-donnees/", personal_data.my_data, name="my_data"),
    path("mon-compte/mes-donnees/export/", personal_data.my_data_page, name="my_data_page"),
    path("mon-compte/mes-donnees/export.json", personal_data.my_data_json, name="my_data_json"),
    # "Payer en ligne" (PayFiP): the confirmation, PayFiP's notification and return.
    path("", include("payments.urls")),
    path("", include("readings.urls")),
    path("", include("mandates.urls")),
    path("", include("selfservice.urls")),
    # The local PayFiP (404 unless PAYFIP_SIMULATOR: DEBUG and tests).
    path("simulateur-payfip/", include("payments.simulator.urls")),
    # Subscription requests, "Mes demandes" and their attachments.
    path("", include("inquiries.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler400 = "portal.views.error_400"
handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"
# allauth answers its rate limits through this handler (French page, Retry-After).
handler429 = "portal.views.error_429"

# Benchmarks only: the bare view, at the end of the list as it was measured since #22.
urlpatterns += _benchmarks("urlpatterns")
