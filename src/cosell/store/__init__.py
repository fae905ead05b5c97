"""Persistence: SQLAlchemy models, the database handle, repositories, migrations."""
