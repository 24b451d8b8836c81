"""Measure the rendered clips with MediaPipe and score pixel-level methods against the truth.

Two steps:

1. ``extract``: MediaPipe PoseLandmarker (VIDEO mode, gaitlab's own options via
   :func:`gaitlab.pose.landmarker.open_landmarker`, segmentation masks on) over every clip;
   landmarks and bit-packed masks cached in ``<renders>/measure_cache/<clip>.npz``.
2. ``evaluate``: the functions in ``methods.py`` on every frame; per clip and per method the
   error against ``<clip>.truth.json``; writes ``results.json`` and a Markdown table.

Run from the repository root with the benchmark's environment (``setup.sh``)::

    benchmarks/render/.venv/bin/python benchmarks/render/measure.py
    ... --renders DIR (default out/all), --only NAME... (default: the 14 clips of the main set),
    --skip-extract

Writes ``RESULTS_methods.md`` and ``.json`` here.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import methods as m
import results

HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- extraction


def decode(path: Path):
    """Yield (time_s, rgb) for every frame (PyAV, contiguous arrays)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            yield float(frame.time), np.ascontiguousarray(frame.to_ndarray(format="rgb24"))


def extract(clip: Path, cache: Path) -> Path:
    """Run the landmarker over one clip; cache landmarks and masks."""
    from gaitlab.pose.landmarker import open_landmarker, result_arrays, to_mp_image

    out = cache / f"{clip.stem}.npz"
    times, lms, vis, masks = [], [], [], []
    t0 = time.time()
    from gaitlab.pose.model import find_model

    with open_landmarker(find_model("full").path, mode="video", segmentation=True) as lm:
        for t_s, rgb in decode(clip):
            h, w = rgb.shape[:2]
            res = lm.detect_for_video(to_mp_image(rgb), round(t_s * 1000))
            times.append(t_s)
            if res.pose_landmarks:
                img, _, v, _ = result_arrays(res, 0, w, h)
                mask = res.segmentation_masks[0].numpy_view() > 0.5
            else:
                img, v = np.full((33, 2), np.nan), np.full(33, np.nan)
                mask = np.zeros((h, w), bool)
            lms.append(img)
            vis.append(v)
            masks.append(np.packbits(mask.reshape(-1)))
    cache.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part.npz")
    np.savez_compressed(
        tmp,
        time_s=np.array(times),
        landmarks_px=np.array(lms),
        visibility=np.array(vis),
        masks=np.array(masks),
        shape=np.array([h, w]),
        seconds=np.array(time.time() - t0),
    )
    os.replace(tmp, out)
    return out


# --------------------------------------------------------------------------- per-frame methods


def frame_methods(view: str, rgb: np.ndarray, mask: np.ndarray, lm: np.ndarray) -> dict[str, float]:
    """Every candidate measure of one frame."""
    if not np.all(np.isfinite(lm[[11, 12, 23, 24]])):
        return {}
    r: dict[str, float] = {
        "hip_mid_x_px": float(m.hip_midpoint_px(lm)[0]),
        "hip_line_deg": m.hip_line_angle_deg(lm),
    }
    if view in ("rear", "front"):
        r["trunk_lateral_lean_deg"] = m.trunk_lateral_lean_deg(lm)
        r["drop_edge_shift_deg"] = m.pelvic_drop_edge_shift_deg(mask, lm)
        r["drop_bulge_deg"] = m.pelvic_drop_bulge_deg(mask, lm)
        r["drop_waistband_deg"] = m.pelvic_drop_waistband_deg(rgb, mask, lm)
    else:
        f = m.facing_sign(lm)
        r["facing"] = f
        r["thigh_left_deg"] = m.thigh_angle_deg(lm, "left", f)
        r["thigh_right_deg"] = m.thigh_angle_deg(lm, "right", f)
        r["trunk_forward_deg"] = m.trunk_forward_lean_deg(lm, f)
        r["tilt_back_line_deg"] = m.back_line_tilt_deg(mask, lm, f)
        r["tilt_buttock_lumbar_deg"] = m.buttock_lumbar_tilt_deg(mask, lm, f)
        r["tilt_buttock_protrusion"] = m.buttock_protrusion_ratio(mask, lm, f)
    return r


def measure_clip(clip: Path, cache_file: Path, view: str) -> dict[str, np.ndarray]:
    """Per-frame method values of one clip (arrays, NaN where a method gave none)."""
    data = np.load(cache_file)
    h, w = (int(x) for x in data["shape"])
    lms = data["landmarks_px"]
    rows: list[dict[str, float]] = []
    for k, (_, rgb) in enumerate(decode(clip)):
        mask = np.unpackbits(data["masks"][k])[: h * w].reshape(h, w).astype(bool)
        rows.append(frame_methods(view, rgb, mask, lms[k]))
    keys = sorted({key for r in rows for key in r})
    return {key: np.array([r.get(key, np.nan) for r in rows]) for key in keys}


# --------------------------------------------------------------------------- scoring helpers


def stance_windows(truth: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(side, strike_s, toe_off_s) of every full stance in the clip."""
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


def midstance_mean(
    t: np.ndarray, x: np.ndarray, windows: list[tuple[str, float, float]], sign_right: float
) -> float:
    """Mean over stances of x averaged over 20-60% of each stance, signed per stance side.

    ``sign_right`` multiplies right-stance values, and its negative left-stance values (so a
    drop of the swing side, or a lean to the stance side, counts positive on both sides).
    """
    vals = []
    for side, a, b in windows:
        sel = (t >= a + 0.2 * (b - a)) & (t <= a + 0.6 * (b - a)) & np.isfinite(x)
        if sel.sum() == 0:
            continue
        s = sign_right if side == "right" else -sign_right
        vals.append(s * float(np.mean(x[sel])))
    return float(np.mean(vals)) if vals else math.nan


def per_frame_stats(est: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """Correlation, gain (least-squares slope est~true), RMSE, bias over frames."""
    ok = np.isfinite(est) & np.isfinite(true)
    if ok.sum() < 5:
        return {"n": int(ok.sum())}
    e, t = est[ok], true[ok]
    r = float(np.corrcoef(e, t)[0, 1]) if np.std(e) > 0 and np.std(t) > 0 else math.nan
    gain = float(np.polyfit(t, e, 1)[0]) if np.std(t) > 0 else math.nan
    return {
        "n": int(ok.sum()),
        "r": r,
        "gain": gain,
        "rmse": float(np.sqrt(np.mean((e - t) ** 2))),
        "bias": float(np.mean(e - t)),
        "valid_frac": float(ok.mean()),
    }


def stride_ptp(t: np.ndarray, x: np.ndarray, stride_s: float) -> float:
    """Mean over full strides of the peak-to-peak of x."""
    n = int(t[-1] // stride_s)
    vals = []
    for k in range(n):
        sel = (t >= k * stride_s) & (t < (k + 1) * stride_s) & np.isfinite(x)
        if sel.sum() > 3:
            vals.append(float(np.ptp(x[sel])))
    return float(np.mean(vals)) if vals else math.nan


def stride_max(t: np.ndarray, x: np.ndarray, stride_s: float) -> float:
    """Mean over full strides of the maximum of x."""
    n = int(t[-1] // stride_s)
    vals = []
    for k in range(n):
        sel = (t >= k * stride_s) & (t < (k + 1) * stride_s) & np.isfinite(x)
        if sel.sum() > 3:
            vals.append(float(np.max(x[sel])))
    return float(np.mean(vals)) if vals else math.nan


# --------------------------------------------------------------------------- scoring one clip


def score_clip(truth: dict[str, Any], meas: dict[str, np.ndarray]) -> dict[str, Any]:
    """Clip-level and per-frame comparisons of every method with the truth."""
    fr = truth["frames"]
    t = np.array([f["time_s"] for f in fr])
    view = truth["spec"]["camera"]["view"]
    stride_s = 120.0 / truth["spec"]["gait"]["cadence_spm"]
    win = stance_windows(truth)
    out: dict[str, Any] = {"clip": truth["clip"], "view": view, "summary": truth["summary"]}
    n = min(len(t), len(next(iter(meas.values()))))
    t = t[:n]
    meas = {k: v[:n] for k, v in meas.items()}
    fr = fr[:n]
    res: dict[str, Any] = {}
    if view in ("rear", "front"):
        true_x = np.array([f["hip_mid_px"][0] for f in fr])
        res["drift"] = {
            "true_ptp_px": stride_ptp(t, true_x, stride_s),
            "meas_ptp_px": stride_ptp(t, meas["hip_mid_x_px"], stride_s),
            "per_frame": per_frame_stats(meas["hip_mid_x_px"] - np.nanmean(meas["hip_mid_x_px"]),
                                         true_x - true_x.mean()),
        }  # fmt: skip
        res["drift"]["ratio"] = res["drift"]["meas_ptp_px"] / res["drift"]["true_ptp_px"]
        true_drop = np.array([f["pelvic_drop_image_deg"] for f in fr])
        # right stance: the left (swing) side drops -> + in our convention
        res["true_drop_midstance_deg"] = midstance_mean(t, true_drop, win, +1.0)
        for key in ("hip_line_deg", "drop_edge_shift_deg", "drop_bulge_deg", "drop_waistband_deg"):
            res[key] = {
                "per_frame": per_frame_stats(meas[key], true_drop),
                "midstance_deg": midstance_mean(t, meas[key], win, +1.0),
            }
        true_lean = np.array([f["trunk_lean_deg"] for f in fr])
        # right stance: lean to the right -> negative in the +left convention
        res["true_lean_midstance_deg"] = midstance_mean(t, true_lean, win, -1.0)
        res["trunk_lateral_lean_deg"] = {
            "per_frame": per_frame_stats(meas["trunk_lateral_lean_deg"], true_lean),
            "midstance_deg": midstance_mean(t, meas["trunk_lateral_lean_deg"], win, -1.0),
        }
    else:
        for side in ("left", "right"):
            true_th = np.array([f["thigh_deg"][side] for f in fr])
            est = meas[f"thigh_{side}_deg"]
            res[f"thigh_{side}"] = {
                "per_frame": per_frame_stats(est, true_th),
                "true_peak_ext_deg": stride_max(t, true_th, stride_s),
                "meas_peak_ext_deg": stride_max(t, est, stride_s),
            }
        true_fwd = np.array([f["trunk_forward_deg"] for f in fr])
        res["trunk_forward"] = {
            "per_frame": per_frame_stats(meas["trunk_forward_deg"], true_fwd),
            "true_mean_deg": float(true_fwd.mean()),
            "meas_mean_deg": float(np.nanmean(meas["trunk_forward_deg"])),
        }
        true_tilt = np.array([f["anterior_tilt_deg"] for f in fr])
        res["true_tilt_mean_deg"] = float(true_tilt.mean())
        for key in ("tilt_back_line_deg", "tilt_buttock_lumbar_deg", "tilt_buttock_protrusion"):
            res[key] = {
                "mean": float(np.nanmedian(meas[key])),
                "per_frame": per_frame_stats(meas[key], true_tilt),
            }
        res["facing_median"] = float(np.nanmedian(meas["facing"]))
    out["results"] = res
    return out


# --------------------------------------------------------------------------- table


def clip_table(scores: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Summary rows per method (across clips) and a Markdown table."""

    def stats(est: list[float], true: list[float], name: str, what: str, unit: str) -> dict:
        e, tr = np.array(est, float), np.array(true, float)
        ok = np.isfinite(e) & np.isfinite(tr)
        err = e[ok] - tr[ok]
        r = (
            float(np.corrcoef(e[ok], tr[ok])[0, 1])
            if ok.sum() > 2 and np.std(e[ok]) > 0 and np.std(tr[ok]) > 0
            else math.nan
        )
        return {
            "method": name,
            "what": what,
            "unit": unit,
            "n_clips": int(ok.sum()),
            "mae": float(np.mean(np.abs(err))) if ok.any() else math.nan,
            "max_err": float(np.max(np.abs(err))) if ok.any() else math.nan,
            "bias": float(np.mean(err)) if ok.any() else math.nan,
            "r": r,
        }

    def loo_offset(est: list[float], true: list[float]) -> tuple[float, float]:
        """Leave-one-out error after a fitted linear map est -> true (MAE, max)."""
        e, tr = np.array(est, float), np.array(true, float)
        ok = np.isfinite(e) & np.isfinite(tr)
        e, tr = e[ok], tr[ok]
        errs = []
        for i in range(len(e)):
            keep = np.arange(len(e)) != i
            if keep.sum() < 3 or np.std(e[keep]) == 0:
                continue
            p = np.polyfit(e[keep], tr[keep], 1)
            errs.append(np.polyval(p, e[i]) - tr[i])
        return (
            (float(np.mean(np.abs(errs))), float(np.max(np.abs(errs))))
            if errs
            else (
                math.nan,
                math.nan,
            )
        )

    rows = []
    frontal = [s for s in scores if s["view"] in ("rear", "front")]
    side = [s for s in scores if s["view"] == "side"]
    if frontal:
        res_f = [s["results"] for s in frontal]
        ratios = np.array([r["drift"]["ratio"] for r in res_f])
        row = stats(
            [r["drift"]["meas_ptp_px"] for r in res_f],
            [r["drift"]["true_ptp_px"] for r in res_f],
            "hip-landmark midpoint x",
            "lateral drift per stride (peak-to-peak)",
            "px",
        )
        row["note"] = (
            f"ratio measured/true mean {ratios.mean():.2f} "
            f"(range {ratios.min():.2f}-{ratios.max():.2f}); per-frame r "
            f"{np.mean([r['drift']['per_frame']['r'] for r in res_f]):.2f}"
        )
        rows.append(row)
        for key, name in (
            ("hip_line_deg", "hip-landmark line angle (raw)"),
            ("drop_edge_shift_deg", "silhouette edge shift (mask, arms erased)"),
            ("drop_bulge_deg", "silhouette hip-bulge heights (mask)"),
            ("drop_waistband_deg", "waistband colour edge slope (RGB in mask)"),
        ):
            row = stats(
                [r[key]["midstance_deg"] for r in res_f],
                [r["true_drop_midstance_deg"] for r in res_f],
                name,
                "pelvic drop, mid-stance mean",
                "deg",
            )
            pf = [r[key]["per_frame"] for r in res_f]
            row["note"] = (
                f"per-frame r {np.nanmean([p.get('r', np.nan) for p in pf]):.2f}, "
                f"gain {np.nanmean([p.get('gain', np.nan) for p in pf]):.2f}, "
                f"RMSE {np.nanmean([p.get('rmse', np.nan) for p in pf]):.1f} deg, "
                f"valid {np.nanmean([p.get('valid_frac', np.nan) for p in pf]):.0%}"
            )
            rows.append(row)
        row = stats(
            [r["trunk_lateral_lean_deg"]["midstance_deg"] for r in res_f],
            [r["true_lean_midstance_deg"] for r in res_f],
            "hip-mid to shoulder-mid landmarks",
            "trunk lateral lean to stance side, mid-stance mean",
            "deg",
        )
        pf = [r["trunk_lateral_lean_deg"]["per_frame"] for r in res_f]
        row["note"] = (
            f"per-frame r {np.nanmean([p['r'] for p in pf]):.2f}, "
            f"RMSE {np.nanmean([p['rmse'] for p in pf]):.1f} deg"
        )
        rows.append(row)
    if side:
        res_s = [s["results"] for s in side]
        for label, pick in (("near", True), ("far", False)):
            est, tru, pfs = [], [], []
            for s, r in zip(side, res_s, strict=True):
                near = "left" if s["camera_side_sign"] > 0 else "right"
                sd = near if pick else ("right" if near == "left" else "left")
                est.append(r[f"thigh_{sd}"]["meas_peak_ext_deg"])
                tru.append(r[f"thigh_{sd}"]["true_peak_ext_deg"])
                pfs.append(r[f"thigh_{sd}"]["per_frame"])
            row = stats(
                est, tru, f"hip-knee landmarks, {label} leg", "peak hip (thigh) extension", "deg"
            )
            row["note"] = (
                f"per-frame r {np.mean([p['r'] for p in pfs]):.2f}, "
                f"RMSE {np.mean([p['rmse'] for p in pfs]):.1f} deg, "
                f"bias {np.mean([p['bias'] for p in pfs]):+.1f} deg"
            )
            rows.append(row)
        row = stats(
            [r["trunk_forward"]["meas_mean_deg"] for r in res_s],
            [r["trunk_forward"]["true_mean_deg"] for r in res_s],
            "hip-mid to shoulder-mid landmarks",
            "trunk forward lean, clip mean",
            "deg",
        )
        rows.append(row)
        true_tilt = [r["true_tilt_mean_deg"] for r in res_s]
        for key, name, unit in (
            ("tilt_back_line_deg", "back contour line minus trunk lean (mask)", "deg"),
            ("tilt_buttock_lumbar_deg", "lumbar hollow to buttock bulge - lean (mask)", "deg"),
            ("tilt_buttock_protrusion", "buttock behind hip landmarks / torso (mask)", "ratio"),
        ):  # fmt: skip
            est = [r[key]["mean"] for r in res_s]
            row = stats(est, true_tilt, name, "anterior tilt, clip median (raw proxy)", unit)
            loo_mae, loo_max = loo_offset(est, true_tilt)
            row["note"] = (
                f"raw values {', '.join(f'{v:.2f}' for v in est)} for true tilts "
                f"{', '.join(f'{v:.0f}' for v in true_tilt)}; leave-one-out linear calibration "
                f"MAE {loo_mae:.1f} deg, max {loo_max:.1f} deg"
            )
            rows.append(row)
    lines = [
        "| what | method | n clips | MAE | max err | bias | r (across clips) | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['what']} | {r['method']} | {r['n_clips']} | {r['mae']:.2f} {r['unit']} | "
            f"{r['max_err']:.2f} | {r['bias']:+.2f} | {r['r']:.2f} | {r.get('note', '')} |"
        )
    return rows, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--renders", type=Path, default=HERE / "out" / "all")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--skip-extract", action="store_true", help="reuse the cached landmarks")
    args = ap.parse_args(argv)
    cache = args.renders / "measure_cache"
    clips = sorted(args.renders.glob("*.mp4"))
    clips = [c for c in clips if not c.name.endswith(".part.mp4")]
    import render_clips

    only = set(args.only or [s.name for s in render_clips.main_set()])
    clips = [c for c in clips if c.stem in only]
    scores = []
    for clip in clips:
        truth = json.loads(clip.with_suffix(".truth.json").read_text())
        cf = cache / f"{clip.stem}.npz"
        if not (args.skip_extract and cf.exists()):
            t0 = time.time()
            extract(clip, cache)
            sys.stdout.write(f"extracted {clip.stem} in {time.time() - t0:.1f} s\n")
        meas = measure_clip(clip, cf, truth["spec"]["camera"]["view"])
        sc = score_clip(truth, meas)
        sc["camera_side_sign"] = truth["spec"]["camera"]["side_sign"]
        det = np.load(cf)["landmarks_px"]
        sc["detection_rate"] = float(np.isfinite(det[:, 23, 0]).mean())
        scores.append(sc)
        sys.stdout.write(f"scored {clip.stem}\n")
        sys.stdout.flush()
    rows, table = clip_table(scores)
    results.write(
        "methods",
        results.command_line("measure.py", argv),
        "Pixel methods (methods.py) on the rendered clips (planted feet)",
        "MediaPipe (gaitlab's `open_landmarker`, VIDEO mode, segmentation masks on) over the "
        "clips; each candidate method of `methods.py` against the rendered truth. Mid-stance = "
        "the mean over 20-60% of each true stance (true events).\n\n" + table,
        {"clips": scores, "summary_rows": rows},
    )
    sys.stdout.write(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
