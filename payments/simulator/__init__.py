"""A local PayFiP for development and tests (``/simulateur-payfip/``, PAYFIP_SIMULATOR).

It speaks the two SOAP operations the portal uses at ``tpa/services/securite`` and serves
the payment page at ``tpa/paiementws.web?idop=…``, where one chooses the outcome: paid by
card (P), refused (R), abandoned (A), paid or refused by direct debit (V / Z), back to the
portal before any result (the web service then answers P5), or forget the operation (P1).
On a choice it calls the portal's ``urlnotif`` server to server, as PayFiP does, then
offers the way back to ``urlredirect``.

Operations live in this process's memory (``store``): enough for ``runserver`` and tests,
which run in one process. Never mounted outside DEBUG or tests (checks, urls).
"""
