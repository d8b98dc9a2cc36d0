"""Flask extensions, created unbound; the app factory binds them."""

from flask_babel import Babel
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from rota.auth.cookies import SignIns
from rota.db import Base
from rota.logs import scrub

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = SignIns()
csrf = CSRFProtect()
mail = Mail()
babel = Babel()

event.listen(Engine, "handle_error", scrub)  # no client data in database error messages


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Turn on foreign keys, WAL, a busy timeout and zeroing of deleted content for SQLite."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: safe against a process crash
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA secure_delete=ON")  # purged and erased data is overwritten
        cursor.close()
