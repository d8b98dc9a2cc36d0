"""After a purge or an erasure: nothing of the data left in the database's files.

SQLite runs with `secure_delete` on (rota.extensions), so deleted and overwritten content is
zeroed in the database file; the write-ahead log still holds the old pages until a checkpoint,
so it is checkpointed and truncated here. PostgreSQL keeps dead row versions until VACUUM
(autovacuum, or by hand: docs/privacy.md says what an operator does, and about backups).
"""

from sqlalchemy import Engine


def reclaim(engine: Engine) -> None:
    """After the commit: on SQLite, move the log into the file and truncate it to zero bytes."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
