"""Compare two pose bundles by their output on the same video frames.

A rebuilt ``.task`` file is not byte-identical to the shipped one (zip timestamps), so a rebuild
is checked by what it does: both bundles run through the installed mediapipe (gaitlab's own
environment) in VIDEO mode, one pose, on every decoded frame of one clip, and the script reports
the detection counts and the largest and mean landmark distance in pixels over the frames where
both found a pose. Member-by-member SHA-256 of the two zips is printed too.

Usage::

    python models/compare_bundles.py A.task B.task VIDEO [--max-frames N] [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from pathlib import Path

import av
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

N_LANDMARKS = 33


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of the file at ``path``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def member_sha256(path: Path) -> dict[str, str]:
    """Return ``{member name: sha256}`` for the members of the zip at ``path``."""
    with zipfile.ZipFile(path) as zf:
        return {info.filename: hashlib.sha256(zf.read(info)).hexdigest() for info in zf.infolist()}


def open_landmarker(model_path: Path) -> vision.PoseLandmarker:
    """Open a VIDEO-mode, one-pose landmarker on ``model_path``."""
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    return vision.PoseLandmarker.create_from_options(options)


def landmarks_px(result: vision.PoseLandmarkerResult, width: int, height: int) -> np.ndarray:
    """Return the first pose's landmarks as (33, 2) pixels, or all NaN if there is none."""
    if not result.pose_landmarks:
        return np.full((N_LANDMARKS, 2), np.nan)
    return np.array([[lm.x * width, lm.y * height] for lm in result.pose_landmarks[0]])


def run_both(
    model_a: Path, model_b: Path, video: Path, max_frames: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Run both bundles on the same decoded frames; return two (T, 33, 2) pixel arrays."""
    xy_a: list[np.ndarray] = []
    xy_b: list[np.ndarray] = []
    with (
        av.open(str(video)) as container,
        open_landmarker(model_a) as lm_a,
        open_landmarker(model_b) as lm_b,
    ):
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if max_frames is not None and len(xy_a) >= max_frames:
                break
            rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
            height, width = rgb.shape[:2]
            timestamp_ms = round(frame.time * 1000)
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            xy_a.append(landmarks_px(lm_a.detect_for_video(image, timestamp_ms), width, height))
            xy_b.append(landmarks_px(lm_b.detect_for_video(image, timestamp_ms), width, height))
    return np.stack(xy_a), np.stack(xy_b)


def compare(xy_a: np.ndarray, xy_b: np.ndarray) -> dict[str, float | int | None]:
    """Summarise two (T, 33, 2) landmark arrays: detections and pixel distances."""
    found_a = ~np.isnan(xy_a).any(axis=(1, 2))
    found_b = ~np.isnan(xy_b).any(axis=(1, 2))
    both = found_a & found_b
    dist_px = np.linalg.norm(xy_a[both] - xy_b[both], axis=-1)
    return {
        "frames": len(xy_a),
        "detections_a": int(found_a.sum()),
        "detections_b": int(found_b.sum()),
        "frames_compared": int(both.sum()),
        "max_diff_px": float(dist_px.max()) if dist_px.size else None,
        "mean_diff_px": float(dist_px.mean()) if dist_px.size else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_a", type=Path)
    parser.add_argument("model_b", type=Path)
    parser.add_argument("video", type=Path)
    parser.add_argument("--max-frames", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)

    xy_a, xy_b = run_both(args.model_a, args.model_b, args.video, args.max_frames)
    report = {
        "mediapipe": mp.__version__,
        "video": str(args.video),
        "a": {"file": str(args.model_a), "sha256": file_sha256(args.model_a)},
        "b": {"file": str(args.model_b), "sha256": file_sha256(args.model_b)},
        "members_identical": member_sha256(args.model_a) == member_sha256(args.model_b),
        **compare(xy_a, xy_b),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
