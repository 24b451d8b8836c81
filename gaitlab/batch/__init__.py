"""Batch processing: a folder of videos in, tidy tables out, on Dask.

The package is callable: ``gaitlab.batch(folder, out, ...)`` is
:func:`gaitlab.batch.runner.batch` (a package and a function cannot share the name
``gaitlab.batch`` otherwise, since importing the package sets the attribute).

>>> import gaitlab
>>> result = gaitlab.batch("clips/", "batch-out/", workers=2)      # doctest: +SKIP
>>> from gaitlab.batch import load_summary, load_strides
>>> load_summary("batch-out/").groupby("view")["cadence_spm"].mean()  # doctest: +SKIP

The runner imports Dask only when it runs; the loaders need pandas only.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from gaitlab.batch.plan import VIDEO_EXTENSIONS, find_videos
from gaitlab.batch.tables import left_right, load_run, load_strides, load_summary

__all__ = [
    "VIDEO_EXTENSIONS",
    "BatchProgress",
    "BatchResult",
    "batch",
    "find_videos",
    "left_right",
    "load_run",
    "load_strides",
    "load_summary",
]


def __getattr__(name: str):
    """The runner (and Dask with it) is imported on first use."""
    if name in ("batch", "BatchResult", "BatchProgress"):
        from gaitlab.batch import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'gaitlab.batch' has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`gaitlab.batch.runner.batch`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from gaitlab.batch.runner import batch

        return batch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
