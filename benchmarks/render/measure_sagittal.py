"""gaitlab's own side-view metrics on the rendered side clips, against the rendered truth.

Runs the package pipeline (``clean`` -> ``detect_contacts`` -> ``stride_table`` ->
:func:`gaitlab.metrics.sagittal.sagittal_metrics`) on the runner landmarks of gaitlab's own pose
stage that ``measure_events.py`` cached for each rendered side clip
(``<renders>/events_cache/<clip>.landmarks.npz``), and
once more with the stride table built from the *true* events, so that the error of the metric
itself is told apart from the error of event timing. Scores:

* hip extension (peak thigh angle in late stance, near leg): the truth is the same reduction of
  the rendered skeleton's sagittal thigh angle over the same stances (true events);
* trunk forward lean (clip mean) and peak knee flexion in stance (near leg);
* camera roll (against the rendered camera's roll, 0 on most clips);
* anterior pelvic tilt: gaitlab reports it as not measurable; the table says so beside the
  rendered tilt.

Writes ``RESULTS_sagittal.md`` and ``.json`` here. A benchmark, not a CI test: the renders and
their landmarks live in ``out/`` (see ``README.md`` here for how to make them)::

    benchmarks/render/.venv/bin/python benchmarks/render/measure_sagittal.py
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

from gaitlab.events import columns as C
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import stride_table
from gaitlab.metrics import sagittal
from gaitlab.metrics.sagittal import near_side, sagittal_metrics
from gaitlab.pose.body import leg_length_px
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.clean import clean

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import results  # noqa: E402

N_LANDMARKS = 33
#: Usable strides per side for a metric value in these measurements: fewer than the analysis's
#: ``[findings] min_steps_per_side`` (7), as the figures in RESULTS_*.md were measured (the
#: metrics' earlier built-in minimum), so that the short renders still give values.
MIN_STRIDES_PER_SIDE = 4


def tracks_from_cache(cache_file: Path) -> PoseTracks:
    """The raw runner tracks of gaitlab's pose stage, as ``measure_events.py`` cached them."""
    return PoseTracks.load_npz(cache_file)


def true_contacts(truth: dict[str, Any], t: np.ndarray) -> pd.DataFrame:
    """The contact table of the true events."""
    rows = []
    for side in ("left", "right"):
        strikes = sorted(
            e["time_s"] for e in truth["events"] if e["side"] == side and e["kind"] == "foot_strike"
        )
        offs = np.array(
            sorted(
                e["time_s"] for e in truth["events"] if e["side"] == side and e["kind"] == "toe_off"
            )
        )
        for fs in strikes:
            later = offs[offs > fs]
            to = float(later[0]) if later.size else math.nan
            ok = math.isfinite(to)
            rows.append(
                {
                    C.SIDE: side,
                    C.FOOT_STRIKE_S: fs,
                    C.TOE_OFF_S: to,
                    C.FOOT_STRIKE_FRAME: int(np.argmin(np.abs(t - fs))),
                    C.TOE_OFF_FRAME: int(np.argmin(np.abs(t - to))) if ok else None,
                    C.CONTACT_TIME_S: to - fs,
                    C.QUALITY: C.QUALITY_OK if ok else C.FLAG_NO_TOE_OFF,
                    C.USABLE: ok,
                }
            )
    df = pd.DataFrame(rows, columns=list(C.CONTACT_COLUMNS))
    df = df.astype({C.FOOT_STRIKE_FRAME: "Int64", C.TOE_OFF_FRAME: "Int64", C.USABLE: bool})
    return df.sort_values(C.FOOT_STRIKE_S).reset_index(drop=True)


def true_reductions(truth: dict[str, Any], side: str) -> dict[str, float]:
    """Truth reduced as the metrics are: per true stance of ``side``, then averaged."""
    fr = truth["frames"]
    t = np.array([f["time_s"] for f in fr])
    thigh = np.array([f["thigh_deg"][side] for f in fr])
    knee = np.array([f["knee_flexion_deg"][side] for f in fr])
    ext, ext_to, peak = [], [], []
    for fs, to, _ in zip(*_stances(truth, side), strict=True):
        a, b = sagittal.HIP_EXTENSION_WINDOW
        ext.append(_window_max(t, thigh, fs + a * (to - fs), to + b * (to - fs)))
        ext_to.append(_window_max(t, thigh, fs + a * (to - fs), to))
        a, b = sagittal.KNEE_PEAK_WINDOW
        peak.append(_window_max(t, knee, fs + a * (to - fs), fs + b * (to - fs)))
    return {
        "hip_extension_deg": float(np.mean(ext)),
        # the peak thigh extension of the stance itself, up to the true toe-off
        "hip_extension_to_toe_off_deg": float(np.mean(ext_to)),
        "knee_flexion_peak_stance_deg": float(np.mean(peak)),
        "trunk_forward_lean_deg": float(np.mean([f["trunk_forward_deg"] for f in fr])),
        "anterior_tilt_deg": float(np.mean([f["anterior_tilt_deg"] for f in fr])),
    }


def _window_max(t: np.ndarray, x: np.ndarray, a: float, b: float) -> float:
    """Largest of the frames strictly inside (a, b) and the values interpolated at a and b."""
    inside = x[(t > a) & (t < b)]
    return float(max(np.max(inside, initial=-np.inf), np.interp(a, t, x), np.interp(b, t, x)))


def _stances(truth: dict[str, Any], side: str) -> tuple[list[float], list[float], list[float]]:
    """Strike, toe-off and next strike of every full stride of one side."""
    ev = [e for e in truth["events"] if e["side"] == side]
    strikes = sorted(e["time_s"] for e in ev if e["kind"] == "foot_strike")
    offs = sorted(e["time_s"] for e in ev if e["kind"] == "toe_off")
    rows = [
        (fs, min(o for o in offs if o > fs), nxt)
        for fs, nxt in itertools.pairwise(strikes)
        if any(fs < o < nxt for o in offs)
    ]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def score_clip(clip: str, renders: Path) -> dict[str, Any]:
    """Both runs (detected and true events) of one side clip against its truth."""
    truth = json.loads((renders / f"{clip}.truth.json").read_text())
    raw = tracks_from_cache(renders / "events_cache" / f"{clip}.landmarks.npz")
    tracks = clean(raw, view="side").tracks
    leg = leg_length_px(tracks)
    # the rendered runner runs toward image -x when the camera's side_sign is +1 (its left side)
    facing = "left" if truth["spec"]["camera"]["side_sign"] > 0 else "right"
    near_true = facing  # the camera sees the runner's left side when they run toward -x
    out: dict[str, Any] = {
        "clip": clip,
        "fps": truth["fps"],
        "camera_roll_true_deg": float(truth.get("applied_camera_roll_deg", 0.0)),
        "near_leg_true": near_true,
        "near_leg_found": near_side(tracks),
    }
    tables = {
        "detected": stride_table(detect_contacts(tracks), tracks),
        "true_events": stride_table(true_contacts(truth, tracks.time_s), tracks),
    }
    for label, strides in tables.items():
        m = sagittal_metrics(
            tracks,
            strides,
            facing=facing,
            leg_px=leg,
            near=near_true,
            min_per_side=MIN_STRIDES_PER_SIDE,
        )
        out[label] = {
            k: {"value": m[k].value, "left": m[k].left, "right": m[k].right, "n": m[k].n_strides}
            for k in (
                "hip_extension_deg",
                "knee_flexion_peak_stance_deg",
                "trunk_forward_lean_deg",
                "camera_roll_deg",
                "anterior_pelvic_tilt_deg",
            )
        }
        out[label]["tilt_reason"] = m["anterior_pelvic_tilt_deg"].reason
        out[label]["usable_strides"] = int(strides[C.USABLE].sum())
    far = "right" if near_true == "left" else "left"
    out["truth"] = {"near": true_reductions(truth, near_true), "far": true_reductions(truth, far)}
    return out


def table(scores: list[dict[str, Any]]) -> str:
    """Markdown tables: per clip, then errors across clips."""
    lines = [
        "| clip | fps | near leg found | hip ext. true (window / up to toe-off) | "
        "measured (detected events) | "
        "measured (true events) | far leg measured | knee peak true / measured | "
        "trunk lean true / measured | camera roll found | tilt true / reported |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    err = {
        "hip_det": [],
        "hip_det_to": [],
        "hip_true": [],
        "far": [],
        "knee": [],
        "trunk": [],
        "roll": [],
    }
    for s in scores:
        tn, tf = s["truth"]["near"], s["truth"]["far"]
        d, e = s["detected"], s["true_events"]
        near = s["near_leg_true"]
        far = "right" if near == "left" else "left"
        hd, he = d["hip_extension_deg"]["value"], e["hip_extension_deg"]["value"]
        hf = e["hip_extension_deg"][far]
        kp = d["knee_flexion_peak_stance_deg"]["value"]
        tl = d["trunk_forward_lean_deg"]["value"]
        roll = d["camera_roll_deg"]["value"]
        err["hip_det"].append(_minus(hd, tn["hip_extension_deg"]))
        err["hip_det_to"].append(_minus(hd, tn["hip_extension_to_toe_off_deg"]))
        err["hip_true"].append(_minus(he, tn["hip_extension_deg"]))
        err["far"].append(_minus(hf, tf["hip_extension_deg"]))
        err["knee"].append(_minus(kp, tn["knee_flexion_peak_stance_deg"]))
        err["trunk"].append(_minus(tl, tn["trunk_forward_lean_deg"]))
        err["roll"].append(roll - s["camera_roll_true_deg"] if roll is not None else math.nan)
        tilt = "not measurable" if d["anterior_pelvic_tilt_deg"]["value"] is None else "?"
        lines.append(
            f"| {s['clip']} | {s['fps']:.0f} | {s['near_leg_found']} ({near}) | "
            f"{tn['hip_extension_deg']:.1f} / {tn['hip_extension_to_toe_off_deg']:.1f} | "
            f"{_fmt(hd, d)} | {_fmt(he)} | {_fmt(hf)} "
            f"(true {tf['hip_extension_deg']:.1f}) | "
            f"{tn['knee_flexion_peak_stance_deg']:.1f} / {_fmt(kp, d)} | "
            f"{tn['trunk_forward_lean_deg']:.1f} / {_fmt(tl, d)} | "
            f"{_fmt(roll, sign=True)} (true {s['camera_roll_true_deg']:+.0f}) | "
            f"{tn['anterior_tilt_deg']:.0f} / {tilt} |"
        )
    lines += [
        "",
        "| quantity | n clips | mean error (bias) | mean abs. error | largest abs. error |",
        "|---|---|---|---|---|",
    ]
    for key, what in (
        ("hip_det", "hip extension, near leg, detected events (deg)"),
        ("hip_det_to", "the same against the true peak up to the true toe-off (deg)"),
        ("hip_true", "hip extension, near leg, true events (deg)"),
        ("far", "hip extension, far leg, true events (deg)"),
        ("knee", "peak stance knee flexion, near leg (deg)"),
        ("trunk", "trunk forward lean (deg)"),
        ("roll", "camera roll found minus rendered roll (deg)"),
    ):
        v = np.array(err[key], float)
        v = v[np.isfinite(v)]
        lines.append(
            f"| {what} | {v.size} | {np.mean(v):+.1f} | {np.mean(np.abs(v)):.1f} | "
            f"{np.max(np.abs(v)):.1f} |"
        )
    return "\n".join(lines)


def _fmt(x: float | None, run: dict[str, Any] | None = None, *, sign: bool = False) -> str:
    if x is None:
        return "none" if run is None else f"none ({run['usable_strides']} usable strides)"
    return f"{x:+.1f}" if sign else f"{x:.1f}"


def _minus(a: float | None, b: float) -> float:
    return math.nan if a is None else a - b


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--renders", type=Path, default=HERE / "out" / "all")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args(argv)
    clips = sorted(
        p.name[: -len(".truth.json")]
        for p in args.renders.glob("*.truth.json")
        if json.loads(p.read_text())["spec"]["camera"]["view"] == "side"
        and (
            args.renders / "events_cache" / p.name.replace(".truth.json", ".landmarks.npz")
        ).exists()
    )
    if args.only:
        clips = [c for c in clips if c in set(args.only)]
    if not clips:
        sys.stderr.write(
            f"error: no side clips with cached landmarks in {args.renders}; "
            "run measure_events.py first\n"
        )
        return 2
    scores = [score_clip(c, args.renders) for c in clips]
    md = table(scores)
    a, b = sagittal.HIP_EXTENSION_WINDOW
    intro = (
        "gaitlab's side-view metrics (`clean` -> `detect_contacts` -> `stride_table` -> "
        "`sagittal_metrics`) on the landmarks of gaitlab's own pose stage "
        "(`measure_events.py`'s cache), once with the events gaitlab detects and once with the "
        "stride table built from the *true* events (from the posed mesh), so that the metric's "
        "error is told apart from event timing. Truth: the rendered skeleton reduced as the "
        "metric reduces landmarks: per true stance, the peak sagittal thigh angle (hip to knee "
        f"joint centres, + = knee behind) from {a:.0%} of the contact time after the strike to "
        f"{b:.0%} of it past the toe-off (the package's `HIP_EXTENSION_WINDOW`), the mean over "
        "the near leg's stances; peak knee flexion over 20-80% of each stance; the clip-mean "
        "trunk forward lean. Camera roll against the rendered camera's roll.\n\n"
    )
    results.write(
        "sagittal",
        results.command_line("measure_sagittal.py", argv),
        "gaitlab's side-view metrics on the rendered side clips (planted feet)",
        intro + md,
        {"clips": scores},
    )
    sys.stdout.write(md + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
