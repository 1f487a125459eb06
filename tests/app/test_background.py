"""The preview's fill stream runs on a thread beside the quick fill: its frames arrive in order, an
error in it reaches the job, and stopping the job (cancel or close) ends the thread."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from app.workers.background import Background
from app.workers.jobfns import ClipFacts, PreviewFrame, preview_job
from inpaint_core.jobs import Cancelled, CancelToken
from inpaint_core.masks import ShapeLayer
from inpaint_core.masks.document import MaskDocument
from inpaint_core.settings import ExportSettings
from tests.app.clips import make_clip


def test_items_in_order_and_errors_reach_the_consumer():
    def make(stop):
        yield from range(5)
        raise ValueError("boom")

    bg = Background(make, CancelToken(), 0)
    got = []
    with pytest.raises(ValueError, match="boom"):
        for x in bg:
            got.append(x)
    assert got == [0, 1, 2, 3, 4]


def test_close_and_cancel_stop_the_thread():
    def make(stop):
        while True:
            stop.raise_if_cancelled()
            time.sleep(0.005)
            yield 1

    tok = CancelToken()
    bg = Background(make, tok, 0, name="bg-test")
    next(iter(bg))
    tok.cancel()  # the job's own token stops it
    with pytest.raises(Cancelled):
        for _ in bg:
            pass
    bg.close(5)
    bg2 = Background(make, CancelToken(), 0, name="bg-test")
    next(iter(bg2))
    bg2.close(5)  # closing alone stops it
    assert not any(t.name == "bg-test" for t in threading.enumerate())


def test_preview_closed_after_the_playhead_frame_leaves_no_thread(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", frames=40, size=(160, 96), audio=False)
    doc = MaskDocument((160, 96), 40, [ShapeLayer((160, 96), "rect", rect=(50, 30, 40, 30))])
    facts = ClipFacts(clip, 40, (160, 96), None)
    tok = CancelToken()
    job = preview_job(facts, doc, ExportSettings(long_side=128), list(range(40)), 20, "cpu", tok, quick="beside")
    first = next(ev for ev in job if isinstance(ev, PreviewFrame))
    assert first.index == 20 and np.any(first.mask)  # the playhead's frame comes first
    job.close()
    assert not any(t.name == "preview-stream" for t in threading.enumerate())


def test_quick_fill_before_or_beside_the_stream_gives_the_same_frames(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", frames=30, size=(160, 96), audio=False)
    doc = MaskDocument((160, 96), 30, [ShapeLayer((160, 96), "rect", rect=(50, 30, 40, 30))])
    facts = ClipFacts(clip, 30, (160, 96), None)
    got = {}
    for mode in ("beside", "before"):
        frames = [ev for ev in preview_job(facts, doc, ExportSettings(long_side=128), list(range(30)), 12, "cpu",
                                           CancelToken(), quick=mode) if isinstance(ev, PreviewFrame)]
        assert frames[0].index == 12 and len(frames) == 31  # the quick one first, then every frame once
        got[mode] = {pf.index: pf.rgb for pf in frames[1:]}
    assert sorted(got["beside"]) == list(range(30))
    assert all(np.array_equal(got["beside"][i], got["before"][i]) for i in range(30))
