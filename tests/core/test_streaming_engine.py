"""Streaming fills (engines/streaming.py): frames pushed in order come back in order, each frame is
filled exactly once (the engine's work is counted per frame and per flow pair), the classical
engine's stream gives the one-shot run's frames (no restart at chunk borders), and other engines
(Telea, STTN on the test weights) run through the window adapter."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from inpaint_core import flow as F
from inpaint_core.clipsource import ArrayClipSource
from inpaint_core.engines import create_engine
from inpaint_core.engines.base import Filled
from inpaint_core.engines.propagate import PropagateEngine
from inpaint_core.engines.propagation import ChunkFiller
from inpaint_core.engines.streaming import PropagateStream, WindowStream
from inpaint_core.errors import Cancelled
from inpaint_core.jobs import CancelToken
from tests.core.test_propagate import panning_clip
from tests.shared import shared_path


def feed(stream, frames, masks, lo=0):
    out = []
    for k, (f, m) in enumerate(zip(frames, masks)):
        out += stream.push(lo + k, f, m)
    return out + stream.finish()


def one_shot(engine, frames, masks, shots=None):
    return {ev.index: ev for ev in engine.run(ArrayClipSource(frames, masks, shots=shots)) if isinstance(ev, Filled)}


def test_classical_stream_fills_each_frame_once_and_equals_the_one_shot_run(monkeypatch):
    frames, masks = panning_clip(n=30, speed=3)
    eng = PropagateEngine(chunk=6, overlap=3)
    fills = collections.Counter()
    pairs = collections.Counter()
    real_run, real_flow = ChunkFiller.run, F.compute_flow

    def counting_run(self, want=None):
        fills.update(self.offset + t for t in want)
        return real_run(self, want)

    def counting_flow(a, b, *args, **kw):
        pairs[(a.tobytes()[:64], b.tobytes()[:64], id(a), id(b))] += 1
        return real_flow(a, b, *args, **kw)

    monkeypatch.setattr(ChunkFiller, "run", counting_run)
    monkeypatch.setattr(F, "compute_flow", counting_flow)
    stream = eng.stream((96, 72), [(0, 30)], 0, 30)
    assert isinstance(stream, PropagateStream)
    got = feed(stream, frames, masks)
    assert [f.index for f in got] == list(range(30))  # in order, all of them
    assert fills == {i: 1 for i in range(30)}  # the engine filled each frame exactly once
    assert stream.filled == {i: 1 for i in range(30)}
    # 29 neighbouring pairs, both directions, each flow computed once (overlaps come from the cache)
    assert len(pairs) == 58 and set(pairs.values()) == {1}
    monkeypatch.setattr(ChunkFiller, "run", real_run)
    monkeypatch.setattr(F, "compute_flow", real_flow)
    ref = one_shot(eng, frames, masks)
    for f in got:
        assert np.array_equal(f.rgb, ref[f.index].rgb), f.index
        assert np.array_equal(f.correspondence.source_frame, ref[f.index].correspondence.source_frame)


def test_stream_holds_a_bounded_look_ahead_and_forgets_what_it_used():
    frames, masks = panning_clip(n=40, speed=2)
    eng = PropagateEngine(chunk=5, overlap=2)
    stream = eng.stream((96, 72), [(0, 40)], 0, 40)
    held, lag = [], []
    delivered = 0
    for i, (f, m) in enumerate(zip(frames, masks)):
        delivered += len(stream.push(i, f, m))
        held.append(len(stream.frames))
        lag.append(i + 1 - delivered)
    delivered += len(stream.finish())
    assert delivered == 40
    # the context: the overlap raised to the reach toward later frames, (5 + 2 * 2 - 1) // 2
    assert eng._chunking((96, 72)) == (5, 4)
    assert max(held) <= 5 + 2 * 4  # a chunk and its context on each side
    assert max(lag) <= 5 + 4  # a frame comes out at most a chunk and the look-ahead after it went in


def test_stream_respects_shots_wanted_frames_and_order():
    frames, masks = panning_clip(n=20, speed=3)
    eng = PropagateEngine(chunk=4, overlap=2)
    shots = [(0, 9), (9, 20)]
    got = feed(eng.stream((96, 72), shots, 0, 20, wanted=range(5, 15)), frames, masks)
    assert [f.index for f in got] == list(range(5, 15))
    ref = one_shot(eng, frames, masks, shots)
    for f in got:
        src = f.correspondence.source_frame
        shot = (0, 9) if f.index < 9 else (9, 20)
        assert ((src == -1) | ((src >= shot[0]) & (src < shot[1]))).all()  # never across the cut
        assert np.array_equal(f.rgb, ref[f.index].rgb), f.index
    with pytest.raises(ValueError, match="in order"):
        eng.stream((96, 72), shots, 0, 20).push(3, frames[3], masks[3])


def test_stream_checks_the_cancel_token():
    frames, masks = panning_clip(n=12)
    token = CancelToken()
    stream = PropagateEngine(chunk=4, overlap=2).stream((96, 72), [(0, 12)], 0, 12, cancel=token)
    token.cancel()
    with pytest.raises(Cancelled):
        feed(stream, frames, masks)


def test_window_adapter_gives_the_engines_own_fills_once_each():
    frames, masks = panning_clip(n=25)
    eng = create_engine("telea")
    stream = eng.stream((96, 72), [(0, 25)], 0, 25)
    assert isinstance(stream, WindowStream)
    got = feed(stream, frames, masks)
    assert [f.index for f in got] == list(range(25)) and stream.filled == {i: 1 for i in range(25)}
    ref = one_shot(eng, frames, masks)
    assert all(np.array_equal(f.rgb, ref[f.index].rgb) for f in got)
    # the classical engine's per-frame methods read a whole window too
    assert isinstance(PropagateEngine(fill_method="edge-blend").stream((96, 72), [(0, 25)], 0, 25), WindowStream)


@pytest.mark.shared
def test_sttn_windows_map_onto_the_stream():
    weights = shared_path("fixtures", "sttn_reference", "sttn_random_weights.pth")
    eng = create_engine("sttn", checkpoint=str(weights), device="cpu")  # test weights: a test only
    w, h = eng.fixed_size
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (h, w, 3), np.uint8) for _ in range(14)]
    mask = np.zeros((h, w), np.uint8)
    mask[80:140, 160:260] = 255
    stream = eng.stream((w, h), [(0, 14)], 0, 14, windows=[(0, 7), (7, 14)])
    got = feed(stream, frames, [mask] * 14)
    assert [f.index for f in got] == list(range(14)) and stream.filled == {i: 1 for i in range(14)}
    for f in got:
        assert f.rgb.shape == (h, w, 3)
        assert np.array_equal(f.rgb[mask == 0], frames[f.index][mask == 0])
        assert all(0 <= k < 14 for k in f.correspondence.frames)  # clip indices, not window ones


def test_window_adapter_keeps_no_frames_of_windows_it_skips():
    frames, masks = panning_clip(n=60)
    stream = create_engine("telea").stream((96, 72), [(0, 60)], 0, 60, wanted=range(50, 60),
                                           windows=[(s, s + 10) for s in range(0, 60, 10)])
    held, got = [], []
    for i, (f, m) in enumerate(zip(frames, masks)):
        got += stream.push(i, f, m)
        held.append(len(stream.frames))
    got += stream.finish()
    assert [f.index for f in got] == list(range(50, 60)) and stream.filled == {i: 1 for i in range(50, 60)}
    assert max(held) <= 10 + 2 * 16 + 1


def test_a_fixed_look_ahead_gives_every_frame_the_same_reach_across_chunk_borders():
    frames, masks = panning_clip(n=30, speed=3)
    hole = masks[0] > 0

    def reach(got):  # per frame: how far ahead its furthest real source lies
        return [int((f.correspondence.source_frame[hole] - f.index).max()) for f in got]

    plain = reach(feed(PropagateEngine(chunk=6, overlap=3, ahead=0).stream((96, 72), [(0, 30)], 0, 30), frames, masks))
    # with ahead=0 (the earlier default) the reach is a saw: a chunk's first frame sees to the
    # chunk's end, its last one only the overlap, and it jumps at every border
    assert [plain[b] - plain[b - 1] for b in (6, 12, 18)] == [5, 5, 5]
    default = reach(feed(PropagateEngine(chunk=6, overlap=3).stream((96, 72), [(0, 30)], 0, 30), frames, masks))
    assert max(default[:24]) - min(default[:24]) <= 1  # the default: one reach, (6 + 2 * 3 - 1) // 2
    eng = PropagateEngine(chunk=6, overlap=3, ahead=3)
    stream = eng.stream((96, 72), [(0, 30)], 0, 30)
    got = feed(stream, frames, masks)
    assert stream.filled == {i: 1 for i in range(30)}
    assert reach(got)[:27] == [3] * 27  # the same everywhere, borders included
    ref = one_shot(eng, frames, masks)  # the preview's one-shot run gives the same frames
    assert all(np.array_equal(f.rgb, ref[f.index].rgb) for f in got)
