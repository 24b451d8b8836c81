"""The true events and metric values of a synthetic run, measured on its own generated joints.

Values are measured on the model's 3-D joint positions (evaluated at the exact, continuous
event times and on a dense grid over one stride), projected on the plane where the analysis
measures them: the sagittal plane (what an orthographic side view shows) for timing-free
side-view metrics, the frontal plane (rear/front view) for pelvic drop, drift, trunk lean and
step width. The definition of every key is in :mod:`gaitlab.synthetic.spec`.
"""

from __future__ import annotations

import numpy as np

from gaitlab.pose.landmarks import INDEX
from gaitlab.synthetic.camera import px_per_m
from gaitlab.synthetic.kinematics import (
    FWD,
    LAT,
    SIDE_SIGN,
    SIDES,
    UP,
    GaitModel,
    pose_at,
    sagittal_angle_deg,
)
from gaitlab.synthetic.spec import Event, RunnerSpec

#: Samples per stride for the dense evaluation of peaks and ranges.
DENSE_SAMPLES = 4000


def events_in_clip(m: GaitModel, phase_offset: float, t_end_s: float) -> tuple[Event, ...]:
    """Every foot strike and toe-off with clip time in ``[0, t_end_s]``, sorted by time."""
    shift = phase_offset * m.stride_s
    events: list[Event] = []
    for side in SIDES:
        first = m.first_strike_s[side] - shift
        k0 = int(np.floor((0.0 - first - m.contact_s[side]) / m.stride_s))
        k1 = int(np.ceil((t_end_s - first) / m.stride_s))
        for k in range(k0, k1 + 1):
            strike = first + k * m.stride_s
            for kind, t in (("foot_strike", strike), ("toe_off", strike + m.contact_s[side])):
                if 0.0 <= t <= t_end_s:
                    events.append(Event(side=side, kind=kind, time_s=float(t)))
    return tuple(sorted(events, key=lambda e: (e.time_s, e.side, e.kind)))


def _pt(pose: np.ndarray, name: str) -> np.ndarray:
    return pose[:, INDEX[name]]


def _hip_mid(pose: np.ndarray) -> np.ndarray:
    return 0.5 * (_pt(pose, "left_hip") + _pt(pose, "right_hip"))


def _knee_flexion_deg(pose: np.ndarray, side: str) -> np.ndarray:
    thigh = sagittal_angle_deg(_pt(pose, f"{side}_hip"), _pt(pose, f"{side}_knee"))
    shank = sagittal_angle_deg(_pt(pose, f"{side}_knee"), _pt(pose, f"{side}_ankle"))
    return shank - thigh


def _mean_sides(values: dict[str, float], key: str) -> dict[str, float]:
    out = {f"{key}_{side}": float(values[side]) for side in SIDES}
    out[key] = float(np.mean([values[side] for side in SIDES]))
    return out


def truth_values(m: GaitModel, spec: RunnerSpec) -> dict[str, float]:
    """Every true metric value of the run (see :mod:`gaitlab.synthetic.spec` for definitions)."""
    body = m.body
    leg, width = body.leg_length_m, body.pelvis_width_m
    stride, v = m.stride_s, m.belt_speed_m_s
    step = stride / 2
    contact = {side: m.contact_s[side] for side in SIDES}
    mean_contact = float(np.mean(list(contact.values())))
    out: dict[str, float] = {
        "cadence_spm": 120.0 / stride,
        "stride_time_ms": stride * 1000,
        "step_time_ms": step * 1000,
        "flight_time_ms": (step - mean_contact) * 1000,
        "duty_factor_pct": mean_contact / stride * 100,
    }
    out.update(_mean_sides({s: contact[s] * 1000 for s in SIDES}, "contact_time_ms"))

    grid = np.linspace(0.0, stride, DENSE_SAMPLES, endpoint=False)
    # the frontal-plane curves peak exactly at mid-stance: sample those instants too
    mid_stance = [m.first_strike_s[s] + contact[s] / 2 for s in SIDES]
    grid = np.sort(np.concatenate([grid, mid_stance, np.array(mid_stance) - stride / 2]) % stride)
    dense = pose_at(m, grid)
    mid = _hip_mid(dense)
    strike_t = np.array([m.first_strike_s[s] for s in SIDES])
    toe_off_t = strike_t + np.array([contact[s] for s in SIDES])
    at_strike = pose_at(m, strike_t)
    at_toe_off = pose_at(m, toe_off_t)

    per: dict[str, dict[str, float]] = {k: {} for k in _PER_SIDE_KEYS}
    for i, side in enumerate(SIDES):
        s1 = at_strike[i : i + 1]
        t1 = at_toe_off[i : i + 1]
        mid_s, mid_t = _hip_mid(s1)[0], _hip_mid(t1)[0]
        heel, knee, ankle = (_pt(s1, f"{side}_{p}")[0] for p in ("heel", "knee", "ankle"))
        toe = _pt(s1, f"{side}_foot_index")[0]
        per["overstride_leg"][side] = (heel[FWD] - mid_s[FWD]) / leg
        per["toe_off_behind_leg"][side] = (mid_t[FWD] - _pt(t1, f"{side}_foot_index")[0, FWD]) / leg
        per["knee_flexion_strike_deg"][side] = float(_knee_flexion_deg(s1, side)[0])
        per["knee_flexion_toe_off_deg"][side] = float(_knee_flexion_deg(t1, side)[0])
        per["shank_angle_strike_deg"][side] = -float(sagittal_angle_deg(knee, ankle))
        per["foot_angle_strike_deg"][side] = float(
            np.degrees(np.arctan2(toe[UP] - heel[UP], toe[FWD] - heel[FWD]))
        )
        thigh = sagittal_angle_deg(_pt(dense, f"{side}_hip"), _pt(dense, f"{side}_knee"))
        stance = m.in_stance(side, grid)
        thigh_to = float(sagittal_angle_deg(_pt(t1, f"{side}_hip"), _pt(t1, f"{side}_knee"))[0])
        per["hip_extension_deg"][side] = max(float(thigh[stance].max()), thigh_to)
        per["hip_extension_peak_deg"][side] = max(float(thigh.max()), thigh_to)
        per["knee_flexion_peak_stance_deg"][side] = float(
            _knee_flexion_deg(dense, side)[stance].max()
        )
        other = "right" if side == "left" else "left"
        hip_s, hip_o = _pt(dense, f"{side}_hip"), _pt(dense, f"{other}_hip")
        drop = np.degrees(
            np.arctan2(hip_s[:, UP] - hip_o[:, UP], np.abs(hip_s[:, LAT] - hip_o[:, LAT]))
        )
        per["pelvic_drop_deg"][side] = float(drop[stance].max())
        shoulder = 0.5 * (_pt(dense, "left_shoulder") + _pt(dense, "right_shoulder"))
        lean = np.degrees(
            np.arctan2(
                SIDE_SIGN[side] * (shoulder[:, LAT] - mid[:, LAT]), shoulder[:, UP] - mid[:, UP]
            )
        )
        per["trunk_lean_deg"][side] = float(lean[stance].max())
    for key, values in per.items():
        out.update(_mean_sides(values, key))

    shoulder = 0.5 * (_pt(dense, "left_shoulder") + _pt(dense, "right_shoulder"))
    out["trunk_forward_lean_deg"] = float(np.mean(sagittal_angle_deg(shoulder, mid)))
    out["vertical_oscillation_m"] = float(np.ptp(mid[:, UP]))
    out["vertical_oscillation_leg"] = out["vertical_oscillation_m"] / leg
    out["lateral_drift_pct"] = float(np.ptp(mid[:, LAT])) / width * 100
    heels = {s: _pt(at_strike[i : i + 1], f"{s}_heel")[0, LAT] for i, s in enumerate(SIDES)}
    out["step_width_leg"] = abs(heels["left"] - heels["right"]) / leg
    out["step_length_m"] = v * step
    out["step_length_leg"] = v * step / leg
    out["contact_length_leg"] = v * mean_contact / leg
    scale = px_per_m(spec)
    out.update(
        {
            "knee_valgus_deg": spec.knee_valgus_deg,
            "anterior_pelvic_tilt_deg": spec.anterior_pelvic_tilt_deg,
            "leg_length_m": leg,
            "pelvis_width_m": width,
            "height_m": body.height_m,
            "belt_speed_m_s": v,
            "px_per_m": scale,
            "leg_length_px": leg * scale,
            "pelvis_width_px": width * scale,
            "belt_speed_px_s": v * scale,
            "overground_speed_px_s": spec.overground_speed_px_s,
        }
    )
    return dict(sorted(out.items()))


_PER_SIDE_KEYS = (
    "overstride_leg",
    "toe_off_behind_leg",
    "knee_flexion_strike_deg",
    "knee_flexion_toe_off_deg",
    "knee_flexion_peak_stance_deg",
    "shank_angle_strike_deg",
    "foot_angle_strike_deg",
    "hip_extension_deg",
    "hip_extension_peak_deg",
    "pelvic_drop_deg",
    "trunk_lean_deg",
)
