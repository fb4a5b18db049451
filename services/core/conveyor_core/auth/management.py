"""Key management for operators: list keys (optionally of one tenant) and revoke one."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from conveyor_core.auth import repository
from conveyor_core.models import ApiKey


def list_keys(session: Session, tenant_name: str | None = None) -> list[tuple[ApiKey, str]]:
    """Every key with its tenant's name, oldest first; an unknown tenant has none."""
    if tenant_name is None:
        return repository.list_keys(session)
    tenant = repository.find_tenant(session, tenant_name)
    return [] if tenant is None else repository.list_keys(session, tenant.id)


def revoke(session: Session, key_id: uuid.UUID) -> tuple[ApiKey, str] | None:
    """Revoke a key (a revoked key stays as it is); ``None`` when no key has this id."""
    repository.revoke_key(session, key_id)
    session.expire_all()  # the UPDATE bypassed the identity map: read revoked_at afresh
    return repository.get_key(session, key_id)
