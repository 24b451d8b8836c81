"""No file of the repository names a folder of the machine it was written on.

A newcomer's clone has none of the folders under ``work``, ``root``, ``home`` or ``tmp`` at the top
of the file system that one machine had: a script, a README or a results file that points there
cannot be rerun. Every file git tracks (and every
new file not ignored yet) is searched for absolute paths under the usual per-machine folders.
System tools at their Debian paths (``/usr/bin/chromium``) are not data locations and are not
searched for.

To allow a line (a generic example that cannot be written another way), add the file and a
piece of the line to ``ALLOWED`` with the reason.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: An absolute path under a per-machine folder: not preceded by a word character, a dot, a
#: slash or a dash (``DIR/work/``, ``gaitlab-data/work/`` and URLs are relative or not files).
MACHINE_PATH = re.compile(
    r"(?<![\w./~-])/(?:work|root|home|tmp|Users|mnt|scratch)/[^\s`'\")\]]*"
    r"|\b[A-Z]:\\(?:Users|work)\\"
)

#: (file, a piece of the line) -> why that line may name such a path.
ALLOWED: dict[tuple[str, str], str] = {}


def repository_files() -> list[str]:
    """Files git tracks, and new files it does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name})


def machine_paths(text: str) -> list[tuple[int, str, str]]:
    """``(line number, path, line)`` for each per-machine absolute path in ``text``."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        found.extend((number, m.group(0), line) for m in MACHINE_PATH.finditer(line))
    return found


def test_the_pattern_finds_machine_paths_and_leaves_relative_ones():
    top = "/"  # written apart, so this file does not name the paths it tests
    hits = [
        f"see {top}work/scratch/mp01021/venv",
        f"--out {top}tmp/rebuilt",
        f'Path("{top}root/.cache/x")',
        f"(`{top}home/ana/clips`)",
        "C:" + "\\Users\\ana\\clips",
    ]
    misses = [
        "gaitlab-data/work/   work in progress",
        "DIR/work/ analyses in progress",
        "https://example.org/home/page",
        "executable_path=/usr/bin/chromium",
        "--out OUT --venv VENV",
        "~/clips/run.mp4",
    ]
    assert all(machine_paths(line) for line in hits), [h for h in hits if not machine_paths(h)]
    assert not [m for m in misses if machine_paths(m)]


def test_no_file_names_a_folder_of_this_machine():
    files = repository_files()
    assert "README.md" in files and "gaitlab/__init__.py" in files  # the listing works
    offenders = []
    used_allowances = set()
    for name in files:
        path = REPO / name
        if not path.is_file():  # deleted in the working tree, not yet committed
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # videos, archives, the model: not text
            continue
        for number, found, line in machine_paths(text):
            allowance = next((k for k in ALLOWED if k[0] == name and k[1] in line), None)
            if allowance:
                used_allowances.add(allowance)
                continue
            offenders.append(f"{name}:{number}: {found}")
    assert not offenders, "paths of one machine in the repository:\n" + "\n".join(offenders)
    assert used_allowances == set(ALLOWED), f"unused allowances: {set(ALLOWED) - used_allowances}"
