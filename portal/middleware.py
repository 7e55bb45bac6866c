"""Response headers Django does not set on its own."""

from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware import csp
from django.utils.csp import CSP, build_policy

# Browser features the portal never uses, denied to every page and to anything it could
# embed. The list covers what Chromium and Firefox understand today; an unknown feature
# name is ignored by browsers, a missing one would be allowed.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "bluetooth",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "gamepad",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "interest-cohort",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "web-share",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)


def permissions_policy_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Adds a Permissions-Policy header denying the features listed above."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


class ContentSecurityPolicyMiddleware(csp.ContentSecurityPolicyMiddleware):
    """Django's, with each policy written once rather than on every response: a page that
    used no nonce gets the same header every time, and building it (``build_policy``: every
    directive sorted and joined) was 1 % of a contract page's CPU (issue #22). A page that
    used its nonce, or a view's own configuration (``@csp_override``), is Django's path."""

    _written: ClassVar[dict[int, tuple[object, str]]] = {}

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if (
            csp.get_nonce(request)
            or hasattr(response, "_csp_config")
            or hasattr(response, "_csp_ro_config")
        ):
            return super().process_response(request, response)
        for header, config in (
            (CSP.HEADER_ENFORCE, settings.SECURE_CSP),
            (CSP.HEADER_REPORT_ONLY, settings.SECURE_CSP_REPORT_ONLY),
        ):
            if config and header not in response:
                response.headers[str(header)] = self._policy(config)
        return response

    @classmethod
    def _policy(cls, config: Any) -> str:
        written = cls._written.get(id(config))
        if written is None or written[0] is not config:  # a new configuration (tests)
            written = cls._written[id(config)] = (config, build_policy(config))
        return written[1]


@receiver(setting_changed)
def _forget_policies(setting: str, **kwargs: object) -> None:
    if setting in {"SECURE_CSP", "SECURE_CSP_REPORT_ONLY"}:
        ContentSecurityPolicyMiddleware._written.clear()
