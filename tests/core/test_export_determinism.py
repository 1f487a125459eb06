"""The same export twice in one process gives the same fill (no state carried between runs)."""

from __future__ import annotations

import cv2
import numpy as np

from inpaint_core.export import export_video
from inpaint_core.jobs import run_job
from inpaint_core.masks import MaskStack, PaintedLayer, ShapeLayer
from tests.app.clips import make_clip


def test_second_export_in_a_process_fills_like_the_first(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", audio=False)
    stack = MaskStack((192, 108))
    stack.add(ShapeLayer.rectangle((192, 108), 10.6, 20.4, 40, 40))
    moving = PaintedLayer((192, 108))
    for i in range(24):
        m = np.zeros((108, 192), np.uint8)
        cv2.circle(m, (90 + i, 30), 7, 255, -1)
        moving.set(i, m)
    stack.add(moving)
    runs = []
    for k in range(2):
        fills: dict[int, np.ndarray] = {}
        run_job(export_video(clip, stack, tmp_path / f"o{k}.mkv", long_side=128,
                             fills=lambda i, rgb, f=fills: f.__setitem__(i, rgb.copy())))
        runs.append(fills)
    assert sorted(runs[0]) == list(range(24))
    for i in range(24):
        assert np.array_equal(runs[0][i], runs[1][i]), i
