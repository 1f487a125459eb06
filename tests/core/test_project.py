"""The project document: create, save atomically, reload identically, validate with clear errors.

Video geometry is passed explicitly (width/height/frame_count) so these tests do not depend on the
video module; the video file only needs to exist for its fingerprint.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from inpaint_core.errors import ProjectError
from inpaint_core.masks import PaintedLayer, ShapeLayer
from inpaint_core.project import Project, check_project, fingerprint
from tests.shared import shared_path

W, H, N = 40, 30, 6


def _video(tmp_path, name="clip.mp4", size=3 << 20):
    p = tmp_path / name
    rng = np.random.default_rng(0)
    p.write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    return p


def _blob(x0, y0, x1, y1):
    m = np.zeros((H, W), np.uint8)
    m[y0:y1, x0:x1] = 255
    return m


def _project(tmp_path, **kw):
    video = _video(tmp_path)
    return Project.create(tmp_path / "demo", video, width=W, height=H, frame_count=N, **kw), video


def test_create_save_load_round_trip(tmp_path):
    proj, video = _project(tmp_path)
    assert proj.folder.name == "demo.vanish" and proj.name == "demo"
    painted = proj.layers.add(PaintedLayer((W, H), name="brush", dilation=1))
    painted.set(0, _blob(0, 0, 5, 5))
    painted.set(4, _blob(10, 10, 20, 12))
    painted.set(5, _blob(0, 0, 5, 5))  # identical to frame 0: shares one file
    rect = proj.layers.add(ShapeLayer.rectangle((W, H), 30, 20, 5, 6, start=2, stop=4, name="logo"))
    rect.visible = False
    proj.layers.add(ShapeLayer.polygon((W, H), [(0, 29), (10, 29), (0, 19)], name="tri"))
    bm = _blob(1, 1, 3, 8)
    proj.layers.add(ShapeLayer.from_bitmap(bm, name="bits"))
    proj.settings.engine = "sttn"
    proj.settings.grow = 6
    proj.settings.feather = 2.5
    proj.settings.export = {"format": "mkv", "crf": 16}
    proj.save()

    doc = json.loads((proj.folder / "project.json").read_text())
    assert doc["version"] == 1 and doc["video"]["path"] == "../clip.mp4"
    assert len(list((proj.folder / "masks").glob("*.png"))) == 3  # 2 distinct painted + bitmap

    back = Project.load(proj.folder)
    assert back.video_path == video.absolute() and back.size == (W, H) and back.frame_count == N
    assert [layer.name for layer in back.layers] == ["brush", "logo", "tri", "bits"]
    b_painted, b_rect, b_tri, b_bits = back.layers.layers
    assert b_painted.frames == [0, 4, 5] and b_painted.dilation == 1
    assert int((b_painted.mask(4) > 0).sum()) == 20
    assert not b_rect.visible and (b_rect.start, b_rect.stop) == (2, 4)
    assert np.array_equal(b_bits.mask(3), bm)
    for i in range(N):
        assert np.array_equal(back.layers.compose(i), proj.layers.compose(i)), i
    s = back.settings
    assert (s.engine, s.grow, s.feather, s.export) == ("sttn", 6, 2.5, {"format": "mkv", "crf": 16})
    assert s.masks.grow_for(4) == 6
    assert check_project(proj.folder) == []


def test_save_removes_unreferenced_masks_and_keeps_backup(tmp_path):
    proj, _ = _project(tmp_path)
    layer = proj.layers.add(PaintedLayer((W, H)))
    layer.set(1, _blob(0, 0, 4, 4))
    proj.save()
    layer.set(1, _blob(0, 0, 8, 8))
    proj.save()
    files = list((proj.folder / "masks").iterdir())
    assert len(files) == 1
    assert (proj.folder / "project.json.bak").is_file()
    assert int((Project.load(proj.folder).layers.compose(1) > 0).sum()) == 64


def test_loaded_lazy_frames_survive_a_resave(tmp_path):
    proj, _ = _project(tmp_path)
    layer = proj.layers.add(PaintedLayer((W, H)))
    layer.set(2, _blob(3, 3, 9, 9))
    proj.save()
    again = Project.load(proj.folder)
    again.settings.feather = 1.0
    again.save()  # frame 2 never decoded: its file must be kept
    assert int((Project.load(proj.folder).layers.compose(2) > 0).sum()) == 36


def test_failed_save_leaves_previous_document(tmp_path, monkeypatch):
    proj, _ = _project(tmp_path)
    before = (proj.folder / "project.json").read_text()
    proj.settings.engine = "telea"

    real_replace = os.replace

    def boom(src, dst, *a, **k):
        if str(dst).endswith("project.json"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ProjectError, match="No space left"):
        proj.save()
    monkeypatch.undo()
    assert (proj.folder / "project.json").read_text() == before
    assert not [p for p in proj.folder.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.setattr(os, "replace", lambda *a, **k: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(ProjectError, match="I/O error"):
        proj.save()
    monkeypatch.undo()
    assert (proj.folder / "project.json").read_text() == before
    assert not [p for p in proj.folder.iterdir() if p.name.endswith(".tmp")]


def test_create_with_masks_folder_and_stationary_image(tmp_path):
    video = _video(tmp_path)
    clip = shared_path("data", "clips", "schoolgirls", "masks")
    proj = Project.create(tmp_path / "girls.vanish", video, masks=clip, width=432, height=240,
                          frame_count=80)
    layer = proj.layers.layers[0]
    assert isinstance(layer, PaintedLayer) and len(layer.frames) == 80
    back = Project.load(proj.folder)
    assert sum(int((back.layers.compose(i) > 0).sum()) for i in range(80)) == 884233

    wm = shared_path("data", "clips", "running_car", "watermark_mask.png")
    car = Project.create(tmp_path / "car", video, masks=wm, width=972, height=540, frame_count=292)
    shape = Project.load(car.folder).layers.layers[0]
    assert isinstance(shape, ShapeLayer) and shape.shape == "bitmap"
    assert int((shape.mask(291) > 0).sum()) == 32732


def test_create_refuses_existing_project_and_foreign_folders(tmp_path):
    proj, video = _project(tmp_path)
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(proj.folder, video, width=W, height=H, frame_count=N)
    other = tmp_path / "photos.vanish"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(ProjectError, match="other files in it"):
        Project.create(other, video, width=W, height=H, frame_count=N)
    # what an interrupted first save leaves behind does not block the next one
    half = tmp_path / "half.vanish"
    (half / "masks").mkdir(parents=True)
    (half / "masks" / "0123.png").write_bytes(b"x")
    made = Project.create(half, video, width=W, height=H, frame_count=N)
    assert Project.load(made.folder).frame_count == N
    assert list((half / "masks").iterdir()) == []  # the stray file was not referenced


def test_missing_video_is_explained_and_can_be_tolerated(tmp_path):
    proj, video = _project(tmp_path)
    moved = tmp_path / "elsewhere.mp4"
    video.rename(moved)
    with pytest.raises(ProjectError, match="video was not found"):
        Project.load(proj.folder)
    loose = Project.load(proj.folder, verify_video=False)
    assert "not found" in loose.video_problem
    loose.relink(moved, check_size=False)
    loose.save()
    assert Project.load(proj.folder).video_path == moved.absolute()


def test_project_moved_with_its_video_still_finds_it(tmp_path):
    proj, video = _project(tmp_path)
    dest = tmp_path / "new"
    dest.mkdir()
    video.rename(dest / video.name)
    proj.folder.rename(dest / proj.folder.name)
    assert Project.load(dest / "demo.vanish").video_path == (dest / "clip.mp4").absolute()


def test_changed_video_is_detected(tmp_path):
    proj, video = _project(tmp_path)
    data = bytearray(video.read_bytes())
    data[-10] ^= 0xFF  # a change in the last MiB
    video.write_bytes(bytes(data))
    with pytest.raises(ProjectError, match="has changed"):
        Project.load(proj.folder)
    # a copy with a new mtime but the same bytes is the same video
    os.utime(video, (1, 1))
    fp = fingerprint(video)
    assert fp["size"] == 3 << 20 and fp["mtime"] == 1


def test_corrupt_json_and_versions(tmp_path):
    proj, _ = _project(tmp_path)
    doc_path = proj.folder / "project.json"
    good = doc_path.read_text()
    doc_path.write_text(good[: len(good) // 2])
    with pytest.raises(ProjectError, match="corrupt \\(invalid JSON at line"):
        Project.load(proj.folder)
    doc = json.loads(good)
    doc["version"] = 7
    doc_path.write_text(json.dumps(doc))
    with pytest.raises(ProjectError, match="version 7.*newer Vanish"):
        Project.load(proj.folder)
    doc["version"] = "one"
    doc_path.write_text(json.dumps(doc))
    with pytest.raises(ProjectError, match="no valid version"):
        Project.load(proj.folder)
    doc["version"] = 1
    del doc["video"]["width"]
    doc_path.write_text(json.dumps(doc))
    with pytest.raises(ProjectError, match="invalid \\(missing field 'width'\\)"):
        Project.load(proj.folder)
    with pytest.raises(ProjectError, match="not a Vanish project"):
        Project.load(tmp_path / "nothing.vanish")


def test_mask_size_mismatch_and_missing_files_are_listed(tmp_path):
    proj, video = _project(tmp_path)
    layer = proj.layers.add(PaintedLayer((W, H), name="brush"))
    layer.set(0, _blob(0, 0, 4, 4))
    layer.set(1, _blob(0, 0, 6, 6))
    proj.save()
    doc = json.loads((proj.folder / "project.json").read_text())
    f0 = proj.folder / doc["layers"][0]["frames"]["0"]
    f1 = proj.folder / doc["layers"][0]["frames"]["1"]
    from PIL import Image

    Image.fromarray(np.zeros((10, 12), np.uint8)).save(f0)
    f1.unlink()
    video.unlink()
    problems = check_project(proj.folder)
    assert len(problems) == 3
    assert any("12x10 but the video is 40x30" in p for p in problems)
    assert any("is missing" in p for p in problems)
    assert any("video was not found" in p for p in problems)
    with pytest.raises(ProjectError, match="3 problems"):
        Project.load(proj.folder, verify_video=False)


def test_absolute_path_is_used_when_the_relative_one_points_elsewhere(tmp_path):
    videos = tmp_path / "videos"
    videos.mkdir()
    video = _video(videos)
    proj = Project.create(tmp_path / "work" / "demo", video, width=W, height=H, frame_count=N)
    # the project moves alone, next to an unrelated file of the same relative name
    moved = tmp_path / "elsewhere" / "deep"
    moved.mkdir(parents=True)
    proj.folder.rename(moved / proj.folder.name)
    impostor = tmp_path / "elsewhere" / "videos" / "clip.mp4"
    impostor.parent.mkdir()
    impostor.write_bytes(b"another video")
    assert json.loads((moved / "demo.vanish" / "project.json").read_text())["video"]["path"] == \
        "../../videos/clip.mp4"
    assert Project.load(moved / "demo.vanish").video_path == video.absolute()


def test_saved_files_get_normal_permissions(tmp_path):
    from inpaint_core.fsutil import umask
    from inpaint_core.masks import write_masks

    proj, _ = _project(tmp_path)
    proj.layers.add(ShapeLayer.from_bitmap(_blob(0, 0, 3, 3)))
    proj.save()
    want_file, want_dir = 0o666 & ~umask(), 0o777 & ~umask()
    assert (proj.folder / "project.json").stat().st_mode & 0o777 == want_file
    assert all(p.stat().st_mode & 0o777 == want_file for p in (proj.folder / "masks").iterdir())
    write_masks(tmp_path / "out", [_blob(0, 0, 2, 2)])
    assert (tmp_path / "out").stat().st_mode & 0o777 == want_dir
    assert (tmp_path / "out" / "00000.png").stat().st_mode & 0o777 == want_file
