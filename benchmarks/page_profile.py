"""CPU time of the pages people wait on, rendered in-process: where a page's time goes.

Run: .venv/bin/python benchmarks/page_profile.py [--contacts 10000] [--rounds 200]
     [--page queue] [--profile] [--top 40] [--sqlite] [--quick]

Fills a database as benchmarks/load.py does (its functions: the ring, four months of shifts, a
thread of 30 e-mails, --contacts open contacts) on a new PostgreSQL database (dropped
afterwards; --sqlite: a temporary file), with the settings load.py's gunicorn runs under (no
debug, no testing, CSRF on), signs in the counsellor and the coordinator through the login
form, and gets each page --rounds times through the Flask test client, each request in its own
app context as on a server. Prints the CPU time (user + system of this process) per request of
each page, and of /healthz (the in-run reference: the app's per-request hooks without a page):
the least of five batches, as others' load on a shared machine slows even CPU time a little
(wall time much more). Beside it, wall and SQL time (the cursor calls). With --profile, a
cProfile of the rounds of each page (in wall time: waits on the database show as psycopg's
`wait`): the functions with the most time of their own, then with what they call.

load.py's gunicorn run serves 16 connections with 2 workers, so a request waits behind about 7
others: the pages' p95 < 50 ms needs about 5–6 ms of CPU a page.
"""

import argparse
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import add_contacts, app_config, data_arguments, fill_first, paths  # noqa: E402
from sqlalchemy import event  # noqa: E402

from rota import create_app, hot  # noqa: E402
from rota.extensions import db  # noqa: E402
from tests import factories  # noqa: E402
from tests.support.databases import create_postgres_database  # noqa: E402

CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
BATCHES = 5  # of a page's requests, each timed on its own
PAGES = ("/healthz", "queue", "front", "contact page")  # the reference first, then the pages


def signed_in(app, email: str):
    """A test client signed in through the login form, CSRF token and all."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    form = {"csrf_token": CSRF_FIELD.search(page)[1], "email": email}
    response = client.post("/login", data={**form, "password": factories.PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def chosen(world: dict, wanted: str | None) -> dict[str, tuple]:
    """name -> (path, who) of the reference and the pages, those whose name has `wanted`."""
    return {
        name: (path, who)
        for name, (path, who, _headers) in paths(world).items()
        if name.startswith(PAGES) and (wanted is None or wanted in name or who is None)
    }


@contextmanager
def timing_sql(engine):
    """Wall seconds spent in the database's cursor calls while the block runs (a list that
    holds one sum when it ends)."""
    spent, began = [0.0], []

    def before(*_args):
        began.append(time.perf_counter())

    def after(*_args):
        spent[0] += time.perf_counter() - began.pop()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def per_request(client, path: str, rounds: int, profile: cProfile.Profile | None) -> dict:
    """CPU, wall and SQL milliseconds per request over `rounds` requests (after two to warm
    up), in BATCHES: CPU is the least a request took in any batch (on a shared machine the
    others' load slows a process down even in CPU time; the least disturbed batch repeats
    best), wall and SQL the mean (SQL: the cursor calls, the database's work and the round
    trip)."""
    for _ in range(2):
        assert client.get(path).status_code == 200, path
    with client.application.app_context():
        engine = db.engine
    batch, cpu = max(1, rounds // BATCHES), []
    with timing_sql(engine) as sql:
        wall = time.perf_counter()
        if profile:
            profile.enable()
        for _ in range(BATCHES):
            started = time.process_time()
            for _ in range(batch):
                client.get(path)
            cpu.append(time.process_time() - started)
        if profile:
            profile.disable()
        wall = time.perf_counter() - wall
    done = batch * BATCHES
    return {"cpu": min(cpu) * 1000 / batch, "wall": wall * 1000 / done, "sql": sql[0] * 1000 / done}


def owner(filename: str) -> str:
    """Who a profiled function belongs to: an installed package, a template, rota's module
    or Python's own."""
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0].removesuffix(".py")
    if filename.endswith(".html"):
        return "templates"
    if f"{os.sep}rota{os.sep}" in filename:
        return "rota." + Path(filename).stem
    return "python"


def report_profile(name: str, profile: cProfile.Profile, rounds: int, top: int) -> None:
    print(f"\n--- {name}: cProfile of {rounds} requests ---")
    stats = pstats.Stats(profile, stream=sys.stdout)
    shares: dict[str, float] = {}
    for (filename, _line, _function), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        shares[owner(filename)] = shares.get(owner(filename), 0.0) + own
    print("time of their own by package, ms a request:")
    for package, own in sorted(shares.items(), key=lambda item: -item[1])[:15]:
        print(f"  {package:24} {own * 1000 / rounds:7.2f}")
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def measure(url: str, args) -> None:
    """Fill the database at `url`, then time (and profile) each page on it."""
    app = create_app({**app_config(url), "WTF_CSRF_ENABLED": True})
    now = datetime.now(UTC)
    with app.app_context():
        started = time.perf_counter()
        world = fill_first(now)
        add_contacts(world, args.contacts, now)
        emails = world["emails"]
        print(f"filled in {time.perf_counter() - started:.1f} s", flush=True)
        db.session.remove()
    clients = {None: app.test_client()}
    clients.update({who: signed_in(app, email) for who, email in emails.items()})
    print(
        f"\n{'page':28} {'CPU ms':>7} {'wall ms':>7} {'SQL ms':>7}  ({args.rounds} requests each)"
    )
    for name, (path, who) in chosen(world, args.page).items():
        profile = cProfile.Profile() if args.profile and who else None
        ms = per_request(clients[who], path, args.rounds, profile)
        print(f"{name:28} {ms['cpu']:7.2f} {ms['wall']:7.2f} {ms['sql']:7.2f}", flush=True)
        if profile:
            report_profile(name, profile, args.rounds, args.top)
    with app.app_context():
        db.engine.dispose()
    hot.cache(app).close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data_arguments(parser)
    parser.add_argument("--rounds", type=int, default=200, help="requests of each page")
    parser.add_argument("--page", help="only the pages whose name has this (e.g. queue)")
    parser.add_argument("--profile", action="store_true", help="a cProfile of each page")
    parser.add_argument("--top", type=int, default=40, help="functions a profile lists")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument(
        "--quick", action="store_true", help="1 000 contacts, 20 requests a page: to see it runs"
    )
    args = parser.parse_args()
    if args.quick:
        args.contacts, args.rounds = 1_000, 20
    if args.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            measure(f"sqlite:///{Path(folder) / 'pages.sqlite3'}", args)
        return
    url, drop = create_postgres_database(args.postgres_url, prefix="rota_pages")
    try:
        measure(url, args)
    finally:
        drop()


if __name__ == "__main__":
    main()
