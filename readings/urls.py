from django.urls import path

import contracts.urls  # noqa: F401 - registers the <contract:…> converter
from readings import views

app_name = "readings"

urlpatterns = [
    path("contrats/<contract:number>/index/", views.self_reading, name="self_reading"),
    path("contrats/<contract:number>/alertes/", views.alerts, name="alerts"),
]
