"""Two gunicorn instances behind nginx, on one PostgreSQL database and one Redis database.

``start_cluster`` migrates a fresh database, imports a billing export, creates the
accounts, writes a throw-away certificate, starts an SMTP sink, two gunicorn instances with
production settings and nginx with ``docker/nginx.conf`` (only its ports and paths
replaced), and gives back a ``Cluster``. ``Browser`` is a small HTTPS client with a cookie
jar and one kept-alive connection, from a chosen loopback address (127.0.0.2…), so that
the audit trail can show the client's own address and not the proxy's.
"""

from __future__ import annotations

import http.client
import http.cookies
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "Motdepasse!9"
SUBSCRIBER = "abonne@example.fr"
LOCKED = "verrou@example.fr"
LINKER = "lieur@example.fr"

SETUP = f"""
from allauth.account.models import EmailAddress
from accounts.models import User
from contracts.models import AccountPayerLink, Payer
for email in ({SUBSCRIBER!r}, {LOCKED!r}, {LINKER!r}):
    user = User.objects.create_user(email, {PASSWORD!r})
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
AccountPayerLink.objects.create(
    user=User.objects.get(email={SUBSCRIBER!r}), payer=Payer.objects.get(reference="P001")
)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str
    instance: str  # "A" or "B": which gunicorn answered (nginx's X-Upstream)

    def csrf_token(self) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.body)
        assert match, "no form token on the page"
        return match.group(1)


@dataclass
class Cluster:
    port: int  # nginx, TLS
    instances: dict[str, int]  # name → gunicorn port
    database_url: str
    env: dict[str, str]
    cafile: Path
    workdir: Path
    stack: ExitStack = field(repr=False)

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.port}"

    def instance_of(self, upstream: str) -> str:
        for name, port in self.instances.items():
            if upstream.endswith(f":{port}"):
                return name
        return "?"

    def browser(self, source: str) -> Browser:
        return Browser(self, source)

    def manage(self, *args: str) -> str:
        return manage(self.env, *args)

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, params).fetchall()


class Browser:
    def __init__(self, cluster: Cluster, source: str) -> None:
        self.cluster = cluster
        self.source = source
        self.cookies: dict[str, str] = {}
        self.context = ssl.create_default_context(cafile=str(cluster.cafile))
        self.conn: http.client.HTTPSConnection | None = None

    def _connection(self) -> http.client.HTTPSConnection:
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                "localhost",
                self.cluster.port,
                context=self.context,
                source_address=(self.source, 0),
                timeout=30,
            )
        return self.conn

    def request(
        self,
        method: str,
        path: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {"Origin": self.cluster.origin, "Referer": self.cluster.origin + path}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # nginx closed the kept-alive connection meanwhile: once more, afresh.
                conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        upstream = response.headers.get("X-Upstream", "")
        return Answer(
            response.status,
            response.headers,
            data.decode("utf-8", "replace"),
            self.cluster.instance_of(upstream),
        )

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def get_on(self, instance: str, path: str) -> Answer:
        """GET ``path`` until ``instance`` answers (round robin: at most a second try)."""
        for _ in range(4):
            answer = self.get(path)
            if answer.instance == instance:
                return answer
        raise AssertionError(f"{instance} never answered {path}")

    def post(self, path: str, fields: dict[str, str], **headers: str) -> Answer:
        return self.request("POST", path, fields, headers)

    def submit(self, instance: str, path: str, fields: dict[str, str]) -> Answer:
        """Fetch the form at ``path`` from the other instance, post it to ``instance``
        (round robin: the request after one served by B goes to A, and back)."""
        page = self.get_on("B" if instance == "A" else "A", path)
        answer = self.post(path, {"csrfmiddlewaretoken": page.csrf_token(), **fields})
        assert answer.instance == instance, "nginx did not alternate"
        return answer

    def log_in(self, email: str, password: str = PASSWORD, on: str = "A") -> Answer:
        return self.submit(on, "/comptes/login/", {"login": email, "password": password})


def manage(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}")
    return result.stdout


def _wait(check, what: str, proc: subprocess.Popen[bytes] | None = None, seconds: int = 60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.2)


def direct_get(port: int, path: str, host: str) -> tuple[int, str]:
    """A request straight to one gunicorn, as nginx sends it (Host, X-Forwarded-*)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            "GET",
            path,
            headers={"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"},
        )
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def nginx_config(workdir: Path, port: int, redirect_port: int, upstreams: list[int]) -> Path:
    """docker/nginx.conf with this machine's ports and paths, under a minimal main file."""
    shipped = (ROOT / "docker" / "nginx.conf").read_text()
    replacements = [
        (r"\n\s*server web:8000 ([^;]*);",
         "".join(f"\n    server 127.0.0.1:{p} \\1;" for p in upstreams)),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;"),
        (r"listen 80;", f"listen 127.0.0.1:{redirect_port};"),
        (r"\n\s*listen \[::\]:\d+[^;]*;", ""),
        (r"/etc/nginx/tls/", f"{workdir}/"),
    ]  # fmt: skip
    for pattern, replacement in replacements:
        shipped, count = re.subn(pattern, replacement, shipped)
        assert count, f"docker/nginx.conf changed: {pattern!r} not found"
    (workdir / "portal.conf").write_text(shipped)
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / temp).mkdir(exist_ok=True)
    main = workdir / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {workdir}/nginx.pid;\n"
        f"error_log {workdir}/nginx-error.log warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        "  access_log off;\n"
        f"  client_body_temp_path {workdir}/body;\n  proxy_temp_path {workdir}/proxy;\n"
        f"  fastcgi_temp_path {workdir}/fastcgi;\n  uwsgi_temp_path {workdir}/uwsgi;\n"
        f"  scgi_temp_path {workdir}/scgi;\n"
        "  # Tests only: which instance answered.\n"
        "  add_header X-Upstream $upstream_addr always;\n"
        f"  include {workdir}/portal.conf;\n"
        "}\n"
    )
    return main


def throwaway_certificate(workdir: Path) -> Path:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(workdir / "privkey.pem"), "-out", str(workdir / "fullchain.pem")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return workdir / "fullchain.pem"


def _popen(cmd: list[str], env: dict[str, str] | None, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_cluster(
    stack: ExitStack, workdir: Path, admin_url: str, database: str, cache_url: str
) -> Cluster:
    from cryptography.fernet import Fernet

    from tests.contracts.exports import write_export

    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')

    def drop() -> None:
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    stack.callback(drop)

    # SMTP sink: activation and lock emails go somewhere real.
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    smtp_port = free_port()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    stack.callback(smtp.stop)

    port, redirect_port = free_port(), free_port()
    instances = {"A": free_port(), "B": free_port()}
    database_url = f"{admin_url}/{database}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "CI"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="two-instances-" + "s" * 50,
        SITE_URL=f"https://localhost:{port}",
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        TRUSTED_PROXY_COUNT="1",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        MFA_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        TASKS_BACKEND="immediate",
        VAR_DIR=str(workdir / "var"),
        PRIVATE_MEDIA_ROOT=str(workdir / "private"),
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="2",
    )
    import redis

    redis.Redis.from_url(cache_url).flushdb()
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "import_billing", str(write_export(workdir / "export-1")))
    manage(env, "shell", "-c", SETUP)

    cafile = throwaway_certificate(workdir)
    for name, gport in instances.items():
        proc = _popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind",
             f"127.0.0.1:{gport}", "--workers", "2", "--no-control-socket"],
            {**env, "PORT": str(gport)},
            workdir / f"gunicorn-{name}.log",
        )  # fmt: skip
        stack.callback(_stop, proc)
        _wait(
            lambda gport=gport: direct_get(gport, "/healthz", "localhost")[0] == 200,
            f"gunicorn {name}",
            proc,
        )

    config = nginx_config(workdir, port, redirect_port, list(instances.values()))
    nginx = _popen([NGINX, "-c", str(config)], None, workdir / "nginx.log")
    stack.callback(_stop, nginx)

    def nginx_up() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    _wait(nginx_up, "nginx", nginx, seconds=20)
    return Cluster(port, instances, database_url, env, cafile, workdir, stack)
