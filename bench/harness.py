"""Load-benchmark harness: gunicorn with production settings, wrk from another process.

Used by the benchmark scripts in this folder. Figures from one machine are noisy, so
every report compares pages with a baseline view measured in the same run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

_LUA_REPORT = """
-- Every answer outside [expect_lo, expect_hi] (200-299 unless the script says) is an error:
-- a redirect to the login page or a form shown again with errors must not count as served.
local threads = {}
setup = function(thread) table.insert(threads, thread) end
unexpected = 0
response = function(status, headers, body)
  if status < (expect_lo or 200) or status > (expect_hi or 299) then
    unexpected = unexpected + 1
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + (thread:get("unexpected") or 0) end
  -- The latency distribution at every half percent, so that runs can be pooled.
  local q = {}
  for i = 1, 199 do q[i] = string.format("%d", latency:percentile(i / 2)) end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"errors":%d,"status_errors":%d,'
    .. '"p50_us":%d,"p95_us":%d,"p99_us":%d,"quantiles_us":[%s]}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    bad, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    table.concat(q, ",")))
end
"""


@dataclass
class Result:
    name: str
    connections: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    requests: int
    seconds: float = 0.0
    # Latency at every half percent (0.5 … 99.5), in ms: lets runs be pooled.
    quantiles_ms: list[float] = field(default_factory=list, repr=False)
    # CPU seconds the server spent on the run (gunicorn and its PostgreSQL backends), when
    # measured: unlike throughput, it does not count time spent waiting for the machine.
    cpu_s: float = 0.0
    # For runs pooled by ``combined``: each run's throughput, in the order they were made.
    rounds_rps: list[float] = field(default_factory=list, repr=False)
    # For a page measured in pairs (``run.interleaved(paired=True)``): the bare view's runs
    # made just before this page's, pooled, and their throughput run by run.
    paired_rps: float = 0.0
    paired_rounds_rps: list[float] = field(default_factory=list, repr=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_env(database_url: str, port: int, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "CI"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-" + "k" * 50,
        SITE_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=database_url,
        VAR_DIR=str(var_dir),
        CACHE_URL=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13"),
        EMAIL_URL="locmem://",
        TASKS_BACKEND="immediate",
        BENCHMARK_BASELINE="1",
        # The demo app: generate_dataset and the /bench/ views (off in production).
        DJANGO_DEMO="1",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(env: Mapping[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=dict(env), capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@contextmanager
def gunicorn(
    env: Mapping[str, str], port: int, workers: int = 2, threads: int = 1
) -> Iterator[str]:
    """Serve the portal with gunicorn (sync workers unless threads > 1) until the block ends.

    gunicorn.conf.py applies (production), except worker recycling and preload:
    at benchmark rates it restarts a worker every ~20 s, and the restart (~1.5 s of
    imports) would be measured as page latency.
    """
    cmd = [
        PYTHON, "-m", "gunicorn", "portal.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--no-control-socket", "--log-level", "warning", "--timeout", "60",
        "--max-requests", "0",
    ]  # fmt: skip
    # gunicorn.conf.py (production) logs every request on stdout: not wanted in the report.
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=dict(env), start_new_session=True, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, seconds=30)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def wait_healthy(base: str, proc: subprocess.Popen[bytes], *, seconds: float) -> None:
    """Until gunicorn's /healthz answers 200; gives up when it dies or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit("gunicorn did not become healthy")
        time.sleep(0.3)


@contextmanager
def shipped_gunicorn(
    env: Mapping[str, str], port: int, log: Path | None = None, **conf_env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Serve the portal as the image does (``gunicorn portal.wsgi``, gunicorn.conf.py read
    from the working directory: sync workers, WEB_CONCURRENCY, preload, worker recycling,
    access log), on 127.0.0.1:``port``. ``conf_env``: the configuration's own variables
    (WEB_CONCURRENCY, GUNICORN_MAX_REQUESTS, GUNICORN_PRELOAD, GUNICORN_ACCESS_LOG)."""
    cmd = [PYTHON, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}"]
    full_env = {**env, "PORT": str(port), **conf_env}
    for name in ("WEB_CONCURRENCY", "GUNICORN_MAX_REQUESTS", "GUNICORN_PRELOAD",
                 "GUNICORN_ACCESS_LOG"):  # fmt: skip
        if name not in conf_env:
            full_env.pop(name, None)
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=full_env, start_new_session=True, stdout=out, stderr=out
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, seconds=60)
        yield base, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        if log:
            out.close()  # type: ignore[union-attr]


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers now running under ``master``."""
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def settled_workers(master: int, seconds: float = 15) -> list[int]:
    """The workers once they have all started: the first one answers the health check
    while the others may still be forking."""
    seen = worker_pids(master)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(1)
        now = worker_pids(master)
        if len(now) == len(seen):
            return now
        seen = now
    return seen


def memory_kib(pid: int) -> dict[str, int]:
    """Rss and Pss (shared pages divided among the processes sharing them) of ``pid``."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("Rss", "Pss"):
                out[name.lower()] = int(rest.split()[0])
    except OSError:
        pass
    return out


def wrk(
    name: str,
    url: str,
    connections: int,
    seconds: int,
    lua: str = "",
    headers: Mapping[str, str] | None = None,
) -> Result:
    """One wrk run (one thread: the other core is the server's) → parsed figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua + "\n" + _LUA_REPORT)
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name]
    for key, value in (headers or {}).items():
        cmd += ["-H", f"{key}: {value}"]
    output = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    return Result(
        name=name,
        connections=connections,
        rps=round(data["requests"] / (data["duration_us"] / 1e6), 1),
        p50_ms=round(data["p50_us"] / 1000, 2),
        p95_ms=round(data["p95_us"] / 1000, 2),
        p99_ms=round(data["p99_us"] / 1000, 2),
        errors=data["errors"] + data["status_errors"],
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        quantiles_ms=[q / 1000 for q in data.get("quantiles_us", [])],
    )


def combined(slices: list[Result]) -> Result:
    """Several runs of one page as one: throughput over their whole time; latency
    percentiles of the pooled requests, each run's distribution (known at every half
    percent) weighted by its number of requests."""
    requests = sum(s.requests for s in slices)
    seconds = sum(s.seconds for s in slices)
    return Result(
        name=slices[0].name,
        connections=slices[0].connections,
        rps=round(requests / seconds, 1) if seconds else 0.0,
        p50_ms=pooled_percentile(slices, 50),
        p95_ms=pooled_percentile(slices, 95),
        p99_ms=pooled_percentile(slices, 99),
        errors=sum(s.errors for s in slices),
        requests=requests,
        seconds=round(seconds, 2),
        cpu_s=round(sum(s.cpu_s for s in slices), 3),
        rounds_rps=[s.rps for s in slices],
    )


def server_cpu(port: int, database: str) -> Callable[[], float]:
    """CPU seconds used so far by the gunicorn serving ``port`` and by the PostgreSQL
    backends connected to ``database`` (process titles: "postgres: [cluster: ]user database …")."""
    patterns = [
        f"gunicorn portal.wsgi.*127.0.0.1:{port}( |$)",
        f"postgres: ([^:]+: )?[a-z]+ {database} ",
    ]
    tick = os.sysconf("SC_CLK_TCK")

    def total() -> float:
        ticks = 0
        for pattern in patterns:
            found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
            for pid in found.stdout.split():
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:  # ended meanwhile
                    continue
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / tick

    return total


def pooled_percentile(slices: list[Result], percent: float) -> float:
    """The ``percent`` percentile of all the runs' requests together.

    Each run stands for its requests by 199 points (its percentiles at 0.5 %, 1 % …
    99.5 %), each weighing 1/199 of its requests; the answer is read off the pooled,
    sorted points. A run without the points counts as all its requests at its own percentile.
    """
    points: list[tuple[float, float]] = []
    for s in slices:
        if s.quantiles_ms:
            weight = s.requests / len(s.quantiles_ms)
            points += [(q, weight) for q in s.quantiles_ms]
        else:
            fallback = {50: s.p50_ms, 95: s.p95_ms, 99: s.p99_ms}[int(percent)]
            points.append((fallback, s.requests))
    total = sum(w for _, w in points)
    if not total:
        return 0.0
    seen = 0.0
    for value, weight in sorted(points):
        seen += weight
        if seen >= total * percent / 100:
            return round(value, 2)
    return round(max(v for v, _ in points), 2)


def write_report(stem: str, title: str, table: list[dict[str, object]], notes: list[str]) -> Path:
    """bench/results/<stem>.json and .md; prints the Markdown table."""
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(
        json.dumps({"title": title, "rows": table, "notes": notes}, indent=2)
    )
    columns = list(table[0].keys())
    lines = [f"# {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in table]
    lines += ["", *[f"- {note}" for note in notes], ""]
    text = "\n".join(lines)
    (out / f"{stem}.md").write_text(text)
    print(text)
    return out / f"{stem}.md"


def require_tools() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")


def as_dict(result: Result) -> dict[str, object]:
    return asdict(result)
