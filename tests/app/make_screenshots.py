"""Screenshots of the editor for the README: a shared clip, its watermark mask and a preview, one
image per view mode (docs/editor-original.png, -result, -split, -mask).

    xvfb-run -s '-screen 0 1600x1000x24' python tests/app/make_screenshots.py [--engine NAME]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VANISH_AUTOSAVE_DIR", tempfile.mkdtemp())

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main_window import MainWindow  # noqa: E402
from app.settings import EditorSettings  # noqa: E402
from app.theme import apply_theme  # noqa: E402
from tests.app.shotkit import pump  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default=None)
    ap.add_argument("--frame", type=int, default=150)
    args = ap.parse_args()
    shared = Path(os.environ.get("VANISH_SHARED", ROOT.parent / "shared"))
    clip = shared / "data" / "clips" / "running_car" / "video.mp4"
    mask = shared / "data" / "clips" / "running_car" / "watermark_mask.png"
    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    settings = EditorSettings(QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings)
    win.resize(1600, 1000)
    win.show()
    win.open_path(clip)
    pump(app, lambda: win.frame_rgb is not None)
    r = win.mask_files.import_masks(mask)
    pump(app, lambda: r.delivered)
    if args.engine:
        win.preview_bar.engine.setCurrentIndex(win.preview_bar.engine.findData(args.engine))
    f = args.frame
    win.playback.set_in_out(f - 12, f + 12)
    win.seek(f)
    pump(app, lambda: win.current == f and win.frame_rgb is not None)
    win.timeline.set_zoom(win.timeline.ppf * 2.5, win.timeline.x_of(f))
    p = win.start_preview()
    pump(app, lambda: p.delivered)
    win.seek(f)
    pump(app, lambda: f in win.preview.results)
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    for mode in ("original", "result", "split", "mask"):
        win.set_mode(mode)
        win.viewer.render_now()
        for _ in range(10):
            app.processEvents()
        path = docs / f"editor-{mode}.png"
        win.grab().save(str(path))
        print("wrote", path)
    win.masks.undo_stack.setClean()
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
