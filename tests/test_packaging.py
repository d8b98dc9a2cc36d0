"""An installed copy works on its own: the wheel carries templates, static files, compiled
translations and migrations, and finds its instance folder without the checkout."""

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from rota import create_app

CHECKOUT = Path(__file__).resolve().parent.parent

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


def run(*command, cwd, env=None):
    """Run a command; fail the test with its output when it fails."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def source_tree(target: Path) -> Path:
    """The files a fresh clone (plus uncommitted work) has: git's list, without ignored files.
    Compiled catalogs and build/ are ignored, so the wheel must make its own."""
    files = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=CHECKOUT)
    for name in filter(None, files.split("\0")):
        if (CHECKOUT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes((CHECKOUT / name).read_bytes())
    return target


def fresh_venv(path: Path) -> Path:
    """A new venv whose only own package will be rota. The dependencies are lent by this test's
    environment through a .pth line (which runs no .pth file there, so not its editable rota):
    the test stays fast and needs no package index."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", path], check=True)
    python = path / "bin" / "python"
    purelib = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=path
    )
    Path(purelib.strip(), "_lent_dependencies.pth").write_text(sysconfig.get_paths()["purelib"])
    return python


@pytest.mark.packaging
def test_an_installed_wheel_migrates_and_serves_the_login_page_without_the_checkout(tmp_path):
    source = source_tree(tmp_path / "source")
    pip = (sys.executable, "-m", "pip")
    run(
        *pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist", ".", cwd=source
    )
    [wheel] = (tmp_path / "dist").glob("rota-*.whl")
    venv = tmp_path / "venv"
    python = fresh_venv(venv)
    run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=tmp_path)

    # Without ROTA_INSTANCE_PATH an installed copy uses Flask's <prefix>/var/rota-instance.
    instance = venv / "var" / "rota-instance"
    instance.mkdir(parents=True)
    (instance / "config.py").write_text("SECRET_KEY = 'installed-copy'\n")
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
    (folder / "config.py").write_text("SECRET_KEY = 'moved'\nRING_NAME = 'Moved ring'\n")
    app = create_app()
    assert app.config["RING_NAME"] == "Moved ring"
    assert app.config["DATABASE_URL"] == f"sqlite:///{folder / 'rota.sqlite3'}"


def test_an_instance_folder_that_cannot_be_made_says_how_to_move_it(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ROTA_INSTANCE_PATH", str(blocker / "instance"))
    with pytest.raises(RuntimeError, match="set ROTA_INSTANCE_PATH to a folder rota may write to"):
        create_app({"SECRET_KEY": "x"})
