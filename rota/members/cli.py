"""`flask --app rota members sign|withdraw`: record a commitment from a script, then see the
minimum-change re-plan it needs (applied with `replan --apply` or the next `generate`)."""

import click
from flask import current_app

from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db
from rota.i18n import service_today
from rota.members import memoranda
from rota.members.models import Organisation
from rota.schedule.planning import cli as planning_cli
from rota.schedule.planning import replan, runs
from rota.schedule.planning.generation import RotaSettings

members_cli = click.Group(
    "members", help="Record signatures and withdrawals of member organisations."
)
DAY = planning_cli.DAY


def _organisation(short_name: str) -> Organisation:
    org = db.session.scalar(db.select(Organisation).filter_by(short_name=short_name))
    if org is None:
        raise click.BadParameter(
            f"no organisation with short name {short_name!r}", param_hint="--org"
        )
    return org


def _offer_replan() -> None:
    """Print the re-plan of the unpublished weeks the recorded change needs (not applied)."""
    today = service_today()
    end = runs.last_planned_day(db.session, today)
    if end is None:
        click.echo("No rota yet: `generate` plans with this signature.")
        return
    settings = RotaSettings.from_config(current_app.config)
    plan = replan.preview_replan(db.session, today, end, utcnow(), settings=settings)
    click.echo(planning_cli.format_summary(plan))
    click.echo(
        f"Apply with: flask --app rota replan --from {today} --to {end} --apply (or run generate)."
    )


def _record(action, *args, **kwargs):
    try:
        result = action(db.session, *args, **kwargs)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.user_message)) from exc
    db.session.commit()
    return result


@members_cli.command("sign")
@click.option("--org", "org_short", required=True, help="Short name of the organisation.")
@click.option("--agreement", "version", required=True, help="Version label of the memorandum.")
@click.option("--from", "first", type=DAY, required=True, help="First day the commitment binds.")
@click.option("--until", "last", type=DAY, help="Last day it binds (default: open-ended).")
@click.option(
    "--hours-per-month", "hours", type=float, required=True, help="Hours committed a month."
)
@click.option(
    "--languages", default="", help="Languages it staffs, e.g. fi,sv (default: its people's)."
)
@click.option("--channels", default="", help="Channels it staffs, e.g. phone,email (default: all).")
@click.option("--signed-by", default="", help="Who signed (default: the organisation's name).")
def sign_command(org_short, version, first, last, hours, languages, channels, signed_by):
    """Record a signature (or amend the one in force on --from) and show the re-plan it needs."""
    org = _organisation(org_short)
    try:
        agreement = memoranda.agreement_by_label(db.session, version)
    except DomainError as exc:
        raise click.BadParameter(str(exc.user_message), param_hint="--agreement") from exc
    signature = _record(
        memoranda.record_commitment,
        org,
        None,
        agreement_id=agreement.id,
        signed_on=service_today(),
        signed_by_name=signed_by or org.name,
        valid_from=first.date(),
        valid_until=last.date() if last else None,
        commitment_amount=hours,
        commitment_unit="hours",
        languages=languages,
        channels=channels,
    )
    amended = " (amends the previous one)" if signature.supersedes_id else ""
    click.echo(
        f"Signature recorded for {org.short_name}: {hours:g} h a month from {first:%Y-%m-%d}{amended}."
    )
    _offer_replan()


@members_cli.command("withdraw")
@click.option("--org", "org_short", required=True, help="Short name of the organisation.")
@click.option("--from", "first", type=DAY, required=True, help="First day it no longer takes part.")
@click.option("--reason", default="", help="Why, for the record.")
def withdraw_command(org_short, first, reason):
    """Withdraw the organisation's signature from --from and show the re-plan it needs."""
    org = _organisation(org_short)
    signature = memoranda.signature_on(db.session, org, first.date())
    if signature is None:
        raise click.ClickException(
            f"{org.short_name} has no signature in force on {first:%Y-%m-%d}."
        )
    _record(memoranda.withdraw, signature, first.date(), reason)
    click.echo(f"{org.short_name} withdrawn from {first:%Y-%m-%d}.")
    _offer_replan()
