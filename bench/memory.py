"""Worker memory, restarts and latency over many requests, gunicorn configurations in turn.

    .venv/bin/python bench/memory.py [--requests 100000] [--database URL]

Serves the portal with the shipped gunicorn.conf.py (``harness.shipped_gunicorn``) on the
benchmark database (built by bench/run.py), once per configuration, and drives it with wrk
at 8 connections in 10-second runs until ``--requests`` requests have been served:
logged-in subscribers rotating over the four contract pages and the bare view. After each
run: the Rss and Pss (shared pages divided among the processes sharing them) of every
worker, the workers replaced so far, the run's throughput and p99.

Configurations (the configuration's own environment variables):
- shipped: as the image runs (preload, a worker replaced every 100,000 ± 10,000 requests,
  no access line);
- never recycled: the same with GUNICORN_MAX_REQUESTS=0, whose memory curve shows
  whether a worker grows over the whole run;
- before #22: no preload, recycling every 2,000 ± 200 requests, access lines on (the
  configuration shipped before), for fewer requests (--before-requests).

Writes bench/results/memory.md and memory.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    PYTHON,
    ROOT,
    combined,
    free_port,
    manage,
    memory_kib,
    production_env,
    require_tools,
    shipped_gunicorn,
    worker_pids,
    wrk,
)
from run import PAGES, prepare

CONFIGS = {
    "shipped": {},
    "never recycled": {"GUNICORN_MAX_REQUESTS": "0"},
    "before #22": {
        "GUNICORN_PRELOAD": "0",
        "GUNICORN_MAX_REQUESTS": "2000",
        "GUNICORN_ACCESS_LOG": "1",
    },
}
RUN = 10  # seconds per wrk run


def mixed_lua(users: list[dict[str, str]]) -> str:
    """Each subscriber's four contract pages, then the bare view, in turn."""
    entries = []
    for u in users:
        for name in ("dashboard", "invoices", "consumption", "payments"):
            path = PAGES[name].format(**u)
            entries.append(f'{{c="sessionid={u["session"]}", p="{path}"}}')
        entries.append('{c="", p="/bench/baseline"}')
    return (
        "local entries = {\n" + ",\n".join(entries) + "\n}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  local e = entries[(i % #entries) + 1]\n"
        '  return wrk.format("GET", e.p, {["Cookie"] = e.c})\n'
        "end\n"
    )


def drive(env: dict[str, str], name: str, conf: dict[str, str], total: int, lua: str) -> dict:
    port = free_port()
    env = {**env, "SITE_URL": f"http://127.0.0.1:{port}"}
    samples = []
    runs = []
    with shipped_gunicorn(env, port, **conf) as (base, proc):
        time.sleep(1)
        seen = set(worker_pids(proc.pid))
        first = set(seen)
        served = 0
        start = time.monotonic()
        while served < total:
            run = wrk(name, base + "/", 8, RUN, lua)
            runs.append(run)
            served += run.requests
            pids = worker_pids(proc.pid)
            seen |= set(pids)
            mem = [memory_kib(pid) for pid in pids]
            mem = [m for m in mem if m]
            master = memory_kib(proc.pid)
            samples.append(
                {
                    "requests": served,
                    "seconds": round(time.monotonic() - start, 1),
                    "rps": run.rps,
                    "p99_ms": run.p99_ms,
                    "errors": run.errors,
                    "workers_replaced": len(seen - first),
                    "rss_mib_max": round(max(m["rss"] for m in mem) / 1024, 1),
                    "rss_mib_median": round(statistics.median(m["rss"] for m in mem) / 1024, 1),
                    "pss_mib_total": round(
                        (sum(m["pss"] for m in mem) + master.get("pss", 0)) / 1024, 1
                    ),
                    "master_rss_mib": round(master.get("rss", 0) / 1024, 1),
                }
            )
            print(name, samples[-1], flush=True)
    pooled = combined(runs)
    return {
        "config": conf,
        "workers": len(first),
        "requests": served,
        "rps": pooled.rps,
        "p50_ms": pooled.p50_ms,
        "p99_ms": pooled.p99_ms,
        "errors": pooled.errors,
        "workers_replaced": samples[-1]["workers_replaced"],
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/espace_bench")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--before-requests", type=int, default=30_000)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    args = parser.parse_args()
    require_tools()
    var_dir = ROOT / "var" / "bench"
    env = production_env(args.database, 0, var_dir)
    manage(env, "collectstatic", "--noinput", "-v0")
    prepare(env, "reset-sessions")
    users = prepare(env, "sessions", str(args.subscribers))
    assert isinstance(users, list)
    lua = mixed_lua(users)
    # Configurations measured earlier are kept (each run takes minutes).
    saved = ROOT / "bench" / "results" / "memory.json"
    results = json.loads(saved.read_text()) if saved.exists() else {}
    for name in args.configs.split(","):
        total = args.before_requests if name == "before #22" else args.requests
        results[name] = drive(env, name, CONFIGS[name], total, lua)
        report(results)


def report(results: dict[str, dict]) -> None:
    lines = ["# Worker memory and restarts over many requests", ""]
    lines += [
        "| configuration | workers | requests | req/s | p50 ms | p99 ms | errors "
        "| workers replaced | worker Rss first → last (MiB, max) | Pss total first → last (MiB) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        s0, s1 = r["samples"][0], r["samples"][-1]
        lines.append(
            f"| {name} | {r['workers']} | {r['requests']:,} | {r['rps']} | {r['p50_ms'] or '–'} "
            f"| {r['p99_ms']} | {r['errors']} | {r['workers_replaced']} "
            f"| {s0['rss_mib_max']} → {s1['rss_mib_max']} "
            f"| {s0['pss_mib_total']} → {s1['pss_mib_total']} |"
        )
    for name, r in results.items():
        if r.get("note"):
            lines += ["", f"- {name}: {r['note']}"]
    for name, r in results.items():
        lines += [
            "",
            f"## {name} ({', '.join(f'{k}={v}' for k, v in r['config'].items()) or 'as shipped'})",
            "",
            "| requests | s | req/s | p99 ms | replaced | Rss max | Rss median | Pss total |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for s in r["samples"]:
            lines.append(
                f"| {s['requests']:,} | {s['seconds']} | {s['rps']} | {s['p99_ms']} "
                f"| {s['workers_replaced']} | {s['rss_mib_max']} | {s['rss_mib_median']} "
                f"| {s['pss_mib_total']} |"
            )
    lines += [
        "",
        f"- {PYTHON} on a 2-core machine shared with other work (test suites of three other "
        "engineers): throughput and latency are noisy, memory is not. "
        + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "- Load: wrk, 1 thread, 8 connections, 10-second runs back to back; logged-in "
        "subscribers rotate over the dashboard, invoices, consumption and payments pages, "
        "every fifth request the bare view. Rss/Pss sampled after each run "
        "(/proc/<pid>/smaps_rollup); Pss total includes the master.",
        "",
    ]
    out = ROOT / "bench" / "results"
    (out / "memory.json").write_text(json.dumps(results, indent=2))
    (out / "memory.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
