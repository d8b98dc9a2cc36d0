"""An installed copy works on its own: the wheel carries templates, static files, compiled
translations and migrations, and finds its instance folder without the checkout."""

import json
import os
import textwrap
from pathlib import Path

import pytest

from rota import create_app
from tests.support.wheel import CHECKOUT, installed_wheel, run

# Run inside the fresh venv, from a directory outside the checkout: prints what it found.
SERVE_LOGIN = textwrap.dedent(
    """
    import json, sys
    import rota
    app = rota.create_app()
    client = app.test_client()
    login = client.get("/login", headers={"Accept-Language": "fi"})
    print(json.dumps({
        "rota": rota.__file__,
        "sys_path": sys.path,
        "instance_path": app.instance_path,
        "login": login.status_code,
        "login_page": login.get_data(as_text=True),
        "css": client.get("/static/rota.css").status_code,
    }))
    """
)


@pytest.mark.packaging
def test_an_installed_wheel_migrates_and_serves_the_login_page_without_the_checkout(tmp_path):
    venv = tmp_path / "venv"
    python = installed_wheel(tmp_path, venv)

    # Without ROTA_INSTANCE_PATH an installed copy uses Flask's <prefix>/var/rota-instance.
    instance = venv / "var" / "rota-instance"
    instance.mkdir(parents=True)
    # a production copy needs its own address (rota.links); the test client asks for localhost
    config = "SECRET_KEY = 'installed-copy'\nBASE_URL = 'http://localhost'\n"
    (instance / "config.py").write_text(config)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("ROTA_")}
    run(python, "-m", "flask", "--app", "rota", "db", "upgrade", cwd=elsewhere, env=env)
    assert (instance / "rota.sqlite3").stat().st_size > 0

    found = json.loads(run(python, "-c", SERVE_LOGIN, cwd=elsewhere, env=env))
    assert Path(found["rota"]).is_relative_to(venv / "lib"), found["rota"]
    assert CHECKOUT not in {Path(entry or elsewhere).resolve() for entry in found["sys_path"]}
    assert found["instance_path"] == str(instance)
    assert found["login"] == 200
    assert "Kirjaudu sisään" in found["login_page"]  # the compiled Finnish catalog
    assert found["css"] == 200


def test_the_instance_folder_can_be_moved_and_holds_config_and_database(tmp_path, monkeypatch):
    folder = tmp_path / "etc-rota"
    monkeypatch.setenv("ROTA_INSTANCE_PATH", str(folder))
    monkeypatch.delenv("ROTA_DATABASE_URL", raising=False)
    folder.mkdir()
    config = (
        "SECRET_KEY = 'moved'\nBASE_URL = 'https://rota.example.fi'\nRING_NAME = 'Moved ring'\n"
    )
    (folder / "config.py").write_text(config)
    app = create_app()
    assert app.config["RING_NAME"] == "Moved ring"
    assert app.config["DATABASE_URL"] == f"sqlite:///{folder / 'rota.sqlite3'}"


def test_an_instance_folder_that_cannot_be_made_says_how_to_move_it(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ROTA_INSTANCE_PATH", str(blocker / "instance"))
    with pytest.raises(RuntimeError, match="set ROTA_INSTANCE_PATH to a folder rota may write to"):
        create_app({"SECRET_KEY": "x", "BASE_URL": "https://rota.example.fi"})
