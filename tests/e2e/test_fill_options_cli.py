"""``--fill-method`` and ``--reference FRAME=IMAGE`` on ``vanish inpaint`` and ``vanish export``."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from inpaint_core.cli import main
from inpaint_core.video import VideoReader
from tests.synth import make_video


@pytest.fixture()
def clip(tmp_path):
    video = make_video(tmp_path / "in.mp4", n=8, size=(96, 64), fps=25)
    mask = np.zeros((64, 96), np.uint8)
    mask[24:40, 40:60] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    return video, tmp_path / "mask.png"


def test_a_reference_frame_fills_its_frame_with_the_given_pixels(clip, tmp_path):
    video, mask = clip
    with VideoReader(video.path) as r:
        ref = r.frame(4).copy()
    ref[20:44, 36:64] = (250, 0, 250)  # the user's paint in the hole
    Image.fromarray(ref).save(tmp_path / "ref.png")
    out = tmp_path / "out.mkv"
    assert main(["inpaint", str(video.path), "--masks", str(mask), "--out", str(out), "--no-audio",
                 "--reference", f"4={tmp_path / 'ref.png'}", "--fill-method", "propagate"]) == 0
    with VideoReader(out) as r:
        f4 = r.frame(4).astype(int)
    inner = f4[28:36, 44:56]
    assert (inner[..., 0] > 200).mean() > 0.9 and (inner[..., 1] < 50).mean() > 0.9


def test_bad_fill_options_are_clear_errors(clip, tmp_path, capsys):
    video, mask = clip
    o = tmp_path / "o.mp4"
    for cmd in ("inpaint", "export"):
        assert main([cmd, str(video.path), "--masks", str(mask), "--out", str(o),
                     "--reference", "3=" + str(tmp_path / "none.png")]) == 2
        assert "Reference image not found" in capsys.readouterr().err
        Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(tmp_path / "small.png")
        assert main([cmd, str(video.path), "--masks", str(mask), "--out", str(o),
                     "--reference", f"3={tmp_path / 'small.png'}"]) == 2
        assert "must be the video's size, 96x64" in capsys.readouterr().err
        assert main([cmd, str(video.path), "--masks", str(mask), "--out", str(o), "--reference", "x"]) == 2
        assert "FRAME=IMAGE" in capsys.readouterr().err
    assert not o.exists()
