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
    from gaitlab.config import load_defaults
    from gaitlab.pose.extract import extract_pose
    from gaitlab.pose.model import find_model

    settings = load_defaults()
    model_file = find_model(model if model is not None else settings.pose.model)
    return extract_pose(video, model_file, settings).tracks


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
            pass2=labels.labellers.get("pass2") or say("labels.problem.pass2_not_done"),
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


def read_settlements(path: Path) -> dict:
    """Settled disagreements from a CSV: ``side,kind,pass1,pass2,frame[,prior_frame,note]``
    (empty pass1/pass2: that pass had no such event; empty frame: the event is not there)."""
    import csv

    from gaitlab.labels.events import Settlement

    def num(text: str | None) -> int | None:
        text = (text or "").strip()
        return int(text) if text else None

    if not Path(path).is_file():
        raise InputError(say("labels.error.missing", name=str(path)))
    out = {}
    with open(path, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    for i, row in enumerate(csv.DictReader(lines), start=1):
        try:
            key = (row["side"].strip(), row["kind"].strip(), num(row["pass1"]), num(row["pass2"]))
            out[key] = Settlement(
                frame=num(row["frame"]),
                prior_frame=num(row.get("prior_frame")),
                note=(row.get("note") or "").strip(),
            )
        except (KeyError, ValueError):
            raise InputError(say("labels.error.settle_row", name=Path(path).name, row=i)) from None
    return out


def merge_command(
    first: Path, second: Path, out: Path, *, settled: Path | None, candidates: Path | None
) -> list[str]:
    """Merge two blind single-pass files of one clip; return the lines to print.

    Without ``settled`` (or with disagreements it does not settle), lists the disagreements and,
    with ``candidates``, writes their frames as a JSON list for ``gaitlab labels sheet
    --around``; nothing else is written.
    """
    from gaitlab.io import write_json_atomic
    from gaitlab.labels.events import merge_passes, pair_passes, save_events

    a, b = load_events(first), load_events(second)
    if a.clip != b.clip or a.n_frames != b.n_frames:
        raise InputError(
            say("labels.error.merge_clips", first=Path(first).name, second=Path(second).name)
        )
    pairs = pair_passes(a, b)
    settlements = read_settlements(settled) if settled is not None else {}
    open_pairs = [p for p in pairs if not p.agree and p.key not in settlements]
    lines = [
        say(
            "labels.report.merge_summary",
            clip=a.clip,
            events=len(pairs),
            equal=sum(p.agree for p in pairs),
            open=len(open_pairs),
        )
    ]
    if open_pairs:
        for p in open_pairs:
            lines.append(
                say(
                    "labels.report.merge_open",
                    side=p.side,
                    kind=p.kind,
                    first="-" if p.key[2] is None else p.key[2],
                    second="-" if p.key[3] is None else p.key[3],
                )
            )
        if candidates is not None:
            frames = sorted({f for p in open_pairs for f in p.key[2:] if f is not None})
            write_json_atomic(candidates, frames)
        return lines
    merged = merge_passes(a, b, settlements)
    save_events(merged, out)
    lines.append(say("labels.report.label_file_written", path=str(out), events=len(merged.events)))
    return lines
