"""gaitlab: running gait analysis from a single video.

The pipeline, one sub-package per stage::

    video -> pose -> signals -> events -> metrics -> findings -> report

and one Python API on top of it (:func:`gaitlab.analyze`) that the command line, the batch
runner and the web app all call.
"""

from __future__ import annotations

#: The one place the version is written: the build reads it from here (``[tool.hatch.version]``),
#: so a source tree, an editable install and a wheel agree whatever the distribution is called
#: (``gaitlab-running`` on PyPI; the import name is ``gaitlab``).
__version__ = "0.1.0"

__all__ = ["Analysis", "__version__", "analyze", "batch"]


def __getattr__(name: str):
    """Import the API lazily, so ``import gaitlab`` stays light (no MediaPipe, no pandas)."""
    if name in ("analyze", "Analysis"):
        from gaitlab import api

        return getattr(api, name)
    if name == "batch":  # the sub-package, callable: gaitlab.batch(folder, out, ...)
        import importlib

        return importlib.import_module("gaitlab.batch")
    raise AttributeError(f"module 'gaitlab' has no attribute {name!r}")
