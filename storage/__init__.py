"""storage: the records (SQLAlchemy 2.0), the database session and the Alembic migrations."""
