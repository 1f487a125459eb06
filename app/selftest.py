"""``vanish-editor --self-test``: prove that this installation (a packaged build in particular)
works end to end, in the real window.

It makes the demo project in a temporary folder, opens it, checks both layers arrived, runs a
classical preview on the first frames, exports them to H.264 and reads the file back; prints one
line per step with its time and exits 0, or prints what failed and exits 1. The user's settings,
recent files, autosaves and demo folder are not touched (everything lives in the temporary folder).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

FRAMES = 6


class SelfTestError(Exception):
    """A self-test step did not give what it should (the message says which)."""


def _wait(app, cond, timeout_s: float, what: str, errors: list[str]) -> None:
    t0 = time.monotonic()
    while not cond():
        if errors:
            raise SelfTestError(f"{what}: {errors[0]}")
        if time.monotonic() - t0 > timeout_s:
            raise SelfTestError(f"{what}: nothing after {timeout_s:.0f} s")
        app.processEvents()
        time.sleep(0.01)


def _steps(app, tmp: Path, say) -> None:
    from PySide6.QtCore import QSettings

    from inpaint_core.demo_project import BALL_LAYER, LOGO_LAYER, ensure_demo
    from inpaint_core.video import VideoReader

    from .main_window import MainWindow
    from .settings import EditorSettings

    t = time.monotonic()
    proj = ensure_demo(tmp / "demo")
    say(f"demo project made: {proj.name}", t)

    settings = EditorSettings(QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    settings.engine = "propagate"
    settings.preview_long_side = 320
    win = MainWindow(settings)
    errors: list[str] = []
    win.presenter.present = lambda title, msg, details=None: errors.append(f"{title}: {msg}")
    win.presenter.exception = lambda exc, tb="", ctx="": errors.append(f"{ctx}: {type(exc).__name__}: {exc}")
    win.show()
    try:
        t = time.monotonic()
        win.open_path(proj)
        _wait(app, lambda: win.clip is not None and win.frame_rgb is not None and win.projects.project is not None,
              120, "opening the demo project", errors)
        names = sorted(layer.name for layer in win.masks.doc.layers)
        if names != sorted([BALL_LAYER, LOGO_LAYER]):
            raise SelfTestError(f"the demo project has layers {names}, not {LOGO_LAYER} and {BALL_LAYER}")
        say(f"opened: {win.clip.size[0]}x{win.clip.size[1]}, {win.clip.frame_count} frames, layers {names}", t)

        t = time.monotonic()
        win.timeline.set_range(0, FRAMES - 1)
        if win.start_preview() is None:
            raise SelfTestError(f"the preview did not start: {errors}")
        _wait(app, lambda: not win.preview.running and len(win.preview.results) >= FRAMES, 600,
              "the classical preview", errors)
        frame = win.frame_rgb
        res = win.preview.result_full(win.current, frame)
        changed = int((res != frame).any(axis=2).sum()) if res is not None else 0
        if changed == 0:
            raise SelfTestError("the preview left the masked pixels unchanged")
        say(f"preview ({win.preview_bar.current_engine()}): {len(win.preview.results)} frames filled, "
            f"{changed} pixels changed on frame {win.current}", t)

        t = time.monotonic()
        out = tmp / "selftest_export.mp4"
        runner = win.exports.start_export_to(out, start=0, end=FRAMES)
        _wait(app, lambda: runner.delivered, 900, "the export", errors)
        if runner.outcome != "ok" or not out.is_file():
            raise SelfTestError(f"the export ended {runner.outcome!r}; {errors}")
        with VideoReader(out) as r:
            n, size = r.frame_count, r.size
        if n != FRAMES or size != win.clip.size:
            raise SelfTestError(f"the export has {n} frames of {size}, expected {FRAMES} of {win.clip.size}")
        say(f"exported {out.name}: {n} frames {size[0]}x{size[1]}, {out.stat().st_size} bytes", t)
    finally:
        win.close()


def run_self_test(app) -> int:
    """Run the steps in the real editor window; 0 when all passed."""
    t_all = time.monotonic()

    def say(msg: str, t0: float) -> None:
        print(f"self-test: {msg} ({time.monotonic() - t0:.1f} s)", flush=True)

    with tempfile.TemporaryDirectory(prefix="vanish-selftest-") as d:
        tmp = Path(d)
        old = os.environ.get("VANISH_AUTOSAVE_DIR")
        os.environ["VANISH_AUTOSAVE_DIR"] = str(tmp / "autosave")
        try:
            _steps(app, tmp, say)
        except SelfTestError as exc:
            print(f"self-test FAILED: {exc}", file=sys.stderr)
            return 1
        except Exception as exc:  # report, never a traceback
            print(f"self-test FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        finally:
            if old is None:
                os.environ.pop("VANISH_AUTOSAVE_DIR", None)
            else:
                os.environ["VANISH_AUTOSAVE_DIR"] = old
    print(f"self-test passed in {time.monotonic() - t_all:.1f} s")
    return 0
