"""Two scheduler processes against one database through an hour of simulated time: each job
runs once for each time it is due, whichever process gets there first."""

import json
import os
import select
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from rota.extensions import db
from rota.jobs.scheduler import JOBS
from tests.support.processes import ROOT

HELSINKI = ZoneInfo("Europe/Helsinki")
START = datetime(2026, 3, 30, 7, 5, 10, tzinfo=HELSINKI)  # a Monday, the day after DST began
END = START + timedelta(hours=1)
STEP = timedelta(seconds=30)
SKEW = timedelta(seconds=0.4)  # the second host's clock runs a little behind


def _scheduler(url: str, start: datetime) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("sim_scheduler.py")), url, start.isoformat()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,  # unbuffered: select() sees every line that is not read yet
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _advance(process: subprocess.Popen, at: datetime) -> None:
    process.stdin.write(at.isoformat().encode() + b"\n")


def _runs_until_done(process: subprocess.Popen) -> list[dict]:
    runs = []
    while True:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "the simulated scheduler did not settle within 60 s"
        line = process.stdout.readline().decode().strip()
        assert line, "the simulated scheduler stopped"
        if line == "done":
            return runs
        runs.append(json.loads(line))


def _expected_slots(name: str) -> Counter:
    """Each time the job is due after the start, up to the end: once."""
    trigger = CronTrigger(timezone=HELSINKI, **JOBS[name].cron)
    slots, fire = Counter(), trigger.get_next_fire_time(None, START)
    while fire <= END:
        slots[fire.isoformat()] += 1
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return slots


def test_two_schedulers_through_an_hour_run_each_job_once_per_schedule(app):
    url = db.engine.url.render_as_string(hide_password=False)
    first, second = _scheduler(url, START), _scheduler(url, START - SKEW)
    runs = []
    try:
        at = START
        while at <= END:
            _advance(first, at)
            _advance(second, at - SKEW)
            runs += _runs_until_done(first) + _runs_until_done(second)
            at += STEP
    finally:
        for process in (first, second):
            process.stdin.close()
            process.wait(timeout=60)
            process.stdout.close()
    assert not [run for run in runs if run["error"]]
    for name in JOBS:
        ran = Counter(
            run["slot"] for run in runs if run["job"] == name and run["ran"] and run["slot"]
        )
        assert ran == _expected_slots(name), name
    assert _expected_slots("outbox").total() == 60 and _expected_slots("coverage").total() == 1
    at_start = Counter(run["job"] for run in runs if run["ran"] and run["slot"] is None)
    assert set(at_start) == {"outbox", "mail", "handover"} and max(at_start.values()) <= 2
