"""Calendar feeds over HTTP (token in the path, 304s), single-shift downloads, Subscribe pages."""

import functools
from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rota import hot
from rota.auth import policy
from rota.auth.access import feed_token, role_required
from rota.auth.forms import ConfirmForm
from rota.db import utcnow
from rota.extensions import db
from rota.forms import perform
from rota.inputs import whole_number
from rota.links import external_url
from rota.members import service as members
from rota.members.models import Role
from rota.schedule.feeds import service as feeds
from rota.schedule.feeds.service import FeedKind

bp = Blueprint("feeds", __name__)

MAX_ALARM_MINUTES = 7 * 24 * 60


def _ring() -> feeds.Ring:
    config = current_app.config
    return feeds.Ring(
        name=config["RING_NAME"],
        phone=config["RING_PHONE"],
        email=config["RING_EMAIL"],
        tz=config["TIMEZONE"],
        refresh_minutes=config["FEED_REFRESH_MINUTES"],
    )


def _options(default_locale: str | None) -> tuple[str, int | None]:
    """The feed's language (?lang=, else the owner's) and reminder (?alarm=minutes), or 400."""
    languages = current_app.config["LANGUAGES"]
    lang = request.args.get("lang")
    if lang is not None and lang not in languages:
        abort(400, _("Choose the language with lang=%(codes)s.", codes="|".join(languages)))
    if lang is None:
        fallback = current_app.config["BABEL_DEFAULT_LOCALE"]
        lang = default_locale if default_locale in languages else fallback
    alarm = request.args.get("alarm")
    if alarm is None:
        return lang, None
    minutes = whole_number(alarm)
    if minutes is None or minutes > MAX_ALARM_MINUTES:
        abort(400, _("Give the reminder as alarm=minutes before the shift, 0 to 10080."))
    return lang, minutes


def _not_modified(checks: feeds.Validators) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains_weak(checks.etag)
    since = request.if_modified_since
    return since is not None and checks.last_modified <= since


def _serve(key: tuple, open_feed: Callable[[], feeds.Feed]) -> Response:
    """The feed with ETag and Last-Modified, or 304 without building it. The feed and its
    validators are the worker's hot answer (rota.hot) until its window moves or its data
    changes, so that a calendar's poll answered 304 touches no database."""
    ring = _ring()

    def validated():
        feed = open_feed()
        return (feed, feeds.validators(db.session, feed, ring)), feed.window_moves_at

    feed, checks = hot.answer(key, validated)
    if _not_modified(checks):
        response = Response(status=304)
    else:
        response = Response(feeds.render_feed(db.session, feed, ring), mimetype="text/calendar")
    response.set_etag(checks.etag)
    response.last_modified = checks.last_modified
    response.cache_control.no_cache = True
    response.cache_control.private = not feed.public
    response.cache_control.public = feed.public
    return response


def _token_feed(secret: str, kind: FeedKind, target_id: int | None) -> Response:
    token = feed_token(secret)
    lang, alarm = _options(token.holder.person.locale if token.holder.person else None)
    open_feed = functools.partial(
        feeds.open_feed,
        db.session,
        token,
        kind,
        target_id,
        ring=_ring(),
        now=utcnow(),
        locale=lang,
        alarm_minutes=alarm,
    )
    return _serve(("feed", token.id, kind, target_id, lang, alarm), open_feed)


@bp.get("/feeds/<secret>/ring.ics")
def ring_feed(secret):
    return _token_feed(secret, FeedKind.RING, None)


@bp.get("/feeds/<secret>/organisations/<int:organisation_id>.ics")
def organisation_feed(secret, organisation_id):
    return _token_feed(secret, FeedKind.ORGANISATION, organisation_id)


@bp.get("/feeds/<secret>/people/<int:user_id>.ics")
def person_feed(secret, user_id):
    return _token_feed(secret, FeedKind.PERSON, user_id)


@bp.get("/feeds/public/ring.ics")
def public_feed():
    if not current_app.config["PUBLIC_FEED"]:
        abort(404)
    lang, alarm = _options(None)
    open_feed = functools.partial(
        feeds.public_feed, ring=_ring(), now=utcnow(), locale=lang, alarm_minutes=alarm
    )
    return _serve(("public feed", lang, alarm), open_feed)


@bp.get("/shifts/<int:shift_id>.ics")
@login_required
def shift_file(shift_id):
    data = feeds.shift_file(db.session, shift_id, _ring(), str(get_locale()))
    disposition = f'attachment; filename="shift-{shift_id}.ics"'
    return Response(data, mimetype="text/calendar", headers={"Content-Disposition": disposition})


def _link(label: str, url: str) -> dict:
    """One subscription link: https and webcal forms and a QR code of the https one."""
    import segno  # imported when a subscription is made, not by every worker at start

    qr = segno.make(url, error="m").svg_inline(scale=3, title=_("QR code: %(label)s", label=label))
    return {"label": label, "url": url, "webcal": "webcal://" + url.partition("://")[2], "qr": qr}


def _links(secret: str, holder: policy.TokenHolder, organisation=None, person=None) -> list[dict]:
    """Links to the feeds a new token of `holder` reaches (the rules are in rota.auth.policy)."""
    links = []
    if policy.may_read_ring_feed(holder):
        links.append(_link(_("The whole ring"), external_url("feeds.ring_feed", secret=secret)))
    if organisation is not None and policy.may_read_organisation_feed(holder, organisation.id):
        url = external_url(
            "feeds.organisation_feed", secret=secret, organisation_id=organisation.id
        )
        links.append(_link(organisation.name, url))
    if person is not None and policy.may_read_person_feed(
        holder, person.id, person.organisation_id
    ):
        url = external_url("feeds.person_feed", secret=secret, user_id=person.id)
        links.append(_link(_("Your own shifts"), url))
    return links


def _public_link() -> dict | None:
    if not current_app.config["PUBLIC_FEED"]:
        return None
    return _link(_("The ring, without names"), external_url("feeds.public_feed"))


@bp.route("/subscribe", methods=["GET", "POST"])
@login_required
def subscribe():
    form, links = ConfirmForm(), []
    if form.validate_on_submit():
        secret = perform(feeds.create_subscription, created_by=current_user).result
        holder = policy.TokenHolder(current_user, None)
        links = _links(secret, holder, current_user.organisation, current_user)
    return render_template(
        "schedule/feeds/subscribe.html",
        form=form,
        links=links,
        public=_public_link(),
        organisations=feeds.managed_organisations(db.session, current_user),
        organisation=None,
    )


@bp.route("/organisations/<int:org_id>/subscribe", methods=["GET", "POST"])
@role_required(Role.COORDINATOR, Role.ORG_ADMIN)
def organisation_subscribe(org_id):
    organisation = members.get_managed_organisation(db.session, current_user, org_id)
    form, links = ConfirmForm(), []
    if form.validate_on_submit():
        done = perform(
            feeds.create_subscription, created_by=current_user, organisation=organisation
        )
        links = _links(done.result, policy.TokenHolder(None, organisation.id), organisation)
    return render_template(
        "schedule/feeds/subscribe.html",
        form=form,
        links=links,
        public=_public_link(),
        organisations=[],
        organisation=organisation,
    )
