"""Landmark exports for other tools (OpenSim ``.trc``)."""

from __future__ import annotations

from gaitlab.export.trc import TrcData, read_trc, to_opensim_axes, write_trc

__all__ = ["TrcData", "read_trc", "to_opensim_axes", "write_trc"]
