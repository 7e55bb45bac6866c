"""core.decorators.never_cache writes what Django's never_cache writes."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.views.decorators.cache import never_cache as djangos

from core.decorators import never_cache


def respond(**headers: str):
    def view(request):
        response = HttpResponse("ok")
        for name, value in headers.items():
            response[name.replace("_", "-")] = value
        return response

    return view


CASES = [{}, {"Cache_Control": "private, no-store"}, {"Vary": "Cookie"}]


@pytest.mark.parametrize("headers", CASES)
def test_the_headers_are_djangos(rf: RequestFactory, time_machine, headers):
    time_machine.move_to("2026-12-06 10:00:00+00:00", tick=False)
    ours = never_cache(respond(**headers))(rf.get("/"))
    theirs = djangos(respond(**headers))(rf.get("/"))
    assert ours.headers == theirs.headers
    assert ours["Expires"] == "Sun, 06 Dec 2026 10:00:00 GMT"
