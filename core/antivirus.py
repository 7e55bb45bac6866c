"""A small client of clamd (ClamAV's daemon): its INSTREAM command, over TCP or a unix socket.

``scan(data)`` sends the bytes to clamd in chunks and returns a ``Verdict``; it raises
``ScannerUnavailable`` whenever no verdict could be obtained (clamd down, timeout, an error
answer such as "size limit exceeded"), so that callers can refuse the file rather than keep
it unscanned. The address is the ``CLAMD_URL`` setting: ``tcp://host:port`` or
``unix:///path/to/clamd.ctl``; empty means no scanning (development only, see the system
checks). Protocol: https://docs.clamav.net/manual/Usage/Scanning.html#clamd (INSTREAM).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

CHUNK = 64 * 1024
DEFAULT_TIMEOUT = 30.0


class ScannerUnavailable(Exception):
    """No verdict: clamd could not be reached or did not answer a clean or infected."""


@dataclass(frozen=True)
class Verdict:
    infected: bool
    # The signature clamd found ("Eicar-Test-Signature"); empty when clean.
    signature: str = ""


def parse_url(url: str) -> tuple[int, str | tuple[str, int]]:
    """(socket family, address) of ``tcp://host:port`` or ``unix:///path``; ValueError else."""
    parts = urlsplit(url)
    if parts.scheme == "unix" and parts.path:
        return socket.AF_UNIX, parts.path
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        family = socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET
        return family, (parts.hostname, parts.port)
    raise ValueError(f"expected tcp://host:port or unix:///path, got {url!r}")


def enabled() -> bool:
    return bool(settings.CLAMD_URL)


def _connect(url: str, timeout: float) -> socket.socket:
    family, address = parse_url(url)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except OSError:
        sock.close()
        raise
    return sock


def _read_reply(sock: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def ping(url: str | None = None, timeout: float = 5.0) -> bool:
    """True when clamd answers PONG."""
    try:
        with _connect(url or settings.CLAMD_URL, timeout) as sock:
            sock.sendall(b"zPING\0")
            return _read_reply(sock) == "PONG"
    except (OSError, ValueError):
        return False


def scan(data: bytes, url: str | None = None, timeout: float | None = None) -> Verdict:
    """clamd's verdict on ``data`` (INSTREAM), or ``ScannerUnavailable``."""
    address = url or settings.CLAMD_URL
    if timeout is None:
        timeout = float(getattr(settings, "CLAMD_TIMEOUT", DEFAULT_TIMEOUT))
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = _read_reply(sock)
    except (OSError, ValueError) as error:
        raise ScannerUnavailable(f"clamd at {address}: {error}") from error
    # "stream: OK", "stream: Eicar-Test-Signature FOUND", "… ERROR" (e.g. StreamMaxLength).
    status = reply.split(":", 1)[-1].strip()
    if status == "OK":
        return Verdict(infected=False)
    if status.endswith(" FOUND"):
        return Verdict(infected=True, signature=status.removesuffix(" FOUND").strip())
    raise ScannerUnavailable(f"clamd at {address} answered {reply!r}")
