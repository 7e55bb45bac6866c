import pytest


@pytest.mark.django_db
def test_the_benchmark_baseline_is_not_served_by_default(client):
    assert client.get("/bench/baseline").status_code == 404
