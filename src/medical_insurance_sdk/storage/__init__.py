"""The product's own storage: SQLAlchemy 2 models, the database handle, Alembic migrations.

SQLite (a file) is the embedded default; PostgreSQL is the production path (`DATABASE_URL`).
"""
