"""What the apps' admins share."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows staff may read and search, never add, change or delete by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def subscriber_links(users: Any) -> str:
    """Links to the subscriber page (support app) of each account, by email.

    By URL name, so that lower apps can link to it without importing it; staff accounts
    have no subscriber page and are shown as plain text.
    """
    items = []
    for user in users:
        try:
            url = reverse("admin:support_subscriber_change", args=[user.pk])
        except NoReverseMatch:
            url = ""
        items.append((url, user.email) if url and not user.is_staff else ("", user.email))
    if not items:
        return "—"
    return format_html_join(
        ", ",
        "{}",
        (
            (format_html('<a href="{}">{}</a>', url, email) if url else email,)
            for url, email in items
        ),
    )


def short_datetime(value: Any) -> str:
    """``06/12/2026 10:15`` in Paris time: list columns stay narrow enough for 1280 px."""
    if value is None:
        return "—"
    return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"


def short_date(value: Any) -> str:
    return "—" if value is None else f"{value:%d/%m/%Y}"
