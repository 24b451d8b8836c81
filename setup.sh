#!/usr/bin/env bash
# gaitlab set-up: Debian packages, then a virtual environment in .venv with gaitlab and its
# test tools. Safe to run again. Needs root (or sudo) for the Debian packages.
set -euo pipefail
cd "$(dirname "$0")"

# ffmpeg: the test suite makes rotated, variable-frame-rate, HEVC 10-bit and truncated clips.
# chromium: the browser tests of the report and the web app (Playwright drives Debian's build).
# poppler-utils: pdftoppm/pdftotext check report.pdf. Pango and fonts: WeasyPrint's PDF output.
DEBIAN_PACKAGES=(ffmpeg chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
echo "gaitlab is installed in .venv: run .venv/bin/gaitlab --help"
