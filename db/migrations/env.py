"""Alembic environment: uses the engine handed in by db.migrate (manage.py migrate, the apps, the tests), or
DATABASE_URL when run by the bare `alembic` command, which starts no app and so has no settings object."""

import os

from alembic import context

from db.engine import DEFAULT_DATABASE_URL, make_engine
from db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
