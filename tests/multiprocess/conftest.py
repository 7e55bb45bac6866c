"""The multi-process tests need nginx, PostgreSQL and Redis: they run in CI's PostgreSQL +
Redis pass. Elsewhere (SQLite pass, a laptop without nginx) they are skipped with the
reason; with CI=true, a missing nginx or openssl on the PostgreSQL pass fails them."""

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from django.conf import settings

from tests.multiprocess.cluster import NGINX, Cluster, start_cluster

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.multiprocess)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    db = settings.DATABASES["default"]
    cache = settings.CACHES["default"]
    if not db["ENGINE"].endswith(".postgresql") or "redis" not in cache["BACKEND"].lower():
        pytest.skip("two instances need PostgreSQL and Redis (CI's second pass)")
    for tool in (NGINX, "openssl"):
        if not shutil.which(tool):
            message = f"{tool} is missing (apt-get install nginx openssl)"
            if _in_ci():
                pytest.fail(f"{message}: CI must run the two-instance test.", pytrace=False)
            pytest.skip(message)
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    admin_url = (
        f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    )
    # Its own database and Redis database: the rest of the suite flushes its cache per test.
    database = f"{db['NAME']}_two_instances"[:63]
    cache_url = os.environ.get("MULTIPROCESS_CACHE_URL", "redis://127.0.0.1:6379/12")
    with ExitStack() as stack:
        # pytest -n: one cluster at a time on this Redis database (each flushes it).
        lock = stack.enter_context(
            open(f"/tmp/espace-abonne-cluster-{cache_url.rsplit('/', 1)[-1]}.lock", "w")
        )
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield start_cluster(
            stack, tmp_path_factory.mktemp("cluster"), admin_url, database, cache_url
        )
