"""Backups: the PostgreSQL database (pg_dump custom format) and the private files (tar).

A backup is one folder, ``<target>/espace-abonne-<UTC time>/``, holding ``database.dump``,
``private.tar.gz`` and ``manifest.json`` (sizes and SHA-256 of both). ``restore`` loads such
a folder into an *empty* database and an empty private-files folder: it never overwrites a
running portal's data. The commands are ``manage.py backup`` and ``manage.py restore``; the
operator's guide (README) gives the schedule and the retention advice.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.core.files.storage import storages
from django.db import connection

DUMP = "database.dump"
FILES = "private.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def private_root() -> Path:
    """Where the private files are: the default storage's folder."""
    from django.conf import settings

    location = getattr(storages["default"], "location", None)
    return Path(location or settings.PRIVATE_MEDIA_ROOT)


def _pg_args_and_env(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    if not settings_dict["ENGINE"].endswith(".postgresql"):
        raise BackupError("backup and restore need PostgreSQL (DATABASE_URL=postgres://…).")
    args = ["--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is missing (Debian: apt-get install postgresql-client-15).")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(target: Path) -> Path:
    """Write a new backup folder under ``target`` and return it."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = target / f"espace-abonne-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    folder.chmod(0o700)
    args, env = _pg_args_and_env(connection.settings_dict)
    dump = folder / DUMP
    subprocess.run(  # noqa: S603 (arguments from the settings, no shell)
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", "--file", str(dump), *args],
        env=env,
        check=True,
    )
    files = folder / FILES
    root = private_root()
    with tarfile.open(files, "w:gz") as archive:
        if root.exists():
            archive.add(root, arcname=".")
    manifest = {
        "created": stamp,
        "database": connection.settings_dict["NAME"],
        "files": {name: {"bytes": (folder / name).stat().st_size, "sha256": _sha256(folder / name)}
                  for name in (DUMP, FILES)},
    }  # fmt: skip
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return folder


def verify(folder: Path) -> dict[str, Any]:
    """The manifest, once every file's checksum matches it."""
    manifest = json.loads((folder / MANIFEST).read_text())
    for name, expected in manifest["files"].items():
        if _sha256(folder / name) != expected["sha256"]:
            raise BackupError(f"{folder / name} does not match its checksum: damaged backup.")
    return manifest


def restore(folder: Path) -> None:
    """Load ``folder`` into the configured database and private-files folder, both empty."""
    verify(folder)
    if connection.introspection.table_names():
        raise BackupError(
            f"the database {connection.settings_dict['NAME']} is not empty: "
            "restore into a new, empty database."
        )
    root = private_root()
    if root.exists() and any(root.iterdir()):
        raise BackupError(f"{root} is not empty: restore into a new, empty folder.")
    args, env = _pg_args_and_env(connection.settings_dict)
    connection.close()
    subprocess.run(  # noqa: S603 (arguments from the settings, no shell)
        [_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
         *args, str(folder / DUMP)],
        env=env,
        check=True,
    )  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / FILES, "r:gz") as archive:
        archive.extractall(root, filter="data")
