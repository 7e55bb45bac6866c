from django.urls import path  # noqa: F401

import contracts.urls  # noqa: F401 - registers the <contract:…> converter

app_name = "readings"

urlpatterns: list = []
