"""The ``vanish`` command line.

Sub-commands live in modules ``inpaint_core/cli/cmd_*.py``; each defines
``register(subparsers)`` which adds its parser and sets ``func(args) -> int``. They are discovered
here, so adding a command never touches this file.

Errors: a :class:`VanishError` prints ``error: <message>`` and exits 2; Ctrl-C (SIGINT) exits 130
and SIGTERM 143, both cancelling cleanly (temporary files removed); anything else prints a one-line
internal-error message (the traceback goes to a log file, not the terminal). Notices
(:mod:`inpaint_core.notices`) print as ``note: <message>``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

from .. import __version__
from ..errors import Cancelled, VanishError
from .context import Terminated, cli_context


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vanish",
        description="Remove objects and watermarks from video.",
    )
    parser.add_argument("--version", action="version", version=f"vanish {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    pkg_path = str(Path(__file__).parent)
    for info in sorted(pkgutil.iter_modules([pkg_path]), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            mod = importlib.import_module(f"{__name__}.{info.name}")
            mod.register(sub)
    return parser


def _log_crash() -> Path | None:
    try:
        from platformdirs import user_log_dir

        d = Path(user_log_dir("vanish", appauthor=False))
        d.mkdir(parents=True, exist_ok=True)
        p = d / "crash.log"
        with p.open("a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc() + "\n")
        return p
    except Exception:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with cli_context():
            return int(args.func(args) or 0)
    except Terminated:
        print("cancelled (terminated).", file=sys.stderr)
        return 143
    except Cancelled as exc:
        print(f"cancelled: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("cancelled.", file=sys.stderr)
        return 130
    except VanishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # last resort: never show a traceback to a user
        log = _log_crash()
        where = f" Details were written to {log}." if log else ""
        print(f"internal error: {type(exc).__name__}: {exc}.{where}", file=sys.stderr)
        return 3


def entry() -> None:  # pragma: no cover - console script wrapper
    sys.exit(main())
