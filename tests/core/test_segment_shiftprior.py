"""The whole-object motion prior: the object's patch matched from frame to frame."""

import numpy as np

from inpaint_core.segment.result import iou
from inpaint_core.segment.shiftprior import match_shift, shifted
from inpaint_core.segment.track import ListFrames
from inpaint_core.segment.vos import ObjectTracker


def _texture(rng, h, w):
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_match_shift_finds_translation_and_keeps_to_its_window():
    rng = np.random.default_rng(1)
    bg = _texture(rng, 90, 160)
    obj = _texture(rng, 20, 12)
    prev, cur = bg.copy(), bg.copy()
    prev[30:50, 40:52] = obj
    cur[33:53, 47:59] = obj  # moved by (7, 3)
    cur[30:50, 120:132] = obj  # a look-alike further away
    mask = np.zeros((90, 160), np.uint8)
    mask[30:50, 40:52] = 255
    sh = match_shift(prev, mask, cur, guess=(6, 2), radius=5)
    assert (sh.dx, sh.dy) == (7, 3)
    assert sh.error < 1.0
    # the look-alike is outside the window around the predicted place: never picked
    far = match_shift(prev, mask, cur, guess=(0, 0), radius=10)
    assert far.dx < 20


def test_shifted_cuts_at_the_frame_border():
    m = np.zeros((10, 10), np.uint8)
    m[2:5, 6:9] = 255
    out = shifted(m, 3, -1)
    assert out[1:4, 9].all() and np.count_nonzero(out) == 3
    assert np.array_equal(shifted(m, 0, 0), m)


def _crowd_clip(n=12):
    """A thin textured figure walking 6 px/frame across a row of its own copies standing still:
    colour tells it from nothing, its own pixels do."""
    rng = np.random.default_rng(3)
    h, w = 90, 200
    bg = np.full((h, w, 3), 120, np.uint8) + rng.integers(0, 20, (h, w, 3), dtype=np.uint8)
    fig = _texture(rng, 40, 10)
    for x in (60, 110, 160):
        bg[25:65, x:x + 10] = fig
    frames, truth = [], []
    for i in range(n):
        f = bg.copy()
        x = 20 + 6 * i
        f[25:65, x:x + 10] = fig
        t = np.zeros((h, w), np.uint8)
        t[25:65, x:x + 10] = 255
        frames.append(f)
        truth.append(t)
    return frames, truth


def test_tracker_follows_a_figure_past_its_look_alikes():
    frames, truth = _crowd_clip()
    tr = ObjectTracker(ListFrames(frames), work_long_side=None)
    masks = {ev.index: ev.mask for ev in tr.track({0: truth[0]}) if hasattr(ev, "mask")}
    ious = [iou(masks[i], truth[i]) for i in range(1, len(frames))]
    assert min(ious) >= 0.6, ious
