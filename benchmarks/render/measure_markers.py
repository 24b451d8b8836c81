"""Score the sticker method on the rendered runners: pelvic drop, anterior tilt, the stickers.

For every clip that ``stickers.py`` rendered (``<renders>/<clip>.mp4`` with
``<clip>.truth.json`` and maybe ``<clip>_stand.mp4``):

1. pose and stickers through gaitlab's own API: :func:`gaitlab.pose.extract.extract_pose` with a
   :class:`gaitlab.markers.observer.MarkerObserver` riding along (MediaPipe VIDEO mode, default
   model, configuration and sticker settings); landmarks and sticker tracks cached in
   ``<renders>/markers_cache/`` (a rerun of the scoring takes seconds);
2. the standing reference: the standing clip, or the standing phase at the start of the clip
   found from the pose (:func:`gaitlab.markers.standing.find_standing`); the running part is
   what follows it;
3. everything after the pose stage on the running part as ``gaitlab analyze`` does it
   (:func:`gaitlab.api.analyze_tracks`: view, cleaning, events, strides), then
   :func:`gaitlab.metrics.pelvis.measure_pelvis` with gaitlab's own events and the camera
   angle from the view;
4. scoring against the truth (``stickers.py``: from the posed skeleton, events from the mesh):

   * stickers: share of frames found where the sticker faces the camera, centre error (px);
   * pelvic drop (rear/front): each side's mean stance peak (toward the swing side, standing
     subtracted) against the same on the true pelvis (hip-joint-centre line) over the true
     stances;
   * anterior tilt (side): change from standing (mean over near-foot strides minus standing)
     and range over a stride (mean of max - min) against the posed pelvis bone's;
   * hip extension against the pelvis (side): thigh minus tilt change, peak in late stance,
     against the same from the skeleton.

Clips are split into a tuning set and a held-out set in ``stickers.py`` (``split``), before any
tuning; the summary reports the held-out clips.

Run from the repository root after ``stickers.py``::

    benchmarks/render/.venv/bin/python benchmarks/render/measure_markers.py
    ... --renders DIR (default benchmarks/render/out/markers), --only NAME..., --skip-extract

Writes ``RESULTS_markers.md`` and ``RESULTS_markers.json`` here (``--results-dir`` elsewhere).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))
import results  # noqa: E402

DEFAULT_RENDERS = HERE / "out" / "markers"
#: Targets from the issue (held-out clips).
TARGETS = {"drop_abs_deg": 1.5, "tilt_change_abs_deg": 2.0, "tilt_range_abs_deg": 2.0}
#: A sticker counts as facing the camera (it should be found) above this cosine.
FACING_COS = 0.25


# --------------------------------------------------------------------------- extraction


def extract(clip: Path, cache: Path) -> None:
    """Pose and stickers of one clip through gaitlab's API, cached."""
    import dataclasses

    from gaitlab.config import load_defaults
    from gaitlab.markers.observer import MarkerObserver
    from gaitlab.pose.extract import extract_pose
    from gaitlab.pose.model import find_model
    from gaitlab.video import probe

    cfg = load_defaults()
    # a standing clip may be short: take it whatever its length
    cfg = dataclasses.replace(cfg, video=dataclasses.replace(cfg.video, min_duration_s=0.5))
    info = probe(clip)
    obs = MarkerObserver((info.width_px, info.height_px), cfg.markers)
    t0 = time.time()
    pose = extract_pose(clip, find_model(), cfg, frame_observer=obs)
    cache.mkdir(parents=True, exist_ok=True)
    pose.tracks.save_npz(cache / f"{clip.stem}.landmarks.npz")
    markers = obs.result()
    markers.save(cache / f"{clip.stem}.markers.npz")
    meta = {
        "seconds": round(time.time() - t0, 2),
        "frames": len(pose.tracks.time_s),
        "marker_ms_per_frame": markers.meta.get("ms_per_frame"),
    }
    (cache / f"{clip.stem}.pose.json").write_text(json.dumps(meta))


# --------------------------------------------------------------------------- truth


def truth_stances(truth: dict[str, Any]) -> pd.DataFrame:
    """True stances (foot strike to toe-off) of the running part."""
    ev = sorted(truth["events"], key=lambda e: e["time_s"])
    rows = []
    for side in ("left", "right"):
        mine = [e for e in ev if e["side"] == side]
        for a, b in itertools.pairwise(mine):
            if a["kind"] == "foot_strike" and b["kind"] == "toe_off":
                rows.append(
                    {
                        "side": side,
                        "foot_strike_s": a["time_s"],
                        "toe_off_s": b["time_s"],
                        "usable": True,
                    }
                )
    return pd.DataFrame(rows, columns=["side", "foot_strike_s", "toe_off_s", "usable"])


def truth_strides(truth: dict[str, Any], side: str) -> pd.DataFrame:
    """True strides (strike to strike) of one foot, with their toe-off."""
    st = truth_stances(truth)
    st = st[st["side"] == side].sort_values("foot_strike_s")
    rows = []
    for (_, a), (_, b) in zip(st.iterrows(), st.iloc[1:].iterrows(), strict=False):
        rows.append(
            {
                "side": side,
                "start_s": a["foot_strike_s"],
                "end_s": b["foot_strike_s"],
                "foot_strike_s": a["foot_strike_s"],
                "toe_off_s": a["toe_off_s"],
                "usable": True,
            }
        )
    return pd.DataFrame(
        rows, columns=["side", "start_s", "end_s", "foot_strike_s", "toe_off_s", "usable"]
    )


def truth_series(truth: dict[str, Any], key: str) -> tuple[np.ndarray, np.ndarray]:
    frames = truth["frames"]
    return np.array([f["time_s"] for f in frames]), np.array([f[key] for f in frames], float)


# --------------------------------------------------------------------------- scoring


def _stats(err: np.ndarray) -> dict[str, Any]:
    err = err[np.isfinite(err)]
    if err.size == 0:
        return {"n": 0, "rms": None, "p95": None}
    return {
        "n": int(err.size),
        "rms": float(np.sqrt(np.mean(err**2))),
        "p95": float(np.percentile(np.abs(err), 95)),
    }


def score_stickers(truth: dict[str, Any], markers) -> dict[str, Any]:
    """Per sticker: found share where it faces the camera, centre error in px."""
    out = {}
    frames = truth["frames"]
    t_all = np.array([f["time_s"] for f in frames])
    for s in truth["stickers"]:
        point = s["point"]
        px = np.array([f["stickers_px"][point]["px"] for f in frames])
        facing = np.array([f["stickers_px"][point]["facing_cos"] for f in frames])
        found = markers.centre(point)
        if found.shape[0] != len(frames):
            idx = np.searchsorted(markers.time_s, t_all).clip(0, found.shape[0] - 1)
            found = found[idx]
        should = facing > FACING_COS if s["kind"] == "flat" else np.ones(len(frames), bool)
        seen = np.isfinite(found).all(axis=1)
        err = np.hypot(*(found - px).T)
        out[point] = {
            "kind": s["kind"],
            "diameter_mm": s["diameter_mm"],
            "found": point in markers.markers,
            "seen_share": float(seen[should].mean()) if should.any() else None,
            "false_share": float(seen[~should].mean()) if (~should).any() else None,
            "centre_px": _stats(err),
        }
    return out


def score_clip(renders: Path, cache: Path, name: str) -> dict[str, Any]:
    """Everything measured on one clip against its truth."""
    from gaitlab.api import analyze_tracks
    from gaitlab.config import load_defaults
    from gaitlab.markers.model import MarkerTracks
    from gaitlab.markers.standing import find_standing
    from gaitlab.metrics import pelvis as P
    from gaitlab.pose.tracks import PoseTracks

    truth = json.loads((renders / f"{name}.truth.json").read_text())
    cfg = load_defaults()
    ms = cfg.markers
    pose = PoseTracks.load_npz(cache / f"{name}.landmarks.npz")
    markers = MarkerTracks.load(cache / f"{name}.markers.npz")
    row: dict[str, Any] = {
        "clip": name,
        "split": truth["split"],
        "note": truth["note"],
        "view": truth["spec"]["camera"]["view"],
        "fps": truth["fps"],
        "layout": markers.layout,
        "near_side": markers.near_side,
        "missing": list(markers.missing),
        "stickers": score_stickers(truth, markers),
        "marker_ms_per_frame": json.loads((cache / f"{name}.pose.json").read_text()).get(
            "marker_ms_per_frame"
        ),
    }
    standing_markers = None
    standing = None
    start = 0
    if truth.get("standing_clip"):
        standing_markers = MarkerTracks.load(cache / f"{name}_stand.markers.npz")
        row["standing"] = {"source": "clip", "true_s": None}
    else:
        standing = find_standing(
            pose.time_s,
            pose.image_xy_px,
            min_duration_s=ms.standing_min_s,
            max_start_s=ms.standing_max_start_s,
            max_speed_leg_per_s=ms.standing_max_speed_leg_per_s,
        )
        row["standing"] = {
            "source": "phase",
            "true_s": [0.0, truth["standing_s"]],
            "found_s": None if standing is None else [standing.start_s, standing.stop_s],
        }
        if standing is not None:
            start = int(np.searchsorted(pose.time_s, standing.stop_s + ms.standing_settle_s))
    run = analyze_tracks(pose.slice_frames(start, pose.n_frames), cfg, name=name)
    view = run.view
    row["gaitlab_view"] = view.label
    row["camera_angle_deg"] = view.camera_angle_deg
    behind = 0.0
    if view.label == "side" and view.camera_angle_deg is not None:
        behind = max(0.0, 90.0 - float(view.camera_angle_deg))
        behind = behind if behind >= ms.behind_min_deg else 0.0
    row["behind_deg_used"] = behind
    row["behind_deg_true"] = abs(truth["spec"]["camera"]["azimuth_deg"])
    strides = run.strides
    facing = 1 if view.facing == "right" else -1
    true_strides = pd.concat([truth_strides(truth, "left"), truth_strides(truth, "right")])
    common = {
        "fps": float(truth["fps"]),
        "cutoff_hz": ms.cutoff_hz,
        "min_coverage": ms.min_coverage,
        "facing": facing,
        "near_side": markers.near_side,
        "roll_deg": 0.0,
        "behind_deg": behind,
        "standing_frames": None if standing is None else standing.frames,
        "standing_markers": standing_markers,
    }
    # the sticker method on the true stances and strides (event detection is not part of the
    # error), and end to end on gaitlab's own events
    meas = P.measure_pelvis(markers, true_strides, **common)
    meas_gl = P.measure_pelvis(markers, strides, **common)
    row["reference"] = meas.reference
    row["usable_strides_gaitlab"] = int(strides["usable"].sum()) if len(strides) else 0
    t, true_drop = truth_series(truth, "pelvic_drop_deg")
    _, true_tilt = truth_series(truth, "pelvis_tilt_deg")
    if markers.layout in ("rear", "front"):
        true_stances = truth_stances(truth)
        tdrops = P.stance_drops(true_drop, t, true_stances, reference_deg=0.0, min_coverage=0.9)
        true = P.side_means(tdrops, "peak_deg")
        for key, mm in (("drop", meas), ("drop_gaitlab_events", meas_gl)):
            found = P.side_means(mm.drops, "peak_deg")
            row[key] = {
                "measured": found,
                "true": true,
                "err": {s: found[s] - true[s] for s in found if s in true},
                "n_stances": {s: int((mm.drops["side"] == s).sum()) for s in ("left", "right")},
                "mean_measured": float(np.mean(list(found.values()))) if found else None,
                "mean_true": float(np.mean(list(true.values()))) if true else None,
            }
        sign = _sign(cfg, "hip_weakness", "pelvic_drop_deg")
        row["flag"] = _flag(sign, row["drop_gaitlab_events"], row["drop"]["mean_true"])
    if markers.layout == "side" and markers.near_side:
        side = markers.near_side
        tstr = truth_strides(truth, side)
        true_tilts = P.stride_tilts(true_tilt, t, tstr, side=side, min_coverage=0.9)
        standing_true = 0.0  # the rest pelvis
        row["tilt"] = {
            "change_measured": meas.tilt_change_deg,
            "change_true": float(true_tilts["mean_deg"].mean() - standing_true),
            "range_measured": meas.tilt_range_deg,
            "range_true": float(true_tilts["range_deg"].mean()),
            "standing_measured": meas.standing_deg,
            "standing_true_mesh": _standing_mesh_tilt(truth, side),
            "n_strides": len(meas.tilts),
            "change_measured_gaitlab_events": meas_gl.tilt_change_deg,
            "range_measured_gaitlab_events": meas_gl.tilt_range_deg,
            "n_strides_gaitlab_events": len(meas_gl.tilts),
        }
        row["tilt"]["change_err"] = row["tilt"]["change_measured"] - row["tilt"]["change_true"]
        sign = _sign(cfg, "hip_tightness", "pelvic_tilt_change_deg")
        row["flag"] = _flag(
            sign,
            {"mean_measured": row["tilt"]["change_measured_gaitlab_events"]},
            row["tilt"]["change_true"],
        )
        row["tilt"]["range_err"] = row["tilt"]["range_measured"] - row["tilt"]["range_true"]
        # hip extension against the pelvis: thigh (landmarks) minus tilt change
        thigh = _thigh_deg(run.tracks, side, view.facing or "right")
        tilt_change = meas.tilt_signal_deg - meas.standing_deg
        found_peaks = P.thigh_pelvis_peaks(
            thigh,
            _on(pose.time_s[start:], tilt_change, markers.time_s),
            run.tracks.time_s,
            tstr,
            side=side,
            window=(0.5, 0.15),
            min_coverage=0.8,
        )
        true_thigh = np.array([f["thigh_deg"][side] for f in truth["frames"]])
        true_peaks = P.thigh_pelvis_peaks(
            true_thigh,
            true_tilt - standing_true,
            t,
            tstr,
            side=side,
            window=(0.5, 0.15),
            min_coverage=0.9,
        )
        row["hip_ext_pelvis"] = {
            "measured": float(np.mean(found_peaks)) if found_peaks else None,
            "true": float(np.mean(true_peaks)) if true_peaks else None,
        }
    return row


def _sign(cfg, pattern: str, metric: str):
    """The configured sign of ``pattern`` on ``metric``."""
    return next(x for x in getattr(cfg.findings, pattern).signs if x.metric == metric)


def _flag(sign, measured: dict[str, Any], true_value: float | None) -> dict[str, Any]:
    """Whether the sign is met end to end (gaitlab's events, mean over the stances or strides)
    and on the truth: the finding flags the weak or tight renders and not the normal ones.
    The clips are 5 s long, fewer stances than the findings' minimum per side, so the sign is
    read here on the clip's mean however many stances it has."""
    import operator

    cmp = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}[
        sign.comparison
    ]
    value = measured.get("mean_measured")
    ok = value is not None and math.isfinite(value)
    return {
        "metric": sign.metric,
        "threshold": sign.threshold,
        "value": value if ok else None,
        "measured": bool(cmp(value, sign.threshold)) if ok else None,
        "true": bool(cmp(true_value, sign.threshold))
        if true_value is not None and math.isfinite(true_value)
        else None,
    }


def _on(times: np.ndarray, values: np.ndarray, value_times: np.ndarray) -> np.ndarray:
    """``values`` (at ``value_times``) at ``times`` (same clock), nearest frame."""
    idx = np.searchsorted(value_times, times).clip(0, len(value_times) - 1)
    return np.asarray(values)[idx]


def _thigh_deg(tracks, side: str, facing: str) -> np.ndarray:
    """Thigh (hip to knee landmarks) angle behind the vertical, + = extension."""
    from gaitlab.metrics.sagittal import running_frame, segment_angle_deg
    from gaitlab.pose.landmarks import INDEX

    pts = running_frame(tracks, facing=facing)
    return segment_angle_deg(pts[:, INDEX[f"{side}_hip"]], pts[:, INDEX[f"{side}_knee"]])


def _standing_mesh_tilt(truth: dict[str, Any], side: str) -> float | None:
    frames = truth.get("standing_frames") or [
        f for f in truth["frames"] if f["phase"] == "standing"
    ]
    vals = [f["asis_psis_deg"].get(side) for f in frames if f.get("asis_psis_deg")]
    vals = [v for v in vals if v is not None]
    return float(np.median(vals)) if vals else None


# --------------------------------------------------------------------------- summary


def summarise(rows: list[dict[str, Any]], split: str) -> dict[str, Any]:
    """Pooled errors over the clips of one split."""
    rs = [r for r in rows if r["split"] == split]
    drop_err = [e for r in rs if "drop" in r for e in r["drop"]["err"].values()]
    drop_e2e = [e for r in rs if "drop" in r for e in r["drop_gaitlab_events"]["err"].values()]
    flags = [r["flag"] for r in rs if "flag" in r and r["flag"]["true"] is not None]
    chg = [
        r["tilt"]["change_err"]
        for r in rs
        if "tilt" in r and math.isfinite(r["tilt"]["change_err"])
    ]
    rng = [
        r["tilt"]["range_err"] for r in rs if "tilt" in r and math.isfinite(r["tilt"]["range_err"])
    ]

    def pooled(v: list[float]) -> dict[str, Any]:
        a = np.abs(np.asarray(v, float))
        return {
            "n": len(v),
            "mae": float(a.mean()) if v else None,
            "max": float(a.max()) if v else None,
            "bias": float(np.mean(v)) if v else None,
        }

    return {
        "drop": pooled(drop_err),
        "drop_gaitlab_events": pooled(drop_e2e),
        "flags_agree": sum(f["measured"] == f["true"] for f in flags if f["measured"] is not None),
        "flags": sum(f["measured"] is not None for f in flags),
        "flags_unmeasured": [
            r["clip"]
            for r in rs
            if "flag" in r and r["flag"]["true"] is not None and r["flag"]["measured"] is None
        ],
        "tilt_change": pooled(chg),
        "tilt_range": pooled(rng),
        "clips": len(rs),
    }


def _f(x: Any, spec: str = ".1f") -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def _flag_cell(r: dict[str, Any]) -> str:
    f = r.get("flag")
    if not f:
        return "-"
    word = {True: "flag", False: "no flag", None: "-"}
    return f"{_f(f['value'])} / {word[f['measured']]} ({word[f['true']]})"


def markdown(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    from gaitlab.config import load_defaults

    lines = ["## Summary (held-out clips)", ""]
    h = summary["test"]
    lines += [
        "| what | clips/sides | mean abs error | max abs error | bias | target |",
        "|---|---|---|---|---|---|",
        f"| pelvic drop, mean stance peak per side, on the true stance times | {h['drop']['n']} | "
        f"{_f(h['drop']['mae'], '.2f')} deg | {_f(h['drop']['max'], '.2f')} deg | "
        f"{_f(h['drop']['bias'], '+.2f')} | within 1.5 deg |",
        f"| pelvic drop, end to end (gaitlab's own events) | {h['drop_gaitlab_events']['n']} | "
        f"{_f(h['drop_gaitlab_events']['mae'], '.2f')} deg | "
        f"{_f(h['drop_gaitlab_events']['max'], '.2f')} deg | "
        f"{_f(h['drop_gaitlab_events']['bias'], '+.2f')} | within 1.5 deg |",
        f"| anterior tilt, change from standing | {h['tilt_change']['n']} | "
        f"{_f(h['tilt_change']['mae'], '.2f')} deg | {_f(h['tilt_change']['max'], '.2f')} deg | "
        f"{_f(h['tilt_change']['bias'], '+.2f')} | within 2 deg |",
        f"| anterior tilt, range over the stride | {h['tilt_range']['n']} | "
        f"{_f(h['tilt_range']['mae'], '.2f')} deg | {_f(h['tilt_range']['max'], '.2f')} deg | "
        f"{_f(h['tilt_range']['bias'], '+.2f')} | within 2 deg |",
        "",
        f"Tuning clips (for reference): drop MAE {_f(summary['tune']['drop']['mae'], '.2f')} deg "
        f"(n {summary['tune']['drop']['n']}), tilt change MAE "
        f"{_f(summary['tune']['tilt_change']['mae'], '.2f')} deg, range MAE "
        f"{_f(summary['tune']['tilt_range']['mae'], '.2f')} deg.",
        "",
        f"The finding's sign (pelvic drop > 7 deg for hip weakness, tilt change > 10 deg for hip "
        f"tightness), read on each clip's mean end to end, agrees with the truth on "
        f"{h['flags_agree']} of {h['flags']} held-out clips where it had a value "
        f"({summary['tune']['flags_agree']} of {summary['tune']['flags']} tuning clips); "
        f"no value end to end (no stance or stride with both stickers on gaitlab's events): "
        f"{', '.join(h['flags_unmeasured'] + summary['tune']['flags_unmeasured']) or 'none'}.",
        "",
        "## Rear and front views: pelvic drop (deg, mean stance peak toward the swing side)",
        "",
        "| clip | split | note | reference | left meas / true | right meas / true | stances L/R | "
        "stickers seen | centre RMS px | end to end: mean / flag (true) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "drop" not in r and r["layout"] not in ("rear", "front"):
            continue
        d = r.get("drop", {"measured": {}, "true": {}, "n_stances": {}})
        seen = ", ".join(
            f"{k.split('_')[1][0].upper()} {_f(v['seen_share'], '.0%')}"
            for k, v in r["stickers"].items()
        )
        rms = ", ".join(_f(v["centre_px"]["rms"], ".2f") for v in r["stickers"].values())
        lines.append(
            f"| {r['clip']} | {r['split']} | {r['note']} | {r['reference']} | "
            f"{_f(d['measured'].get('left'))} / {_f(d['true'].get('left'))} | "
            f"{_f(d['measured'].get('right'))} / {_f(d['true'].get('right'))} | "
            f"{d['n_stances'].get('left', 0)}/{d['n_stances'].get('right', 0)} | {seen} | {rms} "
            f"| {_flag_cell(r)} |"
        )
    lines += [
        "",
        "## Side views: anterior pelvic tilt (deg)",
        "",
        "| clip | split | note | camera behind (true / used) | change meas / true "
        "| range meas / true "
        "| standing tilt meas / mesh | hip ext. vs pelvis meas / true | stickers seen (ASIS, PSIS) "
        "| centre RMS px | end to end: change / flag (true) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["view"] != "side":
            continue
        tl = r.get("tilt", {})
        he = r.get("hip_ext_pelvis", {})
        st = r["stickers"]
        seen = ", ".join(_f(v["seen_share"], ".0%") for v in st.values())
        rms = ", ".join(_f(v["centre_px"]["rms"], ".2f") for v in st.values())
        lines.append(
            f"| {r['clip']} | {r['split']} | {r['note']} | {_f(r['behind_deg_true'], '.0f')} / "
            f"{_f(r['behind_deg_used'], '.0f')} | {_f(tl.get('change_measured'))} / "
            f"{_f(tl.get('change_true'))} | {_f(tl.get('range_measured'))} / "
            f"{_f(tl.get('range_true'))} | {_f(tl.get('standing_measured'))} / "
            f"{_f(tl.get('standing_true_mesh'))} | {_f(he.get('measured'))} / {_f(he.get('true'))} "
            f"| {seen} | {rms} | {_flag_cell(r)} |"
        )
    lines += [
        "",
        "Missing stickers are reported, never invented: "
        + "; ".join(f"{r['clip']}: {', '.join(r['missing'])}" for r in rows if r["missing"])
        + ".",
        "",
        "A clip with no value end to end has no stance (drop) or stride (tilt) in which both "
        "stickers were seen in at least "
        f"{load_defaults().markers.min_coverage:.0%} of the frames, on gaitlab's own events. "
        "Read the per-clip columns for why: stances L/R 0 with stickers seen well means the "
        "events found no usable stance (rear-view events on renders, RESULTS_events.md); a "
        "sticker seen in 70-75% of the frames means stances or strides fell under the coverage "
        "(an 8 px sticker missed in scattered frames; a hand passing over a side-view ASIS "
        "twice a stride); 0% means the sticker was not in view (a flat sticker painted on the "
        "skin under the renderer's shirt and shorts).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--renders", type=Path, default=DEFAULT_RENDERS)
    p.add_argument("--only", nargs="*", default=None)
    p.add_argument("--skip-extract", action="store_true")
    p.add_argument("--results-dir", type=Path, default=HERE)
    args = p.parse_args(argv)
    cache = args.renders / "markers_cache"
    names = sorted(q.name.removesuffix(".truth.json") for q in args.renders.glob("*.truth.json"))
    if args.only:
        names = [n for n in names if n in set(args.only)]
    rows = []
    for name in names:
        for clip in (args.renders / f"{name}.mp4", args.renders / f"{name}_stand.mp4"):
            done = (cache / f"{clip.stem}.markers.npz").exists()
            if clip.exists() and not (args.skip_extract and done):
                extract(clip, cache)
        rows.append(score_clip(args.renders, cache, name))
        print(f"{name}: done", flush=True)
    summary = {s: summarise(rows, s) for s in ("tune", "test")}
    args.results_dir.mkdir(parents=True, exist_ok=True)
    results.HERE = args.results_dir
    md = markdown(rows, summary)
    results.write(
        "markers",
        results.command_line("measure_markers.py", argv),
        "Pelvic drop and anterior tilt from skin stickers on rendered runners",
        md,
        {"summary": summary, "clips": rows, "targets": TARGETS},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
