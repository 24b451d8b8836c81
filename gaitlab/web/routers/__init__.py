"""The app's routes, one :class:`fastapi.APIRouter` per area: :mod:`.pages` (home, login,
guide), :mod:`.runners` (runners and sessions), :mod:`.clips` (uploads, clips, an analysis's
files), :mod:`.history` (history and compare) and :mod:`.api` (the JSON API under ``/api/v1``).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts


def app_routes(app: FastAPI) -> list[RouteContext]:
    """Every route of ``app`` (not the static files), with its full path: FastAPI keeps each
    included router as one branch of ``app.routes``; this lists their routes. Each answers
    ``path``, ``methods``, ``param_convertors``, ``dependant`` and ``endpoint`` as the route
    itself does (``original_route`` is the :class:`~fastapi.routing.APIRoute`)."""
    return [c for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)]
