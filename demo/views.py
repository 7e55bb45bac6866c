"""The benchmarks' reference views, served under /bench/ only with BENCHMARK_BASELINE on."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from contracts.access import get_contract_and_switcher


def baseline(request: HttpRequest) -> HttpResponse:
    """The benchmarks' yardstick: no template, no query."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def floor(request: HttpRequest, number: str) -> HttpResponse:
    """The benchmarks' floor for contract pages: what each of them pays before its page (the
    session, the account, the access rule as the pages apply it), with no template."""
    get_contract_and_switcher(request.user, number)
    return HttpResponse("ok", content_type="text/plain")
