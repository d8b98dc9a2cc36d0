"""/healthz, /readyz and /metrics on a ring with years of history: they must answer in
milliseconds, however many contacts and sent messages the database holds.

Run: .venv/bin/python benchmarks/health_checks.py [--contacts 200000] [--outbox 500000]
     [--repeat 200] [--database-url postgresql+psycopg://…] [--quick]

Fills a new database (a temporary SQLite file, or the empty database named) through the
migrations, then bulk rows: contacts (99 in 100 closed, the rest waiting in queues), outbox
messages (nearly all sent, some queued or failed) and job leases. Then times, through the Flask
test client, the median of --repeat requests of each endpoint, beside two in-run references:
`SELECT 1` on the same session, and the whole /healthz request (no database at all).
Targets: /readyz within 5 ms and /metrics within 50 ms at the default sizes on SQLite.
"""

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from batches import insert_in_batches
from flask_migrate import upgrade
from sqlalchemy import text

from rota import create_app
from rota.contacts.models import Contact, ContactStatus
from rota.extensions import db
from rota.jobs.lease import JobLease
from rota.members.models import Role, User
from rota.outbox.models import OutboxMessage, OutboxStatus

TOKEN = "benchmark-metrics-token"
BATCH = 10_000


def _contacts(count: int, now: datetime, counsellor_id: int):
    for n in range(count):
        closed = n % 100 != 0  # closed ones were answered by a counsellor
        yield {
            "channel": "email",
            "status": ContactStatus.CLOSED if closed else ContactStatus.NEW,
            "subject": f"Kysymys {n}",
            "owner_id": counsellor_id if closed else None,
            "received_at": now - timedelta(minutes=count - n),
            "first_response_at": now if closed else None,
        }


def _outbox(count: int, now: datetime):
    for n in range(count):
        status = OutboxStatus.QUEUED if n % 1000 == 1 else OutboxStatus.SENT
        status = OutboxStatus.FAILED if n % 5000 == 2 else status
        yield {
            "message_id": f"<bench-{n}@rota.invalid>",
            "recipients": [f"asiakas{n}@example.fi"],
            "subject": "Kuittaus",
            "body_text": "Hei",
            "status": status,
            "next_attempt_at": now + timedelta(minutes=5),
            "created_at": now - timedelta(minutes=count - n),
        }


def _insert(model, rows) -> None:
    insert_in_batches(db.session, model, rows, BATCH)


def fill(contacts: int, outbox: int) -> None:
    """The schema through the migrations, then the rows."""
    now = datetime.now(UTC)
    upgrade()
    counsellor = User(email="ohjaaja@example.fi", name="Ohjaaja", role=Role.COUNSELLOR)
    db.session.add(counsellor)
    db.session.flush()
    _insert(Contact, _contacts(contacts, now, counsellor.id))
    _insert(OutboxMessage, _outbox(outbox, now))
    leases = [
        {"name": name, "holder": "bench:1", "expires_at": now, "renewed_at": now}
        for name in ("outbox", "mail", "handover")
    ]
    _insert(JobLease, leases)


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _get(client, path, **headers):
    def request():
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 503), response.status_code
        response.close()

    return request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--outbox", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--quick", action="store_true", help="10 000 contacts, 20 000 mails")
    args = parser.parse_args()
    if args.quick:
        args.contacts, args.outbox, args.repeat = 10_000, 20_000, 50
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "BASE_URL": "http://localhost",
                "DATABASE_URL": url,
                "METRICS_TOKEN": TOKEN,
            }
        )
        with app.app_context():
            started = time.perf_counter()
            fill(args.contacts, args.outbox)
            print(
                f"filled {args.contacts} contacts, {args.outbox} outbox rows "
                f"on {db.engine.dialect.name} in {time.perf_counter() - started:.1f} s"
            )
            client = app.test_client()
            select_one = median_ms(lambda: db.session.execute(text("SELECT 1")), args.repeat)
            figures = {
                "/healthz": median_ms(_get(client, "/healthz"), args.repeat),
                "/readyz": median_ms(_get(client, "/readyz"), args.repeat),
                "/metrics": median_ms(
                    _get(client, "/metrics", Authorization=f"Bearer {TOKEN}"), args.repeat
                ),
            }
            db.session.remove()
            db.engine.dispose()
    print(f"reference: SELECT 1 {select_one:.3f} ms; median of {args.repeat} requests each:")
    for path, ms in figures.items():
        ratio = ms / figures["/healthz"]
        print(
            f"  {path:9} {ms:7.2f} ms   {ratio:5.1f} × /healthz   {ms / select_one:7.1f} × SELECT 1"
        )


if __name__ == "__main__":
    main()
