"""`flask --app rota generate` and `flask --app rota fairness`: the rota from the command line."""

import json
from datetime import date

import click
from flask import current_app

from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db
from rota.i18n import service_today
from rota.members.models import Organisation
from rota.schedule.planning import generation, replan
from rota.schedule.planning.fairness import (
    FairnessTable,
    MonthDemand,
    MonthRow,
    fairness_table,
    monthly_fairness,
)

DAY = click.DateTime(formats=["%Y-%m-%d"])


def _run(action, *args, **kwargs):
    settings = generation.RotaSettings.from_config(current_app.config)
    try:
        return action(db.session, *args, settings=settings, **kwargs)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.user_message)) from exc


@click.command("generate")
@click.option("--until", type=DAY, help="Last day to fill (default: the horizon, 12 weeks).")
def generate_command(until):
    """Re-plan for signatures changed since the last run, then extend the rota to --until."""
    day = until.date() if until else None
    done = _run(replan.generate, day, utcnow(), progress=click.echo)
    db.session.commit()
    if done.replan is not None:
        click.echo(format_summary(done.replan))
    result = done.result
    click.echo(
        f"Rota extended to {result.until}: {result.created} shifts created, "
        f"{result.existing} already stored, {result.unassigned} slots with no member in force."
    )
    if result.stale:
        click.echo(
            f"Warning: {result.stale} future shifts belong to organisations no longer in force "
            "on their day. Re-plan those weeks on the rota planning page."
        )


def format_summary(plan: replan.Replan) -> str:
    """A re-plan's per-member summary ("+13 h / -2 h") and then its changed shifts."""
    names = {org.id: org.short_name for org in db.session.scalars(db.select(Organisation))}
    lines = [f"Re-plan {plan.first} – {plan.last}: {len(plan.changes)} shifts change hands"]
    lines += [
        f"  {names[row.organisation_id]}: +{row.gained:.1f} h / -{row.lost:.1f} h"
        for row in plan.summary()
    ]
    zone = generation.RotaSettings.from_config(current_app.config).zone
    lines += [
        f"  {c.starts_at.astimezone(zone):%Y-%m-%d %H:%M} {c.key.split('/')[1]}: "
        f"{names.get(c.from_org, '-')} -> {names.get(c.to_org, '-')}"
        for c in plan.changes
    ]
    return "\n".join(lines)


def format_table(table: FairnessTable) -> str:
    """The fairness table as aligned text."""
    width = max([len("Organisation"), *(len(row.organisation.short_name) for row in table.rows)])
    lines = [
        f"Fairness {table.first} – {table.last}: {table.total_hours:.1f} h of shifts, "
        f"longest {table.longest_shift:.1f} h",
        f"{'Organisation':<{width}}  {'Share':>7}  {'Entitled':>9}  {'Assigned':>9}  {'Diff':>7}",
    ]
    for row in table.rows:
        lines.append(
            f"{row.organisation.short_name:<{width}}  {row.share:>6.1%}  {row.entitled:>8.1f}h"
            f"  {row.assigned:>8.1f}h  {row.difference:>+6.1f}h"
        )
    return "\n".join(lines)


def monthly_json(demand: list[MonthDemand], rows: list[MonthRow]) -> str:
    """Per month: demand and commitments, and per member committed, entitled, assigned hours."""
    months = [
        {
            "month": f"{d.month[0]}-{d.month[1]:02d}",
            "demand_hours": round(d.demand, 2),
            "committed_hours": round(d.committed, 2),
            "uncovered_hours": round(d.uncovered, 2),
            "members": [
                {
                    "organisation": row.organisation.short_name,
                    "committed_hours": round(row.committed, 2),
                    "entitled_hours": round(row.entitled, 2),
                    "assigned_hours": round(row.assigned, 2),
                    "above_commitment_hours": round(row.above_commitment, 2),
                }
                for row in rows
                if row.month == d.month
            ],
        }
        for d in demand
    ]
    return json.dumps({"months": months}, ensure_ascii=False, indent=2)


@click.command("fairness")
@click.option("--from", "first", type=DAY, help="First day (default: 1 January this year).")
@click.option("--to", "last", type=DAY, help="Last day (default: 31 December this year).")
@click.option("--json", "as_json", is_flag=True, help="Per member and month, as JSON.")
def fairness_command(first, last, as_json):
    """Print each organisation's share, entitled and assigned hours and the difference."""
    year = service_today().year
    first = first.date() if first else date(year, 1, 1)
    last = last.date() if last else date(year, 12, 31)
    if as_json:
        click.echo(monthly_json(*_run(monthly_fairness, first, last)))
    else:
        click.echo(format_table(_run(fairness_table, first, last)))


@click.command("replan")
@click.option("--from", "first", type=DAY, required=True, help="First day to re-plan.")
@click.option("--to", "last", type=DAY, required=True, help="Last day to re-plan.")
@click.option("--apply", "apply_", is_flag=True, help="Make the changes (default: preview only).")
def replan_command(first, last, apply_):
    """Preview (or --apply) a minimum-change re-plan of the unpublished weeks in a range."""
    now = utcnow()
    plan = _run(replan.preview_replan, first.date(), last.date(), now)
    click.echo(format_summary(plan))
    if apply_:
        _run(
            replan.apply_replan,
            plan.first,
            plan.last,
            now,
            actor_id=None,
            fingerprint=plan.fingerprint,
        )
        db.session.commit()
        click.echo(f"Applied: {len(plan.changes)} shifts changed.")


def init_app(app):
    """Register the rota's commands."""
    app.cli.add_command(generate_command)
    app.cli.add_command(fairness_command)
    app.cli.add_command(replan_command)
