"""Domain errors: each carries a message a user can act on."""


class DomainError(Exception):
    """A use case refused: `user_message` says what happened and what to do."""

    field: str | None = None

    def __init__(self, user_message, field=None):
        super().__init__(str(user_message))
        self.user_message = user_message
        if field is not None:
            self.field = field


class NotFound(DomainError):
    """The record does not exist or is not visible to the caller."""


class Conflict(DomainError):
    """Someone else changed the record first; reload and try again."""


def found(record, user_message):
    """The record, or NotFound with `user_message` when it is None (lookups by id)."""
    if record is None:
        raise NotFound(user_message)
    return record
