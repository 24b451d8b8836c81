"""The hip-tightness rule on a synthetic cohort: synthetic consistency, not clinical accuracy.

200 synthetic side-view runners (fixed seeds) whose hip extension, step length, overstride and
anterior pelvic tilt are sampled continuously across their thresholds, filmed with noise,
dropped frames, left/right swaps and a camera rolled by up to 5 degrees, run through the real
pipeline (view -> clean -> events -> strides -> sagittal metrics -> finding). The rule applied
to the *true* values is the reference: the question is whether the measured finding agrees
with it, by how far the truth lies from the thresholds. It says nothing about whether the rule
is right about people. The reference verdict is written here from the rule itself
(:data:`REFERENCE_RULE`), apart from the package's threshold code; a test checks that the
shipped settings state the same rule.

The margins and the least agreement were set on the cohort of seed :data:`SEED`; a smaller
cohort of other seeds (:data:`HELD_OUT_SEED`), never looked at when they were set, must meet
them too.

``benchmarks/cohort_hip_tightness.py`` runs the same cohort and writes the table.
"""

from __future__ import annotations

import operator
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gaitlab.config import FindingsSettings, load_defaults
from gaitlab.events import columns as C
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import stride_table
from gaitlab.findings.framework import assess_pattern
from gaitlab.metrics.sagittal import sagittal_metrics
from gaitlab.pose.body import leg_length_px
from gaitlab.signals.clean import clean
from gaitlab.signals.view import classify_view
from gaitlab.synthetic import SyntheticRun, cohort, generate_run, spec_problems

N_RUNNERS = 200
SEED = 2026
#: Held-out runners: sampled from seeds the margins below were not set on (the fitted cohort
#: uses SEED, SEED + 1, ... batch after batch), and few, to stay quick.
HELD_OUT_SEED = 90_210
N_HELD_OUT = 40
#: The hip-tightness rule as the article states it, written apart from the package: hip
#: extension below 10 deg or a step shorter than 0.9 leg lengths, or, measured with skin
#: stickers, the pelvis tipping forward more than 10 deg beyond its standing tilt (any primary
#: sign flags); the heel far ahead of the hips is an observation that never flags.
REFERENCE_RULE: dict[str, tuple[str, float, str]] = {
    "hip_extension_deg": ("<", 10.0, "primary"),
    "step_length_leg": ("<", 0.9, "primary"),
    "foot_strike_ahead_leg": (">", 0.3, "observation"),
    "pelvic_tilt_change_deg": (">", 10.0, "primary"),
}
REFERENCE_MIN_PRIMARY = 1
_COMPARE = {"<": operator.lt, ">": operator.gt}
#: Every runner: 8 s of running (about 10 strides per side at 150-185 steps/min, so the
#: 7-steps-per-side minimum is met after edges and dropped frames), at 30 or 60 fps.
COHORT_RANGES: dict[str, Any] = dict(
    duration_s=8.0,
    fps=[30.0, 60.0],
    phase_offset=(0.0, 1.0),
    facing=["left", "right"],
    # the signs, across their thresholds
    hip_extension_deg=(2.0, 20.0),
    overstride_leg=(0.05, 0.45),
    anterior_pelvic_tilt_deg=(5.0, 35.0),
    contact_time_ms=(200.0, 300.0),  # with cadence, sets step length across 0.9 leg lengths
    cadence_spm=(150.0, 185.0),
    # the rest of the runner
    foot_angle_strike_deg=(-10.0, 20.0),
    trunk_forward_lean_deg=(0.0, 15.0),
    knee_flexion_strike_deg=(5.0, 25.0),
    knee_flexion_peak_stance_deg=(32.0, 50.0),
    height_m=(1.55, 1.95),
    body_height_frac=(0.45, 0.75),
    # the camera and the tracker
    camera_roll_deg=(-5.0, 5.0),
    noise_px=(0.0, 3.0),
    dropout_frac=(0.0, 0.05),
    swap_frac=(0.0, 0.03),
)

#: Per sign: the band edges (signed distance of the true value from the threshold, in the
#: sign's unit) over which agreement is tabulated, and the margin beyond which the measured
#: sign must agree with the truth. Margins follow the measured error of each metric in this
#: cohort (largest error; 95th percentile in brackets): hip extension 4.1 deg (2.8), almost
#: all of it the camera roll left inside the 2 deg dead zone; step length 0.025 (0.012) leg
#: lengths; heel ahead of the hips at strike 0.15 (0.09) leg lengths, event timing plus roll.
BANDS: dict[str, tuple[float, ...]] = {
    "hip_extension_deg": (-6.0, -3.0, -1.0, 1.0, 3.0, 6.0),
    "step_length_leg": (-0.2, -0.05, -0.02, 0.02, 0.05, 0.2),
    "foot_strike_ahead_leg": (-0.2, -0.1, -0.05, 0.05, 0.1, 0.2),
}
MARGIN: dict[str, float] = {
    "hip_extension_deg": 3.0,
    "step_length_leg": 0.05,
    "foot_strike_ahead_leg": 0.1,
}
#: The synthetic truth's name for each measured metric.
TRUTH_KEY: dict[str, str] = {
    "hip_extension_deg": "hip_extension_deg",
    "step_length_leg": "step_length_leg",
    "foot_strike_ahead_leg": "overstride_leg",
    "pelvic_tilt_change_deg": "anterior_pelvic_tilt_deg",
}
#: Signs that need skin stickers: a landmark-only synthetic runner never measures them, so
#: the rule applied to the truth leaves them out as the measured finding does.
STICKER_SIGNS: frozenset[str] = frozenset({"pelvic_tilt_change_deg"})
PRIMARY: tuple[str, ...] = ("hip_extension_deg", "step_length_leg")
#: Least agreement required (the test fails below it).
MIN_AGREEMENT_CLEAR = 0.9


def candidate_specs(seed: int = SEED):
    """Specs sampled with a fixed seed, batch after batch, without the ones the synthetic
    runner refuses outright (e.g. a contact too long for the cadence to leave a flight)."""
    batch = 0
    while True:
        for spec in cohort(N_RUNNERS, seed=seed + batch, **COHORT_RANGES):
            if not spec_problems(spec):
                yield spec
        batch += 1


def run_cohort_seeds(n: int, seed: int) -> list[int]:
    """The noise seeds of the first ``n`` candidate specs (a superset of a cohort's runners)."""
    specs = candidate_specs(seed)
    return [next(specs).seed for _ in range(2 * n)]


def run_runner(run: SyntheticRun, findings_cfg: FindingsSettings) -> dict[str, Any]:
    """One runner through the pipeline; truth, measured values and both verdicts."""
    spec = run.truth.spec
    view = classify_view(run.tracks)
    tracks = clean(run.tracks, view=view.label if view.label != "unsuitable" else None).tracks
    strides = stride_table(detect_contacts(tracks), tracks)
    min_steps = findings_cfg.min_steps_per_side
    metrics = sagittal_metrics(
        tracks,
        strides,
        facing=view.facing or "left",
        leg_px=leg_length_px(tracks),
        min_per_side=min_steps,
    )
    ok = strides[strides[C.USABLE]]
    steps = {side: int((ok[C.SIDE] == side).sum()) for side in ("left", "right")}
    pattern_cfg = findings_cfg.hip_tightness
    finding = assess_pattern(
        "hip_tightness",
        views=[view.label],
        metrics=metrics,
        pattern_cfg=pattern_cfg,
        steps_per_side=steps,
        min_steps_per_side=min_steps,
    )
    truth = run.truth.values
    row: dict[str, Any] = {
        "seed": spec.seed,
        "fps": spec.fps,
        "facing": spec.facing,
        "roll_deg": spec.camera_roll_deg,
        "roll_found_deg": metrics["camera_roll_deg"].value,
        "noise_px": spec.noise_px,
        "view": view.label,
        "status": finding.status,
    }
    evidence = {e.metric: e for e in finding.evidence}
    true_primary = []
    for metric, (comparison, threshold, role) in REFERENCE_RULE.items():
        true_value = float(truth[TRUTH_KEY[metric]])
        true_met = bool(_COMPARE[comparison](true_value, threshold))
        row[f"{metric}:true"] = true_value
        row[f"{metric}:measured"] = evidence[metric].value
        row[f"{metric}:true_met"] = true_met
        row[f"{metric}:met"] = evidence[metric].met
        row[f"{metric}:threshold"] = threshold
        if role == "primary" and metric not in STICKER_SIGNS:
            true_primary.append(true_met)
    row["true_flagged"] = sum(true_primary) >= REFERENCE_MIN_PRIMARY
    row["flagged"] = finding.status == "flagged"
    return row


def run_cohort(n: int = N_RUNNERS, seed: int = SEED) -> pd.DataFrame:
    """The first ``n`` generatable runners' rows (see :func:`run_runner`), in sampling order.

    Specs whose stance poses the motion model cannot join (``ValueError``) are passed over;
    ``DataFrame.attrs["refused"]`` counts them.
    """
    cfg = load_defaults().findings
    rows, refused = [], 0
    for spec in candidate_specs(seed):
        if len(rows) == n:
            break
        try:
            run = generate_run(spec)
        except ValueError:
            refused += 1
            continue
        rows.append(run_runner(run, cfg))
    out = pd.DataFrame(rows)
    out.attrs["refused"] = refused
    return out


def band_label(distance: float, edges: tuple[float, ...]) -> str:
    """The band of a signed distance from the threshold, e.g. ``"[-3, -1)"``."""
    k = int(np.searchsorted(edges, distance, side="right"))
    lo = f"{edges[k - 1]:g}" if k > 0 else "-inf"
    hi = f"{edges[k]:g}" if k < len(edges) else "+inf"
    return f"[{lo}, {hi})"


def sign_table(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Agreement of one sign with the truth, per band of the true value's distance from the
    threshold: n, sensitivity (measured met among truly met), specificity, unmeasured."""
    d = df[f"{metric}:true"] - df[f"{metric}:threshold"]
    band = [band_label(x, BANDS[metric]) for x in d]
    rows = []
    order = {band_label(e - 1e-9, BANDS[metric]): i for i, e in enumerate(BANDS[metric])}
    order[band_label(np.inf, BANDS[metric])] = len(BANDS[metric])
    for label, sub in df.groupby(pd.Series(band, index=df.index), sort=False):
        rows.append(_agreement(sub, f"{metric}:true_met", f"{metric}:met") | {"band": label})
    out = pd.DataFrame(rows)
    out["_o"] = out["band"].map(order)
    return out.sort_values("_o").drop(columns="_o").set_index("band")


def finding_table(df: pd.DataFrame) -> pd.DataFrame:
    """Agreement of the finding (flagged or not) with the rule applied to the truth, for
    runners clear of every primary threshold and for the rest; insufficient evidence counts
    as a miss (its share is shown)."""
    clear = np.ones(len(df), dtype=bool)
    for metric in PRIMARY:
        d = (df[f"{metric}:true"] - df[f"{metric}:threshold"]).abs()
        clear &= (d >= MARGIN[metric]).to_numpy()
    rows = []
    for label, sel in (("clear of the thresholds", clear), ("near a threshold", ~clear)):
        sub = df[sel]
        rows.append(_agreement(sub, "true_flagged", "flagged", status=True) | {"runners": label})
    rows.append(_agreement(df, "true_flagged", "flagged", status=True) | {"runners": "all"})
    return pd.DataFrame(rows).set_index("runners")


def _agreement(sub: pd.DataFrame, true_col: str, met_col: str, *, status: bool = False) -> dict:
    truth = sub[true_col].astype(bool)
    met = sub[met_col]
    measured = met.notna() if not status else sub["status"].isin(["flagged", "not_flagged"])
    hit = met.fillna(False).astype(bool)
    pos, neg = truth, ~truth
    return {
        "n": len(sub),
        "truly_met": int(pos.sum()),
        "sensitivity": float((hit & pos).sum() / pos.sum()) if pos.any() else np.nan,
        "specificity": float((~hit & neg & measured).sum() / neg.sum()) if neg.any() else np.nan,
        "not_measured": float((~measured).mean()) if len(sub) else np.nan,
    }


def summary_tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every table of the cohort, by title."""
    return {
        "finding (hip_tightness flagged)": finding_table(df),
        "sign: hip_extension_deg < 10 (primary)": sign_table(df, "hip_extension_deg"),
        "sign: step_length_leg < 0.9 (primary)": sign_table(df, "step_length_leg"),
        "sign: foot_strike_ahead_leg > 0.3 (observation)": sign_table(df, "foot_strike_ahead_leg"),
    }


# ----------------------------------------------------------------------------- tests
@pytest.fixture(scope="module")
def cohort_rows() -> pd.DataFrame:
    return run_cohort()


@pytest.fixture(scope="module")
def held_out_rows() -> pd.DataFrame:
    return run_cohort(N_HELD_OUT, seed=HELD_OUT_SEED)


def test_the_shipped_settings_state_the_reference_rule():
    """The reference is the article's rule; the settings must say the same (a changed
    threshold is a changed rule, and this cohort's reference with it)."""
    path = Path(__file__).resolve().parents[1] / "gaitlab" / "config" / "defaults.toml"
    shipped = tomllib.loads(path.read_text(encoding="utf-8"))["findings"]["hip_tightness"]
    signs = {
        name: (sign["comparison"], sign["threshold"], sign["role"])
        for name, sign in shipped["signs"].items()
    }
    assert signs == REFERENCE_RULE
    assert shipped["min_primary_met"] == REFERENCE_MIN_PRIMARY
    assert {s.metric for s in load_defaults().findings.hip_tightness.signs} == set(REFERENCE_RULE)


def test_cohort_is_large_and_spans_every_threshold(cohort_rows: pd.DataFrame):
    df = cohort_rows
    assert len(df) == N_RUNNERS
    for metric, margin in MARGIN.items():
        d = df[f"{metric}:true"] - df[f"{metric}:threshold"]
        assert (d <= -margin).sum() >= 20 and (d >= margin).sum() >= 20, metric
    tilt = df["pelvic_tilt_change_deg:true"]
    assert tilt.min() < 10 < tilt.max()
    assert df["roll_deg"].abs().max() > 4.5


def _check_finding_away_from_the_thresholds(df: pd.DataFrame, min_clear: int) -> None:
    table = finding_table(df)
    clear = table.loc["clear of the thresholds"]
    assert clear["n"] >= min_clear, table
    # synthetic consistency: the measured finding agrees with the rule applied to the truth
    assert clear["sensitivity"] >= MIN_AGREEMENT_CLEAR, table
    assert clear["specificity"] >= MIN_AGREEMENT_CLEAR, table
    # and the pipeline rarely fails to judge at all
    assert table.loc["all", "not_measured"] <= 0.05, table


def _check_sign_beyond_its_margin(df: pd.DataFrame, metric: str, min_each: int) -> None:
    d = df[f"{metric}:true"] - df[f"{metric}:threshold"]
    beyond = d.abs() >= MARGIN[metric]
    truly_met = df[f"{metric}:true_met"].astype(bool)
    met = df[f"{metric}:met"]
    pos, neg = beyond & truly_met, beyond & ~truly_met
    assert pos.sum() >= min_each and neg.sum() >= min_each, (pos.sum(), neg.sum())
    sensitivity = met[pos].eq(True).mean()  # unmeasured (None) counts as a miss
    specificity = met[neg].eq(False).mean()
    assert sensitivity >= MIN_AGREEMENT_CLEAR, sign_table(df, metric)
    assert specificity >= MIN_AGREEMENT_CLEAR, sign_table(df, metric)


def test_finding_agrees_with_the_truth_away_from_the_thresholds(cohort_rows: pd.DataFrame):
    _check_finding_away_from_the_thresholds(cohort_rows, min_clear=80)


@pytest.mark.parametrize("metric", list(MARGIN))
def test_each_sign_agrees_beyond_its_margin(cohort_rows: pd.DataFrame, metric: str):
    _check_sign_beyond_its_margin(cohort_rows, metric, min_each=20)


def test_held_out_runners_meet_the_margins_set_on_the_cohort(held_out_rows: pd.DataFrame):
    """The margins and the least agreement, on runners they were not set on."""
    df = held_out_rows
    assert len(df) == N_HELD_OUT
    assert not set(df["seed"]) & set(run_cohort_seeds(N_RUNNERS, SEED))
    _check_finding_away_from_the_thresholds(df, min_clear=15)
    for metric in MARGIN:
        # too few runners for sensitivity and specificity apart (short steps are rare in the
        # ranges): the share of runners beyond the margin whose measured sign is the truth's
        d = df[f"{metric}:true"] - df[f"{metric}:threshold"]
        beyond = df[d.abs() >= MARGIN[metric]]
        agree = beyond[f"{metric}:met"].eq(beyond[f"{metric}:true_met"].astype(bool))
        assert len(beyond) >= 20 and beyond[f"{metric}:true_met"].any(), metric
        assert agree.mean() >= MIN_AGREEMENT_CLEAR, sign_table(df, metric)


def test_tilt_is_never_measured_and_never_decides(cohort_rows: pd.DataFrame):
    df = cohort_rows
    assert df["pelvic_tilt_change_deg:measured"].isna().all()
    assert df["pelvic_tilt_change_deg:met"].isna().all()
    # the finding is the primary signs' verdict whatever the true tilt
    judged = df[df["status"].isin(["flagged", "not_flagged"])]
    primary_met = judged["hip_extension_deg:met"].fillna(False) | judged[
        "step_length_leg:met"
    ].fillna(False)
    assert (judged["flagged"] == primary_met.astype(bool)).all()


def test_overstriding_alone_never_flags(cohort_rows: pd.DataFrame):
    df = cohort_rows
    only_overstride = (
        df["foot_strike_ahead_leg:met"].fillna(False).astype(bool)
        & ~df["hip_extension_deg:met"].fillna(False).astype(bool)
        & ~df["step_length_leg:met"].fillna(False).astype(bool)
    )
    assert only_overstride.sum() >= 5  # the case occurs in the cohort
    assert not df.loc[only_overstride, "flagged"].any()
