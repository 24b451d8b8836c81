"""Foot contacts of a side view, found as footprints in the runner's own frame.

Why this way
------------
Measured against hand labels of real footage (``benchmarks/events_real.py``), the moment a
MediaPipe foot landmark comes to rest or leaves its rest cannot be timed to better than 1-1.7
frames (sd) on a 30 fps phone clip: the landmarks wander by 1-2% of a leg length while the foot
is planted, and the foot arrives at and leaves the ground tangentially. The foot's *velocity
relative to the pelvis* is a large, smooth signal, and where it crosses a fixed share of the
running speed is timed to about 0.5 frame (sd). And relative to the pelvis, in leg lengths of
the moment (:mod:`gaitlab.events.frame`), neither a panning camera nor a runner changing size
changes it.

Method
------
1. **Forward position and velocity.** ``u(t)``: how far each foot (mean of heel, ankle and toe)
   is ahead of the pelvis, in leg lengths; ``v(t)``: its slope over a window of
   ``velocity_window_step`` steps (the step period from the feet's alternation,
   :func:`gaitlab.events.frame.step_time_s`). On the ground a foot moves backward past the
   pelvis at the running speed: ``v = g(t)``, the *ground velocity* (negative).
2. **Stances.** Where a foot track's ``v`` is below ``departure_share * g``, that track is on
   the ground. ``g`` starts as a rolling median of the lower of the two feet's velocities and
   is then re-measured per contact (median ``v`` over the middle half of each contact,
   interpolated in time between contacts), three times.
3. **Footprints.** Integrating ``g`` gives a frame fixed to the ground, in which a planted foot
   stays put: its *footprint* (the median ground position of the samples). Stance samples of
   *either* landmark label at the same footprint (within ``footprint_tolerance_leg``), less
   than ``join_gap_step`` steps apart, are one contact. So a left/right swap, or the swing leg
   drawn on the stance leg for a frame, neither splits a contact nor makes a second one: the
   other label standing on the same footprint joins the same contact. Contacts shorter than
   ``min_contact_share`` of the median contact are dropped, and of two contacts at once (one
   foot at a time in running) the longer is kept.
4. **Events.** The foot strike is where ``v`` first falls through ``departure_share * g`` at
   the contact's start, plus ``strike_shift_step`` steps; the toe-off is where it last rises
   through it at the contact's end, plus ``toe_off_shift_step`` steps (each on the label that
   is on the footprint there, crossing interpolated between frames). The shifts are in steps,
   so that a clip in slow motion (longer steps in clip time) keeps them right.
5. **Sides.** Contacts alternate feet. Within a run of contacts less than 1.6 steps apart, the
   sides alternate, and which foot comes first is voted by the pose model's labels (each
   contact votes with its frames per label). A swap of the model's labels over whole strides
   therefore does not mislabel those strides unless it lasts most of the run.

Accuracy (labelled real events, ``benchmarks/results/events_real.md``) and on the rendered
runners (``benchmarks/render/RESULTS_events.md``) are written in those files and in the README.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import pandas as pd
from scipy.ndimage import median_filter

from gaitlab.config import SideEventSettings
from gaitlab.events import columns as C
from gaitlab.events.frame import FOOT_POINT, forward_leg, leg_scale_px, slope_per_s, step_time_s
from gaitlab.pose.landmarks import SIDES
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.runs import true_runs

#: Refinements of the ground velocity (each re-finds the contacts with the last estimate).
N_ITERATIONS: int = 3
#: The first ground-velocity estimate is a rolling median over this many steps.
GROUND_WINDOW_STEPS: float = 3.0
#: Contacts further apart than this many steps start a new run for the side assignment.
MAX_STEP_GAP_STEPS: float = 1.6
#: A stance run may join any of this many most recent contacts (a swap can interleave them).
JOIN_LOOKBACK: int = 3


@dataclasses.dataclass(frozen=True)
class Stance:
    """Samples ``start:stop`` where one landmark label moves with the ground."""

    label: str
    start: int
    stop: int
    footprint_leg: float


@dataclasses.dataclass
class Contact:
    """One foot on the ground: the stance runs (of either label) at one footprint."""

    start: int
    stop: int
    footprint_leg: float
    pieces: list[Stance]

    @property
    def n_samples(self) -> int:
        return self.stop - self.start

    def add(self, piece: Stance) -> None:
        """Join a stance run; the footprint becomes the length-weighted mean."""
        self.pieces.append(piece)
        self.start, self.stop = min(self.start, piece.start), max(self.stop, piece.stop)
        w = np.array([p.stop - p.start for p in self.pieces], dtype=float)
        f = np.array([p.footprint_leg for p in self.pieces])
        self.footprint_leg = float(np.sum(w * f) / np.sum(w))

    def vote(self) -> int:
        """Samples labelled left minus samples labelled right."""
        return sum((p.stop - p.start) * (1 if p.label == "left" else -1) for p in self.pieces)


@dataclasses.dataclass(frozen=True)
class Motion:
    """The forward position and velocity of both feet, and the clip's step period."""

    forward_leg: dict[str, np.ndarray]
    velocity_leg_s: dict[str, np.ndarray]
    strike_velocity_leg_s: dict[str, np.ndarray]
    toe_off_velocity_leg_s: dict[str, np.ndarray]
    step_s: float
    half: int
    fps: float

    @property
    def step_frames(self) -> float:
        """The step period in frames."""
        return self.step_s * self.fps


def foot_motion(
    tracks: PoseTracks, *, facing: Literal["left", "right"], settings: SideEventSettings
) -> Motion | None:
    """Forward positions and velocities of both feet (None when no step rhythm is found)."""
    t = tracks.time_s
    scale = leg_scale_px(tracks, window_s=settings.scale_window_s)
    fwd = {s: forward_leg(tracks, s, facing=facing, scale_px=scale) for s in SIDES}
    step = step_time_s(t, fwd, range_s=settings.step_time_range_s)
    if not np.isfinite(step):
        return None
    half = max(1, round(settings.velocity_window_step * step * tracks.fps))
    vel = {s: slope_per_s(t, fwd[s], half) for s in SIDES}

    def velocity(parts: tuple[str, ...]) -> dict[str, np.ndarray]:
        if tuple(parts) == FOOT_POINT:
            return vel
        return {
            s: slope_per_s(
                t, forward_leg(tracks, s, facing=facing, scale_px=scale, parts=parts), half
            )
            for s in SIDES
        }

    return Motion(
        forward_leg=fwd,
        velocity_leg_s=vel,
        strike_velocity_leg_s=velocity(tuple(settings.strike_landmarks)),
        toe_off_velocity_leg_s=velocity(tuple(settings.toe_off_landmarks)),
        step_s=step,
        half=half,
        fps=tracks.fps,
    )


def side_contacts(
    tracks: PoseTracks, *, facing: Literal["left", "right"], settings: SideEventSettings
) -> pd.DataFrame:
    """Every foot contact of a side view: foot strike, toe-off and quality.

    Parameters
    ----------
    tracks
        Cleaned landmark tracks of a side view.
    facing
        The way the runner faces in the picture.
    settings
        The ``[events.side]`` settings.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`gaitlab.events.columns.CONTACT_COLUMNS`, one row per contact, sorted by
        foot strike. A contact cut by the end of the clip has no toe-off (``no_toe_off``); one
        cut by the start is left out.
    """
    motion = foot_motion(tracks, facing=facing, settings=settings)
    if motion is None:
        return empty_contacts()
    contacts, ground = find_contacts(tracks.time_s, motion, settings)
    rows = []
    sides = assign_sides(contacts, motion.step_frames)
    steps = local_steps_s(contacts, motion)
    for contact, side, step in zip(contacts, sides, steps, strict=True):
        row = contact_row(tracks, contact, side, ground, motion, settings, step_s=step)
        if row is not None:
            rows.append(row)
    return contact_table(rows)


def local_steps_s(contacts: list[Contact], motion: Motion) -> list[float]:
    """The step period around each contact (s): the median of the intervals to the previous
    and next contacts' starts that are regular steps (less than 1.6 clip steps), else the
    clip's step. A clip whose playback turns to slow motion part-way keeps its shifts right."""
    starts = np.array([c.start for c in contacts], dtype=float)
    gaps = np.diff(starts)
    out = []
    for k in range(len(contacts)):
        near = [
            g for g in gaps[max(0, k - 1) : k + 1] if g <= MAX_STEP_GAP_STEPS * motion.step_frames
        ]
        out.append(float(np.median(near)) / motion.fps if near else motion.step_s)
    return out


def find_contacts(
    t: np.ndarray, motion: Motion, settings: SideEventSettings
) -> tuple[list[Contact], np.ndarray]:
    """The contacts of both feet (time order) and the ground velocity ``(T,)`` (leg/s)."""
    vel = motion.velocity_leg_s
    n = t.shape[0]
    lower = np.fmin(vel["left"], vel["right"])
    if not np.isfinite(lower).any():
        return [], np.zeros(n)
    window = max(3, round(GROUND_WINDOW_STEPS * motion.step_frames) | 1)
    ground = median_filter(
        np.where(np.isfinite(lower), lower, np.nanmedian(lower)), size=window, mode="nearest"
    )
    contacts: list[Contact] = []
    for _ in range(N_ITERATIONS):
        if not (ground < 0).any():
            return [], ground
        stances = stance_runs(t, motion, ground, settings)
        contacts = join_footprints(stances, motion.step_frames, settings)
        contacts = plausible_contacts(contacts, motion.forward_leg, settings)
        ground = ground_velocity(contacts, vel, n, fallback=ground)
    return contacts, ground


def stance_runs(
    t: np.ndarray, motion: Motion, ground: np.ndarray, settings: SideEventSettings
) -> list[Stance]:
    """Runs of samples where a label's foot moves with the ground, with their footprints."""
    steps = np.diff(t)
    travelled = np.concatenate([[0.0], np.cumsum(0.5 * (ground[1:] + ground[:-1]) * steps)])
    out = []
    for label in SIDES:
        with np.errstate(invalid="ignore"):
            on_ground = motion.velocity_leg_s[label] < settings.departure_share * ground
        position = motion.forward_leg[label] - travelled
        for start, stop in true_runs(on_ground):
            fp = position[start:stop]
            fp = fp[np.isfinite(fp)]
            if fp.size:
                out.append(Stance(label, int(start), int(stop), float(np.median(fp))))
    return sorted(out, key=lambda s: (s.start, s.stop))


def join_footprints(
    stances: list[Stance], step_frames: float, settings: SideEventSettings
) -> list[Contact]:
    """Stance runs at one footprint, close in time, joined into contacts (time order)."""
    max_gap = settings.join_gap_step * step_frames
    contacts: list[Contact] = []
    for s in stances:
        for contact in contacts[::-1][:JOIN_LOOKBACK]:
            close = s.start - contact.stop <= max_gap and s.stop > contact.start
            same = abs(s.footprint_leg - contact.footprint_leg) < settings.footprint_tolerance_leg
            if close and same:
                contact.add(s)
                break
        else:
            contacts.append(Contact(s.start, s.stop, s.footprint_leg, [s]))
    return sorted(contacts, key=lambda c: c.start)


def plausible_contacts(
    contacts: list[Contact], forward: dict[str, np.ndarray], settings: SideEventSettings
) -> list[Contact]:
    """Drop contacts in which the foot hardly travels back past the pelvis (less than
    ``min_contact_travel_leg``: a runner standing still, tracking noise) or that are much
    shorter than the typical one, and of two at once keep the longer."""
    contacts = [c for c in contacts if travel_leg(c, forward) >= settings.min_contact_travel_leg]
    if not contacts:
        return []
    typical = float(np.median([c.n_samples for c in contacts]))
    kept: list[Contact] = []
    for c in contacts:
        if c.n_samples < settings.min_contact_share * typical:
            continue
        if kept and c.start < kept[-1].stop - 1:
            if c.n_samples > kept[-1].n_samples:
                kept[-1] = c
            continue
        kept.append(c)
    return kept


def travel_leg(contact: Contact, forward: dict[str, np.ndarray]) -> float:
    """How far the foot moves back past the pelvis during a contact (leg lengths): its forward
    position on the first piece's first sample minus that on the last piece's last sample."""
    first = min(contact.pieces, key=lambda p: p.start)
    last = max(contact.pieces, key=lambda p: p.stop)
    a = forward[first.label][first.start : first.stop]
    b = forward[last.label][last.start : last.stop]
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if not (a.size and b.size):
        return 0.0
    return float(a[0] - b[-1])


def ground_velocity(
    contacts: list[Contact], vel: dict[str, np.ndarray], n: int, *, fallback: np.ndarray
) -> np.ndarray:
    """``(T,)`` ground velocity: each contact's median over its middle half, interpolated."""
    mids, values = [], []
    for c in contacts:
        quarter = c.n_samples // 4
        lo, hi = c.start + quarter, c.stop - quarter
        samples = [vel[p.label][max(p.start, lo) : min(p.stop, hi)] for p in c.pieces]
        v = np.concatenate(samples) if samples else np.zeros(0)
        v = v[np.isfinite(v)]
        if v.size:
            mids.append(0.5 * (c.start + c.stop - 1))
            values.append(float(np.median(v)))
    if not mids:
        return fallback
    return np.interp(np.arange(n), mids, values)


def assign_sides(contacts: list[Contact], step_frames: float) -> list[str]:
    """The foot of each contact: alternating, the first foot of each run voted by the labels."""
    sides: list[str] = []
    run: list[Contact] = []

    def close_run() -> None:
        score = sum(c.vote() * (1 if k % 2 == 0 else -1) for k, c in enumerate(run))
        first = "left" if score >= 0 else "right"
        other = "right" if first == "left" else "left"
        sides.extend(first if k % 2 == 0 else other for k in range(len(run)))

    for c in contacts:
        if run and c.start - run[-1].start > MAX_STEP_GAP_STEPS * step_frames:
            close_run()
            run = []
        run.append(c)
    if run:
        close_run()
    return sides


def crossing_time(
    t: np.ndarray,
    excess: np.ndarray,
    lo: int,
    hi: int,
    *,
    rising: bool,
    last: bool,
) -> float:
    """Interpolated time ``excess`` crosses zero between samples ``lo`` and ``hi``.

    ``rising``: from below zero to at least zero (else from above to at most zero); ``last``:
    the latest such crossing in the window (else the earliest). NaN when there is none.
    """
    ks = range(max(1, lo), min(t.shape[0], hi + 1))
    for k in reversed(ks) if last else ks:
        a, b = excess[k - 1], excess[k]
        if not (np.isfinite(a) and np.isfinite(b)):
            continue
        if (a < 0 <= b) if rising else (a > 0 >= b):
            return float(t[k - 1] + (-a) / (b - a) * (t[k] - t[k - 1])) if b != a else float(t[k])
    return float("nan")


def contact_row(
    tracks: PoseTracks,
    contact: Contact,
    side: str,
    ground: np.ndarray,
    motion: Motion,
    settings: SideEventSettings,
    *,
    step_s: float,
) -> dict | None:
    """The contact-table row of one contact (None for one cut by the clip's start).

    ``step_s`` is the step period around the contact (:func:`local_steps_s`), which scales the
    strike and toe-off shifts.
    """
    t, n, half = tracks.time_s, tracks.n_frames, motion.half
    if contact.start <= half:
        return None
    level = settings.departure_share * ground
    first = min(contact.pieces, key=lambda p: p.start).label
    last = max(contact.pieces, key=lambda p: p.stop).label
    strike = _event_crossing(
        t, motion.strike_velocity_leg_s[first], motion.velocity_leg_s[first], level,
        contact.start, half, rising=False,
    )  # fmt: skip
    strike += settings.strike_shift_step * step_s
    flags = []
    if not np.isfinite(strike):
        flags.append(C.FLAG_GAP)
    if contact.stop >= n - half:
        toe_off = float("nan")
        flags.append(C.FLAG_NO_TOE_OFF)
    else:
        toe_off = _event_crossing(
            t, motion.toe_off_velocity_leg_s[last], motion.velocity_leg_s[last], level,
            contact.stop, half, rising=True,
        )  # fmt: skip
        toe_off += settings.toe_off_shift_step * step_s
        if not np.isfinite(toe_off):
            flags.append(C.FLAG_GAP)
    contact_s = toe_off - strike
    lo_s, hi_s = settings.contact_time_range_s
    if np.isfinite(contact_s) and not lo_s <= contact_s <= hi_s:
        flags.append(C.FLAG_CONTACT_TIME)
    flags = list(dict.fromkeys(flags))
    return {
        C.SIDE: side,
        C.FOOT_STRIKE_S: strike,
        C.TOE_OFF_S: toe_off,
        C.FOOT_STRIKE_FRAME: nearest_frame(t, strike),
        C.TOE_OFF_FRAME: nearest_frame(t, toe_off),
        C.CONTACT_TIME_S: contact_s,
        C.QUALITY: ";".join(flags) if flags else C.QUALITY_OK,
        C.USABLE: not flags,
    }


def _event_crossing(
    t: np.ndarray,
    velocity: np.ndarray,
    fallback: np.ndarray,
    level: np.ndarray,
    bound: int,
    half: int,
    *,
    rising: bool,
) -> float:
    """The event's crossing near a contact's bound: of the event's landmarks' velocity, or of
    the whole foot point's where those landmarks are missing there."""
    lo, hi = bound - 2 * half - 1, bound + 2 * half + 1
    for v in (velocity, fallback):
        x = crossing_time(t, v - level, lo, hi, rising=rising, last=rising)
        if np.isfinite(x):
            return x
    return float("nan")


def empty_contacts() -> pd.DataFrame:
    """A contact table without rows."""
    return contact_table([])


def contact_table(rows: list[dict]) -> pd.DataFrame:
    """Rows as a typed contact table sorted by foot strike."""
    table = pd.DataFrame(rows, columns=list(C.CONTACT_COLUMNS))
    table = table.astype(
        {
            C.FOOT_STRIKE_S: float,
            C.TOE_OFF_S: float,
            C.CONTACT_TIME_S: float,
            C.FOOT_STRIKE_FRAME: "Int64",
            C.TOE_OFF_FRAME: "Int64",
            C.USABLE: bool,
        }
    )
    return table.sort_values(C.FOOT_STRIKE_S, kind="stable").reset_index(drop=True)


def nearest_frame(t: np.ndarray, time_s: float) -> int | None:
    """Index of the frame nearest a time (None for NaN)."""
    if not np.isfinite(time_s):
        return None
    return int(np.argmin(np.abs(t - time_s)))
