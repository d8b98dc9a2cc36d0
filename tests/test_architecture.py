"""The import contracts in .importlinter hold, and a wrong import breaks them.

The contracts: pure modules import neither Flask nor SQLAlchemy; the rota (rota.schedule)
never imports contacts; services and models import no views, forms or access decorators;
models import no use cases; only rota.jobs touches APScheduler.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the package under `tree` with its .importlinter."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(tree / ".importlinter")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def copied_tree(tmp_path_factory) -> Path:
    """The package's Python modules and the contracts, copied outside the checkout."""
    tree = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", "static", "translations")
    shutil.copytree(ROOT / "rota", tree / "rota", ignore=ignore)
    shutil.copy(ROOT / ".importlinter", tree / ".importlinter")
    return tree


WRONG_IMPORTS = [
    ("rota/schedule/planning/rotation.py", "import sqlalchemy", "Pure modules"),
    ("rota/auth/policy.py", "from rota.extensions import db", "Pure modules"),
    ("rota/schedule/duty.py", "from rota.contacts import models", "never depends on contacts"),
    ("rota/schedule/service.py", "from rota.auth import access", "import no views"),
    ("rota/contacts/notify.py", "from rota import forms", "import no views"),
    ("rota/schedule/models.py", "from rota.schedule import coverage", "Models import no use"),
    ("rota/cli.py", "import apscheduler", "Only rota.jobs touches APScheduler"),
]


@pytest.mark.parametrize(("module", "line", "contract"), WRONG_IMPORTS)
def test_a_wrong_import_breaks_its_contract(copied_tree, module, line, contract):
    path = copied_tree / module
    original = path.read_text()
    path.write_text(f"{original}\n{line}  # a deliberately wrong import\n")
    try:
        result = lint_imports(copied_tree)
    finally:
        path.write_text(original)
    assert result.returncode == 1, result.stdout
    broken = result.stdout.partition("Broken contracts")[2]
    assert contract in broken, result.stdout
