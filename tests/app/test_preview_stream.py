"""The preview is the export's low-resolution stage on clips longer than one chunk: the classical
engine's preview goes through the same stream as the export's fill stage, so every frame equals the
export's fill, chunk borders included (the one-shot run filled each chunk on its own)."""

from __future__ import annotations

import numpy as np

from app.workers.jobfns import ClipFacts, PreviewFrame, preview_job
from inpaint_core.export import export_video
from inpaint_core.jobs import CancelToken, run_job
from inpaint_core.masks import ShapeLayer
from inpaint_core.masks.document import MaskDocument
from inpaint_core.settings import ExportSettings
from inpaint_core.video import VideoReader
from tests.app.clips import make_clip

N = 110  # three chunks of the export's plan (48 frames each)


def test_preview_equals_the_exports_fill_on_every_frame_of_a_long_clip(tmp_path):
    clip = make_clip(tmp_path / "long.mp4", frames=N, size=(160, 96), audio=False)
    doc = MaskDocument((160, 96), N, [ShapeLayer((160, 96), "rect", rect=(50.5, 30.2, 90.7, 60.4))])
    settings = ExportSettings(long_side=128)
    fills: dict[int, np.ndarray] = {}
    run_job(export_video(clip, doc, tmp_path / "out.mkv", fills=lambda i, rgb: fills.__setitem__(i, rgb),
                         **settings.export_kwargs()))
    with VideoReader(clip) as r:
        facts = ClipFacts(clip, len(r), (r.info.width, r.info.height), None)
    shown: dict[int, np.ndarray] = {}
    for ev in preview_job(facts, doc, settings, list(range(N)), 60, "cpu", CancelToken()):
        if isinstance(ev, PreviewFrame):
            shown[ev.index] = ev.rgb  # the playhead's quick fill is replaced by the full one
    assert sorted(shown) == sorted(fills) == list(range(N))
    differ = [i for i in range(N) if not np.array_equal(shown[i], fills[i])]
    print(f"\npreview vs export low-res fill: {N - len(differ)} of {N} frames identical")
    assert not differ, differ[:10]
