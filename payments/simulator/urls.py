from django.urls import path

from payments.simulator import views

app_name = "payfip_simulator"

urlpatterns = [
    path("tpa/services/securite", views.soap, name="soap"),
    path("tpa/paiementws.web", views.payment_page, name="page"),
]
