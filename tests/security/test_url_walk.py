"""Every URL pattern of the site, walked as anonymous, subscriber, outsider and staff.

Each route is classified below. A route added without a classification fails
``test_every_url_pattern_is_classified``: decide who may open it, and this module checks it.

* ``PUBLIC``: anyone; never a server error, never a redirect to another host.
* ``LOGIN``: anonymous visitors are sent to the login page.
* ``CONTRACT`` / ``REQUEST``: a subscriber's contract or request; anonymous → login, a
  subscriber of another payer → 404 (never 403: no hint that it exists), owner → 200.
* ``STAFF``: the admin; anonymous and subscribers are sent to the login page, never served.
"""

import datetime

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from contracts.models import DocumentKind, ServiceDocument
from mandates.models import Mandate, MandateState
from selfservice import attestations, einvoice
from tests.builders import PDF_BYTES, add_attempt, add_invoice, reauthenticate
from tests.inquiries.factories import contact_request
from tests.mandates.factories import move_out as file_move_out
from tests.mandates.factories import sign as sign_mandate

pytestmark = pytest.mark.django_db

PUBLIC, LOGIN, CONTRACT, REQUEST, STAFF = "public", "login", "contract", "request", "staff"
CONTRACT_NUMBER = "11301.11377.01"

# route (as Django prints it) → (classification, a concrete path to try).
# {number} is the subscriber's contract, {reference} and {attachment} their request's.
ROUTES: dict[str, tuple[str, str]] = {
    "": (PUBLIC, "/"),
    "a-propos/": (PUBLIC, "/a-propos/"),
    "contact/": (PUBLIC, "/contact/"),
    "mentions-legales/": (PUBLIC, "/mentions-legales/"),
    "healthz": (PUBLIC, "/healthz"),
    "accessibilite/": (PUBLIC, "/accessibilite/"),
    "plan-du-site/": (PUBLIC, "/plan-du-site/"),
    "donnees-personnelles/": (PUBLIC, "/donnees-personnelles/"),
    "robots.txt": (PUBLIC, "/robots.txt"),
    ".well-known/security.txt": (PUBLIC, "/.well-known/security.txt"),
    # Accounts (allauth and ours).
    "comptes/signup/": (PUBLIC, "/comptes/signup/"),
    "comptes/login/": (PUBLIC, "/comptes/login/"),
    "comptes/logout/": (PUBLIC, "/comptes/logout/"),
    "comptes/inactive/": (PUBLIC, "/comptes/inactive/"),
    "comptes/confirm-email/": (PUBLIC, "/comptes/confirm-email/"),
    "comptes/confirm-email/<str:key>/": (PUBLIC, "/comptes/confirm-email/not-a-key/"),
    "comptes/^confirm-email/(?P<key>[-:\\w]+)/$": (PUBLIC, "/comptes/confirm-email/not-a-key/"),
    "comptes/password/reset/": (PUBLIC, "/comptes/password/reset/"),
    "comptes/password/reset/done/": (PUBLIC, "/comptes/password/reset/done/"),
    "comptes/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (
        PUBLIC,
        "/comptes/password/reset/key/1-set-password/",
    ),
    "comptes/password/reset/key/done/": (PUBLIC, "/comptes/password/reset/key/done/"),
    "comptes/login/code/confirm/": (PUBLIC, "/comptes/login/code/confirm/"),
    "comptes/2fa/authenticate/": (PUBLIC, "/comptes/2fa/authenticate/"),
    "comptes/activation/renvoyer/": (PUBLIC, "/comptes/activation/renvoyer/"),
    "comptes/password/change/": (LOGIN, "/comptes/password/change/"),
    "comptes/password/set/": (LOGIN, "/comptes/password/set/"),
    "comptes/email/": (LOGIN, "/comptes/email/"),
    "comptes/reauthenticate/": (LOGIN, "/comptes/reauthenticate/"),
    "comptes/2fa/": (LOGIN, "/comptes/2fa/"),
    "comptes/2fa/reauthenticate/": (LOGIN, "/comptes/2fa/reauthenticate/"),
    "comptes/2fa/totp/activate/": (LOGIN, "/comptes/2fa/totp/activate/"),
    "comptes/2fa/totp/deactivate/": (LOGIN, "/comptes/2fa/totp/deactivate/"),
    "comptes/2fa/recovery-codes/": (LOGIN, "/comptes/2fa/recovery-codes/"),
    "comptes/2fa/recovery-codes/generate/": (LOGIN, "/comptes/2fa/recovery-codes/generate/"),
    "comptes/2fa/recovery-codes/download/": (LOGIN, "/comptes/2fa/recovery-codes/download/"),
    "comptes/sessions/": (LOGIN, "/comptes/sessions/"),
    "mon-compte/": (LOGIN, "/mon-compte/"),
    "mon-compte/supprimer/": (LOGIN, "/mon-compte/supprimer/"),
    "mon-compte/mes-donnees/": (LOGIN, "/mon-compte/mes-donnees/"),
    "mon-compte/mes-donnees/export.json": (LOGIN, "/mon-compte/mes-donnees/export.json"),
    "mon-compte/mes-donnees/export/": (LOGIN, "/mon-compte/mes-donnees/export/"),
    "session/prolonger/": (LOGIN, "/session/prolonger/"),
    # Subscriber area.
    "espace/": (LOGIN, "/espace/"),
    "espace/lier-un-contrat/": (LOGIN, "/espace/lier-un-contrat/"),
    "espace/mes-contrats/": (LOGIN, "/espace/mes-contrats/"),
    # Scoped by the payer in the URL: another payer's id is a 404 (tested below).
    "espace/mes-contrats/<int:payer_id>/delier/": (LOGIN, "/espace/mes-contrats/{payer}/delier/"),
    "contrats/<contract:number>/": (CONTRACT, "/contrats/{number}/"),
    "contrats/<contract:number>/contrat/": (CONTRACT, "/contrats/{number}/contrat/"),
    "contrats/<contract:number>/reglement-de-service.pdf": (
        CONTRACT,
        "/contrats/{number}/reglement-de-service.pdf",
    ),
    "contrats/<contract:number>/consommations/": (CONTRACT, "/contrats/{number}/consommations/"),
    "contrats/<contract:number>/consommations.csv": (
        CONTRACT,
        "/contrats/{number}/consommations.csv",
    ),
    "contrats/<contract:number>/factures/": (CONTRACT, "/contrats/{number}/factures/"),
    "contrats/<contract:number>/factures/<str:invoice_number>.pdf": (
        CONTRACT,
        "/contrats/{number}/factures/F2026-0001.pdf",
    ),
    "contrats/<contract:number>/factures/<str:invoice_number>/": (
        CONTRACT,
        "/contrats/{number}/factures/F2026-0001/",
    ),
    "contrats/<contract:number>/paiements/": (CONTRACT, "/contrats/{number}/paiements/"),
    # Online payment (payments app): the confirmation is the subscriber's; PayFiP's
    # notification and return are open to anyone and only make the portal ask PayFiP.
    "contrats/<contract:number>/factures/<str:invoice_number>/payer/": (
        CONTRACT,
        "/contrats/{number}/factures/F2026-0001/payer/",
    ),
    # Self meter reading and consumption alerts (readings app).
    "contrats/<contract:number>/index/": (CONTRACT, "/contrats/{number}/index/"),
    "contrats/<contract:number>/alertes/": (CONTRACT, "/contrats/{number}/alertes/"),
    "paiement-en-ligne/notification/": (PUBLIC, "/paiement-en-ligne/notification/"),
    "paiement-en-ligne/retour/<uuid:token>/": (PUBLIC, "/paiement-en-ligne/retour/{token}/"),
    # The local PayFiP (on in DEBUG and here, off in production).
    "simulateur-payfip/tpa/services/securite": (PUBLIC, "/simulateur-payfip/tpa/services/securite"),
    "simulateur-payfip/tpa/paiementws.web": (PUBLIC, "/simulateur-payfip/tpa/paiementws.web"),
    # Self-services (selfservice app): the attestation's check page and the opt-out link
    # of the invoice emails are public (a code, a signed token).
    "contrats/<contract:number>/attestation/": (CONTRACT, "/contrats/{number}/attestation/"),
    "contrats/<contract:number>/attestation/<str:code>.pdf": (
        CONTRACT,
        "/contrats/{number}/attestation/{code}.pdf",
    ),
    "verifier/": (PUBLIC, "/verifier/"),
    "verifier/<str:code>/": (PUBLIC, "/verifier/{code}/"),
    "contrats/<contract:number>/factures/<str:invoice_number>/ecretement/": (
        CONTRACT,
        "/contrats/{number}/factures/F2026-0001/ecretement/",
    ),
    "contrats/<contract:number>/facture-electronique/": (
        CONTRACT,
        "/contrats/{number}/facture-electronique/",
    ),
    "facture-electronique/arret/<str:token>/": (PUBLIC, "/facture-electronique/arret/{opt_out}/"),
    # Direct debit mandates and moving out (mandates app).
    "contrats/<contract:number>/prelevement/": (CONTRACT, "/contrats/{number}/prelevement/"),
    "contrats/<contract:number>/prelevement/signer/": (
        CONTRACT,
        "/contrats/{number}/prelevement/signer/",
    ),
    "contrats/<contract:number>/prelevement/<str:rum>/": (
        CONTRACT,
        "/contrats/{number}/prelevement/{rum}/",
    ),
    "contrats/<contract:number>/prelevement/<str:rum>/mandat.pdf": (
        CONTRACT,
        "/contrats/{number}/prelevement/{rum}/mandat.pdf",
    ),
    "contrats/<contract:number>/prelevement/<str:rum>/arreter/": (
        CONTRACT,
        "/contrats/{number}/prelevement/{rum}/arreter/",
    ),
    "contrats/<contract:number>/demenagement/": (CONTRACT, "/contrats/{number}/demenagement/"),
    "contrats/<contract:number>/demenagement/<str:reference>/": (
        CONTRACT,
        "/contrats/{number}/demenagement/{move}/",
    ),
    # Requests.
    "demandes/": (LOGIN, "/demandes/"),
    "demandes/abonnement/": (LOGIN, "/demandes/abonnement/"),
    "demandes/confirmation/": (PUBLIC, "/demandes/confirmation/"),
    "demandes/<str:reference>/": (REQUEST, "/demandes/{reference}/"),
    "demandes/<str:reference>/pieces/<int:pk>/": (
        REQUEST,
        "/demandes/{reference}/pieces/{attachment}/",
    ),
}


def walk(resolver: URLResolver, prefix: str = "") -> list[str]:
    routes = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += walk(pattern, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def admin_paths() -> list[str]:
    """One concrete path per admin route, with placeholder values (refused before use)."""
    samples = {"app_label": "accounts", "object_id": "1", "content_type_id": "1", "url": "x"}
    paths = []
    for route in walk(get_resolver()):
        if not route.startswith(settings.ADMIN_PATH):
            continue
        path = route
        for name, value in samples.items():
            path = path.replace(f"<path:{name}>", value).replace(f"<int:{name}>", value)
        path = path.replace("^", "").replace("$", "")
        if "(?P<app_label>" in path:
            path = path.split("(?P<app_label>")[0] + "accounts/"
        if "(?P<url>" in path:
            path = path.split("(?P<url>")[0] + "x/"
        paths.append("/" + path)
    return paths


def test_every_url_pattern_is_classified():
    routes = {r for r in walk(get_resolver()) if not r.startswith(settings.ADMIN_PATH)}
    unclassified = routes - ROUTES.keys()
    assert not unclassified, f"classify these routes in {__name__}: {sorted(unclassified)}"
    assert not ROUTES.keys() - routes, "routes classified here no longer exist"


@pytest.fixture
def owned(contract, subscriber, settings):
    """The subscriber's contract with an invoice PDF and regulations, a request, and an
    online payment attempt (PayFiP configured; its web service never reached here)."""
    settings.PAYFIP_NUMCLI = "012345"
    settings.PAYFIP_URL = "http://127.0.0.1:9/tpa/services/securite"
    settings.PAYFIP_SIMULATOR = True
    invoice = add_invoice(
        contract, "F2026-0001", "2026-01-20", "2026-02-20", "150.00", "0", pdf=True
    )
    attempt = add_attempt(invoice, amount_cents=15000, email=subscriber.email)
    document = ServiceDocument(
        kind=DocumentKind.REGULATIONS,
        title="Règlement de service 2025",
        applies_from=datetime.date(2025, 1, 1),
    )
    document.pdf.save("reglement.pdf", ContentFile(PDF_BYTES), save=False)
    document.save()
    inquiry = contact_request(subscriber, file=("facture.pdf", PDF_BYTES))
    attestation = attestations.issue(subscriber, contract)
    mandate = sign_mandate(contract, subscriber)
    Mandate.objects.filter(pk=mandate.pk).update(state=MandateState.ACTIVE)
    move = file_move_out(contract, subscriber)
    return {
        "code": attestation.code,
        "opt_out": einvoice.opt_out_token(subscriber, contract),
        "rum": mandate.rum,
        "move": move.inquiry.reference,
        "number": contract.number,
        "payer": contract.payer_id,
        "reference": inquiry.reference,
        "attachment": inquiry.attachments.get().pk,
        "token": attempt.token,
    }


def paths_of(kind: str, values: dict) -> list[str]:
    return [path.format(**values) for k, path in ROUTES.values() if k == kind]


def is_login_redirect(response) -> bool:
    location = response.headers.get("Location", "")
    # The admin's own login address forwards to the portal's login (one door, with TOTP).
    doors = ("/?next=", "/comptes/login/", f"/{settings.ADMIN_PATH}login/")
    # The admin's logout answers GET with its index, itself walked here.
    return response.status_code == 302 and (
        location.startswith(doors) or location == f"/{settings.ADMIN_PATH}"
    )


def test_public_routes_answer_anyone_without_error_or_foreign_redirect(client, owned):
    for path in paths_of(PUBLIC, owned):
        response = client.get(path)
        assert response.status_code in (200, 302, 405), path
        if response.status_code == 302:
            assert response["Location"].startswith("/"), path
            assert not response["Location"].startswith("//"), path


@pytest.mark.parametrize("kind", [LOGIN, CONTRACT, REQUEST, STAFF])
def test_anonymous_visitors_are_sent_to_the_login_page(client, owned, kind):
    paths = admin_paths() if kind == STAFF else paths_of(kind, owned)
    assert paths
    for path in paths:
        response = client.get(path)
        # keep_alive answers only POST (405 before any login check is harmless: no data).
        assert is_login_redirect(response) or response.status_code == 405, (
            path,
            response.status_code,
        )


@pytest.mark.parametrize("kind", [CONTRACT, REQUEST])
def test_a_subscriber_of_another_payer_gets_404_on_scoped_pages(client, owned, outsider, kind):
    client.force_login(outsider)
    for path in paths_of(kind, owned):
        assert client.get(path).status_code == 404, path


def test_a_subscriber_of_another_payer_cannot_unlink_someone_elses_payer(client, owned, outsider):
    client.force_login(outsider)
    response = client.post(f"/espace/mes-contrats/{owned['payer']}/delier/")
    assert response.status_code == 404


@pytest.mark.parametrize("kind", [CONTRACT, REQUEST])
def test_the_owner_opens_their_scoped_pages(client, owned, subscriber, kind):
    client.force_login(subscriber)
    # Signing a mandate and its PDF ask for the password again (reauthentication).
    reauthenticate(client, subscriber)
    for path in paths_of(kind, owned):
        assert client.get(path).status_code == 200, path


def test_subscribers_are_refused_every_admin_page(client, owned, subscriber):
    client.force_login(subscriber)
    for path in admin_paths():
        response = client.get(path)
        assert response.status_code != 200, path
        assert is_login_redirect(response) or response.status_code in (403, 404), (
            path,
            response.status_code,
        )


def test_the_staff_agent_opens_the_admin(client, staff_agent):
    client.force_login(staff_agent)
    session = client.session
    # force_login skips the second factor: mark it passed, as allauth does after TOTP.
    session["account_authentication_methods"] = [
        {"method": "password", "at": datetime.datetime.now().timestamp()},
        {"method": "mfa", "at": datetime.datetime.now().timestamp(), "type": "totp"},
    ]
    session.save()
    assert client.get(f"/{settings.ADMIN_PATH}").status_code == 200
