from django.urls import path

import contracts.urls  # noqa: F401 - registers the <contract:…> converter
from selfservice import views

app_name = "selfservice"

urlpatterns = [
    path(
        "contrats/<contract:number>/attestation/",
        views.attestation,
        name="attestation",
    ),
    path(
        "contrats/<contract:number>/attestation/<str:code>.pdf",
        views.attestation_pdf,
        name="attestation_pdf",
    ),
    path("verifier/", views.verify_form, name="verify_form"),
    path("verifier/<str:code>/", views.verify, name="verify"),
    path(
        "contrats/<contract:number>/factures/<str:invoice_number>/ecretement/",
        views.leak,
        name="leak",
    ),
    path(
        "contrats/<contract:number>/facture-electronique/",
        views.einvoice_choice,
        name="einvoice",
    ),
    path("facture-electronique/arret/<str:token>/", views.opt_out, name="opt_out"),
]
