from django.urls import path

import contracts.urls  # noqa: F401 - registers the <contract:…> converter
from mandates import views

app_name = "mandates"

urlpatterns = [
    path("contrats/<contract:number>/prelevement/", views.home, name="home"),
    path("contrats/<contract:number>/prelevement/signer/", views.sign, name="sign"),
    path("contrats/<contract:number>/prelevement/<str:rum>/", views.detail, name="detail"),
    path(
        "contrats/<contract:number>/prelevement/<str:rum>/mandat.pdf",
        views.signed_pdf,
        name="pdf",
    ),
    path("contrats/<contract:number>/prelevement/<str:rum>/arreter/", views.stop, name="stop"),
    path("contrats/<contract:number>/demenagement/", views.move_out, name="move_out"),
    path(
        "contrats/<contract:number>/demenagement/<str:reference>/",
        views.move_out_filed,
        name="move_out_filed",
    ),
]
