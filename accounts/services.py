"""Multi-step operations on accounts, kept out of the views."""

from django.db import transaction

from accounts.models import OutgoingEmail, User


@transaction.atomic
def delete_account(user: User) -> str:
    """Delete an account and every personal datum attached to it; returns its address.

    Deleting the user cascades to everything that points at it: email addresses and
    pending confirmations, two-factor authenticators, sessions, admin log entries, the
    links between the account and payers, and its requests; its contract link attempts
    stay for the audit period without the account. Emails still queued for the address
    go too.
    The caller logs the person out and tells them.
    """
    email = user.email
    OutgoingEmail.objects.filter(to__iexact=email).delete()
    user.delete()
    return email
