"""``vanish doctor``: what this installation can do (Qt plugin, device, models, codecs, space)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check what this installation can do and what to fix",
                       description="Check the editor's Qt platform plugin, the CPU/GPU and its memory, "
                                   "the installed models and their verification, the video encoders "
                                   "PyAV has (with bit depths) and free space in the model and temp "
                                   "folders; say what to do about anything missing. Exit status 1 when "
                                   "something the editor or export needs is missing.")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.add_argument("--no-load", action="store_true",
                   help="do not start a test Qt window (only inspect the plugin's libraries)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from .. import __version__
    from ..doctor import report, run_checks

    rows = run_checks(load_qt=not args.no_load)
    bad = [r for r in rows if r.required and r.ok is False]
    if args.json:
        print(json.dumps({"version": __version__, "checks": [asdict(r) for r in rows]}, indent=1))
    else:
        print(f"vanish {__version__}")
        print(report(rows))
        print("\nAll that Vanish needs is here." if not bad else
              f"\n{len(bad)} required part(s) missing: see the lines marked MISSING.")
    return 1 if bad else 0
