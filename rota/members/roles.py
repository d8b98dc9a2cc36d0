"""The roles a person can have (pure: the policy and the models both use it)."""

import enum


class Role(enum.StrEnum):
    """What a person may do: the whole ring, their own organisation, or counsel."""

    COORDINATOR = "coordinator"
    ORG_ADMIN = "org_admin"
    COUNSELLOR = "counsellor"
