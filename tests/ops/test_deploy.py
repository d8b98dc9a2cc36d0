"""deploy/ stays true to the code: its settings exist, its units start modes scripts/serve has."""

import re
from pathlib import Path

from rota.config import DEFAULTS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# Read by scripts/serve and gunicorn's settings, not by the app; BASE_URL is the app's too.
PROCESS_SETTINGS = {"WEB_BIND", "WEB_WORKERS", "WEB_TIMEOUT", "SCHEDULER_METRICS_PORT", "BASE_URL"}


def test_every_setting_in_the_example_is_one_rota_reads():
    text = (DEPLOY / "rota.env.example").read_text()
    keys = set(re.findall(r"^#? ?ROTA_([A-Z_]+)=", text, flags=re.MULTILINE))
    assert {"SECRET_KEY", "DATABASE_URL", "BASE_URL", "METRICS_TOKEN"} <= keys
    assert keys - set(DEFAULTS) - PROCESS_SETTINGS == set()


def test_the_units_start_what_scripts_serve_offers():
    serve = (DEPLOY.parent / "scripts" / "serve").read_text()
    for unit, mode in (("rota-web", "web"), ("rota-scheduler", "scheduler")):
        text = (DEPLOY / "systemd" / f"{unit}.service").read_text()
        assert f"ExecStart=/opt/rota/src/scripts/serve {mode}\n" in text
        assert f"    {mode}) exec " in serve
        assert "EnvironmentFile=/etc/rota/rota.env" in text
