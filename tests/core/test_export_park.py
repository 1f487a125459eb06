"""Frames decoded ahead of the restore drop their RGB and make it again from the native samples,
bit for bit (the pipelined export's memory bound)."""

from __future__ import annotations

import subprocess
from fractions import Fraction

import numpy as np
import pytest

from inpaint_core.export.frames import FrameStore
from inpaint_core.export.media import NativeFeed
from inpaint_core.export.residuals import Geometry
from inpaint_core.video import VideoReader, VideoWriter


def _clip(path, n=6, size=(96, 64)):
    rng = np.random.default_rng(3)
    with VideoWriter(path, width=size[0], height=size[1], time_base=Fraction(1, 25), rate=Fraction(25)) as w:
        for i in range(n):
            w.write(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8), i)


@pytest.mark.parametrize("rotate", [0, 90])
def test_parked_frame_makes_the_same_rgb_again(tmp_path, rotate):
    src = tmp_path / "a.mp4"
    _clip(src)
    if rotate:
        turned = tmp_path / "r.mp4"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(src), "-c", "copy",
                        "-metadata:s:v:0", f"rotate={rotate}", str(turned)], check=True)
        src = turned
    with VideoReader(src) as r:
        W, H = r.info.width, r.info.height
        store = FrameStore(Geometry((W, H), (W // 2, H // 2)), 1, 1, [(0, len(r))])
        mask = np.zeros((H, W), np.uint8)
        mask[10:20, 10:30] = 255
        got = 0
        for _i, rgb, nf, full16 in NativeFeed(r, 0, len(r)):
            d = store.make(rgb, mask, nf, full16)
            small = d.small.copy()
            assert d.park(), "an 8-bit YUV frame can be parked"
            assert d._full is None
            np.testing.assert_array_equal(d.full, rgb)  # made again, identical
            np.testing.assert_array_equal(d.small, small)
            d.park()
            d.unpark()
            d.native = None  # written: the RGB stays
            np.testing.assert_array_equal(d.full, rgb)
            got += 1
    assert got == 6


def test_frame_without_native_samples_is_not_parked():
    store = FrameStore(Geometry((64, 48), (32, 24)), 1, 1, [(0, 1)])
    rgb = np.zeros((48, 64, 3), np.uint8)
    d = store.make(rgb, np.zeros((48, 64), np.uint8))
    assert not d.park()
    assert d.full is rgb
