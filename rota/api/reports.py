"""GET /api/v1/reports/contribution and /api/v1/reports/service (token scope `reports:read`,
which only the coordinator may give): a report of a period as tables, in `lang` (default en).

`from` and `to` are local days (both included, at most two years; default the last whole
month); `org` (short name) narrows
the contribution to one organisation's statement.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request
from flask_babel import force_locale

from rota.api import bp, params
from rota.api.auth import token_required
from rota.auth.policy import TokenScope
from rota.db import utcnow
from rota.errors import DomainError
from rota.extensions import db
from rota.members.models import Organisation
from rota.reports import documents, exports
from rota.reports.service import ReportSettings

LANGUAGES = ("fi", "sv", "en")


def _period(zone: ZoneInfo):
    """`from` and `to`, by default the last whole month."""
    this_month = utcnow().astimezone(zone).date().replace(day=1)
    before = this_month - timedelta(days=1)
    first = params.day(request.args.get("from"), "from") or before.replace(day=1)
    last = params.day(request.args.get("to"), "to") or max(first, before)
    return first, last


def _language() -> str:
    lang = request.args.get("lang", "en")
    if lang not in LANGUAGES:
        raise params.BadParameter("lang", "Send `lang` as fi, sv or en.")
    return lang


def _organisation() -> Organisation | None:
    short_name = request.args.get("org")
    if short_name is None:
        return None
    org = db.session.scalar(db.select(Organisation).filter_by(short_name=short_name))
    if org is None:
        raise params.BadParameter("org", "No organisation has this short name.")
    return org


def _answer(build):
    settings = ReportSettings.from_config(current_app.config)
    first, last = _period(settings.zone)
    lang = _language()
    with force_locale(lang):
        try:
            doc = build(first, last, settings)
        except DomainError as exc:
            raise params.BadParameter(
                "to" if exc.field == "last" else None, str(exc.user_message)
            ) from exc
        about = {"report": doc.kind, "from": first.isoformat(), "to": last.isoformat()}
        return jsonify(exports.to_json(doc.tables, **about, language=lang))


@bp.get("/reports/contribution")
@token_required(TokenScope.REPORTS)
def contribution_report():
    org = _organisation()
    if org is None:
        return _answer(lambda *period: documents.ring_summary(db.session, *period))
    return _answer(lambda *period: documents.statement(db.session, *period, org))


@bp.get("/reports/service")
@token_required(TokenScope.REPORTS)
def service_report():
    return _answer(_service)


def _service(first, last, settings):
    document = documents.service_document(db.session, first, last, settings)
    db.session.commit()  # the contacts' figures it worked out are kept (rota.reports.stored)
    return document
