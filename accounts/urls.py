from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("mon-compte/", views.account, name="account"),
    path("mon-compte/supprimer/", views.delete_account, name="delete"),
    path("session/prolonger/", views.keep_alive, name="keep_alive"),
    path("comptes/activation/renvoyer/", views.resend_activation, name="resend_activation"),
]
