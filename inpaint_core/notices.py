"""Notices: what a user should know that is not an error (a mask was scaled to the video's size,
a mask marks nothing so the export is a copy).

:func:`notice` logs on the ``vanish.notice`` logger at WARNING level. The command line prints each
notice as ``note: <message>`` on stderr; the editor may add its own handler.
"""

from __future__ import annotations

import logging

LOGGER = logging.getLogger("vanish.notice")


def notice(message: str) -> None:
    """Tell the user ``message`` (one sentence, no trailing newline)."""
    LOGGER.warning(message)
