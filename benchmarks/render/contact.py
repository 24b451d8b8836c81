"""Foot contact from the posed mesh: the truth events, and the check that the pixels agree.

A foot is *in contact* when its lowest sole vertex is within ``HEIGHT_TOL_M`` of the floor and
the sole vertices that low move against the floor (the belt, on a treadmill) slower than
``SLIP_TOL_M_S``. The truth events are where that state changes, found on the posed mesh
(anny's skinning, not the commanded timing) at ``FINE_STEP_S`` around each commanded event and
interpolated to the threshold crossing. :func:`check_clip` then looks at every rendered frame
(the mesh that was drawn) and counts the frames whose state disagrees with the truth interval,
and how high and how fast the sole is during contact.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HEIGHT_TOL_M = 0.005  # sole within 5 mm of the floor
SLIP_TOL_M_S = 0.25  # and not sliding faster than this against it
FINE_STEP_S = 0.001  # velocity step; events are located to half of it
SEARCH_S = 0.040  # how far around the commanded event to look
EVENT_PRECISION_S = FINE_STEP_S / 2  # truth events are located to this


@dataclasses.dataclass(frozen=True)
class SoleState:
    """One foot at one instant: lowest sole height above the floor and its slip speed."""

    height_m: float
    slip_m_s: float

    @property
    def in_contact(self) -> bool:
        """Within the height tolerance and not sliding."""
        return self.height_m <= HEIGHT_TOL_M and self.slip_m_s <= SLIP_TOL_M_S


def sole_state(
    sole_now: np.ndarray,
    sole_next: np.ndarray,
    dt_s: float,
    floor_z: float,
    belt_velocity: np.ndarray,
) -> SoleState:
    """The state from a foot's sole vertices at t and t + dt (world metres)."""
    h = sole_now[:, 2] - floor_z
    low = h <= h.min() + 0.002
    v = (sole_next[low] - sole_now[low]) / dt_s - belt_velocity
    return SoleState(float(h.min()), float(np.max(np.hypot(v[:, 0], v[:, 1]))))


SoleFn = Callable[[float], dict[str, np.ndarray]]


def states_at(
    sole_fn: SoleFn, t_s: float, floor_z: float, belt: np.ndarray
) -> dict[str, SoleState]:
    """Both feet's states at t (velocity from t + 1 ms)."""
    a, b = sole_fn(t_s), sole_fn(t_s + FINE_STEP_S)
    return {s: sole_state(a[s], b[s], FINE_STEP_S, floor_z, belt) for s in a}


def _change(
    ts: np.ndarray, soles: list[np.ndarray], floor_z: float, belt: np.ndarray, rising: bool
):
    """Where contact (height and slip) starts (``rising`` False) or ends, between samples.

    Returns (time, state on the contact side) or None. The state of sample i uses samples i and
    i+1 (velocity); the change is put where the height crosses the tolerance if the height
    alone decided it, else halfway between the samples.
    """
    st = [
        sole_state(soles[i], soles[i + 1], ts[i + 1] - ts[i], floor_z, belt)
        for i in range(len(ts) - 1)
    ]
    on = [s.in_contact for s in st]
    for i in range(len(on) - 1):
        if (not rising and not on[i] and on[i + 1]) or (rising and on[i] and not on[i + 1]):
            a, b = st[i], st[i + 1]
            inside = b if not rising else a
            t = float(ts[i + 1])
            height_decided = (a.height_m <= HEIGHT_TOL_M) != (b.height_m <= HEIGHT_TOL_M)
            if height_decided and max(a.slip_m_s, b.slip_m_s) <= SLIP_TOL_M_S:
                f = (HEIGHT_TOL_M - a.height_m) / (b.height_m - a.height_m)
                t = float(ts[i] + f * (ts[i + 1] - ts[i]))
            return t, inside
    return None


def truth_events(
    sole_fn: SoleFn,
    commanded: list[dict[str, Any]],
    floor_z: float,
    belt: np.ndarray,
    duration_s: float,
) -> list[dict[str, Any]]:
    """Mesh events near each commanded one (``side`` left/right, ``kind``, ``time_s``).

    Each event also carries ``commanded_s`` and ``slip_m_s`` (the slip on the contact side of
    the event). An event not found within ``SEARCH_S`` raises: the motion is wrong.
    """
    out = []
    key = {"left": "L", "right": "R"}
    coarse = 4 * FINE_STEP_S
    for ev in commanded:
        t0 = float(ev["time_s"])
        side = key[str(ev["side"])]
        rising = ev["kind"] == "toe_off"

        def soles_at(ts: np.ndarray) -> list[np.ndarray]:
            return [sole_fn(float(t))[side] for t in ts]  # noqa: B023

        # a coarse look, then the bracketing interval at the fine step
        ts = np.arange(t0 - SEARCH_S, t0 + SEARCH_S + 1e-9, coarse)
        found = _change(ts, soles_at(ts), floor_z, belt, rising)
        if found is None:
            raise RuntimeError(
                f"no {ev['kind']} of the {ev['side']} foot near {t0:.3f} s on the mesh"
            )
        i = int(np.searchsorted(ts, found[0]))
        ts = np.arange(ts[max(i - 2, 0)], ts[min(i + 1, len(ts) - 1)] + 1e-9, FINE_STEP_S / 2)
        fine = _change(ts, soles_at(ts), floor_z, belt, rising)
        t_cross, st = fine if fine is not None else found
        if not 0.0 <= t_cross < duration_s:
            continue
        out.append(
            {
                "side": ev["side"],
                "kind": ev["kind"],
                "time_s": round(t_cross, 6),
                "commanded_s": t0,
                "slip_m_s": round(st.slip_m_s, 4),
            }
        )
    return sorted(out, key=lambda e: e["time_s"])


def contact_intervals(events: list[dict[str, Any]], side: str) -> list[tuple[float, float]]:
    """(strike, toe-off) of one side; open ends at the clip's edges become +-inf."""
    ev = sorted((e for e in events if e["side"] == side), key=lambda e: e["time_s"])
    out: list[tuple[float, float]] = []
    start = None
    first = True
    for e in ev:
        if e["kind"] == "foot_strike":
            start = e["time_s"]
        elif e["kind"] == "toe_off":
            out.append(
                (start if start is not None else (-math.inf if first else math.nan), e["time_s"])
            )
            start = None
        first = False
    if start is not None:
        out.append((start, math.inf))
    return out


def check_clip(
    frame_times_s: np.ndarray,
    frame_states: list[dict[str, SoleState]],
    events: list[dict[str, Any]],
    fps: float,
) -> dict[str, Any]:
    """Compare every rendered frame's foot state with the truth contact intervals.

    Returns per side and overall: frames checked, frames that disagree (contact seen outside a
    truth interval or missing inside one), the largest sole height and slip during truth
    contact, the deepest floor penetration, and the commanded-vs-mesh event offsets (ms).
    """
    out: dict[str, Any] = {"height_tol_mm": HEIGHT_TOL_M * 1000, "slip_tol_m_s": SLIP_TOL_M_S}
    total_bad = 0
    for side, s in (("left", "L"), ("right", "R")):
        iv = contact_intervals(events, side)
        expected = np.array(
            [any(a <= t <= b for a, b in iv if not math.isnan(a)) for t in frame_times_s]
        )
        seen = np.array([st[s].in_contact for st in frame_states])
        h = np.array([st[s].height_m for st in frame_states])
        slip = np.array([st[s].slip_m_s for st in frame_states])
        ev_t = np.array([e["time_s"] for e in events if e["side"] == side])
        # a frame within the events' location precision of one is neither right nor wrong
        at_event = np.array(
            [ev_t.size > 0 and np.min(np.abs(ev_t - t)) <= EVENT_PRECISION_S for t in frame_times_s]
        )
        bad = np.nonzero((expected != seen) & ~at_event)[0]
        total_bad += len(bad)
        offs = [(e["time_s"] - e["commanded_s"]) * 1000 for e in events if e["side"] == side]
        out[side] = {
            "frames": len(frame_times_s),
            "contact_frames": int(expected.sum()),
            "frames_disagreeing": len(bad),
            "disagreeing_times_s": [round(float(frame_times_s[i]), 4) for i in bad[:10]],
            "max_height_in_contact_mm": round(float(h[expected].max() * 1000), 2)
            if expected.any()
            else None,
            "max_slip_in_contact_m_s": round(float(slip[expected].max()), 3)
            if expected.any()
            else None,
            "min_height_out_of_contact_mm": round(float(h[~expected].min() * 1000), 2)
            if (~expected).any()
            else None,
            "deepest_below_floor_mm": round(abs(float(min(h.min(), 0.0))) * 1000, 2),
            "event_offset_ms_mean": round(float(np.mean(offs)), 2) if offs else None,
            "event_offset_ms_max_abs": round(float(np.max(np.abs(offs))), 2) if offs else None,
        }
    contact_ms = []
    for side in ("left", "right"):
        for a, b in contact_intervals(events, side):
            if math.isfinite(a) and math.isfinite(b):
                contact_ms.append((b - a) * 1000)
    out["true_contact_ms"] = {
        side: round(
            float(
                np.mean(
                    [
                        (b - a) * 1000
                        for a, b in contact_intervals(events, side)
                        if math.isfinite(a) and math.isfinite(b)
                    ]
                    or [math.nan]
                )
            ),
            2,
        )
        for side in ("left", "right")
    }
    out["frames_disagreeing"] = total_bad
    out["frame_ms"] = round(1000 / fps, 3)
    out["ok"] = total_bad == 0
    return out


def report(renders: Path) -> tuple[str, dict[str, Any]]:
    """The contact check of every rendered clip in a folder, as Markdown and data."""
    rows = []
    for path in sorted(renders.glob("*.truth.json")):
        truth = json.loads(path.read_text())
        chk = _recount(truth)
        commanded = truth["spec"]["gait"]["contact_time_ms"]
        rows.append(
            {
                "clip": truth["clip"],
                "fps": truth["fps"],
                "overground": truth.get("overground", False),
                "check": chk,
                "commanded_contact_ms": commanded,
                "left_contact_scale": truth["spec"]["gait"].get("left_contact_scale", 1.0),
            }
        )
    lines = [
        f"A foot is in contact when its lowest sole vertex is within {HEIGHT_TOL_M * 1000:.0f} mm "
        f"of the floor and the sole vertices that low slide against the floor (the belt) slower "
        f"than {SLIP_TOL_M_S} m/s. Truth events: where that changes on the posed mesh, "
        f"located to {FINE_STEP_S * 500:.1f} ms. Check: every rendered frame's mesh (the one "
        "that was drawn) against the truth intervals; a frame within 0.5 ms of a truth event "
        "is not counted (the event is located no better than that). "
        "Tolerance: 0 frames may disagree.",
        "",
        "| clip | fps | frames disagreeing | true contact ms L / R (commanded) | sole height in "
        "contact, max mm (L/R) | slip in contact, max m/s (L/R) | lowest sole out of contact, "
        "mm (L/R) | below floor, mm | true - commanded event, max ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r["check"]
        lf, rf = c["left"], c["right"]
        cmd_l = r["commanded_contact_ms"] * r["left_contact_scale"]
        lines.append(
            f"| {r['clip']} | {r['fps']:g} | {c['frames_disagreeing']} of {lf['frames']} | "
            f"{c['true_contact_ms']['left']:.1f} / {c['true_contact_ms']['right']:.1f} "
            f"({cmd_l:.0f} / {r['commanded_contact_ms']:.0f}) | "
            f"{lf['max_height_in_contact_mm']} / {rf['max_height_in_contact_mm']} | "
            f"{lf['max_slip_in_contact_m_s']} / {rf['max_slip_in_contact_m_s']} | "
            f"{lf['min_height_out_of_contact_mm']} / {rf['min_height_out_of_contact_mm']} | "
            f"{max(lf['deepest_below_floor_mm'], rf['deepest_below_floor_mm'])} | "
            f"{max(lf['event_offset_ms_max_abs'] or 0, rf['event_offset_ms_max_abs'] or 0)} |"
        )
    n_bad = sum(r["check"]["frames_disagreeing"] for r in rows)
    n_frames = sum(r["check"]["left"]["frames"] for r in rows)
    lines += [
        "",
        f"{len(rows)} clips, {n_frames} frames, both feet: {n_bad} frames disagree with the truth.",
    ]
    return "\n".join(lines), {"clips": rows, "frames": n_frames, "frames_disagreeing": n_bad}


def _recount(truth: dict[str, Any]) -> dict[str, Any]:
    """The clip's check, with frames within EVENT_PRECISION_S of a truth event not counted
    (clips rendered before that rule list their disagreeing frames' times)."""
    chk = json.loads(json.dumps(truth["contact_check"]))
    total = 0
    for side in ("left", "right"):
        ev_t = [e["time_s"] for e in truth["events"] if e["side"] == side]
        kept = [
            t
            for t in chk[side]["disagreeing_times_s"]
            if not ev_t or min(abs(e - t) for e in ev_t) > EVENT_PRECISION_S + 1e-4
        ]
        chk[side]["at_event_not_counted"] = chk[side]["frames_disagreeing"] - len(kept)
        chk[side]["frames_disagreeing"] = len(kept)
        total += len(kept)
    chk["frames_disagreeing"] = total
    chk["ok"] = total == 0
    return chk


def main(argv: list[str] | None = None) -> int:
    """Command line: write RESULTS_contact.md/.json for a folder of rendered clips."""
    import argparse

    import results

    ap = argparse.ArgumentParser(description="Contact check of the rendered clips")
    ap.add_argument("--renders", type=Path, default=Path(__file__).resolve().parent / "out" / "all")
    args = ap.parse_args(argv)
    if not list(args.renders.glob("*.truth.json")):
        sys.stderr.write(f"error: no rendered clips in {args.renders}; run render_clips.py\n")
        return 2
    md, data = report(args.renders)
    results.write(
        "contact",
        results.command_line("contact.py", argv),
        "Planted feet: the truth's contact intervals against every rendered frame",
        md,
        data,
    )
    sys.stdout.write(f"{data['frames_disagreeing']} of {data['frames']} frames disagree\n")
    return 1 if data["frames_disagreeing"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
