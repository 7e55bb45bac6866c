"""The public pages in a real browser: accessible, usable on a phone, nothing from elsewhere."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("url_name", "name"),
    [
        ("home", "home"),
        ("about", "about"),
        ("contact", "contact"),
        ("legal", "legal"),
    ],
)
def test_public_page_is_accessible_and_fits_a_phone(page: Page, live_server, url_name, name):
    response = page.goto(live_server.url + reverse(url_name))
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_count(1)
    check_page(page, name)


def test_the_404_page_is_accessible_and_fits_a_phone(page: Page, live_server):
    response = page.goto(live_server.url + "/cette-page-n-existe-pas/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_count(1)
    check_page(page, "404")


def test_the_first_tab_reaches_the_skip_link_which_moves_focus_to_main(page: Page, live_server):
    page.goto(live_server.url + reverse("about"))
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0, "skip link off screen"
    expect(skip_link).to_be_in_viewport()

    page.keyboard.press("Enter")

    assert page.url.endswith("#contenu")
    assert page.evaluate("() => document.activeElement.closest('main') !== null")
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null")
