"""The synthetic dataset of the benchmarks: coherent, linked accounts that can log in."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from accounts.models import User
from contracts.models import (
    AccountPayerLink,
    Contract,
    Invoice,
    MeterReading,
    Payer,
    Payment,
    normalize_contract_number,
)
from demo.management.commands.generate_dataset import DEFAULT_PASSWORD, EMAIL_PATTERN

pytestmark = pytest.mark.django_db


def generate(**options) -> str:
    out = StringIO()
    call_command("generate_dataset", stdout=out, **options)
    return out.getvalue()


def test_it_builds_the_requested_sizes_with_a_history_per_contract():
    output = generate(payers=40, contracts=50, years=3, accounts=10, batch=7)

    assert Payer.objects.count() == 40
    assert Contract.objects.count() == 50
    assert "Done in" in output and "contracts with history: 50/50" in output
    # Half-yearly readings over 3 years; an invoice per reading after the first.
    per_contract = Contract.objects.annotate(n=Count("readings")).values_list("n", flat=True)
    assert max(per_contract) in (6, 7)
    assert Invoice.objects.count() >= 40 * 4
    assert Payment.objects.count() <= Invoice.objects.count()
    for contract in Contract.objects.all():
        assert normalize_contract_number(contract.number) == contract.number
        assert contract.key_hash == ""
    # Some payers hold several contracts.
    assert Payer.objects.annotate(n=Count("contracts")).filter(n__gt=1).exists()
    # Indexes go up: consumption is never negative.
    for contract in Contract.objects.all()[:5]:
        readings = contract.readings.with_consumption().order_by("date")
        assert all(r.consumption is None or r.consumption >= 0 for r in readings)
    assert MeterReading.objects.count() > 0


def test_generated_accounts_log_in_and_see_only_their_payers_contract(client):
    generate(payers=20, contracts=25, years=2, accounts=5)

    assert User.objects.count() == 5 == AccountPayerLink.objects.count()
    user = User.objects.get(email=EMAIL_PATTERN.format(1))
    response = client.post("/comptes/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302

    own = Contract.objects.for_user(user).first()
    assert client.get(f"/contrats/{own.number}/").status_code == 200
    other = Contract.objects.exclude(payer__account_links__user=user).first()
    assert client.get(f"/contrats/{other.number}/").status_code == 404
    # The invoice PDF is served.
    invoice = own.invoices.first()
    assert client.get(f"/contrats/{own.number}/factures/{invoice.number}.pdf").status_code == 200


def test_it_refuses_a_database_that_already_holds_data_unless_reset():
    generate(payers=3, contracts=3, years=1, accounts=1)
    with pytest.raises(CommandError):
        generate(payers=3, contracts=3, years=1, accounts=1)
    generate(payers=4, contracts=5, years=1, accounts=2, reset=True)
    assert Contract.objects.count() == 5


def test_it_refuses_inconsistent_sizes():
    with pytest.raises(CommandError):
        generate(payers=10, contracts=5)
