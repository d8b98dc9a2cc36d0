"""`flask --app rota …` commands for operators: prepare (checks and migrations), backup, restore."""

from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import text

from rota.extensions import db
from rota.ops import backup
from rota.ops.health import migration_heads

MIGRATION_LOCK = 7_301_017  # the advisory lock several hosts starting at once queue on


def production_problems(config) -> list[str]:
    """What in the configuration keeps rota from running in production, each with the fix."""
    problems = []
    base = urlsplit(str(config.get("BASE_URL") or ""))
    if base.scheme != "https" or not base.netloc:
        problems.append("BASE_URL must be the ring's https address, e.g. https://ohjaus.example.fi")
    if not str(config["DATABASE_URL"]).startswith("postgresql"):
        problems.append("DATABASE_URL must name PostgreSQL, e.g. postgresql+psycopg://rota@/rota")
    if len(str(config["SECRET_KEY"])) < 32:
        problems.append("SECRET_KEY must be a long random value (32 characters or more)")
    if not config["SESSION_COOKIE_SECURE"]:
        problems.append("SESSION_COOKIE_SECURE must stay True behind https")
    return problems


@click.command("prepare")
@with_appcontext
def prepare_command():
    """Check the production settings, then apply the migrations (one host at a time)."""
    if problems := production_problems(current_app.config):
        raise click.ClickException("not ready for production:\n  " + "\n  ".join(problems))
    with db.engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            upgrade()
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
    click.echo(f"Settings checked; database at revision {', '.join(sorted(migration_heads()))}.")


@click.command("backup")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out):
    """Write the whole database (stored mail included) to a file, from one snapshot."""
    try:
        summary = backup.write_backup(db.engine, out)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {out}: {summary}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path):
    """Load a backup into a new, empty database, then migrate it to this release."""
    try:
        summary = _restore(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored from {path}: {summary}; migrated to this release.")


def _restore(path: Path) -> backup.Summary:
    header = backup.read_header(path)
    with db.engine.connect() as conn:
        backup.check_empty(conn)
        current = _schema_revisions(conn)
    if current and current != header["revision"]:
        raise backup.BackupError(
            f"the database is at revision {', '.join(current)}, the backup at "
            f"{', '.join(header['revision'])}: restore into a new, empty database"
        )
    for revision in header["revision"]:
        upgrade(revision=revision)
    summary = backup.load_backup(db.engine, path)
    upgrade()
    return summary


def _schema_revisions(conn) -> list[str]:
    try:
        return backup.revisions(conn)
    except backup.BackupError:
        return []


def init_app(app) -> None:
    """Register the commands."""
    for command in (prepare_command, backup_command, restore_command):
        app.cli.add_command(command)
