"""rota: a shared virtual guidance service run by a ring of member organisations."""

import os

from rota.config import load_config


def create_app(config=None):
    """Build the app: configuration, extensions, blueprints, commands, error pages."""
    from rota.errorpages import Rota

    app = Rota(
        __name__,
        template_folder=template_folder(),
        static_folder="static",
        instance_path=os.environ.get("ROTA_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    load_config(app, config)
    import_models()
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_errorhandlers(app)
    wrap_wsgi(app)
    return app


def template_folder():
    """rota/templates in an installed copy (setup.py puts it there); ../templates in a checkout."""
    package = os.path.dirname(os.path.abspath(__file__))
    installed = os.path.join(package, "templates")
    return (
        installed
        if os.path.isdir(installed)
        else os.path.join(os.path.dirname(package), "templates")
    )


def wrap_wsgi(app):
    """The WSGI middleware around Flask, innermost first: the phone system's on-duty call
    answered from the worker's hot answers without Flask (rota.api.on_duty.HotLane; it reads
    the Host header as the proxies gave it, so it lies inside ProxyFix); the proxies' headers;
    request ids, latency and the access line (rota.ops.web.Requests); security headers, on
    every response (rota.auth.headers.SecurityHeaders)."""
    from rota.api.on_duty import HotLane
    from rota.auth.headers import SecurityHeaders, security_headers
    from rota.ops.web import Requests

    app.wsgi_app = HotLane(app.wsgi_app, app)
    trust_proxies(app)
    app.wsgi_app = Requests(app.wsgi_app)
    app.wsgi_app = SecurityHeaders(app.wsgi_app, security_headers(app.config))


def trust_proxies(app):
    """Behind PROXY_FIX proxies, take the client's address, scheme and host from them."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    if hops := app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)


def import_models():
    """Load every domain's models so the metadata (and Alembic) sees all tables."""
    from rota.auth import models as auth_models  # noqa: F401
    from rota.contacts import models as contact_models  # noqa: F401
    from rota.jobs import lease as job_models  # noqa: F401
    from rota.members import models as member_models  # noqa: F401
    from rota.outbox import models as outbox_models  # noqa: F401
    from rota.privacy import models as privacy_models  # noqa: F401
    from rota.reports import models as report_models  # noqa: F401
    from rota.schedule import models as schedule_models  # noqa: F401


def register_extensions(app):
    """Bind every extension to the app."""
    from rota import hot, i18n, templating
    from rota.auth import headers
    from rota.auth import login as sign_in
    from rota.extensions import csrf, db, mail, migrate
    from rota.ops import web

    make_instance_folder(app)
    web.init_app(app)
    db.init_app(app)
    hot.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    headers.init_app(app)
    sign_in.init_app(app)


def make_instance_folder(app):
    """The instance folder holds config.py and the default SQLite database: it must exist."""
    try:
        os.makedirs(app.instance_path, exist_ok=True)
    except OSError as exc:
        raise RuntimeError(
            f"The instance folder {app.instance_path} cannot be created ({exc.strerror}): "
            "set ROTA_INSTANCE_PATH to a folder rota may write to."
        ) from exc


def register_blueprints(app):
    """Mount each domain's pages and API (ids in URLs limited by rota.converters)."""
    from rota import converters, home
    from rota.auth import views as auth
    from rota.members import people_views
    from rota.members import views as members
    from rota.ops import views as ops

    converters.init_app(app)
    for module in (home, auth, members, people_views, ops):
        app.register_blueprint(module.bp)
    from rota import api
    from rota.schedule.feeds import views as feed_views

    for module in (feed_views, api):
        app.register_blueprint(module.bp)
    from rota.schedule.hours import views as admin_views
    from rota.schedule.planning import views as planning_views

    for module in (admin_views, planning_views):
        app.register_blueprint(module.bp)
    from rota.schedule import views as schedule

    app.register_blueprint(schedule.bp)
    from rota.contacts.mail import views as mail_views

    app.register_blueprint(mail_views.bp)
    from rota.contacts.queue import views as contacts
    from rota.reports import views as reports

    app.register_blueprint(contacts.bp)
    app.register_blueprint(reports.bp)
    from rota.privacy import views as privacy

    app.register_blueprint(privacy.bp)


def register_commands(app):
    """Add the `flask --app rota …` commands."""
    from rota import cli

    cli.init_app(app)


def register_errorhandlers(app):
    """JSON errors under /api, friendly localised pages elsewhere (rota.errorpages)."""
    from rota import errorpages

    errorpages.init_app(app)
