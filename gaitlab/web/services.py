"""What the routes do, apart from HTTP: log in, create runners and sessions, accept an upload,
queue analyses and read their results, a runner's history, two sessions compared.

The pages and the JSON API call the same functions (tests call them too), so they cannot
disagree. Each takes the app's :class:`~gaitlab.web.settings.Context` or a database connection
and the owner's id, and returns rows of :mod:`gaitlab.web.db` or plain dataclasses; none knows
about HTTP, except :func:`accept_upload`, which reads the request's body as it streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as _dt
import re
import sqlite3
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from gaitlab.web import auth, db, storage, uploads
from gaitlab.web import history as H
from gaitlab.web.auth import PendingLogins
from gaitlab.web.keyframes import KeyFrame, read_index
from gaitlab.web.settings import Context
from gaitlab.web.templating import TEMPLATES
from gaitlab.web.wording import stage_text
from gaitlab.words import entry, say

#: How a login attempt waits out its delay (tests replace it to record the delays instead).
pause = asyncio.sleep

#: The views a therapist may set for a clip (None: let the analysis find it).
VIEWS = ("side", "rear", "front")


# --------------------------------------------------------------------------- logging in


@dataclasses.dataclass(frozen=True)
class LoginResult:
    """How a login attempt ended: 303 (logged in: the login token, and a new device token when
    the browser had none for this account), 401 (wrong name or password) or 429 (too many
    attempts of this address at once)."""

    status: int
    token: str = ""
    device: str = ""


async def log_in(
    ctx: Context,
    pending: PendingLogins,
    *,
    name: str,
    password: str,
    address: str,
    device: str | None,
) -> LoginResult:
    """Try a login as :class:`~gaitlab.web.auth.LoginThrottle` allows: wait the delay the
    recent failures of the name and of the address call for, then check the password (a
    browser that logged in to this account before waits for nothing)."""
    db_path = ctx.layout.db_path
    throttle = ctx.throttle
    known, delay_s, quiet = await run_in_threadpool(
        _before_login, db_path, name, address, device, throttle
    )
    limit = throttle.max_pending_quiet if quiet else throttle.max_pending_per_client
    with pending.admit(address, limit=limit, always=known) as admitted:
        if not admitted:
            return LoginResult(429)
        await pause(delay_s)
        lifetimes_s = (ctx.settings.login_lifetime_s, throttle.device_cookie_days * 86400)
        return await run_in_threadpool(
            _check_login, db_path, name, password, address, lifetimes_s, new_device=not known
        )


def _before_login(
    db_path: Path, name: str, address: str, device: str | None, throttle: auth.LoginThrottle
) -> tuple[bool, float, bool]:
    """Whether the browser is known to the account, the attempt's delay, and whether the
    address is quiet (fewer recent failures than the free ones)."""
    with contextlib.closing(db.connect(db_path)) as conn:
        user = db.get_user_by_name(conn, name)
        known = user is not None and auth.device_user_id(conn, device) == user.id
        delay_s = auth.login_delay_s(conn, name, address, throttle, known=known)
        quiet = auth.address_failures(conn, address, throttle) < throttle.free_failures
        return known, delay_s, quiet


def _check_login(
    db_path: Path, name: str, password: str, address: str, lifetimes_s: tuple[float, float], *,
    new_device: bool,
) -> LoginResult:  # fmt: skip
    """Check the password; on success start a login (and remember the browser)."""
    with contextlib.closing(db.connect(db_path)) as conn:
        user = auth.authenticate(conn, name, password, address)
        if user is None:
            return LoginResult(401)
        login_s, device_s = lifetimes_s
        with db.transaction(conn):
            token = auth.start_login(conn, user, login_s)
            device = auth.remember_device(conn, user, device_s) if new_device else ""
        return LoginResult(303, token, device)


# --------------------------------------------------------------------------- runners, sessions


def runner_fields(name: str, height_cm: float | str | None, notes: str) -> dict[str, Any]:
    """A runner's fields as stored: the name cut to 200 characters (``Runner`` when blank),
    the height in cm (None outside 50-250 or unreadable), the notes cut to 4000 characters."""
    height = None
    with contextlib.suppress(TypeError, ValueError):
        value = float(height_cm)  # type: ignore[arg-type]
        height = value if 50 <= value <= 250 else None
    return {"name": name.strip()[:200] or "Runner", "height_cm": height, "notes": notes[:4000]}


def create_runner(conn: sqlite3.Connection, owner_id: str, **fields: Any) -> db.Runner:
    """Add a runner (``fields`` as :func:`runner_fields` gives them)."""
    with db.transaction(conn):
        return db.create_runner(conn, owner_id, **fields)


def update_runner(conn: sqlite3.Connection, runner: db.Runner, **fields: Any) -> None:
    """Change a runner's name, height and notes."""
    with db.transaction(conn):
        db.update_runner(conn, runner.owner_id, runner.id, **fields)


def delete_runner(ctx: Context, conn: sqlite3.Connection, runner: db.Runner) -> None:
    """Delete a runner with their sessions, clips, analyses and files."""
    with db.transaction(conn):
        removed = db.delete_runner(conn, runner.owner_id, runner.id)
    if removed is not None:
        storage.remove_files(ctx.layout, removed.clip_files, removed.analysis_ids)


def session_day(day: _dt.date | str | None) -> str:
    """A session's date as ``YYYY-MM-DD`` (today for none or an unreadable one)."""
    if isinstance(day, _dt.date):
        return day.isoformat()
    try:
        return _dt.date.fromisoformat((day or "").strip()).isoformat()
    except ValueError:
        return _dt.date.today().isoformat()


def create_session(
    conn: sqlite3.Connection, runner: db.Runner, *, day: _dt.date | str | None, notes: str
) -> db.Session:
    """Start a session of the runner (on ``day``; today by default)."""
    with db.transaction(conn):
        session = db.create_session(
            conn, runner.owner_id, runner.id, date=session_day(day), notes=notes[:4000]
        )
    assert session is not None  # the runner is the owner's (checked by the caller)
    return session


def delete_session(ctx: Context, conn: sqlite3.Connection, session: db.Session) -> None:
    """Delete a session with its clips, analyses and files."""
    with db.transaction(conn):
        removed = db.delete_session(conn, session.owner_id, session.id)
    if removed is not None:
        storage.remove_files(ctx.layout, removed.clip_files, removed.analysis_ids)


# --------------------------------------------------------------------------- clips


async def accept_upload(
    request: Request, ctx: Context, session: db.Session, *, form_csrf: str | None
) -> db.Clip:
    """Stream the request's clip to disk, check it (a video gaitlab can read, within the size
    and length limits), keep it (with the view the form's ``view`` field sets: ``side``,
    ``rear``, ``front``, or ``auto``/none to let the analysis find it) and queue the session's
    analysis.

    ``form_csrf``: the CSRF token the form must carry before the file (None when the caller
    is already checked: :func:`gaitlab.web.dependencies.upload_csrf`).

    Raises
    ------
    gaitlab.web.storage.UploadRefusedError
        With the HTTP status and one sentence; nothing is left behind.
    """
    received = await uploads.receive_upload(
        request, ctx.layout, max_bytes=ctx.settings.max_upload_bytes, form_csrf=form_csrf
    )
    view = received.fields.get("view", "").strip() or None
    if view not in (None, "auto", *VIEWS):
        storage.discard_received(received.path)
        raise storage.UploadRefusedError(400, say("web.upload.bad_view", views=", ".join(VIEWS)))
    return await run_in_threadpool(
        uploads.keep_upload, ctx.layout, received, session.owner_id, session.id,
        max_clip_s=ctx.max_clip_s, view=None if view == "auto" else view,
    )  # fmt: skip


def set_clip_view(conn: sqlite3.Connection, clip: db.Clip, view: str | None) -> bool:
    """Set the view the clip shows (one of :data:`VIEWS`; None: let the analysis find it) and
    analyse the session again with it; False (nothing changed) for an unknown view."""
    if view is not None and view not in VIEWS:
        return False
    with db.transaction(conn):
        db.set_clip_view(conn, clip.owner_id, clip.id, view)
        db.enqueue_analysis(conn, clip.owner_id, clip.session_id)
    return True


def delete_clip(ctx: Context, conn: sqlite3.Connection, clip: db.Clip) -> None:
    """Delete a clip and the session's analyses (made with it); the session's other clips, if
    any, are analysed again."""
    with db.transaction(conn):
        removed = db.delete_clip(conn, clip.owner_id, clip.id)
        if db.list_clips(conn, clip.owner_id, clip.session_id):
            db.enqueue_analysis(conn, clip.owner_id, clip.session_id)
    if removed is not None:
        storage.remove_files(ctx.layout, removed.clip_files, removed.analysis_ids)


# --------------------------------------------------------------------------- analyses


def analyse_again(conn: sqlite3.Connection, session: db.Session) -> bool:
    """Queue a new analysis of the session's clips (False when it has none)."""
    with db.transaction(conn):
        if not db.list_clips(conn, session.owner_id, session.id):
            return False
        db.enqueue_analysis(conn, session.owner_id, session.id)
    return True


@dataclasses.dataclass(frozen=True)
class Status:
    """The state of a session's latest analysis (``none`` before the first upload)."""

    session_id: str
    state: Literal["none", "queued", "running", "done", "failed"]
    analysis_id: str | None = None
    stage: str = ""
    stage_text: str = ""
    done: int = 0
    total: int = 0
    error: str | None = None
    refused: bool = False

    @property
    def kind(self) -> H.SessionState:
        """The one word for the session's state (a refusal is not a failure)."""
        return "refused" if self.refused else self.state


def status_of(conn: sqlite3.Connection, session: db.Session) -> Status:
    """The state of the session's latest analysis."""
    analyses = db.list_analyses(conn, session.owner_id, session.id)
    if not analyses:
        return Status(session.id, "none")
    job = analyses[0]
    return Status(
        session.id, job.state, job.id, job.stage, stage_text(job.stage), job.done, job.total,
        job.error, job.refused,
    )  # fmt: skip


def latest_done(conn: sqlite3.Connection, owner_id: str, session_id: str) -> db.Analysis | None:
    """The session's newest finished analysis (the one its report and results come from)."""
    analyses = db.list_analyses(conn, owner_id, session_id)
    return next((a for a in analyses if a.state == "done"), None)


def downloads(ctx: Context, analysis_id: str) -> dict[str, str]:
    """The files of a finished analysis there are to download: kind -> file name."""
    folder = ctx.layout.report_dir(analysis_id)
    paths = {kind: storage.download_path(folder, kind) for kind in storage.DOWNLOADS}
    return {kind: path.name for kind, path in paths.items() if path is not None}


@dataclasses.dataclass(frozen=True)
class Results:
    """A session's latest finished analysis: its id, ``summary.json`` and downloads."""

    analysis: db.Analysis
    summary: Mapping[str, Any]
    files: Mapping[str, str]


def results_of(ctx: Context, conn: sqlite3.Connection, session: db.Session) -> Results | None:
    """The session's results (None before its first finished analysis)."""
    job = latest_done(conn, session.owner_id, session.id)
    summary = storage.read_summary(ctx.layout, job.id) if job else None
    if job is None or summary is None:
        return None
    return Results(job, summary, downloads(ctx, job.id))


# --------------------------------------------------------------------------- history, compare


def session_results(
    ctx: Context, conn: sqlite3.Connection, owner_id: str, sessions: Sequence[db.Session]
) -> list[H.SessionResult]:
    """Each session with the summary of its latest finished analysis, or, without one, the
    state that says why (no clip yet, waiting, analysing, failed, refused: with the reason)."""
    out = []
    for s in sessions:
        analyses = db.list_analyses(conn, owner_id, s.id)
        job = next((a for a in analyses if a.state == "done"), None)
        summary = storage.read_summary(ctx.layout, job.id) if job else None
        if summary is not None and job is not None:
            out.append(H.SessionResult(s.id, s.date, summary, job.id))
            continue
        latest = analyses[0] if analyses else None
        out.append(H.SessionResult(s.id, s.date, state=session_state(latest), note=_reason(latest)))
    return out


def session_state(job: db.Analysis | None) -> H.SessionState:
    """The one word for a session whose latest analysis is ``job`` (None: no clip yet)."""
    if job is None:
        return "none"
    if job.state == "failed":
        return "refused" if job.refused else "failed"
    return job.state


def _reason(job: db.Analysis | None) -> str | None:
    return job.error if job is not None and job.state == "failed" else None


def runner_history(
    ctx: Context, conn: sqlite3.Connection, runner: db.Runner
) -> tuple[H.History, list[H.SessionResult]]:
    """The runner's history (oldest first) and the session results it was made from."""
    sessions = list(reversed(db.list_sessions(conn, runner.owner_id, runner.id)))
    results = session_results(ctx, conn, runner.owner_id, sessions)
    return H.build_history(results, ctx.rules), results


class DifferentRunnersError(Exception):
    """Two sessions of different runners cannot be compared."""


def compare(
    ctx: Context, conn: sqlite3.Connection, owner_id: str, a: db.Session, b: db.Session
) -> H.Comparison:
    """Two sessions of one runner side by side, earlier first (raises
    :class:`DifferentRunnersError`)."""
    if a.runner_id != b.runner_id:
        raise DifferentRunnersError
    ra, rb = session_results(ctx, conn, owner_id, [a, b])
    return H.compare_sessions(ra, rb, ctx.rules)


def keyframes_of(ctx: Context, analysis_id: str | None) -> list[KeyFrame]:
    """The key frames of an analysis, from the index the report writes (none without one)."""
    if analysis_id is None:
        return []
    return read_index(ctx.layout.report_dir(analysis_id))


# --------------------------------------------------------------------------- the runner list


@dataclasses.dataclass(frozen=True)
class RunnerOverview:
    """A runner in the list: their last session (None: no session yet), the state of its
    analysis and, once done, both findings' statuses."""

    runner: db.Runner
    last_session: db.Session | None
    status: Status | None
    findings: Mapping[str, str]

    @property
    def state(self) -> H.SessionState:
        """The last session's state word (``done``, ``refused``, ...)."""
        return self.status.kind if self.status is not None else "none"


def runner_overview(ctx: Context, conn: sqlite3.Connection, owner_id: str) -> list[RunnerOverview]:
    """The owner's runners, by name, each with their last visit."""
    out = []
    for runner in db.list_runners(conn, owner_id):
        sessions = db.list_sessions(conn, owner_id, runner.id)
        last = sessions[0] if sessions else None
        status = status_of(conn, last) if last else None
        summary = None
        if status is not None and status.state == "done" and status.analysis_id:
            summary = storage.read_summary(ctx.layout, status.analysis_id)
        findings = H.finding_statuses(summary) if summary else {}
        out.append(RunnerOverview(runner, last, status, findings))
    return out


# --------------------------------------------------------------------------- the guide


def web_guide() -> dict[str, Any] | None:
    """The filming guide as the web app shows it: the catalogue's guide with the sentences
    meant for the command line replaced by the web's (``[web.guide]``); None when the
    catalogue has no guide."""
    try:
        guide = dict(entry("guide"))
    except KeyError:
        return None
    web = entry("web.guide")
    replaced = web.get("items", {})
    guide["items"] = [
        {**item, "text": replaced.get(item["topic"], item["text"])} for item in guide["items"]
    ]
    guide.pop("check_first", None)
    guide["checked"] = web["checked"]
    return guide


# --------------------------------------------------------------------------- the pages' views


@dataclasses.dataclass(frozen=True)
class SessionOverview:
    """A session in the runner's list, with the state of its analysis and its findings."""

    session: db.Session
    status: Status
    findings: Mapping[str, str]

    @property
    def state(self) -> H.SessionState:
        """The session's state word (``done``, ``refused``, ...)."""
        return self.status.kind


def session_overview(
    ctx: Context, conn: sqlite3.Connection, runner: db.Runner
) -> list[SessionOverview]:
    """The runner's sessions, newest first."""
    out = []
    for session in db.list_sessions(conn, runner.owner_id, runner.id):
        status = status_of(conn, session)
        summary = None
        if status.state == "done" and status.analysis_id:
            summary = storage.read_summary(ctx.layout, status.analysis_id)
        out.append(SessionOverview(session, status, H.finding_statuses(summary) if summary else {}))
    return out


@dataclasses.dataclass(frozen=True)
class Review:
    """An annotated clip to review: its file (in the analysis folder), the clip it shows, its
    frame rate (frames per second of the file) and its key moments (``time_s`` in the file)."""

    file: str
    clip: str
    fps: float
    moments: tuple[KeyFrame, ...]


def reviews_of(ctx: Context, analysis_id: str, summary: Mapping[str, Any]) -> list[Review]:
    """The annotated clips of a finished analysis, each with its key moments: the report names
    the first clip's ``annotated.mp4`` and the others' ``annotated-<stem>.mp4``."""
    folder = ctx.layout.report_dir(analysis_id)
    frames = read_index(folder)
    out = []
    for i, clip in enumerate(c for c in summary.get("clips") or [] if isinstance(c, Mapping)):
        name = str(clip.get("name", ""))
        file = "annotated.mp4" if i == 0 else f"annotated-{Path(name).stem}.mp4"
        video = clip.get("video") or {}
        slowmo = float(video.get("slowmo_factor") or 1.0)
        fps = float(video.get("fps") or 30.0) / slowmo
        if (folder / file).is_file():
            moments = tuple(
                dataclasses.replace(k, time_s=k.time_s * slowmo) for k in frames if k.clip == name
            )
            out.append(Review(file, name, fps, moments))
    return out


def session_view(ctx: Context, conn: sqlite3.Connection, session: db.Session) -> dict[str, Any]:
    """What the session page shows: the runner, the clips, the latest analysis and the latest
    finished one with its summary and downloads."""
    runner = db.get_runner(conn, session.owner_id, session.runner_id)
    analyses = db.list_analyses(conn, session.owner_id, session.id)
    report = next((a for a in analyses if a.state == "done"), None)
    files = downloads(ctx, report.id) if report else {}
    if report and (ctx.layout.report_dir(report.id) / "report.html").is_file():
        files = {**files, "html": "report.html"}
    summary = storage.read_summary(ctx.layout, report.id) if report else None
    return {
        "runner": runner,
        "session": session,
        "clips": db.list_clips(conn, session.owner_id, session.id),
        "current": analyses[0] if analyses else None,
        "report": report,
        "summary": summary,
        "files": files,
        "reviews": reviews_of(ctx, report.id, summary) if report and summary else [],
        "state": session_state(analyses[0] if analyses else None),
    }


# --------------------------------------------------------------------------- the full result


_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)


def result_page(ctx: Context, conn: sqlite3.Connection, analysis: db.Analysis) -> str | None:
    """The analysis's ``report.html`` as a page of the app: the report itself (one document
    that scrolls as one page) with the app's navigation put in at the top of its body; None
    when the analysis has no report page."""
    try:
        report = (ctx.layout.report_dir(analysis.id) / "report.html").read_text("utf-8")
    except OSError:
        return None
    session = db.get_session(conn, analysis.owner_id, analysis.session_id)
    runner = db.get_runner(conn, analysis.owner_id, session.runner_id) if session else None
    if session is None or runner is None:
        return None
    nav = TEMPLATES.get_template("report_nav.html").render(
        runner=runner, session=session, analysis=analysis, files=downloads(ctx, analysis.id)
    )
    match = _BODY.search(report)
    at = match.end() if match else 0
    return report[:at] + nav + report[at:]


def download_name(conn: sqlite3.Connection, analysis: db.Analysis, kind: str) -> str:
    """The file name a download is saved under: ``gaitlab-<runner>-<YYYY-MM-DD>.pdf`` (the
    other kinds add what they are: ``-home-programme.pdf``, ``-strides.csv``,
    ``-annotated.mp4``, ``-summary.json``)."""
    session = db.get_session(conn, analysis.owner_id, analysis.session_id)
    runner = db.get_runner(conn, analysis.owner_id, session.runner_id) if session else None
    ascii_name = unicodedata.normalize("NFKD", runner.name if runner else "").encode(
        "ascii", "ignore"
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.decode("ascii").lower()).strip("-")
    stem = "-".join(
        p for p in ("gaitlab", slug[:40].strip("-"), session.date if session else "") if p
    )
    name, _ = storage.DOWNLOADS[kind]
    suffix = {"pdf": ""}.get(kind, "-" + Path(name).stem)
    return f"{stem}{suffix}{Path(name).suffix}"
