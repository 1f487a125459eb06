"""User-facing errors.

Every error a user can cause raises a :class:`VanishError` subclass whose message says what went
wrong and what to do. The CLI prints the message and exits 2; the editor shows it in a dialog.
"""

from __future__ import annotations


class VanishError(Exception):
    """An error a user can cause and fix; ``str(err)`` is the complete message for them."""


class VideoError(VanishError):
    """A video cannot be read (missing, corrupt, truncated, not a video, no video stream)."""


class OutputError(VanishError):
    """An output cannot be written (unwritable folder, disk full, unsupported format)."""


class MaskError(VanishError):
    """A mask is missing, unreadable or of the wrong size or count."""


class ProjectError(VanishError):
    """A project document is missing, corrupt, of an unknown version or out of date with its video."""


class ModelError(VanishError):
    """A model checkpoint is missing, fails verification, or cannot be downloaded."""


class EngineUnavailable(VanishError):
    """An engine cannot run here (for example: no verified checkpoint installed)."""


class Cancelled(VanishError):
    """A long operation was cancelled by the user. Nothing half-written is left behind."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)
