"""A synthetic runner with a known answer, for validating every stage of gaitlab.

:func:`generate_run` turns a :class:`RunnerSpec` (body, gait, frontal-plane pattern, camera and
tracking imperfections) into MediaPipe-like :class:`~gaitlab.pose.tracks.PoseTracks` and the
:class:`Truth` behind them (exact event times and metric values); :func:`cohort` samples many
specs reproducibly. The model is described in :mod:`gaitlab.synthetic.kinematics` and
:mod:`gaitlab.synthetic.camera`, the truth keys in :mod:`gaitlab.synthetic.spec`.

Examples
--------
>>> from gaitlab.synthetic import RunnerSpec, generate_run
>>> run = generate_run(RunnerSpec(view="rear", pelvic_drop_deg=6.0, fps=60))
>>> round(run.truth.values["pelvic_drop_deg"], 6)
6.0
"""

from __future__ import annotations

from gaitlab.synthetic.generate import SyntheticRun, cohort, generate_run, spec_problems
from gaitlab.synthetic.spec import Event, RunnerSpec, Truth

__all__ = [
    "Event",
    "RunnerSpec",
    "SyntheticRun",
    "Truth",
    "cohort",
    "generate_run",
    "spec_problems",
]
