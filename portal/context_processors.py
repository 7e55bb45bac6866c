from django.http import HttpRequest

from portal.identity import REGIE


def regie(request: HttpRequest) -> dict[str, object]:
    """The Régie's identity, available in every template as ``regie``."""
    return {"regie": REGIE}
