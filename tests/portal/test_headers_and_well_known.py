"""Security headers on every response, robots.txt and security.txt."""

import datetime

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_every_page_denies_browser_features_the_portal_does_not_use(client):
    response = client.get("/")
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def test_error_pages_carry_the_permissions_policy_too(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_carry_the_security_headers(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_robots_txt_keeps_the_subscriber_area_and_admin_out_of_search_engines(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    for prefix in ("/espace/", "/contrats/", "/mon-compte/", "/comptes/", "/demandes/"):
        assert f"Disallow: {prefix}\n" in body
    assert f"Disallow: /{settings.ADMIN_PATH}\n" in body
    assert "Disallow: /\n" not in body  # public pages stay indexable


def test_security_txt_says_where_to_report_a_vulnerability(client):
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines() if line)
    assert fields["Contact"] == "mailto:contact@eauxdupaysdaix.fr"
    assert fields["Canonical"].endswith("/.well-known/security.txt")
    expires = datetime.datetime.fromisoformat(fields["Expires"])
    now = datetime.datetime.now(datetime.UTC)
    # RFC 9116: in the future, and less than a year away.
    assert now < expires < now + datetime.timedelta(days=365)


def test_robots_and_security_txt_refuse_a_post(client):
    assert client.post("/robots.txt").status_code == 405
    assert client.post("/.well-known/security.txt").status_code == 405


def test_the_policy_written_once_is_djangos_and_follows_the_settings(client, settings):
    from django.utils.csp import CSP, build_policy

    for _ in range(2):
        assert client.get("/")["Content-Security-Policy"] == build_policy(settings.SECURE_CSP)
    settings.SECURE_CSP = {"default-src": [CSP.SELF], "img-src": [CSP.SELF, "data:"]}
    settings.SECURE_CSP_REPORT_ONLY = {"default-src": [CSP.NONE]}
    response = client.get("/")
    assert response["Content-Security-Policy"] == "default-src 'self'; img-src 'self' data:"
    assert response["Content-Security-Policy-Report-Only"] == "default-src 'none'"


def test_a_response_that_used_its_nonce_carries_it(rf, settings):
    from django.http import HttpResponse
    from django.utils.csp import CSP

    from portal.middleware import ContentSecurityPolicyMiddleware

    settings.SECURE_CSP = {"script-src": [CSP.SELF, CSP.NONCE]}
    request = rf.get("/")

    def view(request):
        return HttpResponse(f"<script nonce='{request._csp_nonce}'></script>")

    response = ContentSecurityPolicyMiddleware(view)(request)
    assert response["Content-Security-Policy"] == (
        f"script-src 'self' 'nonce-{request._csp_nonce}'"
    )
    unused = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("ok"))(rf.get("/"))
    assert unused["Content-Security-Policy"] == "script-src 'self'"
