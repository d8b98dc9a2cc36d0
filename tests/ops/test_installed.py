"""deploy/README.md's way, end to end: a wheel built from the checkout, installed into a fresh
venv, started with `scripts/serve` against PostgreSQL, answers /readyz 200.

It builds on the wheel test of the packaging work (tests/test_packaging.py: the checkout's files,
a venv that borrows only the dependencies) and skips where that is not there yet.
"""

import json
import os
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest

from tests.support.databases import POSTGRES_URL, create_postgres_database
from tests.support.processes import answers, serve, stop, wait_until
from tests.support.smtp import free_port

wheel_tools = pytest.importorskip(
    "tests.test_packaging", reason="needs the wheel build of tests/test_packaging.py (issue #11)"
)
pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL (ROTA_TEST_POSTGRES_URL)"
)


def installed_wheel(tmp_path: Path) -> Path:
    """The wheel of the checkout's files, installed into a fresh venv; the venv."""
    source = wheel_tools.source_tree(tmp_path / "source")
    pip = (sys.executable, "-m", "pip")
    dist = tmp_path / "dist"
    wheel_tools.run(*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", dist, ".", cwd=source)
    [wheel] = dist.glob("rota-*.whl")
    python = wheel_tools.fresh_venv(tmp_path / "venv")
    wheel_tools.run(
        *pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=tmp_path
    )
    return tmp_path / "venv"


def test_an_installed_wheel_started_with_scripts_serve_on_postgresql_is_ready(tmp_path):
    venv = installed_wheel(tmp_path)
    database, drop = create_postgres_database()
    bind = f"127.0.0.1:{free_port()}"
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and k[:5] != "ROTA_"}
    settings = {
        "ROTA_VENV": str(venv),
        "ROTA_DATABASE_URL": database,
        "ROTA_BASE_URL": "https://ohjaus.example.fi",
        "ROTA_SECRET_KEY": "an-installed-ring-with-a-long-secret-0123456789",
        "ROTA_INSTANCE_PATH": str(tmp_path / "etc-rota"),
        "ROTA_WEB_BIND": bind,
        "ROTA_WEB_WORKERS": "1",
    }
    log = tmp_path / "serve.log"
    process = serve("all", env={**environment, **settings}, log=log)
    try:
        wait_until(lambda: answers(f"http://{bind}/readyz"), 120, log.read_text)
        with urlopen(f"http://{bind}/readyz") as ready:
            assert json.load(ready)["status"] == "ready"
    finally:
        assert stop(process) == 0, log.read_text()
        drop()
    assert "Traceback" not in log.read_text()
