"""The service report of one year of a ring with 200 000 contacts and 50 000 shifts on
PostgreSQL, against one hand-written aggregate SQL query over the same rows (the floor).

Run: ROTA_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
     .venv/bin/python benchmarks/reports.py [--contacts 200000] [--shifts 50000] [--repeat 3] [--quick]

Makes a throwaway database on that server, fills it (12 organisations, a weekday service-hours
pattern, the shifts, the contacts of 2025 with response and close times, facts on half of them,
a call on every phone contact), then times in the same run:
  * the first service report (rota.reports.service.service_report, service hours only), once:
    every contact's figures are stale, so it works them out and stores them (rota.reports
    .stored) before it counts; then commits and VACUUM ANALYZEs the contacts, as autovacuum
    does after so many updated rows;
  * best of --repeat, the floor: one SQL query counting the contacts of the year by channel and
    language with the median and 90th percentile of the first response (percentile_cont);
  * best of --repeat, the service report with its figures stored: the GROUP BYs, the heat map,
    inside/outside service hours and the response times in service hours;
  * best of --repeat, the contribution statement of every organisation
    (rota.reports.service.contribution).
Targets: the service report (stored figures) ≤ 3 × the floor and under 2 s. Beside the wall
times it prints CPU time (this process and its database backend, when the server runs on this
machine; not the backend's parallel workers): on a shared machine that ratio moves less than
the wall-time one.
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from rota import create_app
from rota.contacts.models import Call, Contact
from rota.extensions import db
from rota.members.models import Agreement, Organisation, Signature
from rota.reports import service
from rota.reports.models import ContactFacts, FactOption
from rota.schedule.models import PatternSlot, ServicePattern, Shift

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tests.support.databases import create_postgres_database  # noqa: E402

ZONE = ZoneInfo("Europe/Helsinki")
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
ORGS = 12
FLOOR = text(
    """
    SELECT channel, language, count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - received_at)),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - received_at))
    FROM contacts WHERE received_at >= :start AND received_at < :end
    GROUP BY channel, language
    """
)


def _members():
    agreement = Agreement(title="Memorandum", version_label="v1", effective_from=date(2024, 1, 1))
    orgs = [Organisation(name=f"Järjestö {n}", short_name=f"J{n}") for n in range(ORGS)]
    signatures = [
        Signature(
            organisation=org,
            agreement=agreement,
            signed_on=date(2024, 1, 1),
            signed_by_name="R",
            valid_from=date(2024, 1, 1),
            commitment_amount=10 + n,
            commitment_unit="hours",
            cost_terms="Project pays the line" if n % 2 else "Members split",
        )
        for n, org in enumerate(orgs)
    ]
    pattern = ServicePattern(name="Weekdays", valid_from=date(2024, 1, 1))
    pattern.slots = [
        PatternSlot(weekday=d, start_time=wall(9), end_time=wall(16), channel="phone")
        for d in range(5)
    ]
    db.session.add_all([agreement, *orgs, *signatures, pattern])
    db.session.flush()
    return [org.id for org in orgs]


def _shifts(count: int, org_ids: list[int]) -> None:
    start = datetime(2025, 1, 1, 7, tzinfo=UTC)
    rows = []
    for n in range(count):
        begins = start + timedelta(minutes=(365 * 24 * 60 // count) * n)
        rows.append(
            {
                "slot_key": f"{n}",
                "channel": "phone",
                "local_day": begins.astimezone(ZONE).date(),
                "starts_at": begins,
                "ends_at": begins + timedelta(hours=3),
                "organisation_id": org_ids[n % ORGS],
                "status": "PLANNED",
                "behind_hours": 0.0,
                "offer_note": "",
                "sequence": 0,
                "version": 1,
                "created_at": start,
                "updated_at": start,
            }
        )
    db.session.execute(insert(Shift), rows)


def _contacts(count: int, org_ids: list[int]) -> None:
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    options = [FactOption(kind="TOPIC", label=f"Aihe {n}", position=n) for n in range(6)]
    db.session.add_all(options)
    db.session.flush()
    contacts, facts, calls = [], [], []
    for n in range(1, count + 1):
        received = start + timedelta(seconds=rng.randrange(365 * 86400))
        responded = received + timedelta(minutes=rng.randrange(5, 3000))
        channel = "PHONE" if n % 3 == 0 else "EMAIL"
        contacts.append(
            {
                "id": n,
                "channel": channel,
                "status": "CLOSED",
                "subject": "",
                "client_name": "",
                "client_email": "",
                "client_phone": "",
                "language": ("fi", "sv", "en")[n % 3],
                "organisation_id": org_ids[n % ORGS],
                "received_at": received,
                "first_response_at": responded,
                "closed_at": responded + timedelta(minutes=30),
                "updated_at": received,
                "version": 1,
            }
        )
        if n % 2:
            facts.append({"contact_id": n, "topic_id": options[n % 6].id, "updated_at": received})
        if channel == "PHONE":
            calls.append(
                {
                    "contact_id": n,
                    "caller": "",
                    "caller_unreadable": False,
                    "called": "",
                    "answered_by": "",
                    "started_at": received,
                    "duration_seconds": 300,
                    "outcome": "ANSWERED",
                    "cause": "",
                    "summary": "",
                    "callback_needed": False,
                    "created_at": received,
                }
            )
    for table, rows in ((Contact, contacts), (ContactFacts, facts), (Call, calls)):
        for first in range(0, len(rows), 20_000):
            db.session.execute(insert(table), rows[first : first + 20_000])


def cpu_seconds(backend: int) -> float | None:
    """CPU seconds used so far by this process and the PostgreSQL backend serving it (read from
    /proc when the server runs on this machine; None when it does not). Unlike wall time, it
    hardly moves when other work shares the machine."""
    try:
        stat = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return time.process_time() + (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def best_of(repeat: int, action, backend: int) -> tuple[float, float | None]:
    """The best wall time of `repeat` runs, and their mean CPU time (None: not measurable)."""
    times = []
    cpu_before = cpu_seconds(backend)
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    cpu_after = cpu_seconds(backend)
    cpu = None if cpu_before is None else (cpu_after - cpu_before) / repeat
    return min(times), cpu


def line(name: str, measured: tuple[float, float | None], floor: tuple[float, float | None]):
    wall, cpu = measured
    text = f"  {name:34}{wall:7.3f} s   {wall / floor[0]:5.1f} × the floor"
    if cpu is not None and floor[1]:
        text += f"   CPU {cpu:6.3f} s   {cpu / floor[1]:5.1f} × the floor's"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--shifts", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="20 000 contacts, 5 000 shifts, 2 runs"
    )
    args = parser.parse_args()
    if args.quick:
        args.contacts, args.shifts, args.repeat = 20_000, 5_000, 2
    if not os.environ.get("ROTA_TEST_POSTGRES_URL"):
        parser.error("set ROTA_TEST_POSTGRES_URL to a PostgreSQL server (a database is made there)")
    url, drop = create_postgres_database()
    try:
        run(url, args)
    finally:
        drop()


def run(url: str, args) -> None:
    app = create_app(
        {"SECRET_KEY": "bench", "DATABASE_URL": url, "TESTING": True, "BASE_URL": "http://bench"}
    )
    with app.app_context():
        db.create_all()
        org_ids = _members()
        _shifts(args.shifts, org_ids)
        _contacts(args.contacts, org_ids)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        settings = service.ReportSettings(ZONE, 3.0, True)
        period = service.Period.of(*YEAR, ZONE)
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        first = best_of(1, lambda: service.service_report(db.session, *YEAR, settings), backend)
        db.session.commit()
        with db.engine.connect() as connection:  # what autovacuum does after so many updates
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE contacts"
            )
        floor = best_of(
            args.repeat,
            lambda: db.session.execute(FLOOR, {"start": period.start, "end": period.end}).all(),
            backend,
        )
        report = best_of(
            args.repeat, lambda: service.service_report(db.session, *YEAR, settings), backend
        )
        statement = best_of(
            args.repeat, lambda: service.contribution(db.session, *YEAR, settings), backend
        )
        total = service.service_report(db.session, *YEAR, settings).total
        print(
            f"{total} contacts and {args.shifts} shifts in {YEAR[0]}–{YEAR[1]} on PostgreSQL, "
            f"best of {args.repeat} (CPU: mean, this process and its database backend):"
        )
        print(line("floor (one aggregate SQL query)", floor, floor))
        print(line("service report, figures stored", report, floor))
        print(line("first report, storing the figures", first, floor) + "   (one run)")
        print(line(f"contribution of {ORGS} organisations", statement, floor))
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
