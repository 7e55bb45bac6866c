"""A clamd for the tests: Debian's daemon on a signature database holding only EICAR.

``clamd_url`` (session fixture) starts ``/usr/sbin/clamd`` on a free loopback port with a
database written here (the EICAR test signature, nothing downloaded), and answers its
``tcp://`` address. Without clamd (a developer's machine), a small fake speaking the same
INSTREAM protocol stands in, so that the client code is still exercised; with CI=true a
missing clamd fails the tests instead: CI must scan with the real daemon.
"""

from __future__ import annotations

import hashlib
import os
import socket
import socketserver
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CLAMD = Path("/usr/sbin/clamd")
# The standard anti-virus test file (eicar.org), in two pieces so that no scanner flags
# this source file itself.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Eicar-Test-Signature"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_signatures(directory: Path) -> None:
    """EICAR anywhere in a file (.ndb: name, any target, any offset, hex body) and EICAR as
    a whole file (.hdb: md5, size, name)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "eicar.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    md5 = hashlib.md5(EICAR).hexdigest()  # noqa: S324 (the format's own hash)
    (directory / "eicar.hdb").write_text(f"{md5}:{len(EICAR)}:{SIGNATURE}\n")


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


def start_clamd(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    database = workdir / "db"
    write_signatures(database)
    port = free_port()
    config = workdir / "clamd.conf"
    config.write_text(
        f"DatabaseDirectory {database}\n"
        f"TCPSocket {port}\nTCPAddr 127.0.0.1\n"
        f"LogFile {workdir / 'clamd.log'}\n"
        f"TemporaryDirectory {workdir}\n"
        "Foreground yes\nMaxThreads 2\nStreamMaxLength 10M\nSelfCheck 0\n"
    )
    proc = subprocess.Popen(
        [str(CLAMD), "--config-file", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not _ping(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log = (workdir / "clamd.log").read_text() if (workdir / "clamd.log").exists() else ""
            raise RuntimeError(
                f"clamd did not start: {proc.stderr and proc.stderr.read()!r}\n{log}"
            )
        time.sleep(0.2)
    return proc, port


class _FakeClamd(socketserver.BaseRequestHandler):
    """INSTREAM and PING, with EICAR as the one signature (like the real database above)."""

    def handle(self) -> None:
        sock = self.request
        command = b""
        while not command.endswith(b"\0"):
            chunk = sock.recv(1)
            if not chunk:
                return
            command += chunk
        if command == b"zPING\0":
            sock.sendall(b"PONG\0")
            return
        data = b""
        while True:
            (size,) = struct.unpack("!L", self._exactly(4))
            if not size:
                break
            data += self._exactly(size)
        answer = f"stream: {SIGNATURE} FOUND" if EICAR in data else "stream: OK"
        sock.sendall(answer.encode() + b"\0")

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.request.recv(size - len(data))
            if not chunk:
                raise ConnectionError("stream cut")
            data += chunk
        return data


@pytest.fixture(scope="session")
def clamd_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if CLAMD.exists():
        proc, port = start_clamd(tmp_path_factory.mktemp("clamd"))
        try:
            yield f"tcp://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        return
    if in_ci():
        pytest.fail(f"{CLAMD} is missing (apt-get install clamav-daemon): CI must scan.")
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _FakeClamd)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def scanning(settings: object, clamd_url: str) -> str:
    """Attachments scanned by the test clamd in this test."""
    settings.CLAMD_URL = clamd_url  # type: ignore[attr-defined]
    return clamd_url
