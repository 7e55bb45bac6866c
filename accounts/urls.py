from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("mon-compte/", views.account, name="account"),
    path("mon-compte/supprimer/", views.delete_account, name="delete"),
    path("comptes/activation/renvoyer/", views.resend_activation, name="resend_activation"),
]
