"""What every request handler needs, built once per application."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from cosell.queue.job_queue import JobQueue
from cosell.services.uow import Backend
from cosell.settings import Settings


@dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    db: Backend
    queue: JobQueue
    secret_key: str


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx
