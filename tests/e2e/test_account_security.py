"""Account security pages in a real browser: idle warning, sessions, 2FA, re-authentication."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.e2e.helpers import check_page

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Tortue&Violon9"


@pytest.fixture
def subscriber(db) -> User:
    user = User.objects.create_user("abonne@example.fr", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(page: Page, live_server, email: str) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/espace/**")


def test_the_idle_warning_takes_focus_and_stay_logged_in_keeps_the_session(
    page: Page, live_server, subscriber, settings
):
    # Two minutes of warning before a 125-second limit: the dialog shows after 5 s.
    settings.SESSION_IDLE_TIMEOUT = 125
    log_in(page, live_server, subscriber.email)
    page.goto(live_server.url + "/mon-compte/")
    dialog = page.get_by_role("alertdialog", name="Êtes-vous toujours là ?")
    expect(dialog).to_be_visible(timeout=10_000)
    stay = dialog.get_by_role("button", name="Rester connecté")
    expect(stay).to_be_focused()
    check_page(page, "idle-warning")
    page.keyboard.press("Tab")
    expect(stay).to_be_focused()
    with page.expect_response("**/session/prolonger/") as answer:
        stay.click()
    assert answer.value.status == 204
    expect(dialog).to_be_hidden()
    # Esc dismisses a later warning without leaving the page.
    expect(dialog).to_be_visible(timeout=10_000)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.url.endswith("/mon-compte/")


def test_security_pages_are_accessible_and_fit_a_phone(page: Page, live_server, subscriber):
    log_in(page, live_server, subscriber.email)
    for path, name in [
        ("/mon-compte/", "account-security"),
        ("/comptes/sessions/", "sessions"),
        ("/comptes/2fa/", "mfa-index"),
        ("/comptes/2fa/totp/activate/", "mfa-activate"),
        ("/comptes/reauthenticate/", "reauthenticate"),
    ]:
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_have_count(1)
        check_page(page, name)
