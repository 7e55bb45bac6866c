"""The simulator's operations, in process memory."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

_lock = threading.Lock()
_operations: dict[str, Operation] = {}
_faults: dict[str, list[str]] = {}
_delays: dict[str, float] = {}
MAX_OPERATIONS = 10_000


@dataclass
class Operation:
    id_op: str
    values: dict[str, str]
    result: str = ""  # "" while the payer has not chosen: P5
    numauto: str = ""
    paid_at: float = 0.0
    created_at: float = field(default_factory=time.time)


def create(values: dict[str, str]) -> Operation:
    operation = Operation(id_op=secrets.token_hex(16), values=dict(values))
    with _lock:
        if len(_operations) >= MAX_OPERATIONS:
            _operations.pop(next(iter(_operations)))
        _operations[operation.id_op] = operation
    return operation


def get(id_op: str) -> Operation | None:
    with _lock:
        return _operations.get(id_op)


def decide(id_op: str, result: str) -> Operation | None:
    """Record the payer's choice (P, V, R, Z, A)."""
    with _lock:
        operation = _operations.get(id_op)
        if operation is not None and not operation.result:
            operation.result = result
            operation.paid_at = time.time()
            if result in {"P", "V"}:
                operation.numauto = f"{secrets.randbelow(10**6):06d}"
        return operation


def forget(id_op: str) -> None:
    """Purge the operation: the web service answers P1 from now on."""
    with _lock:
        _operations.pop(id_op, None)


def arm_fault(operation: str, code: str) -> None:
    """The next call of ``operation`` answers a SOAP fault with ``code`` (tests, demos)."""
    with _lock:
        _faults.setdefault(operation, []).append(code)


def take_fault(operation: str) -> str | None:
    with _lock:
        queued = _faults.get(operation)
        return queued.pop(0) if queued else None


def set_delay(operation: str, seconds: float) -> None:
    """Answer ``operation`` after ``seconds`` (0 to stop): the client's timeout, for real."""
    with _lock:
        _delays[operation] = seconds


def delay(operation: str) -> float:
    with _lock:
        return _delays.get(operation, 0.0)


def reset() -> None:
    with _lock:
        _operations.clear()
        _faults.clear()
        _delays.clear()
