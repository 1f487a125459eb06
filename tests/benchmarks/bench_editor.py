"""Editor responsiveness: the longest gap between event-loop ticks while a preview and an export run
(and the user scrubs the timeline). Target: under 100 ms on this CPU.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python tests/benchmarks/bench_editor.py [--seconds 120]

Writes tests/benchmarks/results/editor.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VANISH_TESTING", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main_window import MainWindow  # noqa: E402
from app.settings import EditorSettings  # noqa: E402


def shared_clip() -> tuple[Path, np.ndarray | None]:
    shared = Path(os.environ.get("VANISH_SHARED", ROOT.parent / "shared"))
    clip = shared / "data" / "clips" / "running_car" / "video.mp4"
    mask = shared / "data" / "clips" / "running_car" / "watermark_mask.png"
    if clip.exists():
        m = cv2.imread(str(mask), cv2.IMREAD_GRAYSCALE) if mask.exists() else None
        return clip, m
    from tests.app.clips import make_clip

    p = Path(tempfile.mkdtemp()) / "synthetic.mp4"
    return make_clip(p, frames=120, size=(640, 360)), None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=240.0, help="stop measuring after this long")
    ap.add_argument("--engine", default=None)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    settings = EditorSettings(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings)
    win.resize(1440, 900)
    win.show()
    path, wm = shared_clip()
    loop = QEventLoop()
    win.frameShown.connect(loop.quit)
    win.open_path(path)
    loop.exec()
    clip = win.clip
    w, h = clip.size
    if wm is not None:
        bitmap = np.where(cv2.resize(wm, (w, h), interpolation=cv2.INTER_NEAREST) >= 128, 255, 0).astype(np.uint8)
        win.masks.add_shape("bitmap", [], 0, clip.frame_count, bitmap=bitmap, name="Watermark")
    else:
        win.masks.add_shape("rect", [(w * 0.6, h * 0.1), (w * 0.9, h * 0.3)], 0, clip.frame_count)
    engine = args.engine or win.preview_bar.current_engine()
    win.preview_bar.engine.setCurrentIndex(win.preview_bar.engine.findData(engine))

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick():
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(5)
    ticker.timeout.connect(tick)
    rng = random.Random(1)
    scrubber = QTimer()
    scrubber.setInterval(40)
    scrubber.timeout.connect(lambda: win.seek(rng.randrange(clip.frame_count)))

    t0 = time.monotonic()
    preview_runner = win.start_preview()
    export_runner = None
    export_target = tmp / "export.mp4"
    if hasattr(win, "start_export_to"):
        export_runner = win.exports.start_export_to(export_target)
    ticker.start()
    scrubber.start()
    done = {"preview": None, "export": None}
    preview_runner.ended.connect(lambda: done.__setitem__("preview", time.monotonic() - t0))
    if export_runner is not None:
        export_runner.ended.connect(lambda: done.__setitem__("export", time.monotonic() - t0))
    while time.monotonic() - t0 < args.seconds:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if done["preview"] is not None and (export_runner is None or done["export"] is not None):
            break
    ticker.stop()
    scrubber.stop()
    filled = len(win.preview.results)
    win.preview.cancel()
    if export_runner is not None:
        export_runner.cancel()
    g = np.array(gaps[1:]) if len(gaps) > 1 else np.zeros(1)
    result = {
        "clip": str(path.name),
        "size": [w, h],
        "frames": clip.frame_count,
        "engine": engine,
        "export_ran": export_runner is not None,
        "export_outcome": getattr(export_runner, "outcome", None),
        "export_seconds": done["export"],
        "preview_seconds": done["preview"],
        "preview_frames_filled": filled,
        "measured_seconds": round(time.monotonic() - t0, 2),
        "ticks": int(len(g)),
        "max_gap_ms": round(float(g.max()), 1),
        "p99_gap_ms": round(float(np.percentile(g, 99)), 1),
        "median_gap_ms": round(float(np.median(g)), 1),
        "gaps_over_100ms": int((g > 100).sum()),
        "target_max_gap_ms": 100,
        "cpu_count": os.cpu_count(),
    }
    print(f"{'metric':28s} value")
    for k, v in result.items():
        print(f"{k:28s} {v}")
    out = ROOT / "tests" / "benchmarks" / "results" / "editor.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
