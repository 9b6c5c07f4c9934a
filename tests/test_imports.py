"""The house's shape: every module imports on its own in a fresh interpreter (no import cycle), and each package
imports only the layers below it along the pipeline (docs/design.md has the same table)."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import scanner

ROOT = Path(scanner.__file__).parent
# What each part of the package may import (besides itself and the standard library / third parties).
BASE = {"vocabulary", "errors", "model"}
ALLOWED: dict[str, set[str]] = {
    "vocabulary": set(),
    "errors": {"vocabulary"},
    "model": {"vocabulary"},
    "datafile": BASE,
    "net": BASE,
    "credentials": BASE | {"datafile"},
    "config": BASE | {"credentials"},
    "scope": BASE,
    "discovery": BASE | {"net", "config", "scope"},
    "probes": BASE | {"net"},
    "matching": BASE | {"net", "datafile"},
    "judge": BASE | {"net", "matching"},
    "pipeline": BASE
    | {"net", "config", "credentials", "scope", "discovery", "probes", "matching", "judge", "progress"},
    "declared": BASE | {"datafile", "scope"},
    "report": BASE | {"net", "datafile", "declared"},
    "store": BASE | {"report", "declared"},
    "lab": BASE | {"datafile"},
    "replay": BASE | {"datafile", "config", "lab", "report"},
    "progress": {"net", "report"},  # its words come from the report's catalogue
    "cli": {"*"},
    "__main__": {"cli"},
    "__init__": set(),
}


def _modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.walk_packages(scanner.__path__, "scanner.") if not m.name.endswith("__main__")
    )


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "__init__"


def _top_level_imports(path: Path) -> set[str]:
    """Modules of `scanner` imported when the file is imported (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scanner"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("scanner")}
    return found


def test_every_module_imports_first_in_a_fresh_interpreter():
    code = (
        "import importlib, sys\n"
        f"for name in {_modules()!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'scanner' or m.startswith('scanner.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError as exc:\n"
        "        print(f'{name}: {exc}')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "", f"modules that cannot be imported first (a cycle?):\n{done.stdout}"


def test_each_part_imports_only_the_layers_below_it():
    crossings = []
    for path in sorted(ROOT.rglob("*.py")):
        module = "scanner." + ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        part = _part(module) if module != "scanner" else "__init__"
        allowed = ALLOWED.get(part)
        assert allowed is not None, f"{module}: part {part!r} is not in the layer table"
        for imported in _top_level_imports(path):
            target = _part(imported)
            if target != part and "*" not in allowed and target not in allowed and imported != "scanner":
                crossings.append(f"{module} imports {imported}")
    assert not crossings, "\n".join(crossings)
