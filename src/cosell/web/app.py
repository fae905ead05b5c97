"""The application factory: one FastAPI app serving the JSON API and the pages."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from cosell import __version__
from cosell.queue.job_queue import JobQueue
from cosell.services.backend import backend_for
from cosell.services.sign_in import secret_key
from cosell.settings import Settings
from cosell.web import problems
from cosell.web.context import AppContext
from cosell.web.headers import PAGE_POLICY, SecurityHeaders
from cosell.web.language import RequestLanguage
from cosell.web.limits import BodyLimit

#: Room for the multipart envelope around an upload of the largest allowed file.
_ENVELOPE = 64 * 1024
#: The vendored Swagger UI (static/…/README.txt says where it comes from).
SWAGGER_UI = "swagger-ui-5.35.0"
OPENAPI_URL = "/api/openapi.json"


def create_app(settings: Settings | None = None, *, queue: JobQueue | None = None) -> FastAPI:
    settings = settings or Settings()
    db = backend_for(settings)
    queue = queue or JobQueue(settings, db)
    app = FastAPI(
        title="cosell",
        version=__version__,
        description="Co-sell referrals: list, change, and bulk import/export through files.",
        docs_url=None,
        openapi_url=OPENAPI_URL,
        redoc_url=None,
    )
    app.state.ctx = AppContext(settings, db, queue, secret_key(db, settings.secret_key))
    problems.install(app)

    from cosell.web.api import router as api_router
    from cosell.web.health import router as health_router
    from cosell.web.ui.pages import install as install_ui
    from cosell.web.ui.pages import router as ui_router

    app.include_router(api_router, prefix="/api/v1")
    app.include_router(health_router)
    app.include_router(ui_router)
    install_ui(app)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        from cosell.web.ui.render import environment

        page = environment().get_template("api_docs.html")
        body = page.render(swagger=SWAGGER_UI, openapi_url=OPENAPI_URL)
        return HTMLResponse(body, headers={"Content-Security-Policy": PAGE_POLICY})

    static = resources.files("cosell.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_upload_bytes + _ENVELOPE,
        file_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestLanguage)
    return app
