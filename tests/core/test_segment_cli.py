"""``vanish segment`` end to end on a small synthetic video."""

from __future__ import annotations

import av
import numpy as np
import pytest

from inpaint_core.cli import main
from inpaint_core.masks import list_mask_images, read_mask_image
from inpaint_core.segment.result import iou
from tests.core.test_segment_track import _clip

N = 10


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    frames, masks = _clip([(40 + 3 * t, 48) for t in range(N)])
    path = tmp_path_factory.mktemp("seg") / "clip.mkv"
    with av.open(str(path), "w") as out:
        st = out.add_stream("ffv1", rate=24)
        st.width, st.height, st.pix_fmt = 128, 96, "bgr0"
        for f in frames:
            for pkt in st.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return path, masks


def test_box_and_track_writes_one_mask_per_frame(video, tmp_path, capsys):
    path, masks = video
    out = tmp_path / "masks"
    rc = main(["segment", str(path), "--frame", "0", "--box", "22,30,60,66", "--track",
               "--model", "grabcut", "--out", str(out), "--quiet"])
    assert rc == 0
    files = list_mask_images(out)
    assert len(files) == N
    got = [read_mask_image(f) for f in files]
    assert all(set(np.unique(g)) <= {0, 255} for g in got)
    assert min(iou(g, m) for g, m in zip(got, masks)) > 0.75
    assert "grabcut (fallback)" in capsys.readouterr().out


def test_click_without_track_masks_only_that_frame(video, tmp_path):
    path, masks = video
    out = tmp_path / "one"
    rc = main(["segment", str(path), "--frame", "4", "--point", "52,48", "--point", "5,5,0",
               "--out", str(out), "--quiet"])
    assert rc == 0
    got = [read_mask_image(f) for f in list_mask_images(out)]
    assert len(got) == N
    assert iou(got[4], masks[4]) > 0.75
    assert not any(g.any() for i, g in enumerate(got) if i != 4)


def test_user_errors_exit_2_with_a_clear_message(video, tmp_path, capsys, monkeypatch):
    path, _ = video
    monkeypatch.setattr("inpaint_core.segment.sam.find_checkpoint", lambda mt="vit_b": None)
    rc = main(["segment", str(path), "--point", "50,50", "--model", "sam_vit_b", "--out", str(tmp_path / "a")])
    assert rc == 2 and "vanish models download sam_vit_b" in capsys.readouterr().err
    rc = main(["segment", str(path), "--point", "500,50", "--out", str(tmp_path / "b")])
    assert rc == 2 and "outside the 128x96 frame" in capsys.readouterr().err
    rc = main(["segment", str(path), "--frame", "99", "--point", "50,50", "--out", str(tmp_path / "c")])
    assert rc == 2 and "outside the video" in capsys.readouterr().err
    rc = main(["segment", str(path), "--out", str(tmp_path / "d")])
    assert rc == 2 and "--point" in capsys.readouterr().err
    rc = main(["segment", str(tmp_path / "missing.mp4"), "--point", "1,1", "--out", str(tmp_path / "e")])
    assert rc == 2 and "not found" in capsys.readouterr().err
    assert not any((tmp_path / n).exists() for n in "abcde")
