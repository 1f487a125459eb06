"""Resume is safe: finished chunks are keyed by the masks of every frame they depend on, so a
change in one mid-clip frame makes only the chunks that frame touches again, and the result
equals a fresh export of the new masks."""

from __future__ import annotations

import av
import numpy as np
import pytest

from inpaint_core.errors import Cancelled
from inpaint_core.export import export_video
from inpaint_core.export.job import ENGINE_OVERLAP
from inpaint_core.export.resume import partial_dir
from inpaint_core.jobs import CancelToken, Progress
from inpaint_core.masks import MaskStack, PaintedLayer, ShapeLayer
from tests.app.clips import make_clip

N, CHUNK = 60, 5
KW = dict(engine="telea", long_side=96, residuals="spatial", chunk_frames=CHUNK, grow=1, feather=1.5,
          shots=[(0, N)], fmt="mkv", audio=False)


def _run(job, on=None):
    try:
        while True:
            ev = next(job)
            if on is not None:
                on(ev)
    except StopIteration as stop:
        return stop.value


def _frames(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _stack(bump_frame=None):
    st = MaskStack((192, 108))
    st.add(ShapeLayer.rectangle((192, 108), 150, 10, 30, 20, name="logo"))
    lay = PaintedLayer((192, 108), id="objectlayer1")
    for i in range(N):
        m = np.zeros((108, 192), np.uint8)
        m[40:60, 20 + i : 40 + i] = 255
        if i == bump_frame:
            m[70:90, 100:130] = 255  # the edit: one more object on this frame only
        lay.set(i, m)
    st.add(lay)
    return st


@pytest.mark.slow
def test_resume_after_a_mid_clip_mask_change_redoes_only_the_touched_chunks(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", frames=N, audio=False)
    out = tmp_path / "out.mkv"
    token = CancelToken()

    def on(ev):
        if isinstance(ev, Progress) and ev.stage == "export" and ev.done >= N - 2:
            token.cancel()

    with pytest.raises(Cancelled):
        _run(export_video(clip, _stack(), out, cancel=token, **KW), on)
    finished = len(list(partial_dir(out).glob("chunk_*.npz")))
    assert finished == N // CHUNK - 1  # every chunk but the last
    edited = 30
    res = _run(export_video(clip, _stack(bump_frame=edited), out, resume=True, **KW))
    # the chunks whose frames or context (ENGINE_OVERLAP frames each side) include frame 30
    touched = [(a, a + CHUNK) for a in range(0, N - CHUNK, CHUNK)
               if a - ENGINE_OVERLAP <= edited < a + CHUNK + ENGINE_OVERLAP]
    print(f"finished {finished}, touched {len(touched)}, reused {res.resumed_chunks}, redone {res.stale_chunks}")
    assert res.stale_chunks == len(touched) and 0 < len(touched) < finished
    assert res.resumed_chunks == finished - len(touched)
    fresh = tmp_path / "fresh.mkv"
    _run(export_video(clip, _stack(bump_frame=edited), fresh, **KW))
    a, b = _frames(out), _frames(fresh)
    assert len(a) == len(b) == N
    for i, (x, y) in enumerate(zip(a, b)):
        assert np.array_equal(x, y), i
    assert out.read_bytes() == fresh.read_bytes()
