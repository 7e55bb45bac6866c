"""The support path in a real browser: a Régie agent (with two-factor authentication)
finds a subscriber by contract number and resends the activation link; the subscriber
receives it and activates the account."""

import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from audit.models import AuditEvent, AuditKind
from contracts.models import AccountPayerLink, Contract, MeterReading, Payer
from tests.e2e.helpers import link_from_mail, log_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Tortue&Violon9"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def pass_two_factor(page: Page, secret: str) -> None:
    """Submit the authenticator code and wait until the session is signed in: going to
    the admin before the answer arrives would land on the login page."""
    # allauth accepts the current 30-second window only: a code typed in its last seconds
    # can reach the server in the next one and be refused (seen once in CI). Wait for a
    # fresh window first.
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.2)
    page.locator("input[name=code]").fill(current_code(secret))
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/2fa/" not in url)


def regie_agents() -> Group:
    """The group the migrations create; rebuilt with the rights this path needs when an
    earlier transactional test flushed the database (data migrations do not run again)."""
    group, created = Group.objects.get_or_create(name="Régie agent")
    if created:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="support",
                codename__in=["view_subscriber", "resend_activation"],
            )
        )
    return group


@pytest.fixture
def agent_secret(transactional_db) -> str:
    agent = User.objects.create_user("agent@eauxdupaysdaix.fr", PASSWORD, is_staff=True)
    agent.groups.add(regie_agents())
    EmailAddress.objects.create(user=agent, email=agent.email, verified=True, primary=True)
    secret = generate_totp_secret()
    TOTP.activate(agent, secret)
    return secret


@pytest.fixture
def waiting_subscriber(transactional_db) -> User:
    payer = Payer.objects.create(reference="P0001", name="Marie Dupont")
    contract = Contract(number="11301.11377.01", payer=payer, street="12 cours Mirabeau")
    contract.set_key("ABCD2345")
    contract.save()
    user = User.objects.create_user("abonne@example.fr", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    AccountPayerLink.objects.create(user=user, payer=payer)
    return user


def fits_the_width(page: Page, name: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-1280.png", full_page=True)
    assert scroll_width <= inner_width, f"{name}: horizontal scroll at 1280 px"
    # The admin's result tables scroll inside their box: a column there is off-screen too.
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('.results, .module table')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).length"
    )
    assert not clipped, f"{name}: a table is wider than its box at 1280 px"


def test_an_agent_resends_the_activation_link_found_by_contract_number(
    page: Page, browser: Browser, live_server, agent_secret, waiting_subscriber
):
    log_in(page, live_server.url, "agent@eauxdupaysdaix.fr", PASSWORD)
    pass_two_factor(page, agent_secret)

    page.goto(f"{live_server.url}/{settings.ADMIN_PATH}")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#content-main").get_by_role("link", name="Abonnés", exact=True).click()
    page.locator("#searchbar").fill("11301 11377 01")
    page.locator("#searchbar").press("Enter")
    fits_the_width(page, "admin-subscribers")
    page.get_by_role("link", name="abonne@example.fr").click()

    expect(page.get_by_role("heading", name="Compte")).to_be_visible()
    expect(page.get_by_text("non confirmée").first).to_be_visible()
    fits_the_width(page, "admin-subscriber")
    form = page.locator("form.support-action").filter(has_text="Renvoyer le lien d’activation")
    form.get_by_label("Motif").fill("Appel : e-mail d’activation jamais reçu")
    form.get_by_role("button", name="Renvoyer le lien d’activation").click()
    expect(
        page.get_by_text("Un nouveau lien d’activation a été envoyé à abonne@example.fr.")
    ).to_be_visible()
    # The page now lists the email sent and the audited action, with the agent's reason.
    expect(page.get_by_text("Lien d’activation renvoyé par un agent")).to_be_visible()
    expect(page.get_by_text("Appel : e-mail d’activation jamais reçu")).to_be_visible()
    fits_the_width(page, "admin-subscriber-after-resend")
    assert AuditEvent.objects.filter(
        kind=AuditKind.ACTIVATION_RESENT, subject=waiting_subscriber
    ).exists()

    # The subscriber, in their own browser, follows the link.
    context = browser.new_context(locale="fr-FR")
    subscriber_page = context.new_page()
    subscriber_page.goto(link_from_mail(live_server.url, "abonne@example.fr", ""))
    expect(subscriber_page.get_by_role("heading", level=1)).to_have_text("Activez votre compte")
    subscriber_page.get_by_role("button", name="Confirmer").click()
    subscriber_page.wait_for_load_state()
    context.close()
    assert EmailAddress.objects.get(user=waiting_subscriber).verified


WIDE_LISTS = [
    "support/subscriber/",
    "accounts/user/",
    "accounts/outgoingemail/",
    "contracts/linkattempt/",
    "contracts/contract/",
    "contracts/contract/{contract}/change/",
    "contracts/importrun/",
    "inquiries/inquiry/",
    "audit/auditevent/",
    "readings/selfreading/",
    "readings/readingwindow/",
    "readings/consumptionalert/",
    "mandates/mandate/",
    "mandates/moveout/",
    "selfservice/attestation/",
    "selfservice/leakrequest/",
    "selfservice/paperlesschoice/",
    "selfservice/invoicenotice/",
]


def self_services(contract: Contract, user: User) -> None:
    """One row in each self-service list, so that their columns are measured."""
    from django.utils import timezone

    from readings.services import file_self_reading
    from selfservice import attestations
    from tests.mandates.factories import move_out, sign

    file_self_reading(
        user,
        contract,
        index=170,
        meter_changed=False,
        confirmed_high=False,
        last=MeterReading.objects.order_by("-date").first(),
        today=timezone.localdate(),
    )
    sign(contract, user)
    move_out(contract, user, iban="FR7630006000011234567890189")
    attestations.issue(user, contract)


def test_the_admin_lists_fit_1280_px_with_the_menu_open(
    page: Page, live_server, waiting_subscriber
):
    from accounts.models import OutgoingEmail
    from contracts.models import LinkAttempt

    admin = User.objects.create_superuser("chef@eauxdupaysdaix.fr", PASSWORD)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    OutgoingEmail.objects.create(
        to="abonne@example.fr",
        subject="Activez votre compte sur l’espace abonné de la Régie des Eaux",
        from_email="x@example.fr",
        status=OutgoingEmail.Status.FAILED,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    LinkAttempt.objects.create(
        user=waiting_subscriber, number="11301.11377.01", ip="203.0.113.250", result="locked"
    )
    log_in(page, live_server.url, admin.email, PASSWORD)
    pass_two_factor(page, secret)
    page.set_viewport_size({"width": 1280, "height": 800})
    failures = []
    contract = Contract.objects.get()
    MeterReading.objects.create(contract=contract, date=date(2025, 1, 10), index=Decimal("120.5"))
    MeterReading.objects.create(contract=contract, date=date(2025, 7, 10), index=Decimal("165.25"))
    self_services(contract, waiting_subscriber)
    for path in (p.format(contract=contract.pk) for p in WIDE_LISTS):
        page.goto(f"{live_server.url}/{settings.ADMIN_PATH}{path}")
        expect(page.locator("#nav-sidebar")).to_be_visible()
        try:
            fits_the_width(page, "admin-" + path.strip("/").replace("/", "-"))
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, failures
