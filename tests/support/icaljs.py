"""Parse iCalendar bytes with ical.js (the parser Thunderbird and many web clients use)."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent.parent / "js"
SCRIPT = JS_DIR / "parse_ics.mjs"
HOW_TO_FIX = "run scripts/test (it runs `npm ci --prefix tests/js`)"


def parse_with_icaljs(data: bytes) -> dict:
    """Run tests/js/parse_ics.mjs on data and return its JSON: calendar, timezones, events."""
    node = shutil.which("node")
    if node is None:
        pytest.skip(f"node is not installed; install Node.js 20 and {HOW_TO_FIX}")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        pytest.skip(f"tests/js/node_modules has no ical.js; {HOW_TO_FIX}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.ics"
        path.write_bytes(data)
        result = subprocess.run(
            [node, str(SCRIPT), str(path)], capture_output=True, text=True, timeout=60
        )
    if result.returncode != 0:
        raise AssertionError(f"ical.js could not parse the calendar:\n{result.stderr}")
    return json.loads(result.stdout)
