"""argparse value types shared by several sub-commands."""

from __future__ import annotations

import argparse


def size_arg(text: str) -> tuple[int, int]:
    """``"WxH"`` -> (width, height); argparse reports a malformed size as a usage error."""
    from ..export.settings import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
