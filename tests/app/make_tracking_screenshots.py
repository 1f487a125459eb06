"""Screenshots of tracking in the editor: a click on the person in the shared dogs_jump clip, tracked
forward (GrabCut fallback, no model); one image while the track runs (the mask appearing frame by frame, the status bar's
progress with its cancel button) and one after (the confidence strip on the timeline); and the
warning a box around the small dog gives (GrabCut finds almost nothing in it).
docs/editor-tracking-live.png, docs/editor-tracking-confidence.png, docs/editor-segment-warning.png.

    xvfb-run -s '-screen 0 1600x1000x24' python tests/app/make_tracking_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VANISH_AUTOSAVE_DIR", tempfile.mkdtemp())

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from tests.app.shotkit import open_window, pump  # noqa: E402


def main() -> int:
    shared = Path(os.environ.get("VANISH_SHARED", ROOT.parent / "shared"))
    clip = shared / "data" / "clips" / "dogs_jump" / "video.mp4"
    truth = cv2.imread(str(shared / "data" / "clips" / "dogs_jump" / "masks" / "00000.png"), cv2.IMREAD_GRAYSCALE)
    ys, xs = np.nonzero(truth == 38)  # the small dog: a box around it finds almost nothing (GrabCut)
    box = (float(xs.min() - 8), float(ys.min() - 8), float(xs.max() + 8), float(ys.max() + 8))
    ys, xs = np.nonzero(truth == 113)  # the person: a click finds them
    click = QPointF(float(xs.mean()), float(ys.mean()))
    app, win = open_window(clip)
    win.playback.set_in_out(0, 39)
    win.acts["tool_segment"].trigger()
    vp = win.viewer.viewport()
    pos = win.viewer.mapFromScene
    docs = ROOT / "docs"
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(QPointF(box[0], box[1])))
    QTest.mouseMove(vp, pos(QPointF((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(QPointF(box[2], box[3])))
    pump(app, lambda: win.status_label.text().startswith(("Check", "GrabCut")), 120)
    if win.status_label.text().startswith("Check"):
        win.viewer.render_now()
        app.processEvents()
        win.grab().save(str(docs / "editor-segment-warning.png"))
    else:  # the box prompt found the dog: no warning to show (the earlier screenshot is kept)
        print("the box found the small dog; editor-segment-warning.png not retaken", flush=True)
    print("box:", win.status_label.text(), flush=True)
    win.acts["undo"].trigger()
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(click))
    pump(app, lambda: win.status_label.text().startswith("GrabCut") and win.masks.doc.compose(0).any(), 120)
    print("click:", win.status_label.text(), flush=True)
    runner = win.segment.track(True)
    if os.environ.get("VANISH_SHOT_DEBUG"):
        runner.event.connect(lambda ev: print("event", ev.index, int((ev.mask > 0).sum()), win.current,
                                              None if win.viewer.coverage is None else int((win.viewer.coverage > 0).sum()),
                                              flush=True))

    def live_shown() -> bool:
        m = win.segment.live_mask(win.current)
        return len(win.segment.confidence) >= 6 and m is not None and (m > 0).sum() > 1000 and \
            win.viewer.coverage is not None and (win.viewer.coverage > 0).sum() > 1000

    pump(app, live_shown)
    win.viewer.render_now()
    app.processEvents()
    win.grab().save(str(docs / "editor-tracking-live.png"))
    pump(app, lambda: runner.delivered)
    areas = [int((win.masks.doc.compose(i) > 0).sum()) for i in range(40)]
    print("mask areas:", areas)
    f = max(range(5, 40), key=lambda i: areas[i])
    shown = []
    win.frameShown.connect(shown.append)
    win.seek(f)
    pump(app, lambda: f in shown)
    win.viewer.render_now()
    app.processEvents()
    win.grab().save(str(docs / "editor-tracking-confidence.png"))
    low = win.timeline.low_confidence()
    print(f"tracked {len(win.segment.confidence)} frames; {len(low)} of low confidence; "
          f"status: {win.status_label.text()}")
    print("wrote docs/editor-tracking-live.png, docs/editor-tracking-confidence.png")
    win.masks.undo_stack.setClean()
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
