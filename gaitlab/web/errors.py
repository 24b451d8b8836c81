"""What a route raises when a request cannot be served; :mod:`gaitlab.web.handlers` turns each
into the answer (a page for a browser, JSON for the API)."""

from __future__ import annotations


class NotLoggedInError(Exception):
    """An anonymous request, or one with an API token that is not valid (``token_invalid``)."""

    def __init__(self, *, token_invalid: bool = False) -> None:
        super().__init__("not logged in")
        self.token_invalid = token_invalid


class NotFoundError(Exception):
    """No such object for this user (including: it is someone else's)."""


class CsrfError(Exception):
    """A change sent without the login's CSRF token, or from another site."""
