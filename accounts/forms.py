"""allauth's forms with the tutorial's labels, sane limits and the Régie's rule shown."""

from typing import Any

from allauth.account import forms as allauth_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.contrib.auth import password_validation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import throttle
from accounts.strength import StrengthValidator
from accounts.validators import RegiePasswordValidator

EMAIL_MAX_LENGTH = 254
# Generous for passphrases and password managers, small enough to refuse junk early.
PASSWORD_MAX_LENGTH = 1024


def regie_validator() -> RegiePasswordValidator | None:
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, RegiePasswordValidator):
            return validator
    return None


def password_rules_html() -> SafeString:
    """The rule as a checklist (under new-password fields); the script ticks its items."""
    validator = regie_validator()
    if validator is None:
        return password_validation.password_validators_help_text_html()
    items = format_html_join(
        "",
        '<li class="password-rules__rule" data-rule="{}">{}</li>',
        ((rule.code, rule.label) for rule in validator.rules()),
    )
    strength = next(
        (
            v
            for v in password_validation.get_default_password_validators()
            if isinstance(v, StrengthValidator)
        ),
        None,
    )
    return format_html(
        '<span class="password-rules__intro">{}</span>'
        '<ul class="password-rules" data-password-rules data-min-length="{}"'
        ' data-met="{}" data-unmet="{}" data-summary="{}">{}</ul>{}',
        _("Your password must contain:"),
        validator.min_length,
        # Written by the script for screen readers, which do not see the ticks: each rule's
        # state, and a summary announced once typing pauses ({met} and {total} filled in).
        pgettext_lazy("password rule", "met"),
        pgettext_lazy("password rule", "not met"),
        _("Password rules met: {met} of {total}"),
        items,
        format_html('<span class="password-rules__hint">{}</span>', strength.get_help_text())
        if strength
        else "",
    )


def tidy(form: forms.Form, labels: dict[str, Any], new_passwords: tuple[str, ...] = ()) -> None:
    """Tutorial labels, no placeholders (a label is always visible), length limits."""
    for name, field in form.fields.items():
        field.widget.attrs.pop("placeholder", None)
        if name in labels:
            field.label = labels[name]
        if isinstance(field, forms.EmailField):
            field.max_length = EMAIL_MAX_LENGTH
            field.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)
            field.validators.append(forms.CharField(max_length=EMAIL_MAX_LENGTH).validators[0])
        elif isinstance(field, forms.CharField) and isinstance(field.widget, forms.PasswordInput):
            field.max_length = PASSWORD_MAX_LENGTH
            field.validators.append(forms.CharField(max_length=PASSWORD_MAX_LENGTH).validators[0])
            field.help_text = ""
        if name in new_passwords:
            field.help_text = password_rules_html()


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(
            self,
            {
                "login": pgettext_lazy("login form", "Email"),
                "password": _("Password"),
                "remember": pgettext_lazy("login form", "Remember me"),
            },
        )
        self.fields["login"].widget.attrs["autocomplete"] = "email"


class SignupForm(allauth_forms.SignupForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(
            self,
            {
                "email": pgettext_lazy("sign-up form", "Email"),
                "password1": _("Password"),
                "password2": _("Password confirmation"),
            },
            new_passwords=("password1",),
        )


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(self, {"email": pgettext_lazy("login form", "Email")})

    def save(self, request: Any, **kwargs: Any) -> str:
        """Past a few requests a day for one address, answer the same but send nothing.

        Mail bombing a subscriber with reset links, or probing the address, gains nothing:
        the page says "sent" either way.
        """
        email = self.cleaned_data["email"]
        if throttle.locked_until(throttle.PASSWORD_RESET, email):
            return email
        throttle.record_failure(throttle.PASSWORD_RESET, email)
        return super().save(request, **kwargs)


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(
            self,
            {"password1": _("New password"), "password2": _("New password confirmation")},
            new_passwords=("password1",),
        )


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(
            self,
            {
                "oldpassword": _("Current password"),
                "password1": _("New password"),
                "password2": _("New password confirmation"),
            },
            new_passwords=("password1",),
        )


class ReauthenticateForm(allauth_forms.ReauthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(self, {"password": _("Password")})


class AddEmailForm(allauth_forms.AddEmailForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(self, {"email": _("New email address")})


class DeleteAccountForm(forms.Form):
    """Deleting an account asks for its password, so a borrowed session cannot do it."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("This is not your current password."), code="wrong_password"
            )
        return password


class MFAAuthenticateForm(mfa_forms.AuthenticateForm):
    """The code asked after the password: a TOTP code or a recovery code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(self, {"code": _("Code from your app, or a recovery code")})


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(self, {"code": _("Code shown by your app")})
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
