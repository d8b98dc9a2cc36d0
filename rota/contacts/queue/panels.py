"""What the contacts' front-page panels show the signed-in person (view layer)."""

from flask_login import current_user

from rota.contacts.queue import service as queue
from rota.extensions import db

PANEL_SIZE = 5  # contacts listed in a panel; the count says how many there are in all


def viewer_queues() -> queue.Queues:
    """The signed-in person's queues (own, organisation's, ring's, calls to return)."""
    return queue.queues(db.session, current_user)


def viewer_unopened() -> list:
    """New contacts nobody has opened yet, among those the signed-in person may see."""
    return queue.unopened(db.session, current_user)


def init_app(app) -> None:
    """Expose the panel data to templates."""
    app.jinja_env.globals.update(
        contacts_queues=viewer_queues,
        contacts_unopened=viewer_unopened,
        contacts_panel_size=PANEL_SIZE,
    )
