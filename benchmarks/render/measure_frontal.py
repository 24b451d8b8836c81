"""Run gaitlab's rear/front-view metrics and its hip_weakness rule on the rendered clips.

Pixel-level check of :mod:`gaitlab.metrics.frontal` against the truth written by
``render_clips.py``: the whole pipeline runs as ``gaitlab analyze`` runs it (pose, view,
cleaning, events, strides, metrics, finding), and each number is compared with the truth:

* lateral drift: measured travel (``lateral_drift_pct`` times the pelvis width in pixels)
  against the true peak-to-peak travel of the projected hip joint centres, per stride;
* pelvic drop: gaitlab reports it as not measurable (checked), beside the naive hip-line tilt;
* trunk lean toward the stance side, camera roll (the rendered camera's roll is
  ``applied_camera_roll_deg`` in the truth), knee frontal plane
  projection angle (against the same angle of the projected true joint centres), step width
  (against the true ankle centres), drift timing (the true drift peaks at mid-stance, 50%);
* the ``hip_weakness`` finding: flagged for the weak renders, not for the normal ones.

In VIDEO mode the landmarks are gaitlab's own pose stage, the same ones ``measure_events.py``
caches (``<renders>/events_cache/<clip>.landmarks.npz``, reused when there); otherwise they are
cached in ``<renders>/frontal_cache/<clip>.<mode>.npz``. ``--mode image`` runs
MediaPipe in IMAGE mode (every frame on its own, no temporal smoothing) instead of gaitlab's
VIDEO mode, to separate the effect of MediaPipe's smoothing from the rest.

A benchmark, not a CI test (it needs the rendered clips, see README.md). Run from the
repository root with the benchmark's environment::

    benchmarks/render/.venv/bin/python benchmarks/render/measure_frontal.py
    ... --renders DIR (default benchmarks/render/out/all), --events true, --mode image

Writes ``RESULTS_frontal.md``/``.json`` here (``RESULTS_frontal_<mode>_<events>`` for the
non-default runs).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitlab.api import clean_tracks
from gaitlab.config import load_defaults
from gaitlab.events import columns as C
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import stride_table
from gaitlab.findings.framework import assess_pattern
from gaitlab.metrics import frontal as F
from gaitlab.pose.body import leg_length_px
from gaitlab.pose.landmarks import INDEX, N_LANDMARKS
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.view import classify_view

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import results  # noqa: E402

#: Commanded drift amplitude (m, half peak-to-peak) of the rendered patterns: the "weak" renders
#: (4-5 cm) should be flagged, the "normal" ones (1-2 cm) not; in-between ones are not scored.
#: Usable strides per side for a metric value in these measurements: fewer than the analysis's
#: ``[findings] min_steps_per_side`` (7), as the figures in RESULTS_*.md were measured (the
#: metrics' earlier built-in minimum), so that the short renders still give values.
MIN_STRIDES_PER_SIDE = 4
WEAK_MIN_DRIFT_M = 0.04
NORMAL_MAX_DRIFT_M = 0.02


# --------------------------------------------------------------------------- landmarks


def extract_tracks(clip: Path, mode: str) -> PoseTracks:
    """Landmark tracks of one clip: gaitlab's own pose stage (VIDEO) or IMAGE mode per frame."""
    from gaitlab.pose.extract import extract_pose
    from gaitlab.pose.model import find_model

    model = find_model("full")
    if mode == "video":
        return extract_pose(clip, model).tracks
    import av

    from gaitlab.pose.landmarker import open_landmarker, result_arrays, to_mp_image

    times, img, world, vis, pres = [], [], [], [], []
    with open_landmarker(model.path, mode="image") as lm, av.open(str(clip)) as container:
        for frame in container.decode(video=0):
            rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
            h, w = rgb.shape[:2]
            res = lm.detect(to_mp_image(rgb))
            times.append(float(frame.time))
            if res.pose_landmarks:
                a, b, c, d = result_arrays(res, 0, w, h)
            else:
                a, b = np.full((N_LANDMARKS, 2), np.nan), np.full((N_LANDMARKS, 3), np.nan)
                c = d = np.full(N_LANDMARKS, np.nan)
            img.append(a)
            world.append(b)
            vis.append(c)
            pres.append(d)
        fps = float(container.streams.video[0].average_rate)
    return PoseTracks(
        time_s=np.array(times),
        image_xy_px=np.array(img),
        world_xyz_m=np.array(world),
        visibility=np.array(vis),
        presence=np.array(pres),
        fps=fps,
        width_px=w,
        height_px=h,
        meta={"source": str(clip), "mode": "image"},
    )


def cached_tracks(clip: Path, cache: Path, mode: str) -> PoseTracks:
    """Tracks from the cache, extracting them first if needed."""
    events_cache = clip.parent / "events_cache" / f"{clip.stem}.landmarks.npz"
    if mode == "video" and events_cache.exists():
        return PoseTracks.load_npz(events_cache)
    path = cache / f"{clip.stem}.{mode}.npz"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        extract_tracks(clip, mode).save_npz(path)
    return PoseTracks.load_npz(path)


# --------------------------------------------------------------------------- truth


def true_stances(truth: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(side, foot strike, toe-off) of every complete true contact."""
    ev = truth["events"]
    out = []
    for e in ev:
        if e["kind"] != "foot_strike":
            continue
        offs = [
            o["time_s"]
            for o in ev
            if o["kind"] == "toe_off" and o["side"] == e["side"] and o["time_s"] > e["time_s"]
        ]
        if offs:
            out.append((e["side"], e["time_s"], min(offs)))
    return out


def true_values(truth: dict[str, Any]) -> dict[str, float]:
    """True values reduced as gaitlab reduces its own (per stride / per stance, then mean)."""
    fr = truth["frames"]
    t = np.array([f["time_s"] for f in fr])
    x = np.array([f["hip_mid_px"][0] for f in fr])
    lean = np.array([f["trunk_lean_deg"] for f in fr])
    drop = np.array([f["pelvic_drop_image_deg"] for f in fr])
    view = truth["spec"]["camera"]["view"]
    # the projected true joint centres in the runner's plane, turned back by the camera roll
    joints = np.full((len(fr), N_LANDMARKS, 2), np.nan)
    for name in ("hip", "knee", "ankle", "shoulder"):
        for side in ("left", "right"):
            joints[:, INDEX[f"{side}_{name}"]] = [f["joints_px"][f"{side}_{name}"] for f in fr]
    centre = np.array([truth["width_px"] / 2, truth["height_px"] / 2])
    d = joints - centre
    roll = math.radians(float(truth.get("applied_camera_roll_deg", 0.0)))
    c, s_ = math.cos(roll), math.sin(roll)
    # the picture turned counter-clockwise by roll: turn it back (image y points down)
    d = np.stack([c * d[..., 0] - s_ * d[..., 1], s_ * d[..., 0] + c * d[..., 1]], axis=-1)
    plane = np.stack([-d[..., 0] if view == "rear" else d[..., 0], -d[..., 1]], axis=-1)
    knees = {s: F.knee_projection_series_deg(plane, s) for s in ("left", "right")}
    stances = true_stances(truth)
    strikes = {s: [a for side, a, _ in stances if side == s] for s in ("left", "right")}

    def peak(series: np.ndarray, side: str, a: float, b: float) -> float:
        sel = (t >= a) & (t <= b)
        return float(np.max(series[sel])) if sel.any() else math.nan

    sign = {"left": 1.0, "right": -1.0}
    lean_peaks = {s: [] for s in sign}
    fppa_peaks = {s: [] for s in sign}
    drop_peaks = {s: [] for s in sign}
    ankle_pos = []
    for side, a, b in stances:
        lean_peaks[side].append(peak(sign[side] * lean, side, a, b))
        # drop: + = left hip lower; during a left stance the right (swing) side drops
        drop_peaks[side].append(peak(-sign[side] * drop, side, a, b))
        fppa_peaks[side].append(peak(knees[side], side, a, b))
        sel = (t >= a) & (t <= b)
        ankle_pos.append((a, side, float(np.median(plane[sel, INDEX[f"{side}_ankle"], 0]))))
    widths = [
        (p0 - p1) if s0 == "left" else (p1 - p0)
        for (_, s0, p0), (_, s1, p1) in itertools.pairwise(ankle_pos)
        if s0 != s1
    ]
    stride_s = 120.0 / truth["spec"]["gait"]["cadence_spm"]
    ptp = []
    for a in strikes["left"] + strikes["right"]:
        sel = (t >= a) & (t <= a + stride_s)
        if t[-1] >= a + stride_s:
            ptp.append(float(np.ptp(x[sel])))

    def side_mean(d: dict[str, list[float]]) -> float:
        return float(np.mean([np.nanmean(d["left"]), np.nanmean(d["right"])]))

    leg_px = float(
        np.median(
            np.linalg.norm(plane[:, INDEX["left_hip"]] - plane[:, INDEX["left_knee"]], axis=-1)
            + np.linalg.norm(plane[:, INDEX["left_knee"]] - plane[:, INDEX["left_ankle"]], axis=-1)
        )
    )
    return {
        "drift_px": float(np.mean(ptp)),
        "drift_pct_joint_width": truth["summary"]["lateral_drift_pct"],
        "pelvis_width_px": truth["summary"]["pelvis_width_px"],
        "trunk_lean_deg": side_mean(lean_peaks),
        "pelvic_drop_deg": side_mean(drop_peaks),
        "knee_frontal_projection_deg": side_mean(fppa_peaks),
        "step_width_px": float(np.mean(widths)),
        "leg_px_median": leg_px,
        "drift_peak_stance_pct": 50.0,
        # clips turned afterwards (ffmpeg rotate) record the roll they were given
        "camera_roll_deg": float(truth.get("applied_camera_roll_deg", 0.0)),
    }


def true_contacts(truth: dict[str, Any], tracks: PoseTracks) -> pd.DataFrame:
    """The contact table of the true events (to separate metric errors from event errors)."""
    rows = []
    for side, strike, toe_off in true_stances(truth):
        rows.append(
            {
                C.SIDE: side,
                C.FOOT_STRIKE_S: strike,
                C.TOE_OFF_S: toe_off,
                C.FOOT_STRIKE_FRAME: int(np.argmin(np.abs(tracks.time_s - strike))),
                C.TOE_OFF_FRAME: int(np.argmin(np.abs(tracks.time_s - toe_off))),
                C.CONTACT_TIME_S: toe_off - strike,
                C.QUALITY: C.QUALITY_OK,
                C.USABLE: True,
            }
        )
    table = pd.DataFrame(rows, columns=list(C.CONTACT_COLUMNS))
    return table.sort_values(C.FOOT_STRIKE_S).reset_index(drop=True)


# --------------------------------------------------------------------------- one clip


def measure(clip: Path, cache: Path, mode: str, *, events: str = "detected") -> dict[str, Any]:
    """Pipeline plus comparison with the truth for one clip."""
    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    config = load_defaults()
    raw = cached_tracks(clip, cache, mode)
    view = classify_view(raw)
    cleaned = clean_tracks(raw, view, config).tracks
    contacts = detect_contacts(cleaned) if events == "detected" else true_contacts(truth, cleaned)
    strides = stride_table(contacts, cleaned)
    leg_px = leg_length_px(cleaned)
    true_view = truth["spec"]["camera"]["view"]
    smoothing = "mediapipe_video" if mode == "video" else "none"
    common = {"view": true_view, "leg_px": leg_px, "min_per_side": MIN_STRIDES_PER_SIDE}
    metrics = F.frontal_metrics(
        cleaned, strides, clip=clip.name, pose_smoothing=smoothing, **common
    )
    raw = F.frontal_metrics(cleaned, strides, pose_smoothing="none", **common)
    ok = strides[strides[C.USABLE]]
    steps = {s: int((ok[C.SIDE] == s).sum()) for s in ("left", "right")}
    finding = assess_pattern(
        "hip_weakness",
        views=[view.label],
        metrics=metrics,
        pattern_cfg=config.findings.hip_weakness,
        steps_per_side=steps,
        min_steps_per_side=config.findings.min_steps_per_side,
        clip=clip.name,
    )
    roll = F.camera_roll_deg(cleaned, ok)
    width_px = F.pelvis_width_px(F.runner_plane_px(cleaned, true_view, roll))
    tv = true_values(truth)

    def px(m: Any) -> float | None:
        return None if m.value is None else m.value / 100 * width_px

    measured_px, raw_px = px(metrics["lateral_drift_pct"]), px(raw["lateral_drift_pct"])
    return {
        "clip": clip.stem,
        "view": true_view,
        "view_label": view.label,
        "fps": truth["fps"],
        "usable_strides": steps,
        "truth": tv,
        "drift_px": measured_px,
        "drift_ratio": None if measured_px is None else measured_px / tv["drift_px"],
        "drift_px_uncorrected": raw_px,
        "drift_ratio_uncorrected": None if raw_px is None else raw_px / tv["drift_px"],
        "drift_peak_stance_pct_unsmoothed_reading": raw["drift_peak_stance_pct"].value,
        "pose_smoothing": smoothing,
        "pelvis_width_px": width_px,
        "leg_px": leg_px,
        "metrics": {k: m.as_dict() for k, m in metrics.items()},
        "finding": finding.as_dict(),
        "expected": expected_status(truth),
    }


def expected_status(truth: dict[str, Any]) -> str | None:
    """``"flagged"`` for a weak render, ``"not_flagged"`` for a normal one, else None."""
    drift_m = truth["spec"]["gait"]["lateral_drift_m"]
    if drift_m >= WEAK_MIN_DRIFT_M:
        return "flagged"
    if drift_m <= NORMAL_MAX_DRIFT_M:
        return "not_flagged"
    return None


# --------------------------------------------------------------------------- tables


def _f(x: Any, fmt: str = ".1f") -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, fmt)


def tables(rows: list[dict[str, Any]]) -> str:
    """Markdown tables: per clip, and a summary of errors."""
    out = [
        "| clip | view | fps | strides L/R | drift true px | measured px | ratio (uncorrected) "
        "| drift % (true % of joint width) | peak timing % stance | trunk lean true / meas "
        "| roll true / meas | hip-line tilt (true drop) | pelvic_drop_deg | FPPA true / meas "
        "| step width true / meas (leg) | finding (expected) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        m, tv = r["metrics"], r["truth"]
        out.append(
            f"| {r['clip']} | {r['view']} | {r['fps']:.0f} | {r['usable_strides']['left']}/"
            f"{r['usable_strides']['right']} | {_f(tv['drift_px'])} | {_f(r['drift_px'])} | "
            f"{_f(r['drift_ratio'], '.2f')} ({_f(r['drift_ratio_uncorrected'], '.2f')}) | "
            f"{_f(m['lateral_drift_pct']['value'])} ({_f(tv['drift_pct_joint_width'])}) | "
            f"{_f(r['drift_peak_stance_pct_unsmoothed_reading'], '.0f')} | "
            f"{_f(tv['trunk_lean_deg'])} / {_f(m['trunk_lean_deg']['value'])} | "
            f"{_f(tv['camera_roll_deg'], '.0f')} / {_f(m['camera_roll_deg']['value'])} | "
            f"{_f(m['hip_line_tilt_deg']['value'])} "
            f"({_f(tv['pelvic_drop_deg'])}) | {_f(m['pelvic_drop_deg']['value'])} | "
            f"{_f(tv['knee_frontal_projection_deg'])} / "
            f"{_f(m['knee_frontal_projection_deg']['value'])} | "
            f"{_f(tv['step_width_px'] / r['leg_px'], '.3f')} / "
            f"{_f(m['step_width_leg']['value'], '.3f')} | {r['finding']['status']} "
            f"({r['expected'] or 'not scored'}) |"
        )
    ratios = np.array([r["drift_ratio"] for r in rows if r["drift_ratio"] is not None])
    uncorrected = np.array(
        [r["drift_ratio_uncorrected"] for r in rows if r["drift_ratio_uncorrected"] is not None]
    )

    def err(name: str) -> np.ndarray:
        return np.array(
            [
                r["metrics"][name]["value"] - r["truth"][name]
                for r in rows
                if r["metrics"][name]["value"] is not None
            ]
        )

    lean, fppa = err("trunk_lean_deg"), err("knee_frontal_projection_deg")
    roll = err("camera_roll_deg")
    timing = np.array(
        [
            r["drift_peak_stance_pct_unsmoothed_reading"] - 50.0
            for r in rows
            if r["drift_peak_stance_pct_unsmoothed_reading"] is not None
        ]
    )
    scored = [r for r in rows if r["expected"] is not None]
    flagged_ok = sum(r["finding"]["status"] == r["expected"] for r in scored)
    out += [
        "",
        "| what | n clips | result |",
        "|---|---|---|",
        f"| drift travel, measured / true | {ratios.size} | mean {ratios.mean():.2f}, range "
        f"{ratios.min():.2f}-{ratios.max():.2f}; within 20%: {(np.abs(ratios - 1) <= 0.2).sum()}"
        f" of {ratios.size} |",
        f"| the same without the smoothing correction | {uncorrected.size} | mean "
        f"{uncorrected.mean():.2f}, range {uncorrected.min():.2f}-{uncorrected.max():.2f}; "
        f"within 20%: {(np.abs(uncorrected - 1) <= 0.2).sum()} of {uncorrected.size} |",
        f"| drift peak timing read as if unsmoothed, minus the true 50% (% of stance) | "
        f"{timing.size} | mean {timing.mean():+.0f}, "
        f"range {timing.min():+.0f} to {timing.max():+.0f} |",
        f"| trunk lean error (deg) | {lean.size} | MAE {np.abs(lean).mean():.2f}, max "
        f"{np.abs(lean).max():.2f}, bias {lean.mean():+.2f} |",
        f"| camera roll error (deg) | {roll.size} | {roll.min():+.2f} to {roll.max():+.2f} |",
        f"| knee FPPA error vs projected true joints (deg) | {fppa.size} | MAE "
        f"{np.abs(fppa).mean():.1f}, max {np.abs(fppa).max():.1f}, bias {fppa.mean():+.1f} |",
        f"| pelvic_drop_deg reported as not measurable | {len(rows)} | "
        f"{sum(r['metrics']['pelvic_drop_deg']['value'] is None for r in rows)} of {len(rows)} |",
        f"| hip_weakness: flagged for weak renders, not_flagged for normal ones | {len(scored)} | "
        f"{flagged_ok} of {len(scored)} as expected |",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--renders", type=Path, default=HERE / "out" / "all")
    ap.add_argument("--cache", type=Path, default=None, help="default: <renders>/frontal_cache")
    ap.add_argument("--mode", choices=("video", "image"), default="video")
    ap.add_argument(
        "--events",
        choices=("detected", "true"),
        default="detected",
        help="gaitlab's own events, or the true ones (isolates the metrics' own error)",
    )
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args(argv)
    cache = args.cache or args.renders / "frontal_cache"
    clips = [
        c
        for c in sorted(args.renders.glob("*.mp4"))
        if c.with_suffix(".truth.json").exists()
        and json.loads(c.with_suffix(".truth.json").read_text())["spec"]["camera"]["view"]
        in ("rear", "front")
    ]
    if args.only:
        clips = [c for c in clips if c.stem in set(args.only)]
    rows = [measure(c, cache, args.mode, events=args.events) for c in clips]
    table = tables(rows)
    name = (
        "frontal"
        if (args.mode, args.events) == ("video", "detected")
        else (f"frontal_{args.mode}_{args.events}")
    )
    results.write(
        name,
        results.command_line("measure_frontal.py", argv),
        "Rear/front-view metrics and the hip_weakness rule on rendered runners (planted feet)",
        f"Mode {args.mode}, {args.events} events; {len(rows)} rear/front clips.\n\n" + table,
        {"mode": args.mode, "events": args.events, "clips": rows},
    )
    sys.stdout.write(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
