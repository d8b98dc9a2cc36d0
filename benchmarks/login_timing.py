"""Sign-in timing: a wrong password, an unknown address and a deactivated account answer alike.

Each kind of failed sign-in is posted through the real app (SQLite file, test client) many
times, interleaved so that a busy machine slows all kinds alike; the median time of each is
printed beside the wrong-password one (the in-run reference), as a ratio. Before the fix an
unknown address answered about 20 times faster than a wrong password, which told an attacker
which addresses have accounts. The throttle is set high so that no attempt is refused.
Run: .venv/bin/python benchmarks/login_timing.py [--rounds 40] [--quick]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from rota import create_app  # noqa: E402
from rota.extensions import db  # noqa: E402
from rota.members import people  # noqa: E402
from rota.members.models import Role  # noqa: E402

KINDS = {
    "wrong password": "known@example.fi",
    "unknown address": "nobody@example.fi",
    "deactivated account": "gone@example.fi",
}


def _app(folder: str):
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "BASE_URL": "http://localhost",
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "WTF_CSRF_ENABLED": False,
            "SIGN_IN_MAX_PER_ACCOUNT": 10**6,
            "SIGN_IN_MAX_PER_CLIENT": 10**6,
        }
    )
    with app.app_context():
        db.create_all()
        for email, active in (("known@example.fi", True), ("gone@example.fi", False)):
            people.save_person(
                db.session,
                None,
                actor=None,
                role=Role.COORDINATOR,
                name=email,
                email=email,
                languages=["fi"],
                password="the right password",
                active=active,
            )
        db.session.commit()
    return app


def measure(rounds: int) -> dict[str, list[float]]:
    """Seconds per failed sign-in, by kind, interleaved round by round."""
    with tempfile.TemporaryDirectory() as folder:
        client = _app(folder).test_client()
        times = {kind: [] for kind in KINDS}
        client.post("/login", data={"email": "warm@example.fi", "password": "x"})
        for _ in range(rounds):
            for kind, email in KINDS.items():
                began = time.perf_counter()
                response = client.post("/login", data={"email": email, "password": "wrong one"})
                times[kind].append(time.perf_counter() - began)
                assert response.status_code == 400, response.status_code
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="attempts of each kind")
    parser.add_argument("--quick", action="store_true", help="5 rounds, to see that it runs")
    args = parser.parse_args()
    times = measure(5 if args.quick else args.rounds)
    reference = statistics.median(times["wrong password"])
    print(f"{'failed sign-in':<22}{'median ms':>10}{'ratio':>8}   (reference: wrong password)")
    for kind, values in times.items():
        median = statistics.median(values)
        print(f"{kind:<22}{median * 1000:>10.1f}{median / reference:>8.2f}")


if __name__ == "__main__":
    main()
