"""``vanish install-desktop``: add Vanish to the desktop's application menu for this user."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("install-desktop", help="install the desktop entry and icon for this user",
                       description="Write vanish.desktop and the icon into the user's XDG data folder "
                                   "($XDG_DATA_HOME, by default ~/.local/share) so that Vanish appears "
                                   "in the application menu and opens videos from the file manager.")
    p.add_argument("--uninstall", action="store_true", help="remove what install-desktop wrote")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..desktop import install_desktop, uninstall_desktop

    if args.uninstall:
        for p in uninstall_desktop():
            print(f"removed {p}")
        return 0
    res = install_desktop()
    print(f"desktop entry: {res.entry}")
    print(f"icon:          {res.icon}")
    print(f"metainfo:      {res.metainfo}")
    print(f"launches:      {res.exec_line}")
    return 0
