"""Who may see a record that belongs to a user: the one rule every use case applies."""

from __future__ import annotations


def owner_or_admin(owner_id: int | None, caller_id: int | None, caller_is_admin: bool) -> bool:
    """An administrator sees everything; anyone else only what they own. A record that
    is not found and one the caller may not see answer alike (NotFound), so an id tells
    a stranger nothing."""
    return caller_is_admin or (caller_id is not None and owner_id == caller_id)
