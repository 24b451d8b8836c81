"""The typed settings: one frozen dataclass per section of ``defaults.toml``.

The values live in one place, ``gaitlab/config/defaults.toml``; these classes say what each
key is (its type and allowed range) and carry no default values of their own. The loader
(:func:`gaitlab.config.load_config`) checks a user's file against them, so that a stage
receives ``settings.signals.max_gap_s`` as a float it can trust, never a dict.

How a stage gets its values
---------------------------
The edges (CLI, web, batch, :func:`gaitlab.analyze`) load one :class:`Settings` and hand each
stage the section it needs::

    settings = load_config(path)                # or load_defaults()
    clean(tracks, settings.signals, view="side")
    extract_pose(path, model, settings)         # a stage that needs two sections takes all

A function that needs one value takes that value as a parameter without a default; a helper
that is also called on its own (tests, notebooks) may default a section to ``None``, meaning
``load_defaults().<section>``, which reads the same file.

How to add a setting
--------------------
1. Add the key with its value (and, for a threshold, ``source`` or ``source = "none"`` with a
   ``rationale``) to ``defaults.toml``.
2. Add a field of the same name to the section's class below, typed, without a default value;
   give it a range with ``= field(metadata=at_least(0))`` (or :func:`above`, :func:`between`)
   when one applies. ``None`` defaults are only for keys that some tables of a kind leave out
   (``rationale``).

How to add a section
--------------------
Write a ``@dataclasses.dataclass(frozen=True)`` class for it here (a nested TOML table is a
field typed with another such class; a table of like tables keyed by name is a
``tuple[Item, ...]`` field with ``= field(metadata=keyed_by("name"))``, ``name`` being the
item's first field), add a field of that type to :class:`Settings`, and the table to
``defaults.toml``.
Loading, checking, error sentences, :meth:`Settings.to_dict` and :meth:`Settings.with_overrides`
follow from the classes: nothing else to write.

The types a field may have: ``bool``, ``int``, ``float`` (an integer in the file is taken),
``str``, ``Literal[...]``, a union of these (``float | Literal["auto"]``),
``tuple[X, ...]`` (a TOML array), another settings class (a table), or ``X | None`` for a key
that may be left out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import field
from typing import Any, Literal

from gaitlab.config.load import build, merge, to_table

Comparison = Literal[">", "<", ">=", "<="]
Role = Literal["primary", "supporting", "observation"]
ViewName = Literal["side", "rear", "front"]


def at_least(lo: float) -> dict[str, Any]:
    """Field metadata: the value must be ``>= lo``."""
    return {"ge": lo}


def above(lo: float) -> dict[str, Any]:
    """Field metadata: the value must be ``> lo``."""
    return {"gt": lo}


def between(lo: float, hi: float) -> dict[str, Any]:
    """Field metadata: the value must be ``lo <= value <= hi``."""
    return {"ge": lo, "le": hi}


def keyed_by(key_field: str) -> dict[str, Any]:
    """Field metadata: a TOML table of tables, read as a tuple of items whose ``key_field``
    holds the table's key (``[findings.hip_tightness.signs.<metric>]``)."""
    return {"keyed_by": key_field}


@dataclasses.dataclass(frozen=True)
class PoseSettings:
    """``[pose]``: the pose model, MediaPipe's thresholds, and how the runner is chosen."""

    model: str
    min_detection_confidence: float = field(metadata=between(0.0, 1.0))
    min_presence_confidence: float = field(metadata=between(0.0, 1.0))
    min_tracking_confidence: float = field(metadata=between(0.0, 1.0))
    runner_sample_frames_per_s: float = field(metadata=above(0.0))
    runner_sample_min: int = field(metadata=at_least(1))
    runner_sample_max: int = field(metadata=at_least(1))
    runner_dense_frames_per_s: float = field(metadata=above(0.0))
    runner_dense_max: int = field(metadata=at_least(0))
    chunks: int = field(metadata=at_least(0))
    chunk_warmup_frames: int = field(metadata=at_least(1))
    chunk_min_frames: int = field(metadata=at_least(1))


@dataclasses.dataclass(frozen=True)
class VideoSettings:
    """``[video]``: how the clip's time runs, and the shortest clip taken."""

    slowmo_factor: float = field(metadata=above(0.0))
    min_duration_s: float = field(metadata=at_least(0.0))


@dataclasses.dataclass(frozen=True)
class SignalSettings:
    """``[signals]``: cleaning the landmark tracks (outliers, gaps, low-pass)."""

    max_speed_leg_per_s: float = field(metadata=above(0.0))
    min_visibility: float = field(metadata=between(0.0, 1.0))
    max_gap_s: float = field(metadata=at_least(0.0))
    cutoff_hz: float | Literal["auto"] = field(metadata=above(0.0))
    filter_order: int = field(metadata=between(1, 8))
    lost_leg_max_distance_leg: float = field(metadata=at_least(0.0))


@dataclasses.dataclass(frozen=True)
class SideEventSettings:
    """``[events.side]``: foot contacts of a side view (:mod:`gaitlab.events.footprints`)."""

    departure_share: float = field(metadata=between(0.05, 0.95))
    strike_landmarks: tuple[str, ...]
    toe_off_landmarks: tuple[str, ...]
    strike_shift_step: float = field(metadata=between(-0.5, 0.5))
    toe_off_shift_step: float = field(metadata=between(-0.5, 0.5))
    velocity_window_step: float = field(metadata=between(0.0, 0.5))
    footprint_tolerance_leg: float = field(metadata=above(0.0))
    join_gap_step: float = field(metadata=at_least(0.0))
    min_contact_share: float = field(metadata=between(0.0, 1.0))
    min_contact_travel_leg: float = field(metadata=at_least(0.0))
    scale_window_s: float = field(metadata=above(0.0))
    step_time_range_s: tuple[float, ...]
    contact_time_range_s: tuple[float, ...]
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class SideDifferenceSettings:
    """``[events.sides]``: when a left/right difference of a timing metric is shown."""

    z: float = field(metadata=above(0.0))
    systematic_frames: float = field(metadata=at_least(0.0))
    systematic_min_ms: float = field(metadata=at_least(0.0))
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class RhythmSettings:
    """``[events.rhythm]``: cadence from the running rhythm when strides cannot be timed."""

    min_running_s: float = field(metadata=above(0.0))
    max_disagreement_pct: float = field(metadata=above(0.0))
    min_strides: int = field(metadata=at_least(1))
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class EventSettings:
    """``[events]``: finding foot strikes and toe-offs, and what their accuracy allows."""

    side: SideEventSettings
    sides: SideDifferenceSettings
    rhythm: RhythmSettings


@dataclasses.dataclass(frozen=True)
class RunnerSettings:
    """``[runner]``: what is known of the runner (0 = unknown)."""

    height_m: float = field(metadata=between(0.0, 2.5))
    belt_speed_m_s: float = field(metadata=between(0.0, 12.0))

    @property
    def known_height_m(self) -> float | None:
        """The height, or None when unknown (0)."""
        return self.height_m or None

    @property
    def known_belt_speed_m_s(self) -> float | None:
        """The belt speed, or None when unknown (0)."""
        return self.belt_speed_m_s or None


@dataclasses.dataclass(frozen=True)
class SignSettings:
    """``[findings.<pattern>.signs.<metric>]``: one sign of a pattern."""

    metric: str
    comparison: Comparison
    threshold: float
    role: Role
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class PatternSettings:
    """``[findings.<pattern>]``: the views that can show a pattern and its signs."""

    views: tuple[ViewName, ...]
    min_primary_met: int = field(metadata=at_least(1))
    signs: tuple[SignSettings, ...] = field(metadata=keyed_by("metric"))

    def sign(self, metric: str) -> SignSettings:
        """The sign on ``metric`` (``KeyError`` when the pattern has none)."""
        for sign in self.signs:
            if sign.metric == metric:
                return sign
        raise KeyError(metric)


@dataclasses.dataclass(frozen=True)
class FindingsSettings:
    """``[findings]``: the least evidence, and each pattern's signs."""

    min_steps_per_side: int = field(metadata=at_least(1))
    hip_tightness: PatternSettings
    hip_weakness: PatternSettings

    def pattern(self, name: str) -> PatternSettings:
        """The settings of pattern ``name`` (``"hip_tightness"``, ``"hip_weakness"``)."""
        return getattr(self, name)


@dataclasses.dataclass(frozen=True)
class WholeBodyCheck:
    """``[checks.whole_body]``."""

    warn_below_share: float = field(metadata=between(0.0, 1.0))
    fail_below_share: float = field(metadata=between(0.0, 1.0))
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class FrameRateCheck:
    """``[checks.frame_rate]``."""

    recommended_fps: float = field(metadata=above(0.0))
    min_fps: float = field(metadata=above(0.0))
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class ResolutionCheck:
    """``[checks.resolution]``."""

    warn_below_px: float = field(metadata=at_least(0.0))
    fail_below_px: float = field(metadata=at_least(0.0))
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class LightingCheck:
    """``[checks.lighting]``."""

    warn_below_luma: float = field(metadata=between(0.0, 255.0))
    fail_below_luma: float = field(metadata=between(0.0, 255.0))
    warn_above_luma: float = field(metadata=between(0.0, 255.0))
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class ShakeCheck:
    """``[checks.shake]``."""

    warn_above_pct: float = field(metadata=at_least(0.0))
    fail_above_pct: float = field(metadata=at_least(0.0))
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class TiltCheck:
    """``[checks.tilt]``."""

    warn_above_deg_frontal: float = field(metadata=at_least(0.0))
    warn_above_deg_side: float = field(metadata=at_least(0.0))
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class MarkersCheck:
    """``[checks.markers]``: pelvis stickers big enough and seen often enough."""

    min_diameter_px: float = field(metadata=at_least(0.0))
    min_seen_share: float = field(metadata=between(0.0, 1.0))
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class ChecksSettings:
    """``[checks]``: what the capture checks look at, and their thresholds."""

    sample_frames: int = field(metadata=at_least(1))
    burst_s: float = field(metadata=above(0.0))
    burst_max_fps: float = field(metadata=above(0.0))
    whole_body: WholeBodyCheck
    frame_rate: FrameRateCheck
    resolution: ResolutionCheck
    lighting: LightingCheck
    shake: ShakeCheck
    tilt: TiltCheck
    markers: MarkersCheck


@dataclasses.dataclass(frozen=True)
class HistoryMetricSettings:
    """``[history.metrics.<metric>]``: the smallest real change of a metric over time."""

    metric: str
    mdc: float = field(metadata=at_least(0.0))
    better: Literal["higher", "lower", "either"]
    source: str
    rationale: str | None = None


ColourName = Literal[
    "any", "red", "orange", "yellow", "lime", "green", "cyan", "blue", "purple", "magenta", "pink"
]


@dataclasses.dataclass(frozen=True)
class MarkerColours:
    """``[markers.colours]``: the colour of each kind of sticker, or ``"any"``."""

    psis: ColourName
    asis: ColourName


@dataclasses.dataclass(frozen=True)
class MarkerSettings:
    """``[markers]``: skin stickers on the pelvis, found, tracked and turned into angles
    (:mod:`gaitlab.markers`, :mod:`gaitlab.metrics.pelvis`)."""

    enabled: bool
    torso_mm: float = field(metadata=above(0.0))
    sticker_min_mm: float = field(metadata=above(0.0))
    sticker_max_mm: float = field(metadata=above(0.0))
    min_radius_px: float = field(metadata=above(0.0))
    min_saturation: float = field(metadata=between(0.0, 1.0))
    min_chroma: float = field(metadata=between(0.0, 1.0))
    max_hue_spread_deg: float = field(metadata=above(0.0))
    hue_window_deg: float = field(metadata=between(10.0, 180.0))
    max_elongation: float = field(metadata=at_least(1.0))
    fill_min: float = field(metadata=above(0.0))
    fill_max: float = field(metadata=above(0.0))
    min_contrast: float = field(metadata=between(0.0, 1.0))
    max_candidates: int = field(metadata=at_least(1))
    centre_method: Literal["chroma", "rgb", "binary", "ellipse"]
    roi_side: float = field(metadata=above(0.0))
    roi_up: float = field(metadata=above(0.0))
    roi_down: float = field(metadata=above(0.0))
    min_found_share: float = field(metadata=between(0.0, 1.0))
    slot_gate_torso: float = field(metadata=above(0.0))
    max_jump_torso: float = field(metadata=above(0.0))
    min_area_share: float = field(metadata=between(0.0, 1.0))
    cutoff_hz: float = field(metadata=above(0.0))
    min_coverage: float = field(metadata=between(0.0, 1.0))
    standing_min_s: float = field(metadata=above(0.0))
    standing_max_start_s: float = field(metadata=at_least(0.0))
    standing_max_speed_leg_per_s: float = field(metadata=above(0.0))
    standing_settle_s: float = field(metadata=at_least(0.0))
    behind_min_deg: float = field(metadata=between(0.0, 60.0))
    colours: MarkerColours


@dataclasses.dataclass(frozen=True)
class HistorySettings:
    """``[history]``: which metrics are followed over time, and how sure a change must be."""

    z: float = field(metadata=above(0.0))
    metrics: tuple[HistoryMetricSettings, ...] = field(metadata=keyed_by("metric"))


@dataclasses.dataclass(frozen=True)
class WebLoginSettings:
    """``[web.login]``: how failed logins slow down the next attempts (never a lockout)."""

    free_failures: int = field(metadata=at_least(0))
    first_delay_s: float = field(metadata=at_least(0.0))
    max_delay_s: float = field(metadata=at_least(0.0))
    window_s: float = field(metadata=above(0.0))
    max_pending_per_client: int = field(metadata=at_least(1))
    max_pending_quiet: int = field(metadata=at_least(1))
    device_cookie_days: float = field(metadata=above(0.0))
    source: str
    rationale: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class WebAppSettings:
    """``[web]``: the web app's own settings (``gaitlab serve``; the server's address, workers
    and upload size are its command-line options). Keyword-only, so the fields keep the
    file's order (``login``, a table, comes after the section's keys)."""

    max_clip_s: float = field(metadata=above(0.0))
    source: str
    rationale: str | None = None
    login: WebLoginSettings


@dataclasses.dataclass(frozen=True)
class ReferenceSettings:
    """``[reference.<metric>]``: the usual values of a measurement and where they come from,
    shown beside it in the report (its sentence is ``reference.<metric>`` in the words
    catalogue, filled with ``low`` and ``high``)."""

    metric: str
    source: str
    low: float | None = None
    high: float | None = None
    rationale: str | None = None


@dataclasses.dataclass(frozen=True)
class Settings:
    """The whole configuration: one field per section of ``defaults.toml``."""

    config_version: int
    pose: PoseSettings
    video: VideoSettings
    signals: SignalSettings
    events: EventSettings
    runner: RunnerSettings
    findings: FindingsSettings
    checks: ChecksSettings
    history: HistorySettings
    web: WebAppSettings
    markers: MarkerSettings
    reference: tuple[ReferenceSettings, ...] = field(metadata=keyed_by("metric"))

    def reference_for(self, metric: str) -> ReferenceSettings | None:
        """The usual values of ``metric``, or None when none are known."""
        return next((r for r in self.reference if r.metric == metric), None)

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain nested dicts, keys as in the TOML file (``summary.json``
        stores it as ``settings``)."""
        return to_table(self)

    def with_overrides(self, table: dict[str, Any], *, where: str = "") -> Settings:
        """These settings with the values in ``table`` (nested like the TOML file) replaced,
        checked as a user's file is.

        Raises
        ------
        gaitlab.errors.ConfigError
            For an unknown key or a value of the wrong type or range.
        """
        return build(Settings, merge(self.to_dict(), table, source=where), source=where)
