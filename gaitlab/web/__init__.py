"""The therapists' web app (``gaitlab serve``): runners, sessions, uploads, results and history.

Laid out as FastAPI's "bigger applications": :mod:`~gaitlab.web.app` (``create_app``: routers,
middleware, error handlers, the workers' lifespan), :mod:`~gaitlab.web.routers` (one
``APIRouter`` per area: pages, runners and sessions, clips, history and compare, the JSON API),
:mod:`~gaitlab.web.dependencies` (database, who is asking, ownership, CSRF) and
:mod:`~gaitlab.web.services` (what the routes do). Beneath them: :mod:`~gaitlab.web.db` (SQLite),
:mod:`~gaitlab.web.auth` and :mod:`~gaitlab.web.tokens` (logins, throttling, API tokens),
:mod:`~gaitlab.web.storage` and :mod:`~gaitlab.web.uploads` (files), :mod:`~gaitlab.web.jobs`
(analysis workers), :mod:`~gaitlab.web.history`, :mod:`~gaitlab.web.charts` and
:mod:`~gaitlab.web.keyframes` (pure), :mod:`~gaitlab.web.security` and
:mod:`~gaitlab.web.hosts` (headers, allowed hosts), and :mod:`~gaitlab.web.server` (running it).
Nothing is imported here, so ``import gaitlab.web`` stays cheap for the command line.
"""
