"""Helpers of the online payment tests: following PayFiP's simulator as a payer would."""

import urllib.parse
import urllib.request


def page_url_of(response) -> str:
    location = response["Location"]
    assert "/simulateur-payfip/tpa/paiementws.web?idop=" in location, location
    return location


def id_op_of(response) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(response["Location"]).query)["idop"][0]


def choose(page_url: str, choice: str) -> str:
    """Click a button of the simulator's page, as the payer would; the page's HTML."""
    id_op = urllib.parse.parse_qs(urllib.parse.urlsplit(page_url).query)["idop"][0]
    data = urllib.parse.urlencode({"idop": id_op, "choice": choice}).encode()
    with urllib.request.urlopen(page_url, data=data, timeout=10) as response:  # noqa: S310
        return response.read().decode()
