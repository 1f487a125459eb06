"""``vanish project new`` and ``vanish masks import --video`` on the shared clips (size and frame
count come from probing the video)."""

from __future__ import annotations

import json

from inpaint_core.cli import main
from inpaint_core.masks import open_masks
from inpaint_core.project import Project
from tests.shared import clip_path, shared_path


def test_project_new_with_palette_masks_then_check(tmp_path, capsys):
    video = clip_path("schoolgirls")
    masks = shared_path("data", "clips", "schoolgirls", "masks")
    out = tmp_path / "girls"
    assert main(["project", "new", str(video), "--masks", str(masks), "--out", str(out)]) == 0
    assert "432x240, 80 frames" in capsys.readouterr().out
    folder = tmp_path / "girls.vanish"
    doc = json.loads((folder / "project.json").read_text())
    assert doc["version"] == 1 and doc["video"]["frame_count"] == 80
    proj = Project.load(folder)
    assert proj.video_path == video.resolve() or proj.video_path == video.absolute()
    assert sum(int((proj.layers.compose(i) > 0).sum()) for i in range(80)) == 884233
    assert main(["project", "check", str(folder)]) == 0
    assert "OK:" in capsys.readouterr().out
    assert main(["project", "new", str(video), "--out", str(folder)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_project_new_with_watermark_and_masks_import_with_video(tmp_path, capsys):
    video = clip_path("running_car")
    wm = shared_path("data", "clips", "running_car", "watermark_mask.png")
    assert main(["project", "new", str(video), "--masks", str(wm), "--out", str(tmp_path / "car.vanish")]) == 0
    proj = Project.load(tmp_path / "car.vanish")
    assert proj.size == (972, 540) and proj.frame_count == 292
    assert int((proj.layers.compose(291) > 0).sum()) == 32732

    out = tmp_path / "wm"
    assert main(["masks", "import", str(wm), "--video", str(video), "--out", str(out)]) == 0
    src = open_masks(out, 292, (972, 540))
    assert len(src.files) == 292 and not src.stationary
    assert int((src.mask(0) > 0).sum()) == int((src.mask(291) > 0).sum()) == 32732


def test_relink_checks_size_and_frame_count(tmp_path, capsys):
    girls = clip_path("schoolgirls")
    folder = tmp_path / "p.vanish"
    assert main(["project", "new", str(girls), "--out", str(folder)]) == 0
    assert main(["project", "relink", str(folder), str(clip_path("dogs_jump"))]) == 2
    assert "66 frames but the project's video was 432x240 with 80 frames" in capsys.readouterr().err
    assert main(["project", "relink", str(folder), str(girls)]) == 0


def test_project_new_rejects_a_non_video(tmp_path, capsys):
    fake = tmp_path / "fake.mp4"
    fake.write_text("not a video")
    assert main(["project", "new", str(fake), "--out", str(tmp_path / "x.vanish")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "x.vanish").exists()
