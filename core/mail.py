"""Mail printed in the development console, readable: the text body as written.

Django's console backend prints the MIME message, whose UTF-8 body is quoted-printable:
a copied activation link comes out broken by ``=`` line ends and ``=3D``. Here the
headers that matter and the text body are printed as they are (HTML part omitted).
"""

from typing import Any

from django.core.mail.backends import console


class EmailBackend(console.EmailBackend):
    def write_message(self, message: Any) -> None:
        attachments = list(getattr(message, "alternatives", []))
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
        ]
        if attachments:
            lines.append("(HTML version not shown)")
        self.stream.write("\n".join(lines) + "\n\n" + message.body + "\n")
        self.stream.write("-" * 79 + "\n")
