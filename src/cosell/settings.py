"""Settings: one class, built once at start and passed down.

| setting (env `COSELL_…`) | default | meaning |
|---|---|---|
| `DATABASE_URL` | `sqlite:///cosell.db` | SQLAlchemy URL of the database |
| `QUEUE_URL` | beside the SQLite file | job queue: `sqlite:///…`, `redis://…`, `postgresql://…` |
| `SECRET_KEY` | generated per database | signs session cookies and CSRF tokens |
| `MAX_IMPORT_ROWS` | 1000 | data rows an import may hold |
| `MAX_UPLOAD_BYTES` | 20 MiB | size an uploaded file may have |
| `IMPORT_CHUNK_ROWS` | 2000 | a file with more rows is imported (and committed) this |
|  |  | many rows at a time |
| `MAX_EXPORT_ROWS` | 5000 | rows one export writes |
| `MAX_GROUP_ITEMS` | 50 | solutions / team members per deal |
| `EXPIRE_AFTER_DAYS` | 14 | days before an unanswered incoming referral expires |
| `JOB_STALE_SECONDS` | 60 | heartbeat age after which a running job is re-queued; the |
|  |  | deployment's upkeep runs every quarter of it (at most every 15 s) |
| `JOB_MAX_ATTEMPTS` | 3 | times a job is tried before it is marked failed |
| `FILE_RETENTION_DAYS` | 90 | days uploads, results and export files are kept |
| `DB_IDLE_TRANSACTION_SECONDS` | 60 | PostgreSQL ends a session idle inside a transaction |
|  |  | this long (a hung worker), releasing its locks |
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COSELL_", extra="ignore")

    database_url: str = "sqlite:///cosell.db"
    queue_url: str | None = None
    secret_key: str | None = None
    max_import_rows: int = 1000
    max_upload_bytes: int = 20 * 1024 * 1024
    import_chunk_rows: int = 2000
    max_export_rows: int = 5000
    max_group_items: int = 50
    expire_after_days: int = 14
    job_stale_seconds: int = 60
    job_max_attempts: int = 3
    file_retention_days: int = 90
    db_idle_transaction_seconds: float = 60
