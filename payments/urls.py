from django.urls import path

import contracts.urls  # noqa: F401 - registers the <contract:…> converter
from payments import views

app_name = "payments"

urlpatterns = [
    path(
        "contrats/<contract:number>/factures/<str:invoice_number>/payer/",
        views.pay,
        name="pay",
    ),
    path("paiement-en-ligne/notification/", views.notify, name="notify"),
    path("paiement-en-ligne/retour/<uuid:token>/", views.back, name="back"),
]
