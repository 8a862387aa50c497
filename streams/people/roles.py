"""What each role in a workspace may do, as the key scope routes declare (``api.routing``): a
person's requests are checked in the same one place as a key's. Pure.

- ``viewer``: reads (``read``);
- ``editor``: uploads, renders, publishes (``write``);
- ``admin``: and keys, webhooks, members, accounts (``admin``);
- ``owner``: what an admin may, and owning the workspace (``admin``).
"""

from __future__ import annotations

from streams.errors import InvalidRole

ROLES = ("viewer", "editor", "admin", "owner")
SCOPE_OF = {"viewer": "read", "editor": "write", "admin": "admin", "owner": "admin"}


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidRole(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def scope_of(role: str) -> str:
    """The key scope a member of ``role`` acts with."""
    return SCOPE_OF[check_role(role)]
