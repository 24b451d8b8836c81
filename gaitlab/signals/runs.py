"""Contiguous runs in boolean masks, the building block of gap filling and run-wise filtering."""

from __future__ import annotations

import numpy as np


def true_runs(mask: np.ndarray) -> np.ndarray:
    """Start and stop indices of every run of True in a 1-D mask.

    Parameters
    ----------
    mask
        ``(T,)`` booleans.

    Returns
    -------
    numpy.ndarray
        ``(n_runs, 2)`` integer array; row ``[start, stop)`` covers one run.

    Examples
    --------
    >>> true_runs(np.array([0, 1, 1, 0, 1], bool)).tolist()
    [[1, 3], [4, 5]]
    """
    m = np.asarray(mask, dtype=bool).astype(np.int8)
    edges = np.diff(np.concatenate([[0], m, [0]]))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    return np.stack([starts, stops], axis=1)
