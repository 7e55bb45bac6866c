from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.account.signals import authentication_step_completed
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import count_login_as_recent_authentication, start_the_clocks

        authentication_step_completed.connect(
            count_login_as_recent_authentication, dispatch_uid="accounts.recent_login"
        )
        user_logged_in.connect(start_the_clocks, dispatch_uid="accounts.start_the_clocks")
