"""core.csrf: the form token of kept pages is Django's token, drawn in one read."""

from collections import Counter

from django.middleware import csrf as django_csrf
from django.test import Client, RequestFactory
from django.urls import reverse

from core import csrf


def test_the_token_unmasks_to_the_cookies_secret_as_djangos_does(rf: RequestFactory):
    request = rf.get("/")
    secret = django_csrf._get_new_csrf_string()
    request.META["CSRF_COOKIE"] = secret
    tokens = {csrf.get_token(request) for _ in range(50)}
    assert len(tokens) == 50  # a new mask each time (BREACH)
    for token in tokens:
        assert len(token) == django_csrf.CSRF_TOKEN_LENGTH
        assert set(token) <= set(django_csrf.CSRF_ALLOWED_CHARS)
        assert django_csrf._unmask_cipher_token(token) == secret
    # The browser has the cookie: it is not sent again (see core/csrf.py).
    assert not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")


def test_without_a_cookie_a_secret_is_made_and_sent(rf: RequestFactory):
    request = rf.get("/")
    token = csrf.get_token(request)
    assert django_csrf._unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def test_every_character_of_the_mask_is_drawn_evenly(rf: RequestFactory):
    request = rf.get("/")
    request.META["CSRF_COOKIE"] = django_csrf._get_new_csrf_string()
    # A token is the mask (its first 32 characters) and the secret ciphered with it.
    masks = (csrf.get_token(request)[: django_csrf.CSRF_SECRET_LENGTH] for _ in range(4000))
    counts = Counter("".join(masks))  # 128,000 characters
    assert set(counts) == set(django_csrf.CSRF_ALLOWED_CHARS)
    expected = 128_000 / 62
    assert all(abs(n - expected) < 0.15 * expected for n in counts.values())


def test_the_login_form_of_the_kept_entrance_page_posts(db):
    """The entrance pages (core.pagecache) carry this token: Django's middleware takes it."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("home"))
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    answer = client.post(
        reverse("account_login"),
        {"csrfmiddlewaretoken": token, "login": "nobody@example.fr", "password": "x"},
    )
    assert answer.status_code == 200  # the form's own error, not the 403 of a bad token
    assert "csrfmiddlewaretoken" in answer.content.decode()


def test_a_kept_contract_page_sends_the_cookie_only_to_a_browser_without_one(
    subscriber_client, contract
):
    url = reverse("contracts:dashboard", args=[contract.number])
    subscriber_client.cookies.pop("csrftoken", None)
    first = subscriber_client.get(url)
    assert first.status_code == 200 and "csrftoken" in first.cookies
    secret = first.cookies["csrftoken"].value
    for _ in range(2):  # the second one is served from the kept frame
        again = subscriber_client.get(url)
        assert again.status_code == 200 and "csrftoken" not in again.cookies
        token = again.content.decode().split('name="csrfmiddlewaretoken" value="')[1]
        assert django_csrf._unmask_cipher_token(token.split('"')[0]) == secret
