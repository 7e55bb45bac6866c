"""The logged-in account kept in Redis (accounts/usercache.py), on two instances of two
workers each behind nginx: an account deactivated or given a new password elsewhere (the
admin, a management command) loses access on its next request, whichever process serves it.
"""

import pytest
import redis

from tests.multiprocess.cluster import PASSWORD

pytestmark = pytest.mark.multiprocess

CONTRACT = "11301.11377.01"
PAGE = f"/contrats/{CONTRACT}/"

NEW_ACCOUNT = """
from allauth.account.models import EmailAddress
from accounts.models import User
from contracts.models import AccountPayerLink, Payer
user = User.objects.create_user({email!r}, {password!r})
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
AccountPayerLink.objects.create(user=user, payer=Payer.objects.get(reference="P001"))
print(user.pk)
"""

CHANGES = {
    "deactivated": "user.is_active = False",
    "password changed": "user.set_password('Tout-Autre-Secret8')",
}


def kept_in_redis(cluster, user_id: int) -> bool:
    client = redis.Redis.from_url(cluster.env["CACHE_URL"])
    return bool(client.keys(f"*accounts:user:{user_id}"))


def logged_in_everywhere(cluster, email: str, sources: tuple[str, str]):
    """A new linked account, logged in from two browsers whose pages both instances (and,
    with luck, all four workers) have served: the account, its copies and its pages are
    kept everywhere. Returns the account id and the two browsers."""
    created = cluster.manage("shell", "-c", NEW_ACCOUNT.format(email=email, password=PASSWORD))
    browsers = [cluster.browser(source) for source in sources]
    for browser in browsers:
        assert browser.log_in(email).status == 302
        served = [browser.get(PAGE) for _ in range(8)]
        assert all(answer.status == 200 for answer in served), served[0].body[:300]
        assert {answer.instance for answer in served} == {"A", "B"}
    return int(created.split()[-1]), browsers


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_changed_account_loses_access_on_its_next_request_on_every_process(cluster, change):
    email = f"cache-{change.split()[0]}@example.fr"
    user_id, browsers = logged_in_everywhere(cluster, email, ("127.0.0.21", "127.0.0.22"))
    assert kept_in_redis(cluster, user_id)

    cluster.manage(
        "shell",
        "-c",
        f"from accounts.models import User\nuser = User.objects.get(pk={user_id})\n"
        f"{CHANGES[change]}\nuser.save()",
    )

    # The first browser's next request goes to one instance, the second's to the other.
    first = browsers[0].get(PAGE)
    second = browsers[1].get_on({"A": "B", "B": "A"}[first.instance], PAGE)
    for answer in (first, second):
        assert answer.status == 302 and answer.headers["Location"].startswith("/?next=")
    for browser in browsers:
        again = [browser.get(PAGE) for _ in range(4)]
        assert {answer.status for answer in again} == {302}
        assert {answer.instance for answer in again} == {"A", "B"}


# What else every process keeps a copy of (core.nearcache): the session, and the contract
# list, kept under the billing generation.
ELSEWHERE = {
    # The Régie removes the link (the admin): the contract is no longer the account's.
    "link removed": (
        "from contracts.models import AccountPayerLink\n"
        "AccountPayerLink.objects.get(user_id={user_id}).delete()",
        404,
    ),
    # "Log out everywhere" from the sessions list: every session of the account ends.
    "sessions ended": (
        "from allauth.usersessions.models import UserSession\n"
        "for row in UserSession.objects.filter(user_id={user_id}):\n"
        "    row.end()",
        302,
    ),
}


@pytest.mark.parametrize("change", list(ELSEWHERE))
def test_a_change_made_elsewhere_is_seen_on_the_next_request_on_every_process(cluster, change):
    email = f"near-{change.split()[0]}@example.fr"
    user_id, browsers = logged_in_everywhere(cluster, email, ("127.0.0.23", "127.0.0.24"))

    code, status = ELSEWHERE[change]
    cluster.manage("shell", "-c", code.format(user_id=user_id))

    first = browsers[0].get(PAGE)
    second = browsers[1].get_on({"A": "B", "B": "A"}[first.instance], PAGE)
    for browser, answer in zip(browsers, (first, second), strict=True):
        assert answer.status == status, answer.body[:300]
        again = [browser.get(PAGE) for _ in range(4)]
        assert {a.status for a in again} == {status}
        assert {a.instance for a in again} == {"A", "B"}
