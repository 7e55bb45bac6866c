from django.urls import path, register_converter

from contracts import views


class ContractNumberConverter:
    """A canonical contract number in a URL: /contrats/11301.11377.01/."""

    regex = r"[0-9]{5}\.[0-9]{5}\.[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ContractNumberConverter, "contract")

app_name = "contracts"

urlpatterns = [
    path("espace/", views.area, name="area"),
    path("espace/lier-un-contrat/", views.link, name="link"),
    path("espace/mes-contrats/", views.my_contracts, name="my_contracts"),
    path("espace/mes-contrats/<int:payer_id>/delier/", views.unlink, name="unlink"),
    path("contrats/<contract:number>/", views.dashboard, name="dashboard"),
    path("contrats/<contract:number>/contrat/", views.contract_details, name="details"),
    path(
        "contrats/<contract:number>/reglement-de-service.pdf",
        views.regulations_pdf,
        name="regulations_pdf",
    ),
    path("contrats/<contract:number>/consommations/", views.consumption, name="consumption"),
    path(
        "contrats/<contract:number>/consommations.csv",
        views.consumption_csv,
        name="consumption_csv",
    ),
    path("contrats/<contract:number>/factures/", views.invoices, name="invoices"),
    path(
        "contrats/<contract:number>/factures/<str:invoice_number>/",
        views.invoice_detail,
        name="invoice",
    ),
    path(
        "contrats/<contract:number>/factures/<str:invoice_number>.pdf",
        views.invoice_pdf,
        name="invoice_pdf",
    ),
    path("contrats/<contract:number>/paiements/", views.payments, name="payments"),
]
