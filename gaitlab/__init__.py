"""gaitlab: running gait analysis from a single video.

The pipeline, one sub-package per stage::

    video -> pose -> signals -> events -> metrics -> findings -> report

and one Python API on top of it (:func:`gaitlab.analyze`) that the command line, the batch
runner and the web app all call.
"""

from __future__ import annotations

__all__ = ["Analysis", "__version__", "analyze", "batch"]


def _installed_version() -> str:
    """The installed distribution's version (reading it costs about 0.1 s: done on first use)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gaitlab")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0.0.0+unknown"


def __getattr__(name: str):
    """Import the API lazily, so ``import gaitlab`` stays light (no MediaPipe, no pandas)."""
    if name == "__version__":
        value = globals()["__version__"] = _installed_version()
        return value
    if name in ("analyze", "Analysis"):
        from gaitlab import api

        return getattr(api, name)
    if name == "batch":  # the sub-package, callable: gaitlab.batch(folder, out, ...)
        import importlib

        return importlib.import_module("gaitlab.batch")
    raise AttributeError(f"module 'gaitlab' has no attribute {name!r}")
