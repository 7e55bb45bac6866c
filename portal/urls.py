from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from portal import views
from portal.pagecache import entrance_page

urlpatterns = [
    path("", views.home, name="home"),
    path("a-propos/", views.about, name="about"),
    path("contact/", views.contact, name="contact"),
    path("mentions-legales/", views.legal, name="legal"),
    path("healthz", views.healthz, name="healthz"),
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
    # allauth's reset page, rendered once per process for anonymous visitors (pagecache).
    path(
        "comptes/password/reset/",
        entrance_page(allauth_views.password_reset),
        name="account_reset_password",
    ),
    path("comptes/", include("allauth.urls")),
    path("", include("accounts.urls")),
    # The subscriber area: /espace/… and /contrats/<number>/…
    path("", include("contracts.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler400 = "portal.views.error_400"
handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"
# allauth answers its rate limits through this handler (French page, Retry-After).
handler429 = "portal.views.error_429"

if settings.BENCHMARK_BASELINE:
    urlpatterns += [path("bench/baseline", views.baseline)]
