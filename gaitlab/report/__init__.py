"""Report stage: ``report.html`` (one self-contained page), ``report.pdf`` and ``annotated.mp4``.

>>> from gaitlab.report import write_report
>>> write_report(result, "out/", pdf=True)          # doctest: +SKIP
{'report': PosixPath('out/report.html'), 'pdf': ..., 'video': PosixPath('out/annotated.mp4')}

Modules: :mod:`~gaitlab.report.cycles` (curves over the gait cycle),
:mod:`~gaitlab.report.keyframes` (drawn moments of a typical stride),
:mod:`~gaitlab.report.figures` (plots), :mod:`~gaitlab.report.html` (the page),
:mod:`~gaitlab.report.pdf`, :mod:`~gaitlab.report.annotate` (the annotated clip),
:mod:`~gaitlab.report.write` (the folder).
"""

from __future__ import annotations

__all__ = ["write_report"]


def __getattr__(name: str):
    """Import lazily, so ``import gaitlab.report`` does not load matplotlib, OpenCV or PyAV."""
    if name == "write_report":
        from gaitlab.report.write import write_report

        return write_report
    raise AttributeError(f"module 'gaitlab.report' has no attribute {name!r}")
