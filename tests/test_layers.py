"""The apps' layers: imports only go down (DESIGN.md, README "Layout").

Every ``import`` in the apps' code (function-level ones included, migrations excepted) is
read with ``ast``; an app may import an app of a lower layer only. So no app imports
``portal``, ``core`` imports no app, ``audit`` only ``core``, and two apps never import
each other both ways.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. An app may import the apps listed before it, never those after it.
LAYERS = [
    "core",
    "audit",
    "accounts",
    "contracts",
    "inquiries",
    "payments",
    "readings",
    "mandates",
    "selfservice",
    "support",
    "demo",
    "portal",
]


def imports_between_apps(root: Path = ROOT) -> list[tuple[str, str, str]]:
    """(importing app, imported module, where) for every import of another app's code."""
    found = []
    for app in LAYERS:
        for path in sorted((root / app).rglob("*.py")) if (root / app).is_dir() else []:
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    target = module.split(".")[0]
                    if target in LAYERS and target != app:
                        where = f"{path.relative_to(root)}:{node.lineno}"
                        found.append((app, module, where))
    return found


def upward(found: list[tuple[str, str, str]]) -> list[str]:
    return [
        f"{where}: {app} imports {module}"
        for app, module, where in found
        if LAYERS.index(module.split(".")[0]) > LAYERS.index(app)
    ]


def test_every_app_is_in_a_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps <= set(LAYERS), f"put {sorted(apps - set(LAYERS))} in LAYERS"


def test_apps_import_only_downward():
    assert upward(imports_between_apps()) == []


def test_core_imports_no_app_and_audit_only_core():
    found = imports_between_apps()
    assert [f for f in found if f[0] == "core"] == []
    assert {module.split(".")[0] for app, module, _ in found if app == "audit"} <= {"core"}


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"contracts/x.py": "from portal.views import home\n"}, "contracts imports portal.views"),
        (
            {"core/x.py": "def f():\n    import accounts.models\n"},
            "core imports accounts.models",
        ),
        (
            {"accounts/x.py": "import inquiries\n", "inquiries/y.py": "import accounts\n"},
            "accounts imports inquiries",
        ),
    ],
)
def test_the_walk_catches_an_upward_or_circular_import(tmp_path, files, expected):
    for name, source in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)
    assert any(expected in line for line in upward(imports_between_apps(tmp_path)))
