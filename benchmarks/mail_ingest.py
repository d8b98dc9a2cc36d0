"""Shared-mailbox ingest from a real Dovecot: messages/s and peak memory, against plain fetching.

    .venv/bin/python benchmarks/mail_ingest.py [--sizes 1000,2500,5000] [--traced] [--quick]

For each mailbox size it fills a fresh Dovecot account, then
  * fetches every message with imaplib alone (UID FETCH BODY.PEEK[] in the same windows) — the
    in-run reference: the rate the IMAP server and imaplib allow;
  * runs the real ingest (poll_mailbox: fetch, store raw, commit, parse, dedupe, thread, route
    to the counsellor on duty, queue a notice to them and an acknowledgement to the sender, flag
    on the server, and hand the queued mail to Flask-Mail, which records it under TESTING) on a
    SQLite database holding only that rota, in a fresh child process, whose resident set is
    taken when the ingest starts and at its largest (what the ingest itself grew is the
    difference: the child starts as a copy of this process, which grows with the mailboxes
    it fills);
  * with --traced, runs it again in another child under tracemalloc for the peak traced Python
    memory (tracemalloc slows the ingest several times over: minutes for the default sizes).
It prints both rates and their ratio, the ingest's CPU time per message (the figure that does
not depend on what else the machine runs) and the memory figures, which must stay flat as the
mailbox grows. Target: >= 200 messages/s on SQLite.
"""

from __future__ import annotations

import argparse
import imaplib
import multiprocessing
import resource
import secrets
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rota import create_app  # noqa: E402
from rota.contacts.mail.poll import poll_mailbox  # noqa: E402
from rota.extensions import db  # noqa: E402
from rota.members.models import Role  # noqa: E402
from rota.members.people import save_person  # noqa: E402
from rota.members.service import save_organisation  # noqa: E402
from rota.outbox.models import OutboxMessage, OutboxStatus  # noqa: E402
from rota.schedule.hours.patterns import add_slot, save_pattern  # noqa: E402
from rota.schedule.models import Shift  # noqa: E402

NOW = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
BATCH = 200
WORDS = [
    "hei",
    "minulla",
    "on",
    "kysymys",
    "opiskelusta",
    "ja",
    "haluaisin",
    "tietää",
    "miten",
    "haen",
    "kouluun",
]


def message(n: int) -> bytes:
    """A realistic client e-mail of 1-4 kB; every fifth one has an HTML part."""
    msg = EmailMessage()
    msg["From"] = f"Asiakas {n} <asiakas{n}@example.fi>"
    msg["To"] = "neuvonta@ohjaamo.example"
    msg["Subject"] = f"Kysymys {n}: {' '.join(WORDS[n % 5 : n % 5 + 4])}"
    msg["Date"] = format_datetime(NOW - timedelta(seconds=n))
    msg["Message-ID"] = f"<bench{n}@example.fi>"
    text = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(150 + n % 400)) + "\n"
    msg.set_content(text)
    if n % 5 == 0:
        msg.add_alternative(f"<p>{text}</p><script>alert(1)</script>", subtype="html")
    return msg.as_bytes()


def fill(server, size: int) -> tuple[str, str]:
    """A fresh account holding `size` messages; (user, password)."""
    user, password = f"bench{size}-{secrets.token_hex(3)}", secrets.token_hex(8)
    server.create_user(user, password)
    server.append_many(user, [message(n) for n in range(1, size + 1)])
    return user, password


def fetch_only(server, user: str, password: str) -> tuple[int, float]:
    """The reference: fetch every message's bytes with imaplib alone; (count, seconds)."""
    started, fetched = time.perf_counter(), 0
    conn = imaplib.IMAP4(server.host, server.port)
    conn.login(user, password)
    conn.select("INBOX", readonly=True)
    uidnext = int(conn.response("UIDNEXT")[1][0])
    for first in range(1, uidnext, BATCH):
        _typ, data = conn.uid("FETCH", f"{first}:{first + BATCH - 1}", "(UID BODY.PEEK[])")
        fetched += sum(1 for part in data if isinstance(part, tuple))
    conn.logout()
    return fetched, time.perf_counter() - started


def on_duty() -> None:
    """A counsellor on duty for e-mail at NOW and service hours: every new contact is routed
    to the counsellor (a notice each) and every acknowledgement lists the opening hours."""
    organisation = save_organisation(
        db.session, None, "FI", name="Ohjaamo", short_name="OHJ", colour="#123456"
    )
    counsellor = save_person(
        db.session,
        None,
        actor=None,
        organisation=organisation,
        name="Ohjaaja",
        email="ohjaaja@example.fi",
        languages=["fi", "sv"],
        role=Role.COUNSELLOR,
        password_hash="-",  # nobody signs in: no slow hashing in the figures
    )
    starts_at = NOW - timedelta(hours=2)
    db.session.add(
        Shift(
            slot_key="bench/email",
            channel="email",
            local_day=NOW.date(),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=8),
            organisation=organisation,
            counsellor=counsellor,
        )
    )
    pattern = save_pattern(
        db.session, None, name="Kevät", valid_from=date(2026, 1, 1), valid_until=None
    )
    for weekday in range(5):
        add_slot(
            db.session,
            pattern,
            weekday=weekday,
            start_time=time_of_day(9),
            end_time=time_of_day(17),
            channel="email",
            language=None,
        )
    db.session.commit()


def resident_mib() -> float:
    """This process's resident set now (Linux), in MiB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1048576


SENT_BY_KIND = (
    select(OutboxMessage.kind, func.count())
    .where(OutboxMessage.status == OutboxStatus.SENT)
    .group_by(OutboxMessage.kind)
)


def ingest(host: str, port: int, user: str, password: str, traced: bool) -> dict:
    """Run the real ingest on an empty SQLite database (in a child process); its figures."""
    folder = tempfile.mkdtemp(prefix="rota-bench-")
    config = {
        "SECRET_KEY": "bench",
        "TESTING": True,  # Flask-Mail then records instead of sending the acknowledgements
        "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "IMAP_HOST": host,
        "IMAP_PORT": port,
        "IMAP_SECURITY": "none",
        "IMAP_USER": user,
        "IMAP_PASSWORD": password,
        "IMAP_BATCH": BATCH,
        "RING_EMAIL": "neuvonta@ohjaamo.example",
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
        on_duty()
        if traced:
            tracemalloc.start()
        resident = resident_mib()
        started, cpu = time.perf_counter(), time.process_time()
        report = poll_mailbox(db.session, app.config, NOW)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        tracemalloc.stop()
        sent = dict(db.session.execute(SENT_BY_KIND).all())
        db.session.remove()
        db.engine.dispose()
    assert report.error == "" and report.new_contacts == report.fetched, report
    assert sent == {"acknowledgement": report.fetched, "contact_notification": report.fetched}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"count": report.fetched, "seconds": seconds, "cpu": cpu, "peak": peak, "rss": rss}
    figures["growth"] = rss - resident
    return figures | {"report": report, "sent": sent}


HEADER = (
    f"{'messages':>8} {'fetch-only/s':>13} {'ingest/s':>9} {'fetch/ingest':>13} "
    f"{'CPU ms/msg':>11} {'max RSS MiB':>12} {'ingest grew MiB':>16} {'traced peak MiB':>16}"
)


def in_child(*args) -> dict:
    """ingest(*args) in a fresh forked process: its memory figures are its own."""
    with multiprocessing.get_context("fork").Pool(1) as pool:
        return pool.apply(ingest, args)


def measure(server, size: int, traced: bool) -> dict:
    """One mailbox size: fill, fetch alone, ingest (and ingest traced), print one row."""
    user, password = fill(server, size)
    fetched, fetch_seconds = fetch_only(server, user, password)
    timed = in_child(server.host, server.port, user, password, False)
    peak = "-"
    if traced:  # a fresh database reads the same messages again
        peak = f"{in_child(server.host, server.port, user, password, True)['peak'] / 1048576:.1f}"
    fetch_rate, rate = fetched / fetch_seconds, timed["count"] / timed["seconds"]
    print(
        f"{size:>8} {fetch_rate:>13.0f} {rate:>9.0f} {fetch_rate / rate:>12.0f}x "
        f"{timed['cpu'] * 1000 / timed['count']:>11.2f} {timed['rss']:>12.0f} "
        f"{timed['growth']:>16.1f} {peak:>16}",
        flush=True,
    )
    return timed


def main() -> None:
    """Fill, fetch, ingest and print the figures for each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2500,5000")
    parser.add_argument("--traced", action="store_true", help="also the tracemalloc peak (slow)")
    parser.add_argument("--quick", action="store_true", help="sizes 200,400: to see that it runs")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.sizes = "200,400"
    # the Dovecot fixture comes with the test extra (aiosmtpd): not needed for --help
    from tests.support.mailservers import DovecotServer

    server = DovecotServer()
    server.start()
    try:
        print(HEADER)
        for size in [int(size) for size in arguments.sizes.split(",")]:
            timed = measure(server, size, arguments.traced)
        print(f"last ingest: {timed['report'].summary()}")
        print(f"mail it sent (in the ingest's time): {timed['sent']}")
        print("fetch/ingest = how many times faster imaplib alone fetched the same messages")
        print("max RSS = the ingest child's largest resident set (it starts as a copy of this")
        print("  process, which grows as it fills larger mailboxes); ingest grew = max RSS minus")
        print("  the child's resident set when the ingest started: flat means no growth")
        print("target: >= 200 messages/s ingest on SQLite, memory flat as the mailbox grows")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
