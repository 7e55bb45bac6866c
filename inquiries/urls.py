from django.urls import path

from inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("demandes/", views.inquiry_list, name="list"),
    path("demandes/abonnement/", views.subscription, name="subscription"),
    path("demandes/confirmation/", views.confirmation, name="confirmation"),
    path("demandes/<str:reference>/", views.detail, name="detail"),
    path("demandes/<str:reference>/pieces/<int:pk>/", views.attachment, name="attachment"),
]
