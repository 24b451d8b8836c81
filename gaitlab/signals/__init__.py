"""Signal stage: clean landmark tracks and read the camera view.

Modules: :mod:`~gaitlab.signals.swaps` (left/right swaps), :mod:`~gaitlab.signals.outliers`,
:mod:`~gaitlab.signals.gaps`, :mod:`~gaitlab.signals.filters` (low-pass),
:mod:`~gaitlab.signals.clean` (all four in order) and :mod:`~gaitlab.signals.view` (view,
facing, setting). Every function takes and returns
:class:`~gaitlab.pose.tracks.PoseTracks` and records itself in ``meta["steps"]``.
"""
