"""Calendar feed of 10 000 shifts: build and serve it, against serialising with icalendar.

Run: .venv/bin/python benchmarks/calendar_feed.py [--shifts 10000] [--repeat 3] [--quick]

Puts the shifts in a temporary SQLite database, then times in the same run:
  * the raw reference: the same events serialised directly with the icalendar library;
  * a full feed request through the Flask test client (token check, query, events, render);
  * a conditional request answered 304 (one aggregate query, no calendar built);
  * both again over HTTP against a real (werkzeug, threaded) server with http.client.
Each figure is the fastest of its runs (--repeat for full builds, 50 for 304s).
Targets: full feed ≤ 1.5 × the icalendar serialisation; the 304 path ≥ 50 × faster.
"""

import argparse
import http.client
import logging
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from werkzeug.serving import make_server

from rota import create_app
from rota.auth import tokens
from rota.extensions import db
from rota.members.models import Organisation, Role, User
from rota.schedule.feeds import service as feeds
from rota.schedule.models import Channel, Shift, ShiftStatus

ORGANISATIONS = 12
COUNSELLORS_PER_ORG = 5


def insert_world(count: int) -> str:
    """Organisations, counsellors, `count` shifts from yesterday on; a coordinator's secret."""
    orgs = [Organisation(name=f"Järjestö {n}", short_name=f"J{n}") for n in range(ORGANISATIONS)]
    people = [
        User(
            email=f"p{n}@example.fi",
            name=f"Neuvoja Äänekoski {n}",
            role=Role.COUNSELLOR,
            organisation=orgs[n % ORGANISATIONS],
        )
        for n in range(ORGANISATIONS * COUNSELLORS_PER_ORG)
    ]
    coordinator = User(email="coordinator@example.fi", name="Koordinaattori", role=Role.COORDINATOR)
    db.session.add_all([*orgs, *people, coordinator])
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    channels = list(Channel)
    for n in range(count):
        begins = start + timedelta(hours=3 * (n // len(channels)))
        channel = channels[n % len(channels)]
        db.session.add(
            Shift(
                slot_key=f"{begins.isoformat()}/{channel}",
                channel=channel,
                language="fi",
                local_day=begins.date(),
                starts_at=begins,
                ends_at=begins + timedelta(hours=3),
                organisation=orgs[n % ORGANISATIONS],
                counsellor=people[n % len(people)] if n % 7 else None,
                status=ShiftStatus.CANCELLED if n % 50 == 0 else ShiftStatus.PLANNED,
                sequence=n % 3,
            )
        )
    _token, secret = tokens.create_token(
        db.session, name="bench", scopes=["feeds:read"], user=coordinator
    )
    db.session.commit()
    return secret


def icalendar_bytes(events: list, tz: str) -> bytes:
    """The reference: the same events written by the icalendar library."""
    zone = ZoneInfo(tz)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//bench//EN")
    calendar.add("version", "2.0")
    for item in events:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.last_modified)
        event.add("created", item.created)
        event.add("last-modified", item.last_modified)
        event.add("sequence", item.sequence)
        event.add("dtstart", item.start.astimezone(zone))
        event.add("dtend", item.end.astimezone(zone))
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT")
        event.add("categories", list(item.categories))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def best(function, repeat: int) -> tuple[float, object]:
    """The fastest of `repeat` runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return min(times), result


def serve_over_http(app, path: str, etag: str, repeat: int) -> tuple[float, float]:
    """Fastest full and 304 requests (seconds) against a real threaded server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def fetch(headers, status):
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port)
        connection.request("GET", path, headers={"Host": "rota.bench", **headers})
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == status, response.status

    try:
        full, _ = best(lambda: fetch({}, 200), repeat)
        cached, _ = best(lambda: fetch({"If-None-Match": etag}, 304), 50)
        return full, cached
    finally:
        server.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shifts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="1 000 shifts, 1 run: to see that it runs"
    )
    args = parser.parse_args()
    if args.quick:
        args.shifts, args.repeat = 1_000, 1
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "BASE_URL": "http://rota.bench",
                "TRUSTED_HOSTS": ["rota.bench", "localhost"],  # the server; the test client
                "DATABASE_URL": database,
            }
        )
        with app.app_context():
            db.create_all()
            secret = insert_world(args.shifts)
            run(app, secret, args.repeat)


def run(app, secret: str, repeat: int):
    """Time every path and print the figures and ratios."""
    path = f"/feeds/{secret}/ring.ics?lang=fi"
    client = app.test_client()
    full, response = best(lambda: client.get(path), repeat)
    etag = response.headers["ETag"]
    not_modified, cached = best(lambda: client.get(path, headers={"If-None-Match": etag}), 50)
    assert cached.status_code == 304
    with app.test_request_context():
        ring = feeds.Ring("Rengas", "+358401234567", "ohjaus@example.fi")
        feed = feeds.public_feed(ring=ring, now=datetime.now(UTC), locale="fi", alarm_minutes=None)
        events = feeds.feed_events(db.session, feed, ring)
        reference, _data = best(lambda: icalendar_bytes(events, ring.tz), repeat)
    http_full, http_304 = serve_over_http(app, path, etag, repeat)
    print(f"shifts in the feed:                     {len(events):>10}")
    print(f"feed size:                              {len(response.data) / 1e6:>9.2f} MB")
    print(f"icalendar serialisation (reference):    {reference * 1000:>9.1f} ms")
    print(f"full feed, Flask test client:           {full * 1000:>9.1f} ms")
    print(f"304 Not Modified, Flask test client:    {not_modified * 1000:>9.2f} ms")
    print(f"full feed, real server:                 {http_full * 1000:>9.1f} ms")
    print(f"304, real server:                       {http_304 * 1000:>9.2f} ms")
    print(f"full feed / icalendar:                  {full / reference:>9.2f} x  (target <= 1.5)")
    print(f"real server full / icalendar:           {http_full / reference:>9.2f} x")
    print(f"full feed / 304:                        {full / not_modified:>9.0f} x  (target >= 50)")
    print(f"real server full / 304:                 {http_full / http_304:>9.0f} x  (target >= 50)")


if __name__ == "__main__":
    main()
