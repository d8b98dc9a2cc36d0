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
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.executors.base import MaxInstancesReachedError
from apscheduler.executors.pool import ThreadPoolExecutor

from rota import create_app
from rota.jobs.scheduler import build_scheduler


class CountingExecutor(ThreadPoolExecutor):
    """APScheduler's thread pool, counting each run it is given and each that ended.

    A run is counted as the scheduler submits it, under the scheduler's own lock and before it
    moves the job's next run time; so once no job is due any more, every run of this instant
    is counted. The counts have a lock of their own, never held while asking the scheduler
    anything (the scheduler may report a run that ended at once while it holds its lock).
    """

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.submitted = self.finished = 0
        self.runs: list[dict] = []

    def submit_job(self, job, run_times) -> None:
        with self.lock:
            self.submitted += 1
        try:
            super().submit_job(job, run_times)
        except MaxInstancesReachedError:
            with self.lock:
                self.submitted -= 1
            raise

    def ended(self, event) -> None:
        """Listener for EXECUTED and ERROR: what the run did."""
        outcome = getattr(event, "retval", None)
        run = {
            "job": outcome.name if outcome else event.job_id,
            "slot": outcome.slot.isoformat() if outcome and outcome.slot else None,
            "ran": bool(outcome and outcome.ran),
            "error": event.code == EVENT_JOB_ERROR,
        }
        with self.lock:
            self.finished += 1
            self.runs.append(run)

    def settled(self, scheduler, at: datetime) -> list[dict] | None:
        """The runs that ended, once nothing is due at `at` and nothing runs; else None."""
        if any(job.next_run_time <= at for job in scheduler.get_jobs()):
            return None
        with self.lock:
            if self.submitted != self.finished:
                return None
            runs, self.runs = self.runs, []
            return runs


def main(database_url: str, start: str) -> None:
    app = create_app(
        {"BASE_URL": "http://rota.test", "SECRET_KEY": "sim", "DATABASE_URL": database_url}
    )
    clock = time_machine.travel(datetime.fromisoformat(start), tick=False)
    coordinates = clock.start()
    scheduler = build_scheduler(app)
    executor = CountingExecutor()
    scheduler.add_executor(executor, "default")
    scheduler.add_listener(executor.ended, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    threading.Thread(target=scheduler.start, daemon=True).start()
    while not scheduler.running:
        time.sleep(0.01)
    for line in sys.stdin:
        at = datetime.fromisoformat(line.strip())
        coordinates.move_to(at)
        scheduler.wakeup()
        while (runs := executor.settled(scheduler, at)) is None:
            time.sleep(0.01)
        for run in runs:
            print(json.dumps(run), flush=True)
        print("done", flush=True)
    scheduler.shutdown()
    clock.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
