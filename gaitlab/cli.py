"""The ``gaitlab`` command: a thin layer over :mod:`gaitlab.api`.

Exit codes (see the project conventions): 0 done; 1 (``check``: clip not usable, ``batch``: some
videos failed); 2 bad input, with one ``error:`` line on stderr and nothing else unless
``--debug``.
"""

from __future__ import annotations

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
)
models_app = typer.Typer(help="List, verify and download pose models.", no_args_is_help=False)
app.add_typer(models_app, name="models")

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="TOML file overriding gaitlab's default settings."),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks and library logs.")]


def _err(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


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
        _err("interrupted; nothing half-written was left behind.")
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:  # the last line of defence for the user
        if debug:
            traceback.print_exc()
        _err(
            f"gaitlab failed unexpectedly ({type(exc).__name__}: {exc}); "
            "rerun with --debug and report the output."
        )
        raise typer.Exit(EXIT_FAIL) from None


def _progress_bar(enabled: bool) -> tuple[Callable[[str, int, int], None] | None, Callable]:
    """A tqdm progress callback (None when disabled or not on a terminal) and a closer."""
    if not enabled or not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(name: str, done: int, total: int) -> None:
        bar = bars.get(name)
        if bar is None:
            bar = bars[name] = tqdm(
                total=total or None, desc=name, unit="frame", file=sys.stderr, leave=False
            )
        bar.update(done - bar.n)

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close


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
    config: ConfigOpt = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on a terminal.")] = True,
    debug: DebugOpt = False,
) -> None:
    """Analyse a running clip (or a side and a rear clip of one session) into OUT."""
    with user_errors(debug):
        from gaitlab.api import analyze as run
        from gaitlab.config import load_config

        cfg = load_config(config)
        if slowmo is not None:
            if slowmo <= 0:
                raise GaitlabError(f"--slowmo must be a positive number, got {slowmo}.")
            cfg["video"]["slowmo_factor"] = slowmo
        if height_cm is not None:
            if not 50 <= height_cm <= 250:
                raise GaitlabError(f"--height-cm must be a height in cm (50-250), got {height_cm}.")
            cfg["runner"]["height_m"] = height_cm / 100
        if speed is not None:
            if not 0 < speed <= 12:
                raise GaitlabError(f"--speed must be the belt speed in m/s (0-12), got {speed}.")
            cfg["runner"]["belt_speed_m_s"] = speed
        update, close = _progress_bar(progress)
        try:
            result = run(videos, config=cfg, model=model, progress=update)
        finally:
            close()
        written = result.save(out)
        print(describe(result))
        print(f"wrote {written['summary']}")


def describe(result: Any) -> str:
    """A few plain lines about an analysis, for the terminal."""
    from gaitlab.words import say

    lines = []
    for clip in result.clips:
        v = clip.view
        facing = f", running toward image-{v.facing}" if v.facing else ""
        setting = f", {v.setting}" if v.setting else ""
        steps = clip.usable_steps()
        lines.append(
            f"{clip.name}: {v.label} view{facing}{setting}; usable strides: "
            f"{steps['left']} left, {steps['right']} right"
        )
    for pool in result.pools:
        steps = pool.usable_steps()
        lines.append(
            f"{pool.name}: {pool.view} views counted together; usable strides: "
            f"{steps['left']} left, {steps['right']} right"
        )
    for name in ("cadence_spm", "contact_time_ms"):
        m = result.metrics.get(name)
        if m is not None and m.value is not None:
            lines.append(f"  {name.rsplit('_', 1)[0].replace('_', ' ')}: {m.value:.0f} {m.unit}")
    for finding in result.findings:
        title = say(f"finding.{finding.pattern}.title")
        lines.append(f"{title}: {finding.summary}")
    return "\n".join(lines)


@models_app.callback(invoke_without_command=True)
def models_list(ctx: typer.Context, debug: DebugOpt = False) -> None:
    """List the pose models gaitlab can find, and whether their checksums verify."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors(debug):
        from gaitlab.pose.model import list_models

        for st in list_models():
            where = f"{st.path} ({st.source})" if st.path else "not installed"
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

        model = download_model(name)
        print(f"saved {model.path} (sha256 {model.sha256})")


def main() -> None:
    """Entry point of the ``gaitlab`` console command."""
    if "--debug" not in sys.argv:
        from gaitlab.quiet import silence_native_stderr

        silence_native_stderr()
    app()


if __name__ == "__main__":
    main()
