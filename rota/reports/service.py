"""The reports of a period: each organisation's contribution against its memorandum, the phone
costs by payer, and the service report. Figures are counted by SQL GROUP BYs; the few
per-contact figures (local hour, service time) are stored on the contacts (`stored`), the
service report working out the stale ones of its period first."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Float,
    String,
    case,
    cast,
    func,
    literal,
    null,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from rota.contacts.models import Call, CallOutcome, Contact
from rota.errors import DomainError
from rota.members.models import Organisation
from rota.members.service import all_signatures, chosen_on, terms
from rota.reports import figures, sql, stored
from rota.reports.models import ContactFacts, ContactOutcome, FactOption, FeedbackRequest
from rota.schedule.days import ensure_order, monday
from rota.schedule.models import (
    Absence,
    Channel,
    Shift,
    ShiftChange,
    ShiftChangeKind,
    ShiftStatus,
)
from rota.schedule.planning.eligibility import Eligibility

MAX_DAYS = 366 * 2
MOVES = (ShiftChangeKind.TAKE, ShiftChangeKind.OVERRIDE)


@dataclass(frozen=True)
class ReportSettings:
    """What the reports read from the configuration: the service's zone, hours per committed
    shift, and whether response times count only service hours (REPORT_SERVICE_TIME)."""

    zone: ZoneInfo
    shift_hours: float = 3.0
    service_time: bool = True

    @classmethod
    def from_config(cls, config) -> "ReportSettings":
        return cls(
            ZoneInfo(config["TIMEZONE"]),
            float(config["SHIFT_HOURS"]),
            bool(config["REPORT_SERVICE_TIME"]),
        )


@dataclass(frozen=True)
class Period:
    """The local days `first`–`last` (inclusive) and their instants in UTC."""

    first: date
    last: date
    start: datetime
    end: datetime

    @classmethod
    def of(cls, first: date, last: date, zone: ZoneInfo) -> "Period":
        """A period of at most two years; its instants run from local midnight to midnight."""
        ensure_order(first, last, "last")
        if (last - first).days >= MAX_DAYS:
            raise DomainError(_l("Choose a period of at most two years."), field="last")
        start = datetime.combine(first, time(), zone).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
        return cls(first, last, start, end)


# Contribution --------------------------------------------------------------------------------


@dataclass
class Contribution:
    """One organisation's statement of a period (hours, counts, minutes)."""

    organisation: Organisation
    committed: float = 0.0
    entitled: float = 0.0
    assigned: float = 0.0
    covered: float = 0.0
    given_away: float = 0.0
    taken: float = 0.0
    contacts: int = 0
    call_minutes: float = 0.0
    cost_terms: list[str] = field(default_factory=list)

    @property
    def uncovered(self) -> float:
        """Hours of its shifts with nobody there: no counsellor named, or the named one away."""
        return self.assigned - self.covered


def _absences(session: Session, period: Period) -> dict[int, list[tuple[datetime, datetime]]]:
    query = select(Absence.user_id, Absence.starts_at, Absence.ends_at).where(
        Absence.starts_at < period.end + timedelta(days=2),
        Absence.ends_at > period.start - timedelta(days=2),
    )
    away: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for user_id, starts, ends in session.execute(query):
        away[user_id].append((starts, ends))
    return away


def _covered_hours(starts, ends, away: list[tuple[datetime, datetime]]) -> float:
    """Hours of a shift its counsellor is not away."""
    gone = sum(
        max(0.0, (min(ends, a_end) - max(starts, a_start)).total_seconds())
        for a_start, a_end in away
    )
    return ((ends - starts).total_seconds() - gone) / 3600


def _shift_hours(session: Session, period: Period, rows: dict, eligibility: Eligibility):
    """Entitled, assigned and covered hours from the planned shifts of the period."""
    away = _absences(session, period)
    query = select(
        Shift.local_day, Shift.starts_at, Shift.ends_at, Shift.organisation_id, Shift.counsellor_id
    ).where(Shift.status == ShiftStatus.PLANNED, Shift.on_local_days(period.first, period.last))
    for day, starts, ends, org_id, counsellor_id in session.execute(query):
        length = (ends - starts).total_seconds() / 3600
        rows[org_id].assigned += length
        if counsellor_id is not None:
            rows[org_id].covered += _covered_hours(starts, ends, away.get(counsellor_id, []))
        shares = eligibility.weights(day)
        total = sum(shares.values())
        for member, weight in shares.items():
            rows[member].entitled += length * weight / total


def _moves(session: Session, period: Period, rows: dict) -> None:
    """Hours of shifts taken from one organisation by another (offer taken, override)."""
    query = (
        select(
            ShiftChange.from_organisation_id,
            ShiftChange.to_organisation_id,
            Shift.starts_at,
            Shift.ends_at,
        )
        .join(Shift, Shift.id == ShiftChange.shift_id)
        .where(
            ShiftChange.kind.in_(MOVES),
            ShiftChange.from_organisation_id != ShiftChange.to_organisation_id,
            Shift.status == ShiftStatus.PLANNED,
            Shift.on_local_days(period.first, period.last),
        )
    )
    for giver, taker, starts, ends in session.execute(query):
        length = (ends - starts).total_seconds() / 3600
        rows[giver].given_away += length
        rows[taker].taken += length


def _commitments(session: Session, period: Period, rows: dict, shift_hours: float) -> None:
    """Committed hours pro rata (a month's commitment spread over its days) and the cost terms
    of every signature in force on some day of the period."""
    signing_order = terms(all_signatures(session))
    eligibility = Eligibility.load(session, shift_hours)
    day = period.first
    while day <= period.last:
        for org_id, weight in eligibility.weights(day).items():
            rows[org_id].committed += weight / figures.days_in_month(day)
        for org_id, signature in chosen_on(signing_order, day).items():
            if signature.cost_terms and signature.cost_terms not in rows[org_id].cost_terms:
                rows[org_id].cost_terms.append(signature.cost_terms)
        day += timedelta(days=1)


def _in_period(column, period: Period):
    return column >= period.start, column < period.end


def _activity(session: Session, period: Period, rows: dict) -> None:
    """Contacts received for each organisation and the minutes of their calls."""
    contacts = (
        select(Contact.organisation_id, func.count())
        .where(*_in_period(Contact.received_at, period), Contact.organisation_id.is_not(None))
        .group_by(Contact.organisation_id)
    )
    for org_id, count in session.execute(contacts):
        rows[org_id].contacts = count
    for org_id, seconds in session.execute(_call_seconds(period)):
        rows[org_id].call_minutes = (seconds or 0) / 60


def _call_seconds(period: Period):
    """Seconds of calls started in the period, per organisation of their contact."""
    return (
        select(Contact.organisation_id, func.sum(Call.duration_seconds))
        .join(Contact, Contact.id == Call.contact_id)
        .where(
            *_in_period(Call.started_at, period),
            Contact.organisation_id.is_not(None),
            Call.duration_seconds > 0,
        )
        .group_by(Contact.organisation_id)
    )


def contribution(
    session: Session, first: date, last: date, settings: ReportSettings, org_id: int | None = None
) -> list[Contribution]:
    """Each organisation's statement of the period (one organisation's when `org_id` is given),
    by name: committed, entitled, covered and uncovered hours, shifts given away and taken,
    contacts, call minutes and the cost terms in force."""
    period = Period.of(first, last, settings.zone)
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    rows: dict[int, Contribution] = {i: Contribution(o) for i, o in orgs.items()}
    _commitments(session, period, rows, settings.shift_hours)
    _shift_hours(session, period, rows, Eligibility.load(session, settings.shift_hours))
    _moves(session, period, rows)
    _activity(session, period, rows)
    chosen = [row for i, row in rows.items() if org_id in (None, i) and _took_part(row)]
    return sorted(chosen, key=lambda row: row.organisation.name.casefold())


def _took_part(row: Contribution) -> bool:
    return any((row.committed, row.entitled, row.assigned, row.contacts, row.call_minutes))


# Phone costs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneCost:
    """Call minutes of a month and an organisation, and who pays for them (its cost terms)."""

    month: date
    organisation: Organisation
    payer: str
    minutes: float


def _payers(signing_order, first: date, last: date) -> dict[int, str]:
    """Per organisation, the cost terms of its signature on its last day in force in the range."""
    payers: dict[int, str] = {}
    day = last
    while day >= first:
        for org_id, signature in chosen_on(signing_order, day).items():
            payers.setdefault(org_id, signature.cost_terms)
        day -= timedelta(days=1)
    return payers


def phone_costs(
    session: Session, first: date, last: date, settings: ReportSettings, org_id: int | None = None
) -> list[PhoneCost]:
    """Call minutes per month and organisation, each under the cost terms in force that month
    (the line a payer's share of the phone bill is read from)."""
    Period.of(first, last, settings.zone)
    signing_order = terms(all_signatures(session))
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    result = []
    for month_first, month_last in figures.months(first, last):
        month = Period.of(month_first, month_last, settings.zone)
        payers = _payers(signing_order, month_first, month_last)
        for member, seconds in session.execute(_call_seconds(month)):
            if org_id in (None, member):
                payer = payers.get(member, "")
                result.append(PhoneCost(month_first, orgs[member], payer, seconds / 60))
    return sorted(result, key=lambda c: (c.month, c.organisation.name.casefold()))


# Service report ------------------------------------------------------------------------------


@dataclass
class ServiceReport:
    """What the ring did in a period: contacts split every way, response times, calls."""

    period: Period
    service_time: bool
    total: int = 0
    by: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    heat: dict[tuple[int, int], int] = field(default_factory=dict)  # (weekday, hour) → count
    weeks: list[tuple[date, int]] = field(default_factory=list)  # Monday → count
    inside_hours: int = 0
    outside_hours: int = 0
    first_response: dict[str, figures.Spread] = field(default_factory=dict)  # "channel:x"/"org:x"
    time_to_close: dict[str, figures.Spread] = field(default_factory=dict)
    missed_calls: int = 0
    called_back: int = 0
    call_back_minutes: figures.Spread = figures.Spread(0, None, None)
    referrals: list[tuple[str, int]] = field(default_factory=list)
    feedback_asked: int = 0
    ratings: dict[int, int] = field(default_factory=dict)  # rating 1–5 → answers

    @property
    def feedback_answered(self) -> int:
        return sum(self.ratings.values())


REPORTED = stored.REPORTED
FACT_SPLITS = ("topic", "municipality", "client_group")
FACTS = (*FACT_SPLITS, "outcome", "referred")  # the splits a contact without facts has no key of
SPREAD = {"channel": "channel", "organisation": "org"}  # split → its key in the spreads
SHARES = (0.5, 0.9)
KEYS = 5  # the most keys one pass counts by


def _spreads_of(session: Session, service_time: bool) -> list:
    """The count, median and 90th percentile of the stored minutes to the first response and
    to closing (in service time or in wall time)."""
    percentile = sql.percentiles(session)
    minutes = (
        (Contact.figures_response, Contact.figures_close)
        if service_time
        else (Contact.figures_response_wall, Contact.figures_close_wall)
    )
    return [
        figure
        for column in minutes
        for figure in (func.count(column), *(percentile(column, share) for share in SHARES))
    ]


def _pass(names: tuple[str, ...], keys: tuple, counted=None, spreads: list | None = None):
    """The rows by the keys `keys` of the splits `names` (all counted in one pass: Python adds
    up each split's counts): how many (`counted`, else one a row), with the `spreads` figures
    (else NULLs). Its FROM and WHERE are the caller's."""
    return select(
        literal("+".join(names)).label("split"),
        *(cast(key, String) for key in keys),
        *[cast(null(), String)] * (KEYS - len(keys)),
        (func.count() if counted is None else cast(func.sum(counted), BigInteger)).label("n"),
        *(spreads or [cast(null(), Float)] * 2 * (1 + len(SHARES))),
    ).group_by(*keys)


def _spread_passes(session: Session, contacts: list, spreads: list) -> list:
    """The spreads by channel and by organisation: on PostgreSQL one pass with the two as
    grouping sets (one scan, a sort each), on SQLite (no GROUPING SETS) a pass each."""
    channel, org = Contact.channel, Contact.organisation_id
    if session.connection().dialect.name != "postgresql":
        return [
            _pass((name,), (column,), spreads=spreads).where(*contacts)
            for name, column in (("channel", channel), ("organisation", org))
        ]
    split = case((func.grouping(channel) == 0, literal("channel")), else_=literal("organisation"))
    return [
        select(
            split,
            func.coalesce(cast(channel, String), cast(org, String)),
            *[cast(null(), String)] * (KEYS - 1),
            func.count(),
            *spreads,
        )
        .where(*contacts)
        .group_by(func.grouping_sets(tuple_(channel), tuple_(org)))
    ]


def _passes(session: Session, period: Period, service_time: bool):
    """Passes over the period's contacts and their stored figures, in one statement: the
    spreads by channel and by organisation, the facts (of the contacts that have them), and
    the week, hour of the week, service hours and language, counted together and added up
    by hour and service hours and by week and language (a few hundred rows, not thousands)."""
    contacts = [*_in_period(Contact.received_at, period), *REPORTED]
    spreads = _spreads_of(session, service_time)
    referred = case(
        (
            ContactFacts.outcome == ContactOutcome.REFERRED_MEMBER,
            ContactFacts.referred_organisation_id,
        )
    )
    facts = (
        ContactFacts.topic_id,
        ContactFacts.municipality_id,
        ContactFacts.client_group_id,
        ContactFacts.outcome,
        referred,
    )
    times = (
        select(
            Contact.figures_week.label("week"),
            Contact.figures_hour.label("hour"),
            Contact.figures_inside.label("inside"),
            Contact.language.label("language"),
            func.count().label("n"),
        )
        .where(*contacts)
        .group_by(Contact.figures_week, Contact.figures_hour, Contact.figures_inside)
        .group_by(Contact.language)
        .cte("times")
    )
    return union_all(
        *_spread_passes(session, contacts, spreads),
        _pass(FACTS, facts)
        .select_from(Contact)
        .join(ContactFacts, ContactFacts.contact_id == Contact.id)
        .where(*contacts),
        *(
            _pass(pair, tuple(times.c[name] for name in pair), times.c.n)
            for pair in (("hour", "inside"), ("week", "language"))
        ),
    )


def _splits_and_times(session: Session, report: ServiceReport, zone: ZoneInfo) -> dict:
    """Every split of the period's contacts in one statement, once their stale figures are
    worked out: the spreads of response times by channel and organisation go into the report,
    the counts (split → key → contacts) are returned."""
    period = report.period
    stored.refresh(session, zone, period.start, period.end)
    names = _names(session)
    counts: dict[str, Counter] = defaultdict(Counter)
    with sql.without_jit(session):
        rows = session.execute(_passes(session, period, report.service_time)).all()
    for row in rows:
        split, keys, contacts, times = row[0], row[1 : 1 + KEYS], row[1 + KEYS], row[2 + KEYS :]
        if split in SPREAD:
            _spreads(report, f"{SPREAD[split]}:{names[split].get(keys[0], '')}", times)
        for name, key in zip(split.split("+"), keys, strict=False):
            counts[name][names[name].get(key, key) if key else key] += contacts
    report.total = sum(counts["channel"].values())
    for name in FACTS:
        without = report.total - sum(counts[name].values())
        if without:
            counts[name][None] += without
    report.first_response = dict(sorted(report.first_response.items()))
    report.time_to_close = dict(sorted(report.time_to_close.items()))
    report.inside_hours = counts["inside"]["1"]
    report.outside_hours = report.total - report.inside_hours
    return counts


def _names(session: Session) -> dict[str, dict[str, str]]:
    """What the stored keys of each split stand for: an enum's value, an option's label, an
    organisation's short name (its name, for referrals)."""
    orgs = session.execute(select(Organisation.id, Organisation.short_name, Organisation.name))
    options = {
        str(i): label for i, label in session.execute(select(FactOption.id, FactOption.label))
    }
    names = {
        split: {} for split in ("organisation", "referred", "language", "hour", "week", "inside")
    }
    for org_id, short_name, name in orgs:
        names["organisation"][str(org_id)] = short_name
        names["referred"][str(org_id)] = name
    return {
        **names,
        **dict.fromkeys(FACT_SPLITS, options),
        "channel": {stored: c.value for c in Channel for stored in (c.name, c.value)},
        "outcome": {o.name: o.value for o in ContactOutcome},
    }


def _spreads(report: ServiceReport, label: str, times: list) -> None:
    for into, (count, median, p90) in (
        (report.first_response, times[0:3]),
        (report.time_to_close, times[3:6]),
    ):
        if count:
            into[label] = figures.Spread(int(count), median, p90)


def _calls(session: Session, report: ServiceReport) -> None:
    query = select(Call.started_at, Call.callback_done_at).where(
        *_in_period(Call.started_at, report.period),
        Call.outcome.in_((CallOutcome.MISSED, CallOutcome.VOICEMAIL)),
    )
    rows = session.execute(query).all()
    report.missed_calls = len(rows)
    waits = [figures.wall_minutes(start, done) for start, done in rows if done is not None]
    report.called_back = len(waits)
    report.call_back_minutes = figures.Spread.of(waits)


def _feedback(session: Session, report: ServiceReport) -> None:
    """Feedback asked of the period's clients, and their answers by rating."""
    query = (
        select(FeedbackRequest.rating, func.count())
        .join(Contact, Contact.id == FeedbackRequest.contact_id)
        .where(*_in_period(Contact.received_at, report.period))
        .group_by(FeedbackRequest.rating)
    )
    for rating, count in session.execute(query):
        report.feedback_asked += count
        if rating is not None:
            report.ratings[rating] = count


def _ranked(counts: Counter) -> list[tuple[str, int]]:
    """Counts by key, most first (no key: "")."""
    return sorted(((key or "", n) for key, n in counts.items()), key=lambda r: (-r[1], r[0]))


def _weeks_and_hours(report: ServiceReport, counts: dict[str, Counter]) -> None:
    """The heat map and the contacts of each week (every week of the period, empty ones too)."""
    period = report.period
    weeks = Counter(
        {monday(period.first) + timedelta(weeks=n): 0 for n in range(_week_count(period))}
    )
    for days, count in counts["week"].items():
        weeks[sql.day_of(int(days))] += count
    report.weeks = sorted(weeks.items())
    report.heat = {divmod(int(hour), 24): count for hour, count in counts["hour"].items()}


def _week_count(period: Period) -> int:
    return (monday(period.last) - monday(period.first)).days // 7 + 1


def service_report(
    session: Session, first: date, last: date, settings: ReportSettings
) -> ServiceReport:
    """The service report of the period (contacts received from `first` to `last`, local)."""
    report = ServiceReport(Period.of(first, last, settings.zone), settings.service_time)
    counts = _splits_and_times(session, report, settings.zone)
    report.by = {
        name: _ranked(counts[name]) for name in ("channel", "language", *FACT_SPLITS, "outcome")
    }
    _weeks_and_hours(report, counts)
    report.referrals = _ranked(Counter({k: n for k, n in counts["referred"].items() if k}))
    _calls(session, report)
    _feedback(session, report)
    return report
