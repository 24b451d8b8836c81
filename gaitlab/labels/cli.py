"""What ``gaitlab labels sheet`` and ``gaitlab labels check`` do, apart from the option parsing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from gaitlab.errors import InputError
from gaitlab.labels.events import KINDS, load_events, pass_agreement
from gaitlab.labels.sheet import (
    SheetOptions,
    index_name,
    load_tracks_for,
    parse_box,
    parse_frames,
    read_centres,
    write_sheets,
)
from gaitlab.pose.tracks import PoseTracks
from gaitlab.video import probe
from gaitlab.words import say

MODES = ("feet", "body")


def sheet_command(
    video: Path,
    out: Path,
    *,
    frames: str | None,
    around: Path | None,
    mode: str,
    zoom: float,
    foot: str = "both",
    tiles: int,
    step: int,
    overlap: int,
    width: int,
    tracks: Path | None,
    pose: bool,
    boxes: Sequence[str],
    marks: bool,
    model: str | None,
    distinct: bool = False,
) -> Iterator[str]:
    """Write contact sheets; yield the lines to print.

    With ``pose``, landmarks come from ``tracks``, else ``<video stem>.tracks.npz`` beside the
    video or in ``out``, else gaitlab's pose stage (its tracks are saved in ``out`` for the next
    call). Without, and on frames without a pose, crops come from ``boxes`` or whole frames.
    """
    if mode not in MODES:
        raise InputError(say("labels.error.mode", mode=mode))
    _choice("--foot", foot, ("both", "left", "right"))
    info = probe(video)
    keys = [parse_box(b) for b in boxes]
    rng = parse_frames(frames, info.n_frames) if frames is not None else None
    centres = read_centres(around) if around is not None else None
    saved = Path(out) / f"{Path(video).stem}.tracks.npz"
    if tracks is None and not Path(video).with_name(saved.name).is_file() and saved.is_file():
        tracks = saved
    landmarks = load_tracks_for(Path(video), tracks, info.n_frames) if pose else None
    source = str(tracks) if tracks is not None else f"{Path(video).stem}.tracks.npz"
    if landmarks is None and pose:
        yield say("labels.report.pose_running", name=Path(video).name, saved=str(saved))
        landmarks = run_pose(Path(video), model)
        landmarks.save_npz(saved)
        source = str(saved)
    if landmarks is not None:
        yield say("labels.report.tracks_from", source=source)
    options = SheetOptions(
        mode=mode,
        foot=foot,
        tiles=tiles,
        zoom=zoom,
        step=step,
        overlap=overlap,
        max_width_px=width,
        marks=marks,
        distinct=distinct,
    )
    written = write_sheets(
        video, out, tracks=landmarks, frames=rng, centres=centres, options=options, user_boxes=keys
    )
    index = index_name(video, options)
    yield say("labels.report.sheets_written", count=len(written), out=str(out), index=index)


def run_pose(video: Path, model: str | None) -> PoseTracks:
    """The runner's landmarks from gaitlab's pose stage with the default settings."""
    from gaitlab.api import landmarker_options
    from gaitlab.config import load_config
    from gaitlab.pose.extract import extract_pose
    from gaitlab.pose.model import find_model

    cfg = load_config(None)
    pose_cfg = cfg["pose"]
    result = extract_pose(
        video,
        find_model(model),
        options=landmarker_options(cfg),
        runner_sample_frames_per_s=float(pose_cfg["runner_sample_frames_per_s"]),
        runner_sample_min=int(pose_cfg["runner_sample_min"]),
        runner_sample_max=int(pose_cfg["runner_sample_max"]),
        runner_dense_frames_per_s=float(pose_cfg["runner_dense_frames_per_s"]),
        runner_dense_max=int(pose_cfg["runner_dense_max"]),
        min_duration_s=float(cfg["video"]["min_duration_s"]),
    )
    return result.tracks


def check_lines(path: Path) -> list[str]:
    """Validate one label file (raising :class:`InputError` when invalid) and describe it."""
    labels = load_events(path)
    table = labels.table()
    n_steady = sum(b - a + 1 for a, b in labels.steady_ranges)
    lines = [
        say(
            "labels.report.label_summary",
            name=Path(path).name,
            clip=labels.clip,
            view=labels.view,
            events=len(table),
            strikes=int((table["kind"] == KINDS[0]).sum()),
            toe_offs=int((table["kind"] == KINDS[1]).sum()),
            ranges=len(labels.steady_ranges),
            frames=n_steady,
            pass2=labels.labellers.get("pass2") or "not done",
        )
    ]
    for group, a in pass_agreement(labels).items():
        if a["compared"]:
            lines.append(
                say(
                    "labels.report.agreement_line",
                    group=group,
                    compared=a["compared"],
                    equal=a["equal"],
                    within_1=a["within_1_frame"],
                )
            )
    return lines


def parse_steady(text: str) -> tuple[int, int]:
    """``"FIRST:LAST"`` (both included) as a pair of frames."""
    import re

    m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", text)
    if not m:
        raise InputError(say("labels.error.steady_form", text=text))
    return int(m.group(1)), int(m.group(2))


def _choice(option: str, value: str | None, allowed: Sequence[str | None]) -> None:
    if value not in allowed:
        names = ", ".join(str(a) for a in allowed if a is not None)
        raise InputError(
            say("labels.error.option_value", option=option, value=value, allowed=names)
        )


def make_command(
    video: Path,
    events_csv: Path,
    out: Path,
    *,
    view: str,
    faces: str,
    near_foot: str | None,
    steady: Sequence[str],
    labeller: str,
    near_foot_how: str = "",
    notes: str = "",
) -> list[str]:
    """Build a (single-pass) label file from a CSV of events; return the lines to print.

    Frame times come from gaitlab's reader, so they are the pipeline's. The video's path is
    stored as given when relative (the repository's layout), else its name only.
    """
    from gaitlab.labels.events import read_event_rows, save_events, single_pass_labels
    from gaitlab.video import iter_frames

    _choice("--view", view, ("side", "rear", "front"))
    _choice("--faces", faces, ("image-left", "image-right", "away", "toward"))
    _choice("--near-foot", near_foot, ("left", "right", None))
    ranges = [parse_steady(s) for s in steady]
    rows = read_event_rows(events_csv)
    info = probe(video)
    with iter_frames(video) as frames:
        times = [f.time_s for f in frames]
    video_file = str(video) if not Path(video).is_absolute() else Path(video).name
    labels = single_pass_labels(
        rows,
        clip=Path(video).name,
        video_file=video_file,
        fps=info.fps,
        frame_times_s=times,
        variable_frame_rate=bool(info.is_variable_frame_rate),
        view=view,
        runner_faces=faces,
        near_foot=near_foot,
        steady_ranges=ranges,
        labeller=labeller,
        near_foot_how=near_foot_how,
        notes=notes,
    )
    from gaitlab.labels.events import validation_problems

    problems = validation_problems(labels.as_dict())
    if problems:
        more = say("labels.error.more", count=len(problems) - 1) if len(problems) > 1 else ""
        raise InputError(
            say("labels.error.invalid", name=Path(out).name, problem=problems[0], more=more)
        )
    save_events(labels, out)
    return [say("labels.report.label_file_written", path=str(out), events=len(labels.events))]
