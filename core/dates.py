"""Today's date where the Régie is, read the cheap way.

``timezone.localdate()`` asks for the active time zone (a context-local lookup through
asgiref) on every call: 6 µs, twice per contract page. The portal never activates a time
zone of its own (every visitor is in France, ``TIME_ZONE``), so the date in the default
zone is the same, in 0.6 µs (``tests/portal/test_dates.py`` checks both agree, and that
nothing activated another zone).
"""

from __future__ import annotations

import datetime

from django.utils import timezone


def today() -> datetime.date:
    """``timezone.localdate()`` in ``TIME_ZONE``."""
    return datetime.datetime.now(timezone.get_default_timezone()).date()
