"""The product never imports the benchmarks (STYLE.md, habit 12): `bench/` sits beside it.

Two checks: no import statement anywhere in the product's sources names `bench` (this catches the
lazy imports inside functions too), and importing every product module in a fresh interpreter
leaves no `bench` module loaded (this catches an import made some other way).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = ("asr", "classroom", "deploy", "game", "train", "ui")


def product_sources() -> list[Path]:
    files = [path for package in PRODUCT_PACKAGES for path in (ROOT / package).rglob("*.py")]
    return [*sorted(files), ROOT / "app.py"]


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def is_bench(module: str) -> bool:
    return module == "bench" or module.startswith("bench.")


def test_no_product_source_imports_bench() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(filter(is_bench, imported_modules(path)))
        for path in product_sources()
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_importing_the_product_loads_no_bench_module() -> None:
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in product_sources()
        if path.name != "__main__.py"
    ]
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'bench' or "
        "m.startswith('bench.'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []
