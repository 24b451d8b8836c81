"""Which blobs are stickers, which sticker is which, frame by frame over a whole clip.

Input: the blobs :func:`gaitlab.markers.detect.detect_blobs` found in each frame and a few of
the pose's landmarks in the same frames. Nothing here looks at pixels.

1. **Layout.** From the landmarks: a rear or front view (the hip line lies across the picture)
   sees both PSIS or both ASIS; a side view sees the ASIS and PSIS of the side facing the camera.
   Front vs rear from the nose against the ears (MediaPipe's world depth) and the order of the
   hips; the facing direction from the toes against the heels; the near side from the hips'
   depth.
2. **Body coordinates.** Each blob's place relative to the pelvis, in torso lengths: up the
   torso, and across it (toward the runner's left hip in a rear/front view, forward in a side
   view). A sticker keeps its body coordinates while the runner moves; the background does not.
3. **Slots.** Each expected sticker has a region of body coordinates (left PSIS: up -0.25..0.5,
   on the left half). A first pass takes the best blob in each region; the median of those gives
   the sticker's usual place, colour and size. A second pass keeps, per frame, the blob nearest
   that place with that colour, and drops frames where the chosen blob is smaller than usual
   (partly covered), out of shape, or off the sticker's own smooth path (a jump). A sticker
   seen in too few frames is not found (reported missing), never invented.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence

import numpy as np

from gaitlab.config.settings import MarkerSettings
from gaitlab.markers.colours import colour_name, hue_distance_deg, hue_of_rgb, parse_colour
from gaitlab.markers.detect import Blob
from gaitlab.markers.model import MarkerTrack, MarkerTracks, marker_id, no_markers
from gaitlab.pose.landmarks import INDEX

#: The landmarks the linking needs, in this order (a frame keeps only these).
BODY_LANDMARKS: tuple[str, ...] = (
    "left_hip",
    "right_hip",
    "left_shoulder",
    "right_shoulder",
    "nose",
    "left_ear",
    "right_ear",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
_B = {name: i for i, name in enumerate(BODY_LANDMARKS)}
BODY_INDEX: np.ndarray = np.array([INDEX[n] for n in BODY_LANDMARKS])

#: Hip line width over torso length above which the camera looks at the back or front (a side
#: view shows about 0-0.1, a rear view about 0.3-0.4).
_FRONTAL_MIN_HIP_RATIO = 0.2
#: Where each sticker may be, in body coordinates (torso lengths): (up_lo, up_hi, across_lo,
#: across_hi). Across is toward the left hip (in hip-widths) for rear/front, forward for side.
_REGIONS: dict[str, tuple[float, float, float, float]] = {
    "frontal_left": (-0.3, 0.55, 0.05, 1.3),
    "frontal_right": (-0.3, 0.55, -1.3, -0.05),
    "side_asis": (-0.3, 0.55, 0.0, 0.55),
    "side_psis": (-0.3, 0.55, -0.6, 0.0),
}


@dataclasses.dataclass(frozen=True)
class Layout:
    """What the camera sees of the pelvis.

    Attributes
    ----------
    kind
        ``"rear"``, ``"front"`` or ``"side"``.
    facing
        Side views: +1 when the runner faces image-right, -1 image-left.
    near_side
        Side views: the runner's side facing the camera.
    """

    kind: str
    facing: int = 1
    near_side: str | None = None

    def slots(self) -> dict[str, str]:
        """Sticker id -> body region name."""
        if self.kind == "rear":
            return {"psis_left": "frontal_left", "psis_right": "frontal_right"}
        if self.kind == "front":
            return {"asis_left": "frontal_left", "asis_right": "frontal_right"}
        side = self.near_side or "left"
        return {marker_id("asis", side): "side_asis", marker_id("psis", side): "side_psis"}


def guess_layout(image_px: np.ndarray, world_m: np.ndarray | None) -> Layout | None:
    """The camera's view of the pelvis from the landmarks of a clip.

    Parameters
    ----------
    image_px
        ``(T, len(BODY_LANDMARKS), 2)`` image landmarks (NaN rows where no pose).
    world_m
        The same landmarks in MediaPipe's world coordinates ``(T, n, 3)`` (z toward the camera
        negative), or None.

    Returns
    -------
    Layout or None
        None when too few frames have a pose.
    """
    ok = np.isfinite(image_px[:, :4]).all(axis=(1, 2))
    if ok.sum() < 3:
        return None
    im = image_px[ok]
    hip_w = np.linalg.norm(im[:, _B["left_hip"]] - im[:, _B["right_hip"]], axis=1)
    hip = (im[:, _B["left_hip"]] + im[:, _B["right_hip"]]) / 2
    sh = (im[:, _B["left_shoulder"]] + im[:, _B["right_shoulder"]]) / 2
    torso = np.linalg.norm(sh - hip, axis=1)
    ratio = float(np.nanmedian(hip_w / torso))
    wm = world_m[ok] if world_m is not None else None
    if ratio >= _FRONTAL_MIN_HIP_RATIO:
        # facing the camera: the nose is nearer than the ears and the left hip on the right
        votes = float(np.nanmedian(np.sign(im[:, _B["left_hip"], 0] - im[:, _B["right_hip"], 0])))
        if wm is not None:
            ears = (wm[:, _B["left_ear"], 2] + wm[:, _B["right_ear"], 2]) / 2
            nose_ahead = np.nanmedian(ears - wm[:, _B["nose"], 2])
            if np.isfinite(nose_ahead):
                votes += float(np.sign(nose_ahead))
        return Layout("front" if votes > 0 else "rear")
    toes = np.concatenate(
        [
            im[:, _B["left_foot_index"], 0] - im[:, _B["left_heel"], 0],
            im[:, _B["right_foot_index"], 0] - im[:, _B["right_heel"], 0],
        ]
    )
    ears_x = (im[:, _B["left_ear"], 0] + im[:, _B["right_ear"], 0]) / 2
    nose = im[:, _B["nose"], 0] - ears_x
    cue = float(np.nansum(np.sign(toes))) + float(np.nansum(np.sign(nose)))
    facing = 1 if cue >= 0 else -1
    near = None
    if wm is not None:
        dz = np.nanmedian(wm[:, _B["left_hip"], 2] - wm[:, _B["right_hip"], 2])
        if np.isfinite(dz):
            near = "left" if dz < 0 else "right"
    if near is None:
        # without depth: seen from its left a runner facing image-left shows the left side
        near = "left" if facing < 0 else "right"
    return Layout("side", facing=facing, near_side=near)


@dataclasses.dataclass(frozen=True, eq=False)
class BodyFrames:
    """A 2-D frame fixed to the pelvis in every picture.

    A point ``p`` has body coordinates ``(up, across)`` with
    ``p = hip + up * torso * up_unit + across * basis``: ``up`` in torso lengths up the torso;
    ``across`` in hip widths toward the left hip (rear/front, ``basis`` = left minus right hip)
    or in torso lengths forward (side, ``basis`` = forward unit vector times the torso length).
    """

    hip: np.ndarray
    up_unit: np.ndarray
    torso: np.ndarray
    basis: np.ndarray

    @classmethod
    def of(cls, image_px: np.ndarray, layout: Layout) -> BodyFrames:
        """The frames of a clip's landmarks ``(T, len(BODY_LANDMARKS), 2)``."""
        lh, rh = image_px[:, _B["left_hip"]], image_px[:, _B["right_hip"]]
        ls, rs = image_px[:, _B["left_shoulder"]], image_px[:, _B["right_shoulder"]]
        hip = (lh + rh) / 2
        up = (ls + rs) / 2 - hip
        torso = np.linalg.norm(up, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            up_unit = up / torso[:, None]
        if layout.kind == "side":
            perp = np.stack([-up_unit[:, 1], up_unit[:, 0]], axis=1)
            perp *= np.where(perp[:, :1] * layout.facing >= 0, 1.0, -1.0)
            basis = perp * torso[:, None]
        else:
            basis = lh - rh
        return cls(hip=hip, up_unit=up_unit, torso=torso, basis=basis)

    def coords(self, t: int, x_px: float, y_px: float) -> tuple[float, float]:
        """Body coordinates of an image point in frame ``t``."""
        m = np.column_stack([self.torso[t] * self.up_unit[t], self.basis[t]])
        d = np.array([x_px, y_px]) - self.hip[t]
        try:
            up, across = np.linalg.solve(m, d)
        except np.linalg.LinAlgError:
            return float("nan"), float("nan")
        return float(up), float(across)

    def point(self, up: float, across: float) -> np.ndarray:
        """``(T, 2)`` image points with the given body coordinates."""
        return self.hip + up * self.torso[:, None] * self.up_unit + across * self.basis


def link_markers(
    time_s: np.ndarray,
    blobs: Sequence[Sequence[Blob]],
    image_px: np.ndarray,
    world_m: np.ndarray | None,
    *,
    width_px: int,
    height_px: int,
    settings: MarkerSettings,
) -> MarkerTracks:
    """Name and track the stickers of a clip.

    Parameters
    ----------
    time_s
        ``(T,)`` frame times.
    blobs
        Per frame, the blobs found (empty where the pose was missing).
    image_px, world_m
        ``(T, len(BODY_LANDMARKS), 2|3)`` landmarks (NaN where no pose); ``world_m`` may be
        None.
    width_px, height_px
        Frame size.
    settings
        ``colours``, ``min_found_share``, ``max_jump_torso``, ``min_area_share``,
        ``slot_gate_torso``.
    """
    time_s = np.asarray(time_s, dtype=float)
    has_pose = np.isfinite(image_px[:, :4]).all(axis=(1, 2))
    n_pose = int(has_pose.sum())
    layout = guess_layout(image_px, world_m)
    if layout is None or not any(blobs):
        return no_markers(time_s, width_px, height_px, n_pose)
    body = BodyFrames.of(image_px, layout)
    named = named_colours(settings)
    slots = layout.slots()
    need = max(3.0, settings.min_found_share * n_pose)
    chosen: dict[str, tuple[MarkerTrack, np.ndarray]] = {}
    for mid, region in slots.items():
        hue_rule = named.get(mid.split("_")[0])
        picks = _first_pass(blobs, has_pose, body, _REGIONS[region], hue_rule)
        if len(picks) < need:
            continue
        found = _second_pass(mid, blobs, has_pose, body, time_s, picks, hue_rule, settings)
        if found is not None:
            chosen[mid] = found
    tracks = _resolve_shared(chosen)
    tracks = {m: t for m, t in tracks.items() if t.seen.sum() >= need}
    return MarkerTracks(
        time_s=time_s,
        markers=tracks,
        layout=layout.kind,
        near_side=layout.near_side,
        width_px=int(width_px),
        height_px=int(height_px),
        frames_with_pose=n_pose,
        looked_for=tuple(slots),
        meta={"facing": layout.facing, "colours_named": {k: v[0] for k, v in named.items()}},
    )


def named_colours(settings: MarkerSettings) -> dict[str, tuple[float, float]]:
    """Hue centre and tolerance per kind of sticker (``psis``/``asis``) the user named."""
    c = settings.colours
    return {
        kind: parse_colour(name)
        for kind, name in (("psis", c.psis), ("asis", c.asis))
        if name != "any"
    }


def _hue_ok(b: Blob, rule: tuple[float, float] | None) -> bool:
    return rule is None or hue_distance_deg(b.hue_deg, rule[0]) <= rule[1]


def _first_pass(
    blobs: Sequence[Sequence[Blob]],
    has_pose: np.ndarray,
    body: BodyFrames,
    region: tuple[float, float, float, float],
    hue_rule: tuple[float, float] | None,
) -> list[tuple[int, Blob, float, float]]:
    """The best-scoring blob inside the region in each frame: (frame, blob, up, across)."""
    up_lo, up_hi, ac_lo, ac_hi = region
    picks = []
    for t, frame_blobs in enumerate(blobs):
        if not has_pose[t]:
            continue
        best = None
        for b in frame_blobs:  # best first
            if not _hue_ok(b, hue_rule):
                continue
            up, ac = body.coords(t, b.x_px, b.y_px)
            if up_lo <= up <= up_hi and ac_lo <= ac <= ac_hi:
                best = (t, b, up, ac)
                break
        if best is not None:
            picks.append(best)
    return picks


def _main_hue(picks: Sequence[tuple[int, Blob, float, float]]) -> float:
    """The most common hue among the picks (10-degree bins, circular)."""
    hues = np.array([p[1].hue_deg for p in picks])
    bins = np.bincount((hues // 10).astype(int) % 36, minlength=36)
    smooth = bins + np.roll(bins, 1) + np.roll(bins, -1)
    centre = (int(np.argmax(smooth)) + 0.5) * 10.0
    near = [h for h in hues if hue_distance_deg(h, centre) <= 20.0]
    ang = np.radians(near)
    return float(np.degrees(np.arctan2(np.sin(ang).mean(), np.cos(ang).mean())) % 360.0)


def _second_pass(
    mid: str,
    blobs: Sequence[Sequence[Blob]],
    has_pose: np.ndarray,
    body: BodyFrames,
    time_s: np.ndarray,
    picks: Sequence[tuple[int, Blob, float, float]],
    hue_rule: tuple[float, float] | None,
    settings: MarkerSettings,
) -> tuple[MarkerTrack, np.ndarray] | None:
    """The sticker's track near its usual place and colour; also each frame's distance to it."""
    hue = hue_rule[0] if hue_rule is not None else _main_hue(picks)
    tol = hue_rule[1] if hue_rule is not None else 20.0
    same = [p for p in picks if hue_distance_deg(p[1].hue_deg, hue) <= tol]
    if not same:
        return None
    ref_up = float(np.median([p[2] for p in same]))
    ref_ac = float(np.median([p[3] for p in same]))
    ref = body.point(ref_up, ref_ac)
    n = time_s.size
    centre = np.full((n, 2), np.nan)
    radius = np.full(n, np.nan)
    elong = np.full(n, np.nan)
    score = np.zeros(n)
    dist = np.full(n, np.inf)
    rgb = []
    for t, frame_blobs in enumerate(blobs):
        if not has_pose[t] or not np.isfinite(ref[t]).all():
            continue
        gate = settings.slot_gate_torso * body.torso[t]
        best, best_d = None, gate
        for b in frame_blobs:
            if hue_distance_deg(b.hue_deg, hue) > tol:
                continue
            d = float(np.hypot(b.x_px - ref[t, 0], b.y_px - ref[t, 1]))
            if d <= best_d:
                best, best_d = b, d
        if best is not None:
            centre[t] = (best.x_px, best.y_px)
            radius[t] = best.radius_px
            elong[t] = best.elongation
            score[t] = best.score
            dist[t] = best_d / body.torso[t]
            rgb.append(best.rgb)
    keep = _consistent(centre, radius, elong, body.torso, time_s, settings)
    if not _moves_with_pelvis(centre, keep, body):
        return None
    centre[~keep] = np.nan
    radius[~keep] = np.nan
    score[~keep] = 0.0
    dist[~keep] = np.inf
    if not rgb:
        return None
    colour = tuple(int(v) for v in np.median(np.asarray(rgb), axis=0))
    track = MarkerTrack(
        marker_id=mid,
        centre_px=centre,
        radius_px=radius,
        score=score,
        colour_rgb=colour,  # type: ignore[arg-type]
        colour=colour_name(hue_of_rgb(colour)[0]),
    )
    return track, dist


def _rolling_median(x: np.ndarray, half: int) -> np.ndarray:
    """Centred rolling median along axis 0 ignoring NaN (NaN where the window holds < 3)."""
    x2 = x.reshape(x.shape[0], -1)
    pad = np.full((half, x2.shape[1]), np.nan)
    win = np.lib.stride_tricks.sliding_window_view(np.vstack([pad, x2, pad]), 2 * half + 1, axis=0)
    enough = np.isfinite(win).sum(axis=-1) >= 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(win, axis=-1)
    med[~enough] = np.nan
    return med.reshape(x.shape)


def _consistent(
    centre: np.ndarray,
    radius: np.ndarray,
    elong: np.ndarray,
    torso: np.ndarray,
    time_s: np.ndarray,
    settings: MarkerSettings,
) -> np.ndarray:
    """Frames whose blob is the whole sticker on its own smooth path.

    Drops a blob smaller than ``min_area_share`` of the sticker's area nearby in time (partly
    covered: its centre would be pulled toward the visible part), one more elongated than
    usual (a bite out of its edge), and one farther than ``max_jump_torso`` from the rolling
    median of its neighbours (another blob, or a jump).
    """
    seen = np.isfinite(centre).all(axis=1)
    if seen.sum() < 3:
        return seen
    dt = float(np.median(np.diff(time_s))) if time_s.size > 1 else 1 / 30
    half_area = max(2, round(0.5 / max(dt, 1e-3)))
    half_path = max(2, round(0.07 / max(dt, 1e-3)))
    area = radius**2
    usual = _rolling_median(area, half_area)
    usual_el = _rolling_median(elong, half_area)
    keep = seen.copy()
    with np.errstate(invalid="ignore"):
        keep &= ~(area < settings.min_area_share * usual)
        keep &= ~(elong > usual_el * 1.25 + 0.2)
    path = _rolling_median(np.where(keep[:, None], centre, np.nan), half_path)
    jump = np.hypot(*(centre - path).T)
    with np.errstate(invalid="ignore"):
        keep &= ~(jump > settings.max_jump_torso * torso)
    return keep


def _moves_with_pelvis(centre: np.ndarray, keep: np.ndarray, body: BodyFrames) -> bool:
    """False for something fixed in the picture while the pelvis moves (the background).

    The blob's image motion must go with the hip midpoint's (positive covariance) and be at
    least half as large (reduced-major-axis slope, the ratio of the two motions' RMS sizes).
    The ordinary regression slope is not used: the pose model's hip points jitter by several
    pixels, which pulls that slope toward 0 and rejected a real sticker over a 2.5 s burst
    (slope 0.46 while the sticker moved 1.5 times as much as the hips); a fixed object moves
    by a fraction of a pixel, far below half. When the pelvis hardly moves in the picture (a
    camera following the runner) there is nothing to tell apart and the blob passes.
    """
    ok = keep & np.isfinite(body.hip).all(axis=1)
    if ok.sum() < 5:
        return True
    a = centre[ok] - centre[ok].mean(axis=0)
    b = body.hip[ok] - body.hip[ok].mean(axis=0)
    spread = float(np.sqrt((b**2).sum(axis=1).mean()))
    if spread < 0.02 * float(np.median(body.torso[ok])):
        return True
    if float((a * b).sum()) <= 0.0:
        return False
    return float(np.sqrt((a * a).sum() / (b * b).sum())) >= 0.5


def _resolve_shared(chosen: Mapping[str, tuple[MarkerTrack, np.ndarray]]) -> dict[str, MarkerTrack]:
    """Where two stickers took the same blob in a frame, it stays with the nearer one only."""
    out: dict[str, MarkerTrack] = {}
    ids = list(chosen)
    for m in ids:
        track, dist = chosen[m]
        centre = track.centre_px.copy()
        lose = np.zeros(centre.shape[0], bool)
        for o in ids:
            if o == m:
                continue
            other, odist = chosen[o]
            same = np.isclose(centre, other.centre_px).all(axis=1)
            lose |= same & ((odist < dist) | ((odist == dist) & (o < m)))
        if lose.any():
            centre[lose] = np.nan
            radius = track.radius_px.copy()
            radius[lose] = np.nan
            score = track.score.copy()
            score[lose] = 0.0
            track = dataclasses.replace(track, centre_px=centre, radius_px=radius, score=score)
        out[m] = track
    return out
