"""How one app runs: :class:`WebSettings` (given by ``gaitlab serve`` or a test) and
:class:`Context` (everything derived from them once, at start: the data folder's layout and the
settings read from the configuration file), which routes receive through
:func:`gaitlab.web.dependencies.get_context`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from gaitlab.config import load_config
from gaitlab.web import auth, jobs, storage
from gaitlab.web import history as H
from gaitlab.web.hosts import LOOPBACK_HOSTS


@dataclasses.dataclass(frozen=True)
class WebSettings:
    """How one app instance runs.

    Attributes
    ----------
    data_dir
        The data folder (database, uploads, reports).
    max_upload_mb
        The largest clip accepted, in MB (10^6 bytes).
    workers
        Analysis worker processes started with the app (0: none, as in tests that run jobs
        themselves).
    analysis_fn, checks_fn
        ``"module:function"`` of the analysis and of the capture checks (tests inject fakes).
    config_path
        A gaitlab configuration file (None: the defaults): the analyses' settings and the web
        app's own (``[web]``: the clip length limit, login throttling).
    secure_cookies
        Mark cookies ``Secure`` (set when serving over TLS).
    allowed_hosts
        The host names (or addresses) browsers may use to reach the app; any other ``Host``
        header is refused with 400. Default: this computer's loopback names only.
    trusted_proxies
        Addresses of reverse proxies whose ``X-Forwarded-For`` names the client (read by
        uvicorn: :func:`gaitlab.web.server.uvicorn_options`); from anyone else it is ignored.
    login_lifetime_s
        How long a login lasts.
    watch_s
        How often the worker supervisor looks for dead workers.
    """

    data_dir: Path
    max_upload_mb: float = 500.0
    workers: int = 1
    analysis_fn: str = jobs.DEFAULT_ANALYSIS
    checks_fn: str = jobs.DEFAULT_CHECKS
    config_path: Path | None = None
    secure_cookies: bool = False
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    trusted_proxies: tuple[str, ...] = ()
    login_lifetime_s: float = 12 * 3600.0
    watch_s: float = 2.0

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1e6)


@dataclasses.dataclass(frozen=True)
class Context:
    """What every request may need, made once when the app is made.

    Attributes
    ----------
    settings
        The app's settings.
    layout
        The data folder (absolute, created).
    rules
        How the history follows each metric (``[history]`` of the configuration).
    max_clip_s
        The longest clip accepted (``[web] max_clip_s``).
    throttle
        How failed logins slow down the next ones (``[web.login]``).
    """

    settings: WebSettings
    layout: storage.Layout
    rules: H.HistoryRules
    max_clip_s: float
    throttle: auth.LoginThrottle


def build_context(settings: WebSettings) -> Context:
    """Read the configuration and make the data folder (absolute: the workers' links to the
    clips must not depend on the working directory)."""
    config = load_config(settings.config_path)
    layout = storage.Layout(Path(settings.data_dir).resolve()).create()
    return Context(
        settings=settings,
        layout=layout,
        rules=H.rules_from_config(config),
        max_clip_s=config.web.max_clip_s,
        throttle=auth.LoginThrottle.from_config(config.web.login),
    )
