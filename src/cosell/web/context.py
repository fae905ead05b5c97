"""What every request handler needs, built once per application."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from cosell.queue.job_queue import JobQueue
from cosell.settings import Settings
from cosell.store.db import Database


@dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    db: Database
    queue: JobQueue
    secret_key: str


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx
