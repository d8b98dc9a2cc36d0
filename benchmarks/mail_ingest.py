"""Shared-mailbox ingest from a real Dovecot: messages/s and peak memory, against plain fetching.

    .venv/bin/python benchmarks/mail_ingest.py [--sizes 1000,2500,5000] [--db sqlite|URL]

For each mailbox size it fills a fresh Dovecot account, then
  * fetches every message with imaplib alone (UID FETCH BODY.PEEK[] in the same windows) — the
    in-run reference: the rate the IMAP server and imaplib allow;
  * runs the real ingest (poll_mailbox: fetch, store raw, commit, parse, thread, route, queue an
    acknowledgement, flag on the server) on an empty SQLite database;
and prints both rates, their ratio, and the ingest's peak traced Python memory (tracemalloc, in
a second run) — which must stay flat as the mailbox grows. Target: >= 200 messages/s on SQLite.
"""

from __future__ import annotations

import argparse
import imaplib
import os
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


def ingest(server: DovecotServer, user: str, password: str, traced: bool) -> dict:
    """Run the real ingest on an empty SQLite database; its figures."""
    folder = tempfile.mkdtemp(prefix="rota-bench-")
    config = {
        "SECRET_KEY": "bench",
        "TESTING": True,  # Flask-Mail then records instead of sending the acknowledgements
        "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "IMAP_HOST": server.host,
        "IMAP_PORT": server.port,
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
        started = time.perf_counter()
        report = poll_mailbox(db.session, app.config, NOW)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        tracemalloc.stop()
        db.session.remove()
        db.engine.dispose()
    assert report.error == "" and report.new_contacts == report.fetched, report
    return {"count": report.fetched, "seconds": seconds, "peak": peak, "report": report}


def main() -> None:
    """Fill, fetch, ingest and print the figures for each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2500,5000")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    server = DovecotServer()
    server.start()
    try:
        print(
            f"{'messages':>8} {'fetch-only/s':>13} {'ingest/s':>9} {'fetch/ingest':>13} {'peak MiB':>9}"
        )
        for size in sizes:
            user, password = fill(server, size)
            fetched, fetch_seconds = fetch_only(server, user, password)
            timed = ingest(server, user, password, traced=False)
            user, password = fill(server, size)
            traced = ingest(server, user, password, traced=True)
            fetch_rate = fetched / fetch_seconds
            rate = timed["count"] / timed["seconds"]
            print(
                f"{size:>8} {fetch_rate:>13.0f} {rate:>9.0f} {fetch_rate / rate:>12.0f}x "
                f"{traced['peak'] / 1048576:>9.1f}"
            )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"last ingest: {timed['report'].summary()}")
        print(f"process max RSS over the whole run: {rss:.0f} MiB (pid {os.getpid()})")
        print("fetch/ingest = how many times faster imaplib alone fetched them; target >= 200/s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
