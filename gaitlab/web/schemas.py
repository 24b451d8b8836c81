"""The JSON API's models (what ``/api/v1`` reads and answers, as its OpenAPI description
shows them) and the functions that make them from the service layer's rows."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from gaitlab.web import db, services
from gaitlab.web import history as H
from gaitlab.web.keyframes import KeyFrame


def _utf8(text: str) -> str:
    """Refuse text that cannot be stored (lone surrogates from ``\\ud800`` escapes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return text


Text = Annotated[str, AfterValidator(_utf8)]


class ErrorOut(BaseModel):
    detail: str


class MeOut(BaseModel):
    name: str


class RunnerIn(BaseModel):
    name: Text = Field(min_length=1, max_length=200, description="Name or code of the runner.")
    height_cm: float | None = Field(
        default=None, ge=50, le=250, description="Height in cm (distances are then also in cm)."
    )
    notes: Text = Field(default="", max_length=4000)


class RunnerOut(BaseModel):
    id: str
    name: str
    height_cm: float | None
    notes: str
    created_utc: str


class SessionIn(BaseModel):
    date: _dt.date | None = Field(default=None, description="Day of the session (default today).")
    notes: Text = Field(default="", max_length=4000)


class SessionOut(BaseModel):
    id: str
    runner_id: str
    date: str
    notes: str
    created_utc: str


class ClipOut(BaseModel):
    id: str
    session_id: str
    name: str
    size_bytes: int
    sha256: str
    view: str | None = Field(description="The view the capture checks saw.")
    view_set: str | None = Field(
        default=None, description="The view set by hand (the analysis uses it), or null."
    )
    checks: list[dict[str, Any]]


class StatusOut(BaseModel):
    session_id: str
    state: Literal["none", "queued", "running", "done", "failed"]
    analysis_id: str | None = None
    stage: str = ""
    stage_text: str = ""
    done: int = 0
    total: int = 0
    error: str | None = None
    refused: bool = Field(
        default=False, description="Failed because no clip could be used (error says why)."
    )


class SessionDetailOut(SessionOut):
    clips: list[ClipOut]
    status: StatusOut


class UploadOut(BaseModel):
    clip: ClipOut
    status_url: str


class ResultsOut(BaseModel):
    session_id: str
    analysis_id: str
    summary: dict[str, Any] = Field(description="The analysis's summary.json.")
    files: dict[str, str] = Field(description="Download URLs by kind (pdf, csv, video, json).")


class ChangeOut(BaseModel):
    before: float | None
    after: float | None
    delta: float | None
    mdc: float
    stride_noise: float | None
    needed: float | None
    verdict: Literal["real_change", "no_real_change", "not_comparable"]
    direction: Literal["better", "worse", "up", "down"] | None


class MetricRuleOut(BaseModel):
    name: str
    unit: str
    mdc: float
    better: Literal["higher", "lower", "either"]
    source: str


class HistoryRowOut(BaseModel):
    session_id: str
    date: str
    analysis_id: str | None
    findings: dict[str, str]
    values: dict[str, float | None]
    changes: dict[str, ChangeOut]
    previous_session_id: str | None


class SeriesOut(BaseModel):
    metric: str
    unit: str
    session_ids: list[str]
    dates: list[str]
    values: list[float | None]
    verdicts: list[Literal["real_change", "no_real_change", "not_comparable"] | None]
    mdc: float
    band_low: float | None
    band_high: float | None


class HistoryOut(BaseModel):
    runner_id: str
    metrics: list[MetricRuleOut]
    rows: list[HistoryRowOut]
    series: list[SeriesOut]
    overall: dict[str, ChangeOut]


class KeyFrameOut(BaseModel):
    key: str
    caption: str


class CompareSideOut(BaseModel):
    session_id: str
    date: str
    analysis_id: str | None
    findings: dict[str, str]
    values: dict[str, float | None]
    keyframes: list[KeyFrameOut]
    report_url: str | None


class CompareOut(BaseModel):
    runner_id: str
    a: CompareSideOut
    b: CompareSideOut
    changes: dict[str, ChangeOut]


def _utc(seconds: float) -> str:
    return _dt.datetime.fromtimestamp(seconds, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def runner_out(r: db.Runner) -> RunnerOut:
    return RunnerOut(
        id=r.id, name=r.name, height_cm=r.height_cm, notes=r.notes, created_utc=_utc(r.created_s)
    )


def session_out(s: db.Session) -> SessionOut:
    return SessionOut(
        id=s.id, runner_id=s.runner_id, date=s.date, notes=s.notes, created_utc=_utc(s.created_s)
    )


def clip_out(c: db.Clip) -> ClipOut:
    return ClipOut(
        id=c.id, session_id=c.session_id, name=c.display_name, size_bytes=c.size_bytes,
        sha256=c.sha256, view=c.view, view_set=c.view_set, checks=c.checks,
    )  # fmt: skip


def status_out(status: services.Status) -> StatusOut:
    return StatusOut(**dataclasses.asdict(status))


def results_out(session_id: str, results: services.Results) -> ResultsOut:
    job_id = results.analysis.id
    files = {kind: f"/analyses/{job_id}/download/{kind}" for kind in results.files}
    return ResultsOut(
        session_id=session_id, analysis_id=job_id, summary=dict(results.summary), files=files
    )


def change_out(c: H.Change) -> ChangeOut:
    return ChangeOut(
        before=c.before, after=c.after, delta=c.delta, mdc=c.mdc, stride_noise=c.stride_noise,
        needed=c.needed, verdict=c.verdict, direction=c.direction,
    )  # fmt: skip


def history_out(runner_id: str, history: H.History, results: list[H.SessionResult]) -> HistoryOut:
    """The API form of a :class:`gaitlab.web.history.History`."""
    units = {name: H.unit_of(results, name) for name in history.rules.names}
    rows = [
        HistoryRowOut(
            session_id=r.session_id,
            date=r.date,
            analysis_id=r.analysis_id,
            findings=dict(r.findings),
            values={n: v.value if v else None for n, v in r.readings.items()},
            changes={n: change_out(c) for n, c in r.changes.items()},
            previous_session_id=r.previous_session_id,
        )
        for r in history.rows
    ]
    series = [
        SeriesOut(**dataclasses.asdict(H.plot_series(history, n, unit=units[n])))
        for n in history.rules.names
    ]
    metrics = [
        MetricRuleOut(name=m.name, unit=units[m.name], mdc=m.mdc, better=m.better, source=m.source)
        for m in history.rules.metrics
    ]
    overall = {n: change_out(c) for n, c in history.overall.items()}
    return HistoryOut(
        runner_id=runner_id, metrics=metrics, rows=rows, series=series, overall=overall
    )


def compare_out(
    runner_id: str, c: H.Comparison, frames_of: Callable[[str | None], list[KeyFrame]]
) -> CompareOut:
    """The API form of a :class:`gaitlab.web.history.Comparison`; ``frames_of(analysis_id)``
    gives each side's key frames."""

    def side(s: H.SessionResult, index: int) -> CompareSideOut:
        frames = frames_of(s.analysis_id)
        values = {n: pair[index].value if pair[index] else None for n, pair in c.readings.items()}
        return CompareSideOut(
            session_id=s.session_id, date=s.date, analysis_id=s.analysis_id,
            findings={p: pair[index] for p, pair in c.findings.items()},
            values=values,
            keyframes=[KeyFrameOut(key=k.moment, caption=k.caption) for k in frames],
            report_url=f"/analyses/{s.analysis_id}/files/report.html" if s.analysis_id else None,
        )  # fmt: skip

    return CompareOut(
        runner_id=runner_id, a=side(c.a, 0), b=side(c.b, 1),
        changes={n: change_out(ch) for n, ch in c.changes.items()},
    )  # fmt: skip
