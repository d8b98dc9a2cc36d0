"""`flask --app rota report service|contribution`: a report of a period to a file."""

import click
from flask import current_app
from flask_babel import force_locale

from rota.errors import DomainError
from rota.extensions import db
from rota.members.models import Organisation
from rota.reports import documents, exports
from rota.reports.service import ReportSettings

DAY = click.DateTime(formats=["%Y-%m-%d"])


def _organisation(short_name: str | None) -> Organisation | None:
    if short_name is None:
        return None
    org = db.session.scalar(db.select(Organisation).filter_by(short_name=short_name))
    if org is None:
        raise click.BadParameter(
            f"no organisation with short name {short_name!r}", param_hint="--org"
        )
    return org


def _document(kind: str, first, last, org: Organisation | None) -> documents.Document:
    settings = ReportSettings.from_config(current_app.config)
    if kind == "service":
        return documents.service_document(db.session, first, last, settings)
    if org is not None:
        return documents.statement(db.session, first, last, settings, org)
    return documents.ring_summary(db.session, first, last, settings)


@click.command("report")
@click.argument("kind", type=click.Choice(["service", "contribution"]))
@click.option("--from", "first", type=DAY, required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "last", type=DAY, required=True, help="Last day, YYYY-MM-DD.")
@click.option("--org", "org_short", help="Short name: that organisation's statement only.")
@click.option("--lang", type=click.Choice(["fi", "sv", "en"]), default="fi", show_default=True)
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), required=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def report_command(kind, first, last, org_short, lang, fmt, out):
    """Write the service report or the contribution statement (all members: the ring summary)
    of a period to a file."""
    if kind == "service" and org_short:
        raise click.BadParameter("the service report covers the whole ring", param_hint="--org")
    org = _organisation(org_short)
    click.echo(f"Counting {first.date()} – {last.date()} …", err=True)
    with force_locale(lang):
        try:
            doc = _document(kind, first.date(), last.date(), org)
        except DomainError as exc:
            raise click.ClickException(str(exc.user_message)) from exc
        click.echo(f"Writing {len(doc.tables)} tables as {fmt} …", err=True)
        body = documents.as_file(doc, fmt, lang)
    with open(out, "wb") as file:
        file.write(body)
    click.echo(f"{doc.title}: {out} ({len(body)} bytes)")


def init_app(app):
    """Register the command on the app."""
    app.cli.add_command(report_command)
