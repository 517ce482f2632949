"""The product never imports the benchmarks (STYLE.md, habit 12): `bench/` sits beside it.

Two checks: no import statement anywhere in the product's sources names `bench` (this catches the
lazy imports inside functions too), and importing every product module in a fresh interpreter
leaves no `bench` module loaded (this catches an import made some other way).
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
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


# The requirements: what the product imports is listed, and no listed package can jump a major
# release on a rebuild. Packages the product imports on purpose without listing them:
NOT_LISTED = {
    "piper": "an optional neural voice (--voice); GPL-3.0, so the user installs it",
    "spaces": "present on a ZeroGPU Space only; the dev requirements pin it for the tests",
}
# Listed without an upper bound: a dictionary's data, versioned by date, with no API.
UNBOUNDED = {"hunspell-sv"}
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*([^#;]*)")


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(path: Path) -> dict[str, str]:
    """Each requirement of a file and those it includes (`-r`): name -> version specifiers."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(" #")[0].strip()
        if line.startswith("-r "):
            found |= requirements(path.parent / line[3:].strip())
        elif match := REQUIREMENT.match(line):
            found[normalised(match.group(1))] = match.group(3).replace(" ", "")
    return found


RUNTIME = requirements(ROOT / "train" / "requirements.txt")  # the app's and train's


def test_every_package_the_product_imports_is_listed() -> None:
    distributions = importlib.metadata.packages_distributions()
    local = {*PRODUCT_PACKAGES, "app", "bench"}
    unlisted = {}
    for path in product_sources():
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or top in local or top in NOT_LISTED:
                continue
            names = {normalised(name) for name in distributions.get(top, [top])}
            if not names & RUNTIME.keys():
                unlisted.setdefault(top, str(path.relative_to(ROOT)))
    assert unlisted == {}


def test_every_requirement_stops_before_its_next_major_release() -> None:
    assert "gradio" in RUNTIME and "torch" in RUNTIME  # the files were read
    open_ended = {
        name: spec for name, spec in RUNTIME.items() if "<" not in spec and name not in UNBOUNDED
    }
    assert open_ended == {}


def test_the_requirement_reader_sees_what_a_line_says() -> None:
    assert REQUIREMENT.match("psycopg[binary]>=3.1,<4").group(1, 3) == ("psycopg", ">=3.1,<4")
    assert REQUIREMENT.match("gradio>=6.31").group(3) == ">=6.31"  # no bound: "<" is missing
