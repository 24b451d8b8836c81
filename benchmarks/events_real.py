"""Today's gait-event detector against hand labels of real footage (the "before" figure).

For every labelled clip in ``tests/data`` (``<clip>.events.json`` beside ``<clip>.tracks.npz``,
the cached landmarks of gaitlab's pose stage), runs everything after the pose stage
(:func:`gaitlab.api.analyze_tracks` with the default settings: view, cleaning, strides,
metrics), takes the contact table of :func:`gaitlab.events.detect.detect_contacts` on the
cleaned tracks, and scores it with :func:`gaitlab.labels.score.score_clip`: strikes and
toe-offs within one and two frames of the labels, bias, misses, false detections, contact-time
error, cadence against the labels' own, and usable strides against the labelled ones. Side
views are reported per near and far foot, rear views per left and right.

Writes ``benchmarks/results/events_real.json`` and ``.md``; ``--quick`` (CI) scores the sample
clip only and writes to ``benchmarks/results/quick/`` unless ``--out`` says otherwise::

    python benchmarks/events_real.py
    python benchmarks/events_real.py --quick --out OUT/events_real.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source tree without installing

import pandas as pd  # noqa: E402

from gaitlab.io import write_json_atomic, write_text_atomic  # noqa: E402
from gaitlab.labels import load_events  # noqa: E402
from gaitlab.labels.score import (  # noqa: E402
    DEFAULT_WINDOW_FRAMES,
    detected_events,
    match_events,
    matches_as_records,
    score_clip,
    summarize,
)

DATA = REPO / "tests" / "data"
COMMAND = "python benchmarks/events_real.py"


def label_files(quick: bool) -> list[Path]:
    """The labelled clips (the sample clip only with ``quick``)."""
    files = sorted(DATA.glob("*.events.json"))
    return [f for f in files if f.name.startswith("male_side")] if quick else files


def score_one(path: Path, window_frames: float) -> tuple[dict[str, Any], pd.DataFrame]:
    """Scores of one clip and its match table (with the clip's name)."""
    from gaitlab.api import analyze_tracks
    from gaitlab.events.detect import detect_contacts
    from gaitlab.pose.tracks import PoseTracks

    labels = load_events(path)
    stem = path.name.removesuffix(".events.json")
    tracks = PoseTracks.load_npz(DATA / f"{stem}.tracks.npz")
    clip = analyze_tracks(tracks, name=labels.clip)
    contacts = detect_contacts(clip.tracks)
    cadence = clip.metrics.get("cadence_spm")
    reported = cadence.value if cadence is not None else None
    scores = score_clip(
        labels, contacts, clip.strides, reported_cadence_spm=reported, window_frames=window_frames
    )
    scores["labels"] = {
        "file": path.name,
        "protocol_version": labels.protocol_version,
        "pass2_done": labels.labellers.get("pass2") is not None,
        "events": len(labels.events),
    }
    scores["detector"] = {
        "contacts": len(contacts),
        "pose_frames": int(tracks.has_pose.sum()),
        "frames": tracks.n_frames,
        "view": clip.view.label,
    }
    matches = match_events(
        labels, detected_events(contacts, labels.frame_times_s), window_frames=window_frames
    )
    scores["matches"] = matches_as_records(matches)
    return scores, matches.assign(clip=labels.clip, view=labels.view)


def pooled(all_matches: pd.DataFrame) -> dict[str, Any]:
    """Events of all side views pooled per near and far foot (and per kind), rear views apart."""
    out: dict[str, Any] = {}
    side = all_matches[all_matches["view"] == "side"]
    for foot in ("near", "far"):
        sub = side[side["foot"] == foot]
        out[f"side/{foot}"] = summarize(sub)
        for kind in ("strike", "toe_off"):
            out[f"side/{foot}/{kind}"] = summarize(sub[sub["kind"] == kind])
    rear = all_matches[all_matches["view"] != "side"]
    if len(rear):
        out["rear_front/both"] = summarize(rear)
    return out


def notes(clips: dict[str, Any]) -> list[str]:
    """What a reader of the figures must know about the clips and labels."""
    out = []
    if {"side_track_screenrec.mp4", "side_track_far.mp4"} & set(clips):
        out.append(
            "side_track_screenrec plays most of its footage in slow motion and side_track_far "
            "is a 3x slow-motion sprint holding each picture for 3 frames: times, contact "
            "times and cadence there are clip times, not the runner's."
        )
    if "side_track_far.mp4" in clips:
        out.append(
            "side_track_far: the two labelling passes agreed on every frame but not on which "
            "foot is the near one; see docs/labelling-protocol.md, section 9."
        )
    single = [name for name, s in clips.items() if not s["labels"]["pass2_done"]]
    if single:
        out.append(
            "Labels of " + ", ".join(single) + " carry pass 1 only (the blind second pass is "
            "not merged yet)."
        )
    return out


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, fmt: str = "{:+.1f}") -> str:
    return "-" if x is None else fmt.format(x)


def markdown(record: dict[str, Any]) -> str:
    """The results as a markdown page."""
    lines = [
        "# Gait events on real footage against hand labels",
        "",
        f"Command: `{record['command']}` ({record['date']}, {record['machine']}; "
        f"matching window {record['window_frames']:g} frames). Labels: "
        "`tests/data/<clip>.events.json` (protocol: `docs/labelling-protocol.md`); landmarks: "
        "the cached pose-stage tracks `tests/data/<clip>.tracks.npz`; detector: "
        "`gaitlab.events.detect.detect_contacts` after `gaitlab.api.analyze_tracks` "
        "(default settings).",
        "",
        "Errors are detected minus labelled, in frames of the clip (a label's time is the "
        "midpoint between the last frame of the old state and the first of the new). 'within 1' "
        "is the share of labelled events with a detection within one frame; missed and false "
        "count labelled events without a detection and detections without a label inside the "
        "steady-running frames. Contact time is compared where both events of a labelled "
        "contact matched one detected contact.",
        "",
        "| clip | pose frames | foot | events | within 1 | within 2 | bias (frames) | missed | "
        "false | contact time error (ms) | cadence vs labels (detected strikes; reported) | "
        "usable strides / labelled |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in record["clips"].items():
        feet = [k for k in s["events"] if k not in ("all", "strike", "toe_off") and "/" not in k]
        cad = s["cadence"]
        cad_txt = (
            "-"
            if cad["detected_error_pct"] is None
            else f"{cad['detected_error_pct']:+.1f}% "
            f"({cad['detected_spm']:.1f} vs {cad['labels_spm']:.1f})"
        )
        rep_txt = (
            "none"
            if cad["reported_error_pct"] is None
            else f"{cad['reported_error_pct']:+.1f}% ({cad['reported_spm']:.1f})"
        )
        cad_txt = f"{cad_txt}; reported {rep_txt}"
        det = s["detector"]
        pose_txt = f"{det['pose_frames']}/{det['frames']}"
        st = s["strides"]
        for i, foot in enumerate(["all", *feet]):
            e = s["events"][foot]
            ct = s["contact_time"].get(foot, {})
            lines.append(
                f"| {name if i == 0 else ''} | {pose_txt if i == 0 else ''} | {foot} | "
                f"{e['labelled']} | "
                f"{_pct(e['within_1_frame'])} | {_pct(e['within_2_frames'])} | "
                f"{_num(e['mean_error_frames'])} | {e['missed']} | {e['false']} | "
                f"{_num(ct.get('mean_error_ms'), '{:+.0f}')} "
                f"({ct.get('compared', 0)}/{ct.get('labelled_contacts', 0)}) | "
                f"{cad_txt if i == 0 else ''} | "
                f"{(str(st['usable_matching_labels']) + ' / ' + str(st['labelled'])) if i == 0 else ''} |"  # noqa: E501
            )
    lines += [
        "",
        "Strikes and toe-offs apart (within one frame, bias in frames):",
        "",
        "| clip | foot | strikes within 1 | strike bias | toe-offs within 1 | toe-off bias |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in record["clips"].items():
        feet = [k for k in s["events"] if k not in ("all", "strike", "toe_off") and "/" not in k]
        for foot in feet:
            a, b = s["events"][f"{foot}/strike"], s["events"][f"{foot}/toe_off"]
            lines.append(
                f"| {name} | {foot} | {_pct(a['within_1_frame'])} | {_num(a['mean_error_frames'])} "
                f"| {_pct(b['within_1_frame'])} | {_num(b['mean_error_frames'])} |"
            )
    p = record["pooled"]
    lines += [
        "",
        "Pooled over the side views:",
        "",
        "| foot | events | within 1 | within 2 | bias (frames) | missed | false |",
        "|---|---|---|---|---|---|---|",
    ]
    for key in ("side/near", "side/far", "rear_front/both"):
        if key in p:
            e = p[key]
            lines.append(
                f"| {key} | {e['labelled']} | {_pct(e['within_1_frame'])} | "
                f"{_pct(e['within_2_frames'])} | {_num(e['mean_error_frames'])} | {e['missed']} | "
                f"{e['false']} |"
            )
    notes = record.get("notes", [])
    if notes:
        lines += ["", *[f"- {n}" for n in notes]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Sample clip only (CI).")
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write.")
    parser.add_argument(
        "--window", type=float, default=DEFAULT_WINDOW_FRAMES, help="Matching window in frames."
    )
    args = parser.parse_args(argv)
    results = REPO / "benchmarks" / "results"
    out = args.out or (
        results / "quick" / "events_real.json" if args.quick else results / "events_real.json"
    )
    clips: dict[str, Any] = {}
    frames = []
    for path in label_files(args.quick):
        scores, matches = score_one(path, args.window)
        clips[scores["clip"]] = scores
        frames.append(matches)
    all_matches = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    record = {
        "command": COMMAND + (" --quick" if args.quick else ""),
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}",
        "quick": args.quick,
        "window_frames": args.window,
        "clips": clips,
        "pooled": pooled(all_matches) if len(all_matches) else {},
        "notes": notes(clips),
    }
    write_json_atomic(out, record)
    write_text_atomic(out.with_suffix(".md"), markdown(record))
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
