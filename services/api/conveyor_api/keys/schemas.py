"""The key management API's bodies: the secret appears once, in the answer to its creation."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from conveyor_core.auth.keys import DEFAULT_SCOPES, Scope
from conveyor_core.models import ApiKey

TENANT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant: str = Field(
        min_length=1,
        max_length=100,
        pattern=TENANT_PATTERN,
        description="The tenant the key acts for; created if it does not exist.",
        examples=["analytics"],
    )
    scopes: list[Scope] = Field(
        default_factory=lambda: list(DEFAULT_SCOPES),
        min_length=1,
        description="Scopes to grant; `jobs:read` and `jobs:write` when omitted.",
    )
    name: str = Field(default="", max_length=100, description="A label to recognise the key by.")


class KeyOut(BaseModel):
    id: uuid.UUID
    tenant: str
    name: str
    prefix: str = Field(description="The key's first characters, safe to show.")
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey, tenant: str) -> KeyOut:
        return cls(
            id=key.id,
            tenant=tenant,
            name=key.name,
            prefix=key.prefix,
            scopes=list(key.scopes),
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        )


class KeyCreated(KeyOut):
    key: str = Field(description="The key itself: shown this once, stored only as a hash.")


class KeyList(BaseModel):
    items: list[KeyOut]
