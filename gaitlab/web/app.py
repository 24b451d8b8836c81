"""The therapists' web app: :func:`create_app` makes the FastAPI application for one data folder.

The app is assembled, as FastAPI's "bigger applications" layout has it, from one router per area
(:mod:`gaitlab.web.routers`), the shared dependencies (:mod:`gaitlab.web.dependencies`: database,
who is asking, ownership, CSRF) and the services the routes call
(:mod:`gaitlab.web.services`); this module adds only the middleware (allowed hosts, security
headers), the error handlers (:mod:`gaitlab.web.handlers`) and the lifespan that runs the
analysis workers.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from gaitlab.web import auth, db, jobs, security, storage
from gaitlab.web.handlers import add_handlers
from gaitlab.web.routers import api, clips, history, pages, runners
from gaitlab.web.settings import Context, WebSettings, build_context
from gaitlab.web.templating import HERE

__all__ = ["PUBLIC_PATHS", "WebSettings", "create_app"]

#: Paths anyone may open without logging in (everything else refuses anonymous requests).
PUBLIC_PATHS = ("/login", "/guide", "/static")


def create_app(settings: WebSettings) -> FastAPI:
    """The web app for one data folder (created and migrated if needed).

    With ``settings.workers > 0`` the app starts that many analysis worker processes when it
    starts serving, restarts any that die, and requeues the jobs a stopped server left running.
    """
    ctx = build_context(settings)
    with contextlib.closing(db.connect(ctx.layout.db_path)) as conn:
        db.migrate(conn)
    app = FastAPI(
        title="gaitlab", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.context = ctx
    app.state.settings = settings
    app.state.layout = ctx.layout
    app.state.pool = None
    app.state.pending_logins = auth.PendingLogins()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in (pages.router, runners.router, clips.router, history.router, api.router):
        app.include_router(router)
    add_handlers(app)
    app.add_middleware(security.TrustedHostMiddleware, allowed=settings.allowed_hosts)
    app.add_middleware(security.SecurityHeadersMiddleware, tls=settings.secure_cookies)
    return app


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the analysis workers (requeueing what a stopped server left), stop them at the
    end (their jobs are queued again for the next start, without counting as an attempt)."""
    ctx: Context = app.state.context
    pool = None
    if ctx.settings.workers > 0:
        await run_in_threadpool(recover, ctx.layout)
        pool = jobs.WorkerPool(
            worker_settings(ctx), ctx.settings.workers, check_every_s=ctx.settings.watch_s
        )
        pool.start()
    app.state.pool = pool
    try:
        yield
    finally:
        if pool is not None:
            await run_in_threadpool(pool.stop)
            with contextlib.closing(db.connect(ctx.layout.db_path)) as conn:
                db.requeue_abandoned(
                    conn, is_alive=lambda pid: False, stale_s=0, max_attempts=3,
                    count_attempt=False,
                )  # fmt: skip


def recover(layout: storage.Layout) -> None:
    """Before any worker runs: the jobs of an earlier run's workers start again from the start,
    and files no row refers to (interrupted uploads and analyses) are removed."""
    with contextlib.closing(db.connect(layout.db_path)) as conn:
        db.requeue_abandoned(conn, is_alive=lambda pid: False, stale_s=0, max_attempts=3)
        storage.sweep_orphans(layout, db.all_stored_names(conn), db.all_analysis_ids(conn))


def worker_settings(ctx: Context) -> jobs.WorkerSettings:
    return jobs.WorkerSettings(
        data_dir=ctx.layout.root,
        analysis_fn=ctx.settings.analysis_fn,
        checks_fn=ctx.settings.checks_fn,
        config_path=ctx.settings.config_path,
    )
