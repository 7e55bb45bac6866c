"""Where a logged-in request spends its CPU, without gunicorn, wrk or the network.

    .venv/bin/python bench/inprocess.py [--database URL] [--cache URL] [--requests 1500]

Drives the bare view, the floor (session, account, access rule; no page) and the
dashboard (kept figures, the page frame rendered) through Django's whole middleware stack
with the test client, in this process, as one logged-in subscriber of the benchmark
database (built by bench/run.py; migrated here first). Reports the CPU per request of each
(``time.process_time``, two rounds taking turns) as ratios to the bare view, then the
functions of the dashboard that cost the most (cProfile, cumulative).

The ratios here leave out what a served request adds for every page alike (gunicorn, the
socket, wrk) and what PostgreSQL and Redis spend on their side on the same cores: they say
how much of a page's cost is the portal's own Python. Writes bench/results/inprocess.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "inprocess.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/espace_bench_small"
    )
    parser.add_argument("--cache", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--requests", type=int, default=1500)
    args = parser.parse_args()

    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret-key"),
        DJANGO_DEBUG="0",
        DJANGO_DEMO="1",
        BENCHMARK_BASELINE="1",
        DATABASE_URL=args.database,
        CACHE_URL=args.cache,
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from contracts.models import AccountPayerLink

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    link = AccountPayerLink.objects.select_related("user", "payer").order_by("pk").first()
    if link is None:
        raise SystemExit("No linked subscriber: build the benchmark database with bench/run.py")
    number = link.payer.contracts.order_by("number").first().number
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(link.user)
    # The bare view as the served benchmark asks it: without the session cookie (a logged-in
    # client's cookie would have it load the session and the account too).
    anonymous = Client(HTTP_HOST="127.0.0.1")
    urls = {
        "bare view": "/bench/baseline",
        "floor": f"/bench/floor/{number}/",
        "dashboard": f"/contrats/{number}/",
    }

    def asking(url: str) -> Client:
        return anonymous if url == urls["bare view"] else client

    for url in urls.values():
        # warm: figures kept, templates compiled
        assert asking(url).get(url).status_code == 200, url

    def cpu_ms(url: str) -> float:
        start = time.process_time()
        for _ in range(args.requests):
            asking(url).get(url)
        return (time.process_time() - start) / args.requests * 1000

    rounds = [{name: cpu_ms(url) for name, url in urls.items()} for _ in range(2)]
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        client.get(urls["dashboard"])
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)

    lines = [
        "# Logged-in requests in process (bench/inprocess.py)",
        "",
        f"{args.requests} requests per view and round, one subscriber, DEBUG off, "
        "PostgreSQL and Redis; CPU of this process only.",
        "",
        "| round | bare view ms | floor ms | floor × bare | dashboard ms | dashboard × bare |",
        "|---|---|---|---|---|---|",
    ]
    for index, r in enumerate(rounds, 1):
        bare = r["bare view"]
        lines.append(
            f"| {index} | {bare:.3f} | {r['floor']:.3f} | {bare / r['floor']:.2f} | "
            f"{r['dashboard']:.3f} | {bare / r['dashboard']:.2f} |"
        )
    lines += ["", "Dashboard, cProfile (cumulative):", "", "```", out.getvalue().strip(), "```"]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[: 10 + len(rounds)]))


if __name__ == "__main__":
    main()
