"""The subscriber as the Régie's support sees it: a proxy of the account, no table.

The proxy gives the subscriber page its place in the admin and the support actions their
permissions, granted to the "Régie agent" group without general user administration.
"""

from django.utils.translation import gettext_lazy as _

from accounts.models import User


class Subscriber(User):
    class Meta:
        proxy = True
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        default_permissions = ("view",)
        permissions = [
            ("resend_activation", _("Can send the activation link again")),
            ("send_password_reset", _("Can send a password reset link")),
            ("lift_login_lock", _("Can lift a login lock")),
            ("lift_link_lock", _("Can lift a contract-link lock")),
            ("end_sessions", _("Can end a subscriber's sessions")),
        ]
