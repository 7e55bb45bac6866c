"""Where a served request's CPU goes: gunicorn, PostgreSQL, Redis and wrk, per request.

    .venv/bin/python bench/breakdown.py [--database URL] [--seconds 4] [--rounds 3]

Serves the benchmark database (built by bench/run.py) with the shipped gunicorn.conf.py,
as bench/run.py does, and drives the bare view, the floor and the contract pages at 8
connections with wrk, taking turns. Around each run it reads the CPU time (user + system,
from /proc) of every process on the path of a request: the gunicorn master and workers,
the PostgreSQL backends connected to the database, redis-server, and wrk itself. Reports
the microseconds of CPU each spends per request, and the whole machine's busy time per
request (the sum over all processes, from /proc/stat), so that what a page costs beyond
the bare view can be read component by component, whatever else the machine is doing.

Writes bench/results/breakdown.md and .json.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    ROOT,
    free_port,
    manage,
    production_env,
    require_tools,
    shipped_gunicorn,
    write_report,
    wrk,
)
from run import FLOOR, PAGES, keep_every_page, lua_rotation, prepare

TICK = os.sysconf("SC_CLK_TCK")
SHOWN = ["baseline", "floor", "dashboard", "invoices", "consumption", "payments"]


def _ticks(pids: list[str]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        # utime, stime, and cutime, cstime: the CPU of children it has reaped, so that a
        # worker replaced during a run still counts (through gunicorn's master).
        total += sum(int(field) for field in fields[11:15])
    return total


def _pids(pattern: str, *, exact: bool = False) -> list[str]:
    found = subprocess.run(
        ["pgrep", "-x" if exact else "-f", pattern], capture_output=True, text=True
    )
    return found.stdout.split()


def meters(port: int, database: str) -> dict[str, Callable[[], float]]:
    """CPU seconds so far of each component (processes looked up at each reading: workers
    are replaced, PostgreSQL backends come and go)."""

    def of(pattern: str, exact: bool = False) -> Callable[[], float]:
        return lambda: _ticks(_pids(pattern, exact=exact)) / TICK

    def machine() -> float:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        busy = sum(int(v) for i, v in enumerate(fields) if i not in (3, 4))  # not idle, iowait
        return busy / TICK

    def wrk_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    return {
        "gunicorn": of(f"gunicorn portal.wsgi.*127.0.0.1:{port}( |$)"),
        "postgres": of(f"postgres: ([^:]+: )?[a-z]+ {database} "),
        "redis": of("redis-server", exact=True),
        "wrk": wrk_cpu,
        "machine": machine,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/espace_bench")
    parser.add_argument("--seconds", type=int, default=4, help="per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--stem", default="breakdown")
    args = parser.parse_args()
    require_tools()
    var_dir = ROOT / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = production_env(args.database, port, var_dir, TRUSTED_PROXY_COUNT="1")
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    prepare(env, "retire")
    prepare(env, "reset-sessions")
    users = prepare(env, "sessions", str(args.subscribers))
    assert isinstance(users, list) and users, "no generated subscribers: run bench/run.py first"
    specs = {
        "baseline": ("/bench/baseline", ""),
        "floor": ("/", lua_rotation(users, FLOOR)),
        **{name: ("/", lua_rotation(users, PAGES[name])) for name in SHOWN[2:]},
    }
    database = args.database.rsplit("/", 1)[1]
    totals = {name: {"requests": 0} for name in specs}
    with shipped_gunicorn(env, port) as (base, _master):
        meter = meters(port, database)
        keep_every_page(base, users, [FLOOR, *(PAGES[name] for name in SHOWN[2:])])
        for name, (path, lua) in specs.items():  # warm: caches and connections of every worker
            wrk(name, base + path, 8, 3, lua)
        prepare(env, "stagger", str(args.subscribers))  # kept accounts expire at any time
        for _ in range(args.rounds):
            for name, (path, lua) in specs.items():
                before = {k: m() for k, m in meter.items()}
                run = wrk(name, base + path, 8, args.seconds, lua)
                time.sleep(0.3)  # the requests still in flight when wrk stopped
                spent = {k: m() - before[k] for k, m in meter.items()}
                row = totals[name]
                row["requests"] += run.requests
                for key, value in spent.items():
                    row[key] = row.get(key, 0.0) + value
    base_row = totals["baseline"]

    def per_request(row: dict[str, float], key: str) -> float:
        return row[key] / row["requests"] * 1e6

    table = []
    for name, row in totals.items():
        line: dict[str, object] = {"page": name, "requests": int(row["requests"])}
        for key in ("gunicorn", "postgres", "redis", "wrk", "machine"):
            line[f"{key} µs"] = round(per_request(row, key))
        line["machine × baseline"] = round(
            per_request(base_row, "machine") / per_request(row, "machine"), 2
        )
        table.append(line)
    write_report(
        args.stem,
        "Where a served request's CPU goes (bench/breakdown.py)",
        table,
        [
            f"8 connections, {args.rounds} rounds of {args.seconds} s per page taking turns; "
            "the shipped gunicorn.conf.py; "
            f"{len(users)} logged-in subscribers rotating, each on their own contract.",
            "Each column: CPU time (user + system) of those processes divided by the "
            "requests served; 'machine' is the whole machine's busy time per request "
            "(everything running, context switches and the kernel's network work included).",
            "'machine × baseline': the bare view's machine time over the page's, the "
            "throughput ratio the machine's CPU allows when it is the limit.",
            time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        ],
    )


if __name__ == "__main__":
    main()
