"""`flask --app rota report service|contribution`: a report of a period to a file;
`flask --app rota report refresh`: every contact's stored report figures worked out again."""

import click
from flask import current_app
from flask_babel import force_locale

from rota.errors import DomainError
from rota.extensions import db
from rota.members.models import Organisation
from rota.reports import documents, exports, stored
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
        document = documents.service_document(db.session, first, last, settings)
        db.session.commit()  # the contacts' figures it worked out are kept (rota.reports.stored)
        return document
    if org is not None:
        return documents.statement(db.session, first, last, settings, org)
    return documents.ring_summary(db.session, first, last, settings)


def _write(kind: str, first, last, org_short, lang, fmt, out) -> None:
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


OPTIONS = (
    click.option("--from", "first", type=DAY, required=True, help="First day, YYYY-MM-DD."),
    click.option("--to", "last", type=DAY, required=True, help="Last day, YYYY-MM-DD."),
    click.option("--org", "org_short", help="Short name: that organisation's statement only."),
    click.option("--lang", type=click.Choice(["fi", "sv", "en"]), default="fi", show_default=True),
    click.option("--format", "fmt", type=click.Choice(exports.FORMATS), required=True),
    click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True),
)


def _document_command(kind: str, help_text: str):
    def command(**options):
        _write(kind, **options)

    command.__doc__ = help_text
    for option in reversed(OPTIONS):
        command = option(command)
    return report_command.command(kind)(command)


@click.group("report")
def report_command():
    """Reports of a period to a file, and the stored figures the service report counts."""


_document_command("service", "Write the service report of a period to a file.")
_document_command(
    "contribution",
    "Write the contribution statement (all members: the ring summary) of a period to a file.",
)


@report_command.command("refresh")
def refresh_command():
    """Work out every contact's stored report figures again (they are otherwise worked out
    when stale: by the report of their period and by the report-figures job)."""
    config = current_app.config
    forgotten = stored.forget(db.session)
    db.session.commit()
    zone = ReportSettings.from_config(config).zone
    done = stored.refresh_in_batches(db.session, zone, config["REPORT_FIGURES_BATCH"])
    click.echo(f"Worked out the figures of {done} contacts ({forgotten} had some).")


def init_app(app):
    """Register the command on the app."""
    app.cli.add_command(report_command)
