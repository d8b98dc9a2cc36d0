"""Load test of the paths people and phone systems wait on, under gunicorn, against a
hello-world Flask app under the identical gunicorn command (the floor), in the same run.

Run: .venv/bin/python benchmarks/load.py [--contacts 10000] [--duration 10] [--connections 16]
     [--workers 2] [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]
     [--no-postgres | --no-sqlite] [--quick]

On PostgreSQL (a new database on the server named, dropped afterwards) and on SQLite (a
temporary file), each in turn:
  * fills a ring through the migrations: two organisations and their people, four months of
    shifts (some counsellors away), an API token of the phone system, a calendar token, and
    first 100 open contacts (one of them a thread of 30 e-mails with attachments);
  * counts the SQL statements of every page and endpoint below (an event listener on the
    engine, through the Flask test client), with the worker's hot answers kept and forgotten
    (rota.hot), then adds contacts up to --contacts open ones (queues of a counsellor, of
    organisations and of the ring, calls to return) and counts again: the counts must not grow;
  * on PostgreSQL, prints EXPLAIN of each statement of the on-duty API (as computed when the
    worker's hot answer, rota.hot, is not kept) and the queue page;
  * starts `gunicorn --config python:rota.ops.gunicorn_conf --workers N` on the app, and then
    on the floor, and runs wrk (from Debian's packages; installed with apt-get if missing)
    for --duration seconds at --connections connections against each path: requests/s,
    p50/p95/p99 latency and the ratio of requests/s to the floor's;
  * runs each page (the queue, front and contact pages) a second time at as many connections
    as workers (one person per worker, no queueing): there p50/p95/p99 are the time a person
    waits on a server that is not saturated; at --connections, most of the latency is waiting
    for a worker (p95 ≈ connections / workers × the time a request takes);
  * prints the workers' CPU time per request (user + system, from /proc: on a machine others
    share, the figure that does not depend on their load) and each worker's resident memory (RSS) after the run, beside the floor's.
Targets (PostgreSQL, 16 connections): on-duty ≥ 70 % of the floor's requests/s and p99 under
10 ms; the 304 feed poll ≥ 50 % of the floor; at 10 000 open contacts the queue pages, the
front page and the contact page p95 under 50 ms, the queue page under 300 KB.
"""

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from batches import insert_in_batches  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from rota import create_app, hot  # noqa: E402
from rota.auth import tokens  # noqa: E402
from rota.contacts.models import (  # noqa: E402
    Attachment,
    Call,
    CallOutcome,
    Contact,
    ContactStatus,
    Message,
    MessageDirection,
)
from rota.extensions import db  # noqa: E402
from rota.schedule.models import Absence, Channel, Shift, ShiftStatus  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import RequestClient  # noqa: E402
from tests.support.databases import create_postgres_database  # noqa: E402
from tests.support.statements import counting  # noqa: E402

HELSINKI = ZoneInfo("Europe/Helsinki")
SECRET_KEY = "load-benchmark"
FIRST_CONTACTS = 100
THREAD = 30  # e-mails on the contact page's contact
ATTACHMENT_BYTES = 256 * 1024
BATCH = 5_000
FLOOR_APP = """\
from flask import Flask

app = Flask(__name__)
app.config.update(LOG_FORMAT="text", LOG_LEVEL="WARNING")  # read by rota's gunicorn settings


@app.get("/")
def hello():
    return "Hello, world!"
"""
WRK_SCRIPT = """\
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %f %f %d %d\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    summary.requests))
end
"""


# --- the data ---------------------------------------------------------------------------------


def _insert(model, rows) -> None:
    insert_in_batches(db.session, model, rows, BATCH)


def _shifts(ring, now: datetime):
    """Every three hours 09–21 on phone and chat from 30 days ago to 90 days ahead, by turns
    of the two organisations, every other one with a counsellor named."""
    today = now.astimezone(HELSINKI).date()
    n = 0
    for offset in range(-30, 91):
        day = today + timedelta(days=offset)
        for hour in (9, 12, 15, 18):
            for channel in (Channel.PHONE, Channel.CHAT):
                n += 1
                local = datetime(day.year, day.month, day.day, hour, tzinfo=HELSINKI)
                org = ring.org_a if n % 2 else ring.org_b
                person = (ring.anna if n % 4 == 1 else ring.bert) if n % 2 else None
                yield {
                    "slot_key": f"{day}/{channel}/{hour:02}:00",
                    "channel": channel,
                    "local_day": day,
                    "starts_at": local.astimezone(UTC),
                    "ends_at": (local + timedelta(hours=3)).astimezone(UTC),
                    "organisation_id": org.id,
                    "counsellor_id": person.id if person else None,
                    "status": ShiftStatus.PLANNED,
                }


def _contacts(ring, start: int, count: int, now: datetime):
    """Open contacts spread over the queues: Anna's own, Org A's, Org B's, Bert's, the ring's."""
    for n in range(start, start + count):
        owner, org = [
            (ring.anna, ring.org_a),
            (None, ring.org_a),
            (None, ring.org_b),
            (ring.bert, ring.org_b),
            (None, None),
        ][n % 5]
        yield {
            "channel": "email",
            "status": ContactStatus.OPEN if owner else ContactStatus.NEW,
            "subject": f"Kysymys opiskelusta {n}",
            "client_email": f"asiakas{n}@example.fi",
            "reference": f"R-{n + 1000}",
            "owner_id": owner.id if owner else None,
            "organisation_id": org.id if org else None,
            "received_at": now - timedelta(minutes=n),
            "updated_at": now,
        }


def _add_contacts(ring, start: int, count: int, now: datetime) -> None:
    _insert(Contact, _contacts(ring, start, count, now))
    ids = db.session.scalars(
        text("SELECT id FROM contacts WHERE reference >= :low ORDER BY id"),
        {"low": f"R-{start + 1000}"},
    ).all()
    calls = [
        {
            "contact_id": contact_id,
            "caller": "+358401112233",
            "started_at": now - timedelta(minutes=i),
            "outcome": CallOutcome.MISSED,
            "callback_needed": True,
        }
        for i, contact_id in enumerate(ids[::20])
    ]
    _insert(Call, calls)


def _thread(ring, now: datetime) -> int:
    """Anna's contact with THREAD e-mails, each with an attachment: the contact page's."""
    contact = factories.contact("Pitkä keskustelu", owner=ring.anna, status=ContactStatus.OPEN)
    for n in range(THREAD):
        direction = MessageDirection.IN if n % 2 == 0 else MessageDirection.OUT
        message = Message(
            contact_id=contact.id,
            direction=direction,
            from_addr="asiakas@example.fi",
            subject="Re: Pitkä keskustelu",
            body_text="Hei, kiitos vastauksesta. " * 20,
            created_at=now - timedelta(hours=THREAD - n),
        )
        db.session.add(message)
        db.session.flush()
        db.session.add(
            Attachment(
                message_id=message.id,
                filename=f"liite{n}.pdf",
                content_type="application/pdf",
                size=ATTACHMENT_BYTES,
                data=os.urandom(ATTACHMENT_BYTES),
            )
        )
    db.session.commit()
    return contact.id


def fill_first(now: datetime) -> dict:
    """The schema, the ring, its shifts and absences, the tokens, the first contacts."""
    upgrade()
    ring = factories.ring()
    _insert(Shift, _shifts(ring, now))
    absences = [
        {
            "user_id": ring.bert.id,
            "starts_at": now + timedelta(days=d),
            "ends_at": now + timedelta(days=d, hours=6),
        }
        for d in range(-20, 80, 7)
    ]
    _insert(Absence, absences)
    _token, phone = tokens.create_token(
        db.session, name="PBX", scopes=["on-duty:read", "telephony:write"], organisation=ring.org_a
    )
    _token, calendar = tokens.create_token(
        db.session, name="Calendar", scopes=["feeds:read"], user=ring.anna
    )
    db.session.commit()
    thread = _thread(ring, now)
    _add_contacts(ring, 0, FIRST_CONTACTS - 1, now)
    # read while loading: the ring's rows are detached once the statement counts have run
    emails = {who: getattr(ring, who).email for who in ("anna", "coordinator")}
    world = {"ring": ring, "emails": emails, "anna_id": ring.anna.id, "phone": phone}
    return {**world, "calendar": calendar, "thread": thread}


def add_contacts(world: dict, contacts: int, now: datetime) -> None:
    """Open contacts up to `contacts` after fill_first's, then fresh statistics on PostgreSQL
    (what autovacuum does after a bulk load)."""
    _add_contacts(world["ring"], FIRST_CONTACTS, contacts - FIRST_CONTACTS, now)
    if db.engine.dialect.name == "postgresql":  # committed: a rolled-back ANALYZE keeps nothing
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def app_config(url: str) -> dict:
    """The app's settings for a benchmark on the database at `url`: production's defaults,
    served on 127.0.0.1 over plain HTTP, sign-in throttles out of the way, CSRF off for the
    test client (the gunicorn server keeps it on)."""
    return {
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "BASE_URL": "http://127.0.0.1",
        "TRUSTED_HOSTS": ["127.0.0.1", "localhost"],
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "WTF_CSRF_ENABLED": False,
        "SIGN_IN_MAX_PER_CLIENT": 10_000,
        "SIGN_IN_MAX_PER_ACCOUNT": 10_000,
    }


# --- what is measured -------------------------------------------------------------------------


def paths(world: dict) -> dict[str, tuple[str, str | None, dict]]:
    """name -> (path, who is signed in, extra headers)."""
    bearer = {"Authorization": f"Bearer {world['phone']}"}
    return {
        "on-duty API": ("/api/v1/on-duty?channel=phone", None, bearer),
        "/healthz": ("/healthz", None, {}),
        "feed poll 304": (f"/feeds/{world['calendar']}/people/{world['anna_id']}.ics", None, {}),
        "queue, counsellor": ("/contacts", "anna", {}),
        "queue, coordinator": ("/contacts", "coordinator", {}),
        "front, counsellor": ("/", "anna", {}),
        "front, coordinator": ("/", "coordinator", {}),
        f"contact page ({THREAD} mails)": (f"/contacts/{world['thread']}", "anna", {}),
    }


def _person(world, who):
    return world["emails"][who]


def statement_counts(app, world: dict, explain: bool) -> dict[str, str]:
    """Statements each path runs (second request: a sign-in's and a token's first use write),
    as "kept/afresh": with the worker's hot answers (rota.hot) and with them forgotten; with
    `explain` (PostgreSQL), EXPLAIN of the on-duty and queue statements afresh is printed."""
    counts = {}
    clients = {}
    app.test_client_class = RequestClient  # each request in its own app context and session
    for name, (path, who, headers) in paths(world).items():
        if who not in clients:
            clients[who] = app.test_client()
            if who:
                response = clients[who].post(
                    "/login", data={"email": _person(world, who), "password": factories.PASSWORD}
                )
                assert response.status_code == 302, response.status_code
        client = clients[who]
        headers = {**headers, **_etag_header(client, path, name)}
        client.get(path, headers=headers)
        with counting(db.engine) as tally:
            response = client.get(path, headers=headers)
        assert response.status_code in (200, 304), (name, response.status_code)
        afresh = _cold(app, client, path, headers)
        counts[name] = f"{len(tally.statements)}/{len(afresh.statements)}"
        if explain and name in ("on-duty API", "queue, counsellor"):
            _explain(name, afresh)
    return counts


def _cold(app, client, path, headers):
    """The statements of a path whose answer the worker kept (rota.hot), asked afresh."""
    hot.cache(app).clear()
    with counting(db.engine) as tally:
        client.get(path, headers=headers)
    return tally


def _etag_header(client, path, name) -> dict:
    if "304" not in name:
        return {}
    return {"If-None-Match": client.get(path).headers["ETag"]}


def _explain(name: str, tally) -> None:
    print(f"\nEXPLAIN of the statements of {name}:")
    with db.engine.connect() as conn:
        for sql, parameters in zip(tally.statements, tally.parameters, strict=True):
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            print("  " + " ".join(sql.split())[:160] + " …")
            plan = conn.exec_driver_sql("EXPLAIN " + sql, parameters).scalars().all()
            for line in plan:
                print("      " + line)


# --- servers and wrk --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk() -> str:
    """wrk from Debian's packages, installed if missing."""
    if shutil.which("wrk") is None:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        print("installing wrk: apt-get install wrk", flush=True)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL
        )
    return shutil.which("wrk")


@contextmanager
def gunicorn(app_spec: str, workers: int, env: dict, pythonpath: str | None = None):
    """`gunicorn --config python:rota.ops.gunicorn_conf --workers N APP` on a free port: the
    same command for the app and the floor. Yields (base URL, master pid)."""
    port = _free_port()
    env = {
        **os.environ,
        **env,
        "ROTA_WEB_BIND": f"127.0.0.1:{port}",
        "ROTA_WEB_WORKERS": str(workers),
    }
    # this checkout's rota (and the floor's module), whatever the environment has installed
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, str(CHECKOUT)]))
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:rota.ops.gunicorn_conf",
        app_spec,
    ]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, env=env, cwd="/", stdout=log, stderr=log)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, server, log)
            yield base, server.pid
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_until_up(base: str, server, log) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if server.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"gunicorn ended: {log.read().decode()[-2000:]}") from None
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer in 30 s")


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory of each worker of a gunicorn master, in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024)
    return sizes


def sign_in(base: str, email: str) -> str:
    """A Cookie header for a person signed in through the real login form (CSRF included)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    form = urllib.parse.urlencode(
        {"csrf_token": csrf, "email": email, "password": factories.PASSWORD}
    )
    opener.open(base + "/login", data=form.encode())
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def fetch(base: str, path: str, headers: dict) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def workers_cpu_seconds(master: int) -> float:
    """User and system CPU time the workers of a gunicorn master have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def measure(wrk_bin, script, url, headers, args, master, connections=None) -> dict:
    """A warm-up second, then the wrk run (at --connections unless `connections` is given),
    with the workers' CPU time per request: the figure that holds on a machine others share
    (requests/s and latency do not)."""
    connections = connections or args.connections
    wrk(wrk_bin, script, url, headers, 1, connections)
    before = workers_cpu_seconds(master)
    figures = wrk(wrk_bin, script, url, headers, args.duration, connections)
    used = workers_cpu_seconds(master) - before
    figures["cpu_ms"] = used * 1000 / figures["requests"] if figures["requests"] else 0.0
    return figures


def wrk(wrk_bin: str, script: str, url: str, headers: dict, seconds: int, connections: int) -> dict:
    """requests/s, p50/p95/p99 in ms, errors (non-2xx/3xx, socket) and requests of a wrk run."""
    command = [
        wrk_bin,
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        script,
    ]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    found = re.search(r"RESULT (\S+) (\S+) (\S+) (\S+) (\d+) (\d+)", output)
    rps, p50, p95, p99, errors, requests = found.groups()
    return {
        "rps": float(rps),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(errors),
        "requests": int(requests),
    }


# --- one database -----------------------------------------------------------------------------


def run_backend(url: str, args, wrk_bin: str, script: str, folder: str) -> None:
    dialect = make_url(url).get_backend_name()
    print(
        f"\n=== {dialect}: {args.contacts} open contacts, {args.connections} connections, "
        f"{args.duration} s a path, gunicorn --workers {args.workers} ===",
        flush=True,
    )
    config = app_config(url)
    app = create_app(config)
    now = datetime.now(UTC)
    with app.app_context():
        started = time.perf_counter()
        world = fill_first(now)
        small = statement_counts(app, world, explain=False)
        add_contacts(world, args.contacts, now)
        print(f"filled in {time.perf_counter() - started:.1f} s", flush=True)
        large = statement_counts(app, world, explain=dialect == "postgresql")
        db.session.remove()
        db.engine.dispose()
    hot.cache(app).close()
    env = {
        f"ROTA_{key}": _env_value(value)
        for key, value in config.items()
        if key != "WTF_CSRF_ENABLED"
    }
    env["ROTA_LOG_LEVEL"] = "WARNING"
    floor_dir = Path(folder) / "floor"
    floor_dir.mkdir(exist_ok=True)
    (floor_dir / "bench_floor.py").write_text(FLOOR_APP)
    results = {}
    with gunicorn("bench_floor:app", args.workers, env, pythonpath=str(floor_dir)) as (
        base,
        master,
    ):
        results["floor (hello world)"] = measure(wrk_bin, script, base + "/", {}, args, master)
        floor_rss = worker_rss_mb(master)
    sizes, unqueued = {}, {}
    with gunicorn("rota:create_app()", args.workers, env) as (base, master):
        cookies = {who: sign_in(base, _person(world, who)) for who in ("anna", "coordinator")}
        for name, (path, who, headers) in paths(world).items():
            headers = dict(headers)
            if who:
                headers["Cookie"] = cookies[who]
            status, body, answer = fetch(base, path, headers)
            if "304" in name:
                headers["If-None-Match"] = answer["ETag"]
                status, body, answer = fetch(base, path, headers)
            assert status in (200, 304), (name, status)
            sizes[name] = len(body)
            results[name] = measure(wrk_bin, script, base + path, headers, args, master)
            if who:  # a page: again with one person per worker
                url = base + path
                unqueued[name] = measure(wrk_bin, script, url, headers, args, master, args.workers)
        app_rss = worker_rss_mb(master)
    _report(results, small, large, sizes, floor_rss, app_rss, args)
    _report_unqueued(unqueued, args.workers)


def _env_value(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _report(results, small, large, sizes, floor_rss, app_rss, args) -> None:
    floor, contacts = results["floor (hello world)"]["rps"], args.contacts
    print(
        f"\nat {args.connections} connections (more people than workers: latency is mostly queueing)"
    )
    print(
        f"{'path':28} {'req/s':>8} {'× floor':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'CPU ms':>7} {'errors':>6} {'body KB':>8} {'SQL @100':>8} {'@' + str(contacts):>8}"
    )
    for name, figures in results.items():
        print(
            f"{name:28} {figures['rps']:8.0f} {figures['rps'] / floor:8.2f} {figures['p50']:7.2f} "
            f"{figures['p95']:7.2f} {figures['p99']:7.2f} {figures['cpu_ms']:7.2f} {figures['errors']:6} "
            f"{sizes.get(name, 0) / 1024:8.1f} {small.get(name, ''):>8} {large.get(name, ''):>8}"
        )
    print(
        f"worker RSS after the run: app {', '.join(f'{mb:.0f}' for mb in app_rss)} MB; "
        f"floor {', '.join(f'{mb:.0f}' for mb in floor_rss)} MB"
    )
    grew = [name for name in small if small[name] != large[name]]
    print(
        "SQL statements (kept answers/afresh): "
        + (f"GREW for {', '.join(grew)}" if grew else "the same at both sizes")
    )


def _report_unqueued(unqueued, workers) -> None:
    """The pages at as many connections as workers: the wait of a person on a server that is
    not saturated."""
    print(f"\nthe pages at {workers} connections (one person per worker: no queueing)")
    print(
        f"{'path':28} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'CPU ms':>7} {'errors':>6}"
    )
    for name, figures in unqueued.items():
        print(
            f"{name:28} {figures['rps']:8.0f} {figures['p50']:7.2f} {figures['p95']:7.2f} "
            f"{figures['p99']:7.2f} {figures['cpu_ms']:7.2f} {figures['errors']:6}"
        )


def data_arguments(parser: argparse.ArgumentParser) -> None:
    """--contacts and --postgres-url, of this benchmark and of page_profile.py."""
    parser.add_argument("--contacts", type=int, default=10_000, help="open contacts")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ROTA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server where a database may be created and dropped",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data_arguments(parser)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per path")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--quick", action="store_true", help="1 000 contacts, 2 s a path: to see that it runs"
    )
    args = parser.parse_args()
    if args.quick:
        args.contacts, args.duration = 1_000, 2
    wrk_bin = ensure_wrk()
    with tempfile.TemporaryDirectory() as folder:
        script = str(Path(folder) / "percentiles.lua")
        Path(script).write_text(WRK_SCRIPT)
        if not args.no_postgres:
            url, drop = create_postgres_database(args.postgres_url, prefix="rota_load")
            try:
                run_backend(url, args, wrk_bin, script, folder)
            finally:
                drop()
        if not args.no_sqlite:
            sqlite = f"sqlite:///{Path(folder) / 'load.sqlite3'}"
            run_backend(sqlite, args, wrk_bin, script, folder)
    print(
        "\ntargets (PostgreSQL, 16 connections): on-duty ≥ 0.70 × floor and p99 < 10 ms; "
        "feed poll 304 ≥ 0.50 × floor; queue, front and contact pages p95 < 50 ms with the "
        "same SQL count at both sizes; queue body < 300 KB"
    )


if __name__ == "__main__":
    main()
