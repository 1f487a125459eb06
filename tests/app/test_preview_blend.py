"""The Result view blends the preview's fill as the export's final composite does: with the
project's feather and each layer's own soft edge. At a working size equal to the source and
without the restore's residuals (the full-resolution detail the preview does not make), the
preview's composite is the exported frame, pixel for pixel."""

from __future__ import annotations

import cv2
import numpy as np

from app.controllers.preview import PreviewController
from app.workers.jobfns import ClipFacts, PreviewFrame, preview_job
from inpaint_core.export import export_video
from inpaint_core.jobs import CancelToken, run_job
from inpaint_core.masks import ShapeLayer
from inpaint_core.masks.document import MaskDocument
from inpaint_core.settings import ExportSettings
from inpaint_core.video import VideoReader
from tests.app.clips import make_clip

W, H, N = 160, 96, 8


def test_preview_composite_equals_the_export_at_low_resolution(qtbot, tmp_path):
    clip = make_clip(tmp_path / "c.mp4", frames=N, size=(W, H), audio=False)
    soft = ShapeLayer.rectangle((W, H), 20, 30, 30, 30, name="soft")
    soft.feather = 5.0
    hard = ShapeLayer.rectangle((W, H), 100, 30, 30, 30, name="hard")
    doc = MaskDocument((W, H), N, [soft, hard])
    settings = ExportSettings(long_side=W, grow=1, feather=1.5, residuals="none", format="png", audio=False)
    out = tmp_path / "out"
    fills: dict[int, np.ndarray] = {}
    run_job(export_video(clip, doc, out, fills=lambda i, rgb: fills.__setitem__(i, rgb), **settings.export_kwargs()))
    assert fills[0].shape == (H, W, 3)  # the working size is the source's
    exported = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in sorted(out.glob("*.png"))]
    with VideoReader(clip) as r:
        facts = ClipFacts(clip, len(r), (W, H), None)
        src = [r.frame(i) for i in range(N)]
    ctl = PreviewController()
    for ev in preview_job(facts, doc, settings, list(range(N)), 3, "cpu", CancelToken()):
        if isinstance(ev, PreviewFrame):
            ctl.results[ev.index] = ev
    assert sorted(ctl.results) == list(range(N))
    assert ctl.results[0].blend is ctl.results[7].blend  # a stationary mask's blend is held once
    for i in (0, 3, 7):
        shown = ctl.result_full(i, src[i])
        diff = np.abs(shown.astype(int) - exported[i].astype(int))
        print(f"\nframe {i}: preview vs export max difference {diff.max()}, "
              f"{(diff.max(axis=2) > 0).sum()} pixels differ")
        assert np.array_equal(shown, exported[i]), i
    # and it shows the soft layer's ramp: right of its edge, between source and fill, none beyond
    shown = ctl.result_full(3, src[3]).astype(int)
    changed = np.abs(shown - src[3].astype(int)).max(axis=2) > 0
    assert changed[45, 51:55].sum() >= 3 and not changed[45, 58:70].any() and not changed[45, 133:140].any()
