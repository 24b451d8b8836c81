"""Errors that reach the user as one sentence.

Every error a person can cause (a bad file, a missing model, a wrong option) is raised as a
:class:`GaitlabError` whose message says what is wrong and what to do. The command line prints it
as a single ``error:`` line; the web app and the batch runner store it beside the video.
"""

from __future__ import annotations


class GaitlabError(Exception):
    """Base class: an expected failure with a message written for the user.

    Parameters
    ----------
    message
        One sentence: what is wrong and what to do about it.
    """

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(GaitlabError):
    """The video (or other input file) cannot be used: missing, empty, not a video, no person,
    too short."""


class ModelError(GaitlabError):
    """The pose model file is missing, damaged or not a MediaPipe pose bundle."""


class ConfigError(GaitlabError):
    """A configuration file or option is invalid."""
