"""`flask --app rota …` commands: demo data and API tokens (other domains add theirs)."""

import click
from flask import current_app
from flask.cli import AppGroup

from rota.auth import tokens
from rota.auth.policy import TokenScope
from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db
from rota.members.models import Organisation

token_cli = AppGroup("token", help="Create and list API tokens for integrations.")


@click.command("demo")
def demo_command():
    """Load the demo ring (once): 10 member organisations, memoranda, people, the rota with
    counsellors named on the next four weeks' shifts, and a day's contacts."""
    from rota.demo import DEMO_PASSWORD, load_demo, load_demo_day, plan_demo_rota
    from rota.schedule.planning.generation import RotaSettings

    if load_demo(db.session):
        db.session.flush()
        now, settings = utcnow(), RotaSettings.from_config(current_app.config)
        named = plan_demo_rota(db.session, now, settings)
        load_demo_day(db.session, now, settings)
        db.session.commit()
        click.echo(f"Demo ring loaded. Every demo account's password is {DEMO_PASSWORD!r}.")
        click.echo(f"Counsellors named on {named} shifts from today to four weeks ahead.")
    else:
        click.echo("The database already has member organisations; demo data not loaded.")


@token_cli.command("create")
@click.option("--name", required=True, help="Where the token is used, e.g. 'PBX'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice([scope.value for scope in TokenScope]),
)
@click.option("--org", "org_short", help="Short name of the owning organisation.")
def token_create(name, scopes, org_short):
    """Create a token and print its secret (shown only this once)."""
    org = None
    if org_short:
        org = db.session.scalar(db.select(Organisation).filter_by(short_name=org_short))
        if org is None:
            raise click.BadParameter(
                f"no organisation with short name {org_short!r}", param_hint="--org"
            )
    try:
        token, secret = tokens.create_token(db.session, name=name, scopes=scopes, organisation=org)
    except DomainError as exc:
        raise click.ClickException(str(exc.user_message)) from exc
    db.session.commit()
    click.echo(f"Token {token.name!r} ({' '.join(token.scope_list)}) created. Secret, shown once:")
    click.echo(secret)


@click.command("poll-mail")
def poll_mail_command():
    """Read the shared mailbox now (fetch, store, ingest, mark) and print what was done."""
    from flask import current_app

    from rota.contacts.mail.poll import poll_mailbox
    from rota.db import utcnow

    report = poll_mailbox(db.session, current_app.config, utcnow())
    click.echo(report.summary())
    if report.error:
        raise click.ClickException(f"the shared mailbox could not be read: {report.error}")


def init_app(app):
    """Register the commands on the app."""
    app.cli.add_command(demo_command)
    app.cli.add_command(token_cli)
    app.cli.add_command(poll_mail_command)
    from rota.jobs import scheduler as jobs

    app.cli.add_command(jobs.scheduler_command)
    app.cli.add_command(jobs.run_job_command)
    from rota.members.cli import members_cli
    from rota.schedule.planning import cli as planning_cli

    app.cli.add_command(members_cli)

    planning_cli.init_app(app)
    from rota.ops import cli as ops_cli

    ops_cli.init_app(app)
    from rota.reports import cli as reports_cli

    reports_cli.init_app(app)
    from rota.privacy.cli import client_cli

    app.cli.add_command(client_cli)
