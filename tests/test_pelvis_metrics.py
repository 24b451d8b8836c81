"""Pelvic drop and tilt from sticker tracks: standing phase, per-stance and per-stride values."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from gaitlab.markers.model import MarkerTrack, MarkerTracks
from gaitlab.markers.standing import find_standing
from gaitlab.metrics.pelvis import lowpass_runs, measure_pelvis, stance_drops, stride_tilts
from gaitlab.pose.tracks import PoseTracks

FPS = 60.0
STRIDE_S = 0.7
CONTACT_S = 0.25


def _gait(duration_s: float, start_s: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stances and strides: right strike at start_s + k * stride, left half a stride later."""
    stances, strides = [], []
    for side, offset in (("right", 0.0), ("left", STRIDE_S / 2)):
        t = start_s + offset
        while t + STRIDE_S <= duration_s:
            row = {"side": side, "foot_strike_s": t, "toe_off_s": t + CONTACT_S, "usable": True}
            stances.append(row)
            strides.append({**row, "start_s": t, "end_s": t + STRIDE_S})
            t += STRIDE_S
    return pd.DataFrame(stances), pd.DataFrame(strides)


def _drop_signal(t: np.ndarray, stances: pd.DataFrame, peaks: dict[str, float]) -> np.ndarray:
    """Obliquity (+ = right side higher): a sine bump toward the swing side in each stance."""
    ob = np.zeros_like(t)
    for _, s in stances.iterrows():
        inside = (t >= s["foot_strike_s"]) & (t <= s["toe_off_s"])
        bump = np.sin(np.pi * (t[inside] - s["foot_strike_s"]) / CONTACT_S)
        ob[inside] += (1 if s["side"] == "right" else -1) * peaks[s["side"]] * bump
    return ob


def _rear_tracks(t: np.ndarray, obliquity_deg: np.ndarray, offset_deg: float, roll_deg: float):
    """Two PSIS stickers 40 px apart whose line has the given angle (+ = right side higher)."""
    a = np.radians(obliquity_deg + offset_deg + roll_deg)
    centre = np.array([320.0, 400.0])
    half = 20.0 * np.stack([np.cos(a), -np.sin(a)], axis=1)  # image y grows downward
    n = t.size

    def track(name, c):
        return MarkerTrack(name, c, np.full(n, 5.0), np.ones(n), (0, 200, 0), "green")

    return MarkerTracks(
        time_s=t,
        markers={
            "psis_left": track("psis_left", centre - half),
            "psis_right": track("psis_right", centre + half),
        },
        layout="rear",
        near_side=None,
        width_px=640,
        height_px=720,
        frames_with_pose=n,
    )


def test_drop_per_stance_with_standing_phase_placement_offset_and_roll():
    # 2 s standing, then running; stickers 6 deg off level (placement) and a 4 deg camera roll
    t = np.arange(0, 10, 1 / FPS)
    stances, strides = _gait(10.0, start_s=3.0)
    ob = _drop_signal(t, stances, {"left": 9.0, "right": 5.0})
    markers = _rear_tracks(t, ob, offset_deg=6.0, roll_deg=4.0)
    m = measure_pelvis(
        markers,
        strides,
        fps=FPS,
        cutoff_hz=12.0,
        min_coverage=0.8,
        standing_frames=slice(0, int(2 * FPS)),
    )
    assert m.reference == "standing"
    peaks = m.drops.groupby("side")["peak_deg"].mean()
    assert peaks["left"] == pytest.approx(9.0, abs=0.15)
    assert peaks["right"] == pytest.approx(5.0, abs=0.15)
    # without a standing phase the offset and roll still go (stride mean), the sides' mean stays
    m2 = measure_pelvis(markers, strides, fps=FPS, cutoff_hz=12.0, min_coverage=0.8)
    assert m2.reference == "stride_mean"
    mean2 = m2.drops.groupby("side")["peak_deg"].mean().mean()
    assert mean2 == pytest.approx(7.0, abs=0.3)


def test_a_stance_with_a_missing_sticker_is_not_counted():
    t = np.arange(0, 6, 1 / FPS)
    stances, _ = _gait(6.0)
    ob = _drop_signal(t, stances, {"left": 6.0, "right": 6.0})
    ob[(t > stances.iloc[0]["foot_strike_s"]) & (t < stances.iloc[0]["toe_off_s"])] = np.nan
    drops = stance_drops(ob, t, stances, reference_deg=0.0, min_coverage=0.8)
    assert len(drops) == len(stances) - 1
    assert np.allclose(drops["peak_deg"], 6.0, atol=0.05)


def test_tilt_per_stride():
    t = np.arange(0, 5, 1 / FPS)
    _, strides = _gait(5.0)
    tilt = 14.0 + 3.0 * np.cos(4 * np.pi * t / STRIDE_S)  # two oscillations per stride, 6 deg range
    out = stride_tilts(tilt, t, strides, side="left", min_coverage=0.8)
    assert len(out) == (strides["side"] == "left").sum()
    assert np.allclose(out["range_deg"], 6.0, atol=0.1)
    assert np.allclose(out["mean_deg"], 14.0, atol=0.1)


def test_lowpass_leaves_gaps_missing():
    x = np.sin(np.linspace(0, 6, 200))[:, None].repeat(2, axis=1)
    x[90:95] = np.nan
    y = lowpass_runs(x, 60.0, 8.0)
    assert np.isnan(y[90:95]).all()
    assert np.isfinite(y[:90]).all() and np.isfinite(y[95:]).all()


def test_standing_phase_found_from_the_pose():
    p = PoseTracks.load_npz("tests/data/male_side.tracks.npz")
    assert (
        find_standing(
            p.time_s, p.image_xy_px, min_duration_s=1.5, max_start_s=4.0, max_speed_leg_per_s=0.25
        )
        is None
    )
    lm = p.image_xy_px.copy()
    rng = np.random.default_rng(0)
    lm[:120] = lm[0] + rng.normal(0, 1.5, lm[:120].shape)  # 4 s standing (1.5 px jitter)
    phase = find_standing(
        p.time_s, lm, min_duration_s=1.5, max_start_s=4.0, max_speed_leg_per_s=0.25
    )
    assert phase is not None
    assert phase.start_s < 0.5
    assert 3.3 <= phase.stop_s <= 3.9
    assert math.isclose(phase.duration_s, phase.stop_s - phase.start_s)


def test_pooled_clips_count_their_stances_together():
    from gaitlab.metrics.pelvis import pool_pelvis

    t = np.arange(0, 10, 1 / FPS)
    stances, strides = _gait(10.0)
    members = []
    for peak, offset in ((5.0, 3.0), (9.0, -4.0)):  # two clips, stickers placed differently
        ob = _drop_signal(t, stances, {"left": peak, "right": peak})
        markers = _rear_tracks(t, ob, offset_deg=offset, roll_deg=0.0)
        m = measure_pelvis(markers, strides, fps=FPS, cutoff_hz=12.0, min_coverage=0.8)
        members.append((markers, m))
    pooled = pool_pelvis(members, view="rear", min_per_side=7, clip="a + b")
    drop = pooled["pelvic_drop_deg"]
    assert drop.value == pytest.approx(7.0, abs=0.3)
    assert drop.n_strides == sum(len(m.drops) for _, m in members)
    assert drop.clip == "a + b"
    # a clip without stickers: the pooled metrics are missing, and say why
    empty = dataclasses.replace(members[0][0], markers={}, layout="none", looked_for=())
    missing = pool_pelvis([members[0], (empty, None)], view="rear", min_per_side=7, clip="a + c")
    assert missing["pelvic_drop_deg"].value is None and missing["pelvic_drop_deg"].reason
