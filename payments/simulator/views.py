"""The simulator's two doors: the SOAP endpoint and the payment page (see the package)."""

from __future__ import annotations

import datetime
import logging
import re
import time
import urllib.parse
import urllib.request
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from payments import payfip
from payments.simulator import store

logger = logging.getLogger(__name__)

CHOICES = {"P", "R", "A", "V", "Z"}
OBJET_RE = re.compile(r"[A-Za-z0-9 ]{0,100}")
NUMCLI_RE = re.compile(r"[0-9]{6}")


def _enabled() -> None:
    if not settings.PAYFIP_SIMULATOR:
        raise Http404("The PayFiP simulator is off")


def _envelope(inner: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soap:Envelope xmlns:soap="{payfip.SOAP_NS}"><soap:Body>{inner}</soap:Body>'
        "</soap:Envelope>"
    )


def _answer(operation: str, values: dict[str, str]) -> HttpResponse:
    fields = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in values.items())
    inner = (
        f'<ns2:{operation}Response xmlns:ns2="{payfip.SERVICE_NS}">'
        f"<return>{fields}</return></ns2:{operation}Response>"
    )
    return HttpResponse(_envelope(inner), content_type="text/xml; charset=utf-8")


def _fault(code: str, message: str) -> HttpResponse:
    inner = (
        "<soap:Fault><faultcode>soap:Server</faultcode>"
        f"<faultstring>{escape(message)}</faultstring><detail>"
        f'<ns2:FonctionnelleErreur xmlns:ns2="{payfip.SERVICE_NS}">'
        f"<code>{escape(code)}</code><descriptif>{escape(message)}</descriptif>"
        f"<libelle>{escape(message)}</libelle><severite>2</severite>"
        "</ns2:FonctionnelleErreur></detail></soap:Fault>"
    )
    return HttpResponse(_envelope(inner), status=500, content_type="text/xml; charset=utf-8")


def _validate(values: dict[str, str]) -> tuple[str, str] | None:
    """PayFiP's checks of creerPaiementSecurise, as (code, message) when one fails."""
    if not NUMCLI_RE.fullmatch(values.get("numcli", "")):
        return "P2", "numcli incorrect"
    if values.get("saisie") not in {"T", "X", "W"}:
        return "P3", "saisie incorrecte"
    if not payfip.REFDET_RE.fullmatch(values.get("refdet", "")):
        return "R3", "refdet incorrect"
    montant = values.get("montant", "")
    if not (montant.isascii() and montant.isdigit() and 0 < int(montant) <= 100_000_000):
        return "R4", "montant incorrect"
    if not 6 <= len(values.get("mel", "")) <= 80 or "@" not in values.get("mel", ""):
        return "R5", "mel incorrect"
    if not OBJET_RE.fullmatch(values.get("objet", "")):
        return "R6", "objet incorrect"
    exer = values.get("exer", "")
    if not (exer.isascii() and exer.isdigit() and len(exer) == 4):
        return "R2", "exer incorrect"
    for name in ("urlnotif", "urlredirect"):
        if not values.get(name, "").startswith(("http://", "https://")):
            return "R7", f"{name} incorrecte"
    return None


@csrf_exempt
@require_POST
def soap(request: HttpRequest) -> HttpResponse:
    _enabled()
    root = payfip.parse_xml(request.body)
    call = next(
        (e for e in root.iter() if payfip._local(e.tag) in _OPERATIONS),
        None,
    )
    if call is None:
        return _fault("S1", "operation inconnue")
    operation = payfip._local(call.tag)
    values = {payfip._local(e.tag): (e.text or "").strip() for e in call.iter() if len(e) == 0}
    pause = store.delay(operation)
    if pause:
        time.sleep(pause)
    armed = store.take_fault(operation)
    if armed:
        return _fault(armed, "erreur simulee")
    return _OPERATIONS[operation](values)


def _create(values: dict[str, str]) -> HttpResponse:
    invalid = _validate(values)
    if invalid:
        return _fault(*invalid)
    operation = store.create(values)
    return _answer("creerPaiementSecurise", {"idOp": operation.id_op})


def _details(values: dict[str, str]) -> HttpResponse:
    operation = store.get(values.get("idOp", ""))
    if operation is None:
        return _fault("P1", "IdOp incorrect")
    if not operation.result:
        return _fault("P5", "Resultat de la transaction non connu")
    moment = datetime.datetime.fromtimestamp(operation.paid_at, payfip.PARIS)
    answer = {
        "dattrans": moment.strftime("%d%m%Y"),
        "heurtrans": moment.strftime("%H%M"),
        "exer": operation.values.get("exer", ""),
        "idOp": operation.id_op,
        "mel": operation.values.get("mel", ""),
        "montant": operation.values.get("montant", ""),
        "numauto": operation.numauto,
        "numcli": operation.values.get("numcli", ""),
        "objet": operation.values.get("objet", ""),
        "refdet": operation.values.get("refdet", ""),
        "resultrans": operation.result,
        "saisie": operation.values.get("saisie", ""),
    }
    return _answer("recupererDetailPaiementSecurise", answer)


_OPERATIONS = {
    "creerPaiementSecurise": _create,
    "recupererDetailPaiementSecurise": _details,
}


def _notify(url: str, id_op: str) -> None:
    """PayFiP's server-to-server notification: a POST with the idOp only."""
    data = urllib.parse.urlencode({"idOp": id_op}).encode()
    try:
        with urllib.request.urlopen(url, data=data, timeout=10):  # noqa: S310 - simulator
            pass
    except OSError as error:  # the portal may be unreachable: PayFiP carries on too
        logger.info("PayFiP simulator: notification failed (%s)", type(error).__name__)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def payment_page(request: HttpRequest) -> HttpResponse:
    _enabled()
    id_op = (request.GET.get("idop") or request.POST.get("idop") or "")[:64]
    operation = store.get(id_op)
    if operation is None:
        return render(request, "payments/simulator.html", {"unknown": True})
    context: dict[str, Any] = {"operation": operation, "amount": _euros(operation)}
    if request.method == "POST":
        choice = request.POST.get("choice", "")
        if choice in CHOICES:
            store.decide(id_op, choice)
            _notify(operation.values["urlnotif"], id_op)
        elif choice == "P1":
            store.forget(id_op)
        elif choice != "P5":
            return render(request, "payments/simulator.html", context, status=400)
        context["done"] = choice
    return render(request, "payments/simulator.html", context)


def _euros(operation: store.Operation) -> str:
    cents = int(operation.values.get("montant", "0") or 0)
    return f"{cents // 100},{cents % 100:02d} €"
