"""The command that made a benchmark's results, written into its JSON and atop its Markdown.

Every ``benchmarks/results/*.md`` says the command that made it, so anyone can rerun it from a
fresh clone. Paths inside the checkout are written relative to it; the scripts are run from the
repository's top folder (``python benchmarks/NAME.py ...``).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _relative(arg: str) -> str:
    """``arg``, relative to the checkout when it is an absolute path inside it."""
    option, eq, value = arg.partition("=")
    if eq and option.startswith("--"):
        return f"{option}={_relative(value)}"
    path = Path(arg)
    if not path.is_absolute():
        return arg
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return arg


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command line that is running, as a user types it from the repository's top folder.

    Parameters
    ----------
    argv
        The script and its arguments (default: ``sys.argv``).

    Returns
    -------
    str
        For example ``python benchmarks/cohort_hip_tightness.py --runners 200``.
    """
    args = list(sys.argv if argv is None else argv)
    return shlex.join(["python", *(_relative(a) for a in args)])


def with_command(markdown: str, command: str | None) -> str:
    """``markdown`` with a ``Command: `...` `` line after its title (or at its top).

    Parameters
    ----------
    markdown
        The results page.
    command
        The command that made it (a page re-rendered from an older record may have none).

    Returns
    -------
    str
        The page, headed by the command.
    """
    if not command:
        return markdown
    line = f"Command: `{command}`"
    if markdown.startswith("# "):
        title, _, rest = markdown.partition("\n")
        return f"{title}\n\n{line}\n{rest}"
    return f"{line}\n\n{markdown}"
