"""The cost of the reverse proxy: the same pages straight to one gunicorn and through nginx.

    .venv/bin/python bench/proxy.py [--seconds 5] [--connections 8]

nginx runs ``docker/nginx.conf`` (TLS with a throw-away certificate, HTTP/1.1 keep-alive
from wrk, kept-alive connections to gunicorn) in front of two gunicorn instances (2 sync
workers each, production settings) on one fresh PostgreSQL database and Redis db 13. wrk
keeps its connections open in both cases. Reported: requests/s and latency of each page
both ways, and their ratios (through nginx / direct), measured in one run; the pages take
turns so that they meet the same changes of the shared machine's speed.
Writes bench/results/proxy.json and proxy.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from tests.multiprocess.cluster import nginx_config, throwaway_certificate

PAGES = [("baseline", "/bench/baseline"), ("home (kept login page)", "/"), ("healthz", "/healthz")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="bench_proxy")
    args = parser.parse_args()
    harness.require_tools()
    admin = f"{args.admin_url}/postgres"
    for sql in (
        f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)',
        f'CREATE DATABASE "{args.database}"',
    ):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)
    work = Path(tempfile.mkdtemp(prefix="bench-proxy-"))
    nginx_port, redirect_port = harness.free_port(), harness.free_port()
    ports = [harness.free_port(), harness.free_port()]
    env = harness.production_env(
        f"{args.admin_url}/{args.database}",
        nginx_port,
        work / "var",
        SITE_URL=f"https://localhost:{nginx_port}",
        DJANGO_EXTRA_ALLOWED_HOSTS="127.0.0.1",
        TRUSTED_PROXY_COUNT="1",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        MFA_ENCRYPTION_KEY="x2OGbB6QZgDnBzDVL3Q0r1Ykfs6vA3HgYvBq8fYfH3s=",
    )
    harness.manage(env, "migrate", "--noinput")
    harness.manage(env, "collectstatic", "--noinput")
    throwaway_certificate(work)
    config = nginx_config(work, nginx_port, redirect_port, ports)
    rows: dict[tuple[str, str], list[harness.Result]] = {}
    with ExitStack() as stack:
        for port in ports:
            stack.enter_context(harness.gunicorn(env, port, workers=2))
        nginx = subprocess.Popen(["nginx", "-c", str(config)], start_new_session=True)
        stack.callback(nginx.wait)
        stack.callback(nginx.terminate)
        time.sleep(1)
        targets = {
            "direct (1 gunicorn, http)": f"http://127.0.0.1:{ports[0]}",
            "nginx (2 gunicorn, https)": f"https://localhost:{nginx_port}",
        }
        for _round in range(args.rounds):
            for name, path in PAGES:
                for how, base in targets.items():
                    result = harness.wrk(
                        name, base + path, args.connections, args.seconds,
                        headers={"Host": f"localhost:{nginx_port}"} if "direct" in how else None,
                    )  # fmt: skip
                    rows.setdefault((name, how), []).append(result)
    subprocess.run(
        ["psql", admin, "-q", "-c", f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'],
        check=True,
        capture_output=True,
    )
    table: list[dict[str, object]] = []
    for name, _path in PAGES:
        direct = harness.combined(rows[(name, "direct (1 gunicorn, http)")])
        proxied = harness.combined(rows[(name, "nginx (2 gunicorn, https)")])
        for how, result in (("direct", direct), ("nginx+TLS", proxied)):
            table.append({
                "page": name, "path": how, "rps": result.rps, "p50 ms": result.p50_ms,
                "p95 ms": result.p95_ms, "errors": result.errors,
                "ratio to direct": round(result.rps / direct.rps, 2) if direct.rps else "",
                "p50 added ms": round(result.p50_ms - direct.p50_ms, 2),
            })  # fmt: skip
    harness.write_report(
        "proxy",
        "Through nginx (TLS, keep-alive) vs straight to gunicorn",
        table,
        [
            f"{args.connections} wrk connections, kept alive; {args.rounds} rounds of "
            f"{args.seconds} s per page and path, pages taking turns; one noisy 2-core machine "
            "shared with wrk, nginx, PostgreSQL and Redis.",
            "Direct: one gunicorn (2 sync workers). nginx: docker/nginx.conf, TLS 1.3, round "
            "robin over two gunicorn (2 sync workers each) — the same 2 cores, so the ratio "
            "is the proxy's cost, not a gain from more workers.",
        ],
    )


if __name__ == "__main__":
    main()
