"""/bench/baseline and /bench/floor/<number>/ (included by portal/urls.py only with
BENCHMARK_BASELINE on and the demo app installed)."""

from django.urls import path

from demo import views

urlpatterns = [
    path("bench/baseline", views.baseline),
    path("bench/floor/<str:number>/", views.floor),
]
