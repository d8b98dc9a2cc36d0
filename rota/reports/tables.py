"""The reports as tables in the reader's language: the one shape that pages, charts, CSV, XLSX,
PDF, JSON and the monthly mail are all made from."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from rota.reports.figures import Spread
from rota.reports.models import ContactOutcome
from rota.reports.service import Contribution, PhoneCost, ServiceReport
from rota.schedule.labels import channel_label, language_label

OUTCOME_LABELS = {
    ContactOutcome.ANSWERED: _l("Answered"),
    ContactOutcome.REFERRED_MEMBER: _l("Referred to a member organisation"),
    ContactOutcome.REFERRED_ELSEWHERE: _l("Referred elsewhere"),
}
NOT_RECORDED = _l("not recorded")
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


@dataclass(frozen=True)
class Table:
    """A titled table: `key` names it in files (CSV name, sheet, JSON), cells are str or numbers
    (None: no value)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list]


def _hours(value: float) -> float:
    return round(value, 2)


def contribution_table(rows: list[Contribution]) -> Table:
    """The ring summary: one line per organisation (or one organisation's statement)."""
    columns = [
        _l("Organisation"),
        _l("Committed (h)"),
        _l("Entitled (h)"),
        _l("Held (h)"),
        _l("Covered (h)"),
        _l("Uncovered (h)"),
        _l("Given away (h)"),
        _l("Taken (h)"),
        _l("Contacts"),
        _l("Call minutes"),
        _l("Cost terms"),
    ]
    body = [
        [
            r.organisation.name,
            *(_hours(v) for v in (r.committed, r.entitled, r.assigned, r.covered, r.uncovered)),
            _hours(r.given_away),
            _hours(r.taken),
            r.contacts,
            round(r.call_minutes, 1),
            "; ".join(r.cost_terms),
        ]
        for r in rows
    ]
    return Table("contribution", str(_l("Contribution")), [str(c) for c in columns], body)


def phone_cost_table(costs: list[PhoneCost]) -> Table:
    """Call minutes per month and organisation, with the cost terms that say who pays."""
    columns = [_l("Month"), _l("Organisation"), _l("Cost terms (payer)"), _l("Call minutes")]
    body = [[f"{c.month:%Y-%m}", c.organisation.name, c.payer, round(c.minutes, 1)] for c in costs]
    return Table("phone_costs", str(_l("Phone costs")), [str(c) for c in columns], body)


def _count_table(key: str, title, heading, counts, label) -> Table:
    body = [[label(value) if value else str(NOT_RECORDED), count] for value, count in counts]
    return Table(key, str(title), [str(heading), str(_l("Contacts"))], body)


def _spread_rows(spreads: dict[str, Spread]) -> list[list]:
    rows = []
    for key, spread in spreads.items():
        kind, _sep, value = key.partition(":")
        name = channel_label(value) if kind == "channel" else value or str(_l("ring's queue"))
        rows.append([name, spread.count, _minutes(spread.median), _minutes(spread.p90)])
    return rows


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _time_table(key: str, title, spreads: dict[str, Spread]) -> Table:
    columns = [
        _l("Channel or organisation"),
        _l("Contacts"),
        _l("Median (min)"),
        _l("90th percentile (min)"),
    ]
    return Table(key, str(title), [str(c) for c in columns], _spread_rows(spreads))


def _heat_table(report: ServiceReport) -> Table:
    columns = [str(_l("Weekday")), *(f"{hour:02d}" for hour in range(24))]
    body = [
        [str(name), *(report.heat.get((day, hour), 0) for hour in range(24))]
        for day, name in enumerate(WEEKDAYS)
    ]
    return Table("heat_map", str(_l("Contacts by weekday and hour")), columns, body)


def _weeks_table(report: ServiceReport) -> Table:
    columns = [str(_l("Week starting")), str(_l("Contacts"))]
    body = [[week.isoformat(), count] for week, count in report.weeks]
    return Table("weeks", str(_l("Contacts per week")), columns, body)


def _calls_table(report: ServiceReport) -> Table:
    wait = report.call_back_minutes
    body = [
        [str(_l("Missed calls")), report.missed_calls],
        [str(_l("Called back")), report.called_back],
        [str(_l("Call-back time, median (min)")), _minutes(wait.median)],
        [str(_l("Call-back time, 90th percentile (min)")), _minutes(wait.p90)],
    ]
    return Table("calls", str(_l("Missed calls")), [str(_l("Figure")), str(_l("Value"))], body)


def _feedback_table(report: ServiceReport) -> Table:
    asked, answered = report.feedback_asked, report.feedback_answered
    rate = round(100 * answered / asked, 1) if asked else None
    body = [
        [str(_l("Clients asked")), asked],
        [str(_l("Answers")), answered],
        [str(_l("Response rate (%)")), rate],
        *([str(_l("Rating %(n)s", n=n)), report.ratings.get(n, 0)] for n in range(1, 6)),
    ]
    return Table(
        "feedback", str(_l("Client feedback")), [str(_l("Figure")), str(_l("Value"))], body
    )


def service_tables(report: ServiceReport) -> list[Table]:
    """The service report as tables, in the order the page shows them."""
    by = report.by
    hours = [
        [str(_l("Inside service hours")), report.inside_hours],
        [str(_l("Outside service hours")), report.outside_hours],
    ]
    kind = _l("service hours only") if report.service_time else _l("clock time")
    return [
        _count_table(
            "channel", _l("Contacts by channel"), _l("Channel"), by["channel"], channel_label
        ),
        _count_table(
            "language", _l("Contacts by language"), _l("Language"), by["language"], language_label
        ),
        _count_table("topic", _l("Contacts by topic"), _l("Topic"), by["topic"], str),
        _count_table(
            "municipality",
            _l("Contacts by municipality"),
            _l("Municipality"),
            by["municipality"],
            str,
        ),
        _count_table(
            "client_group",
            _l("Contacts by client group"),
            _l("Client group"),
            by["client_group"],
            str,
        ),
        _count_table(
            "outcome",
            _l("Contacts by outcome"),
            _l("Outcome"),
            by["outcome"],
            lambda v: str(OUTCOME_LABELS[ContactOutcome(v)]),
        ),
        Table(
            "service_hours",
            str(_l("Inside and outside service hours")),
            [str(_l("When")), str(_l("Contacts"))],
            hours,
        ),
        _weeks_table(report),
        _heat_table(report),
        _time_table(
            "first_response", _l("First response (%(kind)s)", kind=kind), report.first_response
        ),
        _time_table(
            "time_to_close", _l("Time to close (%(kind)s)", kind=kind), report.time_to_close
        ),
        _calls_table(report),
        _count_table(
            "referrals",
            _l("Referrals to member organisations"),
            _l("Organisation"),
            report.referrals,
            str,
        ),
        _feedback_table(report),
    ]
