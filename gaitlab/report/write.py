"""Writing the report folder: ``report.html``, the key frames as files with an index, optionally
``report.pdf``, the home programme and ``annotated.mp4``.

The key frames go to ``keyframes/`` as PNG files, listed in ``keyframes/index.json``::

    {"schema": 1, "frames": [{"file": "keyframes/<clip>-<moment>.png", "clip": "side.mp4",
      "moment": "toe_off", "side": "left", "frame": 281, "time_s": 9.367,
      "caption": "Hip extension at its peak, ...", "metric": "hip_extension_deg",
      "value": 13.1, "unit": "deg"}]}

``file`` is relative to the report folder; ``frame`` indexes the clip's frames (its tracks);
``metric``/``value``/``unit`` are the number the picture shows for that stride (null when a
moment documents none). The report page embeds the same pictures, so it stays one file.
"""

from __future__ import annotations

import datetime as _dt
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from gaitlab.io import atomic_path, write_json_atomic, write_text_atomic
from gaitlab.report import programme
from gaitlab.report.annotate import write_annotated_video
from gaitlab.report.cycles import cycle_curves, pelvis_curves
from gaitlab.report.html import keyframe_caption, render_html, report_context
from gaitlab.report.keyframes import INDEX_SCHEMA, KeyFrame, key_frames

if TYPE_CHECKING:
    from gaitlab.result.analysis import Analysis, ClipAnalysis


#: The key frames' folder in the report folder, and its index.
KEYFRAMES_DIR = "keyframes"
KEYFRAMES_INDEX = "index.json"

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


def keyframe_files(frames: Sequence[KeyFrame]) -> list[str]:
    """The file of each key frame, relative to the report folder:
    ``keyframes/<clip stem>-<moment>.png`` (the stem made safe for a file name; a stem two
    clips share gets the clip's position added)."""
    stems: dict[str, str] = {}
    used: set[str] = set()
    out = []
    for k in frames:
        if k.clip not in stems:
            stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(k.clip).stem).strip("-") or "clip"
            if stem in used:
                stem = f"{stem}-{len(stems) + 1}"
            stems[k.clip] = stem
            used.add(stem)
        out.append(f"{KEYFRAMES_DIR}/{stems[k.clip]}-{k.key}.png")
    return out


def write_keyframes(out_dir: str | Path, frames: Sequence[KeyFrame]) -> Path:
    """Write the key frames as PNG files and ``keyframes/index.json`` (written last, so it
    never names a missing file); PNG files of an earlier run that the index no longer names
    are removed. Returns the index's path."""
    import cv2

    out = Path(out_dir)
    folder = out / KEYFRAMES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    files = keyframe_files(frames)
    entries = []
    for k, name in zip(frames, files, strict=True):
        ok, png = cv2.imencode(".png", k.image[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 3])
        if not ok:  # pragma: no cover - OpenCV encodes any uint8 RGB picture
            raise RuntimeError(f"OpenCV could not encode the key frame {name} as PNG.")
        with atomic_path(out / name) as tmp:
            tmp.write_bytes(png.tobytes())
        entries.append(
            {
                "file": name,
                "clip": k.clip,
                "moment": k.key,
                "side": k.side if k.side in ("left", "right") else None,
                "frame": int(k.frame_index),
                "time_s": round(float(k.time_s), 4),
                "caption": keyframe_caption(k),
                "metric": k.metric,
                "value": None if k.value is None else round(float(k.value), 4),
                "unit": k.unit,
            }
        )
    index = write_json_atomic(folder / KEYFRAMES_INDEX, {"schema": INDEX_SCHEMA, "frames": entries})
    keep = {Path(name).name for name in files}
    for old in folder.glob("*.png"):
        if old.name not in keep:
            old.unlink()
    return index


def build_html(
    analysis: Analysis,
    *,
    video_href: str | None = None,
    video_clip: str | None = None,
    programme_href: str | None = None,
    programme_pdf: str | None = None,
    frames: Sequence[KeyFrame] | None = None,
    runner: str | None = None,
    session_date: _dt.date | None = None,
) -> str:
    """The report page of an analysis (key frames and plots of every clip; the key frames are
    made here unless given)."""
    if frames is None:
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
            analysis,
            frames=frames,
            curves=curves,
            video_href=video_href,
            video_clip=video_clip,
            programme_href=programme_href,
            programme_pdf=programme_pdf,
            runner=runner,
            session_date=session_date,
        )
    )


#: Called with ``(stage, done, total)`` while the report is written: ``stage`` is the file
#: being written (``keyframes``, ``report.html``, the PDF's name, ``home-programme.html``, the
#: annotated clip's name); ``done == total`` when it is finished. The annotated clip reports
#: its frames.
ReportProgress = Callable[[str, int, int], None]


def slug(text: str) -> str:
    """``text`` made safe and short for a file name (``Alex Example`` -> ``alex-example``)."""
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return s[:40].strip("-")


def pdf_name(stem: str, runner: str | None, session_date: _dt.date | None) -> str:
    """The PDF's file name: ``<stem>.pdf``, or ``<stem>-<runner>-<date>.pdf`` with the runner
    (made file-safe) and the session date when given, so it can be filed in a record."""
    parts = [stem]
    if runner and slug(runner):
        parts.append(slug(runner))
    if session_date is not None:
        parts.append(session_date.isoformat())
    return "-".join(parts) + ".pdf"


def write_report(
    analysis: Analysis,
    out_dir: str | Path,
    *,
    pdf: bool = False,
    video: bool = True,
    runner: str | None = None,
    session_date: _dt.date | None = None,
    progress: ReportProgress | None = None,
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
        Also write the report as PDF (and the home programme's PDF when there is one).
    video
        Also write ``annotated.mp4`` (clips given as landmarks have no video to draw on).
    runner
        The runner's name or code: shown on the pages and part of the PDFs' names.
    session_date
        The day the clips were filmed: shown on the pages and part of the PDFs' names.
    progress
        Told of each file as it is written (:data:`ReportProgress`).

    Returns
    -------
    dict of str to Path
        What was written: ``report`` (``report.html``), ``keyframes`` (the key frames'
        ``index.json``), ``pdf`` (``report.pdf``, or ``report-<runner>-<date>.pdf``:
        :func:`pdf_name`), ``programme`` (``home-programme.html``, when a finding is flagged)
        and ``programme_pdf``, and ``video`` (the first annotated clip) or
        ``video:<clip name>`` for further ones.
    """
    tell = _one_at_a_time(progress) if progress else (lambda stage, done, total: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = video_names(analysis) if video else {}
    first = next(iter(names), None)
    by_name = {c.name: c for c in analysis.clips}
    # The annotated clips are encoded in a background thread while the key frames and pages
    # are built: the encoder and decoder (FFmpeg's own threads, outside the GIL) and the plots
    # (Python) use the cores side by side instead of one after the other.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gaitlab-annotate") as encoder:
        encoding = {}
        for clip_name, file_name in names.items():

            def frames_done(done: int, total: int, file_name: str = file_name) -> None:
                tell(file_name, done, total)

            encoding[clip_name] = encoder.submit(
                write_annotated_video, by_name[clip_name], out / file_name, progress=frames_done
            )
        try:
            written = _write_pages(
                analysis,
                out,
                tell,
                pdf=pdf,
                names=names,
                first=first,
                runner=runner,
                session_date=session_date,
            )
        except BaseException:
            encoder.shutdown(cancel_futures=True)
            raise
        for n, (clip_name, job) in enumerate(encoding.items()):
            written["video" if n == 0 else f"video:{clip_name}"] = job.result()
    return written


def _write_pages(
    analysis: Analysis,
    out: Path,
    tell: ReportProgress,
    *,
    pdf: bool,
    names: dict[str, str],
    first: str | None,
    runner: str | None,
    session_date: _dt.date | None,
) -> dict[str, Path]:
    """The key frames, the report page and the home programme (with their PDFs)."""
    flagged = programme.has_programme(analysis.findings)
    report_pdf = pdf_name("report", runner, session_date)
    programme_pdf = pdf_name(programme.PDF_NAME.removesuffix(".pdf"), runner, session_date)
    tell(KEYFRAMES_DIR, 0, 1)
    frames = [k for clip in analysis.clips for k in key_frames(clip)]
    written = {"keyframes": write_keyframes(out, frames)}
    tell(KEYFRAMES_DIR, 1, 1)
    tell("report.html", 0, 1)
    html = build_html(
        analysis,
        video_href=names.get(first),
        video_clip=first,
        programme_href=programme.HTML_NAME if flagged else None,
        programme_pdf=programme_pdf if flagged and pdf else None,
        frames=frames,
        runner=runner,
        session_date=session_date,
    )
    written["report"] = write_text_atomic(out / "report.html", html)
    tell("report.html", 1, 1)
    if pdf:
        from gaitlab.report.pdf import write_pdf

        tell(report_pdf, 0, 1)
        written["pdf"] = write_pdf(html, out / report_pdf, base_url=out)
        tell(report_pdf, 1, 1)
    if flagged:
        tell(programme.HTML_NAME, 0, 1)
        page = programme.render_programme(
            programme.programme_context(analysis.findings, runner=runner, session_date=session_date)
        )
        written["programme"] = write_text_atomic(out / programme.HTML_NAME, page)
        tell(programme.HTML_NAME, 1, 1)
        if pdf:
            from gaitlab.report.pdf import write_pdf

            tell(programme_pdf, 0, 1)
            written["programme_pdf"] = write_pdf(page, out / programme_pdf, base_url=out)
            tell(programme_pdf, 1, 1)
    return written


def _one_at_a_time(progress: ReportProgress) -> ReportProgress:
    """``progress`` called under a lock (the encoder's thread and the pages' tell it)."""
    lock = threading.Lock()

    def tell(stage: str, done: int, total: int) -> None:
        with lock:
            progress(stage, done, total)

    return tell
