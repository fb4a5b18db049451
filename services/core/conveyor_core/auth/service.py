"""Creating, verifying and bootstrapping API keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from conveyor_core.auth import repository
from conveyor_core.auth.keys import DEFAULT_SCOPES, Scope, display_prefix, generate_key, hash_key
from conveyor_core.models import ApiKey


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a tenant, through one key, with its scopes."""

    tenant_id: uuid.UUID
    tenant_name: str
    key_id: uuid.UUID
    scopes: frozenset[Scope]

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes or Scope.ADMIN in self.scopes


def create_key(
    session: Session,
    tenant_name: str,
    scopes: Iterable[Scope] = DEFAULT_SCOPES,
    *,
    name: str = "",
    key: str | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key for ``tenant_name`` (created if missing); returns the row and the key,
    which is never stored and cannot be shown again."""
    tenant = repository.ensure_tenant(session, tenant_name)
    secret = key or generate_key()
    row = ApiKey(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        name=name,
        prefix=display_prefix(secret),
        key_hash=hash_key(secret),
        scopes=sorted(str(s) for s in set(scopes)),
    )
    return repository.add_key(session, row), secret


def authenticate(session: Session, key: str) -> Principal | None:
    found = repository.find_active_key(session, hash_key(key))
    if found is None:
        return None
    api_key, tenant = found
    return Principal(
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        key_id=api_key.id,
        scopes=frozenset(Scope(s) for s in api_key.scopes),
    )


def bootstrap_admin_key(session: Session, tenant_name: str, key: str) -> bool:
    """Install the key from CONVEYOR_BOOTSTRAP_ADMIN_KEY once; ``True`` if it was new."""
    if repository.key_exists(session, hash_key(key)):
        return False
    create_key(session, tenant_name, [Scope.ADMIN], name="bootstrap", key=key)
    return True
