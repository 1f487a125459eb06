"""Tracking among look-alikes (segment/crowd.py): the motion gate and the colour fallback."""

from __future__ import annotations

import cv2
import numpy as np

from inpaint_core.segment.crowd import colour_mask, look_alike_share, motion_gate

H, W = 96, 160


def _rect(x0, y0, x1, y1):
    m = np.zeros((H, W), bool)
    m[y0:y1, x0:x1] = True
    return m


def test_pixels_joining_with_the_background_motion_are_left_out():
    obj = _rect(40, 30, 60, 70)
    lookalike = _rect(60, 30, 75, 70)  # touching the object, standing still
    bwd = np.zeros((H, W, 2), np.float32)
    bwd[obj] = (-4.0, 0.0)  # the object walks right 4 px a frame (backward flow points left)
    core = cv2.erode(obj.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    mask = np.where(obj | lookalike, 255, 0).astype(np.uint8)
    out = motion_gate(mask, bwd, core, obj, np.zeros(2), reach=10, min_diff=2.0)
    assert np.array_equal(out > 0, obj)
    # pixels the flow carried from the last mask stay, even when they move like the background
    out = motion_gate(mask, bwd, core, obj | lookalike, np.zeros(2), reach=10, min_diff=2.0)
    assert np.array_equal(out > 0, obj | lookalike)
    # object and background moving alike: nothing to tell them apart, the mask is kept
    still = np.zeros_like(bwd)
    out = motion_gate(mask, still, core, obj, np.zeros(2), reach=10, min_diff=2.0)
    assert np.array_equal(out > 0, obj | lookalike)


def test_colour_fallback_grows_no_farther_than_the_expected_box():
    warped = _rect(40, 30, 55, 70)
    prob = np.zeros((H, W), np.float32)
    prob[20:80, 30:120] = 0.9  # the object's colours, and a look-alike's beside it
    uncertain = _rect(30, 20, 120, 80)
    expected = _rect(36, 26, 66, 74)
    out = colour_mask(prob, warped, uncertain, np.zeros((H, W), bool), expected, 0.5, 0.15) > 0
    assert out[warped].all()
    assert out[30:70, 56:64].all()  # grown inside the box
    assert not out[:, 68:].any()  # not onto the look-alike
    assert look_alike_share(np.where(prob > 0.5, 1, 0).astype(np.uint8), warped, 10) > 3.0


def test_holes_the_colour_veto_punches_in_a_look_alike_are_filled():
    """Among look-alikes (four still copies of the object's red), a patch of the background's grey
    on the object is vetoed by this frame's colours (P(object) < 0.1) and left as a hole; the
    tracker fills the mask's holes there (``crowd_fill``): every object pixel is in the mask."""
    from inpaint_core.segment.result import iou
    from inpaint_core.segment.track import ListFrames, TrackedFrame
    from inpaint_core.segment.vos import ObjectTracker

    rng = np.random.default_rng(0)
    bg = np.clip(135 + rng.integers(-5, 6, (H, W, 3)), 0, 255).astype(np.uint8)
    for cx in (130, 150):
        for cy in (20, 70):
            cv2.ellipse(bg, (cx, cy), (8, 14), 0, 0, 360, (215, 55, 45), -1)
    frames, truth = [], []
    for i in range(12):
        img, m = bg.copy(), np.zeros((H, W), np.uint8)
        cx = 20 + 3 * i
        cv2.ellipse(m, (cx, 48), (14, 20), 0, 0, 360, 255, -1)
        img[m > 0] = (215, 55, 45)
        img[45:51, cx - 3:cx + 3] = 135  # the patch: the background's grey
        frames.append(img)
        truth.append(m)
    for ev in ObjectTracker(ListFrames(frames)).track({0: truth[0]}):
        if isinstance(ev, TrackedFrame) and ev.index > 0:
            missed = int(np.count_nonzero((ev.mask == 0) & (truth[ev.index] > 0)))
            assert missed == 0, (ev.index, missed)  # without the filling: the 36 patch pixels
            assert not ev.lost and iou(ev.mask, truth[ev.index]) > 0.98
