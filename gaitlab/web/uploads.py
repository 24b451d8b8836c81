"""Receiving one clip: the steps shared by the upload page and the JSON API.

:func:`receive_upload` streams a request's ``multipart/form-data`` body into ``work/``;
:func:`keep_upload` checks the received file is a video gaitlab can read, moves it into
``uploads/``, records it and queues the session's analysis. Both refuse with
:class:`gaitlab.web.storage.UploadRefusedError` (an HTTP status and one sentence for the person
uploading) and leave no file or row behind when they do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable

from starlette.requests import Request

from gaitlab.errors import GaitlabError
from gaitlab.video import probe
from gaitlab.web import auth, db, storage
from gaitlab.words import say

#: Bytes a multipart body may have beyond the clip itself (boundaries, headers, small fields).
FORM_OVERHEAD_BYTES = 65536

#: The message of the refusal of a form without its CSRF token (the page turns it into a 403).
CSRF_REFUSED = "csrf"


async def receive_upload(
    request: Request,
    layout: storage.Layout,
    *,
    max_bytes: int,
    form_csrf: str | None,
) -> storage.Received:
    """Stream the request's multipart body (one file part) into ``layout.work``.

    Parameters
    ----------
    request
        The upload request.
    layout
        The data folder.
    max_bytes
        The largest clip accepted; one byte more is refused with 413 as it streams.
    form_csrf
        The login's CSRF token, which the form must carry in its ``csrf_token`` field before
        the file (a browser form post); None when the caller has already checked the request
        (an API token, or the token in the ``X-CSRF-Token`` header).

    Returns
    -------
    storage.Received
        The file, still in ``work/``; pass it to :func:`keep_upload`.

    Raises
    ------
    storage.UploadRefusedError
        413 too large, 400 malformed or without a file, 403 with the message
        :data:`CSRF_REFUSED` for a form without the right token. Nothing is left in ``work/``.
    """
    too_large = say("web.upload.too_large", limit_mb=f"{max_bytes / 1e6:g}")
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes + FORM_OVERHEAD_BYTES:
        raise storage.UploadRefusedError(413, too_large)

    def form_token_ok(fields: dict[str, str]) -> bool:
        return form_csrf is None or auth.same_token(fields.get("csrf_token"), form_csrf)

    boundary = storage.multipart_boundary(request.headers.get("content-type", ""))
    if boundary is None:
        if form_csrf is not None:  # no form, so no token either
            raise storage.UploadRefusedError(403, CSRF_REFUSED)
        raise storage.UploadRefusedError(400, say("web.upload.no_file"))
    receiver = storage.MultipartReceiver(
        boundary, layout.work, max_bytes=max_bytes, may_receive_file=form_token_ok,
        too_large_message=too_large, malformed_message=say("web.api.malformed_upload"),
    )  # fmt: skip
    await _receive(request, receiver, form_token_ok)
    if receiver.file is None:
        raise storage.UploadRefusedError(400, say("web.upload.no_file"))
    return dataclasses.replace(receiver.file, fields=dict(receiver.fields))


async def _receive(
    request: Request,
    receiver: storage.MultipartReceiver,
    form_token_ok: Callable[[dict[str, str]], bool],
) -> None:
    """Feed the body to ``receiver``; on any refusal or error remove what was received (a
    refusal before the form proved its origin is a CSRF refusal)."""
    try:
        async for chunk in request.stream():
            receiver.feed(chunk)
        receiver.finish()
    except storage.UploadRefusedError:
        receiver.abort()
        if not form_token_ok(receiver.fields):
            raise storage.UploadRefusedError(403, CSRF_REFUSED) from None
        raise
    except BaseException:
        receiver.abort()
        raise
    if not form_token_ok(receiver.fields):
        receiver.abort()
        raise storage.UploadRefusedError(403, CSRF_REFUSED)


def keep_upload(
    layout: storage.Layout,
    received: storage.Received,
    owner_id: str,
    session_id: str,
    *,
    max_clip_s: float,
    view: str | None = None,
) -> db.Clip:
    """Check a received file is a readable video no longer than ``max_clip_s`` seconds, move it
    into ``uploads/``, record it (with the ``view`` the therapist says it shows, if any) and
    queue the session's analysis (blocking: run it in a thread from a route).

    Raises
    ------
    storage.UploadRefusedError
        400 empty, 415 not a video or unreadable, 413 longer than ``max_clip_s``, 404 when the
        session was deleted meanwhile. On any refusal or error nothing is left behind (the
        received file is always removed).
    """
    try:
        ext = check_video(received, max_clip_s=max_clip_s)
        clip_id = db.new_id()
        target = layout.clip_path(f"{clip_id}.{ext}")
        os.replace(received.path, target)
        storage.fsync_dir(layout.uploads)
        try:
            with contextlib.closing(db.connect(layout.db_path)) as conn, db.transaction(conn):
                clip = db.add_clip(
                    conn, owner_id, session_id, clip_id=clip_id, stored_name=target.name,
                    display_name=storage.display_name(received.client_name),
                    size_bytes=received.size_bytes, sha256=received.sha256, view_set=view,
                )  # fmt: skip
                if clip is None:  # the session was deleted meanwhile
                    raise storage.UploadRefusedError(404, say("web.not_found"))
                db.enqueue_analysis(conn, owner_id, session_id)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return clip
    finally:
        storage.discard_received(received.path)


def check_video(received: storage.Received, *, max_clip_s: float) -> str:
    """The container of a received file (``mp4``, ``mkv``, ...) once it has proved to be a
    video gaitlab can read, no longer than ``max_clip_s``; its length is read from the
    container. Raises :class:`~gaitlab.web.storage.UploadRefusedError` naming the user's file."""
    if received.size_bytes == 0:
        raise storage.UploadRefusedError(400, say("web.upload.no_file"))
    ext = storage.sniff_container(received.head)
    if ext is None:
        raise storage.UploadRefusedError(415, say("web.upload.not_video"))
    try:
        info = probe(received.path)
    except GaitlabError as exc:
        message = say("web.upload.unreadable", reason=exc.message)
        raise storage.UploadRefusedError(415, message) from None
    if info.duration_s > max_clip_s:
        message = say(
            "web.upload.too_long", clip=storage.display_name(received.client_name),
            duration_s=info.duration_s, limit_s=max_clip_s,
        )  # fmt: skip
        raise storage.UploadRefusedError(413, message)
    return ext
