"""Entry point: ``python -m app.main [VIDEO|PROJECT]`` (console script ``vanish-editor``).

``--version`` prints the version; ``--self-test`` opens the demo project, previews and exports a few
frames, and exits 0 when all of it worked (:mod:`app.selftest`; checks a packaged build).

Without a display (no DISPLAY / WAYLAND_DISPLAY and QT_QPA_PLATFORM not "offscreen"), it says so
and runs the headless demo when the CLI has one, or exits with a clear message.
"""

from __future__ import annotations

import os
import sys


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cli_has_demo() -> bool:
    try:
        from inpaint_core.cli import build_parser

        parser = build_parser()
        for act in parser._subparsers._group_actions if parser._subparsers else []:
            if "demo" in getattr(act, "choices", {}):
                return True
    except Exception:
        return False
    return False


def headless(argv: list[str]) -> int:
    print("No display found (DISPLAY/WAYLAND_DISPLAY unset); the editor needs one.", file=sys.stderr)
    if cli_has_demo():
        print("Running the headless demo instead: vanish demo", file=sys.stderr)
        from inpaint_core.cli import main as cli_main

        return cli_main(["demo"])
    print("Run it on a desktop session, or set QT_QPA_PLATFORM=offscreen, or use the `vanish` "
          "command line (vanish --help).", file=sys.stderr)
    return 2


def _set_icon(app) -> None:
    from PySide6.QtGui import QIcon

    from inpaint_core.desktop import ICON_FILE

    if ICON_FILE.exists():
        app.setWindowIcon(QIcon(str(ICON_FILE)))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--version" in argv:
        from inpaint_core import __version__

        print(f"vanish {__version__}")
        return 0
    self_test = "--self-test" in argv
    argv = [a for a in argv if a != "--self-test"]
    if not has_display():
        if self_test:
            print("self-test: no display (run it under xvfb-run or a desktop session).", file=sys.stderr)
            return 2
        return headless(argv)
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow
    from .theme import apply_theme
    from .views.errors_ui import install_excepthook

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("Vanish")
    app.setOrganizationName("Vanish")
    app.setDesktopFileName("io.vanish.Vanish")  # ties the window to the installed desktop entry
    apply_theme(app)
    _set_icon(app)
    if self_test:
        from .selftest import run_self_test

        return run_self_test(app)
    win = MainWindow()
    install_excepthook(win.presenter)
    win.show()
    if argv:
        win.open_path(argv[0])
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
