"""The front page and its panels, and the language switch."""

from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from rota import hot
from rota.auth.redirects import local_path
from rota.contacts.mail import poll as mailbox
from rota.contacts.queue import service as queue
from rota.contacts.queue.service import Section
from rota.db import utcnow
from rota.extensions import db
from rota.forms import perform
from rota.i18n import service_date
from rota.members import people
from rota.members.roles import Role
from rota.schedule import coverage
from rota.schedule.planning import outlook
from rota.templating import filled, keepable, written_for

bp = Blueprint("main", __name__)

PANEL_SIZE = 5  # contacts listed in a panel; the count says how many there are in all


# Each panel reads what it shows: PANEL_SIZE rows of a list and its COUNT, or just a count.
def _unhandled(session, viewer, now, config) -> dict:
    return {
        "unopened": queue.section_page(session, viewer, Section.UNOPENED, size=PANEL_SIZE),
        "ring": queue.section_count(session, viewer, Section.RING),
    }


def _org_queue(session, viewer, now, config) -> dict:
    return {
        "organisation": queue.section_page(session, viewer, Section.ORGANISATION, size=PANEL_SIZE)
    }


def _my_queue(session, viewer, now, config) -> dict:
    return {
        "mine": queue.section_page(session, viewer, Section.MINE, size=PANEL_SIZE),
        "callbacks": queue.section_page(session, viewer, Section.CALLBACKS, size=PANEL_SIZE),
        "organisation": queue.section_count(session, viewer, Section.ORGANISATION),
    }


def _mailbox(session, viewer, now, config) -> dict:
    return {"mail_status": mailbox.mailbox_status(session, config)}


def _duty_today(session, viewer, now, config) -> dict:
    today = service_date(now, config["TIMEZONE"])
    return {"entries": coverage.rota_between(session, today, today)}


def _gaps(session, viewer, now, config) -> dict:
    days = config["COVERAGE_DAYS"]
    return {"entries": coverage.gaps_for(session, viewer, now, days), "days": days}


def _stranded(session, viewer, now, config) -> dict:
    return {"stranded": outlook.stranded_shifts(session, now)}


def _offers(session, viewer, now, config) -> dict:
    return {"offers": coverage.offered_shifts(session, now)}


def _my_shifts(session, viewer, now, config) -> dict:
    return {"entries": coverage.upcoming_for(session, viewer.id, now)}


# The front page's panels by role, what needs doing now first: (template, its data from the
# services, given the session, the viewer, now and the app's configuration, the tables it reads).
PANELS = {
    Role.COORDINATOR: [
        ("contacts/panels/unhandled.html", _unhandled, hot.QUEUES),
        ("schedule/panels/duty_today.html", _duty_today, hot.DUTY),
        ("schedule/panels/stranded.html", _stranded, hot.DUTY | hot.MEMBERS),
        ("schedule/panels/gaps.html", _gaps, hot.DUTY),
        ("contacts/mail/panel.html", _mailbox, hot.MAIL),
    ],
    Role.ORG_ADMIN: [
        ("contacts/panels/org_queue.html", _org_queue, hot.QUEUES),
        ("schedule/panels/gaps.html", _gaps, hot.DUTY),
        ("schedule/panels/offers.html", _offers, hot.DUTY),
    ],
    Role.COUNSELLOR: [
        ("contacts/panels/my_queue.html", _my_queue, hot.QUEUES),
        ("schedule/panels/my_shifts.html", _my_shifts, hot.DUTY),
    ],
}
# a panel shows what is not over yet (today's shifts, the gaps ahead): written again at least
# this often, whatever HOT_CACHE_SECONDS says
CLOCK = timedelta(minutes=1)


def _panel(template: str, data, reads: frozenset, viewer, now, config) -> Markup:
    """A panel's HTML for the viewer: the worker's hot answer (rota.hot) until a table it reads
    is written, or for CLOCK at most; only what the key names (the panel, the person, the
    language, the zone, the mount point) shapes it, and a CSRF token in it is the request's."""

    def write():
        panel = data(db.session, viewer, now, config)
        return keepable(template, panel=panel), now + CLOCK

    key = ("panel", template, viewer.id, *written_for())
    return filled(hot.answer(key, write, reads))


@bp.get("/")
@login_required
def home():
    now, config, viewer = utcnow(), current_app.config, current_user._get_current_object()
    panels = [_panel(*panel, viewer, now, config) for panel in PANELS[viewer.role]]
    return render_template("home.html", panels=panels)


@bp.post("/language")
def set_language():
    code = request.form.get("language", "")
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            perform(people.set_locale, current_user, code)
    return redirect(local_path(request.form.get("next")) or url_for("main.home"))
