"""No client data in the server log: what failed is logged, never the values it carried.

Three rules, kept here in one place:

- Statements run with ``hide_parameters`` (set in ``rota.config``), so a failed statement's
  exception — and every traceback and log line that prints it — names the SQL, not its values.
- PostgreSQL's own error text can quote data too ("Failing row contains (…, Call from +358…)",
  "Key (address)=(client@…)", 'invalid input syntax for type integer: "…"'). ``scrub`` keeps
  its SQLSTATE, the primary message up to any quoted value, and the schema names it gives.
- Log calls describe other failures with ``describe`` (the kind and code, not the message):
  an SMTP refusal quotes the client's address.
"""

from __future__ import annotations

import smtplib

from sqlalchemy.exc import DBAPIError


def _database_text(orig: BaseException) -> str | None:
    """PostgreSQL's error as SQLSTATE, primary message and schema names; None for others."""
    diag = getattr(orig, "diag", None)
    if diag is None or not getattr(diag, "sqlstate", None):
        return None  # SQLite's and psycopg's own messages name the schema, never values
    primary = (diag.message_primary or "").split(": ", 1)[0]
    names = (("table", diag.table_name), ("column", diag.column_name))
    names += (("constraint", diag.constraint_name),)
    where = ", ".join(f"{kind} {name}" for kind, name in names if name)
    return f"{diag.sqlstate}: {primary}" + (f" ({where})" if where else "")


def scrub(context) -> None:
    """Engine ``handle_error`` listener: drop the values a database error message quotes."""
    orig, wrapped = context.original_exception, context.sqlalchemy_exception
    text = _database_text(orig)
    if text is None:
        return
    orig.args = (text,)
    if isinstance(wrapped, DBAPIError):
        wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {text}",)


def describe(exc: BaseException) -> str:
    """A failure for the log: its kind and code (SMTP reply, SQLSTATE), never its message."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = ",".join(sorted({str(reply[0]) for reply in exc.recipients.values()}))
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or type(exc.orig).__name__
    return f"{type(exc).__name__} ({code})" if code else type(exc).__name__
