"""Shared-mailbox ingest from a real Dovecot: messages/s and peak memory, against plain fetching.

    .venv/bin/python benchmarks/mail_ingest.py [--sizes 1000,2500,5000] [--traced]

For each mailbox size it fills a fresh Dovecot account, then
  * fetches every message with imaplib alone (UID FETCH BODY.PEEK[] in the same windows) — the
    in-run reference: the rate the IMAP server and imaplib allow;
  * runs the real ingest (poll_mailbox: fetch, store raw, commit, parse, dedupe, thread, route,
    queue an acknowledgement, flag on the server, and hand the queued mail to Flask-Mail, which
    records it under TESTING) on an empty SQLite database, in a fresh child process, so that the
    child's max RSS is this size's own;
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
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rota import create_app  # noqa: E402
from rota.contacts.mailbox import poll_mailbox  # noqa: E402
from rota.extensions import db  # noqa: E402
from tests.support.mailservers import DovecotServer  # noqa: E402

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


def fill(server: DovecotServer, size: int) -> tuple[str, str]:
    """A fresh account holding `size` messages; (user, password)."""
    user, password = f"bench{size}-{secrets.token_hex(3)}", secrets.token_hex(8)
    server.create_user(user, password)
    server.append_many(user, [message(n) for n in range(1, size + 1)])
    return user, password


def fetch_only(server: DovecotServer, user: str, password: str) -> tuple[int, float]:
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
        if traced:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        report = poll_mailbox(db.session, app.config, NOW)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        tracemalloc.stop()
        db.session.remove()
        db.engine.dispose()
    assert report.error == "" and report.new_contacts == report.fetched, report
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"count": report.fetched, "seconds": seconds, "cpu": cpu, "peak": peak, "rss": rss} | {
        "report": report
    }


HEADER = (
    f"{'messages':>8} {'fetch-only/s':>13} {'ingest/s':>9} {'fetch/ingest':>13} "
    f"{'CPU ms/msg':>11} {'max RSS MiB':>12} {'traced peak MiB':>16}"
)


def in_child(*args) -> dict:
    """ingest(*args) in a fresh forked process: its memory figures are its own."""
    with multiprocessing.get_context("fork").Pool(1) as pool:
        return pool.apply(ingest, args)


def measure(server: DovecotServer, size: int, traced: bool) -> dict:
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
        f"{timed['cpu'] * 1000 / timed['count']:>11.2f} {timed['rss']:>12.0f} {peak:>16}",
        flush=True,
    )
    return timed


def main() -> None:
    """Fill, fetch, ingest and print the figures for each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2500,5000")
    parser.add_argument("--traced", action="store_true", help="also the tracemalloc peak (slow)")
    arguments = parser.parse_args()
    server = DovecotServer()
    server.start()
    try:
        print(HEADER)
        for size in [int(size) for size in arguments.sizes.split(",")]:
            timed = measure(server, size, arguments.traced)
        print(f"last ingest: {timed['report'].summary()}")
        print("fetch/ingest = how many times faster imaplib alone fetched the same messages")
        print("max RSS = the ingest child's largest resident set: flat means no growth")
        print("target: >= 200 messages/s ingest on SQLite, memory flat as the mailbox grows")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
