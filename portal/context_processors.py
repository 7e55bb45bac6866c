from django.conf import settings
from django.http import HttpRequest

from core.identity import REGIE


def regie(request: HttpRequest) -> dict[str, object]:
    """The Régie's identity, available in every template as ``regie``."""
    return {"regie": REGIE}


def accessibility(request: HttpRequest) -> dict[str, object]:
    """The RGAA mention shown in every footer (settings.ACCESSIBILITY_STATUS)."""
    return {"accessibility_status": settings.ACCESSIBILITY_STATUS}
