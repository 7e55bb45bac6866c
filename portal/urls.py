from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("a-propos/", views.about, name="about"),
    path("contact/", views.contact, name="contact"),
    path("mentions-legales/", views.legal, name="legal"),
    path("healthz", views.healthz, name="healthz"),
    # The subscriber area: /espace/… and /contrats/<number>/…
    path("", include("contracts.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler400 = "portal.views.error_400"
handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"
