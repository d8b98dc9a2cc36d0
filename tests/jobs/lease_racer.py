"""A scheduler process for the lease race test, driven over stdin/stdout.

Prints "ready", waits for "go", then runs the job "race" under its lease. The job prints
"running" and waits for "finish" before it returns; a process without the lease prints
"skipped". At the end it prints "ran" or nothing more.
"""

import sys
from datetime import UTC, datetime

from rota import create_app
from rota.jobs import scheduler as jobs

NOW = datetime(2026, 3, 25, 8, tzinfo=UTC)


def _say(word: str) -> None:
    print(word, flush=True)


def _blocking_job(_session, _now):
    _say("running")
    return sys.stdin.readline().strip()


def main(database_url: str) -> None:
    app = create_app(
        {
            "BASE_URL": "http://rota.test",
            "SECRET_KEY": "race",
            "DATABASE_URL": database_url,
            "TESTING": True,
        }
    )
    jobs.register("race", _blocking_job, minute="*")
    with app.app_context():
        _say("ready")
        sys.stdin.readline()
        outcome = jobs.run_job("race", now=NOW)
        _say("ran" if outcome.ran else "skipped")


if __name__ == "__main__":
    main(sys.argv[1])
