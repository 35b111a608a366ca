"""Database layer: engine and sessions from DATABASE_URL, ORM models, Alembic migrations, demo data."""
