"""Score gaitlab's gait events, cadence, contact time and asymmetry on the rendered clips.

For every rendered clip (``<renders>/<clip>.mp4`` with ``<clip>.truth.json``):

1. pose through gaitlab's own API (:func:`gaitlab.pose.extract.extract_pose`, MediaPipe VIDEO
   mode, the default model and configuration), the runner's raw landmarks cached in
   ``<renders>/events_cache/<clip>.landmarks.npz`` (a rerun of the scoring takes seconds);
2. everything after the pose stage as ``gaitlab analyze`` does it
   (:func:`gaitlab.api.analyze_tracks`: view, cleaning, events, strides, metrics), and the
   contact table of :func:`gaitlab.events.detect.detect_contacts` on the cleaned tracks;
3. scoring against the truth events (from the posed mesh, see ``contact.py``), per clip and
   foot (near/far for side views, left/right otherwise):

   * share of strikes and of toe-offs within one frame (``|detected - true| <= 1/fps``), bias
     (detected - true, frames), events missed (no detection of that foot and kind within
     ``MATCH_S``) and extra detections;
   * contact time error per matched contact (ms and frames), and of the clip's reported
     ``contact_time_ms`` against the true mean;
   * cadence error (%) of the reported ``cadence_spm`` against the true strikes;
   * reported ``step_time_asymmetry_pct`` and ``contact_time_asymmetry_pct`` against the true
     ones (0 on runners whose sides are identical);
   * usable strides per side against the true full strides.

Events closer than ``EDGE_S`` to either end of the clip are not scored. The definitions follow
the scoring of the hand-labelled real events (an event is "within one frame" when
``|detected time - true time| <= 1/fps``); ``gaitlab.labels`` did not exist when this was
written, so the scorer lives here.

Run from the repository root with the benchmark's environment (``setup.sh``), after
``render_clips.py``::

    benchmarks/render/.venv/bin/python benchmarks/render/measure_events.py
    ... --renders DIR (default benchmarks/render/out/all), --only NAME..., --skip-extract,
    --cache DIR (landmark cache elsewhere, e.g. when the renders are another checkout's)

Writes ``RESULTS_events.md`` and ``RESULTS_events.json`` here.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import results  # noqa: E402

DEFAULT_RENDERS = HERE / "out" / "all"
MATCH_S = 0.12  # a detection further than this from a true event of its foot and kind is none
EDGE_S = 0.25  # true events this close to the clip's start or end are not scored
#: clip values (cadence, contact time, asymmetry) are read with this many usable strides per
#: side at least, instead of the configuration's 7: the 5-s renders hold 6-7 strides per side
MIN_STEPS_FOR_VALUES = 3
TARGETS = {
    "contact_time_mean_abs_frames": 1.0,
    "cadence_abs_pct": 0.5,
    "asymmetry_identical_abs_pct": 3.0,
}


# --------------------------------------------------------------------------- pose


def extract(clip: Path, cache: Path) -> Path:
    """Pose of one clip through gaitlab's API; the raw runner tracks cached as ``.npz``."""
    from gaitlab.config import load_defaults
    from gaitlab.pose.extract import extract_pose
    from gaitlab.pose.model import find_model

    t0 = time.time()
    pose = extract_pose(clip, find_model(), load_defaults())
    cache.mkdir(parents=True, exist_ok=True)
    out = pose.tracks.save_npz(cache / f"{clip.stem}.landmarks.npz")
    info = {"seconds": round(time.time() - t0, 2), "frames": len(pose.tracks.time_s)}
    (cache / f"{clip.stem}.pose.json").write_text(json.dumps(info))
    return out


# --------------------------------------------------------------------------- truth


def true_contacts(truth: dict[str, Any], side: str) -> list[tuple[float, float]]:
    """(strike, toe-off) of every whole true contact of one side."""
    ev = sorted((e for e in truth["events"] if e["side"] == side), key=lambda e: e["time_s"])
    out = []
    for a, b in itertools.pairwise(ev):
        if a["kind"] == "foot_strike" and b["kind"] == "toe_off":
            out.append((float(a["time_s"]), float(b["time_s"])))
    return out


def true_timing(truth: dict[str, Any]) -> dict[str, Any]:
    """Cadence, mean contact time per side, step time per side and the asymmetries.

    Step time of a side: from the other foot's strike to this foot's strike (as gaitlab
    assigns steps). Asymmetry: ``(left - right) / mean * 100``.
    """
    strikes = sorted(
        (float(e["time_s"]), e["side"]) for e in truth["events"] if e["kind"] == "foot_strike"
    )
    steps: dict[str, list[float]] = {"left": [], "right": []}
    for (t0, s0), (t1, s1) in itertools.pairwise(strikes):
        if s0 != s1:
            steps[s1].append(t1 - t0)
    all_steps = steps["left"] + steps["right"]
    contact = {
        s: float(np.mean([b - a for a, b in true_contacts(truth, s)])) for s in ("left", "right")
    }
    step = {s: float(np.mean(steps[s])) for s in ("left", "right")}

    def asym(d: dict[str, float]) -> float:
        return (d["left"] - d["right"]) / (0.5 * (d["left"] + d["right"])) * 100.0

    return {
        "cadence_spm": 60.0 / float(np.mean(all_steps)),
        "contact_time_ms": 1000.0 * 0.5 * (contact["left"] + contact["right"]),
        "contact_time_ms_per_side": {s: 1000.0 * v for s, v in contact.items()},
        "step_time_ms_per_side": {s: 1000.0 * v for s, v in step.items()},
        "contact_time_asymmetry_pct": asym(contact),
        "step_time_asymmetry_pct": asym(step),
    }


def near_side(truth: dict[str, Any]) -> str | None:
    """The foot nearer the camera in a side view (None for rear/front views)."""
    cam = truth["spec"]["camera"]
    if cam["view"] != "side":
        return None
    return "left" if cam["side_sign"] > 0 else "right"


# --------------------------------------------------------------------------- scoring


def match_events(
    true_t: list[float], det_t: list[float], match_s: float = MATCH_S
) -> tuple[list[float | None], int]:
    """Nearest-first one-to-one matching; per true event the detected - true time (or None),
    and the number of detections left unmatched."""
    pairs = sorted((abs(d - t), i, j) for i, t in enumerate(true_t) for j, d in enumerate(det_t))
    used_t: set[int] = set()
    used_d: set[int] = set()
    out: list[float | None] = [None] * len(true_t)
    for gap, i, j in pairs:
        if gap > match_s:
            break
        if i in used_t or j in used_d:
            continue
        used_t.add(i)
        used_d.add(j)
        out[i] = det_t[j] - true_t[i]
    return out, len(det_t) - len(used_d)


def score_foot(
    truth: dict[str, Any], contacts: Any, side: str, fps: float, duration_s: float
) -> dict[str, Any]:
    """Event scores of one foot."""
    from gaitlab.events import columns as C

    frame_s = 1.0 / fps
    det = contacts[contacts[C.SIDE] == side]
    out: dict[str, Any] = {}
    errs_all: dict[str, list[float | None]] = {}
    for kind, col in (("foot_strike", C.FOOT_STRIKE_S), ("toe_off", C.TOE_OFF_S)):
        t_true = sorted(
            float(e["time_s"])
            for e in truth["events"]
            if e["side"] == side
            and e["kind"] == kind
            and EDGE_S <= e["time_s"] <= duration_s - EDGE_S
        )
        t_det = sorted(float(x) for x in det[col].to_numpy(float) if math.isfinite(x))
        lo, hi = EDGE_S - MATCH_S, duration_s - EDGE_S + MATCH_S
        t_det = [t for t in t_det if lo <= t <= hi]
        errs, extra = match_events(t_true, t_det)
        errs_all[kind] = errs
        got = [e for e in errs if e is not None]
        out[kind] = {
            "n_true": len(t_true),
            "n_detected": len(t_det),
            "within_one_frame": int(sum(abs(e) <= frame_s + 1e-9 for e in got)),
            "share_within_one_frame": (
                sum(abs(e) <= frame_s + 1e-9 for e in got) / len(t_true) if t_true else None
            ),
            "missed": sum(e is None for e in errs),
            "extra": extra,
            "bias_frames": float(np.mean(got) / frame_s) if got else None,
            "mean_abs_frames": float(np.mean(np.abs(got)) / frame_s) if got else None,
        }
    # contact time of matched contacts (both ends matched)
    ct_err = []
    for fs, to in true_contacts(truth, side):
        if not (fs >= EDGE_S and to <= duration_s - EDGE_S):
            continue
        m = det[
            (np.abs(det[C.FOOT_STRIKE_S].to_numpy(float) - fs) <= MATCH_S)
            & (np.abs(det[C.TOE_OFF_S].to_numpy(float) - to) <= MATCH_S)
        ]
        if len(m):
            k = int(np.argmin(np.abs(m[C.FOOT_STRIKE_S].to_numpy(float) - fs)))
            d_ct = float(m[C.TOE_OFF_S].iloc[k] - m[C.FOOT_STRIKE_S].iloc[k])
            ct_err.append(d_ct - (to - fs))
    out["contact_time"] = {
        "n_matched": len(ct_err),
        "bias_ms": float(np.mean(ct_err) * 1000) if ct_err else None,
        "mean_abs_ms": float(np.mean(np.abs(ct_err)) * 1000) if ct_err else None,
        "mean_abs_frames": float(np.mean(np.abs(ct_err)) / frame_s) if ct_err else None,
    }
    return out


def metric_value(metrics: dict[str, Any], name: str) -> dict[str, Any]:
    """A reported metric's value, per-side values and reason (if none)."""
    m = metrics.get(name)
    if m is None:
        return {"value": None, "reason": "not reported"}
    return {"value": m.value, "left": m.left, "right": m.right, "reason": m.reason}


def score_clip(renders: Path, cache: Path, name: str) -> dict[str, Any]:
    """Run the pipeline on one clip's cached landmarks and score it."""
    from gaitlab.api import analyze_tracks
    from gaitlab.config import load_defaults
    from gaitlab.events.detect import detect_contacts
    from gaitlab.pose.tracks import PoseTracks

    truth = json.loads((renders / f"{name}.truth.json").read_text())
    fps = float(truth["fps"])
    tracks = PoseTracks.load_npz(cache / f"{name}.landmarks.npz")
    duration_s = len(tracks.time_s) / fps
    clip = analyze_tracks(tracks, load_defaults(), name=f"{name}.mp4")
    # the same with a lower floor on usable strides per side, so that a 5-s clip gives values
    cfg = load_defaults().with_overrides({"findings": {"min_steps_per_side": MIN_STEPS_FOR_VALUES}})
    clip_values = analyze_tracks(tracks, cfg, name=f"{name}.mp4")
    contacts = detect_contacts(clip.tracks, view=clip.view)
    tt = true_timing(truth)
    near = near_side(truth)
    feet = {}
    for side in ("left", "right"):
        role = side if near is None else ("near" if side == near else "far")
        feet[role] = {"side": side, **score_foot(truth, contacts, side, fps, duration_s)}
    met = {
        k: metric_value(clip_values.metrics, k)
        for k in (
            "cadence_spm",
            "contact_time_ms",
            "step_time_asymmetry_pct",
            "contact_time_asymmetry_pct",
        )
    }
    frame_ms = 1000.0 / fps
    ct = met["contact_time_ms"]["value"]
    cad = met["cadence_spm"]["value"]
    full_strides = {s: max(len(true_contacts(truth, s)) - 1, 0) for s in ("left", "right")}
    pose_info = json.loads((cache / f"{name}.pose.json").read_text())
    found = np.isfinite(tracks.image_xy_px[:, 0, 0])
    return {
        "clip": name,
        "view": truth["spec"]["camera"]["view"],
        "view_found": clip.view.label,
        "fps": fps,
        "overground": bool(truth.get("overground", False)),
        "rig": truth["spec"]["camera"].get("rig", "static"),
        "sides_identical": bool(truth.get("sides_identical", True)),
        "pose_found_share": float(found.mean()),
        "pose_seconds": pose_info["seconds"],
        "truth": tt,
        "feet": feet,
        "reported": met,
        "contact_time_error_ms": None if ct is None else ct - tt["contact_time_ms"],
        "contact_time_error_frames": None
        if ct is None
        else (ct - tt["contact_time_ms"]) / frame_ms,
        "cadence_error_pct": None
        if cad is None
        else (cad - tt["cadence_spm"]) / tt["cadence_spm"] * 100,
        "usable_strides": clip.usable_steps(),
        "reported_with_defaults": {
            k: clip.metrics[k].value is not None
            for k in ("cadence_spm", "contact_time_ms", "step_time_asymmetry_pct")
        },
        "strides_found": len(clip.strides),
        "true_full_strides": full_strides,
    }


# --------------------------------------------------------------------------- summary


def _fmt(x: float | None, spec: str = ".1f", none: str = "-") -> str:
    return none if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Pooled figures over all clips, and against the targets."""

    def pooled(roles: tuple[str, ...], kind: str) -> dict[str, Any]:
        n = hit = missed = extra = 0
        for r in rows:
            for role in roles:
                f = r["feet"].get(role)
                if f is None:
                    continue
                n += f[kind]["n_true"]
                hit += f[kind]["within_one_frame"]
                missed += f[kind]["missed"]
                extra += f[kind]["extra"]
        return {
            "n_true": n,
            "share_within_one_frame": hit / n if n else None,
            "missed": missed,
            "extra": extra,
        }

    out: dict[str, Any] = {"n_clips": len(rows)}
    for label, roles in (
        ("side_near", ("near",)),
        ("side_far", ("far",)),
        ("rear_front", ("left", "right")),
    ):
        out[label] = {k: pooled(roles, k) for k in ("foot_strike", "toe_off")}
    ct = [
        abs(r["contact_time_error_frames"])
        for r in rows
        if r["contact_time_error_frames"] is not None
    ]
    cad = [abs(r["cadence_error_pct"]) for r in rows if r["cadence_error_pct"] is not None]
    sym = [
        abs(r["reported"][k]["value"])
        for r in rows
        if r["sides_identical"]
        for k in ("step_time_asymmetry_pct", "contact_time_asymmetry_pct")
        if r["reported"][k]["value"] is not None
    ]
    out["contact_time_mean_abs_frames"] = float(np.mean(ct)) if ct else None
    out["contact_time_clips_with_value"] = len(ct)
    out["cadence_mean_abs_pct"] = float(np.mean(cad)) if cad else None
    out["cadence_max_abs_pct"] = float(np.max(cad)) if cad else None
    out["cadence_clips_with_value"] = len(cad)
    out["asymmetry_identical_max_abs_pct"] = float(np.max(sym)) if sym else None
    out["asymmetry_identical_share_within_3pct"] = (
        float(np.mean(np.array(sym) <= TARGETS["asymmetry_identical_abs_pct"])) if sym else None
    )
    out["asymmetry_identical_values"] = len(sym)
    # of the identical-sided clips' asymmetries that could be reported (both sides had strides),
    # how many the method withheld as within what it can tell apart
    out["asymmetry_identical_withheld"] = sum(
        1
        for r in rows
        if r["sides_identical"]
        for k in ("step_time_asymmetry_pct", "contact_time_asymmetry_pct")
        if r["reported"][k]["value"] is None and r["reported"]["cadence_spm"]["value"] is not None
    )
    side = [r for r in rows if r["view"] == "side"]
    ct_side = [
        abs(r["contact_time_error_frames"])
        for r in side
        if r["contact_time_error_frames"] is not None
    ]
    cad_side = [abs(r["cadence_error_pct"]) for r in side if r["cadence_error_pct"] is not None]
    out["side_contact_time_mean_abs_frames"] = float(np.mean(ct_side)) if ct_side else None
    out["side_contact_time_clips_with_value"] = len(ct_side)
    out["side_cadence_mean_abs_pct"] = float(np.mean(cad_side)) if cad_side else None
    out["side_cadence_max_abs_pct"] = float(np.max(cad_side)) if cad_side else None
    out["side_clips"] = len(side)
    out["targets"] = TARGETS
    out["meets"] = {
        "contact_time": out["contact_time_mean_abs_frames"] is not None
        and out["contact_time_mean_abs_frames"] <= TARGETS["contact_time_mean_abs_frames"],
        "cadence": out["cadence_max_abs_pct"] is not None
        and out["cadence_max_abs_pct"] <= TARGETS["cadence_abs_pct"],
        # an asymmetry that is not reported cannot be wrong: the target is on what is shown
        "asymmetry_identical": out["asymmetry_identical_max_abs_pct"] is None
        or out["asymmetry_identical_max_abs_pct"] <= TARGETS["asymmetry_identical_abs_pct"],
    }
    return out


def markdown(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """The RESULTS_events.md text."""
    pct = lambda x: _fmt(None if x is None else 100 * x, ".0f") + ("%" if x is not None else "")  # noqa: E731
    lines = [
        "Truth: strikes and toe-offs from the posed mesh (sole within 5 mm of the floor and not "
        "sliding, see `contact.py`; every rendered frame agrees with it, `RESULTS_contact.md`). "
        "gaitlab: default model and configuration, pose stage in VIDEO mode, everything after it "
        "as `gaitlab analyze` runs it. An event counts as *within one frame* when "
        "|detected - true| <= 1/fps; a true event with no detection of its foot and kind within "
        f"{MATCH_S * 1000:.0f} ms is *missed*; events within {EDGE_S:.2f} s of either end are "
        "not scored. Side views are scored per near/far foot, rear/front views per left/right. "
        "Clip values (cadence, contact time, asymmetries) are gaitlab's own metrics computed with "
        f"`min_steps_per_side = {MIN_STEPS_FOR_VALUES}` (the default 7 leaves most 5-s clips "
        "without a value; which ones had a value with the defaults is in the JSON).",
        "",
        "## Summary",
        "",
        "| what | strikes within 1 frame | toe-offs within 1 frame | missed (strike/toe-off) "
        "| extra detections |",
        "|---|---|---|---|---|",
    ]
    for label, name in (
        ("side_near", "side views, near foot"),
        ("side_far", "side views, far foot"),
        ("rear_front", "rear/front views, both feet"),
    ):
        s = summary[label]
        lines.append(
            f"| {name} | {pct(s['foot_strike']['share_within_one_frame'])} of "
            f"{s['foot_strike']['n_true']} | {pct(s['toe_off']['share_within_one_frame'])} of "
            f"{s['toe_off']['n_true']} | {s['foot_strike']['missed']}/{s['toe_off']['missed']} | "
            f"{s['foot_strike']['extra'] + s['toe_off']['extra']} |"
        )
    t = summary["targets"]
    ok = lambda b: "meets" if b else "**misses**"  # noqa: E731
    lines += [
        "",
        "| target on renders | today | |",
        "|---|---|---|",
        f"| contact time within {t['contact_time_mean_abs_frames']:g} frame on average "
        f"(reported `contact_time_ms` vs truth) | "
        f"{_fmt(summary['contact_time_mean_abs_frames'], '.2f')} frames mean abs. error over "
        f"the {summary['contact_time_clips_with_value']} clips with a value "
        f"(of {summary['n_clips']}) | {ok(summary['meets']['contact_time'])} |",
        f"| cadence within {t['cadence_abs_pct']:g}% | mean "
        f"{_fmt(summary['cadence_mean_abs_pct'], '.2f')}%, largest "
        f"{_fmt(summary['cadence_max_abs_pct'], '.2f')}% over "
        f"{summary['cadence_clips_with_value']} clips with a value | "
        f"{ok(summary['meets']['cadence'])} |",
        f"| asymmetry within {t['asymmetry_identical_abs_pct']:g}% on identical sides (step and "
        f"contact time) | largest {_fmt(summary['asymmetry_identical_max_abs_pct'], '.1f')}%, "
        f"{pct(summary['asymmetry_identical_share_within_3pct'])} of "
        f"{summary['asymmetry_identical_values']} values shown within 3% "
        f"({summary['asymmetry_identical_withheld']} withheld as within what the method can tell "
        f"apart) | {ok(summary['meets']['asymmetry_identical'])} |",
        f"| side views only: contact time, cadence | "
        f"{_fmt(summary['side_contact_time_mean_abs_frames'], '.2f')} frames mean abs. error "
        f"({summary['side_contact_time_clips_with_value']} of {summary['side_clips']} clips with "
        f"a value); cadence mean {_fmt(summary['side_cadence_mean_abs_pct'], '.2f')}%, largest "
        f"{_fmt(summary['side_cadence_max_abs_pct'], '.2f')}% | |",
        "",
        "## Per clip",
        "",
        "Foot columns: strikes / toe-offs within one frame (count of scored), bias in frames "
        "(detected - true; strike / toe-off), missed, contact-time error of matched contacts "
        "(mean abs., frames). Reported: gaitlab's clip values (`none` = no value, with the "
        "reason in the JSON).",
        "",
        "| clip | view (found) | fps | foot | within 1 frame | bias (fr) | missed | "
        "contact err (fr) | contact ms reported / true | cadence err % | step asym % (true) | "
        "contact asym % (true) | usable strides L/R (true) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        first = True
        for role, f in r["feet"].items():
            fs, to = f["foot_strike"], f["toe_off"]
            head = (
                f"| {r['clip']} | {r['view']} ({r['view_found']}) | {r['fps']:g} "
                if first
                else "| | | "
            )
            rep = r["reported"]
            tail = (
                f"| {_fmt(rep['contact_time_ms']['value'], '.0f', 'none')} / "
                f"{r['truth']['contact_time_ms']:.0f} | "
                f"{_fmt(r['cadence_error_pct'], '+.2f', 'none')} | "
                f"{_fmt(rep['step_time_asymmetry_pct']['value'], '+.1f', 'none')} "
                f"({r['truth']['step_time_asymmetry_pct']:+.1f}) | "
                f"{_fmt(rep['contact_time_asymmetry_pct']['value'], '+.1f', 'none')} "
                f"({r['truth']['contact_time_asymmetry_pct']:+.1f}) | "
                f"{r['usable_strides']['left']}/{r['usable_strides']['right']} "
                f"({r['true_full_strides']['left']}/{r['true_full_strides']['right']}) |"
                if first
                else "| | | | | |"
            )
            lines.append(
                f"{head}| {role} | {fs['within_one_frame']}/{fs['n_true']} , "
                f"{to['within_one_frame']}/{to['n_true']} | {_fmt(fs['bias_frames'], '+.1f')} / "
                f"{_fmt(to['bias_frames'], '+.1f')} | {fs['missed']}/{to['missed']} | "
                f"{_fmt(f['contact_time']['mean_abs_frames'], '.1f')} {tail}"
            )
            first = False
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--renders", type=Path, default=DEFAULT_RENDERS)
    ap.add_argument("--only", nargs="*", help="clip names (default: every clip with a truth file)")
    ap.add_argument("--skip-extract", action="store_true", help="use the cached landmarks only")
    ap.add_argument(
        "--cache",
        type=Path,
        help="folder of the landmark cache (default <renders>/events_cache); a cache found in "
        "<renders>/events_cache is read from there when this folder lacks the clip",
    )
    args = ap.parse_args(argv)
    from gaitlab.quiet import silence_native_stderr

    silence_native_stderr()
    renders: Path = args.renders
    names = sorted(p.name[: -len(".truth.json")] for p in renders.glob("*.truth.json"))
    if args.only:
        missing = sorted(set(args.only) - set(names))
        if missing:
            sys.stderr.write(f"error: no rendered clip {', '.join(missing)} in {renders}\n")
            return 2
        names = [n for n in names if n in set(args.only)]
    if not names:
        sys.stderr.write(f"error: no rendered clips in {renders}; run render_clips.py first\n")
        return 2
    shared = renders / "events_cache"
    own = args.cache or shared
    rows = []
    for name in names:
        npz = own / f"{name}.landmarks.npz"
        cache = own
        if not npz.exists() and (shared / f"{name}.landmarks.npz").exists():
            cache, npz = shared, shared / f"{name}.landmarks.npz"
        if not args.skip_extract or not npz.exists():
            if args.skip_extract:
                sys.stderr.write(
                    f"error: no cached landmarks for {name}; run without --skip-extract\n"
                )
                return 2
            if not npz.exists():
                extract(renders / f"{name}.mp4", cache)
        rows.append(score_clip(renders, cache, name))
        r = rows[-1]
        sys.stdout.write(
            f"{name}: contact err {_fmt(r['contact_time_error_frames'], '+.2f', 'none')} fr, "
            f"cadence err {_fmt(r['cadence_error_pct'], '+.2f', 'none')}%\n"
        )
        sys.stdout.flush()
    summary = summarise(rows)
    results.write(
        "events",
        results.command_line("measure_events.py", argv),
        "Gait events on the rendered runners (planted feet)",
        markdown(rows, summary),
        {"summary": summary, "clips": rows},
    )
    sys.stdout.write(json.dumps(summary["meets"]) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
