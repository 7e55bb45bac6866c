"""The whole load benchmark, from an empty PostgreSQL database to bench/results/.

    .venv/bin/python bench/run.py                      # 150,000 payers, 180,000 contracts
    .venv/bin/python bench/run.py --payers 8000 --contracts 10000 --seconds 3   # quicker

1. (Re)creates the databases <name> (the big one), <name>_small (1,000 contracts) and
   <name>_import, migrates them, runs collectstatic, and fills them with
   ``manage.py generate_dataset`` (timed).
2. Serves the portal as the image does: ``gunicorn portal.wsgi`` reading the shipped
   gunicorn.conf.py (sync workers, WEB_CONCURRENCY or its default, preload, worker
   recycling, access log setting), production settings (DEBUG off, WhiteNoise,
   PostgreSQL, Redis cache db 13). Only the address is given (127.0.0.1:<free port>).
   Anything else is a named option: ``--conf NAME=VALUE`` sets one of the configuration's
   own variables (WEB_CONCURRENCY, GUNICORN_MAX_REQUESTS, GUNICORN_PRELOAD,
   GUNICORN_ACCESS_LOG) and is written in the report. Workers replaced during the run are
   counted. wrk (one thread) runs beside it.
3. Drives each page with wrk at 1, 8 and 32 connections, many distinct logged-in
   subscribers (sessions rotate, each on its own contract), after a warm-up; the baseline
   (a bare view behind the same middleware) is measured in the same run, and every page's
   throughput is reported as a ratio to it. Pages take turns in 2-second runs (3 rounds
   with the default --seconds 6), so that they all meet the same changes of the shared machine's
   speed; each page's run comes right after one of the bare view's, and is compared with
   those runs, so every page follows the same thing (the logged-in pages at every connection
   count first, then the anonymous entrance pages); latency percentiles are those of all a
   page's runs' requests pooled.
4. Login POSTs with real passwords (Argon2), rate limits on: each request comes from another
   client address (X-Forwarded-For, one trusted proxy) and accounts rotate; anything but
   a 302 to the area counts as an error.
5. Also: queries per request, Argon2 parameters and verification time, page weight
   (gzip), the dashboard on the 1,000-contract database, the billing import (rows/s).
6. The *floor* (/bench/floor/<contract>/): what every contract page pays before its
   page: the session, the account, the access rule, and no template. Contract pages keep
   their figures in the cache (contracts.fragments); the warm-up views every subscriber's
   page once, and "dashboard, first view" measures the same page just after the kept
   pages were retired, as after an import.

Writes bench/results/<stem>.json and .md and prints the Markdown.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    PYTHON,
    ROOT,
    Result,
    combined,
    free_port,
    manage,
    production_env,
    require_tools,
    server_cpu,
    settled_workers,
    shipped_gunicorn,
    worker_pids,
    wrk,
)

PAGES = {
    "dashboard": "/contrats/{contract}/",
    "invoices": "/contrats/{contract}/factures/",
    "consumption": "/contrats/{contract}/consommations/",
    "payments": "/contrats/{contract}/paiements/",
    "invoice PDF": "/contrats/{contract}/factures/{invoice}.pdf",
}
ENTRANCE = {"home (login)": "/", "sign-up": "/comptes/signup/", "reset": "/comptes/password/reset/"}
CONTRACT_PAGES = ["dashboard", "invoices", "consumption", "payments", "invoice PDF"]
FLOOR = "/bench/floor/{contract}/"
PASSWORD = "Robinet!Bench7"  # generate_dataset's default for every generated account


def psql(admin_url: str, sql: str) -> None:
    subprocess.run(["psql", admin_url, "-q", "-c", sql], check=True, capture_output=True)


def fresh_database(base_url: str, name: str) -> str:
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: benchmark databases have 'bench' in the name")
    admin = base_url.rsplit("/", 1)[0] + "/postgres"
    psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(admin, f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + "/" + name


def prepare(env: dict[str, str], *args: str) -> object:
    out = subprocess.run(
        [PYTHON, "bench/prepare.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"bench/prepare.py {args[0]} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def lua_rotation(users: list[dict[str, str]], template: str) -> str:
    entries = ",\n".join(
        '{{c="sessionid={}; csrftoken={}", p="{}"}}'.format(
            u["session"], u["csrf"], template.format(**u)
        )
        for u in users
    )
    return (
        f"local users = {{\n{entries}\n}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  local u = users[(i % #users) + 1]\n"
        '  return wrk.format("GET", u.p, {["Cookie"] = u.c})\n'
        "end\n"
    )


def login_lua(base: str, emails: list[str]) -> str:
    """POST /comptes/login/ with a CSRF token fetched once, rotating accounts and client IPs."""
    with urllib.request.urlopen(base + "/", timeout=10) as response:  # noqa: S310
        cookie = response.headers.get("Set-Cookie", "")
        html = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie).group(1)  # type: ignore[union-attr]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    bodies = ",\n".join(
        '"{}"'.format(
            urllib.parse.urlencode(
                {"csrfmiddlewaretoken": token, "login": email, "password": PASSWORD}
            )
        )
        for email in emails
    )
    return (
        f"local bodies = {{\n{bodies}\n}}\n"
        "local i = 0\n"
        "expect_lo, expect_hi = 302, 302\n"
        "init = function(args) math.randomseed(os.time()) end\n"
        "request = function()\n"
        "  i = i + 1\n"
        '  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),'
        " math.random(1, 254))\n"
        '  return wrk.format("POST", "/comptes/login/", {'
        f'["Cookie"] = "csrftoken={csrf_cookie}", '
        '["Content-Type"] = "application/x-www-form-urlencoded", '
        '["X-Forwarded-For"] = ip}, bodies[(i % #bodies) + 1])\n'
        "end\n"
    )


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("href") and "stylesheet" in (a.get("rel") or "") + "icon":
            self.urls.append(a["href"] or "")
        elif tag in ("script", "img", "source", "iframe") and a.get("src"):
            self.urls.append(a["src"] or "")


def as_subscriber(url: str, session: str) -> tuple[str, bytes]:
    """GET ``url`` with this session's cookie → (the address answered after redirects, body)."""
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.geturl(), response.read()


def page_weight(base: str, path: str, session: str) -> dict[str, object]:
    """Bytes a browser downloads for this page, gzip-compressed (a proxy compresses HTML;
    WhiteNoise serves precompressed static files), and requests to any other host."""

    def get(url: str) -> bytes:
        return as_subscriber(url, session)[1]

    html = get(base + path)
    parser = _Assets()
    parser.feed(html.decode())
    urls = list(parser.urls)
    # url(...) in stylesheets (images, fonts).
    total = len(gzip.compress(html, 6))
    other_hosts = 0
    seen = set()
    while urls:
        url = urls.pop()
        absolute = urllib.parse.urljoin(base + path, url)
        if absolute in seen:
            continue
        seen.add(absolute)
        if urllib.parse.urlsplit(absolute).netloc != urllib.parse.urlsplit(base).netloc:
            if not absolute.startswith("data:"):
                other_hosts += 1
            continue
        body = get(absolute)
        total += len(gzip.compress(body, 6))
        if absolute.endswith(".css"):
            for ref in re.findall(r"url\(['\"]?([^'\")]+)", body.decode()):
                if not ref.startswith("data:"):
                    urls.append(urllib.parse.urljoin(absolute, ref))
    return {"bytes_gzip": total, "requests": len(seen) + 1, "other_hosts": other_hosts}


Spec = tuple[str, str]  # (path, wrk Lua script)
SLICE = 2  # seconds per wrk run when pages take turns
DRAIN = 0.5  # seconds of rest after each run


def warm(base: str, specs: dict[str, Spec], seconds: int = 4) -> None:
    """Caches, connections, bytecode, in every worker (after ``keep_every_page``)."""
    for label, (path, lua) in specs.items():
        wrk(label, base + path, 8, seconds, lua)


def keep_every_page(base: str, users: list[dict[str, str]], templates: Iterable[str]) -> None:
    """Each subscriber's page of each ``templates`` asked once (8 at a time, each answered
    at its own address, not redirected), so that every page the runs rotate over is kept
    before anything is measured. A timed warm-up alone left it to the machine's speed: the
    first view of a page costs about 30 times a kept one, and on a machine half as fast 4
    seconds of wrk did not reach every subscriber, so the runs at 1 and then 8 connections
    still paid for first views."""

    def visit(url_and_session: tuple[str, str]) -> bool:
        # An error status raises; a redirect (to the login page) answers another address.
        return as_subscriber(*url_and_session)[0] == url_and_session[0]

    visits = [(base + t.format(**u), u["session"]) for t in templates for u in users]
    with ThreadPoolExecutor(8) as pool:
        answered = list(pool.map(visit, visits))
    if not all(answered):
        raise SystemExit(f"warm-up: {answered.count(False)} pages were redirected elsewhere")


def interleaved(
    base: str,
    specs: dict[str, Spec],
    connections: list[int],
    seconds: int,
    before: dict[str, Callable[[], object]] | None = None,
    cpu: dict[str, Callable[[], float]] | None = None,
    after: Callable[[], object] | None = None,
    paired: bool = False,
) -> dict[str, list[Result]]:
    """Each page in 2-second runs, taking turns with the others, for about ``seconds`` in
    all per connection count. The machine is shared: its speed changes by 2x within a
    minute, so pages measured one after the other would be compared under different
    loads; taking turns, they share the same ups and downs, which keeps their ratios
    honest. (Shorter runs would lose too large a share to the requests still in flight
    when each run stops.)

    ``paired``: each page's run comes right after one of the bare view's ("baseline"),
    and the page is compared with those runs (``Result.paired_rps``). Every page then
    follows the same thing: without it, the first page of each round paid for whatever
    built up during the runs before it (kept accounts expiring, workers replaced and
    starting empty), which the others did not."""
    rounds = max(1, round(seconds / SLICE))
    order = list(specs)
    if paired:
        order = [x for label in specs if label != "baseline" for x in ("baseline", label)]
    out: dict[str, list[Result]] = {label: [] for label in specs}
    for conns in connections:
        slices: dict[str, list[Result]] = {label: [] for label in specs}
        bare_before: dict[str, list[Result]] = {label: [] for label in specs}
        for _ in range(rounds):
            for label in order:
                path, lua = specs[label]
                if before and label in before:
                    before[label]()
                meter = (cpu or {}).get(label)
                spent = meter() if meter else 0.0
                run = wrk(label, base + path, conns, SLICE, lua)
                # wrk stops with requests still queued in the server: let them finish
                # before the next page's run, which would otherwise pay for them.
                time.sleep(DRAIN)
                if meter:
                    run.cpu_s = meter() - spent
                if after:
                    after()
                if paired and label != "baseline":
                    bare_before[label].append(slices["baseline"][-1])
                slices[label].append(run)
        for label in specs:
            pooled = combined(slices[label])
            if bare_before[label]:
                bare = combined(bare_before[label])
                pooled.paired_rps, pooled.paired_rounds_rps = bare.rps, bare.rounds_rps
            out[label].append(pooled)
    return out


def run_import(base_url: str, name: str, rows: int) -> dict[str, object]:
    script = ROOT / "bench" / "import_bench.py"
    if not script.exists():
        return {"skipped": "bench/import_bench.py missing"}
    url = fresh_database(base_url, name)
    env = production_env(url, 0, Path(tempfile.mkdtemp(prefix="bench-import-")))
    env["DJANGO_DEBUG"] = "0"
    manage(env, "migrate", "-v0")
    out = subprocess.run(
        [PYTHON, str(script), "--contracts", str(max(1000, rows // 50)), "--rows", str(rows)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"first import: (\d+) rows in ([\d.]+) s = ([\d,]+) rows/s", out.stdout)
    if not match:
        return {"error": (out.stdout + out.stderr)[-2000:]}
    return {
        "rows": int(match.group(1)),
        "seconds": float(match.group(2)),
        "rows_per_s": int(match.group(3).replace(",", "")),
    }


def build(base_url: str, name: str, size: dict[str, int], var_dir: Path) -> tuple[str, float]:
    url = fresh_database(base_url, name)
    env = production_env(url, 0, var_dir)
    manage(env, "migrate", "-v0")
    start = time.monotonic()
    manage(
        env,
        "generate_dataset",
        "--payers",
        str(size["payers"]),
        "--contracts",
        str(size["contracts"]),
        "--years",
        str(size["years"]),
    )
    seconds = time.monotonic() - start
    record = {
        "seconds": seconds,
        **size,
        "built_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    (var_dir / f"dataset-{name}.json").write_text(json.dumps(record))
    return url, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/espace_bench")
    parser.add_argument("--payers", type=int, default=150_000)
    parser.add_argument("--contracts", type=int, default=180_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=6, help="per page and connection count")
    parser.add_argument("--connections", default="1,8,32")
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the existing databases (no regeneration)."
    )
    parser.add_argument("--stem", default="latest")
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="A variable of gunicorn.conf.py that differs from what ships (reported).",
    )
    args = parser.parse_args()
    conf_env = dict(item.split("=", 1) for item in args.conf)
    require_tools()
    connections = [int(c) for c in args.connections.split(",")]
    base_url, name = args.database.rsplit("/", 1)
    base_url = args.database
    # Static files and the dataset's sample invoice PDF (kept for --reuse).
    var_dir = ROOT / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    big = {"payers": args.payers, "contracts": args.contracts, "years": args.years}
    small = {"payers": 800, "contracts": 1000, "years": args.years}

    notes: list[str] = []
    if args.reuse:
        big_url, small_url = base_url, base_url + "_small"
        for url in (big_url, small_url):
            manage(production_env(url, 0, var_dir), "migrate", "-v0")
        # The generation time measured when these databases were built (same code).
        record = var_dir / f"dataset-{name}.json"
        gen_seconds = json.loads(record.read_text())["seconds"] if record.exists() else None
        if gen_seconds is not None:
            notes.append(
                "--reuse: databases built earlier by this script; dataset time from "
                + json.loads(record.read_text()).get("built_at", "that build")
            )
    else:
        print(f"Building {big} …", flush=True)
        big_url, gen_seconds = build(base_url, name, big, var_dir)
        small_url, _ = build(base_url, name + "_small", small, var_dir)
    port = free_port()
    env = production_env(big_url, port, var_dir, TRUSTED_PROXY_COUNT="1")
    manage(env, "collectstatic", "--noinput", "-v0")

    prepare(env, "retire")  # nothing kept from an earlier run
    prepare(env, "reset-sessions")  # nor any session
    hashing = prepare(env, "hashing")
    users = prepare(env, "sessions", str(args.subscribers))
    queries = prepare(env, "queries", json.dumps({**PAGES, **ENTRANCE, "floor": FLOOR}))
    queries["baseline"] = 0
    assert isinstance(users, list) and users, "no generated subscribers"
    emails = [u["email"] for u in users]

    with shipped_gunicorn(env, port, **conf_env) as (base, master):
        first_workers = set(settled_workers(master.pid))
        workers_seen = set(first_workers)
        specs: dict[str, Spec] = {
            "baseline": ("/bench/baseline", ""),
            **{label: (path, "") for label, path in ENTRANCE.items()},
            "floor": ("/", lua_rotation(users, FLOOR)),
            **{label: ("/", lua_rotation(users, path)) for label, path in PAGES.items()},
        }
        keep_every_page(base, users, [FLOOR, *PAGES.values()])
        # Steady state: the kept accounts' expiries spread. Touching them tells every
        # process to drop its near copies, which the warm-up then reads again.
        prepare(env, "stagger", str(args.subscribers))
        warm(base, specs)

        # Two groups, each page in pairs with the bare view: the logged-in pages at every
        # connection count, then the anonymous entrance pages. Mixed in one rotation, the
        # first logged-in page after the entrance pages' 7.5 s paid for everything that
        # built up meanwhile (the floor: 0.48 x instead of 0.67 x on the last machine).
        def counted() -> None:
            workers_seen.update(worker_pids(master.pid))

        logged_in = [label for label in specs if label not in ENTRANCE]
        results = interleaved(
            base,
            {label: specs[label] for label in logged_in},
            connections,
            args.seconds,
            after=counted,
            paired=True,
        )
        entrance = interleaved(
            base,
            {label: specs[label] for label in ("baseline", *ENTRANCE)},
            connections,
            args.seconds,
            after=counted,
            paired=True,
        )
        results.update({label: entrance[label] for label in ENTRANCE})
        # Logins: an absolute target (a login takes ~40 ms of Argon2, so a short run would
        # mostly measure the requests cut off at its end): whole runs, after a warm-up.
        login = login_lua(base, emails)
        warm(base, {"login POST": ("/", login)}, 2)
        results["login POST"] = [
            wrk("login POST", base + "/", conns, args.seconds, login) for conns in connections
        ]
        # The dashboard when no page is kept (first views after an import): the kept
        # pages are retired before each of its runs, so each request renders its figures;
        # with its own baseline and floor runs, taking turns in the same way.
        first_views = interleaved(
            base,
            {
                "baseline": specs["baseline"],
                "floor": specs["floor"],
                "dashboard, first view": ("/", lua_rotation(users, PAGES["dashboard"])),
            },
            [8],
            args.seconds,
            before={"dashboard, first view": lambda: prepare(env, "retire")},
        )
        results["dashboard, first view"] = first_views["dashboard, first view"]
        first_view_baseline = first_views["baseline"][0]
        weights = {
            label: page_weight(base, PAGES[label].format(**users[0]), users[0]["session"])
            for label in ("dashboard", "invoices", "consumption", "payments")
        }
        weights.update({label: page_weight(base, path, "") for label, path in ENTRANCE.items()})
        workers_seen.update(worker_pids(master.pid))
        serving = {"workers": len(first_workers), "replaced": len(workers_seen - first_workers)}

    # The same dashboard on 1,000 contracts: two fresh servers started together, one per
    # database, same settings, each with its own baseline, all four taking turns, so the
    # two sizes meet the same changes of the machine's speed and the same server state.
    # The small database has its own cache database: kept pages and lists are keyed by
    # row ids, which the two databases share (one cache serves one database in production).
    small_port, fresh_port = free_port(), free_port()
    big_db, small_db = big_url.rsplit("/", 1)[1], small_url.rsplit("/", 1)[1]
    small_env = production_env(
        small_url, small_port, var_dir, CACHE_URL="redis://127.0.0.1:6379/11"
    )
    fresh_env = production_env(big_url, fresh_port, var_dir)
    prepare(small_env, "retire")
    prepare(small_env, "reset-sessions")
    small_users = prepare(small_env, "sessions", "200")
    with (
        shipped_gunicorn(fresh_env, fresh_port, **conf_env) as (big_base_url, _),
        shipped_gunicorn(small_env, small_port, **conf_env) as (small_base_url, _),
    ):
        size_specs: dict[str, Spec] = {
            "baseline": (big_base_url + "/bench/baseline", ""),
            "dashboard": (
                big_base_url + "/",
                lua_rotation(users[: len(small_users)], PAGES["dashboard"]),
            ),
            "small baseline": (small_base_url + "/bench/baseline", ""),
            "small dashboard": (
                small_base_url + "/",
                lua_rotation(small_users, PAGES["dashboard"]),  # type: ignore[arg-type]
            ),
        }
        keep_every_page(big_base_url, users[: len(small_users)], [PAGES["dashboard"]])
        keep_every_page(small_base_url, small_users, [PAGES["dashboard"]])  # type: ignore[arg-type]
        warm("", size_specs)
        prepare(fresh_env, "stagger", str(len(small_users)))
        prepare(small_env, "stagger", str(len(small_users)))
        meters = {
            "dashboard": server_cpu(fresh_port, big_db),
            "small dashboard": server_cpu(small_port, small_db),
        }
        measured = interleaved("", size_specs, [8], args.seconds, cpu=meters)
        sizes = {k: v[0] for k, v in measured.items()}

    imported = (
        run_import(base_url, name + "_import", args.import_rows)
        if args.import_rows
        else {"skipped": "--import-rows 0"}
    )

    report(
        args, results, queries, hashing, weights, sizes, imported,
        gen_seconds, big, notes, first_view_baseline, conf_env, serving,
    )  # fmt: skip


def report(
    args: argparse.Namespace,
    results: dict[str, list[Result]],
    queries: dict[str, int],
    hashing: dict[str, dict[str, object]],
    weights: dict[str, dict[str, object]],
    sizes: dict[str, Result],
    imported: dict[str, object],
    gen_seconds: float | None,
    size: dict[str, int],
    notes: list[str],
    first_view_baseline: Result,
    conf_env: dict[str, str],
    serving: dict[str, int],
) -> None:
    base_runs = {r.connections: r for r in results["baseline"]}

    def ratio(r: Result) -> float:
        """The page's throughput over the bare view's runs made just before its own (over
        all the bare view's runs at the same connection count, if it was not paired)."""
        if "first view" in r.name:
            return r.rps / first_view_baseline.rps
        return r.rps / (r.paired_rps or base_runs[r.connections].rps)

    def rounds(r: Result) -> str:
        """The page's throughput over the bare view's, round by round (the two took turns
        within each round): how much the shared machine moved the pooled ratio."""
        base = r.paired_rounds_rps or base_runs[r.connections].rounds_rps
        ratios = [page / bare for page, bare in zip(r.rounds_rps, base, strict=False) if bare]
        return f"{min(ratios):.2f}–{max(ratios):.2f}" if ratios else "–"

    rows = []
    for label, runs in results.items():
        for r in runs:
            rows.append(
                {
                    "page": label,
                    "conns": r.connections,
                    "req/s": r.rps,
                    "× baseline": round(ratio(r), 2),
                    "rounds × baseline": rounds(r) if "first view" not in label else "–",
                    "p50 ms": r.p50_ms,
                    "p95 ms": r.p95_ms,
                    "p99 ms": r.p99_ms,
                    "errors": r.errors,
                    "queries": queries.get(label, "–"),
                }
            )

    def at(label: str, conns: int) -> Result:
        return next(r for r in results[label] if r.connections == conns)

    small_base, small_dash = sizes["small baseline"], sizes["small dashboard"]
    portal_hash = hashing["portal"]
    login8 = at("login POST", 8)
    cores = 2
    targets = []

    def target(name: str, measured: str, ok: bool) -> None:
        targets.append({"target": name, "measured": measured, "met": "yes" if ok else "**NO**"})

    for label in CONTRACT_PAGES:
        r = at(label, 8)
        target(
            f"{label}: ≥ 0.5 × baseline, p99 < 100 ms at 8 conns, 0 errors",
            f"{ratio(r):.2f} × (rounds {rounds(r)}), p99 {r.p99_ms} ms, "
            f"{sum(x.errors for x in results[label])} errors",
            ratio(r) >= 0.5 and r.p99_ms < 100 and all(x.errors == 0 for x in results[label]),
        )
    floor8 = at("floor", 8)
    floor_ratio = ratio(floor8)
    target(
        "the floor (session + account + access rule, no page): ≥ 0.6 × baseline at 8 conns",
        f"{floor_ratio:.2f} × (rounds {rounds(floor8)}), p99 {floor8.p99_ms} ms",
        floor_ratio >= 0.6,
    )
    target(
        "no recycling spikes: workers replaced during the run, p99 of the bare view at 8 conns",
        f"{serving['replaced']} of {serving['workers']} workers replaced; "
        f"baseline p99 {at('baseline', 8).p99_ms} ms",
        at("baseline", 8).p99_ms < 100,
    )
    pages_vs_floor = [ratio(at(label, 8)) / floor_ratio for label in CONTRACT_PAGES[:4]]
    first = results["dashboard, first view"][0]
    target(
        "what limits the contract pages at 8 conns",
        f"floor {floor_ratio:.2f} × baseline; the four contract pages "
        f"{min(pages_vs_floor):.2f}–{max(pages_vs_floor):.2f} × the floor; dashboard first "
        f"view (nothing kept) {first.rps / first_view_baseline.rps:.2f} × baseline, "
        f"p95 {first.p95_ms} ms",
        False,
    )
    targets[-1]["met"] = "–"
    for label in ENTRANCE:
        entrance = ratio(at(label, 8))
        target(f"{label}: ≥ 0.5 × baseline at 8 conns", f"{entrance:.2f} ×", entrance >= 0.5)
    # The cost of a dashboard on each size: CPU per request of its server and database
    # backends (throughput is in the notes; it moves with the machine by ±25 %).
    big_dash = sizes["dashboard"]
    big_cpu = big_dash.cpu_s / big_dash.requests * 1000 if big_dash.requests else 0.0
    small_cpu = small_dash.cpu_s / small_dash.requests * 1000 if small_dash.requests else 0.0
    target(
        f"dashboard at {size['contracts']:,} contracts within 10 % of 1,000 (CPU per request "
        "of gunicorn and PostgreSQL, 8 conns, two fresh servers taking turns)",
        f"{big_cpu:.2f} vs {small_cpu:.2f} ms ({small_cpu / big_cpu:.0%} of the speed); "
        f"{big_dash.rps} vs {small_dash.rps} req/s",
        bool(big_cpu) and big_cpu <= small_cpu / 0.9,
    )
    verify_ms = float(portal_hash["verify_cpu_ms"])  # type: ignore[arg-type]
    bound = cores / (verify_ms / 1000)
    target(
        "login POST ≥ 20/s, near cores ÷ hash time, 0 errors",
        f"{login8.rps} /s at 8 conns (bound {bound:.0f}/s = {cores} cores ÷ {verify_ms} ms), "
        f"{sum(x.errors for x in results['login POST'])} errors",
        login8.rps >= 20 and all(x.errors == 0 for x in results["login POST"]),
    )
    for label, weight in weights.items():
        kb = int(weight["bytes_gzip"]) / 1024  # type: ignore[call-overload]
        target(
            f"{label}: page weight < 40 kB gzip, no other host",
            f"{kb:.1f} kB in {weight['requests']} requests, {weight['other_hosts']} to other hosts",
            kb < 40 and weight["other_hosts"] == 0,
        )
    if "rows_per_s" in imported:
        target(
            "billing import ≥ 20,000 rows/s",
            f"{imported['rows_per_s']:,} rows/s ({imported['rows']:,} rows)",
            int(imported["rows_per_s"]) >= 20_000,  # type: ignore[call-overload]
        )
    else:
        target("billing import ≥ 20,000 rows/s", str(imported)[:200], False)
    if gen_seconds is not None:
        target(
            f"dataset ({size['payers']:,} payers, {size['contracts']:,} contracts, "
            f"{size['years']} years) built in < 15 min",
            f"{gen_seconds / 60:.1f} min",
            gen_seconds < 900 or size["contracts"] < 180_000,
        )

    notes += [
        f"Pages take turns in {SLICE}-second wrk runs, about {args.seconds} s each per "
        "connection count, each run right after one of the bare view's, which it is "
        "compared with (× baseline); the logged-in pages at every connection count first, "
        "then the entrance pages; login POSTs in whole runs of --seconds after them "
        "(the shared machine's speed varies by 2x within a minute); p50/p95/p99 are those of "
        "all the requests of a page's runs pooled (each run's latency known at every 0.5 %).",
        "gunicorn: the shipped gunicorn.conf.py ("
        + (
            "differences: " + ", ".join(f"{k}={v}" for k, v in conf_env.items())
            if conf_env
            else "nothing changed but the address"
        )
        + f"): {serving['workers']} sync workers on 2 cores, preload and recycling as "
        f"configured ({serving['replaced']} workers replaced during the run); production "
        "settings (DEBUG off, WhiteNoise, PostgreSQL 15, Redis cache); "
        "wrk 1 thread on the same machine.",
        f"{args.subscribers} distinct logged-in subscribers rotate on the contract pages, "
        "each on a contract of their own; login POSTs rotate the same accounts and "
        "client addresses (rate limits on).",
        "Argon2 (portal): m={memory_kib} KiB, t={time_cost}, p={parallelism}: "
        "{verify_cpu_ms} ms CPU per verification".format(**portal_hash)
        + "; Django's defaults: m={memory_kib} KiB, t={time_cost}, p={parallelism}: "
        "{verify_cpu_ms} ms".format(**hashing["django"]),
        f"Sizes compared at 8 conns, the two servers taking turns: {size['contracts']:,} "
        f"contracts {sizes['dashboard'].rps} req/s vs baseline {sizes['baseline'].rps}; "
        f"1,000 contracts {small_dash.rps} req/s vs baseline {small_base.rps} "
        f"(p95 {small_dash.p95_ms} ms).",
        "Page weight: HTML gzip-compressed as a reverse proxy would, plus every stylesheet, "
        "script and image it loads (WhiteNoise serves them precompressed).",
        "Machine shared with other work: compare ratios, not absolute figures. "
        + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    ]
    data = {
        "size": size,
        "rows": rows,
        "targets": targets,
        "hashing": hashing,
        "weights": weights,
        "sizes": {label: r.__dict__ for label, r in sizes.items()},
        "import": imported,
        "dataset_seconds": gen_seconds,
        "notes": notes,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.stem}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    text = "\n".join(
        [
            f"# Load benchmark ({size['contracts']:,} contracts)",
            "",
            _table(targets),
            "",
            _table(rows),
            "",
            *[f"- {n}" for n in notes],
            "",
        ]
    )
    (out / f"{args.stem}.md").write_text(text)
    print(text)


def _table(rows: list[dict[str, object]]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
