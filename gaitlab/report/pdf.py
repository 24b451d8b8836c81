"""``report.pdf``: the report page printed by WeasyPrint (its ``@media print`` and ``@page``
rules: A4, figures kept whole)."""

from __future__ import annotations

import logging
from pathlib import Path

from gaitlab.io import atomic_path


def write_pdf(html: str, path: str | Path, *, base_url: str | Path | None = None) -> Path:
    """Render ``html`` to a PDF file at ``path`` (atomically).

    Parameters
    ----------
    html
        The report page (:func:`gaitlab.report.html.render_html`).
    path
        Where to write.
    base_url
        Folder that relative links resolve against (the report's folder).
    """
    from weasyprint import HTML

    # WeasyPrint logs every CSS rule it does not support (screen-only rules here) as a warning;
    # they do not affect the printed page, so the user is not shown them.
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with atomic_path(path) as tmp:
            HTML(string=html, base_url=str(base_url) if base_url else None).write_pdf(tmp)
    finally:
        logger.setLevel(level)
    return Path(path)
