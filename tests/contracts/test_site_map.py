"""The site map also lists the pages of the contracts the subscriber sees, and no other."""

import pytest
from django.urls import reverse

from tests.helpers import html

pytestmark = pytest.mark.django_db


def test_the_site_map_lists_my_contracts_pages_and_not_an_outsiders(
    subscriber_client, contract, other_contract
):
    body = html(subscriber_client.get(reverse("site_map")))
    for name in ("dashboard", "details", "consumption", "invoices", "payments"):
        assert f'href="{reverse(f"contracts:{name}", args=[contract.number])}"' in body
    assert other_contract.number not in body
    assert f'href="{reverse("my_data")}"' in body


def test_an_anonymous_site_map_lists_no_contract(client, contract):
    body = html(client.get(reverse("site_map")))
    assert contract.number not in body
