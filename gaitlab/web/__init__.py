"""The therapists' web app (``gaitlab serve``): runners, sessions, uploads and reports.

Modules: :mod:`~gaitlab.web.db` (the service layer over SQLite), :mod:`~gaitlab.web.auth`
(accounts, logins, CSRF), :mod:`~gaitlab.web.storage` (files and uploads),
:mod:`~gaitlab.web.jobs` (analysis workers), :mod:`~gaitlab.web.app` (the pages) and
:mod:`~gaitlab.web.server` (running it). Nothing is imported here, so ``import gaitlab.web``
stays cheap for the command line.
"""
