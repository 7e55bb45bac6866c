"""Phone first (issue 17): on a 375 × 812 and a 320 × 640 screen every figure and every
action of every row lies inside the viewport, without sideways scrolling, and each row's
links are targets of at least 44 px; the login form and its errors are where the eye is."""

import pytest
from playwright.sync_api import Page, expect

from contracts.models import AccountPayerLink, Payer
from demo.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.helpers import MIN_TARGET_PX, SCREENSHOTS, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo")]

PHONES = ({"width": 375, "height": 812}, {"width": 320, "height": 640})

# Every subscriber page with rows of data (tables shown as cards on a phone).
PAGES = {
    "dashboard": "/contrats/11301.11377.01/",
    "details": "/contrats/11301.11377.01/contrat/",
    "consumption": "/contrats/11301.11377.01/consommations/",
    "invoices": "/contrats/11301.11377.01/factures/",
    "invoice": "/contrats/11301.11377.01/factures/F202607-1130101/",
    "payments": "/contrats/11301.11377.01/paiements/",
    "my-contracts": "/espace/mes-contrats/",
    "my-data": "/mon-compte/mes-donnees/",
    "my-data-page": "/mon-compte/mes-donnees/export/",
    "sessions": "/comptes/sessions/",
    "requests": "/demandes/",
    "legal": "/mentions-legales/",
}

# Each cell and each link or button of each table row: its box, its text, whether it is a
# control; plus the page's own width.
_ROWS = """
() => {
  const boxes = [];
  for (const row of document.querySelectorAll("main table tbody tr")) {
    for (const el of row.querySelectorAll("td, th, a[href], button")) {
      if (!el.checkVisibility()) continue;
      const text = (el.innerText || "").replace(/\\s+/g, " ").trim();
      if (!text) continue;
      const box = el.getBoundingClientRect();
      boxes.push({
        text: text.slice(0, 50), left: box.left, right: box.right, height: box.height,
        control: el.matches("a[href], button"),
      });
    }
  }
  return {boxes, scrollWidth: document.documentElement.scrollWidth, width: innerWidth};
}
"""


def test_every_figure_and_action_of_every_row_is_on_screen_on_a_phone(page: Page, live_server):
    AccountPayerLink.objects.bulk_create(
        AccountPayerLink(user_id=_demo_user_id(), payer=payer) for payer in Payer.objects.all()
    )
    log_in(page, live_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    SCREENSHOTS.mkdir(exist_ok=True)
    problems, rows_seen = [], 0
    for name, path in PAGES.items():
        page.goto(live_server.url + path)
        for size in PHONES:
            page.set_viewport_size(size)
            found = page.evaluate(_ROWS)
            width = found["width"]
            if found["scrollWidth"] > width:
                problems.append(f"{name} at {width} px scrolls sideways: {found['scrollWidth']}")
            for box in found["boxes"]:
                rows_seen += 1
                if box["left"] < 0 or box["right"] > width + 0.5:
                    problems.append(
                        f"{name} at {width} px: {box['text']!r} spans "
                        f"{box['left']:.0f}–{box['right']:.0f}"
                    )
                if box["control"] and box["height"] < MIN_TARGET_PX:
                    problems.append(
                        f"{name} at {width} px: {box['text']!r} is {box['height']:.0f} px tall"
                    )
            page.screenshot(path=SCREENSHOTS / f"phone-{name}-{width}.png", full_page=True)
    assert rows_seen > 100, "the pages showed too few rows to prove anything"
    assert not problems, "\n".join(problems)


def _demo_user_id() -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=DEMO_EMAIL).pk


@pytest.mark.parametrize("size", PHONES, ids=lambda size: f"{size['width']}px")
def test_a_wrong_password_on_the_phone_home_page_is_in_view_and_focused(
    page: Page, live_server, size
):
    page.set_viewport_size(size)
    log_in(page, live_server.url, DEMO_EMAIL, "Wrong-password7")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport(ratio=1)
    expect(summary).to_contain_text("mot de passe")


def test_the_password_can_be_shown_while_typed_with_a_pressed_toggle(page: Page, live_server):
    page.goto(live_server.url + "/")
    field = page.get_by_label("Mot de passe", exact=True)
    field.fill("Cerise!Bateau7*Nuage")
    toggle = page.get_by_role("button", name="Afficher le mot de passe")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(field).to_have_attribute("type", "text")
    assert toggle.bounding_box()["height"] >= MIN_TARGET_PX
    toggle.click()
    expect(field).to_have_attribute("type", "password")
