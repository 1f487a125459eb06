"""``vanish inpaint``: engine output at working size, timestamps kept, audio copied, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from inpaint_core.cli import main
from inpaint_core.video import VideoReader, probe
from tests.synth import make_video


@pytest.fixture()
def clip(tmp_path):
    video = make_video(tmp_path / "in.mp4", n=12, size=(96, 64), fps=25, vfr=True, audio=True)
    mask = np.zeros((64, 96), np.uint8)
    mask[24:40, 40:60] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    return video, tmp_path / "mask.png"


def test_inpaint_writes_filled_frames_with_timestamps_and_audio(clip, tmp_path, capsys):
    video, mask = clip
    out = tmp_path / "out.mkv"
    assert main(["inpaint", str(video.path), "--masks", str(mask), "--out", str(out)]) == 0
    info = probe(out)
    assert (info.width, info.height) == (96, 64)
    assert info.audio, "audio was not copied"
    with VideoReader(out) as r, VideoReader(video.path) as src:
        assert len(r) == 12
        assert np.allclose(r.times, src.times, atol=1e-3)
        f, s = r.frame(5).astype(np.float32), src.frame(5).astype(np.float32)
    # outside the (grown) hole the picture is the source's (up to lossless-RGB rounding)
    assert np.abs(f[:16] - s[:16]).mean() < 3
    assert "12 frames at 96x64" in capsys.readouterr().err


def test_inpaint_at_a_chosen_size_with_telea(clip, tmp_path):
    video, mask = clip
    out = tmp_path / "small.mp4"
    assert main(["inpaint", str(video.path), "--masks", str(mask), "--engine", "telea",
                 "--size", "48x32", "--out", str(out), "--no-audio"]) == 0
    info = probe(out)
    assert (info.width, info.height) == (48, 32) and not info.audio
    assert info.frame_count == 12


def test_inpaint_errors_are_clear(clip, tmp_path, capsys):
    video, mask = clip
    assert main(["inpaint", str(tmp_path / "nope.mp4"), "--masks", str(mask), "--out",
                 str(tmp_path / "o.mp4")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["inpaint", str(video.path), "--masks", str(tmp_path / "missing.png"), "--out",
                 str(tmp_path / "o.mp4")]) == 2
    assert "Masks not found" in capsys.readouterr().err
    assert not (tmp_path / "o.mp4").exists()
    assert main(["inpaint", str(video.path), "--masks", str(mask), "--engine", "nope", "--out",
                 str(tmp_path / "o.mp4")]) == 2
    assert "Unknown engine" in capsys.readouterr().err
