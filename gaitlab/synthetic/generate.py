"""Generate a synthetic run: landmark tracks plus the truth they were made from.

:func:`generate_run` builds the motion (:mod:`gaitlab.synthetic.kinematics`), samples it at
``i / fps`` (clip time; gait time = clip time + ``phase_offset`` strides), films it
(:mod:`gaitlab.synthetic.camera`), measures the truth on the generated joints
(:mod:`gaitlab.synthetic.truth`) and finally adds the tracking imperfections
(:mod:`gaitlab.synthetic.imperfections`). :func:`cohort` samples many specs reproducibly.
"""

from __future__ import annotations

import dataclasses
from typing import Any, get_args

import numpy as np

from gaitlab.pose.tracks import PoseTracks
from gaitlab.synthetic.camera import project, visibility
from gaitlab.synthetic.imperfections import add_noise, blank_frames, burst_mask, swap_sides
from gaitlab.synthetic.kinematics import build_model, pose_at
from gaitlab.synthetic.spec import Facing, RunnerSpec, Side, Truth, View
from gaitlab.synthetic.truth import events_in_clip, truth_values

#: Shortest flight (ms) a spec may leave on either side: the flight arc joins the two stances.
MIN_FLIGHT_MS = 40.0


@dataclasses.dataclass(frozen=True)
class SyntheticRun:
    """A generated clip.

    Attributes
    ----------
    tracks
        What the pose stage would hand on: clean landmarks plus noise, dropouts and swaps.
    truth
        The true events and metric values (measured on the clean motion).
    clean_tracks
        The same clip without any imperfection.
    """

    tracks: PoseTracks
    truth: Truth
    clean_tracks: PoseTracks


def spec_problems(spec: RunnerSpec) -> list[str]:
    """Every reason the spec cannot be generated (empty list when it can)."""
    problems: list[str] = []

    def need(ok: bool, message: str) -> None:
        if not ok:
            problems.append(message)

    need(spec.cadence_spm > 0, "cadence_spm must be positive")
    need(spec.fps > 0, "fps must be positive")
    need(spec.duration_s > 0, "duration_s must be positive")
    need(spec.height_m > 0, "height_m must be positive")
    step_ms = 60000.0 / spec.cadence_spm if spec.cadence_spm > 0 else float("nan")
    longest = spec.contact_time_ms * (1 + abs(spec.contact_asymmetry_pct) / 200)
    need(
        spec.contact_time_ms > 0 and longest <= step_ms - MIN_FLIGHT_MS,
        f"contact_time_ms must be positive and each side's contact at least {MIN_FLIGHT_MS:.0f} "
        f"ms shorter than a step ({step_ms:.0f} ms at this cadence): the synthetic runner "
        "needs a flight phase",
    )
    need(abs(spec.contact_asymmetry_pct) < 100, "contact_asymmetry_pct must be within +-100")
    need(spec.view in get_args(View), f"view must be one of {get_args(View)}, got {spec.view!r}")
    need(
        spec.facing in get_args(Facing),
        f"facing must be one of {get_args(Facing)}, got {spec.facing!r}",
    )
    need(
        spec.near_side is None or spec.near_side in get_args(Side),
        f"near_side must be None or one of {get_args(Side)}, got {spec.near_side!r}",
    )
    need(
        spec.view == "side" or spec.near_side is None,
        "near_side applies to the side view only",
    )
    need(
        spec.view == "side" or spec.overground_speed_px_s == 0,
        "overground_speed_px_s applies to the side view only",
    )
    need(
        0 <= spec.knee_flexion_strike_deg < spec.knee_flexion_peak_stance_deg < 90,
        "knee flexion must satisfy 0 <= strike < peak stance < 90 degrees",
    )
    need(
        spec.knee_flexion_toe_off_deg is None or 0 <= spec.knee_flexion_toe_off_deg < 90,
        "knee_flexion_toe_off_deg must be None or in [0, 90)",
    )
    need(-45 <= spec.foot_angle_strike_deg <= 45, "foot_angle_strike_deg must be in [-45, 45]")
    need(-60 <= spec.foot_angle_toe_off_deg <= 0, "foot_angle_toe_off_deg must be in [-60, 0]")
    need(0 <= spec.hip_extension_deg < 40, "hip_extension_deg must be in [0, 40)")
    need(0 <= spec.touchdown_speed_m_s <= 3, "touchdown_speed_m_s must be in [0, 3]")
    need(0 <= spec.liftoff_speed_m_s <= 3, "liftoff_speed_m_s must be in [0, 3]")
    need(-0.1 < spec.overstride_leg < 0.5, "overstride_leg must be in (-0.1, 0.5)")
    need(abs(spec.trunk_forward_lean_deg) < 45, "trunk_forward_lean_deg must be within +-45")
    need(abs(spec.trunk_lean_deg) < 30, "trunk_lean_deg must be within +-30")
    need(abs(spec.pelvic_drop_deg) < 30, "pelvic_drop_deg must be within +-30")
    need(abs(spec.knee_valgus_deg) < 45, "knee_valgus_deg must be within +-45")
    need(0 <= spec.lateral_drift_pct < 200, "lateral_drift_pct must be in [0, 200)")
    need(0 <= spec.vertical_oscillation_leg < 0.5, "vertical_oscillation_leg must be in [0, 0.5)")
    need(spec.belt_speed_m_s is None or spec.belt_speed_m_s > 0, "belt_speed_m_s must be positive")
    need(spec.width_px > 0 and spec.height_px > 0, "width_px and height_px must be positive")
    need(0 < spec.body_height_frac <= 2, "body_height_frac must be in (0, 2]")
    need(
        spec.camera_distance_m is None or spec.camera_distance_m > 1.0,
        "camera_distance_m must be None or more than 1 m",
    )
    need(spec.noise_px >= 0 and spec.noise_world_m >= 0, "noise must not be negative")
    need(0 <= spec.dropout_frac < 1 and 0 <= spec.swap_frac < 1, "shares must be in [0, 1)")
    need(
        spec.dropout_burst_frames >= 1 and spec.swap_burst_frames >= 1,
        "burst lengths must be at least 1 frame",
    )
    return problems


def generate_run(spec: RunnerSpec) -> SyntheticRun:
    """Generate the landmark tracks of a synthetic runner and the truth behind them.

    Parameters
    ----------
    spec
        The runner, camera and tracking imperfections.

    Returns
    -------
    SyntheticRun
        ``tracks`` (with imperfections), ``truth`` and ``clean_tracks``.

    Raises
    ------
    ValueError
        If the spec is inconsistent (every problem is listed in the message).
    """
    problems = spec_problems(spec)
    if problems:
        raise ValueError("Invalid RunnerSpec: " + "; ".join(problems) + ".")
    model = build_model(spec)
    n_frames = round(spec.duration_s * spec.fps)
    time_s = np.arange(n_frames) / spec.fps
    points = pose_at(model, time_s + spec.phase_offset * model.stride_s)
    image, world = project(spec, points, time_s)
    vis, presence = visibility(spec, n_frames)
    clean = PoseTracks(
        time_s=time_s,
        image_xy_px=image,
        world_xyz_m=world,
        visibility=vis,
        presence=presence,
        fps=float(spec.fps),
        width_px=int(spec.width_px),
        height_px=int(spec.height_px),
        meta={"source": "synthetic", "synthetic_spec": dataclasses.asdict(spec)},
    )
    rng = np.random.default_rng(spec.seed)
    dropped = burst_mask(n_frames, spec.dropout_frac, spec.dropout_burst_frames, rng)
    swapped = burst_mask(n_frames, spec.swap_frac, spec.swap_burst_frames, rng) & ~dropped
    tracks = swap_sides(clean, swapped)
    if spec.noise_px > 0 or spec.noise_world_m > 0:
        tracks = add_noise(tracks, spec.noise_px, spec.noise_world_m, rng)
    tracks = blank_frames(tracks, dropped)
    truth = Truth(
        spec=spec,
        events=events_in_clip(model, spec.phase_offset, float(time_s[-1]) if n_frames else 0.0),
        values=truth_values(model, spec),
        swapped_frames=swapped,
        dropped_frames=dropped,
    )
    return SyntheticRun(tracks=tracks, truth=truth, clean_tracks=clean)


def cohort(n: int, seed: int, **ranges: Any) -> list[RunnerSpec]:
    """``n`` runner specs sampled reproducibly.

    Parameters
    ----------
    n
        Number of specs.
    seed
        Seed of the sampler; each spec also gets its own ``seed`` drawn from it (for noise).
    **ranges
        For any :class:`RunnerSpec` field: a ``(low, high)`` tuple of numbers samples uniformly
        (integers for integer fields, both ends included), a list samples one of its items,
        anything else is used as it is. Fields not named keep their defaults.

    Returns
    -------
    list of RunnerSpec

    Examples
    --------
    >>> specs = cohort(20, seed=1, pelvic_drop_deg=(0.0, 10.0), view="rear")
    """
    fields = {f.name: f for f in dataclasses.fields(RunnerSpec)}
    unknown = sorted(set(ranges) - set(fields))
    if unknown:
        raise ValueError(
            f"Unknown RunnerSpec field(s) {unknown}; allowed fields are {sorted(fields)}."
        )
    rng = np.random.default_rng(seed)
    specs = []
    for _ in range(n):
        values: dict[str, Any] = {}
        for name, rule in ranges.items():
            values[name] = _sample(rule, isinstance(fields[name].default, int), rng)
        values.setdefault("seed", int(rng.integers(0, 2**31 - 1)))
        specs.append(RunnerSpec(**values))
    return specs


def _sample(rule: Any, integer: bool, rng: np.random.Generator) -> Any:
    if isinstance(rule, tuple) and len(rule) == 2 and all(_is_number(r) for r in rule):
        low, high = rule
        if integer:
            return int(rng.integers(int(low), int(high) + 1))
        return float(rng.uniform(low, high))
    if isinstance(rule, list):
        return rule[int(rng.integers(len(rule)))]
    return rule


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)
