"""Skin stickers on the pelvis: found, tracked and named, frame by frame.

Clinicians measure pelvic drop and anterior pelvic tilt in 2D from round stickers on the bony
points of the pelvis: both posterior superior iliac spines (PSIS, the dimples low on the back)
for a rear view, the anterior and posterior spine (ASIS, PSIS) on the camera side for a side
view. A sticker's centre can be found to a fraction of a pixel, far better than a learned
landmark, which is why gaitlab measures the pelvis from stickers and not from hip landmarks.

The package works in two steps, so that the per-frame work does not depend on frame order:

* :mod:`gaitlab.markers.detect`: in one frame, round saturated blobs of a sticker's size in a
  small region around the pose's pelvis, each with a sub-pixel centre (a colour-mixing weight
  per pixel, then the weighted centroid);
* :mod:`gaitlab.markers.track`: over the whole clip, which blobs are stickers (a colour seen at
  the same place on the body in many frames), which sticker is which (left/right PSIS, ASIS vs
  PSIS, from their place relative to the pose), and which frames to drop (a sticker partly
  hidden, a jump). A frame where a sticker is not seen stays NaN.

:class:`gaitlab.markers.observer.MarkerObserver` ties the two to the pose pass, and
:class:`gaitlab.markers.model.MarkerTracks` is what comes out.
"""
