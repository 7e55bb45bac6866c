"""A readable device for the sessions list: "Firefox · Windows" rather than a user agent."""

import re

from django import template
from django.utils.translation import gettext as _

register = template.Library()

# Order matters: Edge and Opera announce Chrome too, Chrome announces Safari.
BROWSERS = [
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox", "Firefox"),
    ("Chrome", "Chrome"),
    ("Chromium", "Chromium"),
    ("Safari", "Safari"),
]
SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


@register.filter
def device(user_agent: str | None) -> str:
    ua = user_agent or ""
    browser = next((name for token, name in BROWSERS if re.search(token, ua)), "")
    system = next((name for token, name in SYSTEMS if token in ua), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown device")
