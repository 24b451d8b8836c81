"""The pages' templates (Jinja2, in ``templates/``) and :func:`render`."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from gaitlab.web.wording import GLOBALS
from gaitlab.words import say

HERE = Path(__file__).parent

TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
TEMPLATES.env.globals["say"] = say
TEMPLATES.env.globals.update(GLOBALS)
TEMPLATES.env.filters["megabytes"] = lambda n: f"{n / 1e6:.1f} MB"
TEMPLATES.env.filters["when"] = lambda t: _dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page ``name`` (a template extending ``base.html``) with ``context``; ``me`` is the
    logged-in :class:`~gaitlab.web.dependencies.Principal` (None: the page shows no account)."""
    context.setdefault("me", None)
    context["max_upload_mb"] = request.app.state.context.settings.max_upload_mb
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)
