"""/bench/baseline and /bench/floor/<number>/ (included by portal/urls.py only with
BENCHMARK_BASELINE on and the demo app installed).

The floor stands for what a contract page pays before its page, URL resolution included:
portal/urls.py puts it just before the contract pages. The bare view stays at the end of
the URL list, where it has been measured since issue #22 was filed."""

from django.urls import path

from demo import views

floor_urlpatterns = [path("bench/floor/<str:number>/", views.floor)]
urlpatterns = [path("bench/baseline", views.baseline)]
