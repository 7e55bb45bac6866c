"""The benchmarks' reference views (demo app): the baseline and the contract pages' floor."""

import pytest
from django.http import Http404
from django.test import RequestFactory

from demo import views


def test_the_baseline_answers_ok_with_no_query():
    # No database access is allowed in this test: a query would fail it.
    response = views.baseline(RequestFactory().get("/bench/baseline"))
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_the_floor_applies_the_access_rule(subscriber, outsider, contract):
    request = RequestFactory().get("/")
    request.user = subscriber
    assert views.floor(request, contract.number).status_code == 200
    request.user = outsider
    with pytest.raises(Http404):
        views.floor(request, contract.number)
