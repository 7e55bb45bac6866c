"""Secrets kept encrypted at rest: two-factor secrets and bank details (IBANs).

One key setting, ``MFA_ENCRYPTION_KEY`` (its name predates the bank details): Fernet keys,
comma-separated during a rotation, the first encrypting and every one decrypting. Apps
that keep an encrypted column register it here (``register``), so that
``manage.py rotate_mfa_key`` re-encrypts it with the new key without importing the app
(``accounts`` may not import the apps above it).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt", "fernet", "register", "rotate_registered"]


@cache
def fernet() -> MultiFernet:
    """``MFA_ENCRYPTION_KEY`` may list several keys, comma-separated: the first encrypts,
    all decrypt. To rotate: put the new key first, keep the old one after it, run
    ``manage.py rotate_mfa_key``, then drop the old key."""
    key = settings.MFA_ENCRYPTION_KEY
    if not key:
        # Development and tests only (settings refuse a production start without a key).
        digest = hashlib.sha256(f"mfa-encryption:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    text = key.decode() if isinstance(key, bytes) else key
    return MultiFernet([Fernet(k.strip().encode()) for k in text.split(",") if k.strip()])


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The clear text; ``InvalidToken`` when no key of the setting opens it."""
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same secret, encrypted again with the first key."""
    return fernet().rotate(token.encode()).decode()


@dataclass(frozen=True, slots=True)
class EncryptedColumn:
    model: str  # "app_label.ModelName"
    field: str  # a text column holding a Fernet token, or "" for none


# Filled by the apps' ready(); read by ``rotate_registered``.
REGISTRY: list[EncryptedColumn] = []


def register(model: str, *fields: str) -> None:
    """Declare columns of ``model`` that hold ``encrypt()`` tokens (blank when unset)."""
    for name in fields:
        column = EncryptedColumn(model, name)
        if column not in REGISTRY:
            REGISTRY.append(column)


def rotate_registered(*, dry_run: bool = False) -> int:
    """Re-encrypt every registered column with the first key; the values rewritten.

    Call inside a transaction: rows are locked while they are rewritten.
    """
    count = 0
    for column in REGISTRY:
        model = apps.get_model(column.model)
        rows = model._default_manager.exclude(**{column.field: ""}).select_for_update()
        for pk, token in rows.values_list("pk", column.field).iterator():
            new = rotate(token)
            if new != token:
                count += 1
                if not dry_run:
                    model._default_manager.filter(pk=pk).update(**{column.field: new})
    return count
