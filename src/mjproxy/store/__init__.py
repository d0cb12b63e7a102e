"""Persistence: SQLAlchemy (SQLite, PostgreSQL, MySQL/MariaDB) and Alembic migrations."""
