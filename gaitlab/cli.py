"""The ``gaitlab`` command: a thin layer over :mod:`gaitlab.api`.

Exit codes (see the project conventions): 0 done; 1 (``check``: clip not usable, ``batch``: some
videos failed); 2 bad input, with one ``error:`` line on stderr and nothing else unless
``--debug``.
"""

from __future__ import annotations

import datetime
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from gaitlab.errors import GaitlabError

app = typer.Typer(
    name="gaitlab",
    help="Running gait analysis from a video: are the hips letting the knees down?",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: Rich's help formatting alone costs ~0.3 s at start-up
)
models_app = typer.Typer(
    help="List, verify and download pose models.", no_args_is_help=False, rich_markup_mode=None
)
app.add_typer(models_app, name="models")

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="TOML file overriding gaitlab's default settings."),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks and library logs.")]


def _err(message: str) -> None:
    from gaitlab.words import say

    print(say("cli.error", message=message), file=sys.stderr, flush=True)


@contextmanager
def user_errors(debug: bool) -> Iterator[None]:
    """Turn expected failures into one ``error:`` line and exit 2; unexpected ones into one line
    and exit 1 (a bug: the traceback with ``--debug``)."""
    try:
        yield
    except GaitlabError as exc:
        if debug:
            traceback.print_exc()
        _err(exc.message)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        from gaitlab.words import say

        _err(say("cli.interrupted"))
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:  # the last line of defence for the user
        if debug:
            traceback.print_exc()
        from gaitlab.words import say

        _err(say("cli.unexpected", kind=type(exc).__name__, detail=exc))
        raise typer.Exit(EXIT_FAIL) from None


def _progress_bar(
    enabled: bool, unit: str = "frame"
) -> tuple[Callable[[str, int, int], None] | None, Callable]:
    """A tqdm progress callback (None when disabled or not on a terminal) and a closer."""
    if not enabled or not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(name: str, done: int, total: int) -> None:
        bar = bars.get(name)
        if bar is None:
            bar = bars[name] = tqdm(
                total=total or None, desc=name, unit=unit, file=sys.stderr, leave=False
            )
        bar.update(done - bar.n)

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close


def sticker_colours(items: list[str]) -> dict[str, str]:
    """``["psis=green", "asis=orange"]`` -> ``{"psis": "green", "asis": "orange"}``.

    Raises
    ------
    GaitlabError
        For an item that is not ``KIND=COLOUR`` with KIND ``psis`` or ``asis``.
    """
    from gaitlab.words import say

    out = {}
    for item in items:
        kind, sep, colour = item.partition("=")
        kind = kind.strip().lower()
        if not sep or kind not in ("psis", "asis") or not colour.strip():
            raise GaitlabError(say("markers.bad_colour_option", item=item))
        out[kind] = colour.strip().lower()
    return out


@app.command()
def analyze(
    videos: Annotated[list[Path], typer.Argument(help="Video file(s) of one session.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the results.")] = Path(
        "gaitlab-out"
    ),
    model: Annotated[
        str | None, typer.Option("--model", help="Pose model: a name or a .task file.")
    ] = None,
    slowmo: Annotated[
        float | None,
        typer.Option("--slowmo", help="Slow-motion factor (8 for 240 fps saved at 30 fps)."),
    ] = None,
    height_cm: Annotated[
        float | None,
        typer.Option("--height-cm", help="Runner's height in cm: distances also in cm."),
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option("--speed", help="Treadmill belt speed in m/s: true step length in m."),
    ] = None,
    standing: Annotated[
        list[Path] | None,
        typer.Option(
            "--standing",
            help="A short clip of the runner standing still with the pelvis stickers on, "
            "filmed from the same spot (sets the stickers' zero); repeat for each view.",
        ),
    ] = None,
    sticker_colour: Annotated[
        list[str] | None,
        typer.Option(
            "--sticker-colour",
            help="Name a sticker colour, e.g. psis=green or asis=orange (default: any).",
        ),
    ] = None,
    config: ConfigOpt = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on a terminal.")] = True,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write report.html into OUT.")
    ] = True,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write report.pdf.")] = False,
    video: Annotated[
        bool,
        typer.Option("--video/--no-video", help="Write annotated.mp4 (skeleton drawn on)."),
    ] = True,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Parts of the clip tracked at once (default: one per core; 1: one pass).",
        ),
    ] = None,
    runner: Annotated[
        str | None,
        typer.Option(
            "--runner", help="The runner's name or code: on the report and its PDF's name."
        ),
    ] = None,
    session_date: Annotated[
        str | None,
        typer.Option("--session-date", help="The day the clips were filmed, YYYY-MM-DD."),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Analyse a running clip (or a side and a rear clip of one session) into OUT."""
    with user_errors(debug):
        from concurrent.futures import ThreadPoolExecutor

        from gaitlab.api import analyze as run
        from gaitlab.api import preload
        from gaitlab.config import load_config
        from gaitlab.words import say

        cfg = load_config(config)
        when = _session_date(session_date)
        if slowmo is not None:
            if slowmo <= 0:
                raise GaitlabError(say("error.cli.slowmo", value=slowmo))
            cfg = cfg.with_overrides({"video": {"slowmo_factor": slowmo}}, where="--slowmo")
        if height_cm is not None:
            if not 50 <= height_cm <= 250:
                raise GaitlabError(say("error.cli.height_cm", value=height_cm))
            cfg = cfg.with_overrides({"runner": {"height_m": height_cm / 100}}, where="--height-cm")
        if speed is not None:
            if not 0 < speed <= 12:
                raise GaitlabError(say("error.cli.speed", value=speed))
            cfg = cfg.with_overrides({"runner": {"belt_speed_m_s": speed}}, where="--speed")
        if workers is not None:
            if workers < 1:
                raise GaitlabError(say("error.cli.workers", value=workers))
            cfg = cfg.with_overrides({"pose": {"chunks": workers}}, where="--workers")
        if report:  # the report's libraries (matplotlib, Jinja2) load while the pose runs
            preload(("gaitlab.report.write",))
        if sticker_colour:
            cfg = cfg.with_overrides(
                {"markers": {"colours": sticker_colours(sticker_colour)}}, where="--sticker-colour"
            )
        update, close = _progress_bar(progress)
        try:
            result = run(videos, config=cfg, model=model, progress=update, standing=standing or ())
        finally:
            close()
        # The landmark files and summary are written while the report is built and the
        # annotated clip encoded (each in its own thread: they use different cores).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gaitlab-save") as saver:
            saving = saver.submit(result.save, out)
            pages = {}
            if report:
                from gaitlab.report import write_report

                update, close = _progress_bar(progress, unit="step")
                try:
                    pages = write_report(
                        result,
                        out,
                        pdf=pdf,
                        video=video,
                        runner=(runner or "").strip() or None,
                        session_date=when,
                        progress=update,
                    )
                finally:
                    close()
            written = saving.result()
        print(describe(result))
        print(say("cli.wrote", what=written["summary"]))
        if pages:
            print(say("cli.wrote", what=", ".join(str(p) for p in pages.values())))


def _session_date(text: str | None) -> datetime.date | None:
    """``--session-date`` as a date (None when not given); one clear error otherwise."""
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        from gaitlab.words import say

        raise GaitlabError(say("error.cli.session_date", value=text)) from None


def describe(result: Any) -> str:
    """A few plain lines about an analysis, for the terminal."""
    from gaitlab.metrics.registry import label
    from gaitlab.words import say

    lines = []
    for clip in result.clips:
        v = clip.view
        facing = say("cli.describe.facing", facing=v.facing) if v.facing else ""
        setting = say("cli.describe.setting", setting=v.setting) if v.setting else ""
        steps = clip.usable_steps()
        lines.append(
            say(
                "cli.describe.clip",
                name=clip.name,
                view=v.label,
                facing=facing,
                setting=setting,
                left=steps["left"],
                right=steps["right"],
            )
        )
        for check in clip.checks:
            if check.status != "pass":
                lines.append(say("cli.describe.check", status=check.status, message=check.message))
    for pool in result.pools:
        steps = pool.usable_steps()
        lines.append(
            say(
                "cli.describe.pool",
                name=pool.name,
                view=pool.view,
                left=steps["left"],
                right=steps["right"],
            )
        )
    for name in ("cadence_spm", "contact_time_ms"):
        m = result.metrics.get(name)
        if m is not None and m.value is not None:
            lines.append(say("cli.describe.metric", label=label(name), value=m.value, unit=m.unit))
    for finding in result.findings:
        title = say(f"finding.{finding.pattern}.title")
        lines.append(say("cli.describe.finding", title=title, summary=finding.summary))
    return "\n".join(lines)


@models_app.callback(invoke_without_command=True)
def models_list(ctx: typer.Context, debug: DebugOpt = False) -> None:
    """List the pose models gaitlab can find, and whether their checksums verify."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors(debug):
        from gaitlab.pose.model import list_models
        from gaitlab.words import say

        for st in list_models():
            where = f"{st.path} ({st.source})" if st.path else say("cli.models.not_installed")
            size = f"{st.size_bytes / 1e6:.1f} MB" if st.size_bytes else ""
            line = f"{st.name:6} {st.state:9} {size:>8}  {where}"
            if st.sha256:
                line += f"  sha256 {st.sha256[:12]}"
            print(line)
            if st.message:
                print(f"       {st.message}")


@models_app.command("download")
def models_download(
    name: Annotated[str, typer.Argument(help="Model name from the manifest: lite, full, heavy.")],
    debug: DebugOpt = False,
) -> None:
    """Download an official pose model (needs internet), verified against its pinned checksum."""
    with user_errors(debug):
        from gaitlab.pose.model import download_model
        from gaitlab.words import say

        model = download_model(name)
        print(say("cli.models.saved", path=model.path, sha256=model.sha256))


DataOpt = Annotated[
    Path,
    typer.Option("--data", help="The web app's data folder (database, uploads, reports)."),
]
users_app = typer.Typer(
    help="Therapists' accounts of the web app.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(users_app, name="users")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    data: DataOpt = Path("gaitlab-data"),
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Analysis worker processes.")
    ] = 1,
    max_upload_mb: Annotated[
        float, typer.Option("--max-upload-mb", help="Largest clip accepted, in MB.")
    ] = 500.0,
    ssl_certfile: Annotated[
        Path | None, typer.Option("--ssl-certfile", help="TLS certificate (PEM).")
    ] = None,
    ssl_keyfile: Annotated[
        Path | None, typer.Option("--ssl-keyfile", help="TLS private key (PEM).")
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            metavar="NAME",
            help="A name or address other devices use to reach this server (repeatable; "
            "required with --host 0.0.0.0). Other Host headers are refused.",
        ),
    ] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            metavar="ADDRESS",
            help="Address of a reverse proxy in front of gaitlab whose X-Forwarded-For header "
            "names the client (repeatable); from anyone else the header is ignored.",
        ),
    ] = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Serve the therapists' web app (with its analysis workers) until stopped with Ctrl-C."""
    with user_errors(debug):
        from gaitlab.config import load_config
        from gaitlab.web import server
        from gaitlab.web.hosts import hosts_to_allow
        from gaitlab.words import say

        load_config(config)  # a bad file fails here, not in every analysis
        hosts_to_allow(host, allowed_host or ())  # so does a missing --allowed-host
        warning = server.tls_warning(host, tls=ssl_certfile is not None)
        if warning:
            print(say("cli.warning", message=warning), file=sys.stderr, flush=True)
        if not server.user_names(data):
            print(say("web.serve.no_users", data=data), file=sys.stderr, flush=True)
        scheme = "https" if ssl_certfile else "http"
        url = f"{scheme}://{host if ':' not in host else f'[{host}]'}:{port}/"
        print(say("web.serve.listening", url=url, data=data.resolve()), flush=True)
        server.run(
            data_dir=data, host=host, port=port, workers=workers, max_upload_mb=max_upload_mb,
            config_path=config, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
            allowed_hosts=tuple(allowed_host or ()), trusted_proxies=tuple(trusted_proxy or ()),
            log_level="info" if debug else "warning",
        )  # fmt: skip


def _read_new_password(name: str) -> str:
    """A password from a prompt (typed twice, hidden) or the first line of standard input."""
    from gaitlab.words import say

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt(say("web.users.password_prompt", name=name), hide_input=True)
    if typer.prompt(say("web.users.password_again"), hide_input=True) != first:
        raise GaitlabError(say("web.users.passwords_differ"))
    return first


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Account name (the therapist logs in with it).")],
    data: DataOpt = Path("gaitlab-data"),
    debug: DebugOpt = False,
) -> None:
    """Add a therapist's account; the password is prompted for, or read from standard input."""
    with user_errors(debug):
        from gaitlab.web import server
        from gaitlab.words import say

        server.add_user(data, name, _read_new_password(name))
        print(say("web.users.added", name=name.strip()))


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="Account name.")],
    data: DataOpt = Path("gaitlab-data"),
    debug: DebugOpt = False,
) -> None:
    """Set a new password for an account (its logins end and its API tokens are revoked)."""
    with user_errors(debug):
        from gaitlab.web import server
        from gaitlab.words import say

        server.set_password(data, name, _read_new_password(name))
        print(say("web.users.password_changed", name=name))


@users_app.command("list")
def users_list(data: DataOpt = Path("gaitlab-data"), debug: DebugOpt = False) -> None:
    """List the accounts."""
    with user_errors(debug):
        from gaitlab.web import server

        for user_name in server.user_names(data):
            print(user_name)


@app.command()
def batch(
    folder: Annotated[Path, typer.Argument(help="Folder of videos (searched recursively).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the results.")],
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Worker processes of the local cluster (default: cores)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of an existing Dask scheduler to use."),
    ] = None,
    report: Annotated[
        bool, typer.Option("--report", help="Also write each video's report (slower).")
    ] = False,
    trc: Annotated[
        bool, typer.Option("--trc", help="Also write landmarks as OpenSim .trc files.")
    ] = False,
    model: Annotated[
        str | None, typer.Option("--model", help="Pose model: a name or a .task file.")
    ] = None,
    config: ConfigOpt = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on a terminal.")] = True,
    debug: DebugOpt = False,
) -> None:
    """Analyse every video in FOLDER into OUT: summary.csv, strides.csv, one folder per video."""
    with user_errors(debug):
        from gaitlab.batch.runner import batch as run_batch
        from gaitlab.config import load_config

        cfg = load_config(config)
        update, close = _batch_progress(progress)
        try:
            result = run_batch(
                folder,
                out,
                workers=workers,
                scheduler=scheduler,
                config=cfg,
                model=model,
                report=report,
                trc=trc,
                progress=update,
            )
        finally:
            close()
        print(result.count_line())
        raise typer.Exit(result.exit_code)


def _batch_progress(enabled: bool) -> tuple[Callable[[Any], None] | None, Callable]:
    """A tqdm bar over the videos (done / failed / remaining, time left), on a terminal only."""
    if not enabled or not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    from gaitlab.words import say

    bars: list[Any] = []

    def update(state: Any) -> None:
        if not bars:
            bars.append(tqdm(total=state.total, unit="video", file=sys.stderr, leave=False))
        bar = bars[0]
        bar.set_postfix_str(
            say("batch.progress", done=state.done, failed=state.failed, remaining=state.remaining),
            refresh=False,
        )
        bar.update(state.done + state.failed - bar.n)
        bar.refresh()

    def close() -> None:
        for bar in bars:
            bar.close()

    return update, close


@app.command()
def check(
    video: Annotated[Path, typer.Argument(help="The video file to check.")],
    model: Annotated[
        str | None, typer.Option("--model", help="Pose model: a name or a .task file.")
    ] = None,
    slowmo: Annotated[
        float | None,
        typer.Option("--slowmo", help="Slow-motion factor (8 for 240 fps saved at 30 fps)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Check in a few seconds whether VIDEO will do for an analysis, and how to film it better.

    Exit code 0: usable (warnings allowed); 1: not usable (the failed checks say why); 2: not a
    readable video.
    """
    with user_errors(debug):
        import json

        from gaitlab.config import load_config
        from gaitlab.quality import preflight
        from gaitlab.words import say

        cfg = load_config(config)
        if slowmo is not None:
            if slowmo <= 0:
                raise GaitlabError(say("error.cli.slowmo", value=slowmo))
            cfg = cfg.with_overrides({"video": {"slowmo_factor": slowmo}}, where="--slowmo")
        result = preflight(video, model=model, config=cfg)
        if as_json:
            print(json.dumps(result.as_dict(), indent=2))
        else:
            v = result.video
            print(
                say(
                    "cli.check.video",
                    name=video.name,
                    width_px=v.width_px,
                    height_px=v.height_px,
                    fps=v.fps,
                    duration_s=v.duration_s,
                    codec=v.codec,
                )
            )
            for c in result.checks:
                print(f"{c.status.upper():4}  {say(f'check.labels.{c.name}')}: {c.message}")
                if c.fix and c.status != "pass":
                    print(say("cli.check.fix", fix=c.fix))
            warned = any(c.status == "warn" for c in result.checks)
            limits = say("check.usable_limits") if warned else ""
            verdict = "check.usable" if result.usable else "check.not_usable"
            print(say(verdict, name=video.name, limits=limits))
        if not result.usable:
            raise typer.Exit(EXIT_FAIL)


@users_app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="Account name.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Remove all of the account's tokens instead.")
    ] = False,
    data: DataOpt = Path("gaitlab-data"),
    debug: DebugOpt = False,
) -> None:
    """Make an API token for scripts (Authorization: Bearer TOKEN); it is shown once."""
    with user_errors(debug):
        from gaitlab.web import accounts
        from gaitlab.words import say

        if revoke:
            count = accounts.revoke_tokens(data, name)
            print(say("web.api.tokens_revoked", count=count, name=name))
            return
        token = accounts.issue_token(data, name, label)
        print(say("web.api.token_made", name=name, token=token))


@users_app.command("solo")
def users_solo(
    name: Annotated[str, typer.Argument(help="Your name (account and runner profile).")],
    height_cm: Annotated[
        float | None, typer.Option("--height-cm", help="Your height, for distances in cm.")
    ] = None,
    data: DataOpt = Path("gaitlab-data"),
    debug: DebugOpt = False,
) -> None:
    """A runner on their own: one account with one runner profile.

    The password is prompted for, or read from standard input.
    """
    with user_errors(debug):
        from gaitlab.web import accounts
        from gaitlab.words import say

        accounts.add_solo(data, name, _read_new_password(name), height_cm=height_cm)
        print(say("web.api.solo_added", name=name.strip()))


# ---------------------------------------------------------------- gaitlab labels (ground truth)
labels_app = typer.Typer(
    help="Hand labels of gait events: contact sheets of the feet, label files.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(labels_app, name="labels")


@labels_app.command("sheet")
def labels_sheet(
    video: Annotated[Path, typer.Argument(help="The clip.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the PNG sheets.")],
    frames: Annotated[
        str | None, typer.Option("--frames", help="Frames A:B (A to B-1); default: all.")
    ] = None,
    around: Annotated[
        Path | None,
        typer.Option(
            "--around",
            help="One sheet centred on each frame of a label file, strides CSV or JSON list.",
        ),
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", help="feet (crop around both feet) or body (whole runner).")
    ] = "feet",
    foot: Annotated[
        str, typer.Option("--foot", help="Feet mode: both, or left/right (as the model names it).")
    ] = "both",
    zoom: Annotated[float, typer.Option("--zoom", min=0.2, max=12, help="Enlargement.")] = 3.0,
    tiles: Annotated[int, typer.Option("--tiles", min=1, max=60, help="Frames per sheet.")] = 12,
    step: Annotated[int, typer.Option("--step", min=1, help="Show every n-th frame.")] = 1,
    overlap: Annotated[
        int, typer.Option("--overlap", min=0, help="Frames shared by consecutive sheets.")
    ] = 2,
    width: Annotated[
        int, typer.Option("--width", min=200, max=8000, help="Largest sheet width (px).")
    ] = 1200,
    tracks: Annotated[
        Path | None,
        typer.Option("--tracks", help="Landmarks (.npz/.csv); default <video>.tracks.npz."),
    ] = None,
    pose: Annotated[
        bool,
        typer.Option(
            "--pose/--no-pose",
            help="Find the feet from landmarks (--tracks, or the pose model if none).",
        ),
    ] = True,
    box: Annotated[
        list[str] | None,
        typer.Option("--box", help="Crop X,Y,W,H (or F:X,Y,W,H at frame F) where no pose."),
    ] = None,
    marks: Annotated[
        bool, typer.Option("--marks/--no-marks", help="Draw the model's heel/toe dots.")
    ] = True,
    distinct: Annotated[
        bool,
        typer.Option("--distinct", help="Leave out frames that repeat the picture before them."),
    ] = False,
    model: Annotated[
        str | None, typer.Option("--model", help="Pose model: a name or a .task file.")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Contact sheets of VIDEO: consecutive frames, cropped around the feet, zoomed, numbered."""
    with user_errors(debug):
        from gaitlab.labels.cli import sheet_command

        for line in sheet_command(
            video,
            out,
            frames=frames,
            around=around,
            mode=mode,
            foot=foot,
            zoom=zoom,
            tiles=tiles,
            step=step,
            overlap=overlap,
            width=width,
            tracks=tracks,
            pose=pose,
            boxes=box or [],
            marks=marks,
            model=model,
            distinct=distinct,
        ):
            print(line, flush=True)


@labels_app.command("make")
def labels_make(
    video: Annotated[Path, typer.Argument(help="The clip the events belong to.")],
    events: Annotated[
        Path,
        typer.Option("--events", help="CSV: side,kind,frame[,confidence,uncertainty_frames,note]."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Label file to write (.events.json).")],
    view: Annotated[str, typer.Option("--view", help="side, rear or front.")],
    faces: Annotated[str, typer.Option("--faces", help="image-left, image-right, away or toward.")],
    steady: Annotated[
        list[str], typer.Option("--steady", help="Steady-running frames FIRST:LAST (repeatable).")
    ],
    labeller: Annotated[str, typer.Option("--labeller", help="Who labelled.")],
    near_foot: Annotated[
        str | None, typer.Option("--near-foot", help="Side views: left or right (by the body).")
    ] = None,
    near_foot_how: Annotated[
        str, typer.Option("--near-foot-how", help="How the near foot was told.")
    ] = "",
    notes: Annotated[str, typer.Option("--notes", help="Free text about the clip.")] = "",
    debug: DebugOpt = False,
) -> None:
    """Build a label file from one labelling pass's CSV (frame times from gaitlab's reader)."""
    with user_errors(debug):
        from gaitlab.labels.cli import make_command

        for line in make_command(
            video,
            events,
            out,
            view=view,
            faces=faces,
            near_foot=near_foot,
            steady=steady,
            labeller=labeller,
            near_foot_how=near_foot_how,
            notes=notes,
        ):
            print(line)


@labels_app.command("merge")
def labels_merge(
    first: Annotated[Path, typer.Argument(help="Pass 1: a single-pass label file.")],
    second: Annotated[Path, typer.Argument(help="Pass 2 (blind): a single-pass label file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Merged label file to write.")],
    settled: Annotated[
        Path | None,
        typer.Option("--settled", help="CSV: side,kind,pass1,pass2,frame[,prior_frame,note]."),
    ] = None,
    candidates: Annotated[
        Path | None,
        typer.Option("--candidates", help="Write the disputed frames (JSON) for sheet --around."),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Merge two blind labelling passes; list the disagreements to settle, or write the file."""
    with user_errors(debug):
        from gaitlab.labels.cli import merge_command

        for line in merge_command(first, second, out, settled=settled, candidates=candidates):
            print(line)


@labels_app.command("check")
def labels_check(
    files: Annotated[list[Path], typer.Argument(help="Label files (<clip>.events.json).")],
    debug: DebugOpt = False,
) -> None:
    """Validate label files and print their events and pass agreement."""
    with user_errors(debug):
        from gaitlab.labels.cli import check_lines

        for path in files:
            for line in check_lines(path):
                print(line)


def main() -> None:
    """Entry point of the ``gaitlab`` console command."""
    if "--debug" not in sys.argv:
        from gaitlab.quiet import silence_native_stderr

        silence_native_stderr()
    app()


if __name__ == "__main__":
    main()
