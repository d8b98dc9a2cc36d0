"""deploy/README.md's way, end to end: a wheel built from the checkout, installed into a fresh
venv, started with `scripts/serve` against PostgreSQL, answers /readyz 200 and stops cleanly."""

import json
import os
from urllib.request import urlopen

import pytest

from tests.support.databases import POSTGRES_URL, create_postgres_database
from tests.support.processes import answers, serve, stop, wait_until
from tests.support.smtp import free_port
from tests.support.wheel import installed_wheel

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (ROTA_TEST_POSTGRES_URL)"),
]


def test_an_installed_wheel_started_with_scripts_serve_on_postgresql_is_ready(tmp_path):
    venv = tmp_path / "venv"
    installed_wheel(tmp_path, venv)
    database, drop = create_postgres_database()
    bind = f"127.0.0.1:{free_port()}"
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and k[:5] != "ROTA_"}
    settings = {
        "ROTA_VENV": str(venv),
        "ROTA_DATABASE_URL": database,
        "ROTA_BASE_URL": "https://ohjaus.example.fi",
        "ROTA_TRUSTED_HOSTS": '["ohjaus.example.fi", "127.0.0.1"]',  # the test calls gunicorn directly
        "ROTA_SECRET_KEY": "an-installed-ring-with-a-long-secret-0123456789",
        "ROTA_INSTANCE_PATH": str(tmp_path / "etc-rota"),
        "ROTA_WEB_BIND": bind,
        "ROTA_WEB_WORKERS": "1",
    }
    log = tmp_path / "serve.log"
    process = serve("all", env={**environment, **settings}, log=log)
    try:
        wait_until(lambda: answers(f"http://{bind}/readyz"), 120, f"/readyz 200 (see {log})")
        with urlopen(f"http://{bind}/readyz") as ready:
            assert json.load(ready)["status"] == "ready"
    finally:
        assert stop(process) == 0, log.read_text()
        drop()
    assert "Traceback" not in log.read_text()
