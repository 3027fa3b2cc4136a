"""Roles and what each may see (design.md §9.10): small cells and organisation-level views.

The login that assigns a role comes later; until then the open local mode (``RSNMS_AUTH=off``) acts as
the ЦНППМ, the people who load the data and already hold it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's role; the values are stored in ``app_user.role``."""

    ADMIN = "admin"
    CNPPM = "cnppm"
    MINISTRY = "ministry"
    ANALYST = "analyst"
    MUNICIPAL = "municipal"


ROLE_NAMES = {
    Role.ADMIN: "администратор",
    Role.CNPPM: "ЦНППМ",
    Role.MINISTRY: "министерство",
    Role.ANALYST: "аналитик",
    Role.MUNICIPAL: "муниципалитет",
}
OPEN_MODE_ROLE = Role.CNPPM
_FULL_DETAIL = frozenset({Role.ADMIN, Role.CNPPM})


def sees_small_cells(role: Role) -> bool:
    """Whether the role sees counts of fewer people than the suppression threshold."""
    return role in _FULL_DETAIL


def sees_organisations(role: Role) -> bool:
    """Whether the role may open organisation-level views."""
    return role in _FULL_DETAIL


def sees_names(role: Role) -> bool:
    """Whether the role sees the restricted name columns (a methodist's name)."""
    return role in _FULL_DETAIL


def enters_statuses(role: Role) -> bool:
    """Whether the role may record a roadmap item's status on the page."""
    return role in _FULL_DETAIL


def edits_settings(role: Role) -> bool:
    """Whether the role may change shared settings such as the deficit scale."""
    return role in _FULL_DETAIL
