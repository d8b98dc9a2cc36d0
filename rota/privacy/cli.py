"""`flask --app rota client find|export|erase`: a client's data from the command line."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db
from rota.members.models import Role, User
from rota.privacy import clients
from rota.privacy.storage import reclaim

client_cli = AppGroup("client", help="Find, export or erase one client's data.")


def _key_options(command):
    command = click.option("--phone", default="", help="The client's phone number.")(command)
    return click.option("--email", default="", help="The client's e-mail address.")(command)


def _acting_options(command):
    command = click.option("--reason", required=True, help="Why (recorded with the date).")(command)
    return click.option("--by", "by", default="", help="The coordinator's sign-in address.")(
        command
    )


def _key(email: str, phone: str) -> clients.ClientKey:
    try:
        return clients.ClientKey.parse(email, phone, current_app.config["PHONE_REGION"])
    except DomainError as exc:
        raise click.UsageError(str(exc.user_message)) from exc


def _coordinator(address: str) -> User | None:
    if not address:
        return None
    person = db.session.scalar(select(User).where(User.email == address.strip().lower()))
    if person is None or person.role != Role.COORDINATOR or not person.active:
        raise click.BadParameter(f"{address!r} is no active coordinator", param_hint="--by")
    return person


def _done(action):
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.user_message)) from exc
    db.session.commit()
    return result


@client_cli.command("find")
@_key_options
def find_command(email, phone):
    """Print what is held about the client (how many records of each kind, and where)."""
    data = clients.find(db.session, _key(email, phone))
    for name, count in data.counts.items():
        click.echo(f"{name}: {count}")
    for contact in data.contacts:
        click.echo(
            f"contact {contact.reference or contact.id}: {contact.channel}, {contact.status}"
        )


@client_cli.command("export")
@_key_options
@_acting_options
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_command(email, phone, reason, by, out):
    """Write a ZIP of the client's data (data.json, original messages, attachments)."""
    key, actor = _key(email, phone), _coordinator(by)
    archive = _done(lambda: clients.export(db.session, actor, key, reason, utcnow(), via="cli"))
    out.write_bytes(archive)
    click.echo(f"Written {out} ({len(archive)} bytes).")


@client_cli.command("erase")
@_key_options
@_acting_options
def erase_command(email, phone, reason, by):
    """Erase the client's data; other people's messages in the same threads stay."""
    key, actor = _key(email, phone), _coordinator(by)
    done = _done(lambda: clients.erase(db.session, actor, key, reason, utcnow(), via="cli"))
    reclaim(db.engine)
    click.echo("Erased: " + ", ".join(f"{n} {name}" for name, n in done.counts.items()))
