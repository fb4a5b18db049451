from __future__ import annotations

from alembic import command

from conveyor_cli.devstack.backing import BackingServices
from conveyor_core.db.migrate import alembic_config


def test_models_and_migrations_agree(backing_services: BackingServices) -> None:
    # raises when autogenerate would produce any operation
    command.check(alembic_config(backing_services.database_url))
