"""rota's own processes for tests: `flask --app rota …`, gunicorn through scripts/serve, with the
configuration in ROTA_* environment variables as an operator would give it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def rota_env(**config) -> dict[str, str]:
    """This process's environment plus ROTA_<KEY> for each setting (JSON where not a string);
    BASE_URL, required outside development, defaults to the tests' own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROTA_", "PROMETHEUS_"))}
    config.setdefault("BASE_URL", "http://rota.test")
    for key, value in config.items():
        env[f"ROTA_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def flask(*args: str, env: dict[str, str], log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    """Start `flask --app rota ARGS` with its output going to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "rota", *args],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen, timeout: float = 20) -> int:
    """Stop a process (and its children) with SIGTERM as systemd would; its exit code."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `condition` until it returns something true; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not (outcome := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(0.05)
    return outcome


def serve(mode: str, *, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start `scripts/serve MODE` (web, scheduler, or both when MODE is "all")."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(ROOT / "scripts" / "serve"), *([] if mode == "all" else [mode])],
            env={"ROTA_VENV": sys.prefix, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def answers(url: str) -> bool:
    """Whether an HTTP server answers `url` with 200 now."""
    from urllib.error import URLError
    from urllib.request import urlopen

    try:
        with urlopen(url, timeout=2) as response:
            return response.status == 200
    except (URLError, OSError):
        return False
