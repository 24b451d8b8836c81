"""Mirror a clip left-right: the same run seen in a mirror (for the symmetry tests)."""

from __future__ import annotations

import numpy as np

from gaitlab.pose.landmarks import MIRROR_INDEX
from gaitlab.pose.tracks import PoseTracks


def mirror_tracks(tracks: PoseTracks) -> PoseTracks:
    """The tracks of the horizontally mirrored video.

    Image x becomes ``width_px - x``, world x changes sign, and every left landmark takes the
    place of its right counterpart (:data:`gaitlab.pose.landmarks.MIRROR_INDEX`): a runner facing
    right becomes a runner facing left whose left leg did what the right leg did.

    Parameters
    ----------
    tracks
        Landmark tracks.

    Returns
    -------
    PoseTracks
        Mirrored tracks (the step ``mirror_tracks`` is recorded).
    """
    idx = np.asarray(MIRROR_INDEX)
    image = tracks.image_xy_px[:, idx].copy()
    image[..., 0] = tracks.width_px - image[..., 0]
    world = tracks.world_xyz_m[:, idx].copy()
    world[..., 0] = -world[..., 0]
    out = tracks.replace(
        image_xy_px=image,
        world_xyz_m=world,
        visibility=tracks.visibility[:, idx].copy(),
        presence=tracks.presence[:, idx].copy(),
    )
    return out.with_step("mirror_tracks")
