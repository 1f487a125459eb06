"""The classical engine's work kept to the hole's region (flow.py's box forms, engines/chunkcache.py):
the box forms give the same numbers as the whole-frame ones, the coarse flow completion stays close
to the exact one, and overlapping chunks complete each flow pair once."""

from __future__ import annotations

import collections

import numpy as np

from inpaint_core import flow as F
from inpaint_core.engines.propagate import PropagateEngine
from tests.core.test_propagate import panning_clip
from tests.core.test_streaming_engine import feed


def _flows(h=60, w=80, seed=0):
    rng = np.random.default_rng(seed)
    fwd = (rng.standard_normal((h, w, 2)) * 3).astype(np.float32)
    bwd = (rng.standard_normal((h, w, 2)) * 3).astype(np.float32)
    return fwd, bwd


def test_magnitude_and_boxed_cycle_error_equal_the_whole_frame_forms():
    fwd, bwd = _flows()
    assert np.array_equal(F.magnitude(fwd), np.linalg.norm(fwd, axis=2))
    hole = np.zeros((60, 80), bool)
    hole[12:31, 20:47] = True
    box = F.hole_box(hole)
    assert box == (12, 31, 20, 47)
    assert F.hole_box(hole, 2) == (10, 33, 18, 49)
    assert F.hole_box(np.zeros((5, 5), bool)) is None
    y0, y1, x0, x1 = box
    assert np.array_equal(F.cycle_error(fwd, bwd, box), F.cycle_error(fwd, bwd)[y0:y1, x0:x1])


def test_laplace_fill_in_the_box_equals_a_whole_frame_solve():
    rng = np.random.default_rng(1)
    values = rng.standard_normal((50, 70, 2)).astype(np.float32)
    hole = np.zeros((50, 70), bool)
    hole[0:20, 30:55] = True  # touches the top edge
    hole[30:40, 5:12] = True
    got = F.laplace_fill(values, hole)
    ref = F._laplace_fill(values, hole)  # the solve over the whole frame
    assert np.allclose(got, ref, atol=1e-5)
    assert np.array_equal(got[~hole], values[~hole])


def test_coarse_completion_of_a_smooth_flow_is_close_to_the_exact_one():
    h, w = 120, 160
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    flow = np.stack([2.0 + 0.02 * xs, -1.0 + 0.015 * ys], 2).astype(np.float32)  # harmonic (linear)
    broken = flow.copy()
    hole = np.zeros((h, w), bool)
    hole[30:90, 40:120] = True
    broken[hole] = 50.0
    for model in ("laplace", "auto"):
        exact = F.complete_flow(broken, hole, model=model)
        coarse = F.complete_flow(broken, hole, model=model, coarse=2)
        assert np.abs(exact[hole] - flow[hole]).max() < 0.05
        assert np.abs(coarse[hole] - flow[hole]).max() < 0.1
        assert np.array_equal(coarse[~hole], flow[~hole])


def test_overlapping_chunks_complete_each_flow_pair_once(monkeypatch):
    frames, masks = panning_clip(n=24, speed=3)
    calls = collections.Counter()
    real = F.complete_flow

    def counting(flow, hole, *args, **kw):
        calls[id(flow)] += 1
        return real(flow, hole, *args, **kw)

    monkeypatch.setattr(F, "complete_flow", counting)
    stream = PropagateEngine(chunk=6, overlap=3).stream((96, 72), [(0, 24)], 0, 24)
    got = feed(stream, frames, masks)
    assert [f.index for f in got] == list(range(24))
    # 23 neighbouring pairs, both directions: each completed once although the chunks overlap
    assert sum(calls.values()) == 2 * 23
    assert len(stream._cache) <= 3 * 2 * 3  # pairs, estimates and motions of one overlap kept
