"""A small client of PayFiP's web service (DGFiP), and the values it is sent.

Two SOAP operations only, so the envelope is written here with ElementTree rather than
through a SOAP library and the service's WSDL (the published one is known to be broken):
``creerPaiementSecurise`` opens an operation and answers its ``idOp``;
``recupererDetailPaiementSecurise`` tells how it ended. Errors come back as SOAP faults
carrying a code (``P1`` unknown or purged operation, ``P5`` result not known yet, ``R3``
bad REFDET…). Answers are parsed with defusedxml: nothing from the network may expand
entities or reach files.

Nothing here logs personal data: only operation names, fault codes and timings.
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from defusedxml import ElementTree as SafeET
from django.conf import settings

logger = logging.getLogger(__name__)

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
PARIS = ZoneInfo("Europe/Paris")
REFDET_RE = re.compile(r"[A-Za-z0-9]{6,30}")
OBJET_MAX = 100
MAX_ANSWER_BYTES = 256 * 1024


class PayFiPError(Exception):
    """The web service could not give an answer."""


class PayFiPFault(PayFiPError):
    """A SOAP fault: the service understood and said no (``code`` like ``P1``)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class PayFiPUnavailable(PayFiPError):
    """No usable answer: timeout, connection refused, HTTP error, malformed XML."""


# --- The values sent -------------------------------------------------------------------------


def refdet_for(invoice_number: str) -> str:
    """The REFDET of an invoice: its number with only ASCII letters and digits kept, in
    capitals, left-padded with zeros to PayFiP's minimum of 6 characters.

    ``F2026-000123`` → ``F2026000123``; ``42`` → ``000042``. The same invoice always gives
    the same REFDET, which the accountant finds on PayFiP's reports. ``ValueError`` when
    the result would exceed 30 characters (such an invoice cannot be paid online).
    """
    ascii_only = unicodedata.normalize("NFKD", invoice_number).encode("ascii", "ignore").decode()
    kept = re.sub(r"[^A-Za-z0-9]", "", ascii_only).upper()
    refdet = kept.rjust(6, "0")
    if not REFDET_RE.fullmatch(refdet):
        raise ValueError("this invoice number makes no valid REFDET")
    return refdet


def objet_for(invoice_number: str, contract_number: str) -> str:
    """What PayFiP shows as the payment's object: ASCII letters, digits, spaces, ≤ 100."""
    text = f"Facture {invoice_number} contrat {contract_number}"
    ascii_only = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9 ]", " ", ascii_only)[:OBJET_MAX].strip()


def endpoint(url: str | None = None) -> str:
    """The SOAP endpoint: PAYFIP_URL without a ``?wsdl`` suffix."""
    raw = url if url is not None else settings.PAYFIP_URL
    return raw.split("?", 1)[0]


def payment_page_url(id_op: str) -> str:
    """Where the browser pays: ``…/tpa/paiementws.web?idop=…``."""
    base = settings.PAYFIP_PAYMENT_URL
    if not base:
        service = endpoint()
        marker = "/services/"
        base = (
            service.split(marker, 1)[0] + "/paiementws.web"
            if marker in service
            else service.rsplit("/", 1)[0] + "/paiementws.web"
        )
    return f"{base}?idop={urllib.parse.quote(id_op, safe='')}"


# --- Answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentDetails:
    """``recupererDetailPaiementSecurise``'s answer."""

    resultrans: str
    numauto: str
    dattrans: str  # DDMMYYYY
    heurtrans: str  # HHMM
    amount_cents: int | None
    refdet: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def transaction_at(self) -> datetime.datetime | None:
        """The transaction's time (Paris), or None when PayFiP gave none or a malformed one."""
        try:
            moment = datetime.datetime.strptime(self.dattrans + self.heurtrans, "%d%m%Y%H%M")
        except ValueError:
            try:
                moment = datetime.datetime.strptime(self.dattrans, "%d%m%Y")
            except ValueError:
                return None
        return moment.replace(tzinfo=PARIS)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class Client:
    """PayFiP's web service at ``url`` (default PAYFIP_URL), ``timeout`` seconds per call."""

    def __init__(self, url: str | None = None, timeout: float | None = None) -> None:
        self.url = endpoint(url)
        self.timeout = timeout if timeout is not None else settings.PAYFIP_TIMEOUT

    def create_payment(
        self,
        *,
        numcli: str,
        exer: int,
        refdet: str,
        objet: str,
        amount_cents: int,
        email: str,
        urlnotif: str,
        urlredirect: str,
        saisie: str,
    ) -> str:
        """Open an operation; its ``idOp``."""
        answer = self._call(
            "creerPaiementSecurise",
            {
                "exer": str(exer),
                "mel": email,
                "montant": str(amount_cents),
                "numcli": numcli,
                "objet": objet,
                "refdet": refdet,
                "saisie": saisie,
                "urlnotif": urlnotif,
                "urlredirect": urlredirect,
            },
        )
        id_op = answer.get("idOp", "").strip()
        if not id_op or len(id_op) > 64:
            raise PayFiPUnavailable("creerPaiementSecurise answered no idOp")
        return id_op

    def payment_details(self, id_op: str) -> PaymentDetails:
        """How the operation ended; ``PayFiPFault`` P5 while nobody knows yet."""
        answer = self._call("recupererDetailPaiementSecurise", {"idOp": id_op})
        montant = answer.get("montant", "").strip()
        return PaymentDetails(
            resultrans=answer.get("resultrans", "").strip().upper(),
            numauto=answer.get("numauto", "").strip()[:16],
            dattrans=answer.get("dattrans", "").strip(),
            heurtrans=answer.get("heurtrans", "").strip(),
            amount_cents=int(montant) if montant.isascii() and montant.isdigit() else None,
            refdet=answer.get("refdet", "").strip(),
            fields=answer,
        )

    # -- SOAP --

    def _call(self, operation: str, values: dict[str, str]) -> dict[str, str]:
        request = urllib.request.Request(  # noqa: S310 - the URL is the configured https endpoint
            self.url,
            data=build_envelope(operation, values),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as error:
            # Faults come with HTTP 500: read them; anything else is an outage.
            body = error.read(MAX_ANSWER_BYTES)
            fault = _fault(body)
            if fault is not None:
                logger.info("PayFiP %s: fault %s", operation, fault.code)
                raise fault from None
            logger.warning("PayFiP %s: HTTP %s", operation, error.code)
            raise PayFiPUnavailable(f"HTTP {error.code}") from None
        except (TimeoutError, urllib.error.URLError, OSError) as error:
            logger.warning("PayFiP %s: %s", operation, type(error).__name__)
            raise PayFiPUnavailable(type(error).__name__) from None
        fault = _fault(body)
        if fault is not None:
            logger.info("PayFiP %s: fault %s", operation, fault.code)
            raise fault
        return _return_fields(body, operation)


def build_envelope(operation: str, values: dict[str, str]) -> bytes:
    envelope = ET.Element(f"{{{SOAP_NS}}}Envelope")
    body = ET.SubElement(envelope, f"{{{SOAP_NS}}}Body")
    call = ET.SubElement(body, f"{{{SERVICE_NS}}}{operation}")
    arg0 = ET.SubElement(call, "arg0")
    for name, value in values.items():
        ET.SubElement(arg0, name).text = value
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def parse_xml(body: bytes) -> Any:
    try:
        return SafeET.fromstring(body)
    except (SafeET.ParseError, ValueError) as error:  # ValueError: defusedxml's refusals
        raise PayFiPUnavailable("malformed answer") from error
    except Exception as error:  # defusedxml.DefusedXmlException and friends
        raise PayFiPUnavailable("refused answer") from error


def _fault(body: bytes) -> PayFiPFault | None:
    if b"Fault" not in body:
        return None
    try:
        root = parse_xml(body)
    except PayFiPUnavailable:
        return None
    fault = next((e for e in root.iter() if _local(e.tag) == "Fault"), None)
    if fault is None:
        return None
    texts = {_local(e.tag): (e.text or "").strip() for e in fault.iter()}
    message = texts.get("descriptif") or texts.get("libelle") or texts.get("faultstring", "")
    code = texts.get("code", "")
    if not code:
        found = re.search(r"\b([A-Z][0-9]{1,2})\b", texts.get("faultstring", ""))
        code = found.group(1) if found else "fault"
    return PayFiPFault(code[:16], message[:200])


def _return_fields(body: bytes, operation: str) -> dict[str, str]:
    root = parse_xml(body)
    answer = next((e for e in root.iter() if _local(e.tag) == f"{operation}Response"), None)
    returned = (
        next((e for e in answer if _local(e.tag) == "return"), None) if answer is not None else None
    )
    if returned is None:
        raise PayFiPUnavailable(f"no {operation}Response")
    return {_local(child.tag): (child.text or "").strip() for child in returned}
