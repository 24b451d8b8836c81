"""Writing the report folder: ``report.html``, optionally ``report.pdf`` and ``annotated.mp4``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gaitlab.io import write_text_atomic
from gaitlab.report.annotate import write_annotated_video
from gaitlab.report.cycles import cycle_curves, pelvis_curves
from gaitlab.report.html import render_html, report_context
from gaitlab.report.keyframes import key_frames

if TYPE_CHECKING:
    from gaitlab.result.analysis import Analysis, ClipAnalysis


#: The annotated clip's file name (the first clip with a video; others get their stem added).
VIDEO_NAME = "annotated.mp4"


def has_video(clip: ClipAnalysis) -> bool:
    """True when the clip came from a video file that can still be read."""
    return clip.pose.video.codec != "none" and Path(clip.path).is_file()


def video_names(analysis: Analysis) -> dict[str, str]:
    """File name of the annotated clip of every clip with a video: ``annotated.mp4`` for the
    first, ``annotated-<stem>.mp4`` for the others."""
    names = {}
    for clip in analysis.clips:
        if has_video(clip):
            names[clip.name] = VIDEO_NAME if not names else f"annotated-{Path(clip.name).stem}.mp4"
    return names


def build_html(
    analysis: Analysis, *, video_href: str | None = None, video_clip: str | None = None
) -> str:
    """The report page of an analysis (key frames and plots of every clip)."""
    frames = [k for clip in analysis.clips for k in key_frames(clip)]
    curves = [
        c
        for clip in analysis.clips
        for c in cycle_curves(
            clip.tracks,
            clip.strides,
            view=clip.view.label,
            facing=clip.view.facing,
            clip=clip.name,
        )
    ] + [c for clip in analysis.clips for c in pelvis_curves(clip)]
    return render_html(
        report_context(
            analysis, frames=frames, curves=curves, video_href=video_href, video_clip=video_clip
        )
    )


def write_report(
    analysis: Analysis,
    out_dir: str | Path,
    *,
    pdf: bool = False,
    video: bool = True,
) -> dict[str, Path]:
    """Write the report of an analysis into ``out_dir``.

    Parameters
    ----------
    analysis
        The :class:`gaitlab.result.analysis.Analysis` (from :func:`gaitlab.analyze`, or
        :func:`gaitlab.api.assemble` of :func:`gaitlab.api.analyze_tracks` results).
    out_dir
        The output folder (created when missing).
    pdf
        Also write ``report.pdf``.
    video
        Also write ``annotated.mp4`` (clips given as landmarks have no video to draw on).

    Returns
    -------
    dict of str to Path
        What was written: ``report`` (``report.html``), ``pdf``, and ``video`` (the first
        annotated clip) or ``video:<clip name>`` for further ones.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = video_names(analysis) if video else {}
    first = next(iter(names), None)
    html = build_html(analysis, video_href=names.get(first), video_clip=first)
    written = {"report": write_text_atomic(out / "report.html", html)}
    if pdf:
        from gaitlab.report.pdf import write_pdf

        written["pdf"] = write_pdf(html, out / "report.pdf", base_url=out)
    by_name = {c.name: c for c in analysis.clips}
    for n, (clip_name, file_name) in enumerate(names.items()):
        key = "video" if n == 0 else f"video:{clip_name}"
        written[key] = write_annotated_video(by_name[clip_name], out / file_name)
    return written
