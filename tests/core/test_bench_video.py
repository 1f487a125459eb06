"""`vanish bench` on video files: a synthetic MP4 and (when ../shared is present) a real clip."""

import json

import cv2
import numpy as np

from inpaint_core.bench.clips import expand_clip_paths, load_clip
from inpaint_core.cli import main
from tests.shared import clip_path
from tests.synth import make_video


def test_video_clip_is_read_resized_and_cut(tmp_path):
    clip = make_video(tmp_path / "moving.mp4", n=12, size=(96, 64), fps=24)
    c = load_clip(tmp_path / "moving.mp4", frames=8, size=(48, 32))
    assert c.name == "moving" and len(c) == 8 and c.frames.shape == (8, 32, 48, 3)
    assert c.source_size == (96, 64) and abs(c.fps - 24) < 0.5
    # the decoded, downsized frames follow the source (lossy coding: compare coarsely)
    want = cv2.resize(np.asarray(clip[5]), (48, 32), interpolation=cv2.INTER_AREA).astype(int)
    assert np.abs(c.frames[5].astype(int) - want).mean() < 12
    # a folder of videos stands for each of them
    make_video(tmp_path / "other.mkv", n=4, size=(64, 48), fps=24)
    assert [p.name for p in expand_clip_paths([tmp_path])] == ["moving.mp4", "other.mkv"]


def test_bench_on_a_shared_clip(tmp_path):
    video = clip_path("schoolgirls")
    out = tmp_path / "r.json"
    rc = main(["bench", "--engine", "telea", "--clips", str(video), "--frames", "6", "--size", "216x120",
               "--out", str(out), "--no-warp"])
    assert rc == 0
    data = json.loads(out.read_text())
    (c,) = data["clips"]
    assert c["name"] == "schoolgirls" and c["frames"] == 6 and c["source_size"] == [432, 240]
    tel = c["engines"][0]
    assert tel["status"] == "ok" and 10 < tel["psnr_hole"] < tel["psnr"]


def test_bench_reports_a_broken_video_clearly(tmp_path, capsys):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    out = tmp_path / "r.json"
    rc = main(["bench", "--engine", "telea", "--clips", str(bad), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: ") and "broken.mp4" in err
    assert not out.exists()
