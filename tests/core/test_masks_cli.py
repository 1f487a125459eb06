"""``vanish masks import|export`` and ``vanish project check|relink`` through the CLI entry."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from inpaint_core.cli import main
from inpaint_core.errors import MaskError
from inpaint_core.masks import PaintedLayer, ShapeLayer, open_masks
from inpaint_core.project import Project, open_mask_input
from tests.shared import shared_path


def _areas(folder, n, size):
    src = open_masks(folder, n, size)
    assert not src.stationary or n == 1
    return [int((src.mask(i) > 0).sum()) for i in range(n)]


def test_import_palette_folder(tmp_path, capsys):
    src = shared_path("data", "clips", "schoolgirls", "masks")
    out = tmp_path / "norm"
    assert main(["masks", "import", str(src), "--size", "432x240", "--frames", "80",
                 "--out", str(out)]) == 0
    files = sorted(out.iterdir())
    assert len(files) == 80 and files[0].name == "00000.png"
    with Image.open(files[0]) as im:
        assert im.mode == "L" and im.size == (432, 240)
        assert set(np.unique(np.asarray(im))) == {0, 255}
    assert sum(_areas(out, 80, (432, 240))) == 884233
    assert "80 masks at 432x240" in capsys.readouterr().out


def test_import_stationary_watermark_resized(tmp_path):
    src = shared_path("data", "clips", "running_car", "watermark_mask.png")
    out = tmp_path / "wm"
    assert main(["masks", "import", str(src), "--size", "972x540", "--frames", "5",
                 "--out", str(out)]) == 0
    assert _areas(out, 5, (972, 540)) == [32732] * 5


def test_import_errors_exit_2_with_message(tmp_path, capsys):
    src = shared_path("data", "clips", "schoolgirls", "masks")
    assert main(["masks", "import", str(src), "--size", "432x240", "--frames", "79",
                 "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "80 images but the video has 79 frames" in err
    assert not (tmp_path / "x").exists()
    assert main(["masks", "import", str(src), "--out", str(tmp_path / "y")]) == 2
    assert "--video" in capsys.readouterr().err


def test_export_and_check_project(tmp_path, capsys):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\0" * 4096)
    proj = Project.create(tmp_path / "p", video, width=32, height=24, frame_count=4)
    painted = proj.layers.add(PaintedLayer((32, 24)))
    m = np.zeros((24, 32), np.uint8)
    m[2:6, 2:6] = 255
    painted.set(1, m)
    proj.layers.add(ShapeLayer.rectangle((32, 24), 20, 10, 4, 5, start=2))
    hidden = proj.layers.add(ShapeLayer.rectangle((32, 24), 0, 0, 32, 24))
    hidden.visible = False
    proj.save()

    out = tmp_path / "exported"
    assert main(["masks", "export", str(proj.folder), "--out", str(out)]) == 0
    assert _areas(out, 4, (32, 24)) == [0, 16, 20, 20]

    assert main(["project", "check", str(proj.folder)]) == 0
    assert "OK:" in capsys.readouterr().out
    video.write_bytes(b"\1" * 4096)
    assert main(["project", "check", str(proj.folder)]) == 2
    assert "has changed since the project was saved" in capsys.readouterr().out
    (proj.folder / "project.json").write_text("{ nope")
    assert main(["project", "check", str(proj.folder)]) == 2
    assert "corrupt" in capsys.readouterr().out


def test_a_project_folder_is_a_mask_source(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\0" * 4096)
    proj = Project.create(tmp_path / "p", video, width=32, height=24, frame_count=3)
    proj.layers.add(ShapeLayer.rectangle((32, 24), 0, 0, 8, 6, start=1))
    proj.save()
    with pytest.raises(MaskError, match="is a Vanish project"):  # the masks layer knows no projects
        open_masks(proj.folder, 3, (64, 48))
    src = open_mask_input(proj.folder, 3, (64, 48))  # asked at another size: nearest-neighbour resize
    assert [int((src.mask(i) > 0).sum()) for i in range(3)] == [0, 192, 192]
    out = tmp_path / "m"
    assert main(["masks", "import", str(proj.folder), "--size", "32x24", "--frames", "3",
                 "--out", str(out)]) == 0
    assert _areas(out, 3, (32, 24)) == [0, 48, 48]
    with pytest.raises(MaskError, match="masks for 3 frames but the video has 4"):
        open_mask_input(proj.folder, 4, (32, 24))
