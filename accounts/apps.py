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
        # The kept account is read with the session (accounts.sessionstore).
        from accounts import usercache
        from core import prefetch

        prefetch.register("accounts.user", usercache.prefetched_keys)
        self._drop_kept_accounts()

    def _drop_kept_accounts(self) -> None:
        """Every change that matters to a logged-in account drops its kept copy
        (accounts.usercache), on every process."""
        from allauth.account.models import EmailAddress
        from allauth.account.signals import password_changed, password_reset, password_set
        from allauth.usersessions.models import UserSession
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from accounts import usercache
        from accounts.models import User

        for signal in (post_save, post_delete):
            signal.connect(usercache.user_changed, sender=User, dispatch_uid="usercache.user")
            signal.connect(
                usercache.user_id_changed,
                sender=EmailAddress,
                dispatch_uid="usercache.EmailAddress",
            )
        # A session ended from the sessions list. (Its activity, recorded once a minute,
        # changes nothing of the account: that save keeps the kept copy.)
        post_delete.connect(
            usercache.user_id_changed, sender=UserSession, dispatch_uid="usercache.UserSession"
        )
        for through in (User.groups.through, User.user_permissions.through):
            m2m_changed.connect(
                usercache.relations_changed,
                sender=through,
                dispatch_uid=f"usercache.{through.__name__}",
            )
        for name, account_signal in (
            ("logout", user_logged_out),
            ("password_changed", password_changed),
            ("password_set", password_set),
            ("password_reset", password_reset),
        ):
            account_signal.connect(usercache.user_signal, dispatch_uid=f"usercache.{name}")
