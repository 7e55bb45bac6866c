"""Reference numbers: DA-/CT-YYYY-NNNNNN, sequential per kind and year, never repeated."""

import threading

import pytest
from django.db import connection, transaction

from inquiries.models import InquiryKind, ReferenceCounter
from inquiries.services import next_reference


@pytest.mark.django_db
def test_references_are_sequential_per_kind_and_year():
    assert next_reference(InquiryKind.SUBSCRIPTION, 2026) == "DA-2026-000001"
    assert next_reference(InquiryKind.SUBSCRIPTION, 2026) == "DA-2026-000002"
    assert next_reference(InquiryKind.CONTACT, 2026) == "CT-2026-000001"
    assert next_reference(InquiryKind.SUBSCRIPTION, 2027) == "DA-2027-000001"
    assert next_reference(InquiryKind.CONTACT, 2026) == "CT-2026-000002"


@pytest.mark.django_db
def test_a_rolled_back_submit_gives_its_number_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        next_reference(InquiryKind.CONTACT, 2026)
        raise RuntimeError("the request could not be saved")
    assert next_reference(InquiryKind.CONTACT, 2026) == "CT-2026-000001"


@pytest.mark.django_db
def test_the_counter_continues_from_its_stored_value():
    ReferenceCounter.objects.create(kind=InquiryKind.CONTACT, year=2026, last=455)
    assert next_reference(InquiryKind.CONTACT, 2026) == "CT-2026-000456"


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_never_share_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises writers anyway)")
    # No counter row yet: the first submits also race to create it.
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic():
                    results.append(next_reference(InquiryKind.SUBSCRIPTION, 2026))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [f"DA-2026-{n:06d}" for n in range(1, 41)]
