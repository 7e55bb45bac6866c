from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.account.signals import authentication_step_completed

        from accounts.sessions import count_login_as_recent_authentication

        authentication_step_completed.connect(
            count_login_as_recent_authentication, dispatch_uid="accounts.recent_login"
        )
