"""In development, mail printed in the terminal keeps its links whole (no quoted-printable)."""

import io

from django.core.mail import EmailMultiAlternatives

from core.mail import EmailBackend

LINK = "http://127.0.0.1:8080/comptes/confirm-email/MTQ:1vRs3x:aVeryLongKeyThatWouldBeWrappedByQuotedPrintable=/"


def test_a_link_in_a_console_email_can_be_copied_as_is():
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        "Activez votre compte", f"Cliquez : {LINK}\nÀ bientôt", "regie@example.fr", ["a@b.fr"]
    )
    message.attach_alternative(f'<a href="{LINK}">lien</a>', "text/html")
    EmailBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert LINK in printed and "À bientôt" in printed
    assert "=3D" not in printed
