"""Reading mask images by the DESIGN.md rules, mask sources (folder / single image), writing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from inpaint_core.errors import MaskError
from inpaint_core.masks import list_mask_images, open_masks, read_mask_image, write_masks
from tests.shared import shared_path


def _save(arr, path, mode=None, palette=None):
    im = Image.fromarray(arr, mode) if mode else Image.fromarray(arr)
    if palette is not None:
        im.putpalette(palette)
    im.save(path)
    return path


# -- the real masks ---------------------------------------------------------------------------

def test_schoolgirls_palette_masks_use_index_not_zero():
    folder = shared_path("data", "clips", "schoolgirls", "masks")
    first = folder / "00000.png"
    with Image.open(first) as im:
        assert im.mode == "P"
        idx = np.asarray(im)
    m = read_mask_image(first)
    assert m.shape == (240, 432) and m.dtype == np.uint8
    assert set(np.unique(m)) == {0, 255}
    # every object index 1..7 counts, including the dark low indices a luminance test would miss
    assert int((m > 0).sum()) == int((idx != 0).sum()) == 11666
    src = open_masks(folder, 80, (432, 240))
    assert not src.stationary and len(src) == 80
    areas = [int((src.mask(i) > 0).sum()) for i in range(80)]
    assert sum(areas) == 884233 and min(areas) == 8420 and max(areas) == 12436


def test_dogs_jump_palette_masks_have_objects():
    folder = shared_path("data", "clips", "dogs_jump", "masks")
    src = open_masks(folder, 66, (432, 240))
    assert int((src.mask(10) > 0).sum()) == 5858


def test_watermark_mask_rgb_resized_to_video():
    path = shared_path("data", "clips", "running_car", "watermark_mask.png")
    full = read_mask_image(path)
    assert full.shape == (720, 1296)
    assert int((full > 0).sum()) == 58181  # luminance >= 128 (anti-aliased edges below are out)
    m = read_mask_image(path, size=(972, 540))
    assert m.shape == (540, 972)
    # nearest-neighbour resize keeps the 0/255 values and (9/16 of) the area
    assert set(np.unique(m)) == {0, 255}
    assert int((m > 0).sum()) == 32732
    assert abs((m > 0).mean() - (full > 0).mean()) < 0.002
    src = open_masks(path, 292, (972, 540))
    assert src.stationary and np.array_equal(src.mask(0), m) and np.array_equal(src.mask(291), m)


def test_threshold_is_configurable():
    path = shared_path("data", "clips", "running_car", "watermark_mask.png")
    loose = read_mask_image(path, threshold=1)
    assert int((loose > 0).sum()) == 62113
    assert int((read_mask_image(path, threshold=256) > 0).sum()) == 0


# -- synthetic images -------------------------------------------------------------------------

def test_greyscale_luminance_threshold(tmp_path):
    g = np.zeros((20, 30), np.uint8)
    g[:, :10] = 127  # just below
    g[:, 10:20] = 128  # exactly at the threshold
    g[:, 20:] = 255
    m = read_mask_image(_save(g, tmp_path / "g.png"))
    assert int((m > 0).sum()) == 20 * 20
    assert not m[:, :10].any() and m[:, 10:].all()
    assert int((read_mask_image(tmp_path / "g.png", threshold=200) > 0).sum()) == 20 * 10


def test_rgb_uses_luminance_not_any_channel(tmp_path):
    rgb = np.zeros((10, 40, 3), np.uint8)
    rgb[:, 0:10] = (255, 0, 0)    # red: luminance 76 -> keep
    rgb[:, 10:20] = (0, 255, 0)   # green: luminance 150 -> masked
    rgb[:, 20:30] = (0, 0, 255)   # blue: luminance 29 -> keep
    rgb[:, 30:40] = (255, 255, 255)
    m = read_mask_image(_save(rgb, tmp_path / "c.png"))
    assert int((m > 0).sum()) == 10 * 20
    assert m[:, 10:20].all() and m[:, 30:].all() and not m[:, :10].any() and not m[:, 20:30].any()


def test_palette_with_bright_index_zero(tmp_path):
    idx = np.zeros((16, 16), np.uint8)
    idx[4:8, 4:8] = 1
    idx[10:12, :] = 2
    # index 0 is painted white and index 1 black: the palette colours must not matter
    pal = [255, 255, 255, 0, 0, 0, 10, 10, 10] + [0] * (256 * 3 - 9)
    m = read_mask_image(_save(idx, tmp_path / "p.png", "P", pal))
    assert int((m > 0).sum()) == 16 + 32


def test_rgba_transparent_background_masks_the_logo(tmp_path):
    rgba = np.zeros((12, 12, 4), np.uint8)
    rgba[..., :3] = 255           # white everywhere ...
    rgba[3:9, 3:9, 3] = 255       # ... but opaque only in the logo
    m = read_mask_image(_save(rgba, tmp_path / "a.png"))
    assert int((m > 0).sum()) == 36


def test_sixteen_bit_greyscale(tmp_path):
    g = np.zeros((8, 8), np.uint16)
    g[:, 4:] = 40000
    g[:, :4] = 30000  # 30000 / 257 = 116.7 < 128
    Image.fromarray(g).save(tmp_path / "g16.png")
    assert int((read_mask_image(tmp_path / "g16.png") > 0).sum()) == 32


def test_resize_nearest_keeps_binary_values(tmp_path):
    g = np.zeros((10, 10), np.uint8)
    g[2:5, 2:5] = 255
    m = read_mask_image(_save(g, tmp_path / "s.png"), size=(40, 40))  # same aspect ratio: resized
    assert m.shape == (40, 40) and set(np.unique(m)) == {0, 255}
    assert int((m > 0).sum()) == 3 * 4 * 3 * 4


def test_unreadable_and_missing_images(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    with pytest.raises(MaskError, match="not a readable image"):
        read_mask_image(bad)
    with pytest.raises(MaskError, match="not found"):
        read_mask_image(tmp_path / "nope.png")
    with pytest.raises(MaskError, match="not found"):
        open_masks(tmp_path / "nope", 5, (8, 8))


def _frames_folder(folder, n, size=(16, 12)):
    folder.mkdir()
    w, h = size
    for i in range(n):
        g = np.zeros((h, w), np.uint8)
        g[: i + 1, 0] = 255  # area i + 1
        _save(g, folder / f"f{i}.png")
    return folder


def test_folder_per_frame_natural_order(tmp_path):
    folder = _frames_folder(tmp_path / "m", 12)
    (folder / ".hidden.png").write_bytes(b"junk")
    (folder / "notes.txt").write_text("ignored")
    assert [p.name for p in list_mask_images(folder)][:3] == ["f0.png", "f1.png", "f2.png"]
    src = open_masks(folder, 12, (16, 12))
    assert [int((src.mask(i) > 0).sum()) for i in range(12)] == list(range(1, 13))
    with pytest.raises(IndexError):
        src.mask(12)


def test_folder_count_mismatch_is_an_error(tmp_path):
    folder = _frames_folder(tmp_path / "m", 5)
    with pytest.raises(MaskError, match="5 images but the video has 7 frames"):
        open_masks(folder, 7, (16, 12))


def test_folder_with_one_image_is_stationary(tmp_path):
    folder = _frames_folder(tmp_path / "m", 1)
    src = open_masks(folder, 30, (32, 24))
    assert src.stationary
    assert int((src.mask(29) > 0).sum()) == 4  # 1 pixel at 16x12 -> 2x2 at 32x24


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "e").mkdir()
    with pytest.raises(MaskError, match="holds no images"):
        open_masks(tmp_path / "e", 3, (8, 8))


def test_write_masks_round_trip_and_atomic_target(tmp_path):
    masks = []
    for i in range(4):
        m = np.zeros((9, 11), np.uint8)
        m[i:, :i + 2] = 200  # any non-zero value becomes 255
        masks.append(m)
    out = tmp_path / "out"
    assert write_masks(out, masks) == 4
    assert sorted(p.name for p in out.iterdir()) == ["00000.png", "00001.png", "00002.png", "00003.png"]
    back = open_masks(out, 4, (11, 9))
    for i, m in enumerate(masks):
        assert np.array_equal(back.mask(i) > 0, m > 0)
        assert set(np.unique(back.mask(i))) <= {0, 255}
    with pytest.raises(MaskError, match="not empty"):
        write_masks(out, masks)

    def failing():
        yield masks[0]
        raise MaskError("boom")

    with pytest.raises(MaskError, match="boom"):
        write_masks(tmp_path / "half", failing())
    assert not (tmp_path / "half").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert write_masks(out, masks[:2], overwrite=True) == 2
    assert len(list(out.iterdir())) == 2


def test_bilevel_png_reads_back_as_0_255(tmp_path):
    import cv2

    from inpaint_core.masks import write_mask_image

    m = np.zeros((7, 13), np.uint8)
    m[2:5, 3:11] = 9
    write_mask_image(tmp_path / "b.png", m, bilevel=True)
    with Image.open(tmp_path / "b.png") as im:
        assert im.mode == "1"
    back = read_mask_image(tmp_path / "b.png")
    assert back.dtype == np.uint8 and int((back == 255).sum()) == 24 and int((back == 0).sum()) == 91 - 24
    assert np.array_equal(cv2.imread(str(tmp_path / "b.png"), cv2.IMREAD_GRAYSCALE), back)


def test_masks_handed_out_do_not_share_memory(tmp_path):
    g = np.zeros((4, 4), np.uint8)
    g[1, 1] = 255
    still = open_masks(_save(g, tmp_path / "one.png"), 3, (4, 4))
    m = still.mask(0)
    m[:] = 255
    assert int((still.mask(1) > 0).sum()) == 1
    folder = _frames_folder(tmp_path / "m", 3, size=(4, 4))
    per = open_masks(folder, 3, (4, 4))
    per.mask(2)[:] = 0
    assert int((per.mask(2) > 0).sum()) == 3
