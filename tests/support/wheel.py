"""A wheel built from the checkout and installed into a fresh venv outside it, as an operator
installs rota (deploy/README.md): for the tests of an installed copy."""

import subprocess
import sys
import sysconfig
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]


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


def installed_wheel(tmp_path: Path, venv: Path) -> Path:
    """Build the wheel of the checkout's files in `tmp_path`, install it into a fresh `venv`;
    the venv's python."""
    source = source_tree(tmp_path / "source")
    pip = (sys.executable, "-m", "pip")
    dist = tmp_path / "dist"
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", dist, ".", cwd=source)
    [wheel] = dist.glob("rota-*.whl")
    python = fresh_venv(venv)
    run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    return python
