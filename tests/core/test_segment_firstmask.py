"""The classical box prompt (several GrabCut starts, the most plausible kept) and its warnings."""

from __future__ import annotations

import cv2
import numpy as np

from inpaint_core.segment.firstmask import box_prompt, plausibility_warning
from inpaint_core.segment.grabcut import grabcut_box
from inpaint_core.segment.prompts import segment_prompt
from inpaint_core.segment.result import METHOD_GRABCUT, iou

H, W = 120, 160


def _scene(seed=0):
    """A dark, textured background and a standing figure: a red shirt over dark trousers whose
    colour is the background's (the case where a plain GrabCut box drops the trousers)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(20, 70, (H // 6, W // 6, 3)).astype(np.uint8)
    img = cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC)
    img = np.clip(img.astype(np.int16) + rng.integers(-5, 6, img.shape), 0, 255).astype(np.uint8)
    mask = np.zeros((H, W), np.uint8)
    cv2.ellipse(mask, (80, 30), (9, 11), 0, 0, 360, 255, -1)           # head
    cv2.rectangle(mask, (68, 40), (92, 72), 255, -1)                   # shirt
    cv2.rectangle(mask, (70, 72), (90, 104), 255, -1)                  # trousers
    head = np.zeros_like(mask)
    cv2.ellipse(head, (80, 30), (9, 11), 0, 0, 360, 255, -1)
    img[head > 0] = (200, 160, 130)
    img[40:73, 68:93] = (210, 40, 40)
    trousers = img[72:105, 70:91].astype(np.int16)
    img[72:105, 70:91] = np.clip(trousers + 12, 0, 255).astype(np.uint8)  # dark, like the background
    return img, mask


def test_box_prompt_keeps_the_dark_half_of_the_figure():
    img, truth = _scene()
    box = (64, 15, 96, 108)
    res = box_prompt(img, box)
    assert res.method == METHOD_GRABCUT and res.mask.dtype == np.uint8
    assert set(np.unique(res.mask)) <= {0, 255}
    assert iou(res.mask, truth) > 0.8, iou(res.mask, truth)
    assert res.warning is None
    # most of the trousers are in the mask (a plain GrabCut box keeps none of them)
    assert (res.mask[80:100, 74:86] > 0).mean() > 0.5
    assert (grabcut_box(img, box).mask[80:100, 74:86] > 0).mean() < 0.1


def test_box_prompt_with_a_tight_box_is_not_a_handful_of_pixels():
    img, truth = _scene(1)
    ys, xs = np.nonzero(truth)
    res = box_prompt(img, (xs.min(), ys.min(), xs.max(), ys.max()))
    assert res.area > 0.5 * np.count_nonzero(truth)
    assert iou(res.mask, truth) > 0.6


def test_background_click_inside_the_box_is_excluded():
    img, truth = _scene(2)
    res = box_prompt(img, (64, 15, 96, 108), points=[(80, 30)], labels=[0])
    assert res.mask[30, 80] == 0


def test_plausibility_warning_for_tiny_and_huge_masks():
    tiny = np.zeros((H, W), np.uint8)
    tiny[10:12, 10:12] = 255
    msg = plausibility_warning(tiny, (0, 0, 80, 80))
    assert msg is not None and "only 4 pixels" in msg
    huge = np.full((H, W), 255, np.uint8)
    huge[:5] = 0
    msg = plausibility_warning(huge)
    assert msg is not None and "% of the frame" in msg
    ok = np.zeros((H, W), np.uint8)
    ok[20:80, 40:90] = 255
    assert plausibility_warning(ok, (35, 15, 95, 85)) is None


def test_segment_prompt_warns_when_the_box_holds_no_object():
    """A box on a flat wall: whatever comes back is flagged, never silently accepted."""
    img = np.full((H, W, 3), 128, np.uint8)
    img += np.random.default_rng(0).integers(0, 3, img.shape, dtype=np.uint8)
    res = segment_prompt(img, box=(40, 30, 60, 50))
    assert res.warning is not None, (res.area, res.warning)


def test_box_prompt_beats_todays_box_on_the_figure():
    img, truth = _scene(3)
    box = (64, 15, 96, 108)
    assert iou(box_prompt(img, box).mask, truth) > iou(grabcut_box(img, box).mask, truth)


def test_a_standing_figure_keeps_its_shoes():
    """A tall box (a standing figure): white shoes on a white floor are left out by every start
    but the feet start (the box's middle line down to near its bottom as sure object)."""
    h, w = 180, 240
    rng = np.random.default_rng(1)
    img = np.clip(np.array([60, 140, 60]) + rng.integers(-12, 13, (h, w, 3)), 0, 255).astype(np.uint8)
    img[120:] = np.clip(235 + rng.integers(-8, 9, (h - 120, w, 3)), 0, 255).astype(np.uint8)  # white floor
    body, shoes = np.zeros((h, w), np.uint8), np.zeros((h, w), np.uint8)
    cv2.ellipse(body, (120, 38), (9, 11), 0, 0, 360, 255, -1)
    cv2.rectangle(body, (108, 50), (132, 100), 255, -1)
    cv2.rectangle(body, (111, 100), (129, 150), 255, -1)
    cv2.rectangle(shoes, (107, 151), (133, 158), 255, -1)
    img[body > 0] = (30, 40, 110)
    img[shoes > 0] = (245, 245, 245)
    truth = body | shoes
    box = (102, 23, 138, 162)
    new, old = box_prompt(img, box), box_prompt(img, box, figure=False)
    on_shoes = lambda r: int(np.count_nonzero((r.mask > 0) & (shoes > 0)))  # noqa: E731
    assert on_shoes(old) == 0 and on_shoes(new) >= 0.5 * np.count_nonzero(shoes), (on_shoes(old), on_shoes(new))
    assert iou(new.mask, truth) > iou(old.mask, truth) + 0.03 and iou(new.mask, truth) > 0.95
    # a wide box (an animal) gets no feet start: the middle of its bottom is between its legs
    assert box_prompt(img, (90, 80, 150, 110)).detail != "feet"
