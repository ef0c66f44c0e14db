"""The import contract of docs/architecture.md (``[tool.importlinter]`` in pyproject.toml).

The layers contract lists every top-level module of selfunc (``exhaustive``), highest first:
a module may import only those below it, and siblings joined by ``|`` not each other. A
second contract forbids import cycles between sibling modules at any depth. Both run through
import-linter's own command (its static import graph, lazy imports included), once on the
package as it is and once on a copy with one import added against the arrows, which must
break the contract: a check that cannot fail checks nothing.
"""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO

SRC = REPO / "src"
PYPROJECT = REPO / "pyproject.toml"
LINT = ("import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())")


def _lint(src: Path, cwd: Path) -> subprocess.CompletedProcess:
    # A test dependency (pyproject [test]), so a failure, never a skip, where it is missing.
    try:
        import importlinter  # noqa: F401
    except ImportError:
        pytest.fail("import-linter is not installed (it is in the test extra: "
                    "pip install -e '.[test]')")
    # grimp finds the package on sys.path: PYTHONPATH picks the tree that is checked.
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(src), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.run([sys.executable, "-c", LINT, "--config", str(PYPROJECT), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _copy_package(tmp_path: Path) -> Path:
    dst = tmp_path / "src"
    shutil.copytree(SRC / "selfunc", dst / "selfunc",
                    ignore=lambda d, names: [n for n in names
                                             if not (n.endswith(".py") or (Path(d) / n).is_dir())
                                             or n == "__pycache__"])
    return dst


def test_the_package_keeps_the_import_contract(tmp_path):
    res = _lint(SRC, tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Contracts: 2 kept, 0 broken." in res.stdout


def test_an_import_against_the_arrows_breaks_the_contract(tmp_path):
    # config is near the bottom: one import of the campaign engine from it is an arrow up.
    src = _copy_package(tmp_path)
    units = src / "selfunc" / "config" / "units.py"
    units.write_text(units.read_text() + "\nfrom selfunc.campaign import engine  # noqa\n")
    res = _lint(src, tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "BROKEN" in res.stdout
    assert "selfunc.config.units -> selfunc.campaign.engine" in res.stdout


def test_a_new_top_level_module_must_be_placed_in_a_layer(tmp_path):
    src = _copy_package(tmp_path)
    (src / "selfunc" / "unplaced.py").write_text('"""Not in any layer."""\n')
    res = _lint(src, tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "selfunc.unplaced" in res.stdout


def test_no_private_name_is_imported_across_packages():
    # import-linter does not see privacy: an AST scan of every ``from selfunc.x import _y``
    # whose importer lives in another top-level package than x.
    found = []
    for path in sorted((SRC / "selfunc").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        importer_top = parts[1] if len(parts) > 1 else ""
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module
                    and node.module.startswith("selfunc.")):
                continue
            mod_parts = node.module.split(".")
            if mod_parts[1] == importer_top:
                continue
            private = [a.name for a in node.names
                       if a.name.startswith("_") and not a.name.startswith("__")]
            if any(p.startswith("_") for p in mod_parts[1:]) or private:
                found.append(f"{path.relative_to(REPO)}: from {node.module} import "
                             f"{', '.join(a.name for a in node.names)}")
    assert not found, "\n".join(found)
