"""The layering of docs/architecture.md, checked on the source: imports only go down.

Every ``import`` / ``from ... import`` anywhere in a module (function-level and
``TYPE_CHECKING`` imports included) and every ``importlib.import_module`` of a
literal ``gaitback...`` name counts. A module may import its own unit (one base
module, or one package such as ``gaitback.core``), the base, and any unit of a
lower layer; never a unit of its own layer or of a higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "gaitback"

#: Lowest first. Base modules may import one another; every other unit may import
#: only itself and the units of the layers before its own.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "base",
        frozenset(
            {
                "gaitback.schema",
                "gaitback.columns",
                "gaitback.errors",
                "gaitback.speed",
                "gaitback.numbers",
                "gaitback.version",
                "gaitback.recording",
                "gaitback.recording_meta",
                "gaitback.heap",
                "gaitback.recording_layout",
            }
        ),
    ),
    # The signal core, and what makes recordings: devices, files, the simulator
    # (a test oracle, so it must not share the core's maths) and its scoring.
    (
        "core and sources",
        frozenset(
            {
                "gaitback.core",
                "gaitback.acquisition",
                "gaitback.importers",
                "gaitback.sim",
                "gaitback.evaluation",
            }
        ),
    ),
    # What a result means or becomes: findings, the session history, watch files.
    ("feedback", frozenset({"gaitback.feedback", "gaitback.history", "gaitback.fitfiles"})),
    ("present", frozenset({"gaitback.present"})),
    # Loading + analysis, and what happens with a result (findings, report, history).
    ("api", frozenset({"gaitback.api", "gaitback.workflow"})),
    # The package root re-exports the API.
    ("package", frozenset({"gaitback"})),
    ("front ends", frozenset({"gaitback.live", "gaitback.batch"})),
    ("cli", frozenset({"gaitback.cli"})),
)

RANK = {unit: rank for rank, (_, units) in enumerate(LAYERS) for unit in units}
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def unit_of(module: str) -> str:
    """The layer unit a module belongs to: a base module itself, else its package."""
    if module in RANK:
        return module
    parts = module.split(".")
    for k in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:k])
        if head in RANK and head != "gaitback":
            return head
    return module  # unplaced: reported by test_every_module_has_a_layer


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Every ``gaitback`` module ``module`` imports, as dotted names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            # `from gaitback.core import metrics` imports gaitback.core.metrics;
            # `from gaitback.core.metrics import step_table` imports gaitback.core.metrics
            # (real_target drops a trailing name that is no module).
            found.update(f"{name}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called not in ("import_module", "__import__"):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
            elif isinstance(arg, ast.JoinedStr) and arg.values:
                head = arg.values[0]
                if isinstance(head, ast.Constant) and isinstance(head.value, str):
                    found.add(head.value.rstrip("."))
    return {m for m in found if m == "gaitback" or m.startswith("gaitback.")}


def real_target(name: str) -> str:
    """``name`` if it is a module or package of the source tree, else its parent
    (``from gaitback.core.metrics import step_table`` -> ``gaitback.core.metrics``)."""
    while name.count("."):
        rel = Path(*name.split("."))
        if (SRC / rel).with_suffix(".py").exists() or (SRC / rel / "__init__.py").exists():
            return name
        name = name.rsplit(".", 1)[0]
    return name


def violations(module: str, imports: set[str]) -> list[str]:
    """The imports of ``module`` that go sideways or up the layers."""
    own = unit_of(module)
    rank = RANK.get(own)
    out = []
    for target in sorted({real_target(m) for m in imports}):
        unit = unit_of(target)
        if unit == own or rank is None:
            continue
        other = RANK.get(unit)
        base_to_base = rank == 0 and other == 0
        if other is None or (other >= rank and not base_to_base):
            layer = "unplaced" if other is None else LAYERS[other][0]
            out.append(f"{module} ({LAYERS[rank][0]}) imports {target} ({layer})")
    return out


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    unplaced = [module_name(p) for p in SOURCES if unit_of(module_name(p)) not in RANK]
    assert not unplaced, f"place these in tests/test_layers.py LAYERS: {unplaced}"


def test_imports_only_go_down_the_layers() -> None:
    found = []
    for path in SOURCES:
        module = module_name(path)
        imports = imported_modules(path.read_text(), module, path.name == "__init__.py")
        found.extend(violations(module, imports))
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("module", "source", "bad"),
    [
        # Up a layer, at module level and inside a function.
        ("gaitback.feedback.evidence", "from gaitback.present.text import x", True),
        ("gaitback.core.metrics", "def f():\n    import gaitback.live.analyzer", True),
        # Sideways: peers of one layer stay apart.
        ("gaitback.sim.engine", "from gaitback.core.metrics import step_table", True),
        ("gaitback.importers.tables", "from gaitback.acquisition import stream", True),
        ("gaitback.batch.task", "from gaitback.live import LiveAnalyzer", True),
        # The package root re-exports the API: nothing below it may use it.
        ("gaitback.recording", "import gaitback", True),
        ("gaitback.core.events", "from gaitback import __version__", True),
        # A shim that imports by name is an import too.
        ("gaitback.feedback", "importlib.import_module('gaitback.present.text')", True),
        ("gaitback.core", "import_module(f'gaitback.cli.{name}')", True),
        # Relative imports resolve before they are judged.
        ("gaitback.feedback.rules", "from ..present import text", True),
        ("gaitback.feedback.rules", "from .evidence import level_of", False),
        # Down, and within a unit or the base.
        ("gaitback.live.analyzer", "from gaitback.core.metrics import step_table", False),
        ("gaitback.present.text", "from gaitback.feedback.findings import Finding", False),
        ("gaitback.recording", "from gaitback.recording_meta import RecordingMeta", False),
        ("gaitback.cli.main", "from gaitback import __version__", False),
    ],
)
def test_the_check_can_fail(module: str, source: str, bad: bool) -> None:
    is_package = (PACKAGE.parent / Path(*module.split(".")) / "__init__.py").exists()
    assert bool(violations(module, imported_modules(source, module, is_package))) == bad


def test_no_module_is_longer_than_500_lines() -> None:
    # Lines as `wc -l` counts them: newline characters.
    long = {
        str(p.relative_to(SRC)): n
        for p in SOURCES
        if (n := p.read_bytes().count(b"\n")) > MAX_LINES
    }
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"
