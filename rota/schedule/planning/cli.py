"""`flask --app rota generate` and `flask --app rota fairness`: the rota from the command line."""

from datetime import date

import click
from flask import current_app

from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db
from rota.i18n import service_today
from rota.schedule.planning import generation
from rota.schedule.planning.fairness import FairnessTable, fairness_table

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
    """Extend the rota from today to --until, fairly, without moving existing shifts."""
    day = until.date() if until else None
    result = _run(generation.generate, day, utcnow(), progress=click.echo)
    db.session.commit()
    click.echo(
        f"Rota extended to {result.until}: {result.created} shifts created, "
        f"{result.existing} already stored, {result.unassigned} slots with no member in force."
    )
    if result.stale:
        click.echo(
            f"Warning: {result.stale} future shifts belong to organisations no longer in force "
            "on their day. Re-plan those weeks on the rota planning page."
        )


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


@click.command("fairness")
@click.option("--from", "first", type=DAY, help="First day (default: 1 January this year).")
@click.option("--to", "last", type=DAY, help="Last day (default: 31 December this year).")
def fairness_command(first, last):
    """Print each organisation's share, entitled and assigned hours and the difference."""
    year = service_today().year
    first = first.date() if first else date(year, 1, 1)
    last = last.date() if last else date(year, 12, 31)
    click.echo(format_table(_run(fairness_table, first, last)))


def init_app(app):
    """Register the rota's commands."""
    app.cli.add_command(generate_command)
    app.cli.add_command(fairness_command)
