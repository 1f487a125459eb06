"""GrabCut fallback and mask tracking on small synthetic clips."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inpaint_core.errors import Cancelled, MaskError
from inpaint_core.jobs import CancelToken, Progress
from inpaint_core.segment.grabcut import grabcut_box, grabcut_points, grabcut_refine
from inpaint_core.segment.result import METHOD_GRABCUT, iou
from inpaint_core.segment.track import KEY, ListFrames, MaskTracker, TrackedFrame

H, W = 96, 128


def _background(seed=0):
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (H // 8, W // 8, 3), dtype=np.uint8)
    bg = cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    bg[..., 0] = bg[..., 0] // 3  # little red in the scene: the object is red
    bg += rng.integers(-6, 7, bg.shape).astype(np.int16)
    return np.clip(bg, 0, 255).astype(np.uint8)


def _object_frame(bg, cx, cy, r=14):
    img = bg.copy()
    mask = np.zeros((H, W), np.uint8)
    cv2.ellipse(mask, (int(cx), int(cy)), (r, int(r * 0.8)), 0, 0, 360, 255, -1)
    rng = np.random.default_rng(int(cx * 7 + cy))
    obj = np.array([215, 60, 50], np.int16) + rng.integers(-12, 13, (H, W, 3))
    img[mask > 0] = np.clip(obj[mask > 0], 0, 255).astype(np.uint8)
    return img, mask


def _clip(centres, seed=0):
    bg = _background(seed)
    pairs = [_object_frame(bg, cx, cy) for cx, cy in centres]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _track(frames, keys, **kw):
    out = {}
    progress = []
    for ev in MaskTracker(ListFrames(frames), **kw).track(keys):
        if isinstance(ev, TrackedFrame):
            out[ev.index] = ev
        else:
            assert isinstance(ev, Progress)
            progress.append(ev)
    return out, progress


def test_grabcut_box_finds_the_object_and_says_it_is_the_fallback():
    frames, masks = _clip([(60, 50)])
    res = grabcut_box(frames[0], (38, 30, 84, 70))
    assert res.method == METHOD_GRABCUT and res.is_fallback
    assert res.mask.dtype == np.uint8 and set(np.unique(res.mask)) <= {0, 255}
    assert iou(res.mask, masks[0]) > 0.85


def test_grabcut_click_and_negative_click():
    frames, masks = _clip([(60, 50)])
    res = grabcut_points(frames[0], [(60, 50)], [1])
    assert iou(res.mask, masks[0]) > 0.8
    with pytest.raises(MaskError, match="positive click"):
        grabcut_points(frames[0], [(5, 5)], [0])
    with pytest.raises(MaskError, match="outside"):
        grabcut_points(frames[0], [(500, 5)], [1])
    with pytest.raises(MaskError, match="too small"):
        grabcut_box(frames[0], (10, 10, 11, 11))


def test_grabcut_refine_tightens_a_loose_mask():
    frames, masks = _clip([(60, 50)])
    loose = cv2.dilate(masks[0], np.ones((9, 9), np.uint8))
    res = grabcut_refine(frames[0], loose)
    assert iou(res.mask, masks[0]) > iou(loose, masks[0]) + 0.1


def test_tracks_a_moving_object_from_one_key_frame():
    centres = [(30 + 3 * t, 40 + t) for t in range(20)]
    frames, masks = _clip(centres)
    out, progress = _track(frames, {0: masks[0]}, work_long_side=None)
    assert sorted(out) == list(range(20))
    assert out[0].keyframe and out[0].method == KEY and out[0].confidence == 1.0
    assert out[5].method == METHOD_GRABCUT
    ious = [iou(out[i].mask, masks[i]) for i in range(20)]
    assert min(ious) > 0.8, ious
    assert all(0.0 <= out[i].confidence <= 1.0 for i in out)
    # confidence accumulates doubt along the chain: the far end is trusted less than the start
    assert out[19].confidence < out[1].confidence < 1.0
    assert progress[-1].done == progress[-1].total == 20


def test_backward_from_a_later_key_frame_and_blending_between_keys():
    centres = [(30 + 3 * t, 48) for t in range(16)]
    frames, masks = _clip(centres)
    out, _ = _track(frames, {8: masks[8]}, work_long_side=None)
    assert sorted(out) == list(range(16))
    assert min(iou(out[i].mask, masks[i]) for i in range(16)) > 0.8
    # a user correction at frame 12: "the object is not to be removed from here on" (empty mask).
    # The track stops there, and the frames before it blend towards the correction.
    corrected = np.zeros((H, W), np.uint8)
    out2, _ = _track(frames, {0: masks[0], 12: corrected}, work_long_side=None)
    assert out2[12].keyframe and not out2[12].mask.any()
    assert all(not out2[i].mask.any() for i in range(12, 16))
    assert not out2[11].mask.any()  # next to the correction, the correction wins
    assert iou(out2[2].mask, masks[2]) > 0.8  # next to the first key, the track wins


def test_object_leaves_and_reenters_the_frame():
    xs = list(range(70, 150, 5)) + list(range(150, 50, -5))  # off the right edge and back
    centres = [(x, 48) for x in xs]
    frames, masks = _clip(centres)
    out, _ = _track(frames, {0: masks[0]}, work_long_side=None)
    gone = [i for i, m in enumerate(masks) if not m.any()]
    assert gone, "the synthetic object must leave the frame"
    assert all(out[i].lost and not out[i].mask.any() for i in gone)
    back = list(range(gone[-1] + 4, len(masks)))
    ious = [iou(out[i].mask, masks[i]) for i in back]
    assert min(ious) > 0.7, ious
    assert not any(out[i].lost for i in back)


def test_tracking_honours_cancel_and_checks_mask_size():
    frames, masks = _clip([(30 + 3 * t, 40) for t in range(10)])
    token = CancelToken()
    gen = MaskTracker(ListFrames(frames), work_long_side=None).track({0: masks[0]}, cancel=token)
    seen = 0
    with pytest.raises(Cancelled):
        for ev in gen:
            if isinstance(ev, TrackedFrame):
                seen += 1
                if seen == 3:
                    token.cancel()
    assert seen == 3
    with pytest.raises(MaskError, match="draw the mask on the video's frame"):
        list(MaskTracker(ListFrames(frames)).track({0: np.zeros((10, 10), np.uint8)}))
    with pytest.raises(MaskError, match="at least one key frame"):
        list(MaskTracker(ListFrames(frames)).track({}))


def test_work_size_downscaling_keeps_full_size_masks():
    centres = [(30 + 2 * t, 40) for t in range(6)]
    frames, masks = _clip(centres)
    out, _ = _track(frames, {0: masks[0]}, work_long_side=64)
    assert all(out[i].mask.shape == (H, W) for i in out)
    assert min(iou(out[i].mask, masks[i]) for i in out) > 0.7


def test_subrange_with_two_keys_yields_frames_in_order_and_complete_progress():
    centres = [(30 + 3 * t, 48) for t in range(16)]
    frames, masks = _clip(centres)
    events = list(MaskTracker(ListFrames(frames), work_long_side=None).track(
        {4: masks[4], 12: masks[12]}, start=2, stop=14))
    tracked = [e for e in events if isinstance(e, TrackedFrame)]
    assert [f.index for f in tracked] == list(range(2, 14))
    assert [f.index for f in tracked if f.keyframe] == [4, 12]
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[-1].done == progress[-1].total
    assert all(p.done <= q.done for p, q in zip(progress, progress[1:]))
    assert min(iou(f.mask, masks[f.index]) for f in tracked) > 0.8
