"""A scheduler process on a simulated clock, driven over stdin/stdout by test_simulated_hour.

It runs the production scheduler (`build_scheduler`, APScheduler's BlockingScheduler with every
registered job) in a thread while time-machine holds the clock. For each line "ISO-INSTANT" on
stdin it moves the clock there, wakes the scheduler, waits until every job due by then has run,
prints one JSON line per run ({"job", "slot", "ran"}) and then "done". The production code knows
nothing of this: only the clock is simulated; leases, jobs and the database are real.
"""

import json
import sys
import threading
import time
from datetime import datetime

import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED

from rota import create_app
from rota.jobs.scheduler import build_scheduler


class Settled:
    """Counts submitted and finished runs, and collects what each finished run did."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.submitted = self.finished = 0
        self.runs: list[dict] = []

    def listen(self, event) -> None:
        with self.changed:
            if event.code == EVENT_JOB_SUBMITTED:
                self.submitted += 1
            else:
                self.finished += 1
                outcome = getattr(event, "retval", None)
                slot = outcome.slot.isoformat() if outcome and outcome.slot else None
                self.runs.append(
                    {
                        "job": outcome.name if outcome else event.job_id,
                        "slot": slot,
                        "ran": bool(outcome and outcome.ran),
                        "error": event.code == EVENT_JOB_ERROR,
                    }
                )
            self.changed.notify_all()


def main(database_url: str, start: str) -> None:
    app = create_app({"SECRET_KEY": "sim", "DATABASE_URL": database_url})
    clock = time_machine.travel(datetime.fromisoformat(start), tick=False)
    coordinates = clock.start()
    scheduler = build_scheduler(app)
    settled = Settled()
    scheduler.add_listener(
        settled.listen, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
    )
    threading.Thread(target=scheduler.start, daemon=True).start()
    while not scheduler.running:
        time.sleep(0.01)
    for line in sys.stdin:
        at = datetime.fromisoformat(line.strip())
        coordinates.move_to(at)
        scheduler.wakeup()
        with settled.changed:
            while not (
                settled.submitted == settled.finished
                and all(job.next_run_time > at for job in scheduler.get_jobs())
            ):
                settled.changed.wait(0.01)
            for run in settled.runs:
                print(json.dumps(run), flush=True)
            settled.runs.clear()
        print("done", flush=True)
    scheduler.shutdown()
    clock.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
