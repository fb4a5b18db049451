"""SQL for tenants and API keys."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from conveyor_core.models import ApiKey, Tenant


def ensure_tenant(session: Session, name: str) -> Tenant:
    session.execute(insert(Tenant).values(id=uuid.uuid4(), name=name).on_conflict_do_nothing())
    return session.scalars(select(Tenant).where(Tenant.name == name)).one()


def add_key(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key


def key_exists(session: Session, key_hash: str) -> bool:
    return session.scalar(select(func.count()).where(ApiKey.key_hash == key_hash)) == 1


def find_active_key(session: Session, key_hash: str) -> tuple[ApiKey, Tenant] | None:
    row = session.execute(
        select(ApiKey, Tenant)
        .join(Tenant, Tenant.id == ApiKey.tenant_id)
        .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def list_keys(session: Session, tenant_id: uuid.UUID | None = None) -> list[tuple[ApiKey, str]]:
    statement = select(ApiKey, Tenant.name).join(Tenant).order_by(ApiKey.created_at)
    if tenant_id is not None:
        statement = statement.where(ApiKey.tenant_id == tenant_id)
    return [(key, name) for key, name in session.execute(statement)]


def revoke_key(session: Session, key_id: uuid.UUID) -> bool:
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def find_tenant(session: Session, name: str) -> Tenant | None:
    return session.scalars(select(Tenant).where(Tenant.name == name)).one_or_none()


def get_key(session: Session, key_id: uuid.UUID) -> tuple[ApiKey, str] | None:
    row = session.execute(
        select(ApiKey, Tenant.name).join(Tenant).where(ApiKey.id == key_id)
    ).one_or_none()
    return None if row is None else (row[0], row[1])
