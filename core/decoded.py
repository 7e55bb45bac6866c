"""Values read from the cache decoded once per process, each request given its own copy.

Every logged-in request reads the same few values (``core.nearcache``): the session, the
kept account, the contract list, the contract selectors. Unpickling them on every request
was about a tenth of the CPU of a contract page served by gunicorn (issue #22): a model
instance is rebuilt through ``model_unpickle`` and ``__setstate__``, field by field.

Here a value is unpickled once, kept as a *template* under its raw bytes (equal bytes are
an equal value), and every request gets a fresh copy built from it: new containers (dict,
list, tuple, set) and new model instances, sharing only what cannot change (strings,
numbers, dates, ``None``). So a request may change what it got, as it could an unpickled
value, and the template is never handed out. A value holding anything else (a queryset,
an object of another class) is not kept as a template: it is unpickled every time, as
before.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.db.models.base import ModelState

from core.kept import ProcessStore

# Shared between copies as they are: nothing can change them in place.
IMMUTABLE = (
    str,
    bytes,
    int,
    float,
    bool,
    type(None),
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
)

_IMMUTABLE_TYPES = frozenset(IMMUTABLE)
_templates = ProcessStore("core.decoded", max_items=50_000, max_bytes=16 * 1024 * 1024)


class NotCopyable(TypeError):
    """The value holds something ``fresh`` does not know how to copy."""


def fresh(value: Any) -> Any:
    """A copy of ``value`` that shares nothing that can be changed in place."""
    kind = type(value)
    if kind in _IMMUTABLE_TYPES:
        return value
    # The items that cannot change are taken as they are without a call (the common case).
    if kind is dict:
        return {
            key: item if type(item) in _IMMUTABLE_TYPES else fresh(item)
            for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _IMMUTABLE_TYPES else fresh(item) for item in value]
    if kind is tuple:
        return tuple([item if type(item) in _IMMUTABLE_TYPES else fresh(item) for item in value])
    if kind is set or kind is frozenset:
        return kind(item if type(item) in _IMMUTABLE_TYPES else fresh(item) for item in value)
    if isinstance(value, Model):
        return _fresh_instance(value)
    if isinstance(value, IMMUTABLE):  # a subclass: SafeString, an enumeration member
        return value
    raise NotCopyable(kind.__name__)


def _fresh_instance(instance: Model) -> Model:
    """The instance as unpickling it gives (``Model.__reduce__``): its fields, its state
    (``db``, ``adding``) and the related instances it had loaded, each copied."""
    state = instance.__dict__.copy()
    old_state = state.pop("_state")
    new_state = ModelState.__new__(ModelState)
    kept = old_state.__dict__.copy()
    kept.pop("peers", None)  # weak references, which pickling leaves out too
    if "fields_cache" in kept:
        kept["fields_cache"] = {name: fresh(item) for name, item in kept["fields_cache"].items()}
    new_state.__dict__.update(kept)
    for name, item in state.items():
        if type(item) not in _IMMUTABLE_TYPES:
            state[name] = fresh(item)
    copy = instance.__class__.__new__(instance.__class__)
    copy.__dict__.update(state)
    copy._state = new_state
    return copy


def loads_fresh(raw: bytes, loads: Callable[[bytes], Any]) -> Any:
    """``loads(raw)``, unpickled once per process for equal bytes (see the module doc)."""
    template = _templates.get(raw)
    if template is None:
        value = loads(raw)
        try:
            copy = fresh(value)
        except NotCopyable:
            return value  # unpickled every time
        _templates.set(raw, value, len(raw))
        return copy
    return fresh(template)


def clear() -> None:
    _templates.clear()
