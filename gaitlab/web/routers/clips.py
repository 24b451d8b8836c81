"""Clips and what an analysis made: the upload, a clip's video, deleting a clip, and the files of
a finished analysis (the report and its downloads)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from gaitlab.web import security, services, storage
from gaitlab.web.dependencies import (
    Conn,
    Ctx,
    Me,
    OwnedAnalysis,
    OwnedClip,
    OwnedSession,
    UploadCsrf,
    Writer,
)
from gaitlab.web.errors import CsrfError, NotFoundError
from gaitlab.web.routers.pages import see_other
from gaitlab.web.templating import render
from gaitlab.web.uploads import CSRF_REFUSED

router = APIRouter(default_response_class=HTMLResponse)


@router.post("/sessions/{session_id}/clips")
async def upload_clip(
    request: Request, ctx: Ctx, conn: Conn, session: OwnedSession, me: Me, form_csrf: UploadCsrf
) -> Response:
    """Stream one clip to disk, check it, keep it and queue the session's analysis. The page's
    script asks for JSON (``{"clip_id", "session"}`` or ``{"error"}``); a plain form post gets
    the session page back, with the reason when the clip was refused."""
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        clip = await services.accept_upload(request, ctx, session, form_csrf=form_csrf)
    except storage.UploadRefusedError as exc:
        if exc.message == CSRF_REFUSED:
            raise CsrfError from None
        if exc.status == 404:  # the session was deleted meanwhile
            raise NotFoundError from None
        if wants_json:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        view = services.session_view(ctx, conn, session)
        return render(request, "session.html", exc.status, **view, me=me, error=exc.message)
    if wants_json:
        return JSONResponse({"clip_id": clip.id, "session": f"/sessions/{session.id}"})
    return see_other(f"/sessions/{session.id}")


@router.get("/clips/{clip_id}/video", response_class=FileResponse)
def clip_video(ctx: Ctx, clip: OwnedClip) -> Response:
    """The clip as uploaded, served only as the video type sniffed when it was received, in a
    sandbox that runs nothing."""
    media_type, filename = storage.served_clip(clip.stored_name, clip.display_name)
    response = FileResponse(
        ctx.layout.clip_path(clip.stored_name), media_type=media_type, filename=filename,
        content_disposition_type="inline",
    )  # fmt: skip
    response.headers["Content-Security-Policy"] = security.UPLOAD_CSP
    return response


@router.post("/clips/{clip_id}/view")
def set_clip_view(
    conn: Conn, clip: OwnedClip, me: Writer, view: Annotated[str, Form()] = ""
) -> Response:
    """Set the view the clip shows (``auto``: let the analysis find it); the session is
    analysed again with it."""
    services.set_clip_view(conn, clip, None if view in ("", "auto") else view)
    return see_other(f"/sessions/{clip.session_id}")


@router.post("/clips/{clip_id}/delete")
def delete_clip(ctx: Ctx, conn: Conn, clip: OwnedClip, me: Writer) -> Response:
    services.delete_clip(ctx, conn, clip)
    return see_other(f"/sessions/{clip.session_id}")


@router.get("/analyses/{analysis_id}/files/{name:path}", response_class=FileResponse)
def report_file(ctx: Ctx, conn: Conn, analysis: OwnedAnalysis, name: str) -> Response:
    """A file of a finished analysis, shown in the browser: the full result (``report.html``,
    with the app's navigation on top) and what it links (key frames, annotated clips)."""
    path = inside(ctx.layout.report_dir(analysis.id), name)
    if path is None:
        raise NotFoundError
    if name == "report.html":
        page = services.result_page(ctx, conn, analysis)
        if page is None:
            raise NotFoundError
        response: Response = HTMLResponse(page)
    else:
        response = FileResponse(path, content_disposition_type="inline")
    if path.suffix in (".html", ".htm"):
        response.headers["Content-Security-Policy"] = security.REPORT_CSP
    return response


@router.get("/analyses/{analysis_id}/download/{kind}", response_class=FileResponse)
def download(ctx: Ctx, conn: Conn, analysis: OwnedAnalysis, kind: str) -> Response:
    """A file to keep, named after the runner and the session's date."""
    path = storage.download_path(ctx.layout.report_dir(analysis.id), kind)
    if path is None:
        raise NotFoundError
    _, media_type = storage.DOWNLOADS[kind]
    filename = services.download_name(conn, analysis, kind)
    return FileResponse(path, media_type=media_type, filename=filename)


def inside(folder: Path, name: str) -> Path | None:
    """``folder / name`` when it is a regular file inside ``folder`` (no ``..``, no links out)."""
    if not name or name.startswith("/") or "\\" in name:
        return None
    parts = Path(name).parts
    if any(p in ("..", ".") or p.startswith(".") for p in parts):
        return None
    path = folder.joinpath(*parts)
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_file() or folder.resolve() not in real.parents:
        return None
    return real
