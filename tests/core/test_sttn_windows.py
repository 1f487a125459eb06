"""Windowed completion logic of STTN with a cheap stand-in network (the real one is tested elsewhere).

The stand-in's output for a window depends on which frames it saw and in what order, so these tests
catch any difference from the released procedure (window membership, order, running average,
compositing) while running in milliseconds.
"""

from __future__ import annotations

import weakref

import numpy as np
import pytest

from inpaint_core.clipsource import ArrayClipSource
from inpaint_core.engines.base import AttentionCorrespondence, Filled, in_order
from inpaint_core.engines.sttn.windows import complete_windows, make_window, plan_windows
from inpaint_core.errors import Cancelled
from inpaint_core.jobs import CancelToken, Progress

H, W = 12, 16


class Handle:
    def __init__(self, idx: int) -> None:
        self.idx = idx


class FakeRunner:
    """Encodes a frame as its index (stored in pixel (0, 0)); 'completes' with an order-sensitive hash."""

    def __init__(self) -> None:
        self.encoded: list[int] = []
        self.windows: list[list[int]] = []
        self.live = weakref.WeakSet()
        self.max_live = 0

    def encode(self, frames, masks):
        out = []
        for f in frames:
            h = Handle(int(f[0, 0, 0]) + 256 * int(f[0, 0, 1]))
            self.encoded.append(h.idx)
            self.live.add(h)
            out.append(h)
        self.max_live = max(self.max_live, len(self.live))
        return out

    def complete(self, items, n_out, want_attention=False):
        ids = [it.idx for it in items]
        self.windows.append(ids)
        return fake_complete(ids, n_out, want_attention)


def fake_complete(ids, n_out, want_attention):
    pred = np.zeros((n_out, H, W, 3), np.uint8)
    for t in range(n_out):
        v = (sum((k + 1) * i for k, i in enumerate(ids)) + 37 * t) % 256
        pred[t] = v
        pred[t, :, :, 1] = (v * 7 + len(ids)) % 256
    weights = None
    if want_attention:
        weights = np.full((n_out, H // 4, W // 4, len(ids)), 1.0 / len(ids), np.float32)
    return pred, weights


def make_clip(n, shots=None, cancel=None):
    frames = np.zeros((n, H, W, 3), np.uint8)
    frames[:, :, :, 2] = 200
    for i in range(n):
        frames[i, 0, 0, 0] = i % 256
        frames[i, 0, 0, 1] = i // 256
        frames[i, 5:, 3:, 1] = (i * 13) % 256
    masks = np.zeros((n, H, W), np.uint8)
    masks[:, 4:10, 4:12] = 255
    return ArrayClipSource(frames, masks, shots=shots, cancel=cancel), frames, masks


def released_procedure(frames, masks, shot, stride=5, ref_stride=10):
    """A direct transcription of the released loop over one shot (all frames in memory)."""
    a, b = shot
    n = b - a
    binm = (masks[a:b] > 0)[..., None].astype(np.uint8)
    comp = [None] * n
    for f in range(0, n, stride):
        nb = list(range(max(0, f - stride), min(n, f + stride + 1)))
        refs = [i for i in range(0, n, ref_stride) if i not in nb]
        pred, _ = fake_complete([a + i for i in nb + refs], len(nb), False)
        for t, i in enumerate(nb):
            img = pred[t] * binm[i] + frames[a + i] * (1 - binm[i])
            comp[i] = (
                img if comp[i] is None else comp[i].astype(np.float32) * 0.5 + img.astype(np.float32) * 0.5
            )
    return [comp[i].astype(np.uint8) * binm[i] + frames[a + i] * (1 - binm[i]) for i in range(n)]


def filled(events):
    return [e for e in events if isinstance(e, Filled)]


def test_plan_matches_released_windows_for_30_frames():
    plan = plan_windows([(0, 30)], range(30), ref_window=None)
    assert [w.centre for w in plan] == [0, 5, 10, 15, 20, 25]
    assert plan[0].neighbours == tuple(range(0, 6)) and plan[0].refs == (10, 20)
    assert plan[2].neighbours == tuple(range(5, 16)) and plan[2].refs == (0, 20)
    assert plan[5].neighbours == tuple(range(20, 30)) and plan[5].refs == (0, 10)


def test_ref_window_limits_references():
    w = make_window((0, 1000), 500, 5, 10, 50)
    assert w.refs == (450, 460, 470, 480, 490, 510, 520, 530, 540, 550)
    assert make_window((0, 1000), 500, 5, 10, None).refs[:2] == (0, 10)


def test_short_shots_use_every_reference_long_shots_a_window():
    short = plan_windows([(0, 100)], range(100))
    assert short[-1].refs == tuple(range(0, 90, 10))
    long = plan_windows([(0, 101)], range(101))
    assert long[-1].centre == 100 and long[-1].refs == (50, 60, 70, 80, 90)
    assert plan_windows([(0, 101)], range(101), full_refs_up_to=200)[-1].refs[0] == 0


def test_streamed_output_equals_released_procedure():
    clip, frames, masks = make_clip(32)
    runner = FakeRunner()
    events = list(complete_windows(runner, clip, ref_window=None, correspondence=False))
    got = filled(events)
    assert [e.index for e in got] == list(range(32))  # in order
    expected = released_procedure(frames, masks, (0, 32))
    for e in got:
        np.testing.assert_array_equal(e.rgb, expected[e.index])
    assert sorted(runner.encoded) == list(range(32))  # each frame encoded exactly once
    assert isinstance(events[0], Progress) and events[-1] == Progress(32, 32, "sttn")


def test_pixels_outside_mask_untouched():
    clip, frames, masks = make_clip(12)
    for e in filled(complete_windows(FakeRunner(), clip)):
        keep = masks[e.index] == 0
        np.testing.assert_array_equal(e.rgb[keep], frames[e.index][keep])
        assert (e.rgb[masks[e.index] > 0] != frames[e.index][masks[e.index] > 0]).any()


def test_priority_finishes_its_frame_first_with_identical_result():
    clip, frames, masks = make_clip(40)
    base = {e.index: e.rgb for e in filled(complete_windows(FakeRunner(), clip, ref_window=None))}
    runner = FakeRunner()
    got = filled(complete_windows(runner, clip, priority=23, ref_window=None))
    first_windows_before_23 = next(k for k, ids in enumerate(runner.windows) if 23 in ids[:11])
    order = [e.index for e in got]
    assert order.index(23) < 5  # among the first frames delivered
    assert first_windows_before_23 == 0
    assert sorted(order) == list(range(40))
    for e in got:
        np.testing.assert_array_equal(e.rgb, base[e.index])
    # consumers that need order can restore it with a small buffer
    assert [e.index for e in filled(in_order(got, range(40)))] == list(range(40))


def test_subset_of_frames_matches_full_run_and_skips_far_windows():
    clip, _, _ = make_clip(60)
    base = {e.index: e.rgb for e in filled(complete_windows(FakeRunner(), clip, ref_window=None))}
    runner = FakeRunner()
    got = filled(complete_windows(runner, clip, frames=[31, 32], ref_window=None))
    assert [e.index for e in got] == [31, 32]
    for e in got:
        np.testing.assert_array_equal(e.rgb, base[e.index])
    assert len(runner.windows) == 2  # centres 30 and 35 only


def test_memory_bounded_and_frames_read_once_on_long_clip():
    clip, _, _ = make_clip(600)
    reads = []
    orig = clip.frame
    clip.frame = lambda i: (reads.append(i), orig(i))[1]
    runner = FakeRunner()
    count = sum(1 for _ in filled(complete_windows(runner, clip)))  # defaults: refs within +-50
    assert count == 600
    assert sorted(reads) == list(range(600))
    # 11 neighbours + up to 11 references (+ the window's new frames awaiting their first use)
    assert runner.max_live <= 11 + 11 + 5
    assert max(len(ids) for ids in runner.windows) <= 11 + 11


def test_shots_split_windows():
    clip, frames, masks = make_clip(30, shots=[(0, 12), (12, 30)])
    runner = FakeRunner()
    got = filled(complete_windows(runner, clip, ref_window=None))
    for ids in runner.windows:
        assert all(i < 12 for i in ids) or all(i >= 12 for i in ids)
    second = [ids for ids in runner.windows if ids[0] >= 12]
    assert second[0][:6] == list(range(12, 18)) and second[0][6:] == [22]  # refs every 10th of the shot
    expected = released_procedure(frames, masks, (0, 12)) + released_procedure(frames, masks, (12, 30))
    for e in got:
        np.testing.assert_array_equal(e.rgb, expected[e.index])


def test_cancel_between_windows():
    token = CancelToken()
    clip, _, _ = make_clip(40, cancel=token)
    runner = FakeRunner()
    ran_at_cancel = None
    with pytest.raises(Cancelled):
        for ev in complete_windows(runner, clip):
            if isinstance(ev, Filled) and ran_at_cancel is None:
                token.cancel()
                ran_at_cancel = len(runner.windows)
    assert ran_at_cancel == 2  # frame 0 is finished by the windows centred on 0 and 5
    assert len(runner.windows) == ran_at_cancel


def test_correspondence_merges_window_attention():
    clip, _, _ = make_clip(20)
    got = filled(complete_windows(FakeRunner(), clip, ref_window=None))
    c = got[7].correspondence
    assert isinstance(c, AttentionCorrespondence)
    assert c.weights.shape == (H // 4, W // 4, len(c.frames))
    np.testing.assert_allclose(c.weights.sum(-1), 1.0, rtol=1e-6)
    # frame 7 is covered by the windows centred on 5 and 10: their frames, with weights 1/2 each
    assert set(c.frames) == set(range(0, 16))
    assert c.weights[0, 0, c.frames.index(1)] == pytest.approx(0.5 / 11)
    assert c.weights[0, 0, c.frames.index(15)] == pytest.approx(0.5 / 12)
    assert c.weights[0, 0, c.frames.index(0)] == pytest.approx(0.5 / 11 + 0.5 / 12)


def test_frames_outside_clip_rejected():
    clip, _, _ = make_clip(5)
    with pytest.raises(ValueError, match="outside the clip"):
        list(complete_windows(FakeRunner(), clip, frames=[7]))


def test_tiled_windows_complete_each_frame_once_in_half_the_windows():
    plan = plan_windows([(0, 30)], range(30), ref_window=None, overlap=False)
    assert [w.centre for w in plan] == [5, 16, 27]
    assert [w.neighbours for w in plan] == [tuple(range(0, 11)), tuple(range(11, 22)), tuple(range(22, 30))]
    assert plan[0].refs == (20,) and plan[1].refs == (0, 10) and plan[2].refs == (0, 10, 20)
    clip, frames, masks = make_clip(30)
    runner = FakeRunner()
    got = filled(complete_windows(runner, clip, ref_window=None, correspondence=False, overlap=False))
    assert [e.index for e in got] == list(range(30))
    assert len(runner.windows) == 3  # the released schedule runs 6
    assert sorted(runner.encoded) == list(range(30))
    # each frame is the composite of its one window's output: no running average
    binm = (masks > 0)[..., None].astype(np.uint8)
    for w in plan:
        pred, _ = fake_complete(list(w.frames), len(w.neighbours), False)
        for t, i in enumerate(w.neighbours):
            np.testing.assert_array_equal(got[i].rgb, pred[t] * binm[i] + frames[i] * (1 - binm[i]))


def test_tiled_windows_run_the_priority_tile_first_with_the_same_result():
    clip, _, _ = make_clip(40)
    plain = {e.index: e.rgb for e in filled(complete_windows(FakeRunner(), clip, overlap=False))}
    runner = FakeRunner()
    events = filled(complete_windows(runner, clip, priority=25, overlap=False))
    assert runner.windows[0][:11] == list(range(22, 33))  # the tile holding frame 25 ran first
    assert 25 in [e.index for e in events[:11]]
    for e in events:
        np.testing.assert_array_equal(e.rgb, plain[e.index])
    # a priority frame outside the wanted frames' tiles only orders them
    assert [w.centre for w in plan_windows([(0, 40)], range(0, 5), priority=30, overlap=False)] == [5]
