#!/usr/bin/env bash
# Set up the rendered-runner benchmark's own environment, inside this checkout:
#   benchmarks/render/.venv   torch (CPU build), anny (the body model), OpenCV, and gaitlab from
#                             this checkout (editable), so rendering and measuring use one venv.
# Ignored by git. Safe to run again (an existing .venv is reused). ffmpeg must be on PATH (the
# repository's setup.sh installs it).
#
#   bash benchmarks/render/setup.sh            # then see benchmarks/render/README.md
#
# torch is pinned to 2.13.0: on the project's machines pip takes that CPU build from local disk;
# a plain `torch` (or a range that admits a newer release) pulls a CUDA build of several GB.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}

command -v ffmpeg >/dev/null || { echo "error: ffmpeg is not on PATH; run the repository's setup.sh (it installs it)" >&2; exit 2; }

if [ ! -x "$here/.venv/bin/python" ]; then
  "$PYTHON" -m venv "$here/.venv"
fi
py="$here/.venv/bin/python"
"$py" -m pip install --quiet --upgrade pip
# torch first and pinned in every later call, so that no other package can pull a newer build.
"$py" -m pip install --quiet "$TORCH_SPEC"
# gaitlab's dependencies bring mediapipe, PyAV and OpenCV (opencv-contrib-python), which the
# renderer uses too.
# numba: the renderer's triangle filler (compiled; the body's ~14,000 visible triangles per frame)
"$py" -m pip install --quiet "$TORCH_SPEC" "anny==0.6.2" "numba>=0.60" -e "$repo"
# the first anny.Anny() builds and caches its model data (about 800 MB, a minute or more, once)
export ANNY_CACHE_DIR="$here/.cache/anny"
"$py" - <<'EOF'
import torch, anny
torch.set_num_threads(1)
anny.Anny(pose_parameterization="world-orient")
print(f"render environment ready: torch {torch.__version__}, anny {getattr(anny, '__version__', '?')}")
EOF
