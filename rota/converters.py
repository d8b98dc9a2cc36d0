"""URL converters: an `<int:…>` id in any route matches only what the database can hold."""

from werkzeug.routing import IntegerConverter

from rota.inputs import DB_INTEGER_MAX


class IdConverter(IntegerConverter):
    """`<int:…>` everywhere: beyond PostgreSQL's INTEGER the URL does not match (a 404), rather
    than reaching the database and failing there (a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INTEGER_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app):
    """Replace the default `int` converter; call before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter
