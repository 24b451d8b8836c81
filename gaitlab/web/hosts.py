"""Which ``Host`` names the app answers to (no web framework here: the command line uses it).

By default only this computer's loopback names: a page of another site that makes the browser
call the app under its own name (DNS rebinding) is refused. Serving other devices means naming
the addresses or names they use (``gaitlab serve --allowed-host NAME``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from gaitlab.errors import GaitlabError
from gaitlab.words import say

#: The names of this computer that only it can use: the default allowed hosts.
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")


def host_name(header: str) -> str:
    """The host name of a ``Host`` header, without the port, lower case (``[::1]:8000`` ->
    ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):  # an IPv6 address
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def is_loopback(host: str) -> bool:
    """True when ``host`` is reachable from this computer only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def hosts_to_allow(host: str, named: Sequence[str]) -> tuple[str, ...]:
    """The ``Host`` names the app answers to when listening on ``host``.

    The names given (``--allowed-host``), the listening address itself when it is one address,
    and this computer's loopback names. Listening on every address (``0.0.0.0``, ``::``)
    without naming any host raises :class:`GaitlabError`: the app cannot know which names its
    users type, and answering to any name lets other sites' pages reach it (DNS rebinding).
    """
    wildcard = host.strip("[]") in ("0.0.0.0", "::", "")
    if wildcard and not named:
        raise GaitlabError(say("web.serve.name_hosts", host=host))
    own = () if wildcard or is_loopback(host) else (host.strip("[]"),)
    out: list[str] = []
    for name in (*named, *own, *LOOPBACK_HOSTS):
        if name not in out:
            out.append(name)
    return tuple(out)
