"""Hand labels of gait events: the file format, the contact-sheet tool and the label files."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gaitlab.errors import InputError
from gaitlab.labels.events import (
    event_time_s,
    frame_position,
    labels_from_dict,
    load_events,
    pass_agreement,
    read_event_rows,
    single_pass_labels,
    validation_problems,
)
from gaitlab.labels.sheet import (
    Box,
    KeyBox,
    SheetOptions,
    parse_box,
    parse_frames,
    picture_starts,
    plan_around,
    plan_frames,
    plan_sheet,
    read_centres,
    repeated_pictures,
    user_box_at,
    write_sheets,
)
from gaitlab.pose.tracks import PoseTracks

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


# ---------------------------------------------------------------------------- the format


def _doc(**changes) -> dict:
    """A small valid label document: 40 frames at 30 fps, one contact per foot."""
    times = [i / 30 for i in range(40)]
    rows = [
        {"side": "left", "kind": "strike", "frame": 5},
        {"side": "left", "kind": "toe_off", "frame": 13},
        {"side": "right", "kind": "strike", "frame": 16},
        {
            "side": "right",
            "kind": "toe_off",
            "frame": 24,
            "confidence": "hidden",
            "uncertainty_frames": 2,
        },
        {"side": "left", "kind": "strike", "frame": 27},
    ]
    labels = single_pass_labels(
        rows,
        clip="x.mp4",
        video_file="tests/data/x.mp4",
        fps=30.0,
        frame_times_s=np.asarray(times),
        variable_frame_rate=False,
        view="side",
        runner_faces="image-left",
        near_foot="left",
        steady_ranges=[(2, 37)],
        labeller="tester",
    )
    doc = labels.as_dict()
    doc.update(changes)
    return doc


def test_a_valid_document_round_trips(tmp_path: Path) -> None:
    doc = _doc()
    assert validation_problems(doc) == []
    path = tmp_path / "x.events.json"
    path.write_text(json.dumps(doc))
    labels = load_events(path)
    assert len(labels.events) == 5
    assert labels.as_dict() == doc
    table = labels.table()
    assert list(table["frame"]) == [5, 13, 16, 24, 27]
    assert list(table["foot"]) == ["near", "near", "far", "far", "near"]
    # a label is the first frame of the new state: the event sits half a frame before it
    assert table["position_frames"].tolist() == [4.5, 12.5, 15.5, 23.5, 26.5]
    assert table["time_s"].iloc[0] == pytest.approx(4.5 / 30)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda d: d["events"][0].update(frame=45), "outside the clip"),
        (lambda d: d["events"][0].update(time_s=0.5), "midpoint"),
        (lambda d: d["events"][1].update(kind="strike"), "two strike labels in a row"),
        (lambda d: d["events"][3].update(uncertainty_frames=0), "hidden event"),
        (lambda d: d["events"][0].update(settled_by="agreement"), "settled_by"),
        (lambda d: d["events"][0].update(pass2=6), "pass 2 is not done"),
        (lambda d: d.update(near_foot=None), "near foot"),
        (lambda d: d.update(frame_times_s=d["frame_times_s"][:-1]), "frame times"),
        (lambda d: d["steady_ranges"].append({"first": 30, "last": 39}), "overlap"),
        (lambda d: d["events"].append(dict(d["events"][0])), "labelled twice"),
        (lambda d: d["events"][0].update(prior_frame=5), "prior_frame"),
        (lambda d: d["events"][0].update(side="both"), "side"),
        (lambda d: d.pop("fps"), "fps"),
    ],
)
def test_broken_documents_are_refused_with_the_reason(change, needle: str) -> None:
    doc = copy.deepcopy(_doc())
    change(doc)
    problems = validation_problems(doc)
    assert problems, "the broken document passed"
    assert any(needle in p for p in problems), problems


def test_load_events_says_what_is_wrong_in_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_events(tmp_path / "none.events.json")
    bad = tmp_path / "bad.events.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not a readable JSON label file"):
        load_events(bad)
    doc = _doc()
    doc["events"][0]["frame"] = 99
    bad.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"bad\.events\.json is not a valid event label file"):
        load_events(bad)


def test_repeated_pictures_move_the_event_time_to_the_last_new_picture() -> None:
    times = np.arange(40) / 30
    assert event_time_s(10, times) == pytest.approx(9.5 / 30)
    assert event_time_s(10, times, prior_frame=7) == pytest.approx(8.5 / 30)
    doc = _doc()
    doc["events"][0].update(prior_frame=2, time_s=event_time_s(5, times, 2))
    assert validation_problems(doc) == []
    assert labels_from_dict(doc).table()["position_frames"].iloc[0] == 3.5


def test_frame_position_follows_variable_frame_times() -> None:
    times = np.array([0.0, 0.033, 0.1, 0.133, 0.166])  # one long interval (a dropped frame)
    assert frame_position(0.0665, times) == pytest.approx(1.5)
    assert frame_position(0.1165, times) == pytest.approx(2.5)
    assert frame_position(-0.0165, times) == pytest.approx(-0.5)
    assert frame_position(0.1825, times) == pytest.approx(4.5)


def test_pass_agreement_counts_equal_and_near_frames() -> None:
    doc = _doc()
    doc["labellers"]["pass2"] = "second"
    pass2 = {5: 5, 13: 14, 16: 16, 24: 27, 27: None}
    for e in doc["events"]:
        p2 = pass2[e["frame"]]
        e["pass2"] = p2
        e["settled_by"] = "agreement" if p2 == e["frame"] else "relook"
    agreement = pass_agreement(labels_from_dict(doc))
    assert agreement["all"]["compared"] == 4
    assert agreement["all"]["equal"] == pytest.approx(0.5)
    assert agreement["all"]["within_1_frame"] == pytest.approx(0.75)
    assert agreement["all"]["only_one_pass"] == 1
    assert agreement["near"]["compared"] == 2 and agreement["near"]["equal"] == 0.5
    assert agreement["far"]["within_1_frame"] == 0.5
    assert pass_agreement(labels_from_dict(_doc())) == {}


def test_event_csv_rows(tmp_path: Path) -> None:
    path = tmp_path / "pass.csv"
    path.write_text(
        "# comment\nside,kind,frame,prior_frame,confidence,uncertainty_frames,note\n"
        "left,strike,12,,clear,0,\nright,toe_off,20,18,hidden,,behind the console\n"
    )
    rows = read_event_rows(path)
    assert rows[0] == {
        "side": "left",
        "kind": "strike",
        "frame": 12,
        "confidence": "clear",
        "uncertainty_frames": 0,
        "prior_frame": 11,
        "note": "",
    }
    assert rows[1]["prior_frame"] == 18 and rows[1]["uncertainty_frames"] == 1
    path.write_text("side,kind,frame\nleft,landing,12\n")
    with pytest.raises(InputError, match=r"Row 1 of pass\.csv is not an event"):
        read_event_rows(path)


# ---------------------------------------------------------------------------- the sheet tool


def test_sheet_planning() -> None:
    assert plan_frames(0, 30, tiles=12, overlap=2) == [
        tuple(range(0, 12)),
        tuple(range(10, 22)),
        tuple(range(20, 30)),
    ]
    assert plan_frames(0, 10, tiles=4, step=3) == [(0, 3, 6, 9)]
    assert plan_around([50, 1, 50], 60, tiles=8) == [tuple(range(0, 8)), tuple(range(46, 54))]
    assert plan_around([59], 60, tiles=8) == [tuple(range(52, 60))]
    assert parse_frames("10:20", 100) == (10, 20)
    assert parse_frames(":", 100) == (0, 100)
    assert parse_frames("90:200", 100) == (90, 100)
    for bad in ("10-20", "20:10", "150:160"):
        with pytest.raises(InputError):
            parse_frames(bad, 100)
    assert parse_box("12:-5,10,200,100") == KeyBox(12, Box(-5, 10, 200, 100))
    with pytest.raises(InputError, match="is not a crop"):
        parse_box("1,2,3")


def test_key_boxes_are_interpolated_and_held_at_the_ends() -> None:
    keys = [KeyBox(10, Box(0, 0, 100, 50)), KeyBox(20, Box(100, 10, 100, 50))]
    assert user_box_at(keys, 15) == Box(50, 5, 100, 50)
    assert user_box_at(keys, 0) == Box(0, 0, 100, 50)
    assert user_box_at(keys, 99) == Box(100, 10, 100, 50)
    assert user_box_at([KeyBox(None, Box(1, 2, 30, 40))], 7) == Box(1, 2, 30, 40)
    assert user_box_at([], 7) is None


def test_repeated_pictures_are_found() -> None:
    rng = np.random.default_rng(1)
    # a 10 fps recording stored at 30 fps: a new picture every third frame, then copies
    changes = np.where(np.arange(90) % 3 == 0, 1.0 + rng.random(90) * 0.2, rng.random(90) * 0.1)
    changes[0] = np.nan
    repeats = repeated_pictures(changes)
    assert repeats[1:].tolist() == (np.arange(1, 90) % 3 != 0).tolist()
    assert picture_starts(repeats)[:7].tolist() == [0, 0, 0, 3, 3, 3, 6]
    # ordinary footage: every frame new, none taken for a repeat
    steady = 5.0 + rng.random(90)
    steady[0] = np.nan
    assert not repeated_pictures(steady).any()


def test_feet_crop_covers_both_feet_and_follows_a_crossing_runner() -> None:
    tracks = PoseTracks.load_npz(DATA / "male_side.tracks.npz")
    frames = tuple(range(100, 112))
    plan = plan_sheet(
        "s.png", frames, mode="feet", frame_size_px=(720, 1280), tracks=tracks, leg_px=400.0
    )
    assert plan.source == "pose" and not plan.follows
    box = plan.boxes[0]
    for name in ("left_heel", "right_heel", "left_foot_index", "right_foot_index"):
        xy = tracks.xy(name)[list(frames)]
        ok = np.isfinite(xy[:, 0])
        assert np.all(xy[ok, 0] >= box.x) and np.all(xy[ok, 0] <= box.x + box.w)
        assert np.all(xy[ok, 1] >= box.y) and np.all(xy[ok, 1] <= box.y + box.h)
    assert box.h < 0.4 * 1280  # a crop of the feet, not of the body
    assert plan.ref_line_y_px is not None and box.y < plan.ref_line_y_px < box.y + box.h
    # the same feet moved 40 px per frame across the picture: the crop follows them
    shifted = tracks.image_xy_px.copy()
    shifted[:, :, 0] = shifted[:, :, 0] * 0.2 + 40.0 * np.arange(tracks.n_frames)[:, None] - 3900
    crossing = tracks.replace(image_xy_px=shifted, width_px=4000)
    plan = plan_sheet(
        "s.png", frames, mode="feet", frame_size_px=(4000, 1280), tracks=crossing, leg_px=400.0
    )
    assert plan.follows
    assert plan.boxes[-1].x - plan.boxes[0].x == pytest.approx(11 * 40.0, abs=25)


def test_without_a_pose_the_crop_is_the_users_box_or_the_whole_frame() -> None:
    keys = [KeyBox(0, Box(0, 500, 200, 100)), KeyBox(100, Box(1000, 500, 200, 100))]
    plan = plan_sheet(
        "s.png",
        range(50, 54),
        mode="feet",
        frame_size_px=(1680, 720),
        tracks=None,
        leg_px=float("nan"),
        user_boxes=keys,
    )
    assert plan.source == "boxes" and plan.boxes[0] == Box(500, 500, 200, 100)
    plan = plan_sheet(
        "s.png",
        range(50, 54),
        mode="feet",
        frame_size_px=(1680, 720),
        tracks=None,
        leg_px=float("nan"),
    )
    assert plan.source == "frame" and plan.boxes[0] == Box(0, 0, 1680, 720)


def test_read_centres_from_labels_csv_and_lists(tmp_path: Path) -> None:
    labels = tmp_path / "l.events.json"
    labels.write_text(json.dumps(_doc()))
    assert read_centres(labels) == [5, 13, 16, 24, 27]
    csv = tmp_path / "strides.csv"
    csv.write_text("side,foot_strike_frame,toe_off_frame\nleft,10,18\nright,20,\n")
    assert read_centres(csv) == [10, 18, 20]
    lst = tmp_path / "c.json"
    lst.write_text("[3, 9.0]")
    assert read_centres(lst) == [3, 9]
    lst.write_text('{"nothing": 1}')
    with pytest.raises(InputError, match="holds no frames"):
        read_centres(lst)


def test_sheets_of_the_sample_clip(tmp_path: Path) -> None:
    tracks = PoseTracks.load_npz(DATA / "male_side.tracks.npz")
    sheets = write_sheets(
        ROOT / "sample_videos" / "male_side.mp4",
        tmp_path,
        tracks=tracks,
        frames=(100, 122),
        options=SheetOptions(tiles=12, overlap=2),
    )
    assert [s.frames for s in sheets] == [tuple(range(100, 112)), tuple(range(110, 122))]
    assert sheets[0].times_s[0] == pytest.approx(100 / 30)
    import cv2

    picture = cv2.imread(str(sheets[0].path))
    assert picture is not None
    height, width = picture.shape[:2]
    assert 600 <= width <= 1200 and height <= 1500
    # the tiles are the video's pixels: the first tile matches the crop of frame 100
    index = json.loads((tmp_path / "male_side_feet_sheets.json").read_text())
    assert index["sheets"][0]["frames"][0] == 100 and not index["sheets"][0]["repeats_picture_of"]
    body = write_sheets(
        ROOT / "sample_videos" / "male_side.mp4",
        tmp_path,
        tracks=tracks,
        centres=[200],
        options=SheetOptions(mode="body", tiles=5, zoom=1),
    )
    assert body[0].frames == (198, 199, 200, 201, 202)
    box = body[0].plan.boxes[0]  # the whole runner, head to feet
    for name in ("nose", "left_heel", "right_heel", "left_wrist", "right_wrist"):
        x, y = tracks.xy(name)[200]
        assert box.x <= x <= box.x + box.w and box.y <= y <= box.y + box.h


# ---------------------------------------------------------------------------- the commands


def test_label_commands_make_check_and_refuse_bad_input(tmp_path: Path) -> None:
    from .conftest import MALE_SIDE, run_gaitlab
    from .test_cli import assert_single_error_line

    proc = run_gaitlab("labels", "sheet", MALE_SIDE, "--out", tmp_path, "--frames", "50-60")
    assert_single_error_line(proc, "--frames '50-60' is not a frame range")
    proc = run_gaitlab(
        "labels", "sheet", MALE_SIDE, "--out", tmp_path, "--tracks", tmp_path / "none.npz"
    )
    assert_single_error_line(proc, "none.npz does not exist")
    csv = tmp_path / "pass.csv"
    csv.write_text("side,kind,frame\nleft,strike,20\nleft,toe_off,29\nright,strike,38\n")
    out = tmp_path / "male_side.events.json"
    proc = run_gaitlab(
        "labels",
        "make",
        MALE_SIDE,
        "--events",
        csv,
        "--out",
        out,
        "--view",
        "side",
        "--faces",
        "image-left",
        "--near-foot",
        "left",
        "--steady",
        "3:356",
        "--labeller",
        "tester",
    )
    assert proc.returncode == 0, proc.stderr
    labels = load_events(out)
    assert labels.n_frames == 360 and labels.video_file.endswith("male_side.mp4")
    assert [e.frame for e in labels.events] == [20, 29, 38]
    proc = run_gaitlab("labels", "check", out)
    assert proc.returncode == 0 and "3 events (2 strikes, 1 toe-offs)" in proc.stdout
    proc = run_gaitlab(
        "labels",
        "make",
        MALE_SIDE,
        "--events",
        csv,
        "--out",
        out,
        "--view",
        "side",
        "--faces",
        "image-left",
        "--steady",
        "3:356",
        "--labeller",
        "t",
    )
    assert_single_error_line(proc, "must name its near foot")


# ---------------------------------------------------------------------------- scoring


def _contacts(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    """A contact table like detect_contacts' from (side, strike position, toe-off position) in
    frames of a 30 fps clip (NaN: no event)."""
    from gaitlab.events import columns as C

    return pd.DataFrame(
        [
            {
                C.SIDE: side,
                C.FOOT_STRIKE_S: s / 30,
                C.TOE_OFF_S: t / 30,
                C.FOOT_STRIKE_FRAME: round(s),
                C.TOE_OFF_FRAME: None if np.isnan(t) else round(t),
                C.CONTACT_TIME_S: (t - s) / 30,
                C.QUALITY: "ok",
                C.USABLE: True,
            }
            for side, s, t in rows
        ]
    )


def test_scores_count_hits_misses_doubles_and_swaps() -> None:
    from gaitlab.labels.score import detected_events, match_events, score_clip, summarize

    labels = labels_from_dict(_doc())  # labels at 4.5 (L strike), 12.5 (L toe), 15.5 (R strike),
    # 23.5 (R toe), 26.5 (L strike); steady frames 2-37
    contacts = _contacts(
        [
            ("left", 4.5, 13.6),  # exact strike, toe-off 1.1 frames late
            ("left", 6.0, np.nan),  # a double of the first strike
            ("right", 14.5, np.nan),  # strike 1 frame early, its toe-off missed
            ("left", 29.0, 23.8),  # strike 2.5 late; a "left" toe-off on the right's label
            ("left", 38.6, np.nan),  # beyond the steady frames: ignored
        ]
    )
    detected = detected_events(contacts, labels.frame_times_s)
    matches = match_events(labels, detected, window_frames=5)
    s = summarize(matches)
    assert (s["labelled"], s["matched"], s["missed"], s["false"], s["swapped"]) == (5, 4, 1, 2, 1)
    assert s["within_1_frame"] == pytest.approx(2 / 5, abs=1e-3)
    assert s["within_2_frames"] == pytest.approx(3 / 5, abs=1e-3)
    assert s["mean_error_frames"] == pytest.approx((0 + 1.1 - 1.0 + 2.5) / 4, abs=1e-3)
    assert s["detected"] == 6
    assert (matches["status"] == "outside").sum() == 1
    # a tighter window turns the 2.5-frame strike into a miss and a false detection
    tight = summarize(match_events(labels, detected, window_frames=2))
    assert (tight["matched"], tight["missed"], tight["false"]) == (3, 2, 3)

    stride = {"side": "left", "start_s": 4.6 / 30, "end_s": 26.0 / 30, "usable": True}
    strides = pd.DataFrame([stride, {**stride, "side": "right", "usable": False}])
    scores = score_clip(labels, contacts, strides, reported_cadence_spm=160.0, window_frames=5)
    assert scores["events"]["near"]["labelled"] == 3 and scores["events"]["far"]["missed"] == 1
    ct = scores["contact_time"]["all"]
    assert (ct["labelled_contacts"], ct["compared"]) == (2, 1)
    assert ct["mean_error_ms"] == pytest.approx(1.1 / 30 * 1000, abs=1e-3)
    assert ct["mean_error_frames"] == pytest.approx(1.1, abs=1e-3)
    cad = scores["cadence"]
    assert cad["labels_spm"] == pytest.approx(60 * 2 / (22 / 30), abs=1e-3)
    assert cad["detected_spm"] == pytest.approx(60 * 3 / (24.5 / 30), abs=1e-3)
    assert cad["reported_error_pct"] == pytest.approx(100 * (160 / cad["labels_spm"] - 1), abs=1e-3)
    assert scores["strides"] == {
        "labelled": 1,
        "labelled_per_foot": {"near": 1},
        "usable_detected": 1,
        "usable_matching_labels": 1,
        "share_usable": 1.0,
    }


def test_matching_is_one_to_one_nearest_first() -> None:
    from gaitlab.labels.score import detected_events, match_events

    doc = _doc()
    labels = labels_from_dict(doc)
    # two detections either side of the left strike at 4.5: the nearer one matches
    contacts = _contacts([("left", 5.2, np.nan), ("left", 3.5, np.nan)])
    m = match_events(labels, detected_events(contacts, labels.frame_times_s), window_frames=5)
    hit = m[(m["status"] == "matched") & (m["label_frame"] == 5)]
    assert hit["error_frames"].tolist() == pytest.approx([0.7], abs=1e-3)
    assert (m["status"] == "false").sum() == 1


def test_a_repeated_picture_moves_the_label_position() -> None:
    from gaitlab.labels.score import detected_events, match_events

    doc = _doc()
    times = np.asarray(doc["frame_times_s"])
    doc["events"][0].update(prior_frame=2, time_s=event_time_s(5, times, 2))  # 3-frame picture
    labels = labels_from_dict(doc)
    contacts = _contacts([("left", 3.5, np.nan)])
    m = match_events(labels, detected_events(contacts, labels.frame_times_s))
    assert m.loc[m["label_frame"] == 5, "error_frames"].tolist() == pytest.approx([0.0], abs=1e-3)


# ---------------------------------------------------------------------------- the label files


LABEL_FILES = sorted(DATA.glob("*.events.json"))
PROTOCOL = ROOT / "docs" / "labelling-protocol.md"


def test_every_real_clip_is_labelled_and_valid() -> None:
    names = {p.name.removesuffix(".events.json") for p in LABEL_FILES}
    assert {"male_side", "rear_park_snow", "side_track_screenrec", "side_track_far"} <= names
    for path in LABEL_FILES:
        labels = load_events(path)
        stem = path.name.removesuffix(".events.json")
        assert (ROOT / labels.video_file).is_file(), labels.video_file
        tracks = PoseTracks.load_npz(DATA / f"{stem}.tracks.npz")
        assert tracks.n_frames == labels.n_frames
        assert np.allclose(tracks.time_s, labels.frame_times_s, atol=1e-4)
        table = labels.table()
        assert table["steady"].sum() >= 10, path.name
        # both feet labelled, strikes and toe-offs alike
        steady = table[table["steady"]]
        assert set(steady["side"]) == {"left", "right"}
        assert abs((steady["kind"] == "strike").sum() - (steady["kind"] == "toe_off").sum()) <= 2


def _protocol_table(start: str, end: str) -> list[list[str]]:
    """The data rows of the markdown table after ``start`` (header and rule lines left out)."""
    text = PROTOCOL.read_text(encoding="utf-8")
    body = text.split(start, 1)[1].split(end, 1)[0] if end else text.split(start, 1)[1]
    rows = [ln for ln in body.splitlines() if ln.startswith("|") and not ln.startswith("|---")]
    if rows and rows[0].startswith("| clip "):
        rows = rows[1:]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in rows]


def test_steady_ranges_are_the_protocols() -> None:
    rows = _protocol_table("| clip | steady ranges (frames) | why |", "## 6.")
    ranges = {r[0].strip("`"): r[1] for r in rows}
    for path in LABEL_FILES:
        labels = load_events(path)
        written = ", ".join(f"{a}-{b}" for a, b in labels.steady_ranges)
        assert ranges[labels.clip] == written, labels.clip


def test_agreement_figures_in_the_protocol_are_the_files() -> None:
    rows = _protocol_table("<!-- agreement-table: start -->", "<!-- agreement-table: end -->")
    stated = {(r[0].strip("`"), r[1]): r[2:] for r in rows if r[0].endswith(".mp4`")}
    for path in LABEL_FILES:
        labels = load_events(path)
        agreement = pass_agreement(labels)
        if not agreement:  # pass 2 not done: the protocol claims no figure for the clip
            assert not any(clip == labels.clip for clip, _ in stated), labels.clip
            continue
        for foot, a in agreement.items():
            compared, equal, within = stated[(labels.clip, foot)]
            assert int(compared) == a["compared"]
            assert equal == f"{100 * a['equal']:.0f}%"
            assert within == f"{100 * a['within_1_frame']:.0f}%"


def test_sample_clip_labels_give_the_measured_cadence() -> None:
    from gaitlab.labels.score import cadence_spm, steady_ranges_s

    truth = json.loads((ROOT / "sample_videos" / "male_side.groundtruth.json").read_text())
    labels = load_events(DATA / "male_side.events.json")
    table = labels.table()
    cadence = cadence_spm(table.loc[table["kind"] == "strike", "time_s"], steady_ranges_s(labels))
    value, tol = truth["cadence_spm"]["value"], truth["cadence_spm"]["uncertainty"]
    assert abs(cadence - value) <= tol, cadence
    # and contact times inside the ranges a runner at this cadence shows
    from gaitlab.labels.score import labelled_contacts

    ct_ms = 1000 * labelled_contacts(labels)["contact_time_s"]
    lo, hi = truth["plausible_ranges"]["contact_time_ms"]
    assert lo <= ct_ms.mean() <= hi and len(ct_ms) >= 30


def test_events_benchmark_quick(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "events_real.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "events_real.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    record = json.loads(out.read_text())
    s = record["clips"]["male_side.mp4"]
    assert s["events"]["all"]["labelled"] == len(load_events(DATA / "male_side.events.json").events)
    assert 0 <= s["events"]["near"]["within_1_frame"] <= 1
    assert s["cadence"]["labels_spm"] == pytest.approx(168.9, abs=0.5)
    assert "| male_side.mp4 |" in (tmp_path / "events_real.md").read_text()


# ---------------------------------------------------------------------------- two passes


def test_two_blind_passes_are_paired_and_merged() -> None:
    from gaitlab.labels.events import Settlement, merge_passes, pair_passes

    first = labels_from_dict(_doc())
    second_doc = _doc()
    second_doc["labellers"]["pass1"] = "second"
    shift = {5: 5, 13: 14, 16: 16, 24: 24, 27: 29}
    for e in second_doc["events"]:
        e["frame"] = shift[e["frame"]]
        e["pass1"] = e["frame"]
        e["prior_frame"] = e["frame"] - 1
        e["time_s"] = event_time_s(e["frame"], np.asarray(second_doc["frame_times_s"]))
    second_doc["events"].append(
        {
            **second_doc["events"][0],
            "side": "right",
            "kind": "strike",
            "frame": 36,
            "prior_frame": 35,
            "pass1": 36,
            "time_s": event_time_s(36, np.arange(40) / 30),
        }
    )
    second = labels_from_dict(second_doc)
    pairs = pair_passes(first, second)
    assert [p.key for p in pairs if not p.agree] == [
        ("left", "toe_off", 13, 14),
        ("left", "strike", 27, 29),
        ("right", "strike", None, 36),
    ]
    with pytest.raises(KeyError, match="no settlement"):
        merge_passes(first, second, {})
    merged = merge_passes(
        first,
        second,
        {
            ("left", "toe_off", 13, 14): Settlement(14, note="gap at 14"),
            ("left", "strike", 27, 29): Settlement(28),
            ("right", "strike", None, 36): Settlement(36),
        },
    )
    doc = merged.as_dict()
    assert validation_problems(doc) == []
    by_frame = {e["frame"]: e for e in doc["events"]}
    assert by_frame[14]["settled_by"] == "relook" and by_frame[14]["pass1"] == 13
    assert by_frame[28]["pass2"] == 29 and by_frame[5]["settled_by"] == "agreement"
    assert by_frame[36]["settled_by"] == "pass2_only" and by_frame[36]["pass1"] is None
    assert merged.labellers == {"pass1": "tester", "pass2": "second"}
    agreement = pass_agreement(merged)["all"]
    assert (agreement["compared"], agreement["only_one_pass"]) == (5, 1)
    assert agreement["equal"] == pytest.approx(3 / 5)


def test_sheets_show_one_frame_per_picture_on_a_clip_that_repeats_them(tmp_path: Path) -> None:
    video = DATA / "side_track_far.mp4"  # each picture held for about 3 frames
    box = [KeyBox(None, Box(400, 460, 200, 120))]
    plain = write_sheets(
        video,
        tmp_path,
        tracks=None,
        frames=(60, 72),
        user_boxes=box,
        options=SheetOptions(tiles=12, zoom=1),
    )
    assert plain[0].frames == tuple(range(60, 72))
    assert plain[0].repeat_of == {61: 60, 62: 60, 64: 63, 65: 63, 67: 66, 68: 66, 70: 69, 71: 69}
    distinct = write_sheets(
        video,
        tmp_path,
        tracks=None,
        frames=(60, 75),
        user_boxes=box,
        options=SheetOptions(tiles=12, zoom=1, distinct=True),
    )
    assert distinct[0].frames == (60, 63, 66, 69, 72) and not distinct[0].repeat_of
