"""Rota generation: slots per second for the pure rotation and for generation with database writes.

Scenarios
- seed: the demo ring's 10 organisations and service hours, one year (≈650 slots).
- ring500: 500 organisations (some joining and leaving during the run) on dense service hours,
  504 one-hour slots a week on three channels (about 50 demo rings' worth of slots), generated
  for 25 000, 50 000 and 100 000 slots to show that the time grows linearly.

Reference (in-run): bulk-inserting the same number of plain four-column rows with the same engine;
the ratio says how many such inserts one generation costs. Floor (in-run): re-inserting the
stored shift rows as they are through the DBAPI cursor, i.e. what SQLite itself needs for the
rows, indexes and foreign keys. Times are wall clock and CPU (CPU is the steadier figure on a
busy machine); generation and the reference are the best of three runs, with the median beside.
Memory peak by tracemalloc.

Re-plan (ring500): the rota generated for 12 weeks, then one organisation signs from the second
week; the minimum-change re-plan of those 12 weeks (preview and apply) beside a full
regeneration of the same weeks (their shifts deleted, generated again) in the same run, with
how many shifts each gives another organisation.

Run: .venv/bin/python benchmarks/rota_generation.py [--quick]   (SQLite file in a temp dir)
"""

import argparse
import functools
import os
import sys
import tempfile
import time as clock
import tracemalloc
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, delete, insert  # noqa: E402
from werkzeug import security  # noqa: E402

from rota import create_app  # noqa: E402
from rota.extensions import db  # noqa: E402
from rota.members import memoranda, people  # noqa: E402
from rota.members.models import CommitmentUnit, Organisation, Signature  # noqa: E402
from rota.schedule.models import (  # noqa: E402
    Channel,
    PatternSlot,
    ServicePattern,
    Shift,
    ShiftChange,
)
from rota.schedule.planning import generation, replan, rotation  # noqa: E402
from rota.schedule.planning.eligibility import Eligibility  # noqa: E402

START = datetime(2025, 12, 31, 22, tzinfo=UTC)  # 2026-01-01 00:00 in Helsinki
SETTINGS = generation.RotaSettings(ZoneInfo("Europe/Helsinki"))
DENSE_SLOTS_PER_WEEK = 7 * 24 * 3
REPEAT = 3
SIZES = (25_000, 50_000, 100_000)


def _app(path):
    app = create_app(
        {"SECRET_KEY": "bench", "BASE_URL": "http://localhost", "DATABASE_URL": f"sqlite:///{path}"}
    )
    people.generate_password_hash = functools.partial(
        security.generate_password_hash, method="pbkdf2:sha256:1"
    )
    return app


def _seed_demo():
    from rota.demo import load_demo

    load_demo(db.session)
    db.session.commit()


def _seed_ring500():
    """500 organisations with signatures and the dense pattern, written in bulk (not measured)."""
    agreement = memoranda.create_agreement(
        db.session, title="Bench", version_label="1", effective_from=date(2024, 1, 1)
    )
    orgs = [Organisation(name=f"Bench org {n}", short_name=f"B{n}") for n in range(500)]
    db.session.add_all(orgs)
    db.session.flush()
    for n, org in enumerate(orgs):
        starts = date(2024, 1, 1) if n % 10 else date(2026, 1, 1) + timedelta(days=7 * (n % 97))
        db.session.add(
            Signature(
                organisation_id=org.id, agreement_id=agreement.id, signed_on=date(2024, 1, 1),
                signed_by_name="Bench", valid_from=starts,
                valid_until=date(2027, 6, 30) if n % 25 == 1 else None,
                commitment_amount=4 + n % 37, commitment_unit=CommitmentUnit.HOURS,
            )
        )  # fmt: skip
    pattern = ServicePattern(name="Dense", valid_from=date(2024, 1, 1))
    pattern.slots = [
        PatternSlot(
            weekday=day, start_time=time(hour), end_time=time(hour + 1) if hour < 23 else time(23, 59),
            channel=channel,
        )
        for day in range(7)
        for hour in range(24)
        for channel in (Channel.PHONE, Channel.EMAIL, Channel.CHAT)
    ]  # fmt: skip
    db.session.add(pattern)
    db.session.commit()


def _clear_shifts():
    db.session.execute(delete(ShiftChange))
    db.session.execute(delete(Shift))
    db.session.commit()


def _until_for(slots):
    return (START + timedelta(weeks=slots / DENSE_SLOTS_PER_WEEK)).date()


class Timer:
    """Wall-clock and CPU seconds of a block (CPU shows the work when the machine is busy)."""

    def __enter__(self):
        self.wall, self.cpu = clock.perf_counter(), clock.process_time()
        return self

    def __exit__(self, *_exc):
        self.wall = clock.perf_counter() - self.wall
        self.cpu = clock.process_time() - self.cpu


def time_pure_rotation(until):
    """Timer and slot count for the rotation alone over the open slots up to `until`."""
    settings = SETTINGS
    slots = generation.open_slots(db.session, START.date(), until, settings.zone)
    eligibility = Eligibility.load(db.session, settings.shift_hours)
    queue = [rotation.Slot(s.key, s.hours, eligibility.weights(s.day)) for s in slots]
    with generation.collector_paused(), Timer() as timer:  # as generation runs it
        rotation.assign(queue, rotation.Ledger())
    return timer, len(queue)


def time_generation(until, traced=False):
    """Timer, shifts created and tracemalloc peak (bytes) of one generation from empty."""
    _clear_shifts()
    if traced:
        tracemalloc.start()
    with Timer() as timer:
        result = generation.generate(db.session, until, START, settings=SETTINGS)
        db.session.commit()
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    return timer, result.created, peak


def time_reference(rows):
    """Timer of bulk-inserting `rows` plain rows (id, int, text, float) with the same engine."""
    table = Table(
        "bench_plain", MetaData(), Column("id", Integer, primary_key=True),
        Column("a", Integer), Column("b", String(60)), Column("c", Float),
    )  # fmt: skip
    table.drop(db.engine, checkfirst=True)
    table.create(db.engine)
    data = [{"a": n, "b": f"2026-01-01/phone/{n:05d}", "c": n / 7} for n in range(rows)]
    with Timer() as timer:
        db.session.execute(insert(table), data)
        db.session.commit()
    return (timer,)


def time_store_floor():
    """Timer of re-inserting the stored shift rows as they are, by the DBAPI cursor alone."""
    raw = db.session.connection().connection.dbapi_connection
    rows = raw.execute("SELECT * FROM shifts").fetchall()
    marks = ", ".join("?" * len(rows[0]))
    db.session.rollback()
    _clear_shifts()
    raw = db.session.connection().connection.dbapi_connection
    with Timer() as timer:
        raw.executemany(f"INSERT INTO shifts VALUES ({marks})", rows)
        db.session.commit()
    return timer, len(rows)


def best_of(measure, *args):
    """The run of `measure` with the shortest wall time of REPEAT runs, and the median wall time.

    The machine's cores are shared: the same run varies by half its time from one moment to
    the next, so each figure is the best of REPEAT (as timeit does), with the median beside it.
    """
    results = sorted((measure(*args) for _ in range(REPEAT)), key=lambda r: r[0].wall)
    return results[0], results[REPEAT // 2][0].wall


def report(label, timer, slots, median=None):
    """One line of figures: slots, wall and CPU seconds, slots per wall-clock second."""
    rate = slots / timer.wall if timer.wall else float("inf")
    spread = f"  (median of {REPEAT}: {median:.3f} s)" if median is not None else ""
    print(
        f"  {label:<40} {slots:>7} slots  {timer.wall:6.3f} s (CPU {timer.cpu:6.3f} s)"
        f"  {rate:>9,.0f} slots/s{spread}"
    )


def run_seed(tmp):
    with _app(os.path.join(tmp, "seed.sqlite3")).app_context():
        db.create_all()
        _seed_demo()
        print("seed: demo ring, 10 organisations, one year")
        time_generation(date(2026, 1, 15))  # warm-up: imports, holiday tables, statement cache
        report("pure rotation", *time_pure_rotation(date(2026, 12, 31)))
        timer, created, _peak = time_generation(date(2026, 12, 31))
        report("generation with database writes", timer, created)


def _holders():
    return dict(db.session.execute(db.select(Shift.slot_key, Shift.organisation_id)).all())


def time_replan_after_a_join():
    """Minimum-change re-plan of 12 weeks after one organisation joins, and a full regeneration
    of the same weeks; each with the number of shifts that change organisation."""
    first, last = START.date(), START.date() + timedelta(weeks=12) - timedelta(days=1)
    _clear_shifts()
    generation.generate(db.session, last, START, settings=SETTINGS)
    db.session.commit()
    before = _holders()
    joiner = Organisation(name="Bench joiner", short_name="BJ")
    db.session.add(joiner)
    db.session.flush()
    agreement_id = db.session.scalar(db.select(Signature.agreement_id).limit(1))
    db.session.add(
        Signature(
            organisation_id=joiner.id, agreement_id=agreement_id, signed_on=first,
            signed_by_name="Bench", valid_from=first + timedelta(weeks=1),
            commitment_amount=40, commitment_unit=CommitmentUnit.HOURS,
        )
    )  # fmt: skip
    db.session.commit()
    with Timer() as minimal:
        plan = replan.preview_replan(db.session, first, last, START, settings=SETTINGS)
        replan.apply_plan(db.session, plan, START, None, None)
        db.session.commit()
    moved = sum(1 for key, org in _holders().items() if before.get(key) != org)
    _clear_shifts()
    with Timer() as full:
        generation.generate(db.session, last, START, settings=SETTINGS)
        db.session.commit()
    regenerated = sum(1 for key, org in _holders().items() if before.get(key) != org)
    _clear_shifts()
    db.session.execute(db.delete(Signature).where(Signature.organisation_id == joiner.id))
    db.session.delete(joiner)
    db.session.commit()
    return minimal, moved, full, regenerated, len(before)


def run_replan():
    minimal, moved, full, regenerated, slots = time_replan_after_a_join()
    print("  re-plan of 12 weeks after one organisation joins (500 organisations):")
    report("minimum-change re-plan (preview + apply)", minimal, slots)
    report("reference: full regeneration, same weeks", full, slots)
    print(
        f"  re-plan / regeneration: {minimal.wall / full.wall:.2f}× wall;"
        f" shifts given to another organisation: {moved} (re-plan) against"
        f" {regenerated} (regeneration) of {slots}"
    )


def run_ring500(tmp, quick):
    with _app(os.path.join(tmp, "ring500.sqlite3")).app_context():
        db.create_all()
        _seed_ring500()
        print("ring500: 500 organisations, dense service hours (504 slots a week)")
        time_generation(_until_for(1_000))  # warm-up: imports, holiday tables, statement cache
        runs = []
        for size in SIZES[:1] if quick else SIZES:
            until = _until_for(size)
            report(f"pure rotation, {size // 1000}k", *time_pure_rotation(until))
            (timer, created, _peak), median = best_of(time_generation, until)
            report(f"generation with writes, {size // 1000}k", timer, created, median)
            runs.append((created, timer))
        created, generated = runs[-1]
        floor, stored = time_store_floor()
        report("floor: same shift rows, DBAPI executemany", floor, stored)
        (reference,), median = best_of(time_reference, created)
        report("reference: plain 4-column bulk insert", reference, created, median)
        print(
            f"  generation at {created // 1000}k / plain insert: {generated.wall / reference.wall:.1f}× wall,"
            f" {generated.cpu / reference.cpu:.1f}× CPU;"
            f" of which storing the rows alone: {floor.cpu / reference.cpu:.1f}× CPU"
        )
        micro = " / ".join(f"{1e6 * t.cpu / n:.1f}" for n, t in runs)
        print(f"  CPU µs per slot at {' / '.join(f'{n // 1000}k' for n, _t in runs)}: {micro}")
        if not quick:
            print(f"  target: 100 000 slots in < 2 s; at 100k: {generated.wall:.2f} s wall")
            _timer, _created, peak = time_generation(_until_for(25_000), traced=True)
            print(f"  memory peak of generation at 25k (tracemalloc): {peak / 2**20:.1f} MiB")
        run_replan()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="25 000 slots only, one run each (a smoke test)"
    )
    args = parser.parse_args()
    global REPEAT
    if args.quick:
        REPEAT = 1
    with tempfile.TemporaryDirectory() as tmp:
        run_seed(tmp)
        run_ring500(tmp, args.quick)


if __name__ == "__main__":
    main()
