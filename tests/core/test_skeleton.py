"""Engine interface plumbing: ordering, clip sources, the baseline engine, the job runner, the CLI."""

import numpy as np
import pytest

from inpaint_core.clipsource import ArrayClipSource, ResizedClipSource, fit_size
from inpaint_core.engines import create_engine, known_engines
from inpaint_core.engines.base import Filled, in_order
from inpaint_core.errors import Cancelled, VanishError
from inpaint_core.jobs import CancelToken, Progress, run_job
from inpaint_core.masks.ops import feather, grow_mask


def _clip(n=6, h=24, w=32):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (n, h, w, 3), dtype=np.uint8)
    masks = np.zeros((n, h, w), np.uint8)
    masks[:, 8:14, 10:20] = 255
    return frames, masks


def test_in_order_reorders_and_passes_progress():
    evs = [Filled(2, None), Progress(1, 3), Filled(0, None), Filled(1, None)]
    out = list(in_order(evs, range(3)))
    assert [e.index for e in out if isinstance(e, Filled)] == [0, 1, 2]
    assert sum(isinstance(e, Progress) for e in out) == 1


def test_in_order_bounded_buffer():
    evs = [Filled(i, None) for i in (3, 2, 1, 0)]
    with pytest.raises(RuntimeError):
        list(in_order(evs, range(4), max_buffer=2))


def test_grow_cross_matches_count():
    m = np.zeros((21, 21), np.uint8)
    m[10, 10] = 255
    g = grow_mask(m, 4)
    # a 3x3 cross dilated 4 times is a diamond of radius 4: 2*4*5+1 = 41 pixels
    assert int((g > 0).sum()) == 41


def test_feather_is_zero_far_away_and_one_inside():
    m = np.zeros((20, 20), np.uint8)
    m[5:10, 5:10] = 255
    a = feather(m, 3)
    assert a[7, 7] == 1.0 and a[0, 19] == 0.0 and 0 < a[5, 11] < 1


def test_telea_changes_only_hole():
    frames, masks = _clip()
    eng = create_engine("telea")
    src = ArrayClipSource(frames, masks)
    outs = {e.index: e.rgb for e in eng.run(src) if isinstance(e, Filled)}
    assert sorted(outs) == list(range(6))
    hole = masks[0] > 0
    assert np.array_equal(outs[0][~hole], frames[0][~hole])
    assert not np.array_equal(outs[0][hole], frames[0][hole])


def test_cancel_stops_engine():
    frames, masks = _clip()
    tok = CancelToken()
    src = ArrayClipSource(frames, masks, cancel=tok)
    gen = create_engine("telea").run(src)
    next(gen)
    tok.cancel()
    with pytest.raises(Cancelled):
        list(gen)


def test_run_job_returns_value_and_cancels():
    def job():
        yield Progress(0, 1)
        return 42

    assert run_job(job()) == 42
    tok = CancelToken()
    tok.cancel()
    with pytest.raises(Cancelled):
        run_job(job(), cancel=tok)


def test_resized_source_pads_and_keeps_aspect():
    frames, masks = _clip(n=2, h=40, w=120)
    src = ResizedClipSource(2, (120, 40), (60, 40), lambda i: frames[i], lambda i: masks[i], mode="pad")
    x0, y0, w, h = src.inner
    assert (w, h) == (60, 20) and y0 == 10
    assert src.frame(0).shape == (40, 60, 3)
    m = src.mask(0)
    assert m.shape == (40, 60) and m[:y0].max() == 0 and m.max() == 255
    assert fit_size((1920, 1080), (432, 240)) == (2, 0, 427, 240)


def test_unknown_engine_is_a_vanish_error():
    with pytest.raises(VanishError, match="Unknown engine"):
        create_engine("nope")
    assert "telea" in known_engines()
